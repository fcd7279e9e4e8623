// The bytes a first query transfers from a built site's search index, computed the way the search
// page's script fetches: meta.json, the term files of the query's terms (and their alias targets
// on Spanish and French sites), then the document files of the first ten results.
// Usage: node bench/search_bytes.js OUTPUT_DIR "query" ["query" …]
// Prints the uncompressed bytes, and the gzipped bytes a host compressing JSON sends.
const fs = require('fs');
const zlib = require('zlib');
const path = require('path');
const { terms, fnv1a32, rank, decode } = require(path.join(__dirname, '../templates/search.js'));

const out = process.argv[2];
const read = (rel) => fs.readFileSync(path.join(out, 'search', rel));
const meta = JSON.parse(read('meta.json'));
for (const query of process.argv.slice(3)) {
  const fetched = new Map([['meta.json', read('meta.json').length]]);
  const gzipped = new Map([['meta.json', zlib.gzipSync(read('meta.json')).length]]);
  const get = (rel) => {
    const bytes = read(rel);
    fetched.set(rel, bytes.length);
    gzipped.set(rel, zlib.gzipSync(bytes).length);
    return JSON.parse(bytes);
  };
  const alias = meta.stemmer !== null && meta.stemmer !== 'english';
  const postings = (t, viaAlias) => {
    const own = get('t/' + (fnv1a32(t) % meta.term_chunks) + '.json');
    if (Array.isArray(own[t]) || (own[t] && typeof own[t] === 'object')) return decode(own[t], meta.docs);
    if (!viaAlias) return null;
    const target = get('t/' + (fnv1a32('~' + t) % meta.term_chunks) + '.json')['~' + t];
    return typeof target === 'string' ? postings(target, false) : null;
  };
  const qterms = [...new Set(terms(query, meta.stemmer))];
  const hits = rank(qterms.map((t) => postings(t, alias)), 'relevance');
  for (const { id } of hits.slice(0, 10)) get('d/' + Math.floor(id / meta.doc_chunk) + '.json');
  const total = [...fetched.values()].reduce((a, b) => a + b, 0);
  const gz = [...gzipped.values()].reduce((a, b) => a + b, 0);
  console.log(`${JSON.stringify(query)}: ${hits.length} hits, ${fetched.size} files, ${total} bytes, ${gz} gzipped (terms ${qterms.join(' ')})`);
}

// The search client's ranking with common terms: on random postings, rank() over entries written
// the way src/index/mod.rs writes them (document numbers as distances; a term in more than 1,000
// documents as {n, top, bits} or {n, top, ids}: its documents as a bitmap or a list, its 500
// best-scored postings) and read back by the script's decode() finds exactly the documents that
// rank() over the full postings finds, in the same order when sorted newest first, at 5,000 and
// at 100,000 documents. Usage: node tests/browser/rank.js   Exit 1 on any mismatch.
const path = require('path');
const { rank, decode } = require(path.join(__dirname, '../../templates/search.js'));

// A term in more than MIN documents keeps its TOP best-scored postings.
const MIN = 1000;
const TOP = 500;
let seed = 7;
const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };

// What the index writes for a postings list of `docs` documents (see `common` and `push_pairs` in
// src/index/mod.rs): document numbers as distances from the one before; a term in more than TOP
// documents as {n, top, bits} or {n, top, ids}, whichever is shorter.
const deltas = (list, step) => list.map((v, i) => (i >= step && i % step === 0 ? v - list[i - step] : v));
function written(list, docs) {
  if (list.length / 2 <= MIN) return deltas(list, 2);
  const pairs = [];
  for (let i = 0; i < list.length; i += 2) pairs.push([list[i], list[i + 1]]);
  const members = deltas(pairs.map(([d]) => d), 1);
  const bits = new Uint8Array(Math.ceil(docs / 8));
  for (const [d] of pairs) bits[d >> 3] |= 1 << (d & 7);
  pairs.sort((a, b) => b[1] - a[1] || b[0] - a[0]);
  const top = deltas(pairs.slice(0, TOP).sort((a, b) => a[0] - b[0]).flat(), 2);
  const b64 = Buffer.from(bits).toString('base64');
  return JSON.stringify(members).length < b64.length ? { n: pairs.length, top, ids: members } : { n: pairs.length, top, bits: b64 };
}

let bad = 0;
// Terms of every frequency, some in nearly every document, some in a handful; on a large index
// the terms just past MIN documents are written as lists of documents, not bitmaps.
function check(docs, share) {
  const full = share.map((p) => {
    const l = [];
    for (let d = 0; d < docs; d++) if (rnd(1000000) < p * 1000000) l.push(d, 1 + rnd(40));
    return l;
  });
  const raw = full.map((l) => written(l, docs));
  if (!raw.some((l) => l.bits)) { console.log(`${docs} docs: no common term as a bitmap`); bad++; }
  if (docs > 50000 && !raw.some((l) => l.ids)) { console.log(`${docs} docs: no common term as a list`); bad++; }
  const index = raw.map((l) => decode(l, docs));
  if (full.some((l, t) => Array.isArray(index[t]) && index[t].join() !== l.join())) {
    bad++;
    console.log(`${docs} docs: postings do not decode to what was written`);
  }
  for (let q = 0; q < 300; q++) {
    const k = 1 + rnd(3);
    const pick = [...new Set(Array.from({ length: k }, () => rnd(share.length)))];
    const exact = rank(pick.map((t) => full[t]), 'newest');
    const got = rank(pick.map((t) => index[t]), 'newest');
    const ids = (h) => h.map((x) => x.id).join(',');
    if (ids(exact) !== ids(got)) {
      bad++;
      console.log(`${docs} docs, terms ${pick}: ${exact.length} exact hits, ${got.length} from the written index`);
    }
    const relevance = rank(pick.map((t) => index[t]), 'relevance');
    if (relevance.length !== exact.length) { bad++; console.log(`terms ${pick}: relevance finds ${relevance.length}`); }
  }
  // A doc absent from a common term's members never matches, even when a rare term has it.
  const lone = [9999 % docs, 5];
  const empty = Buffer.from(new Uint8Array(Math.ceil(docs / 8))).toString('base64');
  for (const entry of [{ n: 1, top: [], bits: empty }, { n: 1, top: [], ids: [(9999 % docs) + 1] }]) {
    if (rank([lone, decode(entry, docs)], 'relevance').length) { bad++; console.log('a document outside a common term matched'); }
  }
}
check(5000, [0.95, 0.6, 0.3, 0.25, 0.05, 0.01, 0.002]);
check(100000, [0.9, 0.3, 0.02, 0.012, 0.003, 0.0005]);
if (bad) { console.error(`RANK FAILED: ${bad} mismatch(es)`); process.exit(1); }
console.log('RANK OK');

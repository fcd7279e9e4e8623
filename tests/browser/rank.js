// The search client's ranking with common terms: on random postings, rank() over entries written
// the way src/index/mod.rs writes terms in more than 1,000 documents ({n, top, bits}: a bitmap of
// every document, the 1,000 best-scored postings) finds exactly the documents that rank() over the
// full postings finds, in the same order when sorted newest first, and scores every document at
// least what the rarer terms give it. Usage: node tests/browser/rank.js   Exit 1 on any mismatch.
const path = require('path');
const { rank } = require(path.join(__dirname, '../../templates/search.js'));

const TOP = 1000;
let seed = 7;
const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };

// What the index writes for a postings list of `docs` documents (see `common` in src/index/mod.rs).
function written(list, docs) {
  if (list.length / 2 <= TOP) return list;
  const pairs = [];
  for (let i = 0; i < list.length; i += 2) pairs.push([list[i], list[i + 1]]);
  const bits = new Uint8Array(Math.ceil(docs / 8));
  for (const [d] of pairs) bits[d >> 3] |= 1 << (d & 7);
  pairs.sort((a, b) => b[1] - a[1] || b[0] - a[0]);
  const top = pairs.slice(0, TOP).sort((a, b) => a[0] - b[0]).flat();
  return { n: pairs.length, top, bits: Buffer.from(bits).toString('base64') };
}

let bad = 0;
const docs = 5000;
// Terms of every frequency: some in nearly every document, some in a handful.
const share = [0.95, 0.6, 0.3, 0.25, 0.05, 0.01, 0.002];
const full = share.map((p) => {
  const l = [];
  for (let d = 0; d < docs; d++) if (rnd(10000) < p * 10000) l.push(d, 1 + rnd(40));
  return l;
});
const index = full.map((l) => written(l, docs));
if (!index.some((l) => !Array.isArray(l))) { console.log('no common term was made'); bad++; }
for (let q = 0; q < 300; q++) {
  const k = 1 + rnd(3);
  const pick = [...new Set(Array.from({ length: k }, () => rnd(share.length)))];
  const exact = rank(pick.map((t) => full[t]), 'newest');
  const got = rank(pick.map((t) => index[t]), 'newest');
  const ids = (h) => h.map((x) => x.id).join(',');
  if (ids(exact) !== ids(got)) {
    bad++;
    console.log(`terms ${pick}: ${exact.length} exact hits, ${got.length} from the written index`);
  }
  const relevance = rank(pick.map((t) => index[t]), 'relevance');
  if (relevance.length !== exact.length) { bad++; console.log(`terms ${pick}: relevance finds ${relevance.length}`); }
}
// A doc absent from a common term's bitmap never matches, even when a rare term has it.
const lone = [9999 % docs, 5];
const none = rank([lone, { n: 1, top: [], bits: Buffer.from(new Uint8Array(Math.ceil(docs / 8))).toString('base64') }], 'relevance');
if (none.length) { bad++; console.log('a document outside the bitmap matched'); }
if (bad) { console.error(`RANK FAILED: ${bad} mismatch(es)`); process.exit(1); }
console.log('RANK OK');

// Checks the search client's English stemmer against a table of (word, stem) pairs.
// Usage: node tests/browser/stem.js [TABLE.tsv]   (default: stem-table.tsv beside this file)
// The table's stems are Snowball English (Porter2) as rust-stemmers 1.2 makes them; the Rust
// side can check the same table, so both halves of the index agree. Exit 1 on any mismatch.
const fs = require('fs');
const path = require('path');
const { stem, terms, fnv1a32 } = require(path.join(__dirname, '../../templates/search.js'));

const file = process.argv[2] || path.join(__dirname, 'stem-table.tsv');
const rows = fs.readFileSync(file, 'utf8').split('\n')
  .filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t'));
let bad = 0;
for (const [word, want] of rows) {
  const got = stem(word);
  if (got !== want) { bad++; console.log(`MISMATCH ${word}: want ${want}, got ${got}`); }
}

// A few tokeniser and hash cases from search-spec.md, so the page's query terms are checked too.
const eq = (what, got, want) => {
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    bad++; console.log(`MISMATCH ${what}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  }
};
eq('terms 대통령은', terms('대통령은', null), ['대통', '통령', '령은']);
eq('terms 대통령', terms('대통령', 'english'), ['대통', '통령']);
eq('terms one syllable', terms('국', null), ['국']);
eq('terms Café Ferries', terms('Café, Ferries; a 7 x', 'english'), ['cafe', 'ferri', '7']);
eq('terms Han', terms('東京都', null), ['東京', '京都']);
eq('terms Arabic', terms('أحمد مكتبة', null), ['احمد', 'مكتبه']);
eq('fnv1a32 empty', fnv1a32(''), 2166136261);
eq('fnv1a32 a', fnv1a32('a'), 0xe40c292c);
eq('fnv1a32 foobar', fnv1a32('foobar'), 0xbf9cf968);
console.log(`${rows.length} stems, ${bad} mismatches`);
process.exit(bad ? 1 : 0);

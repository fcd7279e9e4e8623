// The bytes a first Pagefind query transfers, measured in headless Chromium (playwright-core, as
// ../../shared/oracles/check_live_reload.js): the page imports /pagefind/pagefind.js, runs
// `pagefind.search(query)` and loads the data of the first ten results, as Pagefind's own UI does.
// Every response under /pagefind/ is counted (its body length: what an uncompressed host sends),
// with the script and WebAssembly apart from the index. One fresh browser context per query, so
// nothing is cached from the one before.
// Usage: node bench/pagefind_bytes.js BASE_URL "query" ["query" …]
//   BASE_URL: a static server over a site that `pagefind --site DIR` indexed.
const path = require('path');
const ORACLES = process.env.ORACLES || path.join(process.env.HOME, '.cache/gazette-oracles');
const { chromium } = require(path.join(ORACLES, 'npm/node_modules/playwright-core'));

(async () => {
  const [base, ...queries] = process.argv.slice(2);
  if (!base || !queries.length) { console.error('usage: pagefind_bytes.js BASE_URL QUERY…'); process.exit(2); }
  const root = base.replace(/\/$/, '');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
  try {
    for (const query of queries) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const got = [];
      page.on('response', async (r) => {
        const p = new URL(r.url()).pathname;
        if (!p.startsWith('/pagefind/')) return;
        const body = await r.body().catch(() => Buffer.alloc(0));
        got.push([p.slice('/pagefind/'.length), body.length]);
      });
      await page.goto(root + '/404.html');
      const n = await page.evaluate(async ({ root, query }) => {
        const pagefind = await import(root + '/pagefind/pagefind.js');
        await pagefind.init();
        const search = await pagefind.search(query);
        await Promise.all(search.results.slice(0, 10).map((r) => r.data()));
        return search.results.length;
      }, { root, query });
      await page.waitForTimeout(200);
      const code = got.filter(([p]) => /\.(js|wasm|pagefind)$/.test(p) && !p.startsWith('index/') && !p.startsWith('fragment/'));
      const index = got.filter((g) => !code.includes(g));
      const sum = (rows) => rows.reduce((a, [, b]) => a + b, 0);
      console.log(`"${query}": ${n} results; ${sum(index)} bytes of index in ${index.length} files ` +
        `(${index.map(([p, b]) => `${p} ${b}`).join(', ')}), plus ${sum(code)} bytes of script and WebAssembly ` +
        `(${code.map(([p, b]) => `${p} ${b}`).join(', ')})`);
      await context.close();
    }
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error('FAILED:', e.message); process.exit(1); });

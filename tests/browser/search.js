// The search page in headless Chromium (playwright-core, as ../../../shared/oracles/check_live_reload.js).
// Usage: node tests/browser/search.js BASE_URL [FIXTURE.json]
//   BASE_URL: the site root, e.g. http://localhost:8000 or http://localhost:8000/news
//   FIXTURE:  queries and expected headlines (default: search-fixture.json beside this file,
//             which fits the index made by fake_index.py). Keys:
//     english {query, first}        the first result's headline for a typed query
//     korean  {query, expect}       a bare noun finds the story whose text has it with a particle
//     none    {query, status?}      the status starts with `status` (default "No results") and
//                                   the list is empty
// Each key but `english` may be left out (a language edition's fixture holds what fits it).
//     hostile {query, headline}     the headline shows as text: no <img> made, no dialog fired
//     more    {query, section?, section_title?}  optional: "More results" adds 10, the section
//                                   filter keeps only that section
// Queries are typed with the keyboard after pressing "/" (which must focus the box), then Enter.
// Prints the bytes fetched under /search/ for the first query (a fresh page), then "SEARCH OK".
const path = require('path');
const fs = require('fs');
const ORACLES = process.env.ORACLES || path.join(process.env.HOME, '.cache/gazette-oracles');
const { chromium } = require(path.join(ORACLES, 'npm/node_modules/playwright-core'));

const fail = (msg) => { throw new Error(msg); };

async function query(page, q) {
  await page.locator('body').click({ position: { x: 1, y: 1 } });
  await page.keyboard.press('/');
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.name);
  if (focused !== 'q') fail(`"/" did not focus the search box (focus on ${focused})`);
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(q);
  await page.keyboard.press('Enter');
  await page.waitForFunction((q) => {
    const s = document.getElementById('search-status').textContent;
    const searching = document.getElementById('search-form').dataset.tSearching || 'Searching';
    return s.includes('\u201c' + q + '\u201d') && !s.startsWith(searching);
  }, q, { timeout: 10000 });
  return page.evaluate(() => ({
    status: document.getElementById('search-status').textContent,
    headlines: [...document.querySelectorAll('#search-results .item-title a')].map((a) => a.textContent),
    sections: [...document.querySelectorAll('#search-results .item-section')].map((s) => s.textContent),
    imgs: document.querySelectorAll('#search-results img, #search-results script').length,
    marks: document.querySelectorAll('#search-results mark').length,
    url: location.href,
  }));
}

(async () => {
  const [base, fixtureFile] = process.argv.slice(2);
  if (!base) { console.error('usage: search.js BASE_URL [FIXTURE.json]'); process.exit(2); }
  const fx = JSON.parse(fs.readFileSync(fixtureFile || path.join(__dirname, 'search-fixture.json'), 'utf8'));
  const url = base.replace(/\/$/, '') + '/search/';
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run',
           '--disable-component-update', '--disable-sync'] });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const dialogs = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const fetched = [];
    page.on('response', async (r) => {
      const p = new URL(r.url()).pathname;
      if (!p.includes('/search/') || p.endsWith('/search/')) return;
      const len = Number(r.headers()['content-length']) || (await r.body().catch(() => Buffer.alloc(0))).length;
      fetched.push([p.slice(p.indexOf('/search/') + 8), len]);
    });
    await page.goto(url);
    await page.waitForSelector('#search-form.search-ready', { timeout: 10000 });

    // (a) English: the expected story first; the URL carries the query.
    let r = await query(page, fx.english.query);
    if (r.headlines[0] !== fx.english.first) fail(`English "${fx.english.query}": first is ${JSON.stringify(r.headlines[0])}, want ${JSON.stringify(fx.english.first)}`);
    if (new URL(r.url).searchParams.get('q') !== fx.english.query) fail(`URL not updated: ${r.url}`);
    if (!r.marks) fail('no <mark> in the English results');
    console.log(`English "${fx.english.query}": ${r.status}; first: ${r.headlines[0]}`);
    const first = fetched.slice();
    const sum = (rows, f) => rows.filter(f).reduce((n, [, b]) => n + b, 0);
    const index = sum(first, ([p]) => !p.endsWith('.js'));
    console.log(`bytes fetched under /search/ for the first query: ${index} of index (` +
      first.filter(([p]) => !p.endsWith('.js')).map(([p, b]) => `${p} ${b}`).join(', ') +
      `), plus ${sum(first, ([p]) => p.endsWith('.js'))} of search.js`);

    // (b) Korean: a bare noun finds the story with the noun and a particle.
    if (fx.korean) {
      r = await query(page, fx.korean.query);
      if (!r.headlines.includes(fx.korean.expect)) fail(`Korean "${fx.korean.query}": ${JSON.stringify(r.headlines)} lacks ${JSON.stringify(fx.korean.expect)}`);
      console.log(`Korean "${fx.korean.query}": ${r.status}; found: ${fx.korean.expect}`);
    }

    // (c) No hits.
    if (fx.none) {
      r = await query(page, fx.none.query);
      const none = fx.none.status || 'No results';
      if (!r.status.startsWith(none) || r.headlines.length) fail(`"${fx.none.query}": status ${JSON.stringify(r.status)}, ${r.headlines.length} results`);
      console.log(`no hits "${fx.none.query}": ${r.status}`);
    }

    // (d) A hostile headline is text.
    if (fx.hostile) {
      r = await query(page, fx.hostile.query);
      if (!r.headlines.includes(fx.hostile.headline)) fail(`hostile: ${JSON.stringify(r.headlines)} lacks the headline as text`);
      if (r.imgs) fail(`hostile: ${r.imgs} img/script element(s) in the results`);
      await page.waitForTimeout(300);
      if (dialogs.length) fail(`dialog(s) fired: ${JSON.stringify(dialogs)}`);
      console.log(`hostile "${fx.hostile.query}": headline shown as text, no img, no dialog`);
    }

    // Optional: More results, section filter, and a ?q= link opened afresh.
    if (fx.more) {
      r = await query(page, fx.more.query);
      const n = r.headlines.length;
      const total = Number((r.status.match(/^(\d+)/) || [])[1]);
      if (total > 10) {
        if (n !== 10) fail(`"${fx.more.query}": ${n} results shown of ${total}, want 10`);
        await page.keyboard.press('Tab'); // focus leaves the box; the button is reachable
        await page.click('#search-more');
        await page.waitForFunction((n) => document.querySelectorAll('#search-results > li').length > n, n);
        const m = await page.locator('#search-results > li').count();
        console.log(`more "${fx.more.query}": ${total} results, ${n} then ${m} shown`);
      }
      if (fx.more.section) {
        await page.goto(`${url}?q=${encodeURIComponent(fx.more.query)}&section=${fx.more.section}&sort=newest`);
        await page.waitForFunction(() => /results? for|No results/.test(document.getElementById('search-status').textContent));
        const s = await page.evaluate(() => [...document.querySelectorAll('#search-results .item-section')].map((e) => e.textContent));
        if (!s.length || s.some((t) => t !== fx.more.section_title)) fail(`section filter ${fx.more.section}: ${JSON.stringify(s)}`);
        const v = await page.evaluate(() => [document.getElementById('search-q').value, document.getElementById('search-section').value, document.getElementById('search-sort').value]);
        if (v[0] !== fx.more.query || v[1] !== fx.more.section || v[2] !== 'newest') fail(`?q= link not read back: ${JSON.stringify(v)}`);
        console.log(`?q=&section=${fx.more.section}&sort=newest: ${s.length} results, all ${fx.more.section_title}`);
      }
    }
    if (errors.length) fail(`page errors: ${errors.join('; ')}`);
    console.log('SEARCH OK');
  } finally { await browser.close(); }
})().catch((e) => { console.error('FAIL', e.message); process.exit(1); });

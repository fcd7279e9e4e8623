// Live pages and the breaking banner in headless Chromium (playwright-core, Debian's chromium),
// over plain static files: a build served by `python3 -m http.server`, no `gazette serve`.
// Usage: node tests/browser/live.js BASE_URL PAGE_PATH SITE_DIR OUT_DIR NOW
//   PAGE_PATH: a live story's page; SITE_DIR: a copy of the site the build in OUT_DIR was made
//   from (this script adds an entry to it); NOW: the build's --now; GAZETTE: the binary.
// Checks, with the page's clock driven by page.clock:
//   1. a new entry file, built into the served folder, appears on the open page by polling
//      (no reload: a marker set on the window survives), newest first;
//   2. a poll that finds nothing new costs the page one small response (bytes printed, < 2 kB);
//   3. the breaking banner shows at NOW and hides by itself once its story's window passes;
//   4. the live badge hides itself once live_until passes.
const path = require('path');
const fs = require('fs');
const { execFileSync } = require('child_process');
const ORACLES = process.env.ORACLES || path.join(process.env.HOME, '.cache/gazette-oracles');
const { chromium } = require(path.join(ORACLES, 'npm/node_modules/playwright-core'));

function fail(msg) { console.error('LIVE FAILED: ' + msg); process.exit(1); }

(async () => {
  const [base, pagePath, siteDir, outDir, now] = process.argv.slice(2);
  if (!now) { console.error('usage: live.js BASE_URL PAGE_PATH SITE_DIR OUT_DIR NOW'); process.exit(2); }
  const gazette = process.env.GAZETTE || 'target/release/gazette';
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
  try {
    const page = await browser.newPage();
    await page.clock.install({ time: new Date(now) });
    const polls = [];
    page.on('requestfinished', async (req) => {
      if (!req.url().endsWith('/live.json')) return;
      const s = await req.sizes();
      polls.push({ total: s.requestHeadersSize + s.responseHeadersSize + s.responseBodySize, ...s });
    });
    await page.goto(base.replace(/\/$/, '') + pagePath, { waitUntil: 'load' });
    await page.evaluate(() => { window.__notReloaded = true; });
    const before = await page.$$eval('.live-entry', (els) => els.map((e) => e.id));
    if (!before.length) fail('the live page shows no entries');

    // 2. A poll with nothing new: one small response, no page fetch.
    await page.clock.runFor(16000);
    await page.waitForTimeout(300);
    if (!polls.length) fail('the page did not poll live.json');
    const q = polls[polls.length - 1];
    console.log(`poll with nothing new: ${q.total} bytes (request headers ${q.requestHeadersSize}, ` +
      `response headers ${q.responseHeadersSize}, body ${q.responseBodySize})`);
    if (q.total > 2048) fail(`a poll costs ${q.total} bytes`);

    // 1. A reporter adds an entry; the build writes into the served folder.
    const folder = fs.readdirSync(path.join(siteDir, 'content/world')).find((n) => n.endsWith('.live'));
    const minute = new Date(new Date(now).getTime() - 60000).toISOString().replace(/\.\d+Z$/, 'Z');
    fs.writeFileSync(path.join(siteDir, 'content/world', folder, 'zz-browser-check.md'),
      `+++\ntitle = "Pumps <running> at Pier 4"\ndate = ${minute}\n+++\nCrews started the pumps.\n`);
    execFileSync(gazette, ['build', siteDir, '--output', outDir, '--now', now, '--quiet'], { stdio: 'inherit' });
    await page.clock.runFor(16000);
    await page.waitForSelector('#entry-zz-browser-check', { timeout: 5000 })
      .catch(() => fail('the new entry did not appear by polling'));
    const after = await page.$$eval('.live-entry', (els) => els.map((e) => e.id));
    if (after[0] !== 'entry-zz-browser-check') fail(`the new entry is not first: ${after.join(', ')}`);
    if (after.length !== before.length + 1) fail(`expected ${before.length + 1} entries, got ${after.length}`);
    const title = await page.textContent('#entry-zz-browser-check .live-entry-title');
    if (title.trim() !== 'Pumps <running> at Pier 4') fail(`the entry's title reads ${JSON.stringify(title)}`);
    if (!(await page.evaluate(() => window.__notReloaded))) fail('the page reloaded');
    console.log(`new entry appeared by polling, without a reload (${after.length} entries)`);

    // 3. The breaking banner: shown at NOW, hidden once the window passes.
    await page.waitForSelector('#breaking:not([hidden]) a', { timeout: 5000 })
      .catch(() => fail('the breaking banner does not show at ' + now));
    const doc = JSON.parse(fs.readFileSync(path.join(outDir, 'breaking.json'), 'utf8'));
    const last = Math.max(...doc.stories.map((s) => Date.parse(s.until)));
    await page.clock.fastForward(last - Date.parse(now) + 1000);
    await page.waitForSelector('#breaking[hidden]', { state: 'attached', timeout: 5000 })
      .catch(() => fail('the breaking banner did not hide when its window passed'));
    console.log('breaking banner shown, then hidden at its expiry');

    // 4. The badge hides once live_until passes (the script checks at each poll).
    const until = await page.getAttribute('[data-live-badge]', 'data-until');
    if (until) {
      await page.clock.fastForward(Date.parse(until) - Date.parse(now) + 60000);
      await page.clock.runFor(16000);
      await page.waitForSelector('[data-live-badge][hidden]', { state: 'attached', timeout: 5000 })
        .catch(() => fail('the live badge did not hide after live_until'));
      console.log('live badge hidden after live_until');
    }
  } finally {
    await browser.close();
  }
  console.log('LIVE OK');
})().catch((e) => fail(e.message));

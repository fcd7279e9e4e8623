// Accessibility of the default theme: axe-core (from the npm registry) in headless Chromium,
// driven by playwright-core as ../../../shared/oracles/check_live_reload.js is.
// Usage: node tests/browser/axe.js BASE_URL PATH [PATH …]
//   AXE: the folder holding node_modules/axe-core (default ~/.cache/gazette-axe).
// Each page is loaded, given a moment for its scripts (the search page runs a query when its URL
// has ?q=), and checked with axe's WCAG 2.0/2.1 A and AA rules plus its best practices. Every
// violation is printed with its rule, impact, the elements and the help URL; exits 1 if any page
// has one, else prints "AXE OK".
//   AXE_NOW: an ISO time to fix the pages' clock at (page.clock), so that the breaking banner,
//   which news.js fills from breaking.json by the reader's clock, shows as it did at that time.
const path = require('path');
const fs = require('fs');
const ORACLES = process.env.ORACLES || path.join(process.env.HOME, '.cache/gazette-oracles');
const AXE = process.env.AXE || path.join(process.env.HOME, '.cache/gazette-axe');
const { chromium } = require(path.join(ORACLES, 'npm/node_modules/playwright-core'));
const axeSource = fs.readFileSync(path.join(AXE, 'node_modules/axe-core/axe.min.js'), 'utf8');

(async () => {
  const [base, ...paths] = process.argv.slice(2);
  if (!base || !paths.length) { console.error('usage: axe.js BASE_URL PATH…'); process.exit(2); }
  const root = base.replace(/\/$/, '');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
  let failed = 0;
  try {
    for (const p of paths) {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      if (process.env.AXE_NOW) await page.clock.setFixedTime(new Date(process.env.AXE_NOW));
      const res = await page.goto(root + encodeURI(p), { waitUntil: 'load' });
      if (!res || res.status() !== 200) { console.log(`FAIL ${p}: HTTP ${res && res.status()}`); failed++; continue; }
      await page.waitForTimeout(p.includes('/search/') ? 1500 : 200);
      if (process.env.AXE_NOW) {
        // The banner is filled after breaking.json arrives; check the page with it showing.
        await page.waitForSelector('#breaking:not([hidden])', { timeout: 3000 })
          .catch(() => console.log(`note ${p}: no breaking banner at ${process.env.AXE_NOW}`));
      }
      await page.addScriptTag({ content: axeSource });
      const result = await page.evaluate(() => window.axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      }));
      const v = result.violations;
      if (v.length) {
        failed++;
        console.log(`FAIL ${p}: ${v.length} violation(s)`);
        for (const x of v) {
          console.log(`  ${x.id} (${x.impact}): ${x.help} — ${x.helpUrl}`);
          for (const n of x.nodes.slice(0, 5)) console.log(`    ${n.target.join(' ')}: ${(n.failureSummary || '').split('\n').slice(1).join('; ')}`);
        }
      } else {
        console.log(`ok   ${p}: ${result.passes.length} rules pass`);
      }
      await page.close();
    }
  } finally {
    await browser.close();
  }
  if (failed) { console.error(`AXE FAILED: ${failed} of ${paths.length} page(s)`); process.exit(1); }
  console.log('AXE OK');
})().catch((e) => { console.error('AXE FAILED:', e.message); process.exit(1); });

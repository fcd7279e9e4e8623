// A right-to-left page in headless Chromium (playwright-core, as ../../../shared/oracles/check_live_reload.js):
// the Arabic edition's article lays out right to left, the English one left to right.
// Usage: node tests/browser/rtl.js BASE_URL RTL_PATH LTR_PATH [SCREENSHOT.png]
//   RTL_PATH / LTR_PATH: the two pages, e.g. /ar/world/2026/11/19/…/ and /world/2026/11/19/…/
// For each page it checks <html dir>, the computed direction, and where text starts: the
// headline's text hugs the right edge of its box on the RTL page and the left edge on the LTR
// one; the kicker, byline and language switcher run the same way; no element sticks out of the
// viewport sideways. Saves a full-page screenshot of the RTL page, then prints "RTL OK".
const path = require('path');
const ORACLES = process.env.ORACLES || path.join(process.env.HOME, '.cache/gazette-oracles');
const { chromium } = require(path.join(ORACLES, 'npm/node_modules/playwright-core'));

const fail = (msg) => { throw new Error(msg); };

async function layout(page, url) {
  const res = await page.goto(url, { waitUntil: 'load' });
  if (!res || res.status() !== 200) fail(`${url}: HTTP ${res && res.status()}`);
  return page.evaluate(() => {
    // Where the text of an element starts and ends inside its own box (px from each side).
    const gaps = (sel) => {
      const el = document.querySelector(sel);
      if (!el) return null;
      const box = el.getBoundingClientRect();
      const r = document.createRange();
      r.selectNodeContents(el);
      const rects = [...r.getClientRects()].filter((x) => x.width > 0);
      if (!rects.length) return null;
      const first = rects[0];
      return { left: Math.round(first.left - box.left), right: Math.round(box.right - first.right) };
    };
    const wide = [...document.querySelectorAll('body *')].filter((e) => {
      const b = e.getBoundingClientRect();
      return b.width > 0 && (b.right > innerWidth + 1 || b.left < -1) && getComputedStyle(e).position !== 'absolute';
    }).map((e) => e.tagName + '.' + e.className);
    const current = document.querySelector('.language-switcher [aria-current]');
    return {
      dir: document.documentElement.getAttribute('dir'),
      lang: document.documentElement.lang,
      direction: getComputedStyle(document.documentElement).direction,
      headline: gaps('.headline'),
      summary: gaps('.story-body p'),
      switcher: current && current.textContent,
      wide,
    };
  });
}

(async () => {
  const [base, rtlPath, ltrPath, shot] = process.argv.slice(2);
  if (!ltrPath) { console.error('usage: rtl.js BASE_URL RTL_PATH LTR_PATH [SCREENSHOT.png]'); process.exit(2); }
  const root = base.replace(/\/$/, '');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run',
           '--disable-component-update', '--disable-sync'] });
  try {
    const page = await browser.newPage({ viewport: { width: 900, height: 1000 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const rtl = await layout(page, root + encodeURI(rtlPath));
    if (rtl.dir !== 'rtl' || rtl.direction !== 'rtl') fail(`RTL page: dir=${rtl.dir}, direction=${rtl.direction}`);
    if (!rtl.headline || !(rtl.headline.right < rtl.headline.left)) fail(`RTL headline does not start at the right: ${JSON.stringify(rtl.headline)}`);
    if (!rtl.summary || !(rtl.summary.right < rtl.summary.left)) fail(`RTL body text does not start at the right: ${JSON.stringify(rtl.summary)}`);
    if (rtl.switcher !== 'العربية') fail(`RTL page: the switcher marks ${JSON.stringify(rtl.switcher)} as current`);
    if (rtl.wide.length) fail(`RTL page: elements outside the viewport: ${rtl.wide.slice(0, 5).join(', ')}`);
    if (shot) await page.screenshot({ path: shot, fullPage: true });
    const ltr = await layout(page, root + encodeURI(ltrPath));
    if (ltr.direction !== 'ltr') fail(`LTR page: direction=${ltr.direction}`);
    if (!ltr.headline || !(ltr.headline.left < ltr.headline.right)) fail(`LTR headline does not start at the left: ${JSON.stringify(ltr.headline)}`);
    if (errors.length) fail(`script errors: ${errors.join('; ')}`);
    console.log(`rtl: headline gaps ${JSON.stringify(rtl.headline)}, body ${JSON.stringify(rtl.summary)}; ltr: ${JSON.stringify(ltr.headline)}`);
    console.log('RTL OK');
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error('RTL FAILED:', e.message); process.exit(1); });

// Photos in headless Chromium (playwright-core, as ../../../shared/oracles/check_live_reload.js).
// Usage: node tests/browser/photos.js BASE_URL PAGE_PATH...
//   BASE_URL:  the site root served as plain static files, e.g. http://127.0.0.1:8000
//   PAGE_PATH: article pages with photos, e.g. /culture/2026/11/26/lantern-festival/
// On each page, every rendition the page offers (each srcset candidate of every <source> and
// <img>, and each <img src>) is fetched by the browser from the page's origin and must answer 200
// with an image type; the page is loaded at two viewport widths and every <img> must have decoded
// (naturalWidth > 0) at the width and height its attributes give (no layout shift), and no request
// the page itself made may fail. Prints one line per page, then "PHOTOS OK".
const path = require('path');
const ORACLES = process.env.ORACLES || path.join(process.env.HOME, '.cache/gazette-oracles');
const { chromium } = require(path.join(ORACLES, 'npm/node_modules/playwright-core'));

const fail = (msg) => { throw new Error(msg); };

async function offered(page) {
  return page.evaluate(() => {
    const urls = new Set();
    const candidates = (srcset) => (srcset || '').split(',').map((c) => c.trim().split(/\s+/)[0]).filter(Boolean);
    for (const el of document.querySelectorAll('picture source, img')) {
      for (const u of candidates(el.getAttribute('srcset'))) urls.add(new URL(u, location.href).href);
      if (el.tagName === 'IMG' && el.getAttribute('src')) urls.add(new URL(el.getAttribute('src'), location.href).href);
    }
    return [...urls];
  });
}

async function main() {
  const [base, ...pages] = process.argv.slice(2);
  if (!base || pages.length === 0) fail('usage: photos.js BASE_URL PAGE_PATH...');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  let total = 0;
  try {
    for (const width of [420, 1280]) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      const failed = [];
      page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`); });
      page.on('requestfailed', (r) => failed.push(`failed (${r.failure() && r.failure().errorText}) ${r.url()}`));
      for (const p of pages) {
        await page.goto(base.replace(/\/$/, '') + p, { waitUntil: 'load' });
        // Lazy images below the fold: scroll through the page so every <img> loads.
        await page.evaluate(async () => {
          for (let y = 0; y < document.body.scrollHeight; y += 400) { window.scrollTo(0, y); await new Promise((r) => setTimeout(r, 30)); }
        });
        await page.waitForFunction(() => [...document.images].every((i) => i.complete), null, { timeout: 15000 });
        const imgs = await page.evaluate(() => [...document.images].map((i) => ({
          src: i.currentSrc, natural: i.naturalWidth, w: i.getAttribute('width'), h: i.getAttribute('height'),
          ratio: i.naturalWidth / i.naturalHeight,
        })));
        if (!imgs.some((i) => i.src.includes('/photos/'))) fail(`${p}: no rendition shown`);
        for (const i of imgs) {
          if (!i.natural) fail(`${p}: ${i.src} did not decode`);
          if (i.src.includes('/photos/') && (!i.w || !i.h)) fail(`${p}: ${i.src} has no width/height`);
          if (i.w && Math.abs(i.ratio - i.w / i.h) > 0.02) fail(`${p}: ${i.src} is ${i.ratio} wide for ${i.w}×${i.h}`);
        }
        const urls = await offered(page);
        for (const u of urls) {
          const status = await page.evaluate(async (u) => {
            const r = await fetch(u, { cache: 'no-store' });
            // The whole body, so navigating on aborts nothing.
            const bytes = (await r.arrayBuffer()).byteLength;
            return [r.status, r.headers.get('content-type') || '', bytes];
          }, u);
          if (status[0] !== 200 || !status[1].startsWith('image/') || status[2] === 0) {
            fail(`${p}: ${u} answered ${status[0]} ${status[1]}, ${status[2]} bytes`);
          }
        }
        if (width === 1280) console.log(`${p}: ${urls.length} renditions offered, all 200; ${imgs.length} images shown`);
        total += urls.length;
      }
      if (failed.length) fail(`requests failed at ${width}px: ${failed.join(', ')}`);
      await page.close();
    }
  } finally {
    await browser.close();
  }
  if (total === 0) fail('no rendition offered at all');
  console.log('PHOTOS OK');
}

main().catch((e) => { console.error(e.message || e); process.exit(1); });

// report_boxes_browser.mjs - a detection export's report in headless
// Chromium (playwright-core from web/node_modules, Debian's
// /usr/bin/chromium): pinning a box item shows its whole image's thumbnail
// with the box drawn over it where the page data and PIL put it, the
// summary lists the whole-image duplicates and leakage, no console error,
// no network request. Usage:
//   node tests/report_boxes_browser.mjs REPORT.html SCREENSHOT_PREFIX EXPECT.json
// EXPECT.json (tests/ref/make_shared_images.py expect_pin): {"n", "item",
//   "image", "images", "first", "px", "rect_px": [x, y, w, h]}.
// Exit 1 on a failed check.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), '../web/package.json'));
const { chromium } = require('playwright-core');
const [html, shot, expectPath] = process.argv.slice(2);
const expect = JSON.parse(readFileSync(expectPath, 'utf8'));
let failures = 0;
const check = (ok, what) => { if (!ok) { failures++; console.error(`FAIL: ${what}`); } else console.error(`ok: ${what}`); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--no-first-run', '--disable-sync', '--enable-unsafe-swiftshader'],
});
const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
const errors = [];
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
page.on('pageerror', (e) => errors.push(String(e)));
page.on('request', (r) => { if (!/^(file|data|blob):/.test(r.url())) errors.push(`network request: ${r.url()}`); });
await page.goto('file://' + html, { waitUntil: 'load' });
await page.waitForFunction(() => window.embReport && window.embReport.ready, null, { timeout: 60000, polling: 20 });
check(await page.evaluate(() => window.embReport.n) === expect.n, `n == ${expect.n}`);

// pin the box item: its crop, and below it its image with the box drawn on
await page.evaluate((i) => window.embReport.pin(i), expect.item);
await page.waitForSelector('#pinned .box-on-image .thumb[data-loaded]', { timeout: 5000 }).catch(() => null);
const got = await page.evaluate(() => {
  const t = document.querySelector('#pinned .box-on-image .thumb');
  const r = t && t.querySelector('.box-rect');
  if (!t || !r) return null;
  const tb = t.getBoundingClientRect(), rb = r.getBoundingClientRect();
  return { image: Number(t.dataset.image), loaded: t.dataset.loaded === '1', w: tb.width,
    bg: getComputedStyle(t).backgroundImage.slice(0, 9), pos: getComputedStyle(t).backgroundPosition,
    rect: [rb.left - tb.left, rb.top - tb.top, rb.width, rb.height],
    crop: Number(document.querySelector('#pinned .pin-main .thumb').dataset.item) };
});
check(got != null, 'the pinned box item shows its image with a box');
if (got) {
  check(got.crop === expect.item, `the crop is item ${expect.item} (got ${got.crop})`);
  check(got.image === expect.image, `its image is images.csv row ${expect.image} (got ${got.image})`);
  check(got.loaded && /^url\("/.test(got.bg), `the image's sprite cell is loaded (${got.bg})`);
  check(Math.abs(got.w - expect.px) < 0.5, `the image is ${expect.px} px wide (got ${got.w})`);
  const err = Math.max(...got.rect.map((v, k) => Math.abs(v - expect.rect_px[k])));
  check(err < 0.75, `the box is at ${expect.rect_px.map((v) => v.toFixed(1))} px (got ${got.rect.map((v) => v.toFixed(1))})`);
  // the cell shown is cell first + image of the sheet
  const cell = await page.evaluate(() => window.embReport.thumbs);
  const c = (expect.first + expect.image) % cell.per_sheet, k = expect.px / cell.size;
  const want = `${-(c % cell.cols) * cell.size * k}px ${-Math.floor(c / cell.cols) * cell.size * k}px`;
  check(got.pos === want, `background position of cell ${expect.first + expect.image}: ${want} (got ${got.pos})`);
}
await page.locator('#pinned').screenshot({ path: `${shot}-pinned.png` });

const summary = await page.evaluate(() => document.querySelector('#summary .whole-images')?.textContent || '');
check(/images/.test(summary) && summary.includes(`${expect.images} (of ${expect.n} boxes`), `summary lists the whole images: ${summary.slice(0, 160)}`);
check(/leak pairs across splits2 \(/.test(summary), 'summary: 2 whole-image leak pairs');
check(errors.length === 0, `no console errors (${errors.join(' | ')})`);
await browser.close();
process.exit(failures ? 1 : 0);

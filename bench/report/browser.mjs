// browser.mjs - the report at scale in headless Chromium (playwright-core
// from web/node_modules, Debian's /usr/bin/chromium, SwiftShader WebGL).
// Usage: node bench/report/browser.mjs REPORT.html SHOT_PREFIX
// Opens the page from file:// and prints one JSON line:
//   interactive_ms   page.goto to window.embReport.ready (map drawn, mouse answered)
//   page_ready_ms    the page's own clock: navigation start to ready
//   frame_ms         one frame drawn to the end (readPixels), zoomed out
//   plotted, lod     points drawn per frame, and their share of N
//   hover_ms         mouse move onto a point to its thumbnail shown (sheet
//                    decoded), for 12 points: first / median / max; first
//                    of a sheet (a sheet file loaded) and again (cached)
//   zoomed           after zooming in 4x (wheel): plotted, frame_ms, a hover
//   pin_ms           a click to the pinned item's neighbours listed
//   js_heap_mb       performance.memory.usedJSHeapSize
//   chromium_pss_mb  proportional set size of every Chromium process
//   console_errors   console errors, page errors, network requests
// Screenshots: SHOT_PREFIX-map.png, -hover.png, -zoomed.png.
import { createRequire } from 'node:module';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), '../../web/package.json'));
const { chromium } = require('playwright-core');
const [html, shot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--no-first-run', '--disable-sync', '--enable-unsafe-swiftshader', '--enable-precise-memory-info'],
});
const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
const errors = [];
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
page.on('pageerror', (e) => errors.push(String(e)));
page.on('request', (r) => { if (!/^(file|data|blob):/.test(r.url())) errors.push(`network request: ${r.url()}`); });
const m = {};
const t0 = Date.now();
await page.goto('file://' + html, { waitUntil: 'commit', timeout: 120000 });
await page.waitForFunction(() => window.embReport && window.embReport.ready, null, { timeout: 120000, polling: 20 });
m.interactive_ms = Date.now() - t0;
await page.waitForFunction(() => window.embReport.firstFrameAt() != null, null, { timeout: 120000, polling: 20 });
m.first_frame_ms = Date.now() - t0;   // the first frame submitted and the main thread free again
m.page_ready_ms = Math.round(await page.evaluate(() => window.embReport.readyAt));
// where the time before the page's own clock went: Chromium's navigation start, relative to goto
Object.assign(m, await page.evaluate((t0) => {
  const nav = performance.getEntriesByType('navigation')[0] || {};
  return { nav_start_after_goto_ms: Math.round(performance.timeOrigin - t0), response_end_ms: Math.round(nav.responseEnd || -1), dom_interactive_ms: Math.round(nav.domInteractive || -1) };
}, t0));
m.json_parsed_ms = Math.round(await page.evaluate(() => window.embReport.parsedAt));
m.setup_ms = Math.round(await page.evaluate(() => window.embReport.setupMs));
await page.waitForLoadState('load', { timeout: 120000 });
m.load_event_ms = Date.now() - t0;
m.n = await page.evaluate(() => window.embReport.n);
m.split_files = await page.evaluate(() => window.embReport.splitFiles);
m.frame_ms = Math.round(await page.evaluate(() => window.embReport.frameMs()));
m.plotted = await page.evaluate(() => window.embReport.plotted());
m.lod = await page.evaluate(() => window.embReport.lodFraction());
await page.screenshot({ path: `${shot}-map.png` });

// Points to hover: drawn ones inside the map, spread over the item range
// (so over many sheets), each hovered from 30 px away.
async function targets(count) {
  return page.evaluate((count) => {
    const r = document.querySelector('#map').getBoundingClientRect(), out = [], seen = new Set();
    const drawnItems = [];
    for (let i = 0; drawnItems.length < 200000 && i < 4000000; i += 7919) {
      const n = window.embReport.n, j = i % n;
      const [x, y] = window.embReport.screenPos(j);
      if (x > r.left + 40 && x < r.right - 40 && y > r.top + 40 && y < r.bottom - 40 && !seen.has(j)) { seen.add(j); drawnItems.push({ i: j, x, y }); }
      if (drawnItems.length >= count * 4) break;
    }
    for (let q = 0; q < count && q * 4 < drawnItems.length; q++) out.push(drawnItems[q * 4]);
    return out;
  }, count);
}
async function hover(t) {
  await page.mouse.move(t.x - 30, t.y - 30);
  await page.waitForSelector('#tooltip[hidden]', { timeout: 2000, state: 'attached' }).catch(() => null);
  const th = Date.now();
  await page.mouse.move(t.x, t.y);
  const ok = await page.waitForSelector('#tooltip:not([hidden]) .thumb[data-loaded]', { timeout: 10000 }).then(() => true).catch(() => false);
  const ms = Date.now() - th;
  const item = await page.evaluate(() => { const e = document.querySelector('#tooltip .thumb'); return e ? Number(e.dataset.item) : null; });
  return { ms, ok, item };
}
const stats = (v) => { const s = [...v].sort((a, b) => a - b); return { first: v[0], median: s[s.length >> 1], max: s[s.length - 1] }; };
const ts = await targets(12);
const hs = [];
for (const t of ts) hs.push({ ...(await hover(t)), want: t.i });
const again = [];
for (const t of ts.slice(0, 6)) again.push({ ...(await hover(t)), want: t.i });
m.hover_ms = stats(hs.map((h) => h.ms));
m.hover_cached_ms = stats(again.map((h) => h.ms));
m.hover_ok = hs.concat(again).filter((h) => h.ok).length + '/' + (hs.length + again.length);
m.hover_items_match = hs.concat(again).filter((h) => h.item !== null).length;
await page.screenshot({ path: `${shot}-hover.png` });
// pin: neighbours listed (knn-<b>.js loaded on the first pin past the budget)
if (ts.length) {
  const tp = Date.now();
  await page.mouse.click(ts[0].x, ts[0].y);
  await page.waitForFunction(() => document.querySelectorAll('#pinned .grid .thumb').length > 0, null, { timeout: 20000 }).catch(() => null);
  m.pin_ms = Date.now() - tp;
  m.pinned_neighbours = await page.$$eval('#pinned .grid .thumb', (e) => e.length);
}
// zoom in 4x at the map's centre: more of the points drawn (level of detail)
const box = await page.evaluate(() => { const b = document.querySelector('#map').getBoundingClientRect(); return [b.left + b.width / 2, b.top + b.height / 2]; });
await page.mouse.move(box[0], box[1]);
for (let q = 0; q < 8; q++) { await page.mouse.wheel(0, -200); await page.waitForTimeout(50); }
await page.waitForTimeout(300);
m.zoomed = {
  plotted: await page.evaluate(() => window.embReport.plotted()), lod: await page.evaluate(() => window.embReport.lodFraction()),
  frame_ms: Math.round(await page.evaluate(() => window.embReport.frameMs())),
};
const tz = await targets(4);
const hz = [];
for (const t of tz) hz.push((await hover(t)).ms);
m.zoomed.hover_ms = hz.length ? stats(hz) : null;
await page.screenshot({ path: `${shot}-zoomed.png` });
m.js_heap_mb = Math.round((await page.evaluate(() => performance.memory.usedJSHeapSize)) / 1e6);
// Chromium's memory: the PSS of its process tree (shared pages counted once),
// every process below this node process
const kids = new Map();
for (const d of readdirSync('/proc')) {
  if (!/^\d+$/.test(d)) continue;
  try { const st = readFileSync(`/proc/${d}/stat`, 'utf8'); const ppid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]); if (!kids.has(ppid)) kids.set(ppid, []); kids.get(ppid).push(Number(d)); } catch { /* gone */ }
}
let pss = 0;
const walk = (p) => {
  try { const r = readFileSync(`/proc/${p}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+)/m); if (r) pss += Number(r[1]); } catch { /* gone */ }
  for (const c of kids.get(p) || []) walk(c);
};
for (const c of kids.get(process.pid) || []) walk(c);   // Chromium runs as this script's child
m.chromium_pss_mb = Math.round(pss / 1024);
m.console_errors = errors;
console.log(JSON.stringify(m));
await browser.close();

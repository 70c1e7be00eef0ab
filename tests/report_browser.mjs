// report_browser.mjs - open an embscope report.html in headless Chromium
// (playwright-core from web/node_modules, Debian's /usr/bin/chromium) and
// check it. Usage:
//   node tests/report_browser.mjs REPORT.html SCREENSHOT_PREFIX [EXPECT.json]
// EXPECT.json: {"n": N, "classes": [...], "dup_groups": [[i, j], ...],
//   "clusters": null (no panel, no colour-by-cluster) or {"sizes": [...],
//   "representatives": [[...], ...], "item": [cluster id per item], "noise": n},
//   "files_dir": "report_files" (the page past its size budget: sheets and
//   neighbours loaded from that folder), "knn": [[neighbours of item i], ...]}.
// Prints one JSON line of measurements; exit 1 on a failed check.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), '../web/package.json'));
const { chromium } = require('playwright-core');
const [html, shot, expectPath] = process.argv.slice(2);
const expect = expectPath ? JSON.parse(readFileSync(expectPath, 'utf8')) : null;
let failures = 0;
const check = (ok, what) => { if (!ok) { failures++; console.error(`FAIL: ${what}`); } else console.error(`ok: ${what}`); };

const t0 = Date.now();
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
const tLaunch = Date.now();
const N_ITEMS = () => (expect ? expect.n : 0);
// Interactive = the app has drawn the map and answers the mouse; the sprite
// sheets after it may still be parsing (thumbnails fill in when they arrive).
await page.goto('file://' + html, { waitUntil: 'commit' });
await page.waitForFunction(() => window.embReport && window.embReport.ready, null, { timeout: 60000, polling: 20 });
const tReady = Date.now();
await page.waitForLoadState('load', { timeout: 60000 });
const m = { launch_ms: tLaunch - t0, interactive_ms: tReady - tLaunch, loaded_ms: Date.now() - tLaunch };
m.setup_ms = await page.evaluate(() => window.embReport.setupMs);
  Object.assign(m, await page.evaluate(() => ({ page_ready_ms: window.embReport.readyAt, module_start_ms: window.embReport.startAt, json_parsed_ms: window.embReport.parsedAt, setup_start_ms: window.embReport.setupAt })));
m.plotted = await page.evaluate(() => window.embReport.plotted());
m.legend = await page.$$eval('#legend .legend-item .name', (e) => e.map((x) => x.textContent));
await page.screenshot({ path: `${shot}-map.png` });

// Hover the first item whose position is inside the map: the tooltip shows its thumbnail.
const target = await page.evaluate(() => {
  const r = document.querySelector('#map').getBoundingClientRect();
  for (let i = 0; i < 5000; i++) {
    const [x, y] = window.embReport.screenPos(i);
    if (x > r.left + 20 && x < r.right - 20 && y > r.top + 20 && y < r.bottom - 20) return { i, x, y };
  }
  return null;
});
let hovered = null;
if (target) {
  const th = Date.now();
  await page.mouse.move(target.x - 30, target.y - 30);
  await page.mouse.move(target.x, target.y);
  // the thumbnail shown: its sheet decoded (a blob: URL of the page's own
  // data, or past the size budget a file of the side folder)
  await page.waitForSelector('#tooltip:not([hidden]) .thumb[data-loaded]', { timeout: 5000 }).catch(() => null);
  m.hover_ms = Date.now() - th;
  hovered = await page.evaluate(() => {
    const t = document.querySelector('#tooltip');
    const th = t.querySelector('.thumb[data-loaded]');
    return t.hidden || !th ? null : { item: th.dataset.item, bg: getComputedStyle(th).backgroundImage, path: t.querySelector('.path').textContent };
  });
  m.hovered = hovered && { ...hovered, bg: hovered.bg.slice(0, 9) };
  m.target = target;
  await page.screenshot({ path: `${shot}-hover.png` });
  await page.mouse.click(target.x, target.y);
  // neighbours: in the page, or (past the budget) knn-<b>.js loaded on the first pin
  await page.waitForFunction(() => !/loading/.test(document.querySelector('#pinned .sub')?.textContent || 'loading'), null, { timeout: 5000 }).catch(() => null);
  m.pinned_neighbours = await page.$$eval('#pinned .grid .thumb', (e) => e.length);
  m.pinned_items = await page.$$eval('#pinned .grid .thumb', (e) => e.map((x) => Number(x.dataset.item)));
}
// Every colouring draws without errors; in 2D a lasso around the whole map selects every point.
for (const v of await page.$$eval('#colour-by option', (o) => o.map((x) => x.value))) {
  await page.selectOption('#colour-by', v);
}
m.colourings = await page.$$eval('#colour-by option', (o) => o.map((x) => x.value));
let clusterStyles = [];   // itemStyle of every item when coloured by cluster (not printed: N entries)
// Clusters: the panel's rows, colour by cluster (noise faint, labels at the
// centres), a click on a row selects the cluster's points.
m.cluster_section = await page.evaluate(() => !document.querySelector('#clusters').hidden);
m.cluster_rows = await page.$$eval('#clusters .cluster-row', (rs) => rs.map((r) => ({
  id: Number(r.dataset.cluster), size: Number(r.querySelector('.cluster-size b').textContent),
  reps: [...r.querySelectorAll('.cluster-reps .thumb')].map((t) => Number(t.dataset.item)),
  thumbs_filled: [...r.querySelectorAll('.cluster-reps .thumb')].filter((t) => t.style.backgroundImage.startsWith('url("blob')).length })));
if (m.colourings.includes('cluster')) {
  await page.selectOption('#colour-by', 'cluster');
  clusterStyles = await page.evaluate((n) => Array.from({ length: n }, (_, i) => window.embReport.itemStyle(i)), N_ITEMS());
  m.cluster_legend = await page.$$eval('#legend .legend-item[data-cluster]', (e) => e.map((x) => ({ id: Number(x.dataset.cluster), colour: getComputedStyle(x.querySelector('.swatch')).backgroundColor })));
  m.cluster_labels = await page.$$eval('#cluster-labels .cluster-label', (e) => e.map((x) => x.textContent));
  await page.screenshot({ path: `${shot}-cluster-map.png` });
  if (m.cluster_rows.length > 1) {
    const pickRow = m.cluster_rows[1];
    await page.click(`#clusters .cluster-row[data-cluster="${pickRow.id}"]`);
    m.cluster_clicked = pickRow.id;
    m.cluster_selected = await page.evaluate(() => window.embReport.selectedCluster());
    m.cluster_opaque = await page.evaluate((n) => Array.from({ length: n }, (_, i) => window.embReport.itemStyle(i)).map((st, i) => (st && st.alpha === 1 ? i : -1)).filter((i) => i >= 0), N_ITEMS());
    m.cluster_sel_note = await page.evaluate(() => !document.querySelector('#cluster-sel').hidden && document.querySelector('#cluster-sel').textContent);
    m.cluster_row_on = await page.$$eval('#clusters .cluster-row.on', (e) => e.map((x) => Number(x.dataset.cluster)));
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${shot}-cluster-selected.png` });
    await page.click(`#clusters .cluster-row[data-cluster="${pickRow.id}"]`);   // again: clear
    m.cluster_cleared = await page.evaluate(() => window.embReport.selectedCluster() === null && window.embReport.faintCount());
  }
  await page.$eval('#clusters', (e) => e.scrollIntoView());
  await page.screenshot({ path: `${shot}-cluster-panel.png` });
}
if (await page.$('#view-buttons button[data-view="2d"]')) {
  await page.selectOption('#colour-by', 'class');
  await page.click('#view-buttons button[data-view="2d"]');
  await page.click('#lasso-btn');
  const r = await page.evaluate(() => { const b = document.querySelector('#map').getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; });
  const pts = [[r[0] + 3, r[1] + 3], [r[2] - 3, r[1] + 3], [r[2] - 3, r[3] - 3], [r[0] + 3, r[3] - 3], [r[0] + 3, r[1] + 6]];
  // independent count: items drawn inside the lasso rectangle
  m.lasso_expected = await page.evaluate(([x0, y0, x1, y1]) => {
    let c = 0;
    for (let i = 0; i < window.embReport.plotted(); i++) { const [x, y] = window.embReport.screenPos(i); if (x > x0 && x < x1 && y > y0 && y < y1) c++; }
    return c;
  }, [r[0] + 3, r[1] + 3, r[2] - 3, r[3] - 3]);
  await page.mouse.move(...pts[0]);
  await page.mouse.down();
  for (const p of pts.slice(1)) await page.mouse.move(...p, { steps: 4 });
  await page.mouse.up();
  m.lasso_selected = await page.evaluate(() => parseInt(document.querySelector('#selection-count').textContent, 10));
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${shot}-2d.png` });
}
m.dup_groups = await page.$$eval('#duplicates .group', (gs) => gs.map((g) => [...g.querySelectorAll('.thumb')].map((t) => Number(t.dataset.item))));
await page.screenshot({ path: `${shot}-page.png`, fullPage: true });
m.heat_cells = await page.$$eval('#classes table.heat td', (e) => e.length);
m.console_errors = errors;
console.log(JSON.stringify(m));

if (expect) {
  check(m.plotted === expect.n, `plotted points ${m.plotted} == N ${expect.n}`);
  check(JSON.stringify(m.legend) === JSON.stringify(expect.classes), `legend ${JSON.stringify(m.legend)} lists the classes`);
  if (expect.files_dir) {
    const thumbs = await page.evaluate(() => window.embReport.thumbs);
    const want = `/${expect.files_dir}/sheet-${Math.floor(target.i / thumbs.per_sheet)}.`;
    check(hovered && hovered.bg.startsWith('url("file:') && hovered.bg.includes(want) && Number(hovered.item) === target.i,
      `hover shows item ${target && target.i}'s thumbnail from its sheet file (${want}): ${hovered && hovered.bg}`);
  } else check(hovered && hovered.bg.startsWith('url("blob') && Number(hovered.item) === target.i, `hover shows item ${target && target.i}'s thumbnail`);
  check((await page.evaluate(() => window.embReport.splitFiles)) === (expect.files_dir || null), `the page's side folder is ${expect.files_dir || 'none'}`);
  if (expect.knn) check(JSON.stringify(m.pinned_items) === JSON.stringify(expect.knn[target.i]), `pinned item ${target.i} lists its neighbours ${JSON.stringify(expect.knn[target.i])} (got ${JSON.stringify(m.pinned_items)})`);
  const got = m.dup_groups.map((g) => [...g].sort((a, b) => a - b).join(',')).sort();
  const want = (expect.dup_groups || []).map((g) => [...g].sort((a, b) => a - b).join(',')).sort();
  check(JSON.stringify(got) === JSON.stringify(want), `duplicates panel shows groups ${JSON.stringify(want)} (got ${JSON.stringify(got)})`);
  if (m.lasso_selected !== undefined) check(m.lasso_selected === m.lasso_expected && m.lasso_selected > 0.8 * expect.n, `2D lasso selects ${m.lasso_selected} == ${m.lasso_expected} points inside it`);
  if (expect.heat_cells) check(m.heat_cells === expect.heat_cells, `class-overlap heat map has ${m.heat_cells} == ${expect.heat_cells} cells`);
  if (expect.neighbours) check(m.pinned_neighbours === expect.neighbours, `pinned item shows ${expect.neighbours} neighbours`);
  if (expect.clusters === null) {
    check(!m.colourings.includes('cluster') && !m.cluster_section && m.cluster_rows.length === 0, 'no clusters: no colour-by-cluster, no Clusters panel');
  } else if (expect.clusters) {
    const want = expect.clusters, rows = m.cluster_rows;
    check(m.cluster_section && rows.length === want.sizes.length, `Clusters panel: ${rows.length} rows == ${want.sizes.length} clusters`);
    check(JSON.stringify(rows.map((r) => r.size)) === JSON.stringify(want.sizes), `row sizes ${JSON.stringify(rows.map((r) => r.size))} == summary ${JSON.stringify(want.sizes)}`);
    check(JSON.stringify(rows.map((r) => r.reps)) === JSON.stringify(want.representatives), `row thumbnails are the representatives ${JSON.stringify(want.representatives)}`);
    check(rows.every((r) => r.thumbs_filled === r.reps.length), 'every representative thumbnail is drawn from the sprite sheet');
    const swatch = new Map(m.cluster_legend.map((l) => [l.id, l.colour]));
    const rgb = (hex) => `rgb(${parseInt(hex.slice(1, 3), 16)}, ${parseInt(hex.slice(3, 5), 16)}, ${parseInt(hex.slice(5, 7), 16)})`;
    const bad = clusterStyles.map((st, i) => [st, i]).filter(([st, i]) => !st || (want.item[i] >= 0 ? !(st.alpha === 1 && rgb(st.colour) === swatch.get(want.item[i])) : !(st.alpha < 0.5 && st.colour === '#9aa0a6')));
    check(clusterStyles.length === expect.n && bad.length === 0, `colour by cluster: every item in its cluster's legend colour, noise grey and faint (${bad.length} wrong: ${JSON.stringify(bad.slice(0, 3))})`);
    check(want.item.filter((g) => g < 0).length === want.noise, `${want.noise} noise items`);
    check(m.cluster_labels.length === want.sizes.filter((x) => x > 0).length, `a label at each cluster's centre (${JSON.stringify(m.cluster_labels)})`);
    if (m.cluster_clicked !== undefined) {
      const members = want.item.map((g, i) => (g === m.cluster_clicked ? i : -1)).filter((i) => i >= 0);
      check(m.cluster_selected === m.cluster_clicked && JSON.stringify(m.cluster_opaque) === JSON.stringify(members),
        `a click on cluster ${m.cluster_clicked}'s row selects it: ${m.cluster_opaque.length} points drawn solid == its ${members.length} members, the rest faint`);
      check(m.cluster_sel_note && JSON.stringify(m.cluster_row_on) === JSON.stringify([m.cluster_clicked]), `the selection is shown (${m.cluster_sel_note})`);
      check(m.cluster_cleared === want.noise, 'a second click clears the selection (only noise stays faint)');
    }
  }
  check(errors.length === 0, `no console errors (${errors.join(' | ')})`);
}
await browser.close();
process.exit(failures ? 1 : 0);

// app.js - embscope's report page. Reads the JSON in #emb-data (written by
// src/report/html.c), draws the map with three.js (one Points object per
// class, so the legend hides a class by hiding its object; faint points -
// noise, or what a cluster selection leaves out - in one more, translucent,
// object), picks the point under the mouse in screen space, and fills the
// panels below the map (the Clusters panel: clusters.js).
//
// A million points: per-item data are typed arrays (base64 in the JSON);
// past N = LOD_POINTS each frame draws a uniform sample whose share grows
// as the view zooms in (level of detail, see lodFraction); picking projects
// only the points drawn. Past the page's size budget the sprite sheets and
// the neighbours are files in D.files_dir beside the page, loaded on demand
// by an <img> (a sheet, when a thumbnail on it is first shown) or a
// <script> (the neighbours, when an item is first pinned): both work from
// file://, where fetch() does not.
import * as THREE from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import { clusterData, clusterCentres, clustersPanel } from './clusters.js';

const tStart = performance.now();
const D = JSON.parse(document.getElementById('emb-data').textContent);
const tParsed = performance.now();
const N = D.n;
const $ = (sel, root = document) => root.querySelector(sel);

// el('div.card', {title: 'x'}, child, 'text') -> element
function el(tag, attrs, ...kids) {
  const [name, ...cls] = tag.split('.');
  const e = document.createElement(name);
  if (cls.length) e.className = cls.join(' ');
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'style') Object.assign(e.style, v);
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const k of kids.flat()) if (k != null) e.append(k instanceof Node ? k : String(k));
  return e;
}
function b64(s, Type) {
  const bin = atob(s), u = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
  return new Type(u.buffer);
}
const fmt = (x, d = 3) => (typeof x === 'number' && !Number.isInteger(x) ? x.toPrecision(d) : String(x));

// ---------------------------------------------------------------- items
const classes = D.classes || [];
const label = D.label ? b64(D.label, Int32Array) : new Int32Array(N).fill(-1);   // (N) page class, -1 = none
const split = D.split ? b64(D.split, Uint8Array) : new Uint8Array(N);            // (N) index into D.splits
const pathDir = D.path_dir ? b64(D.path_dir, Int32Array) : null;                  // (N) index into D.path_dirs
const splitName = (i) => (D.splits ? D.splits[split[i]] : '') || '';
const className = (i) => (label[i] >= 0 ? classes[label[i]] : '(none)');
const path = (i) => (D.path_name ? D.path_dirs[pathDir[i]] + D.path_name[i] : `item ${i}`);
// A file of the side folder (D.files_dir), as a URL relative to the page.
const fileUrl = (name) => encodeURIComponent(D.files_dir) + '/' + name;
// Item i's neighbours { idx: Int32Array (k), dist: Float32Array (k) | null },
// decoded on first use (pinning an item). Past the page's size budget they
// are in the side folder, D.knn.block items a file (knn-<b>.js, a classic
// script): knnRow(i, then) is null until i's file has loaded, and calls
// then() when it has.
const knnBlocks = [], knnWait = [];
const knnDecode = (K) => ({ k: K.k, idx: b64(K.idx, Int32Array), dist: K.dist && b64(K.dist, Float32Array) });
function knnRow(i, then) {
  if (!D.knn) return null;
  const B = D.knn.block || N, b = D.knn.block ? Math.floor(i / B) : 0, j = i - b * B;
  if (!knnBlocks[b] && !D.knn.block) knnBlocks[b] = knnDecode(D.knn);
  const K = knnBlocks[b];
  if (K) return { idx: K.idx.subarray(j * K.k, (j + 1) * K.k), dist: K.dist && K.dist.subarray(j * K.k, (j + 1) * K.k) };
  if (!knnWait[b]) {
    knnWait[b] = [];
    const sc = document.createElement('script'), key = `knn-${b}`;
    sc.src = fileUrl(key + '.js');
    sc.onload = () => {
      const F = window.embReportFiles;
      if (!F || !F[key]) { console.error(`embscope: ${sc.src} did not define the neighbours`); return; }
      knnBlocks[b] = knnDecode(F[key]);
      delete F[key];
      for (const f of knnWait[b]) f();
    };
    sc.onerror = () => console.error(`embscope: ${sc.src} could not be loaded: keep ${D.files_dir}/ beside the page`);
    document.head.append(sc);
  }
  if (then) knnWait[b].push(then);
  return null;
}

// Tables: rows as objects, numbers parsed; the path comes from items.csv.
function table(name) {
  const t = D.tables && D.tables[name];
  if (!t) return null;
  const rows = t.rows.map((r) => {
    const o = {};
    t.columns.forEach((c, j) => { o[c] = r[j] !== '' && !isNaN(r[j]) ? Number(r[j]) : r[j]; });
    if (o.index !== undefined && o.path === undefined) o.path = path(o.index);
    return o;
  });
  return { columns: t.columns, rows, total: t.total };
}
const T = {};
for (const k of ['duplicates', 'leakage', 'outliers', 'label_issues', 'image_issues', 'skipped', 'annotation_issues']) T[k] = table(k);

// ---------------------------------------------------------------- thumbnails
// In one-file pages the sheets sit in <script type="text/plain"
// id="emb-sheet-K"> elements after this script, so the map is interactive
// before the browser has parsed them; a thumbnail asked for earlier is
// filled in when they arrive. Past the size budget, sheet K is the file
// D.files_dir/sheet-K.<ext>, loaded by an <img> when first asked for.
const sheetUrls = [], sheetWait = [], sheetImgs = [];
function whenSheet(s, cb) {
  if (sheetUrls[s]) return cb(sheetUrls[s]);
  if (D.files_dir) {
    if (!sheetWait[s]) {
      const url = fileUrl(`sheet-${s}.${D.thumbs.ext[s]}`), img = new Image();
      sheetWait[s] = [];
      img.onload = () => { sheetUrls[s] = url; for (const f of sheetWait[s]) f(url); sheetWait[s] = []; };
      img.onerror = () => console.error(`embscope: ${url} could not be loaded: keep ${D.files_dir}/ beside the page`);
      img.src = url;
      sheetImgs[s] = img;   // held: the sheet stays decoded for the next thumbnail on it
    }
    sheetWait[s].push(cb);
    return;
  }
  const e = document.getElementById('emb-sheet-' + s);
  if (e) {
    const [head, data] = e.textContent.split(',');
    sheetUrls[s] = URL.createObjectURL(new Blob([b64(data, Uint8Array)], { type: head.slice(5, head.indexOf(';')) }));
    cb(sheetUrls[s]);
  } else if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => whenSheet(s, cb), { once: true });
}
// Past the budget a gallery's thumbnails load their sheets only once they
// scroll into view (a panel's items may sit on dozens of sheets); eager
// ones (the tooltip, the pinned item) at once.
const lazyThumbs = D.files_dir && 'IntersectionObserver' in window ? new IntersectionObserver((seen) => {
  for (const x of seen) if (x.isIntersecting) { lazyThumbs.unobserve(x.target); x.target.embFill(); }
}, { rootMargin: '200px' }) : null;
function thumb(i, px = 64, eager = false) {
  if (i == null || i < 0 || i >= N) return el('div.thumb', { style: { width: px + 'px', height: px + 'px' } });
  const e = thumbCell(i, px, eager);
  e.dataset.item = i;
  return e;
}
// Sprite cell `cell`: item i is cell i; a detection export's whole image j
// is cell D.box_images.first + j.
function thumbCell(cell, px = 64, eager = false) {
  const e = el('div.thumb', { style: { width: px + 'px', height: px + 'px' } });
  const t = D.thumbs;
  if (!t || cell == null || cell < 0) return e;
  const s = Math.floor(cell / t.per_sheet), c = cell % t.per_sheet, k = px / t.size;
  e.embFill = () => whenSheet(s, (url) => {
    e.style.backgroundImage = `url("${url}")`;
    e.style.backgroundSize = `${t.cols * px}px auto`;
    e.style.backgroundPosition = `${-(c % t.cols) * t.size * k}px ${-Math.floor(c / t.cols) * t.size * k}px`;
    e.dataset.loaded = '1';
  });
  if (lazyThumbs && !eager) lazyThumbs.observe(e);
  else e.embFill();
  return e;
}
// Detection exports: the box of item i drawn on its whole image (the
// pinned item), or null when the item is no box or its image has no cell.
const BI = D.box_images && D.thumbs ? { first: D.box_images.first, n: D.box_images.n,
  item: b64(D.box_images.item, Int32Array), rect: b64(D.box_images.rect, Float32Array) } : null;
function boxOnImage(i, px = 192) {
  const j = BI && i >= 0 && i < N ? BI.item[i] : -1;
  if (j < 0) return null;
  const k = px / D.thumbs.size, r = BI.rect.subarray(4 * i, 4 * i + 4);
  const img = thumbCell(BI.first + j, px, true);
  img.classList.add('box-image');
  img.dataset.image = j;
  img.append(el('div.box-rect', { style: { left: r[0] * k + 'px', top: r[1] * k + 'px', width: r[2] * k + 'px', height: r[3] * k + 'px' } }));
  return el('div.box-on-image', { title: `${path(i).replace(/#box\d+$/, '')}: the box on its image` }, img);
}

// ---------------------------------------------------------------- colours
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7',
  '#9c755f', '#bab0ac', '#1f77b4', '#aec7e8', '#ffbb78', '#98df8a', '#ff9896', '#c5b0d5', '#c49c94', '#f7b6d2',
  '#dbdb8d', '#9edae5'];
const classColour = (c) => (c < 0 ? '#9aa0a6' : c < PALETTE.length ? PALETTE[c] : `hsl(${(c * 137.5) % 360},60%,50%)`);
const MUTED = new THREE.Color('#d9dde3');
// One THREE.Color per CSS colour string (a million items share a few dozen).
const colourOf = new Map();
const C3 = (css) => { let c = colourOf.get(css); if (!c) colourOf.set(css, (c = new THREE.Color(css))); return c; };
// Colour ramp for scores in [0, 1]: light blue -> purple -> orange-red.
function ramp(t) {
  const stops = [[0.75, 0.85, 0.95], [0.42, 0.3, 0.7], [0.93, 0.3, 0.13]];
  const x = Math.min(Math.max(t, 0), 1) * 2, j = Math.min(Math.floor(x), 1), f = x - j;
  return new THREE.Color(...stops[j].map((a, q) => a + (stops[j + 1][q] - a) * f));
}
// Per-item score from a table (item_score, else column 'score'), NaN where absent.
function itemScores(key) {
  const t = T[key], raw = D.tables && D.tables[key];
  if (raw && raw.item_score) return b64(raw.item_score, Float32Array);
  const s = new Float32Array(N).fill(NaN);
  if (t) for (const r of t.rows) if (r.index >= 0 && r.index < N) s[r.index] = Number(r.score ?? r.similarity ?? 1);
  return s;
}
const rawDups = D.tables && D.tables.duplicates;
const dupGroup = rawDups && rawDups.item_group ? b64(rawDups.item_group, Int32Array) : new Int32Array(N).fill(-1);
if (T.duplicates && !(rawDups && rawDups.item_group)) for (const r of T.duplicates.rows) if (r.index >= 0 && r.index < N) dupGroup[r.index] = r.group;
const scores = { outliers: itemScores('outliers'), label_issues: itemScores('label_issues') };
const CL = clusterData(D, b64);   // null: no clusters.csv (--clusters none) or a bad one
const NOISE = '#9aa0a6', FAINT_ALPHA = 0.22;
const clusterColour = (g) => (g < 0 ? NOISE : classColour(g));
const classByName = new Map(classes.map((c, q) => [c, q]));
let selCluster = null;   // the cluster selected in the Clusters panel or the legend, or null

const COLOURINGS = {
  class: { name: 'class', colour: (i) => C3(classColour(label[i])) },
  split: { name: 'split', colour: (i) => C3(PALETTE[split[i]] || '#9aa0a6') },
  dups: { name: 'duplicate group', when: T.duplicates, colour: (i) => (dupGroup[i] >= 0 ? C3(classColour(dupGroup[i] % 997 + 3)) : MUTED) },
  outliers: { name: 'outlier score', when: T.outliers, colour: scoreColour('outliers') },
  label_issues: { name: 'label-issue score', when: T.label_issues, colour: scoreColour('label_issues') },
  cluster: { name: 'cluster', when: CL, colour: (i) => C3(clusterColour(CL.item[i])) },
};
// Drawn faint (translucent, behind the rest): noise when coloured by cluster,
// and everything outside the selected cluster.
const isFaint = (i) => CL != null && ((selCluster != null && CL.item[i] !== selCluster) || (colouring === 'cluster' && CL.item[i] < 0));
// Scores scaled from their smallest to their largest, found on first use.
function scoreColour(key) {
  const s = scores[key];
  let lo, hi;
  return (i) => {
    if (lo === undefined) {
      lo = Infinity; hi = -Infinity;
      for (const x of s) if (!isNaN(x)) { if (x < lo) lo = x; if (x > hi) hi = x; }
      if (lo === Infinity) { lo = 0; hi = 1; }
    }
    return isNaN(s[i]) ? MUTED : ramp(hi > lo ? (s[i] - lo) / (hi - lo) : 1);
  };
}

// ---------------------------------------------------------------- the map
const mapBox = $('#map');
const maps = {};   // '3d' / '2d' -> Float32Array (N, dims) normalised to [-1, 1]
// Centre on the median and scale so that the central 98% of the points
// spans [-1, 1] (a few far outliers must not shrink the whole map).
function normalise(m) {
  const a = b64(m.b64, Float32Array), d = m.dims, out = new Float32Array(N * 3);
  const q = (j, f) => { const v = []; for (let i = 0; i < N; i += Math.ceil(N / 5000)) v.push(a[i * d + j]); v.sort((x, y) => x - y); return v[Math.floor(f * (v.length - 1))]; };
  const mid = [], span = [];
  for (let j = 0; j < d; j++) { mid.push(q(j, 0.5)); span.push(q(j, 0.99) - q(j, 0.01)); }
  const s = 2 / (Math.max(...span) || 1);
  for (let i = 0; i < N; i++) for (let j = 0; j < d; j++) out[i * 3 + j] = (a[i * d + j] - mid[j]) * s;
  return out;
}
if (D.map) maps[D.map.dims === 3 ? '3d' : '2d'] = normalise(D.map);
if (D.map2d && !maps['2d']) maps['2d'] = normalise(D.map2d);

const LOD_POINTS = 250000;   // level of detail, see lodFraction
// Past LOD_POINTS, no multisampling: the points are alpha-tested discs, and
// a software renderer (SwiftShader) draws a frame about twice as fast.
const renderer = new THREE.WebGLRenderer({ antialias: N <= LOD_POINTS, preserveDrawingBuffer: true });
renderer.setPixelRatio(window.devicePixelRatio);
const scene = new THREE.Scene();
scene.background = new THREE.Color('#ffffff');
// Round points: a disc texture as the points' alpha map.
const disc = (() => {
  const c = document.createElement('canvas');
  c.width = c.height = 64;
  const g = c.getContext('2d');
  g.beginPath(); g.arc(32, 32, 30, 0, 2 * Math.PI); g.fillStyle = '#fff'; g.fill();
  return new THREE.CanvasTexture(c);
})();
const pointsMaterial = (size) => new THREE.PointsMaterial({ size, vertexColors: true, sizeAttenuation: false, alphaMap: disc, alphaTest: 0.5, transparent: false });
const groups = [];   // one per class: { points, items: Int32Array }; colour alpha 0 = drawn in faint instead
const faint = new THREE.Points(new THREE.BufferGeometry(), new THREE.PointsMaterial({ size: 4, vertexColors: true, sizeAttenuation: false,
  alphaMap: disc, alphaTest: 0.01, transparent: true, opacity: FAINT_ALPHA, depthWrite: false }));
let faintItems = new Int32Array(0);
const hidden = new Set();
let view = maps['3d'] ? '3d' : '2d', camera, controls, colouring = 'class';
let pointSize = N > 50000 ? 2 : N > 10000 ? 3 : N > 2000 ? 4 : 6;
const highlight = new THREE.Points(new THREE.BufferGeometry(), pointsMaterial(11));
highlight.renderOrder = 1;

// Level of detail. Past LOD_POINTS items, each class's items are kept in a
// fixed random order, so that the first m of them are a uniform sample of
// the class; a frame draws the first lodFraction() of every class: the
// share LOD_POINTS / N when zoomed out (the whole map's shape at the cost
// of LOD_POINTS points), growing with the square of the zoom (the points
// that stay in view), until all are drawn.
let lodRef = 1;   // 3D: the camera's starting distance to its target
function lodFraction() {
  if (N <= LOD_POINTS || !camera) return 1;
  const zoom = camera.isOrthographicCamera ? camera.zoom : lodRef / camera.position.distanceTo(controls.target);
  return Math.min(1, (LOD_POINTS / N) * zoom * zoom);
}
const drawn = (len, frac) => (frac >= 1 ? len : Math.ceil(len * frac));
// Fisher-Yates with a fixed-seed generator (mulberry32): the same order on every load.
function shuffle(a, seed) {
  let t = seed >>> 0;
  const rnd = () => { t = (t + 0x6d2b79f5) >>> 0; let r = Math.imul(t ^ (t >>> 15), 1 | t); r ^= r + Math.imul(r ^ (r >>> 7), 61 | r); return ((r ^ (r >>> 14)) >>> 0) / 4294967296; };
  for (let i = a.length - 1; i > 0; i--) { const j = Math.floor(rnd() * (i + 1)), x = a[i]; a[i] = a[j]; a[j] = x; }
  return a;
}
let lodFrac = 1;

function buildGroups() {
  // items by class (counting sort: classes -1 .. top)
  let top = -1;
  for (let i = 0; i < N; i++) if (label[i] > top) top = label[i];
  const cnt = new Int32Array(top + 2), at = new Int32Array(top + 2);
  for (let i = 0; i < N; i++) cnt[label[i] + 1]++;
  const lists = Array.from(cnt, (n) => new Int32Array(n));
  for (let i = 0; i < N; i++) { const c = label[i] + 1; lists[c][at[c]++] = i; }
  for (let q = 0; q < lists.length; q++) {
    if (!lists[q].length) continue;
    const c = q - 1, g = new THREE.BufferGeometry(), items = N > LOD_POINTS ? shuffle(lists[q], 17 + q) : lists[q];
    g.setAttribute('position', new THREE.BufferAttribute(new Float32Array(items.length * 3), 3));
    g.setAttribute('color', new THREE.BufferAttribute(new Float32Array(items.length * 4), 4));
    const points = new THREE.Points(g, pointsMaterial(pointSize));
    groups.push({ cls: c, points, items });
    scene.add(points);
  }
  scene.add(faint);
  scene.add(highlight);
}
// The faint object: every faint item of a visible class, in the current view.
function placeFaint() {
  const m = maps[view], list = [];
  for (const g of groups) if (g.points.visible) for (const i of g.items) if (isFaint(i)) list.push(i);
  faintItems = N > LOD_POINTS ? shuffle(Int32Array.from(list), 5) : Int32Array.from(list);   // a prefix is a sample (LOD)
  const pos = new Float32Array(list.length * 3), col = new Float32Array(list.length * 3), grey = new THREE.Color(NOISE), muted = MUTED;
  faintItems.forEach((i, j) => {
    pos[3 * j] = m[3 * i]; pos[3 * j + 1] = m[3 * i + 1]; pos[3 * j + 2] = view === '3d' ? m[3 * i + 2] : 0;
    const c = CL.item[i] < 0 ? grey : muted;
    col[3 * j] = c.r; col[3 * j + 1] = c.g; col[3 * j + 2] = c.b;
  });
  faint.geometry.setAttribute('position', new THREE.BufferAttribute(pos, 3));
  faint.geometry.setAttribute('color', new THREE.BufferAttribute(col, 3));
  faint.geometry.computeBoundingSphere();
  faint.material.size = pointSize;
}
function placePoints() {
  const m = maps[view];
  for (const g of groups) {
    const p = g.points.geometry.attributes.position.array;
    g.items.forEach((i, j) => { p[3 * j] = m[3 * i]; p[3 * j + 1] = m[3 * i + 1]; p[3 * j + 2] = view === '3d' ? m[3 * i + 2] : 0; });
    g.points.geometry.attributes.position.needsUpdate = true;
    g.points.geometry.computeBoundingSphere();
  }
  placeFaint();
}
function paint() {
  const f = COLOURINGS[colouring].colour;
  for (const g of groups) {
    const a = g.points.geometry.attributes.color.array;
    g.items.forEach((i, j) => { const c = f(i); a[4 * j] = c.r; a[4 * j + 1] = c.g; a[4 * j + 2] = c.b; a[4 * j + 3] = isFaint(i) ? 0 : 1; });
    g.points.geometry.attributes.color.needsUpdate = true;
    g.points.material.size = pointSize;
    g.points.visible = !hidden.has(g.cls);
  }
  placeFaint();
  drawLegend();
  render();
}
function setView(v) {
  view = v;
  const w = mapBox.clientWidth, h = mapBox.clientHeight;
  if (controls) controls.dispose();
  if (v === '3d') {
    camera = new THREE.PerspectiveCamera(45, w / h, 0.01, 100);
    camera.position.set(1.5, 1.1, 2.3);
    lodRef = camera.position.length();
  } else {
    camera = new THREE.OrthographicCamera(-1.15 * w / h, 1.15 * w / h, 1.15, -1.15, -10, 10);
    camera.position.set(0, 0, 5);
  }
  controls = new OrbitControls(camera, renderer.domElement);
  controls.enableRotate = v === '3d';
  controls.screenSpacePanning = true;
  if (v === '2d') controls.mouseButtons.LEFT = THREE.MOUSE.PAN;
  controls.addEventListener('change', render);
  controls.update();
  placePoints();
  pinned != null ? pin(pinned) : render();
  for (const b of document.querySelectorAll('#view-buttons button')) b.classList.toggle('on', b.dataset.view === v);
  $('#lasso-btn') && ($('#lasso-btn').hidden = v !== '2d');
}
let screen = null;   // (N, 2) screen positions of the current frame, NaN = hidden
// A frame: at most one per display frame (requestAnimationFrame), however
// many changes ask for one; renderNow draws at once (the page's first frame).
let frameQueued = false;
function render() {
  if (frameQueued) return;
  frameQueued = true;
  requestAnimationFrame(() => { frameQueued = false; renderNow(); });
}
let firstFrameAt = null;
function renderNow() {
  lodFrac = lodFraction();
  for (const g of groups) g.points.geometry.setDrawRange(0, drawn(g.items.length, lodFrac));
  faint.geometry.setDrawRange(0, drawn(faintItems.length, lodFrac));
  renderer.render(scene, camera);
  if (firstFrameAt == null) firstFrameAt = performance.now();
  screen = null;
  drawClusterLabels();
}
// Cluster id and majority label as text at each cluster's centre (colour by cluster only).
const labelBox = el('div', { id: 'cluster-labels' });
const MAX_LABELS = 64, MAX_LEGEND = 200;   // the largest clusters get a label / a legend row (k-means:K allows K = 100000)
const centresOf = {};   // view -> Map id -> [x, y, z]
function drawClusterLabels() {
  if (!CL || colouring !== 'cluster') { labelBox.replaceChildren(); return; }
  const cs = centresOf[view] || (centresOf[view] = clusterCentres(CL, maps[view], MAX_LABELS));
  const w = mapBox.clientWidth, h = mapBox.clientHeight, v = new THREE.Vector3(), out = [];
  camera.updateMatrixWorld();
  for (const [g, c] of cs) {
    v.set(c[0], c[1], view === '3d' ? c[2] : 0).project(camera);
    if (v.z >= 1 || Math.abs(v.x) > 1 || Math.abs(v.y) > 1) continue;
    const info = CL.byId.get(g);
    out.push(el('div.cluster-label' + (selCluster != null && selCluster !== g ? '.dim' : ''),
      { 'data-cluster': g, style: { left: `${(v.x + 1) / 2 * w}px`, top: `${(1 - v.y) / 2 * h}px`, borderColor: clusterColour(g) } },
      el('b', {}, `#${g}`), info && info.majority_label ? ` ${info.majority_label}` : ''));
  }
  labelBox.replaceChildren(...out);
}
// Select cluster g (null, or g again: clear): its points keep their colour, the rest turn faint.
function selectCluster(g) {
  selCluster = g == null || g === selCluster || !CL || !CL.byId.has(g) ? null : g;
  for (const r of document.querySelectorAll('.cluster-row')) r.classList.toggle('on', Number(r.dataset.cluster) === selCluster);
  const s = $('#cluster-sel');
  s.hidden = selCluster == null;
  if (selCluster != null) s.replaceChildren(`cluster #${selCluster} selected (${CL.byId.get(selCluster).size} items) `,
    el('button', { onclick: () => selectCluster(null), title: 'clear the cluster selection' }, 'clear'));
  paint();
}
// Screen positions (N, 2) in map pixels of the points drawn in this frame
// (visible classes, the level of detail's share of each), NaN elsewhere:
// Vector3.project's arithmetic (clip = projection x view x point), inline.
let screenItems = null;   // the items with a position, for pick
function project() {
  const w = mapBox.clientWidth, h = mapBox.clientHeight, m = maps[view], z3 = view === '3d' ? 1 : 0;
  const s = new Float32Array(2 * N).fill(NaN), list = [];
  camera.updateMatrixWorld();
  lodFrac = lodFraction();   // as the next frame will draw
  const e = new THREE.Matrix4().multiplyMatrices(camera.projectionMatrix, camera.matrixWorldInverse).elements;
  for (const g of groups) {
    if (!g.points.visible) continue;
    const it = g.items, cnt = drawn(it.length, lodFrac);
    list.push(it.subarray(0, cnt));
    for (let j = 0; j < cnt; j++) {
      const i = it[j], x = m[3 * i], y = m[3 * i + 1], z = z3 * m[3 * i + 2];
      const iw = 1 / (e[3] * x + e[7] * y + e[11] * z + e[15]);
      if ((e[2] * x + e[6] * y + e[10] * z + e[14]) * iw >= 1) continue;   // behind the far plane or the camera
      s[2 * i] = ((e[0] * x + e[4] * y + e[8] * z + e[12]) * iw + 1) / 2 * w;
      s[2 * i + 1] = (1 - (e[1] * x + e[5] * y + e[9] * z + e[13]) * iw) / 2 * h;
    }
  }
  screenItems = list;
  return s;
}
// The drawn item nearest to (x, y) in map pixels, within r px, or null.
function pick(x, y, r = 8) {
  if (!screen) screen = project();
  let best = null, bd = r * r;
  for (const it of screenItems)
    for (let j = 0; j < it.length; j++) {
      const i = it[j], dx = screen[2 * i] - x, dy = screen[2 * i + 1] - y, d = dx * dx + dy * dy;
      if (d < bd) { bd = d; best = i; }
    }
  return best;
}

// ---------------------------------------------------------------- legend
function drawLegend() {
  const box = $('#legend');
  box.replaceChildren();
  if (colouring === 'class') {
    const count = new Map();
    for (let i = 0; i < N; i++) count.set(label[i], (count.get(label[i]) || 0) + 1);
    box.append(el('div.legend-head', {}, el('b', {}, 'Classes'), el('small', {}, ' click to show/hide, double-click to show only')));
    for (const g of groups) {
      const item = el('div.legend-item' + (hidden.has(g.cls) ? '.off' : ''), { 'data-class': g.cls },
        el('span.swatch', { style: { background: classColour(g.cls) } }),
        el('span.name', {}, g.cls >= 0 ? classes[g.cls] : '(none)'), el('span.count', {}, count.get(g.cls)));
      item.addEventListener('click', () => { hidden.has(g.cls) ? hidden.delete(g.cls) : hidden.add(g.cls); paint(); });
      item.addEventListener('dblclick', () => { hidden.clear(); for (const o of groups) if (o !== g) hidden.add(o.cls); paint(); });
      box.append(item);
    }
  } else if (colouring === 'split') {
    box.append(el('div.legend-head', {}, el('b', {}, 'Splits')));
    const seen = [...new Set(split)].sort();
    for (const s of seen) box.append(el('div.legend-item', {}, el('span.swatch', { style: { background: PALETTE[s] || '#9aa0a6' } }), el('span.name', {}, D.splits[s] || '(none)')));
  } else if (colouring === 'cluster') {
    box.append(el('div.legend-head', {}, el('b', {}, 'Clusters'), el('small', {}, ' click to select')));
    const list = CL.list.length > MAX_LEGEND ? [...CL.list].sort((a, b) => b.size - a.size).slice(0, MAX_LEGEND) : CL.list;
    if (list !== CL.list) box.append(el('p.small', {}, `the ${MAX_LEGEND} largest of ${CL.list.length} clusters`));
    for (const c of list) {
      const item = el('div.legend-item' + (selCluster != null && selCluster !== c.cluster ? '.off' : ''), { 'data-cluster': c.cluster },
        el('span.swatch', { style: { background: clusterColour(c.cluster) } }),
        el('span.name', {}, `#${c.cluster}` + (c.majority_label ? ` · ${c.majority_label}` : '')), el('span.count', {}, c.size));
      item.addEventListener('click', () => selectCluster(c.cluster));
      box.append(item);
    }
    if (CL.noise) box.append(el('div.legend-item.noise', {}, el('span.swatch', { style: { background: NOISE, opacity: 0.5 } }),
      el('span.name', {}, 'noise (faint)'), el('span.count', {}, CL.noise)));
  } else if (colouring === 'dups') {
    const n = new Set(dupGroup.filter((g) => g >= 0)).size;
    box.append(el('div.legend-head', {}, el('b', {}, 'Duplicate groups')), el('p', {}, `${n} groups; one colour per group, grey = no duplicate.`));
  } else {
    box.append(el('div.legend-head', {}, el('b', {}, COLOURINGS[colouring].name)),
      el('div.ramp'), el('div.ramp-labels', {}, el('span', {}, 'low'), el('span', {}, 'high')), el('p', {}, 'grey = not scored'));
  }
}

// ---------------------------------------------------------------- hover, pin, lasso
const tip = $('#tooltip');
function caption(i, extra) {
  return el('div.caption', {}, el('div.path', { title: path(i) }, path(i)),
    el('div', {}, el('span.tag', { style: { background: classColour(label[i]) } }, className(i)), splitName(i) ? el('span.split', {}, splitName(i)) : null), extra);
}
function showTip(i, x, y) {
  if (i == null) { tip.hidden = true; tip.dataset.item = ''; return; }
  if (tip.dataset.item !== String(i)) {
    tip.replaceChildren(thumb(i, 96, true), caption(i));
    tip.dataset.item = i;
  }
  tip.hidden = false;
  tip.style.left = Math.min(x + 16, window.innerWidth - tip.offsetWidth - 8) + 'px';
  tip.style.top = Math.min(y + 16, window.innerHeight - tip.offsetHeight - 8) + 'px';
}
let pinned = null;
function pin(i) {
  pinned = i;
  const box = $('#pinned');
  const hl = [];
  const knn = i == null ? null : knnRow(i, () => { if (pinned === i) pin(i); });
  if (i == null) { box.hidden = true; } else {
    const nb = knn ? Array.from(knn.idx) : [];
    box.hidden = false;
    box.replaceChildren(el('div.pin-head', {}, el('b', {}, `Item ${i}`), el('button.close', { onclick: () => pin(null), title: 'unpin' }, '×')),
      el('div.pin-main', {}, thumb(i, 128, true), caption(i, scoreLines(i))),
      boxOnImage(i),
      nb.length ? el('div.sub', {}, `${nb.length} nearest neighbours`) : el('div.sub', {}, D.knn ? 'loading the neighbours…' : 'no neighbours.npy'),
      el('div.grid', {}, nb.map((j, q) => card(j, knn.dist ? `${className(j)} · ${fmt(knn.dist[q], 2)}` : null, 56))));
    hl.push([i, '#111111'], ...nb.map((j) => [j, '#ff2d55']));
  }
  const m = maps[view], pos = [], col = [];
  for (const [j, c] of hl) { pos.push(m[3 * j], m[3 * j + 1], view === '3d' ? m[3 * j + 2] : 0); col.push(...new THREE.Color(c).toArray()); }
  highlight.geometry.setAttribute('position', new THREE.Float32BufferAttribute(pos, 3));
  highlight.geometry.setAttribute('color', new THREE.Float32BufferAttribute(col, 3));
  render();
}
function scoreLines(i) {
  const out = [];
  if (!isNaN(scores.outliers[i])) out.push(el('div', {}, `outlier score ${fmt(scores.outliers[i])}`));
  if (!isNaN(scores.label_issues[i])) out.push(el('div', {}, `label-issue score ${fmt(scores.label_issues[i])}`));
  if (dupGroup[i] >= 0) out.push(el('div', {}, `duplicate group ${dupGroup[i]}`));
  return out;
}
// A gallery card: thumbnail + caption; clicking pins the item on the map.
function card(i, note, px = 72) {
  return el('div.card-item', { title: `${path(i)}\n${className(i)} ${splitName(i)}`, onclick: () => { pin(i); $('#map-section').scrollIntoView({ behavior: 'smooth' }); } },
    thumb(i, px), el('div.note', {}, note != null ? note : className(i)));
}

let lassoMode = false, lasso = null, downAt = null;
const lassoCanvas = $('#lasso');
function mapXY(e) { const r = mapBox.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; }
function wireMap() {
  const c = renderer.domElement;
  c.addEventListener('pointermove', (e) => {
    const [x, y] = mapXY(e);
    if (lasso) { lasso.push([x, y]); drawLasso(); return; }
    if (e.buttons) { showTip(null); return; }
    showTip(pick(x, y), e.clientX, e.clientY);
  });
  c.addEventListener('pointerleave', () => showTip(null));
  c.addEventListener('pointerdown', (e) => {
    downAt = mapXY(e);
    if (lassoMode && view === '2d') { lasso = [downAt]; controls.enabled = false; }
  });
  c.addEventListener('pointerup', (e) => {
    const [x, y] = mapXY(e);
    if (lasso) { finishLasso(); return; }
    if (downAt && Math.hypot(x - downAt[0], y - downAt[1]) < 4) { const i = pick(x, y); if (i != null) pin(i); }
    downAt = null;
  });
}
function drawLasso() {
  const g = lassoCanvas.getContext('2d');
  lassoCanvas.width = mapBox.clientWidth;
  lassoCanvas.height = mapBox.clientHeight;
  g.clearRect(0, 0, lassoCanvas.width, lassoCanvas.height);
  if (!lasso) return;
  g.beginPath();
  lasso.forEach(([x, y], q) => (q ? g.lineTo(x, y) : g.moveTo(x, y)));
  g.closePath();
  g.fillStyle = 'rgba(66,133,244,0.12)';
  g.strokeStyle = '#4285f4';
  g.fill();
  g.stroke();
}
function inside(poly, x, y) {   // even-odd rule
  let c = false;
  for (let a = 0, b = poly.length - 1; a < poly.length; b = a++) {
    const [xa, ya] = poly[a], [xb, yb] = poly[b];
    if ((ya > y) !== (yb > y) && x < ((xb - xa) * (y - ya)) / (yb - ya) + xa) c = !c;
  }
  return c;
}
function finishLasso() {
  const poly = lasso;
  lasso = null;
  controls.enabled = true;
  drawLasso();
  if (poly.length < 3) return;
  if (!screen) screen = project();
  const sel = [];
  for (let i = 0; i < N; i++) if (!isNaN(screen[2 * i]) && inside(poly, screen[2 * i], screen[2 * i + 1])) sel.push(i);
  showSelection(sel);
}
function showSelection(sel) {
  const s = $('#selection');
  s.hidden = false;
  $('#selection-count').textContent = `${sel.length} items`;
  paged($('.body', s), sel, 60, (i) => card(i));
  s.scrollIntoView({ behavior: 'smooth' });
}

function setupMap() {
  if (!maps['3d'] && !maps['2d']) { $('#map-empty').hidden = false; $('#toolbar').hidden = true; return; }
  mapBox.prepend(renderer.domElement);
  mapBox.append(labelBox);
  renderer.setSize(mapBox.clientWidth, mapBox.clientHeight);
  buildGroups();
  const sel = $('#colour-by');
  for (const [k, c] of Object.entries(COLOURINGS)) if (!('when' in c) || c.when) sel.append(el('option', { value: k }, c.name));
  sel.addEventListener('change', () => { colouring = sel.value; paint(); });
  const vb = $('#view-buttons');
  for (const v of ['3d', '2d']) if (maps[v]) vb.append(el('button', { 'data-view': v, onclick: () => setView(v) }, v.toUpperCase()));
  if (maps['2d']) vb.append(el('button', { id: 'lasso-btn', title: 'drag to select a region (2D)', onclick: (e) => { lassoMode = !lassoMode; e.target.classList.toggle('on', lassoMode); } }, 'Lasso select'));
  const ps = $('#point-size');
  ps.value = pointSize;
  ps.addEventListener('input', () => { pointSize = Number(ps.value); paint(); });
  $('#map-note').textContent = D.map_is_pca ? 'map: PCA of the embeddings (no map.npy yet)' : '';
  setView(view);
  paint();
  wireMap();
  new ResizeObserver(() => {
    renderer.setSize(mapBox.clientWidth, mapBox.clientHeight);
    const a = mapBox.clientWidth / mapBox.clientHeight;
    if (camera.isPerspectiveCamera) camera.aspect = a; else { camera.left = -1.15 * a; camera.right = 1.15 * a; }
    camera.updateProjectionMatrix();
    render();
  }).observe(mapBox);
}

// ---------------------------------------------------------------- panels
// Show list[from .. from + per) with a pager; make(x) builds one element.
function paged(box, list, per, make, cls = 'grid') {
  let at = 0;
  const body = el('div.' + cls), bar = el('div.pager');
  function show() {
    body.replaceChildren(...list.slice(at, at + per).map(make));
    bar.replaceChildren(el('button', { onclick: () => { at = Math.max(0, at - per); show(); } }, '‹ prev'),
      el('span', {}, list.length ? `${at + 1}–${Math.min(at + per, list.length)} of ${list.length}` : 'none'),
      el('button', { onclick: () => { if (at + per < list.length) at += per; show(); } }, 'next ›'));
    bar.querySelectorAll('button')[0].disabled = at === 0;
    bar.querySelectorAll('button')[1].disabled = at + per >= list.length;
  }
  show();
  box.replaceChildren(...(list.length > per ? [bar, body] : [body]));
}
const empty = (box, what) => box.replaceChildren(el('p.empty', {}, what));
function kv(obj) {
  return el('table.kv', {}, Object.entries(obj).map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, fmt(v)))));
}

function panelSummary() {
  const S = D.summary || {}, ds = S.dataset || {}, box = $('#summary .body');
  // duplicates: the headline counts the sure kinds (exact + copy); similar groups are possible duplicates
  const SD = S.duplicates || {};
  const dupCard = SD.by_kind ? ['in copy groups (exact + copy)', SD.items_in_groups] : ['in duplicate groups', T.duplicates ? T.duplicates.total : '–'];
  const cards = [['items', N], ['classes', classes.length], dupCard,
    ['flagged outliers', S.outliers && S.outliers.flagged != null ? S.outliers.flagged : '–'], ['flagged label suspects', S.label_issues && S.label_issues.flagged != null ? S.label_issues.flagged : '–'],
    ['skipped', T.skipped ? T.skipped.total : ds.skipped ?? '–']];
  const splits = {};
  for (let i = 0; i < N; i++) splits[splitName(i) || '(none)'] = (splits[splitName(i) || '(none)'] || 0) + 1;
  const timings = S.timings || {};
  // how the items were found, and the stages an unlabelled (or split-less) dataset left out
  const found = {};
  if (ds.layout) found.layout = ds.layout;
  if (ds.layout_reason) found.why = ds.layout_reason;
  if (ds.items_are) found['items are'] = ds.items_are;
  if (ds.annotation_issues) found['annotation problems'] = `${ds.annotation_issues} (annotation_issues.csv)`;
  if (ds.labels_file) found.labels = `${ds.labels_file} (${ds.labels_unlisted} items not in it)`;
  const leftOut = S.stages_left_out || {};
  // detection exports: duplicates and leakage between whole images (image_duplicates.csv, image_leakage.csv)
  const WI = S.whole_images, wd = (WI && WI.duplicates) || {}, wl = (WI && WI.leakage) || {};
  const whole = WI ? {
    images: `${WI.count} (of ${WI.boxes} boxes; images.csv)`,
    'in copy groups (exact + copy)': `${wd.items_in_groups ?? '–'} images in ${wd.groups ?? '–'} groups (image_duplicates.csv)`,
    'similar groups': wd.by_kind && wd.by_kind.similar ? wd.by_kind.similar.groups : '–',
    'leak pairs across splits': `${wl.pairs ?? '–'} (+${wl.similar_pairs ?? 0} similar; image_leakage.csv)`,
    ...Object.fromEntries(Object.entries(wl.split_pairs || {}).filter(([, v]) => v).map(([k, v]) => ['leaks ' + k, v])),
  } : null;
  if (WI) cards.splice(3, 0, ['whole images in copy groups', wd.items_in_groups ?? '–'], ['whole-image leak pairs', wl.pairs ?? '–']);
  box.replaceChildren(el('div.stats', {}, cards.map(([k, v]) => el('div.stat', {}, el('div.v', {}, v), el('div.k', {}, k)))),
    el('div.cols', {},
      ...(Object.keys(found).length ? [el('div', {}, el('h3', {}, 'Dataset'), kv(found))] : []),
      ...(whole ? [el('div.whole-images', {}, el('h3', {}, 'Whole images'), kv(whole))] : []),
      ...(Object.keys(leftOut).length ? [el('div', {}, el('h3', {}, 'Stages left out'), kv(leftOut))] : []),
      el('div', {}, el('h3', {}, 'Splits'), kv(splits)),
      el('div', {}, el('h3', {}, 'Timings (s)'), Object.keys(timings).length ? kv(timings) : el('p.empty', {}, 'none')),
      el('div', {}, el('h3', {}, 'Run'), kv({ embscope: D.embscope, 'three.js': D.three, ...(S.parameters || {}),
        ...(S.embeddings ? { vectors: `${S.embeddings.rows} × ${S.embeddings.dims}` } : {}),
        ...(S.neighbors ? { neighbours: `k=${S.neighbors.k}, ${S.neighbors.metric}, ${S.neighbors.method}` } : {}) }))));
}

function panelClasses() {
  const box = $('#classes .body');
  if (!classes.length) return empty(box, 'No labels (items.csv missing or unlabelled).');
  const sp = [...new Set(split)].sort(), counts = classes.map(() => sp.map(() => 0));
  for (let i = 0; i < N; i++) if (label[i] >= 0) counts[label[i]][sp.indexOf(split[i])]++;
  const max = Math.max(...counts.flat(), 1);
  const hist = el('table.hist', {}, el('tr', {}, el('th', {}, 'class'), sp.map((s) => el('th', {}, D.splits[s] || '(none)'))),
    counts.map((row, c) => el('tr', {}, el('td', {}, el('span.swatch', { style: { background: classColour(c) } }), classes[c]),
      row.map((v, q) => el('td.bar', {}, el('div', { style: { width: (80 * v / max) + '%', background: PALETTE[sp[q]] || '#888' } }), el('span', {}, v))))));
  const ov = findOverlap(D.summary);
  box.replaceChildren(el('div.cols', {}, el('div', {}, el('h3', {}, 'Items per class and split'), hist),
    el('div', {}, el('h3', {}, 'Class overlap'), ov ? heatmap(ov) : el('p.empty', {}, 'No class-overlap matrix in summary.json.'))));
}
// A C x C matrix under a key that mentions "overlap" anywhere in summary.json.
function findOverlap(o, depth = 0) {
  if (!o || typeof o !== 'object' || depth > 6) return null;
  for (const [k, v] of Object.entries(o)) {
    if (/overlap|confusion/i.test(k)) {
      const m = Array.isArray(v) ? v : v && (v.matrix || v.values || v.counts);
      if (Array.isArray(m) && m.length && Array.isArray(m[0])) return { m, names: (v && (v.classes || v.labels || v.class_names)) || classes, key: k };
    }
    const r = findOverlap(v, depth + 1);
    if (r) return r;
  }
  return null;
}
function heatmap({ m, names }) {
  const off = m.flatMap((r, a) => r.filter((_, b) => a !== b)), max = Math.max(...off, 1e-12);
  return el('table.heat', {}, el('tr', {}, el('th'), names.map((n) => el('th.rot', {}, el('span', {}, n)))),
    m.map((r, a) => el('tr', {}, el('th', {}, names[a] ?? a), r.map((v, b) => {
      const t = a === b ? 0 : Math.min(v / max, 1);
      return el('td', { title: `${names[a]} → ${names[b]}: ${fmt(v)}`, style: { background: a === b ? '#f1f3f4' : `rgba(225,87,89,${t})`, color: t > 0.6 ? '#fff' : '#333' } }, fmt(v, 2));
    }))));
}

// Groups (duplicates, leakage with a group column) side by side.
function panelGroups(key, what) {
  const box = $(`#${key} .body`), t = T[key];
  if (!t) return empty(box, `No ${key}.csv.`);
  if (!t.rows.length) return empty(box, `No ${what} found.`);
  if (!t.columns.includes('group')) return panelGallery(key, what);
  const by = new Map();
  for (const r of t.rows) { if (!by.has(r.group)) by.set(r.group, []); by.get(r.group).push(r); }
  const list = [...by.entries()];
  const note = t.total > t.rows.length ? el('p.small', {}, `first ${t.rows.length} of ${t.total} rows`) : null;
  const kinds = {};
  for (const [, rows] of list) if (rows[0].group_kind) kinds[rows[0].group_kind] = (kinds[rows[0].group_kind] || 0) + 1;
  const kindNote = Object.keys(kinds).length ? ` (${Object.entries(kinds).map(([k, c]) => `${c} ${k}`).join(', ')}; exact and copy are sure, similar possible)` : '';
  const head = el('p', {}, `${list.length} ${key === 'leakage' ? 'pairs' : 'groups'}, ${t.rows.length} items${kindNote}`);
  paged(box, list, 12, ([g, rows]) => el('div.group', { 'data-group': g },
    el('div.group-head', {}, `group ${g}`, rows[0].group_kind || rows[0].kind ? el('span.kind', {}, rows[0].group_kind || rows[0].kind) : null,
      new Set(rows.map((r) => r.split)).size > 1 ? el('span.kind.warn', {}, 'crosses splits') : null),
    el('div.row', {}, rows.map((r) => card(r.index, [r.split, r.label, r.similarity !== undefined ? `sim ${fmt(r.similarity, 4)}` : r.score !== undefined ? fmt(r.score) : ''].filter((x) => x !== '' && x != null).join(' · '), 72)))), 'groups');
  box.prepend(head);
  if (note) box.append(note);
}
// A table of items as a gallery, best score first.
function panelGallery(key, what) {
  const box = $(`#${key} .body`), t = T[key];
  if (!t) return empty(box, `No ${key}.csv.`);
  if (!t.rows.length) return empty(box, `No ${what} found.`);
  const rows = [...t.rows];
  if (t.columns.includes('score')) rows.sort((a, b) => b.score - a.score);
  const extra = t.columns.filter((c) => !['rank', 'index', 'path', 'split', 'label', 'score', 'suggested', 'group', 'flagged'].includes(c));
  paged(box, rows, 48, (r) => {
    const lines = [];
    if (r.suggested !== undefined) lines.push(el('div.given', {}, el('s', {}, r.label), ' → ', el('b', {}, r.suggested)));
    else lines.push(el('div', {}, r.label ?? className(r.index)));
    if (r.score !== undefined) lines.push(el('div.small', {}, `score ${fmt(r.score)}`));
    for (const c of extra) if (r[c] !== '' && r[c] != null) lines.push(el('div.small', {}, `${c}: ${fmt(r[c])}`));
    return el('div.card-item', { title: r.path, onclick: () => { if (r.index >= 0) { pin(r.index); $('#map-section').scrollIntoView({ behavior: 'smooth' }); } } },
      thumb(r.index, 80), ...lines);
  });
  box.prepend(el('p', {}, t.columns.includes('rank') && t.total === t.rows_in_file && t.total > t.rows.length
    ? `${t.total} items ranked by score; the top ${t.rows.length} are here`
    : `${t.total} ${what}` + (t.total > t.rows.length ? ` (first ${t.rows.length} kept)` : '')));
}
function panelSkipped() {
  const box = $('#skipped .body'), t = T.skipped;
  if (!t) return empty(box, 'No skipped.csv.');
  if (!t.rows.length) return empty(box, 'Every file was read.');
  paged(box, t.rows, 50, (r) => el('tr', {}, t.columns.map((c) => el('td', {}, r[c]))), 'table');
  box.querySelector('.table').prepend(el('tr', {}, t.columns.map((c) => el('th', {}, c))));
}
// annotation_issues.csv: annotations (or label-CSV rows) that were not used as given
function panelAnnotations() {
  const box = $('#annotation_issues .body'), t = T.annotation_issues;
  if (!t) return empty(box, 'No annotation_issues.csv (the dataset has no annotation files).');
  if (!t.rows.length) return empty(box, 'Every annotation was used.');
  paged(box, t.rows, 50, (r) => el('tr', {}, t.columns.map((c) => el('td', {}, r[c]))), 'table');
  box.querySelector('.table').prepend(el('tr', {}, t.columns.map((c) => el('th', {}, c))));
}
// summary.json as a tree of <details>.
function tree(v, k) {
  if (v && typeof v === 'object') {
    const d = el('details', {}, el('summary', {}, k != null ? el('b', {}, k) : 'summary.json', el('small', {}, Array.isArray(v) ? ` [${v.length}]` : ` {${Object.keys(v).length}}`)));
    if (k == null || Object.keys(v).length < 30) d.open = true;
    for (const [a, b] of Object.entries(v)) d.append(tree(b, a));
    return d;
  }
  return el('div.leaf', {}, el('b', {}, k), ': ', el('span', {}, JSON.stringify(v)));
}
function panelClusters() {
  const sec = $('#clusters'), box = $('#clusters .body');
  const show = CL != null || D.clusters_note != null;
  sec.hidden = !show;
  $('nav a[href="#clusters"]').hidden = !show;
  if (!CL) return D.clusters_note ? empty(box, D.clusters_note) : null;
  clustersPanel(box, CL, {
    el, thumb, paged, colour: clusterColour,
    classColour: (name) => classColour(classByName.has(name) ? classByName.get(name) : -1),
    select: (g) => { selectCluster(g); $('#map-section').scrollIntoView({ behavior: 'smooth' }); },
  });
}
function panelFindings() {
  const box = $('#findings .body');
  if (!D.summary) return empty(box, 'No summary.json.');
  box.replaceChildren(tree(D.summary));
}

// ---------------------------------------------------------------- start
const t0 = performance.now();
setupMap();
panelSummary();
panelClasses();
panelClusters();
panelGroups('duplicates', 'duplicates');
panelGroups('leakage', 'leaks across splits');
panelGallery('outliers', 'outliers');
panelGallery('label_issues', 'label suspects');
panelGallery('image_issues', 'image findings');
panelSkipped();
panelAnnotations();
panelFindings();
$('#footer').textContent = `embscope ${D.embscope} · three.js ${D.three} · ${N} items`;
// Hooks for the browser test and the benchmark.
window.embReport = {
  readyAt: performance.now(), startAt: tStart, parsedAt: tParsed, setupAt: t0,
  ready: true, setupMs: performance.now() - t0, n: N,
  // points drawn in this frame (visible classes; past LOD_POINTS, the level of detail's share)
  plotted: () => groups.reduce((s, g) => s + (g.points.visible ? drawn(g.items.length, lodFrac) : 0), 0),
  lodFraction: () => lodFrac,
  firstFrameAt: () => firstFrameAt,   // the page's clock when the first frame was submitted
  splitFiles: D.files_dir || null,
  thumbs: D.thumbs && { size: D.thumbs.size, cols: D.thumbs.cols, per_sheet: D.thumbs.per_sheet, n_sheets: D.thumbs.n_sheets },
  screenPos: (i) => { if (!screen) screen = project(); const r = mapBox.getBoundingClientRect(); return [r.left + screen[2 * i], r.top + screen[2 * i + 1]]; },
  setView, pin, selectCluster,
  // one frame drawn to the end (readPixels waits for the GPU, or SwiftShader), in ms
  frameMs: () => { const t = performance.now(); renderNow(); const g = renderer.getContext(); g.readPixels(0, 0, 1, 1, g.RGBA, g.UNSIGNED_BYTE, new Uint8Array(4)); return performance.now() - t; },
  selectedCluster: () => selCluster,
  // how item i is drawn now: its colour (#rrggbb) and alpha (1, or FAINT_ALPHA in the faint object)
  itemStyle: (i) => {
    for (const g of groups) {
      const j = g.items.indexOf(i);
      if (j < 0) continue;
      const a = g.points.geometry.attributes.color.array;
      if (a[4 * j + 3] > 0) return { colour: '#' + new THREE.Color(a[4 * j], a[4 * j + 1], a[4 * j + 2]).getHexString(), alpha: 1 };
      const q = faintItems.indexOf(i), b = faint.geometry.attributes.color.array;
      return q < 0 ? null : { colour: '#' + new THREE.Color(b[3 * q], b[3 * q + 1], b[3 * q + 2]).getHexString(), alpha: faint.material.opacity };
    }
    return null;
  },
  faintCount: () => faintItems.length,
};

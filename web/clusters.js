// clusters.js - the report's clusters: D.clusters (src/report/clusters.c:
// summary.json's "clusters" block recomputed from clusters.csv, plus each
// item's cluster id) decoded, each cluster's label position on the map, and
// the Clusters panel (one row per cluster: size, purity, majority label,
// representatives; the findings mixed clusters and split classes above).

// D.clusters -> { item: Int32Array (N) id, -1 = noise, list: [{cluster, size,
// purity, majority_label, top_labels, representatives}], byId, members, ... }
// or null when the page has no clusters.
export function clusterData(D, b64) {
  const C = D.clusters;
  if (!C || !Array.isArray(C.clusters) || typeof C.item !== 'string') return null;
  const item = b64(C.item, Int32Array);
  if (item.length !== D.n) return null;
  const byId = new Map(C.clusters.map((c) => [c.cluster, c]));
  const members = new Map(C.clusters.map((c) => [c.cluster, []]));
  for (let i = 0; i < item.length; i++) { const m = members.get(item[i]); if (m) m.push(i); }
  return { item, list: C.clusters, byId, members, noise: C.noise || 0, method: C.method || '', k: C.k, findings: C.findings || {} };
}

// Where each cluster's label goes: the median of its members' map
// coordinates, per axis (datamapplot places its labels the same way).
// m: (N, 3) map; returns Map id -> [x, y, z] for the `most` largest clusters.
export function clusterCentres(cl, m, most) {
  const out = new Map();
  const big = [...cl.members].filter(([, mem]) => mem.length).sort((a, b) => b[1].length - a[1].length || a[0] - b[0]).slice(0, most);
  big.sort((a, b) => a[0] - b[0]);
  for (const [g, mem] of big) {
    const c = [0, 1, 2].map((j) => {
      const v = Float32Array.from(mem, (i) => m[3 * i + j]).sort();
      const h = v.length >> 1;
      return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
    });
    out.set(g, c);
  }
  return out;
}

// The Clusters panel into box. ui: { el, thumb, paged, colour(g), classColour(name),
// select(g) } - select is called with a cluster id when a row is clicked.
export function clustersPanel(box, cl, ui) {
  const { el } = ui;
  const pct = (x) => (x == null ? '–' : `${Math.round(100 * x)}%`);
  const chip = (g, text) => el('button.cluster-chip', { 'data-cluster': g, onclick: () => ui.select(g) },
    el('span.swatch', { style: { background: ui.colour(g) } }), text ?? `#${g}`);
  const f = cl.findings, mixed = f.mixed_clusters || [], split = f.split_classes || [];
  const found = el('div.cluster-findings', {},
    el('div', {}, el('h3', {}, `Mixed clusters `, el('small', {}, `purity < ${pct(f.mixed_cluster_purity_below)}`)),
      mixed.length ? mixed.map((x) => el('div.finding', {}, chip(x.cluster), ` ${x.classes} · ${x.size} items · purity ${pct(x.purity)}`))
        : el('p.empty', {}, 'none: every cluster is mostly one label')),
    el('div', {}, el('h3', {}, `Split classes `, el('small', {}, `≥ ${pct(f.split_class_share_at_least)} of a label in each of two or more clusters, < ${pct(f.split_class_largest_share_below)} in one`)),
      split.length ? split.map((x) => el('div.finding', {}, el('b', {}, x.label), ` (${x.items} items): `,
        (x.clusters || []).map((c) => el('span', {}, chip(c.cluster), ` ${pct(c.share)} `))))
        : el('p.empty', {}, 'none')),
    f.unlabelled_clusters ? el('div', {}, el('h3', {}, `Clusters without labels `, el('small', {}, `< ${pct(f.unlabelled_cluster_labelled_share_below)} of the members labelled`)),
      f.unlabelled_clusters.length ? f.unlabelled_clusters.map((x) => el('div.finding', {}, chip(x.cluster), ` ${x.size} items · ${x.labelled} labelled`))
        : el('p.empty', {}, 'none')) : null);
  const head = el('p', {}, `${cl.list.length} clusters` + (cl.method ? ` (${cl.method})` : '') +
    `, ${cl.noise} noise items (drawn faint on the map when coloured by cluster). Click a row to select its points on the map.`);
  const row = (c) => el('div.cluster-row', { 'data-cluster': c.cluster, onclick: () => ui.select(c.cluster), title: `select cluster ${c.cluster} on the map` },
    el('div.cluster-id', {}, el('span.swatch', { style: { background: ui.colour(c.cluster) } }), `cluster #${c.cluster}`),
    el('div.cluster-size', {}, el('b', {}, c.size), ' items'),
    el('div.cluster-purity', {}, c.purity != null ? `purity ${pct(c.purity)}` : ''),
    el('div.cluster-major', {}, c.majority_label != null ? el('span.tag', { style: { background: ui.classColour(c.majority_label) } }, c.majority_label) : null,
      c.top_labels && c.top_labels.length > 1 ? el('div.small', {}, c.top_labels.map((t) => `${t.label} ${t.count}`).join(' · ')) : null),
    el('div.cluster-reps', {}, (c.representatives || []).map((i) => ui.thumb(i, 48))));
  const rows = el('div');
  ui.paged(rows, cl.list, 50, row, 'cluster-rows');
  box.replaceChildren(head, found, rows);
}

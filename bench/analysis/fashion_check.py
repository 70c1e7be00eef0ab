#!/usr/bin/python3
"""Brute-force check of `embscope analyze` duplicates on Fashion-MNIST.
Exact duplicates by comparing image bytes; near pairs by a faiss exact range
search (every pair with cosine >= T of the pixel vectors /255, between exact
roots, as embscope counts them). Checks against OUT/summary.json and
OUT/duplicates.csv: the exact-set and near-pair counts, that every embscope
group is a clique (each two non-shifted members >= T; a group means copies
of one image), and how much union-find over the same pairs would chain.
Kinds: similar groups are checked as cliques at T (their similar members).
usage: flock /tmp/embscope-bench.lock bench/analysis/fashion_check.py OUT [T]"""
import collections, csv, gzip, json, os, sys, time
import numpy as np, faiss

out = sys.argv[1]
summ = json.load(open(os.path.join(out, "summary.json")))["duplicates"]
thr = float(sys.argv[2]) if len(sys.argv) > 2 else summ["threshold"]
def load(p):
    return np.frombuffer(gzip.open(p).read(), np.uint8, offset=16).reshape(-1, 784)
base = "/usr/share/datasets/fashion-mnist/"
x = np.concatenate([load(base + "train-images-idx3-ubyte.gz"), load(base + "t10k-images-idx3-ubyte.gz")])
n = len(x)
split = np.array([0] * 60000 + [1] * (n - 60000))
byt = collections.defaultdict(list)
for i, r in enumerate(x):
    byt[r.tobytes()].append(i)
exact = [v for v in byt.values() if len(v) > 1]
root = np.arange(n)
for v in exact:
    root[v] = v[0]
v = x.astype(np.float32) / 255
v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
t0 = time.time()
index = faiss.IndexFlatIP(784)
index.add(v)
lims, D, I = index.range_search(v, thr)
t_faiss = time.time() - t0
pairs = set()
for i in range(n):
    if root[i] != i:
        continue
    for j in I[lims[i]:lims[i + 1]]:
        j = int(j)
        if j != i and root[j] == j:
            pairs.add((min(i, j), max(i, j)))
# union-find components over the same pairs (what chaining would give)
parent = list(range(n))
def find(i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]; i = parent[i]
    return i
for a, b in pairs:
    ra, rb = find(a), find(b)
    if ra != rb: parent[max(ra, rb)] = min(ra, rb)
comp = collections.Counter(find(i) for i in {i for p in pairs for i in p})
print(f"brute force (faiss IndexFlatIP range search {t_faiss:.1f} s): exact sets {len(exact)} "
      f"({sum(len(e) - 1 for e in exact)} extra items, {sum(1 for e in exact if len(set(split[e])) > 1)} across train/test); "
      f"near pairs (cos >= {thr}) {len(pairs)} "
      f"({sum(1 for a, b in pairs if split[a] != split[b])} across train/test); "
      f"union-find components {len(comp)}, largest {max(comp.values()) if comp else 0} items")
eg = collections.defaultdict(list); kind = {}; gkind = {}
with open(os.path.join(out, "duplicates.csv")) as f:
    for r in csv.DictReader(f):
        eg[int(r["group"])].append(int(r["index"])); kind[int(r["index"])] = r["kind"]; gkind[int(r["group"])] = r["group_kind"]
bad = 0
# similar groups: every two members >= T (members that are copies of the
# representative, or matched by a shift, may be below: left out of the check)
for gi, g in eg.items():
    if gkind[gi] != "similar":
        continue
    m = sorted({int(root[i]) for i in g if kind[i] in ("similar", "representative")})
    for a in range(len(m)):
        for b in range(a + 1, len(m)):
            if (m[a], m[b]) not in pairs and float(v[m[a]] @ v[m[b]]) < thr - 1e-5:
                bad += 1
print(f"embscope: exact sets {summ['exact_sets']} (match: {summ['exact_sets'] == len(exact)}), copy pairs "
      f"{summ['copy_pairs']}, similar pairs {summ['similar_pairs']} (copy + similar >= brute force's pairs at T: "
      f"{summ['copy_pairs'] + summ['similar_pairs'] >= len(pairs)}), shifted pairs {summ['shifted_pairs']}, "
      f"groups {len(eg)}, items {len(kind)}, largest {max(map(len, eg.values())) if eg else 0}; "
      f"member pairs below threshold {bad} (must be 0)")

#!/usr/bin/python3
"""Brute-force check of `embscope analyze` duplicate counts on Fashion-MNIST:
exact duplicates by comparing image bytes; near duplicates by a faiss exact
range search (all pairs with cosine >= T of the pixel vectors), grouped by
union-find; compared with OUT/duplicates.csv (near + exact members; shifted
copies are reported by embscope only).
usage: flock /tmp/embscope-bench.lock bench/analysis/fashion_check.py OUT [T]"""
import collections, csv, gzip, os, sys
import numpy as np, faiss

out = sys.argv[1]
thr = float(sys.argv[2]) if len(sys.argv) > 2 else 0.985
def load(p):
    return np.frombuffer(gzip.open(p).read(), np.uint8, offset=16).reshape(-1, 784)
base = "/usr/share/datasets/fashion-mnist/"
x = np.concatenate([load(base + "train-images-idx3-ubyte.gz"), load(base + "t10k-images-idx3-ubyte.gz")])
split = np.array([0] * 60000 + [1] * 10000)
byt = collections.defaultdict(list)
for i, r in enumerate(x):
    byt[r.tobytes()].append(i)
exact = [v for v in byt.values() if len(v) > 1]
v = x.astype(np.float32) / 255
nrm = np.linalg.norm(v, axis=1, keepdims=True)
v /= np.maximum(nrm, 1e-12)
index = faiss.IndexFlatIP(784)
index.add(v)
lims, D, I = index.range_search(v, thr)
parent = list(range(len(v)))
def find(i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]; i = parent[i]
    return i
pairs = 0
for i in range(len(v)):
    for j in I[lims[i]:lims[i + 1]]:
        if j > i:
            pairs += 1
            a, b = find(i), find(int(j))
            if a != b: parent[max(a, b)] = min(a, b)
groups = collections.defaultdict(list)
for i in range(len(v)):
    groups[find(i)].append(i)
groups = [g for g in groups.values() if len(g) > 1]
def kinds(gs):
    tr = sum(1 for g in gs if all(split[i] == 0 for i in g)); te = sum(1 for g in gs if all(split[i] == 1 for i in g))
    return tr, te, len(gs) - tr - te
print(f"brute force: exact sets {len(exact)}; near pairs (cos >= {thr}) {pairs}; groups {len(groups)} "
      f"(within train {kinds(groups)[0]}, within test {kinds(groups)[1]}, across {kinds(groups)[2]}), items {sum(map(len, groups))}")
eg = collections.defaultdict(list); kind = {}
with open(os.path.join(out, "duplicates.csv")) as f:
    for r in csv.DictReader(f):
        eg[int(r["group"])].append(int(r["index"])); kind[int(r["index"])] = r["kind"]
ref_of = {i: gi for gi, g in enumerate(groups) for i in g}
found = sum(1 for g in groups if any(all(ref_of.get(j) == ref_of[g[0]] for j in eg_g) for eg_g in eg.values() if g[0] in eg_g))
same_items = sum(1 for g in groups for i in g if i in kind)
print(f"embscope: groups {len(eg)} (with shifted), items {len(kind)}; reference items found in embscope groups "
      f"{same_items}/{sum(map(len, groups))}; shifted members {sum(1 for k in kind.values() if k == 'shifted')}")

#!/usr/bin/env bash
# test_report_browser.sh - the report in a real browser. Makes an image-folder
# dataset with planted duplicates, runs `embscope analyze`, adds fixture
# findings (duplicates.csv found by hashing the files, outliers, label
# issues, a 3D and a 2D map), runs `embscope report`, then opens the page in
# headless Chromium (tests/report_browser.mjs): points plotted == N, legend ==
# classes, hover shows the thumbnail, duplicates panel == planted groups,
# Clusters panel == summary.json's clusters (sizes, representatives), colour
# by cluster, a row click selects the cluster, no console errors. Then again
# with an HDBSCAN-like clusters.csv (noise, probabilities < 1: noise drawn
# faint, rows and representatives computed here) and with no clusters.csv
# (no panel, no colour-by-cluster). Screenshots land in the output folder.
# Args: $1 = embscope binary, $2 = output folder. Exit 77 = no browser/node.
set -euo pipefail
bin=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/browser_prereq.sh"
rm -rf "$out"
mkdir -p "$out"
/usr/bin/python3 - "$out" <<'PY'
import hashlib, json, os, sys
import numpy as np
from PIL import Image, ImageDraw
out = sys.argv[1]
rng = np.random.default_rng(7)
data = os.path.join(out, "data")
def draw(cls, k):
    im = Image.new("RGB", (40, 40), tuple(int(v) for v in rng.integers(180, 255, 3)))
    d = ImageDraw.Draw(im)
    c = tuple(int(v) for v in rng.integers(0, 120, 3))
    o = int(rng.integers(2, 8))
    if cls == "circle": d.ellipse([o, o, 40 - o, 40 - o], fill=c)
    elif cls == "square": d.rectangle([o, o, 40 - o, 40 - o], fill=c)
    else:
        for y in range(o % 4, 40, 6): d.rectangle([0, y, 39, y + 2], fill=c)
    return im
for split, n in (("train", 12), ("test", 5)):
    for cls in ("circle", "square", "stripes"):
        os.makedirs(os.path.join(data, split, cls), exist_ok=True)
        for k in range(n):
            draw(cls, k).save(os.path.join(data, split, cls, f"{cls}{k:02d}.png"))
# planted duplicates: a train circle copied into test (leak), a square copied twice in train
import shutil
shutil.copy(f"{data}/train/circle/circle03.png", f"{data}/test/circle/copy_of_circle03.png")
shutil.copy(f"{data}/train/square/square05.png", f"{data}/train/square/square05_copy1.png")
shutil.copy(f"{data}/train/square/square05.png", f"{data}/train/square/square05_copy2.png")
PY
"$bin" analyze "$out/data" -o "$out" --quiet
/usr/bin/python3 - "$out" <<'PY'
import csv, hashlib, json, sys
import numpy as np
out = sys.argv[1]
items = list(csv.DictReader(open(f"{out}/items.csv")))
n = len(items)
by = {}
for r in items:
    by.setdefault(hashlib.sha256(open(r["path"], "rb").read()).hexdigest(), []).append(r)
groups = [g for g in by.values() if len(g) > 1]
with open(f"{out}/duplicates.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["group", "index", "path", "split", "label", "similarity", "kind"])
    for gi, g in enumerate(groups):
        for r in g: w.writerow([gi, r["index"], r["path"], r["split"], r["label"], 1.0, "exact"])
rng = np.random.default_rng(1)
np.save(f"{out}/map.npy", rng.normal(size=(n, 3)).astype(np.float32))
np.save(f"{out}/map_2d.npy", rng.normal(size=(n, 2)).astype(np.float32))
with open(f"{out}/outliers.csv", "w", newline="") as f:
    w = csv.writer(f); w.writerow(["index", "path", "split", "label", "score"])
    for r in items[:6]: w.writerow([r["index"], r["path"], r["split"], r["label"], rng.random()])
with open(f"{out}/label_issues.csv", "w", newline="") as f:
    w = csv.writer(f); w.writerow(["index", "path", "split", "label", "score", "suggested"])
    for r in items[6:10]: w.writerow([r["index"], r["path"], r["split"], r["label"], rng.random(), "square"])
summary = json.load(open(f"{out}/summary.json"))
classes = summary["dataset"]["class_names"]
summary.setdefault("analysis", {})["class_overlap"] = {"matrix": [[0, 0.2, 0.1], [0.2, 0, 0.4], [0.1, 0.4, 0]]}
json.dump(summary, open(f"{out}/summary.json", "w"))
item_cluster = [0] * n
for r in csv.DictReader(open(f"{out}/clusters.csv")): item_cluster[int(r["index"])] = int(r["cluster"])
cl = summary["clusters"]
clusters = {"sizes": [c["size"] for c in cl["clusters"]], "representatives": [c["representatives"] for c in cl["clusters"]],
            "item": item_cluster, "noise": cl["noise"]}
json.dump({"n": n, "classes": classes, "dup_groups": [[int(r["index"]) for r in g] for g in groups],
           "neighbours": 8, "heat_cells": len(classes) ** 2, "clusters": clusters}, open(f"{out}/expect.json", "w"))
print(f"fixture: {n} items, {len(groups)} duplicate groups, classes {classes}")
PY
"$bin" report "$out" --quiet
node "$here/report_browser.mjs" "$out/report.html" "$out/shot" "$out/expect.json"

# The same items with an HDBSCAN-like clusters.csv: noise, probabilities below 1.
mkdir -p "$out/noise" "$out/none"
cp "$out"/*.csv "$out"/*.npy "$out/summary.json" "$out/noise/"
cp "$out"/*.csv "$out"/*.npy "$out/summary.json" "$out/none/"
rm "$out/none/clusters.csv"
/usr/bin/python3 - "$out" <<'PY'
import csv, json, sys
import numpy as np
out = sys.argv[1]
e = json.load(open(f"{out}/expect.json"))
n = e["n"]
rng = np.random.default_rng(3)
cluster = [int(g) for g in rng.integers(-1, 4, n)]          # 4 clusters, about 1 in 5 noise
prob = [0.0 if g < 0 else float(np.round(rng.choice([1.0, 0.8, 0.5]), 3)) for g in cluster]
score = [float(np.round(rng.random(), 3)) for _ in range(n)]
with open(f"{out}/noise/clusters.csv", "w", newline="") as f:
    w = csv.writer(f); w.writerow(["index", "cluster", "probability", "outlier_score"])
    for i in range(n): w.writerow([i, cluster[i], prob[i], score[i]])
k = max(cluster) + 1
members = [[i for i in range(n) if cluster[i] == g] for g in range(k)]
reps = [sorted(m, key=lambda i: (-prob[i], score[i], i))[:8] for m in members]
e["clusters"] = {"sizes": [len(m) for m in members], "representatives": reps, "item": cluster, "noise": cluster.count(-1)}
json.dump(e, open(f"{out}/noise/expect.json", "w"))
e["clusters"] = None
json.dump(e, open(f"{out}/none/expect.json", "w"))
PY
for v in noise none; do
  "$bin" report "$out/$v" --quiet
  node "$here/report_browser.mjs" "$out/$v/report.html" "$out/$v/shot" "$out/$v/expect.json"
done

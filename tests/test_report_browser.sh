#!/usr/bin/env bash
# test_report_browser.sh - the report in a real browser. Makes an image-folder
# dataset with planted duplicates, runs `embscope analyze`, adds fixture
# findings (duplicates.csv found by hashing the files, outliers, label
# issues, a 3D and a 2D map), runs `embscope report`, then opens the page in
# headless Chromium (tests/report_browser.mjs): points plotted == N, legend ==
# classes, hover shows the thumbnail, duplicates panel == planted groups,
# no console errors; screenshots land in the output folder.
# Args: $1 = embscope binary, $2 = output folder. Exit 77 = no browser/node.
set -euo pipefail
bin=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}
command -v node >/dev/null || { echo "skip: no node"; exit 77; }
[ -x "$chromium" ] || { echo "skip: no $chromium"; exit 77; }
[ -d "$here/../web/node_modules/playwright-core" ] || { echo "skip: web/node_modules/playwright-core missing (npm ci in web/)"; exit 77; }
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
json.dump({"n": n, "classes": classes, "dup_groups": [[int(r["index"]) for r in g] for g in groups],
           "neighbours": 8, "heat_cells": len(classes) ** 2}, open(f"{out}/expect.json", "w"))
print(f"fixture: {n} items, {len(groups)} duplicate groups, classes {classes}")
PY
"$bin" report "$out" --quiet
node "$here/report_browser.mjs" "$out/report.html" "$out/shot" "$out/expect.json"

#!/usr/bin/env bash
# test_report_split_browser.sh - the report past its size budget, in a real
# browser. 2,000 Fashion-MNIST items (Debian's dataset-fashion-mnist, written
# here as an IDX file), a PCA-3 map and exact 8-NN (scikit-learn) as the
# other stages would leave them; `embscope report --inline-max 0` forces the
# split: report.html holds no sprite sheet, report_files/ holds the sheets
# and knn-0.js. Then from file:// in headless Chromium (tests/report_browser.mjs):
# every point plotted, the legend lists the classes, a hover shows the item's
# thumbnail from its sheet file, a pin lists its 8 neighbours as
# neighbors.npy has them (knn-0.js loaded on demand), no console errors, no
# network request. Args: $1 = embscope binary, $2 = output folder.
# Exit 77 = no browser, node, playwright-core, scikit-learn or dataset.
set -euo pipefail
bin=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/browser_prereq.sh"
data=/usr/share/datasets/fashion-mnist
[ -f "$data/t10k-images-idx3-ubyte.gz" ] || { echo "skip: $data missing (apt-get install dataset-fashion-mnist)"; exit 77; }
/usr/bin/python3 -c "import sklearn" 2>/dev/null || { echo "skip: no scikit-learn"; exit 77; }
rm -rf "$out"
mkdir -p "$out"
/usr/bin/python3 - "$out" "$data" <<'PY'
import gzip, json, sys
import numpy as np
from sklearn.neighbors import NearestNeighbors
out, data = sys.argv[1:3]
n = 2000
x = np.frombuffer(gzip.open(f"{data}/t10k-images-idx3-ubyte.gz").read(), np.uint8, offset=16).reshape(-1, 28, 28)[:n]
y = np.frombuffer(gzip.open(f"{data}/t10k-labels-idx1-ubyte.gz").read(), np.uint8, offset=8)[:n]
names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
with open(f"{out}/imgs-idx3-ubyte", "wb") as f:
    f.write(bytes([0, 0, 8, 3]) + np.array([n, 28, 28], ">i4").tobytes() + x.tobytes())
with open(f"{out}/items.csv", "w") as f:
    f.write("index,path,split,label\n")
    for i in range(n): f.write(f"{i},{out}/imgs-idx3-ubyte#{i},{'train' if i < 1500 else 'test'},{names[y[i]]}\n")
v = x.reshape(n, -1).astype(np.float32) / 255
v -= v.mean(0)
w, e = np.linalg.eigh(v.T @ v)
np.save(f"{out}/map.npy", (v @ e[:, ::-1][:, :3]).astype(np.float32))
d, idx = NearestNeighbors(n_neighbors=16).fit(v).kneighbors(v)
np.save(f"{out}/neighbors.npy", idx[:, 1:].astype(np.int32))
np.save(f"{out}/distances.npy", d[:, 1:].astype(np.float32))
json.dump({"dataset": {"class_names": names}}, open(f"{out}/summary.json", "w"))
present = [c for c in names if c in {names[k] for k in y}]
json.dump({"n": n, "classes": present, "dup_groups": [], "neighbours": 8, "files_dir": "report_files",
           "knn": idx[:, 1:9].tolist()}, open(f"{out}/expect.json", "w"))
PY
"$bin" report "$out" --inline-max 0 --thumb-size 48 --quiet
# the page holds no sheet; the folder holds the two sheets (1,764 cells each) and the neighbours
if grep -q 'id="emb-sheet-' "$out/report.html"; then echo "FAIL: a sprite sheet is still in report.html"; exit 1; fi
for f in sheet-0.jpg sheet-1.jpg knn-0.js; do
  [ -s "$out/report_files/$f" ] || { echo "FAIL: report_files/$f missing"; exit 1; }
done
[ "$(ls "$out/report_files" | wc -l)" = 3 ] || { echo "FAIL: report_files holds $(ls "$out/report_files")"; exit 1; }
node "$here/report_browser.mjs" "$out/report.html" "$out/shot" "$out/expect.json"

#!/usr/bin/python3
"""A random sample of the pairs a default run flags as copies, side by side,
for judging by eye: from OUT/duplicates.csv of `embscope analyze` on
Fashion-MNIST, the (representative, member) pairs of exact and copy groups;
50 drawn with seed 0; written as a PNG grid (5 pairs a row, each pair two
28x28 images scaled x3 with a gap), numbered row-major from 0.
usage: bench/analysis/copy_gallery.py OUT PNG [N]"""
import csv, gzip, sys
import numpy as np
from PIL import Image

out, png = sys.argv[1], sys.argv[2]
n_show = int(sys.argv[3]) if len(sys.argv) > 3 else 50
base = "/usr/share/datasets/fashion-mnist/"
def load(p):
    return np.frombuffer(gzip.open(p).read(), np.uint8, offset=16).reshape(-1, 28, 28)
X = np.concatenate([load(base + "train-images-idx3-ubyte.gz"), load(base + "t10k-images-idx3-ubyte.gz")])
rep, pairs = {}, []
for r in csv.DictReader(open(f"{out}/duplicates.csv")):
    if r["group_kind"] not in ("exact", "copy"):
        continue
    g, i = int(r["group"]), int(r["index"])
    if r["kind"] == "representative":
        rep[g] = i
    else:
        pairs.append((rep[g], i, float(r["copy_score"]), float(r["similarity"])))
rng = np.random.default_rng(0)
pick = sorted(rng.choice(len(pairs), min(n_show, len(pairs)), replace=False))
S, per_row = 3, 5
cw, ch = 28 * S * 2 + 6, 28 * S + 10
img = Image.new("L", (per_row * (cw + 14), ((len(pick) + per_row - 1) // per_row) * ch), 128)
for q, p in enumerate(pick):
    a, b, cs, sim = pairs[p]
    x0, y0 = (q % per_row) * (cw + 14), (q // per_row) * ch
    img.paste(Image.fromarray(X[a]).resize((28 * S, 28 * S), Image.NEAREST), (x0, y0))
    img.paste(Image.fromarray(X[b]).resize((28 * S, 28 * S), Image.NEAREST), (x0 + 28 * S + 6, y0))
    print(f"{q:2d}: items {a} {b}  copy score {cs:.4f}  cosine {sim:.4f}")
img.save(png)
print(f"{len(pairs)} flagged pairs; {len(pick)} shown in {png}")

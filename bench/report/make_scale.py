#!/usr/bin/env python3
"""make_scale.py - an embscope OUT folder of N items for the report at scale.

Usage: make_scale.py OUT N

Nothing is downloaded: the items are Debian's Fashion-MNIST (70,000 images,
dataset-fashion-mnist) repeated, item i showing image i % 70000, so its
thumbnails are real 28 px images. What the other stages would leave:
  items.csv      path "<OUT>/fmnist-idx3-ubyte#<i % 70000>", split, label
  map.npy        (N, 3) PCA-3 of the pixels, each repeat jittered (sigma 2%
                 of the spread) so repeats do not sit on one point
  neighbors.npy  (N, 15) int32, distances.npy (N, 15): the 15 other repeats'
                 neighbours are not computed (the report only copies them;
                 their values change neither its size nor its speed)
  duplicates.csv each image's repeats, one group per image (exact copies)
  outliers.csv   a score per item (distance to its class centre in PCA-3)
  clusters.csv   cluster = label, the 3% farthest from their centre noise
  summary.json   the class names
"""
import gzip, json, os, sys
import numpy as np

out, n = sys.argv[1], int(sys.argv[2])
src = "/usr/share/datasets/fashion-mnist"
os.makedirs(out, exist_ok=True)
names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
imgs = np.concatenate([np.frombuffer(gzip.open(f"{src}/{p}-images-idx3-ubyte.gz").read(), np.uint8, offset=16) for p in ("train", "t10k")]).reshape(-1, 28, 28)
labs = np.concatenate([np.frombuffer(gzip.open(f"{src}/{p}-labels-idx1-ubyte.gz").read(), np.uint8, offset=8) for p in ("train", "t10k")])
m = len(imgs)
idx_path = os.path.join(os.path.abspath(out), "fmnist-idx3-ubyte")
with open(idx_path, "wb") as f:
    f.write(bytes([0, 0, 8, 3]) + np.array([m, 28, 28], ">i4").tobytes() + imgs.tobytes())
src_of = np.arange(n) % m
y = labs[src_of]
with open(f"{out}/items.csv", "w") as f:
    f.write("index,path,split,label\n")
    f.writelines(f"{i},{idx_path}#{s},{'train' if s < 60000 else 'test'},{names[y[i]]}\n" for i, s in enumerate(src_of))
v = imgs.reshape(m, -1).astype(np.float32) / 255
v -= v.mean(0)
w, e = np.linalg.eigh(v.T @ v)
p3 = v @ e[:, ::-1][:, :3]
rng = np.random.default_rng(0)
mp = (p3[src_of] + rng.normal(scale=0.02 * p3.std(0), size=(n, 3))).astype(np.float32)
np.save(f"{out}/map.npy", mp)
np.save(f"{out}/neighbors.npy", rng.integers(0, n, (n, 15)).astype(np.int32))
np.save(f"{out}/distances.npy", np.sort(rng.random((n, 15)), 1).astype(np.float32))
cent = np.stack([mp[y == c].mean(0) for c in range(10)])
score = np.linalg.norm(mp - cent[y], axis=1)
with open(f"{out}/outliers.csv", "w") as f:
    f.write("index,path,split,label,score\n")
    order = np.argsort(-score)
    f.writelines(f"{i},{idx_path}#{src_of[i]},{'train' if src_of[i] < 60000 else 'test'},{names[y[i]]},{score[i]:.5f}\n" for i in order)
if n > m:
    with open(f"{out}/duplicates.csv", "w") as f:
        f.write("group,index,path,split,label,similarity,kind\n")
        order = np.argsort(src_of, kind="stable")
        f.writelines(f"{src_of[i]},{i},{idx_path}#{src_of[i]},{'train' if src_of[i] < 60000 else 'test'},{names[y[i]]},1,exact\n" for i in order)
cl = y.astype(np.int64)
cl[score > np.quantile(score, 0.97)] = -1
with open(f"{out}/clusters.csv", "w") as f:
    f.write("index,cluster,probability,outlier_score\n")
    f.writelines(f"{i},{cl[i]},{0 if cl[i] < 0 else 1},{score[i]:.4f}\n" for i in range(n))
json.dump({"dataset": {"class_names": names}}, open(f"{out}/summary.json", "w"))
print(f"{out}: {n} items ({m} Fashion-MNIST images repeated)")

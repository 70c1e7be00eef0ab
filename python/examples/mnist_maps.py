"""mnist_maps.py - the seed's 3-D maps of MNIST, on embscope: the same two
lines as the post that started the project, with only the import changed.
Notebook style: run it whole, or cell by cell (# %%).

    /usr/bin/python3 python/examples/mnist_maps.py [IDX_DIR] [-n 5000] [-o OUT]

IDX_DIR holds *-images-idx3-ubyte[.gz] and *-labels-idx1-ubyte[.gz]; the
default is Debian's Fashion-MNIST (package dataset-fashion-mnist), whose
files are laid out as MNIST's. Writes OUT/tsne3d.npy and OUT/umap3d.npy
(n x 3 float32) and, when matplotlib is installed, OUT/maps.png.

The seed's CLIP similarity search is python/examples/clip_search.py."""
# %%
import argparse
import glob
import gzip
import logging
import os
import time

import numpy as np

import embscope

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")


def read_idx(path):
    """An IDX file (raw or .gz) as a NumPy array (MNIST's format: big-endian
    magic 0x0000 0x08 ndim, then the dimensions, then uint8 data)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load(idx_dir, split="train"):
    images = glob.glob(os.path.join(idx_dir, split + "-images-idx3-ubyte*"))
    labels = glob.glob(os.path.join(idx_dir, split + "-labels-idx1-ubyte*"))
    if not images or not labels:
        raise SystemExit("%s: no %s-images-idx3-ubyte[.gz] / labels" % (idx_dir, split))
    x = read_idx(images[0]).reshape(-1, 28 * 28).astype(np.float32) / 255.0
    return x, read_idx(labels[0])


# %%
ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("idx_dir", nargs="?", default="/usr/share/datasets/fashion-mnist")
ap.add_argument("-n", type=int, default=5000, help="rows of the training set (the seed: 5000)")
ap.add_argument("-o", default="out/mnist_maps")
args = ap.parse_args()
train, labels = load(args.idx_dir)
train, labels = train[:args.n], labels[:args.n]
os.makedirs(args.o, exist_ok=True)
print("data: %d x %d, embscope %s" % (train.shape + (embscope.__version__,)))

# %% the seed's two lines, import swapped
t0 = time.time()
from embscope import TSNE;  projections = TSNE(n_components=3, verbose=True).fit_transform(train)
print("t-SNE 3D: %.1f s" % (time.time() - t0))
np.save(os.path.join(args.o, "tsne3d.npy"), projections)

t0 = time.time()
from embscope import UMAP;  projections = UMAP(n_components=3, verbose=True).fit_transform(train)
print("UMAP 3D: %.1f s" % (time.time() - t0))
np.save(os.path.join(args.o, "umap3d.npy"), projections)

# %% how well the maps keep the classes apart: 10-NN label accuracy in the map
for name in ("tsne3d", "umap3d"):
    m = np.load(os.path.join(args.o, name + ".npy"))
    idx, _ = embscope.kneighbors(m, 10)
    votes = labels[idx]
    pred = np.array([np.bincount(v, minlength=10).argmax() for v in votes])
    print("%s: 10-NN accuracy %.4f" % (name, (pred == labels).mean()))

# %% pictures, when matplotlib is there
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
if plt is not None:
    fig = plt.figure(figsize=(12, 6))
    for i, name in enumerate(("tsne3d", "umap3d")):
        m = np.load(os.path.join(args.o, name + ".npy"))
        ax = fig.add_subplot(1, 2, i + 1, projection="3d")
        ax.scatter(m[:, 0], m[:, 1], m[:, 2], c=labels, cmap="tab10", s=1)
        ax.set_title(name)
    fig.savefig(os.path.join(args.o, "maps.png"), dpi=100)
    print("wrote", os.path.join(args.o, "maps.png"))

#!/usr/bin/env python3
"""Synthetic vectors on the Fashion-MNIST manifold for the scale benchmark.

  make_data.py N OUT_DIR [--kind dense|spread] [--dims D] [--seed S] [--dtype f32|f16]

dense:  the 70,000 originals plus interpolations a + t (b - a), t uniform in
        (0, 1), between an item a and one of its 10 nearest same-class
        neighbours b: dense groups of very similar items, as video frames
        and burst photos are.
spread: interpolations between two random items of one class, plus
        Gaussian noise of 0.05 x the pixel spread: no dense groups.
D < 784 projects on the first D principal components (random rotation
kept: the vectors are not sparse), as CLIP-sized vectors. Above 1,000,000
rows the new items are drawn and written in chunks of CHUNK rows into a
memory-mapped .npy (the in-memory path would need about 4x the file), so
those sets are not the same draws as an in-memory run would make. Writes
OUT_DIR/embeddings.npy and OUT_DIR/items.csv (index,path,split,label: the
class and split of a), the layout `embscope analyze OUT_DIR/embeddings.npy`
reads.
--dtype f16 writes float16 vectors (10M x 512 is then a 10 GB file, the
input of `embscope analyze --storage f16`, which reads them as they are).
Needs /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist).
"""
import argparse, gzip, os, struct
import numpy as np

DATA = "/usr/share/datasets/fashion-mnist"


def load_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    nd = raw[3]
    dims = struct.unpack(">" + "I" * nd, raw[4:4 + 4 * nd])
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * nd).reshape(dims)


CHUNKED_ABOVE = 1_000_000
CHUNK = 250_000


def write_chunked(a, x, y, split, src, other, rng, names):
    """The same construction, CHUNK new rows at a time, into an open_memmap."""
    n0 = 70000 if a.kind == "dense" else 0
    out = np.lib.format.open_memmap(os.path.join(a.out, "embeddings.npy"), mode="w+", dtype=np.dtype(a.dtype),
                                    shape=(a.n, x.shape[1]))
    if n0:
        out[:n0] = x
    sd = np.float32(0.05 * x.std())
    for s in range(0, len(src), CHUNK):
        e = min(s + CHUNK, len(src))
        t = rng.random(e - s, dtype=np.float32)[:, None]
        blk = x[src[s:e]] + t * (x[other[s:e]] - x[src[s:e]])
        if a.kind == "spread":
            blk += rng.standard_normal(blk.shape, dtype=np.float32) * sd
        out[n0 + s:n0 + e] = blk
    out.flush()
    lab = np.concatenate([y[:n0], y[src]]) if n0 else y[src]
    spl = np.concatenate([split[:n0], split[src]]) if n0 else split[src]
    with open(os.path.join(a.out, "items.csv"), "w") as f:
        f.write("index,path,split,label\n")
        for i in range(a.n):
            f.write(f"{i},item{i},{spl[i]},{names[lab[i]]}\n")
    print(f"{a.out}: {a.n} x {x.shape[1]} ({a.kind}, written in chunks of {CHUNK})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--kind", choices=["dense", "spread"], default="dense")
    ap.add_argument("--dims", type=int, default=784)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dtype", choices=["f32", "f16"], default="f32")
    a = ap.parse_args()
    a.dtype = {"f32": "float32", "f16": "float16"}[a.dtype]
    rng = np.random.default_rng(a.seed)
    x = np.concatenate([load_idx(f"{DATA}/train-images-idx3-ubyte.gz"),
                        load_idx(f"{DATA}/t10k-images-idx3-ubyte.gz")]).reshape(70000, -1).astype(np.float32) / 255
    y = np.concatenate([load_idx(f"{DATA}/train-labels-idx1-ubyte.gz"),
                        load_idx(f"{DATA}/t10k-labels-idx1-ubyte.gz")]).astype(np.int64)
    split = np.array(["train"] * 60000 + ["test"] * 10000)
    if a.dims < 784:   # principal components, then a random rotation
        xc = x - x.mean(0)
        _, _, vt = np.linalg.svd(xc[::7], full_matrices=False)
        q, _ = np.linalg.qr(rng.standard_normal((a.dims, a.dims)))
        x = (xc @ vt[:a.dims].T @ q).astype(np.float32)
    m = a.n - 70000 if a.kind == "dense" else a.n
    src = rng.integers(0, 70000, m)
    if a.kind == "dense":
        # 10 nearest same-class neighbours of each original (cosine), by class blocks
        nb = np.zeros((70000, 10), np.int64)
        xn = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        for c in range(10):
            idx = np.nonzero(y == c)[0]
            for s in range(0, len(idx), 2048):
                sims = xn[idx[s:s + 2048]] @ xn[idx].T
                np.put_along_axis(sims, np.arange(min(2048, len(idx) - s))[:, None] + s, -2, axis=1)
                nb[idx[s:s + 2048]] = idx[np.argpartition(-sims, 10, axis=1)[:, :10]]
        other = nb[src, rng.integers(0, 10, m)]
    else:
        other = np.empty(m, np.int64)
        for c in range(10):
            sel = np.nonzero(y[src] == c)[0]
            other[sel] = rng.choice(np.nonzero(y == c)[0], len(sel))
    names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    os.makedirs(a.out, exist_ok=True)
    if a.n > CHUNKED_ABOVE:
        write_chunked(a, x, y, split, src, other, rng, names)
        return
    t = rng.random(m, dtype=np.float32)[:, None]
    new = x[src] + t * (x[other] - x[src])
    if a.kind == "spread":
        new += rng.standard_normal(new.shape, dtype=np.float32) * (0.05 * x.std())
        out, lab, spl = new, y[src], split[src]
    else:
        out = np.concatenate([x, new])
        lab = np.concatenate([y, y[src]])
        spl = np.concatenate([split, split[src]])
    np.save(os.path.join(a.out, "embeddings.npy"), out.astype(a.dtype))
    with open(os.path.join(a.out, "items.csv"), "w") as f:
        f.write("index,path,split,label\n")
        for i in range(len(out)):
            f.write(f"{i},item{i},{spl[i]},{names[lab[i]]}\n")
    print(f"{a.out}: {out.shape[0]} x {out.shape[1]} ({a.kind})")


if __name__ == "__main__":
    main()

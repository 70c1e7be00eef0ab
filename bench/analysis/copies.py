#!/usr/bin/python3
"""Planted copies and leaks on Fashion-MNIST (70,000 items + 150 planted
copies), embscope's copy criterion against two peers on the same data:
faiss range search (IndexFlatIP, every pair with raw-pixel cosine >= 0.985,
the old default) and a DCT perceptual hash (pHash: 32x32 bicubic, 8x8 low
frequencies, bits above the median; pairs at Hamming <= 10, the usual
setting; faiss IndexBinaryFlat range search).

Copies (150, 7 transforms in turn, written as in a data set: uint8): 16-level
quantisation, darkening x0.7, salt-and-pepper 1%, Gaussian blur 0.5 px,
resizing 28->24->28 px, JPEG quality 75, shifts of 1-2 px (zero fill).
Splits: the originals keep Fashion-MNIST's (train / test); every 5th copy
goes to test with its source in train, every 5th+1 to train with a test
source, every 5th+2 to valid (source train or test): 90 planted leaks.

Measures per tool: planted recall (the copy paired with / grouped with its
source), unplanted items in sure groups or pairs (Fashion-MNIST's own, which
are partly real copies: see RESULTS.md for the look), planted leaks found,
seconds. embscope: `embscope dups vectors.npy --items items.csv
--image-shape 28x28x1` (k = 15), sure = exact + copy groups.

usage: flock /tmp/embscope-bench.lock bench/analysis/copies.py EMBSCOPE_BIN [OUT_DIR]
"""
import csv, gzip, io, math, os, resource, subprocess, sys, tempfile, time
import numpy as np
from PIL import Image, ImageFilter
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import machine  # noqa: E402  (bench/machine.py)

BASE = "/usr/share/datasets/fashion-mnist/"
KINDS = ["quantise", "darken", "salt-pepper", "blur", "resize", "jpeg", "shift"]


def load(p):
    return np.frombuffer(gzip.open(p).read(), np.uint8, offset=16).reshape(-1, 28, 28)


def transform(a, kind, rng):
    f = a.astype(np.float32)
    if kind == "quantise":
        return (np.round(f / 255 * 15) / 15 * 255).astype(np.uint8)
    if kind == "darken":
        return (f * 0.7).astype(np.uint8)
    if kind == "salt-pepper":
        m = rng.random(a.shape); g = a.copy(); g[m < 0.005] = 0; g[m > 0.995] = 255
        return g
    if kind == "blur":
        return np.array(Image.fromarray(a).filter(ImageFilter.GaussianBlur(0.5)))
    if kind == "resize":
        return np.array(Image.fromarray(a).resize((24, 24), Image.BILINEAR).resize((28, 28), Image.BILINEAR))
    if kind == "jpeg":
        b = io.BytesIO(); Image.fromarray(a).save(b, "JPEG", quality=75)
        return np.array(Image.open(io.BytesIO(b.getvalue())))
    s = int(rng.integers(1, 3)); dy, dx = int(rng.choice([-s, 0, s])), int(rng.choice([-s, s]))
    g = np.zeros_like(a); ys, ye = max(dy, 0), 28 + min(dy, 0); xs, xe = max(dx, 0), 28 + min(dx, 0)
    g[ys:ye, xs:xe] = a[ys - dy:ye - dy, xs - dx:xe - dx]
    return g


C32 = np.array([[math.cos(math.pi * (2 * x + 1) * u / 64) for x in range(32)] for u in range(32)], np.float32)


def phash(imgs):
    bits = np.zeros((len(imgs), 64), np.uint8)
    for i, a in enumerate(imgs):
        im = np.array(Image.fromarray(a).resize((32, 32), Image.BICUBIC), np.float32)
        d = (C32 @ im @ C32.T)[:8, :8].ravel()
        bits[i] = d > np.median(d[1:])
    return np.packbits(bits, axis=1)


def pairs_from_range(lims, I, n):
    out = set()
    for i in range(n):
        for j in I[lims[i]:lims[i + 1]]:
            j = int(j)
            if j != i:
                out.add((min(i, j), max(i, j)))
    return out


def peer_row(name, seconds, pairs, planted, leaks, n0, src):
    """A peer's table row: planted pairs found, unplanted items in its pairs, leaks found."""
    inpairs = {i for p in pairs for i in p}
    srcs = set(src.tolist())
    return (name, seconds, sum(1 for p in planted if p in pairs) / len(planted),
            sum(1 for i in inpairs if i < n0 and i not in srcs), f"{sum(1 for p in leaks if p in pairs)}/{len(leaks)}")


def main():
    binp = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="embscope-copies-")
    os.makedirs(out, exist_ok=True)
    print(machine.line(binp))
    rng = np.random.default_rng(16)
    X = np.concatenate([load(BASE + "train-images-idx3-ubyte.gz"), load(BASE + "t10k-images-idx3-ubyte.gz")])
    n0 = len(X)
    split = ["train"] * 60000 + ["test"] * (n0 - 60000)
    n_copy = 150
    src = np.concatenate([rng.choice(60000, 100, replace=False), 60000 + rng.choice(n0 - 60000, 50, replace=False)])
    rng.shuffle(src)
    copies, kinds, csplit = [], [], []
    for c, s in enumerate(src):
        k = KINDS[c % len(KINDS)]
        copies.append(transform(X[s], k, rng)); kinds.append(k)
        m = c % 5
        if m == 0:
            csplit.append("test" if split[s] == "train" else "train")
        elif m == 1:
            csplit.append("train" if split[s] == "test" else "test")
        elif m == 2:
            csplit.append("valid")
        else:
            csplit.append(split[s])
    X = np.concatenate([X, np.stack(copies)])
    split += csplit
    n = len(X)
    planted = {(int(s), n0 + c) for c, s in enumerate(src)}
    leaks = {(int(s), n0 + c) for c, s in enumerate(src) if split[s] != csplit[c]}
    fam = np.arange(n)
    fam[n0:] = src
    v = X.reshape(n, -1).astype(np.float32) / 255
    vp = os.path.join(out, "vectors.npy")
    np.save(vp, v)
    with open(os.path.join(out, "items.csv"), "w") as f:
        f.write("index,path,split,label\n")
        for i in range(n):
            f.write(f"{i},fmnist#{i},{split[i]},\n")

    rows = []
    # embscope
    t0 = time.time()
    subprocess.run([binp, "dups", vp, "--items", os.path.join(out, "items.csv"), "--image-shape", "28x28x1",
                    "--threads", "2", "-o", os.path.join(out, "emb"), "--quiet"], check=True)
    t_emb = time.time() - t0
    group, gkind = {}, {}
    for r in csv.DictReader(open(os.path.join(out, "emb", "duplicates.csv"))):
        group[int(r["index"])] = int(r["group"]); gkind[int(r["group"])] = r["group_kind"]
    sure = {i for i, g in group.items() if gkind[g] in ("exact", "copy")}
    rec_sure = sum(1 for a, b in planted if a in sure and group.get(b) == group[a]) / len(planted)
    rec_any = sum(1 for a, b in planted if a in group and group.get(b) == group[a]) / len(planted)
    unpl = sum(1 for i in sure if i < n0 and i not in set(src.tolist()))
    lk_pairs, lk_sure = set(), set()
    with open(os.path.join(out, "emb", "leakage.csv")) as f:
        rr = list(csv.DictReader(f))
    for q in range(0, len(rr), 2):
        a, b = int(rr[q]["index"]), int(rr[q + 1]["index"])
        p = (min(a, b), max(a, b))
        lk_pairs.add(p)
        if rr[q]["group_kind"] in ("exact", "copy"):
            lk_sure.add(p)
    leak_sure = sum(1 for a, b in leaks if (min(a, b), max(a, b)) in lk_sure)
    leak_any = sum(1 for a, b in leaks if (min(a, b), max(a, b)) in lk_pairs)
    per_kind = {k: [0, 0] for k in KINDS}
    for c, s in enumerate(src):
        per_kind[kinds[c]][1] += 1
        per_kind[kinds[c]][0] += int(s) in sure and group.get(n0 + c) == group[int(s)]
    rows.append(("embscope dups (copy = exact + copy groups)", t_emb, rec_sure, unpl, f"{leak_sure}/{len(leaks)}"))
    rows.append(("embscope dups (any group, incl. similar)", t_emb, rec_any,
                 sum(1 for i in group if i < n0 and i not in set(src.tolist())), f"{leak_any}/{len(leaks)}"))

    import faiss
    faiss.omp_set_num_threads(2)
    # faiss range search on raw pixels at the old threshold
    vn = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    t0 = time.time()
    index = faiss.IndexFlatIP(784); index.add(vn)
    lims, D, I = index.range_search(vn, 0.985)
    fp = pairs_from_range(lims, I, n)
    t_faiss = time.time() - t0
    rows.append(peer_row("faiss IndexFlatIP range_search cos>=0.985", t_faiss, fp, planted, leaks, n0, src))
    # pHash baseline
    t0 = time.time()
    hb = phash(X)
    bindex = faiss.IndexBinaryFlat(64); bindex.add(hb)
    lims, D, I = bindex.range_search(hb, 11)   # radius is exclusive: Hamming <= 10
    hp = pairs_from_range(lims, I, n)
    t_ph = time.time() - t0
    rows.append(peer_row("pHash (DCT 8x8, Hamming <= 10)", t_ph, hp, planted, leaks, n0, src))

    print(f"data: Fashion-MNIST {n0} + {n_copy} planted copies ({', '.join(KINDS)}), {len(leaks)} planted leaks; 2 threads")
    print(f"{'tool':<44}{'seconds':>9}{'recall':>8}{'unplanted items':>17}{'leaks found':>13}")
    for name, t, r, u, l in rows:
        print(f"{name:<44}{t:>9.1f}{r:>8.3f}{u:>17}{l:>13}")
    print("recall per transform (embscope, sure groups): " +
          ", ".join(f"{k} {a}/{b}" for k, (a, b) in per_kind.items()))
    print("unplanted items: Fashion-MNIST items (not a planted source) in sure groups (embscope) or in pairs (peers)")
    print(f"faiss {faiss.__version__}, numpy {np.__version__}; output in {out}")


if __name__ == "__main__":
    main()

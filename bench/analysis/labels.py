#!/usr/bin/python3
"""Label-issue and outlier benchmark on planted errors (issue 16).

Labels: MNIST test (10,000, 300 uniform flips) and Fashion-MNIST (70,000:
150 uniform flips; 150 class-confusion flips T-shirt/top <-> Shirt).
`embscope analyze --map none --clusters none` on the pixels (.npy + items.csv
with the flipped labels); its label_issues.csv ranked by the combined score,
by the kNN vote alone and by the classifier alone; against, in this script,
on the same pixels:
  - a plain similarity-weighted 10-NN vote (exact cosine neighbours, numpy);
  - cleanlab's recipe: out-of-fold probabilities of its default classifier,
    scikit-learn LogisticRegression (5-fold cross_val_predict) on PCA-50,
    ranked by self-confidence, flagged by confident learning (off-diagonal
    of the confident joint, per-class thresholds t_j = mean p_j over the
    items labelled j; Northcutt et al. 2021; cleanlab filter_by=
    'confident_learning').
Prints precision@K (K = number planted) and, for each flag rule, the
flagged count, precision and recall at that count.

Outliers: Fashion-MNIST 70,000 + 100 MNIST test digits (unlabelled runs,
five draws of the digits), given to analyze as images (IDX: pixel features,
the Hellinger score) and as a .npy (the kNN mean cosine distance); the
share of the planted digits flagged by embscope's rule and of the others,
and the same rule at other fences computed here from the scores (numpy
percentiles), to show how the default fences were chosen.

usage: flock /tmp/embscope-bench.lock bench/analysis/labels.py EMBSCOPE_BIN [labels|outliers|all] [mnist,fashion,confusion]
       [--cnn-reference]  (also a PyTorch CNN trained 5-fold on the same flips: how far a stronger
                           classifier than embscope's moves precision@K; about 10 min at 70k)
"""
import csv, gzip, os, subprocess, sys, tempfile, time
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import machine  # noqa: E402  (bench/machine.py)

FASHION = "/usr/share/datasets/fashion-mnist"   # Debian dataset-fashion-mnist
MNIST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data", "mnist")
THREADS = 2
CNN_REFERENCE = False  # --cnn-reference: also a PyTorch CNN's out-of-fold probabilities (10 min at 70k)


def load_idx(d, pre):
    x = np.frombuffer(gzip.open(f"{d}/{pre}-images-idx3-ubyte.gz").read(), np.uint8, offset=16).reshape(-1, 784)
    y = np.frombuffer(gzip.open(f"{d}/{pre}-labels-idx1-ubyte.gz").read(), np.uint8, offset=8)
    return x.astype(np.float32) / 255.0, y.astype(np.int64)


def mnist_dir():
    for d in (MNIST, "/work/shared/data/mnist"):
        if os.path.exists(f"{d}/t10k-images-idx3-ubyte.gz"):
            return d
    sys.exit("MNIST test set not found")


def run_embscope(binp, x, labels, tmp):
    os.makedirs(tmp, exist_ok=True)
    np.save(f"{tmp}/vectors.npy", x)
    if labels is not None:
        with open(f"{tmp}/items.csv", "w") as f:
            f.write("index,path,split,label\n")
            for i, l in enumerate(labels):
                f.write(f"{i},item{i},,c{l}\n")
    t0 = time.time()
    subprocess.run([binp, "analyze", f"{tmp}/vectors.npy", "-o", f"{tmp}/out", "--map", "none", "--clusters", "none",
                    "--threads", str(THREADS), "--quiet"], check=True)
    wall = time.time() - t0
    import json
    summ = json.load(open(f"{tmp}/out/summary.json"))
    return wall, summ


def knn_cosine(x, k):
    """Exact cosine kNN by blocked matrix products (self excluded): PyTorch's
    CPU matmul and topk (Debian's numpy OpenBLAS runs SSE3 kernels on some
    AVX-512 VMs: 10 min for Fashion-MNIST here), numpy without it."""
    xn = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    n = len(x)
    try:
        import torch
        torch.set_num_threads(THREADS)
        t = torch.from_numpy(np.ascontiguousarray(xn))
        idx = np.zeros((n, k), np.int64)
        sim = np.zeros((n, k), np.float32)
        for a in range(0, n, 4096):
            s = t[a:a + 4096] @ t.T
            r = torch.arange(s.shape[0])
            s[r, r + a] = -float("inf")
            v, i = torch.topk(s, k, dim=1)
            idx[a:a + 4096], sim[a:a + 4096] = i.numpy(), v.numpy()
        return idx, sim
    except ImportError:
        pass
    idx = np.zeros((n, k), np.int64)
    sim = np.zeros((n, k), np.float32)
    for a in range(0, n, 2048):
        s = xn[a:a + 2048] @ xn.T
        s[np.arange(len(s)), np.arange(a, a + len(s))] = -np.inf
        part = np.argpartition(-s, k, axis=1)[:, :k]
        ps = np.take_along_axis(s, part, 1)
        o = np.argsort(-ps, axis=1)
        idx[a:a + 2048] = np.take_along_axis(part, o, 1)
        sim[a:a + 2048] = np.take_along_axis(ps, o, 1)
    return idx, sim


def confident_learning(P, y):
    C = P.shape[1]
    t = np.array([P[y == j, j].mean() if np.any(y == j) else 1.0 for j in range(C)])
    ok = P >= t
    conf = np.where(ok, P, -1).argmax(1)
    return ok.any(1) & (conf != y)


def prec_at(score, planted, k):
    o = np.argsort(-score, kind="stable")[:k]
    return planted[o].mean()


def line(name, score, flagged, planted, k):
    if flagged is None:  # a ranking without its own flag rule
        print(f"  {name:<44}{prec_at(score, planted, k):>8.3f}{'-':>9}{'-':>9}{'-':>9}")
        return
    f = flagged.sum()
    tp = (flagged & planted).sum()
    print(f"  {name:<44}{prec_at(score, planted, k):>8.3f}{f:>9}{tp / max(f, 1):>9.3f}{tp / planted.sum():>9.3f}")


def label_case(binp, name, x, y, n_flip, kind, seed):
    rng = np.random.default_rng(seed)
    n = len(y)
    yn = y.copy()
    if kind == "uniform":
        at = rng.choice(n, n_flip, replace=False)
        yn[at] = (y[at] + rng.integers(1, 10, n_flip)) % 10
    else:  # T-shirt/top (0) <-> Shirt (6)
        cand = np.flatnonzero((y == 0) | (y == 6))
        at = rng.choice(cand, n_flip, replace=False)
        yn[at] = np.where(y[at] == 0, 6, 0)
    planted = np.zeros(n, bool)
    planted[at] = True
    tmp = tempfile.mkdtemp(prefix="embscope-bench-labels-")
    wall, summ = run_embscope(binp, x, yn, tmp)
    li = summ["label_issues"]
    sc = {c: np.zeros(n) for c in ("score", "knn_score", "cv_score")}
    fl = np.zeros(n, bool)
    for r in csv.DictReader(open(f"{tmp}/out/label_issues.csv")):
        i = int(r["index"])
        for c in sc:
            sc[c][i] = float(r[c])
        fl[i] = r["flagged"] == "1"
    print(f"{name}: {n} items, {n_flip} {kind} flips; embscope analyze {wall:.1f} s wall, label stage "
          f"{summ['timings']['label_issues_s']:.2f} s, signals {li.get('signals')}, knn_weight {li.get('knn_weight')}")
    print(f"  {'ranking (flag rule)':<44}{'p@K':>8}{'flagged':>9}{'prec':>9}{'recall':>9}   K = {n_flip}")
    line("embscope combined (confident learning)", sc["score"], fl, planted, n_flip)
    line("embscope kNN vote alone (knn_score column)", sc["knn_score"], None, planted, n_flip)
    line("embscope classifier alone (cv_score column)", sc["cv_score"], None, planted, n_flip)
    # references, same pixels (the exact 10-NN is cached per data set: 7.7 TFLOP at 70k)
    t0 = time.time()
    cache = f"/tmp/embscope-bench-knn10-{name.replace(' ', '_')}-{n}.npz"
    if os.path.exists(cache):
        z = np.load(cache)
        idx, sim = z["idx"], z["sim"]
    else:
        idx, sim = knn_cosine(x, 10)
        np.savez(cache, idx=idx, sim=sim)
    P = np.zeros((n, 10))
    np.add.at(P, (np.repeat(np.arange(n), 10), yn[idx].ravel()), np.maximum(sim, 0).ravel())
    P /= np.maximum(P.sum(1, keepdims=True), 1e-12)
    line(f"ref: weighted 10-NN vote ({time.time() - t0:.0f} s)", 1 - P[np.arange(n), yn], confident_learning(P, yn), planted, n_flip)
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict, StratifiedKFold
    t0 = time.time()
    z = PCA(50, random_state=0).fit_transform(x)
    z = (z - z.mean(0)) / z.std(0)
    Pl = cross_val_predict(LogisticRegression(max_iter=300), z, yn, cv=StratifiedKFold(5, shuffle=True, random_state=0),
                           method="predict_proba", n_jobs=1)
    line(f"ref: cleanlab recipe, LogReg PCA-50 ({time.time() - t0:.0f} s)", 1 - Pl[np.arange(n), yn],
         confident_learning(Pl, yn), planted, n_flip)
    Pc = 0.5 * (P + Pl)
    line("ref: mean of the two references", 1 - Pc[np.arange(n), yn], confident_learning(Pc, yn), planted, n_flip)
    if CNN_REFERENCE and x.shape[1] == 784:
        t0 = time.time()
        Pn = cnn_out_of_fold(x, yn, seed)
        acc = np.mean(Pn.argmax(1) == y)
        line(f"ref: PyTorch CNN, 5-fold ({time.time() - t0:.0f} s, acc {acc:.3f})", 1 - Pn[np.arange(n), yn],
             confident_learning(Pn, yn), planted, n_flip)
        ce = 1 - Pn[np.arange(n), yn]
        line("ref: mean of CNN and embscope combined", 0.5 * (ce + sc["score"]), None, planted, n_flip)
        o = np.argsort(-ce, kind="stable")[:n_flip]
        print(f"  CNN top {n_flip}: {planted[o].sum()} planted, {(~planted[o]).sum()} unplanted; of the unplanted, "
              f"{np.sum(~planted[o] & (Pn[o].argmax(1) != yn[o]))} predicted as another class")


def cnn_out_of_fold(x, yn, seed, folds=5, epochs=5):
    """Out-of-fold class probabilities of a small CNN (conv 3x3 32 - pool - conv 3x3 64 - pool - dense 128),
    SGD with momentum 0.9, cosine-decayed step 0.05, weight decay 1e-4, batch 256: a classifier much
    stronger than a linear one on 28x28 pixels (about 90% accuracy on Fashion-MNIST), to show how far
    a better classifier moves precision@K on planted flips (--cnn-reference)."""
    import torch
    import torch.nn as nn
    torch.set_num_threads(THREADS)
    n = len(yn)
    rng = np.random.default_rng(seed)
    X, Y = torch.tensor(x).reshape(-1, 1, 28, 28), torch.tensor(yn)
    P = np.zeros((n, 10), np.float32)
    fold = rng.permutation(n) % folds
    for f in range(folds):
        torch.manual_seed(seed * 100 + f)
        tr, te = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
        m = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(64 * 49, 128), nn.ReLU(), nn.Linear(128, 10))
        opt = torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
        nb = len(tr) // 256
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs * nb)
        for e in range(epochs):
            perm = rng.permutation(tr)
            for b in range(nb):
                i = torch.tensor(perm[b * 256:(b + 1) * 256])
                loss = nn.functional.cross_entropy(m(X[i]), Y[i])
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
        with torch.no_grad():
            P[te] = torch.softmax(m(X[torch.tensor(te)]), 1).numpy()
    return P


def labels(binp, cases="mnist,fashion,confusion"):
    cases = cases.split(",")
    if "mnist" in cases:
        xm, ym = load_idx(mnist_dir(), "t10k")
        label_case(binp, "MNIST test", xm, ym, 300, "uniform", 1)
    a, b = load_idx(FASHION, "train"), load_idx(FASHION, "t10k")
    xf, yf = np.vstack([a[0], b[0]]), np.concatenate([a[1], b[1]])
    if "fashion" in cases:
        label_case(binp, "Fashion-MNIST", xf, yf, 150, "uniform", 1)
    if "confusion" in cases:
        label_case(binp, "Fashion-MNIST", xf, yf, 150, "T-shirt<->Shirt", 2)


def write_idx_images(path, x):
    """x (n, 784) in [0, 1] -> an uncompressed IDX image file (n x 28 x 28 uint8)."""
    u = np.rint(x * 255).astype(np.uint8)
    with open(path, "wb") as f:
        f.write(np.array([0x00000803, len(u), 28, 28], ">u4").tobytes())
        f.write(u.tobytes())


def fence_rows(score, planted):
    rows = []
    q1, q3 = np.percentile(score, [25, 75])
    for f in (1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0):
        g = score > q3 + f * (q3 - q1)
        rows.append((f"Q3 + {f:.1f} IQR", q3 + f * (q3 - q1), g.sum(), g[planted].mean(), g[~planted].mean()))
    return rows


def outliers(binp, draws=5):
    """Fashion-MNIST 70,000 + 100 MNIST test digits, `draws` draws of the
    digits (seeds 3, 4, ...). Each draw runs analyze twice, unlabelled, on
    the same pixels: as an image dataset (an IDX file: pixel features, so the
    default score is the Hellinger one) and as a .npy (vectors of unknown
    origin: the kNN mean cosine distance)."""
    a, b = load_idx(FASHION, "train"), load_idx(FASHION, "t10k")
    xf = np.vstack([a[0], b[0]])
    xm, _ = load_idx(mnist_dir(), "t10k")
    agg = {}
    for draw in range(draws):
        rng = np.random.default_rng(3 + draw)
        x = np.vstack([xf, xm[rng.choice(len(xm), 100, replace=False)]])
        n = len(x)
        planted = np.zeros(n, bool)
        planted[len(xf):] = True
        tmp = tempfile.mkdtemp(prefix="embscope-bench-outliers-")
        os.makedirs(f"{tmp}/idx")
        write_idx_images(f"{tmp}/idx/train-images-idx3-ubyte", x)
        runs = []
        t0 = time.time()
        subprocess.run([binp, "analyze", f"{tmp}/idx", "-o", f"{tmp}/out_img", "--map", "none", "--clusters", "none",
                        "--threads", str(THREADS), "--quiet"], check=True)
        import json
        runs.append(("images (IDX)", f"{tmp}/out_img", time.time() - t0, json.load(open(f"{tmp}/out_img/summary.json"))))
        wall, summ = run_embscope(binp, x, None, tmp)
        runs.append((".npy vectors", f"{tmp}/out", wall, summ))
        for name, out, wall, summ in runs:
            score = np.zeros(n, np.float32)
            fl = np.zeros(n, bool)
            for r in csv.DictReader(open(f"{out}/outliers.csv")):
                score[int(r["index"])] = float(r["score"])
                fl[int(r["index"])] = r["flagged"] == "1"
            o = summ["outliers"]
            key = f"{name}: {o.get('method')}"
            t1 = np.percentile(score[~planted], 99.0)
            print(f"draw {draw} (seed {3 + draw}), {key}: analyze {wall:.1f} s; rule {o.get('rule')}: {fl.sum()} flagged, "
                  f"planted {fl[planted].mean():.3f}, others {fl[~planted].mean():.4f}; planted above the others' "
                  f"99th percentile {np.mean(score[planted] > t1):.3f}; planted among the top 100 "
                  f"{planted[np.argsort(-score, kind='stable')[:100]].sum()}")
            g = agg.setdefault(key, {"default": [], "fences": []})
            g["default"].append((fl.sum(), fl[planted].mean(), fl[~planted].mean()))
            g["fences"].append(fence_rows(score, planted))
    print(f"\nmean over {draws} draws")
    print(f"  {'score, rule':<48}{'flagged':>9}{'planted flagged':>17}{'others flagged':>16}")
    for key, g in agg.items():
        d = np.array(g["default"], float).mean(0)
        lo = min(v[1] for v in g["default"])
        print(f"  {key + ', default rule':<48}{d[0]:>9.0f}{d[1]:>17.3f}{d[2]:>16.4f}   (lowest draw {lo:.2f})")
        fr = g["fences"]
        for i in range(len(fr[0])):
            m = np.array([[r[i][2], r[i][3], r[i][4]] for r in fr], float).mean(0)
            print(f"  {'  ' + fr[0][i][0]:<48}{m[0]:>9.0f}{m[1]:>17.3f}{m[2]:>16.4f}")


def main():
    global CNN_REFERENCE
    if "--cnn-reference" in sys.argv:
        sys.argv.remove("--cnn-reference")
        CNN_REFERENCE = True
    binp = sys.argv[1]
    what = sys.argv[2] if len(sys.argv) > 2 else "all"
    print(machine.line(binp))
    print(f"threads {THREADS}; numpy {np.__version__}")
    if what in ("labels", "all"):
        labels(binp, sys.argv[3] if len(sys.argv) > 3 else "mnist,fashion,confusion")
    if what in ("outliers", "all"):
        outliers(binp)


if __name__ == "__main__":
    main()

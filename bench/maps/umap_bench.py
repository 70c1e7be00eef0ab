#!/usr/bin/python3
"""UMAP benchmark: embscope vs umap-learn vs R uwot on Fashion-MNIST
70,000 x 784 (train + test, pixels / 255), 2-D and 3-D, neighbours included,
in one run. Prints fit seconds, peak RSS, the 10-NN leave-one-out label
accuracy of each map, trustworthiness (k = 10) on a fixed 5,000-point sample,
and the ratios peer time / embscope time.

usage: flock /tmp/embscope-bench.lock /usr/bin/python3 bench/maps/umap_bench.py EMBSCOPE_BIN [--n N] [--dims 2,3]
           [--repeat R] [--skip umap-learn,uwot]

Settings, the same for everyone: n_neighbors 15, min_dist 0.1, spread 1,
Euclidean metric, spectral init, default epochs (200 above 10,000 points).
- embscope: `embscope map X.npy --method umap --metric euclidean` (PCA to 50
  dimensions, kNN, UMAP), all cores; run --repeat times (default 3), the
  median time reported (the peers run once: each run takes minutes).
- umap-learn (Debian): umap.UMAP(...).fit_transform(X) with no random_state
  (so that its SGD runs in parallel, its fastest mode) and n_jobs=-1; its
  numba compile time is measured by a first fit on 1,000 points in the same
  process and reported separately (not in its fit time).
- uwot (Debian r-cran-uwot): uwot::umap(X, n_threads = 2, min_dist = 0.1),
  its default Annoy neighbours; time of the umap() call only.
Peak RSS: /usr/bin/time -v of each whole process (interpreter and data included).
"""
import argparse, gzip, os, re, subprocess, sys, tempfile, time
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import machine  # noqa: E402  (bench/machine.py)

FMNIST = "/usr/share/datasets/fashion-mnist"

def load_fmnist(n):
    xs, ys = [], []
    for pre in ("train", "t10k"):
        with gzip.open(f"{FMNIST}/{pre}-images-idx3-ubyte.gz") as f:
            xs.append(np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784))
        with gzip.open(f"{FMNIST}/{pre}-labels-idx1-ubyte.gz") as f:
            ys.append(np.frombuffer(f.read(), np.uint8, offset=8))
    X = np.concatenate(xs).astype(np.float32) / 255.0
    y = np.concatenate(ys)
    return X[:n], y[:n]

def run_timed(cmd, env=None):
    """Run under /usr/bin/time -v; return (stdout, stderr, wall s, peak RSS MiB)."""
    t0 = time.time()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=env)
    wall = time.time() - t0
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return p.stdout, p.stderr, wall, int(m.group(1)) / 1024.0 if m else float("nan")

def knn_accuracy(emb, y, k=10):
    from sklearn.neighbors import NearestNeighbors
    ind = NearestNeighbors(n_neighbors=k + 1).fit(emb).kneighbors(emb, return_distance=False)[:, 1:]
    votes = np.zeros((len(y), int(y.max()) + 1), np.int32)
    for q in range(k):
        np.add.at(votes, (np.arange(len(y)), y[ind[:, q]]), 1)
    return float((votes.argmax(1) == y).mean())

def trust(X, emb, sample):
    from sklearn.manifold import trustworthiness
    return float(trustworthiness(X[sample], emb[sample], n_neighbors=10))

UMAP_LEARN = r"""
import sys, time, numpy as np, umap
X = np.load(sys.argv[1]); dims = int(sys.argv[2])
t0 = time.time()
umap.UMAP(n_neighbors=15, min_dist=0.1, n_components=dims, n_jobs=-1).fit_transform(X[:1000])
compile_s = time.time() - t0
t0 = time.time()
E = umap.UMAP(n_neighbors=15, min_dist=0.1, n_components=dims, n_jobs=-1).fit_transform(X)
fit_s = time.time() - t0
np.save(sys.argv[3], E.astype(np.float32))
print("compile_s", compile_s); print("fit_s", fit_s)
"""

UWOT = r"""
args <- commandArgs(trailingOnly = TRUE)
n <- as.integer(args[2]); d <- as.integer(args[3]); dims <- as.integer(args[4])
con <- file(args[1], "rb"); X <- matrix(readBin(con, "numeric", n * d, size = 4), nrow = n, byrow = TRUE); close(con)
suppressMessages(library(uwot))
t <- system.time(E <- uwot::umap(X, n_neighbors = 15, min_dist = 0.1, n_components = dims, n_threads = 2,
                                 metric = "euclidean", init = "spectral"))
con <- file(args[5], "wb"); writeBin(as.vector(t(E)), con, size = 4); close(con)
cat("fit_s", t[["elapsed"]], "\n")
"""

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("embscope")
    ap.add_argument("--n", type=int, default=70000)
    ap.add_argument("--dims", default="2,3")
    ap.add_argument("--skip", default="", help="comma list of peers to skip: umap-learn,uwot")
    ap.add_argument("--repeat", type=int, default=3, help="embscope runs per case; the median time is reported")
    a = ap.parse_args()
    print(machine.line(a.embscope))
    X, y = load_fmnist(a.n)
    n = len(X)
    rng = np.random.RandomState(0)
    sample = np.sort(rng.choice(n, min(5000, n), replace=False))
    tmp = tempfile.mkdtemp(prefix="umap_bench_")
    xnpy, xraw = f"{tmp}/x.npy", f"{tmp}/x.f32"
    np.save(xnpy, X)
    X.tofile(xraw)
    with open(f"{tmp}/ul.py", "w") as f: f.write(UMAP_LEARN)
    with open(f"{tmp}/uwot.R", "w") as f: f.write(UWOT)
    skip = set(a.skip.split(",")) if a.skip else set()
    rows = []
    def add(row):
        rows.append(row)
        name, dims, fit, comp, rss, acc, tw = row
        print(f"row: {name} {dims}D fit {fit:.1f} s compile {comp} peak {rss:.0f} MiB acc {acc:.4f} trust {tw:.4f}", flush=True)
    for dims in [int(v) for v in a.dims.split(",")]:
        # embscope runs take seconds, so a burst of other work on the
        # machine moves them far more than the peers' minutes-long runs:
        # run it --repeat times and keep the run with the median time (its
        # map is the one scored; peak RSS is the largest of the runs).
        runs = []
        for r in range(a.repeat):
            out, err, wall, rss = run_timed([a.embscope, "map", xnpy, "--method", "umap", "--metric", "euclidean",
                                             "--dims", str(dims), "-o", f"{tmp}/emb{dims}_{r}"])
            detail = " ".join(l.strip() for l in err.splitlines() if l.startswith("map:"))
            print(f"[embscope {dims}D run {r + 1}: {wall:.1f} s] {detail}", file=sys.stderr)
            runs.append((wall, rss, r))
        wall, _, r = sorted(runs)[len(runs) // 2]
        rss = max(v[1] for v in runs)
        E = np.load(f"{tmp}/emb{dims}_{r}/map.npy")
        add(("embscope", dims, wall, None, rss, knn_accuracy(E, y), trust(X, E, sample)))
        if "umap-learn" not in skip:
            out, err, wall, rss = run_timed(["/usr/bin/python3", f"{tmp}/ul.py", xnpy, str(dims), f"{tmp}/ul{dims}.npy"])
            kv = dict(l.split() for l in out.splitlines() if l.startswith(("compile_s", "fit_s")))
            E = np.load(f"{tmp}/ul{dims}.npy")
            add(("umap-learn", dims, float(kv["fit_s"]), float(kv["compile_s"]), rss, knn_accuracy(E, y), trust(X, E, sample)))
        if "uwot" not in skip:
            out, err, wall, rss = run_timed(["Rscript", f"{tmp}/uwot.R", xraw, str(n), "784", str(dims), f"{tmp}/uwot{dims}.f32"])
            fit = float(re.search(r"fit_s ([0-9.]+)", out).group(1))
            E = np.fromfile(f"{tmp}/uwot{dims}.f32", np.float32).reshape(n, dims)
            add(("uwot (2 thr)", dims, fit, None, rss, knn_accuracy(E, y), trust(X, E, sample)))
    print(f"\nUMAP on Fashion-MNIST {n} x 784, neighbours included; {os.cpu_count()} cores")
    print(f"{'method':<14}{'dims':>4}{'fit s':>9}{'compile s':>11}{'peak MiB':>10}{'10-NN acc':>11}{'trust@5k':>10}{'time / embscope':>17}")
    base = {r[1]: r[2] for r in rows if r[0] == "embscope"}
    for name, dims, fit, comp, rss, acc, tw in rows:
        print(f"{name:<14}{dims:>4}{fit:>9.1f}{(f'{comp:.1f}' if comp is not None else '-'):>11}{rss:>10.0f}"
              f"{acc:>11.4f}{tw:>10.4f}{fit / base[dims]:>16.2f}x")

if __name__ == "__main__":
    main()

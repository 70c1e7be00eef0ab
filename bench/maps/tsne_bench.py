#!/usr/bin/python3
"""t-SNE benchmark: embscope vs scikit-learn TSNE (Barnes-Hut, n_jobs=2) and
R's Rtsne (num_threads=2) on Fashion-MNIST, PCA-50 input for all.

usage: flock /tmp/embscope-bench.lock /usr/bin/python3 bench/maps/tsne_bench.py \
           EMBSCOPE_BIN [--work DIR] [--sizes 5000,20000,70000] [--skip-70k-peers]
           [--peer-timeout S] [--emb-only]

Runs (in this order, so a cut-short run still has the small cases):
  5,000 -> 2D   embscope, sklearn, Rtsne
  5,000 -> 3D   embscope, sklearn, Rtsne
  5,000 -> 2D   embscope UMAP (when the binary has it), the seed post's comparison
  20,000 -> 2D  embscope, sklearn
  70,000 -> 2D  embscope, Rtsne, sklearn
Each run: wall seconds and peak RSS (/usr/bin/time -v), final KL as the tool
reports it, 10-NN label accuracy in the map (leave-one-out majority vote).
Results go to WORK/results.jsonl as they finish and a table is printed at the
end (and after every run, so a partial log is usable). Builds nothing."""
import argparse, gzip, json, os, subprocess, sys, time
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import machine  # noqa: E402  (bench/machine.py)

DATA = "/usr/share/datasets/fashion-mnist"
PY = "/usr/bin/python3"


def load_idx(path):
    with gzip.open(path, "rb") as f:
        b = f.read()
    nd = b[3]
    dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(b, np.uint8, offset=4 + 4 * nd).reshape(dims)


def knn_accuracy(y, labels, k=10):
    from sklearn.neighbors import NearestNeighbors
    nn = NearestNeighbors(n_neighbors=k + 1).fit(y)
    _, idx = nn.kneighbors(y)
    votes = labels[idx[:, 1:]]
    pred = np.array([np.bincount(v, minlength=10).argmax() for v in votes])
    return float(np.mean(pred == labels))


def timed(cmd, timeout, log):
    """Run cmd under /usr/bin/time -v; (rc, wall s, peak RSS MiB, CPU s).
    CPU seconds (user + sys) are printed too: on a shared machine they move
    less than wall time."""
    tfile = log + ".time"
    t0 = time.time()
    try:
        with open(log, "w") as lf:
            rc = subprocess.run(["/usr/bin/time", "-v", "-o", tfile] + cmd, stdout=lf,
                                stderr=subprocess.STDOUT, timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        return "timeout", time.time() - t0, float("nan"), float("nan")
    wall = time.time() - t0
    rss, cpu = float("nan"), 0.0
    try:
        for line in open(tfile):
            if "Maximum resident set size" in line:
                rss = int(line.split(":")[1]) / 1024.0
            if "User time (seconds)" in line or "System time (seconds)" in line:
                cpu += float(line.split(":")[1])
    except OSError:
        pass
    return rc, wall, rss, cpu


SK = """
import sys, numpy as np, sklearn
from sklearn.manifold import TSNE
x = np.load(sys.argv[1]).astype(np.float64)
t = TSNE(n_components=int(sys.argv[2]), perplexity=30, init="pca", learning_rate="auto",
         method="barnes_hut", angle=0.5, n_iter=1000, n_jobs=2, random_state=42)
y = t.fit_transform(x)
np.save(sys.argv[3], y.astype(np.float32))
print("KL", t.kl_divergence_)
"""

RT = """
args <- commandArgs(trailingOnly = TRUE)
suppressMessages(library(Rtsne))
x <- as.matrix(read.csv(args[1], header = FALSE))
set.seed(42)
r <- Rtsne(x, dims = as.integer(args[2]), perplexity = 30, theta = 0.5, pca = FALSE,
           check_duplicates = FALSE, max_iter = 1000, num_threads = 2, verbose = FALSE)
write.table(r$Y, args[3], sep = ",", row.names = FALSE, col.names = FALSE)
cat("KL", tail(r$itercosts, 1), "\\n")
"""


def parse_kl(log):
    try:
        for line in open(log):
            if line.startswith("KL "):
                return float(line.split()[1])
    except (OSError, ValueError):
        pass
    return float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("embscope")
    ap.add_argument("--work", default="/tmp/embscope-bench-tsne")
    ap.add_argument("--skip-70k-peers", action="store_true")
    ap.add_argument("--peer-timeout", type=float, default=3600)
    ap.add_argument("--only-5k", action="store_true", help="the 5,000-point cases only")
    ap.add_argument("--emb-only", action="store_true", help="embscope rows only (no peers)")
    ap.add_argument("--no-rtsne", action="store_true", help="skip the Rtsne rows")
    ap.add_argument("--sizes", default="5000,20000,70000",
                    help="comma-separated sizes among 5000, 20000, 70000 (default: all); 5000 runs 2D and 3D")
    a = ap.parse_args()
    print(machine.line(a.embscope))
    os.makedirs(a.work, exist_ok=True)
    w = a.work
    import sklearn
    from sklearn.decomposition import PCA
    import shutil
    have_r = shutil.which("Rscript") is not None and not a.no_rtsne
    rver = subprocess.run(["Rscript", "-e", "cat(as.character(packageVersion('Rtsne')))"],
                          capture_output=True, text=True).stdout.strip() if have_r else "not installed (rows skipped)"
    print(f"embscope {subprocess.run([a.embscope, 'version'], capture_output=True, text=True).stdout.strip()}, "
          f"sklearn {sklearn.__version__}, Rtsne {rver}, {os.cpu_count()} cores", flush=True)

    x = np.concatenate([load_idx(f"{DATA}/train-images-idx3-ubyte.gz"),
                        load_idx(f"{DATA}/t10k-images-idx3-ubyte.gz")]).reshape(70000, -1).astype(np.float32) / 255
    lab = np.concatenate([load_idx(f"{DATA}/train-labels-idx1-ubyte.gz"),
                          load_idx(f"{DATA}/t10k-labels-idx1-ubyte.gz")]).astype(np.int64)
    x50 = PCA(50, random_state=0).fit_transform(x).astype(np.float32)
    sizes = [int(v) for v in a.sizes.split(",")]
    sets = {n: (x50[:n], lab[:n]) for n in (5000, 20000, 70000) if n in sizes}
    for n, (xs, _) in sets.items():
        np.save(f"{w}/x{n}.npy", xs)
        if not a.emb_only:
            np.savetxt(f"{w}/x{n}.csv", xs, delimiter=",", fmt="%.7g")
    open(f"{w}/sk.py", "w").write(SK)
    open(f"{w}/rt.R", "w").write(RT)
    results = []
    resf = open(f"{w}/results.jsonl", "w")

    def record(n, dims, tool, rcw, kl, ypath):
        rc, wall, rss, cpu = rcw
        acc = float("nan")
        if rc == 0 and os.path.exists(ypath):
            y = np.load(ypath) if ypath.endswith(".npy") else np.loadtxt(ypath, delimiter=",")
            acc = knn_accuracy(y, sets[n][1])
        r = dict(n=n, dims=dims, tool=tool, rc=str(rc), seconds=wall, cpu_s=cpu, rss_mib=rss, kl=kl, acc10=acc)
        results.append(r)
        resf.write(json.dumps(r) + "\n")
        resf.flush()
        table()

    def table():
        print("\n| n | dims | tool | seconds | CPU s | peak RSS MiB | final KL | 10-NN acc | embscope speed-up (wall) |", flush=True)
        print("|---|---|---|---|---|---|---|---|---|")
        for r in results:
            base = [q for q in results if q["n"] == r["n"] and q["dims"] == r["dims"] and q["tool"] == "embscope t-SNE"]
            ratio = ""
            if base and r["tool"] != "embscope t-SNE" and not r["tool"].startswith("embscope"):
                ratio = f"{r['seconds'] / base[0]['seconds']:.1f}x" + (" (lower bound: timeout)" if r["rc"] == "timeout" else "")
            print(f"| {r['n']} | {r['dims']} | {r['tool']} | {r['seconds']:.1f}{'' if r['rc'] == '0' else ' (' + r['rc'] + ')'} | "
                  f"{r['cpu_s']:.1f} | {r['rss_mib']:.0f} | {r['kl']:.4f} | {r['acc10']:.4f} | {ratio} |", flush=True)

    def emb(n, dims, method="tsne"):
        out = f"{w}/emb_{method}_{n}_{dims}"
        cmd = [a.embscope, "map", f"{w}/x{n}.npy", "--method", method, "--dims", str(dims),
               "--threads", "2", "--seed", "42", "--quiet", "-o", out]
        if method == "umap":
            cmd += ["--metric", "euclidean"]
        rcw = timed(cmd, a.peer_timeout, f"{out}.log")
        kl = float("nan")
        try:
            kl = json.load(open(f"{out}/summary.json"))["map"]["tsne"]["kl_divergence"]
        except (OSError, KeyError, ValueError):
            pass
        record(n, dims, f"embscope {'t-SNE' if method == 'tsne' else 'UMAP'}", rcw, kl, f"{out}/map.npy")

    def sk(n, dims):
        out = f"{w}/sk_{n}_{dims}"
        rcw = timed([PY, f"{w}/sk.py", f"{w}/x{n}.npy", str(dims), f"{out}.npy"], a.peer_timeout, f"{out}.log")
        record(n, dims, "sklearn TSNE (BH, n_jobs=2)", rcw, parse_kl(f"{out}.log"), f"{out}.npy")

    def rt(n, dims):
        out = f"{w}/rt_{n}_{dims}"
        rcw = timed(["Rscript", f"{w}/rt.R", f"{w}/x{n}.csv", str(dims), f"{out}.csv"], a.peer_timeout, f"{out}.log")
        record(n, dims, "Rtsne (num_threads=2)", rcw, parse_kl(f"{out}.log"), f"{out}.csv")

    if 5000 in sets:
        for dims in (2, 3):
            emb(5000, dims)
            if not a.emb_only:
                sk(5000, dims)
                if have_r:
                    rt(5000, dims)
        emb(5000, 2, "umap")
    if 20000 in sets and not a.only_5k:
        emb(20000, 2)
        if not a.emb_only:
            sk(20000, 2)
    if 70000 in sets and not a.only_5k:
        emb(70000, 2)
        if not a.skip_70k_peers and not a.emb_only:
            if have_r:
                rt(70000, 2)
            sk(70000, 2)
    print("\nFinal table (KL as each tool reports it: embscope from its FFT/BH estimate of Z, "
          "sklearn kl_divergence_, Rtsne last itercosts; 10-NN accuracy computed here):")
    table()


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""bench/neighbors/run.py EMBSCOPE [--quick]

Exact and approximate all-kNN (k = 15, the item itself excluded), embscope
against its peers, in one run on one machine, each tool in its own process
(peak RSS from /usr/bin/time -v):
  exact   Fashion-MNIST 70,000 x 784 (Euclidean), its PCA-50 (Euclidean),
          100,000 random unit vectors x 512 (cosine = inner product)
          vs faiss IndexFlatL2 / IndexFlatIP
  approx  Fashion-MNIST 70,000 x 784 (Euclidean)
          vs pynndescent (numba compile time reported apart: a first call
          on 2,000 rows) and hnswlib (M=16, ef_construction=100, ef=50)
Recall@15 is against embscope's exact graph (checked against faiss).
Also the SGEMM peak of this machine's OpenBLAS (numpy float32 matmul,
4096^2 x 784, the same libopenblas embscope links) against the GFLOP/s of
the exact path (n^2 d multiply-adds x 2 / seconds: the GEMM work embscope
does; faiss does twice that). Builds nothing; run under
  flock /tmp/embscope-bench.lock bench/neighbors/run.py build/embscope
"""
import gzip, os, re, subprocess, sys, tempfile, time
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import machine  # noqa: E402  (bench/machine.py)

EMB = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/embscope"
QUICK = "--quick" in sys.argv
FM = "/usr/share/datasets/fashion-mnist"
K = 15
PY = "/usr/bin/python3"
tmp = tempfile.mkdtemp(prefix="embscope-bench-nb-")


def idx_images(p):
    with gzip.open(p) as f:
        b = f.read()
    return np.frombuffer(b, dtype=np.uint8, offset=16).reshape(-1, 784)


def timed(cmd):
    """Run cmd under /usr/bin/time -v: (stdout+stderr, wall s, peak RSS MiB)."""
    t = time.time()
    r = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    wall = time.time() - t
    if r.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), r.stderr[-2000:]))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1)) / 1024
    return r.stdout + r.stderr, wall, rss


def recall(ref, got):
    hits = sum(len(np.intersect1d(a, b)) for a, b in zip(ref, got))
    return hits / ref.size


def run_embscope(path, metric, mode):
    out = os.path.join(tmp, "emb_%s_%s_%s" % (os.path.basename(path), metric, mode))
    log, wall, rss = timed([EMB, "neighbors", path, "-k", str(K), "--metric", metric, "--" + mode, "-o", out])
    sec = float(re.search(r", ([0-9.]+) s", log).group(1))
    return np.load(os.path.join(out, "neighbors.npy")), sec, wall, rss


PEER = r'''
import sys, time, numpy as np
tool, path, metric, k, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
x = np.ascontiguousarray(np.load(path), dtype=np.float32)
extra = 0.0
t = time.time()
if tool == "faiss":
    import faiss
    ix = faiss.IndexFlatL2(x.shape[1]) if metric == "euclidean" else faiss.IndexFlatIP(x.shape[1])
    ix.add(x)
    _, I = ix.search(x, k + 1)
elif tool == "pynndescent":
    from pynndescent import NNDescent
    t0 = time.time()
    NNDescent(x[:2000], n_neighbors=k + 1, metric=metric, random_state=None).neighbor_graph
    extra = time.time() - t0            # numba compilation (and a tiny run)
    t = time.time()
    I, _ = NNDescent(x, n_neighbors=k + 1, metric=metric, random_state=None).neighbor_graph
elif tool == "hnswlib":
    import hnswlib
    ix = hnswlib.Index(space="l2" if metric == "euclidean" else "cosine", dim=x.shape[1])
    ix.init_index(max_elements=len(x), ef_construction=100, M=16)
    ix.add_items(x, np.arange(len(x)))
    ix.set_ef(50)
    I, _ = ix.knn_query(x, k=k + 1)
sec = time.time() - t
# drop the item itself (first when present), keep k
J = np.empty((len(x), k), np.int32)
for i in range(len(x)):
    r = [j for j in I[i] if j != i]
    J[i] = r[:k]
np.save(out, J)
print("SECONDS %.4f EXTRA %.4f" % (sec, extra))
'''


def run_peer(tool, path, metric):
    out = os.path.join(tmp, "%s_%s_%s.npy" % (tool, os.path.basename(path), metric))
    log, wall, rss = timed([PY, "-c", PEER, tool, path, metric, str(K), out])
    m = re.search(r"SECONDS ([0-9.]+) EXTRA ([0-9.]+)", log)
    return np.load(out), float(m.group(1)), float(m.group(2)), wall, rss


def sgemm_peak():
    a = np.random.default_rng(0).standard_normal((4096, 784), dtype=np.float32)
    b = np.random.default_rng(1).standard_normal((784, 4096), dtype=np.float32)
    a @ b
    best = 0
    for _ in range(5):
        t = time.time()
        a @ b
        best = max(best, 2 * 4096 * 4096 * 784 / (time.time() - t) / 1e9)
    return best


def main():
    print(machine.line(EMB))
    fm = np.concatenate([idx_images(FM + "/train-images-idx3-ubyte.gz"),
                         idx_images(FM + "/t10k-images-idx3-ubyte.gz")]).astype(np.float32)
    if QUICK:
        fm = fm[:3000]
    from sklearn.decomposition import PCA
    pca = PCA(50, svd_solver="randomized", random_state=0).fit_transform(fm).astype(np.float32)
    rng = np.random.default_rng(0)
    ru = rng.standard_normal((5000 if QUICK else 100000, 512), dtype=np.float32)
    ru /= np.linalg.norm(ru, axis=1, keepdims=True)
    paths = {}
    for name, arr in (("fmnist", fm), ("fmnist_pca50", pca), ("unit512", ru)):
        paths[name] = os.path.join(tmp, name + ".npy")
        np.save(paths[name], arr)
    peak = sgemm_peak()
    print("SGEMM peak (numpy float32 4096x784x4096, same OpenBLAS): %.1f GFLOP/s" % peak)
    print("%-28s %-12s %9s %9s %9s %8s %9s %9s" % ("case", "tool", "seconds", "wall s", "compile", "recall", "RSS MiB", "vs emb"))
    base = {}
    gflops = []

    def row(case, tool, sec, extra, wall, rec, rss):   # printed as soon as measured
        if tool == "embscope":
            base[case] = sec
        print("%-28s %-12s %9.2f %9.2f %9s %8.4f %9.0f %8.2fx" % (case, tool, sec, wall, "%.2f" % extra if extra else "-",
                                                              rec, rss, sec / base[case]), flush=True)

    def exact_case(name, metric):
        n, d = np.load(paths[name], mmap_mode="r").shape
        I, sec, wall, rss = run_embscope(paths[name], metric, "exact")
        case = "exact %s %dx%d" % (name, n, d)
        row(case, "embscope", sec, None, wall, 1.0, rss)
        F, fsec, _, fwall, frss = run_peer("faiss", paths[name], metric)
        row(case, "faiss flat", fsec, None, fwall, recall(I, F), frss)
        g = 2.0 * n * n * d / 2 / sec / 1e9
        gflops.append("%-28s embscope GEMM %.1f GFLOP/s = %.0f%% of SGEMM peak (faiss-equivalent n^2 d x2: %.1f)" % (case, g, 100 * g / peak, 2 * g))
        return I

    ex = exact_case("fmnist", "euclidean")
    n, d = fm.shape
    case = "approx fmnist %dx%d" % (n, d)
    I, sec, wall, rss = run_embscope(paths["fmnist"], "euclidean", "approx")
    row(case, "embscope", sec, None, wall, recall(ex, I), rss)
    P, psec, pcomp, pwall, prss = run_peer("pynndescent", paths["fmnist"], "euclidean")
    row(case, "pynndescent", psec, pcomp, pwall, recall(ex, P), prss)
    H, hsec, _, hwall, hrss = run_peer("hnswlib", paths["fmnist"], "euclidean")
    row(case, "hnswlib", hsec, None, hwall, recall(ex, H), hrss)
    exact_case("fmnist_pca50", "euclidean")
    exact_case("unit512", "cosine")
    for line in gflops:
        print(line)
    print("seconds: inside the tool (embscope: its own log, load excluded; peers: index+search); wall: whole process incl. loading")
    print("vs emb: seconds / embscope seconds (higher = embscope faster)")


if __name__ == "__main__":
    main()

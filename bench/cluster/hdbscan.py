#!/usr/bin/env python3
"""hdbscan.py - embscope's clusters against the peers of issue 18, same run,
same vectors (pixel brightness from `embscope embed`):

  * embscope cluster (default: kNN graph k=15 cosine -> clustering UMAP 2D
    min_dist 0 -> HDBSCAN, min_cluster_size max(10, N/200)), end to end;
  * umap-learn (n_neighbors 30, min_dist 0, 2D; its numba compile excluded
    by a warm-up fit on 5,000 rows) followed by R dbscan's hdbscan() with
    minPts = embscope's min_cluster_size: the practice of umap-learn's docs;
  * HDBSCAN alone on the same 2D points (the peer's UMAP): embscope against
    R dbscan (R's time is its hdbscan() call, without reading the CSV);
  * k-means: embscope --clusters kmeans against scikit-learn KMeans(10,
    n_init=1, lloyd);
  * Leiden (python3-leidenalg, modularity, seed 42) on embscope's kNN graph.

Prints ARI / AMI against the labels, the noise share, wall time, peak RSS
and the time ratios. R dbscan 1.1 builds the full distance matrix (n^2 / 2
doubles, twice): it is skipped where that would not fit in memory.

usage: flock /tmp/embscope-bench.lock /usr/bin/python3 bench/cluster/hdbscan.py
           [--embscope build/embscope] [--work /tmp/embscope-bench-hdbscan]
           [--sets mnist10k,fashion10k,fashion70k]
"""
import argparse
import csv
import os
import re
import resource
import subprocess
import sys
import time

import numpy as np
from sklearn.metrics import adjusted_mutual_info_score as ami
from sklearn.metrics import adjusted_rand_score as ari

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import machine  # noqa: E402

SETS = {
    "mnist10k": "/work/shared/data/mnist",
    "fashion10k": "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
    "fashion70k": "/usr/share/datasets/fashion-mnist",
}


def timed(cmd, **kw):
    """Run cmd under /usr/bin/time -v: (wall s, peak RSS MB, stdout)."""
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, **kw)
    if p.returncode:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", p.stderr)
    h, m, s = wall.groups()
    secs = (int(h) * 3600 if h else 0) + int(m) * 60 + float(s)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024
    return secs, rss, p.stdout


def read_clusters(path):
    return np.array([int(r["cluster"]) for r in csv.DictReader(open(path))])


def scores(y, c):
    return f"ARI {ari(y, c):.3f}  AMI {ami(y, c):.3f}  k {c.max() + 1:3d}  noise {100 * (c < 0).mean():4.1f}%"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--embscope", default="build/embscope")
    ap.add_argument("--work", default="/tmp/embscope-bench-hdbscan")
    ap.add_argument("--sets", default="mnist10k,fashion10k,fashion70k")
    a = ap.parse_args()
    E = os.path.abspath(a.embscope)
    print(machine.line(E))
    print("threads: 2 for every tool (OMP/BLAS/numba); R is single-threaded")
    os.environ.setdefault("NUMBA_NUM_THREADS", "2")
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    for name in a.sets.split(","):
        src = SETS[name]
        if not os.path.exists(src):
            print(f"\n== {name}: {src} missing, skipped")
            continue
        W = os.path.join(a.work, name)
        os.makedirs(W, exist_ok=True)
        if not os.path.exists(f"{W}/emb/embeddings.npy"):
            subprocess.run([E, "embed", src, "-o", f"{W}/emb", "--quiet", "--threads", "2"], check=True)
        x = np.load(f"{W}/emb/embeddings.npy")
        y = np.array([r["label"] for r in csv.DictReader(open(f"{W}/emb/items.csv"))])
        n = len(y)
        mcs = max(10, n // 200)
        print(f"\n== {name}: {n} items x {x.shape[1]}; embscope's min_cluster_size {mcs}, "
              f"min_samples {min(max(10, n // 100), 200)}")
        rows = []
        # embscope, end to end (kNN + clustering UMAP + HDBSCAN), 2 threads; 1 thread twice for determinism
        t_e2e, rss_e2e, _ = timed([E, "cluster", f"{W}/emb/embeddings.npy", "--items", f"{W}/emb/items.csv",
                                   "-o", f"{W}/ours", "--threads", "2", "--quiet"])
        c = read_clusters(f"{W}/ours/clusters.csv")
        rows.append(("embscope cluster (kNN + UMAP 2D + HDBSCAN)", t_e2e, rss_e2e, scores(y, c)))
        same = None
        if n <= 20000:
            for d in ("ours1a", "ours1b"):
                timed([E, "cluster", f"{W}/emb/embeddings.npy", "-o", f"{W}/{d}", "--threads", "1", "--quiet"])
            same = open(f"{W}/ours1a/clusters.csv").read() == open(f"{W}/ours1b/clusters.csv").read()
        # peer: umap-learn then R dbscan
        import umap
        # compile outside the timing: umap-learn takes exact neighbours below 4096 rows, NN-descent above,
        # so the warm-up needs more than 4096 rows to compile both
        umap.UMAP(n_neighbors=30, min_dist=0.0, n_components=2, random_state=42, n_epochs=10).fit_transform(x[:5000])
        r0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t = time.time()
        u = umap.UMAP(n_neighbors=30, min_dist=0.0, n_components=2, random_state=42).fit_transform(x)
        t_umap = time.time() - t
        r1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        os.makedirs(f"{W}/peer", exist_ok=True)
        np.save(f"{W}/peer/map.npy", u.astype(np.float32))
        np.savetxt(f"{W}/peer/map.csv", u.astype(np.float32).astype(np.float64), delimiter=",", fmt="%.17g")
        need_gb = 2 * 8 * n * n / 2 / 2**30
        mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        t_r = None
        if need_gb < 0.6 * mem_gb:
            script = (f'suppressMessages(library(dbscan)); x <- as.matrix(read.csv("{W}/peer/map.csv", header=FALSE)); '
                      f't <- system.time(h <- hdbscan(x, minPts={mcs})); cat(t[3], "\\n"); cat(h$cluster, sep="\\n")')
            t_rw, rss_r, out = timed(["Rscript", "-e", script])
            out = out.split()
            t_r = float(out[0])
            cr = np.array([int(v) for v in out[1:]]) - 1
            rows.append((f"umap-learn (nn 30, min_dist 0) + R dbscan hdbscan(minPts={mcs})", t_umap + t_r,
                         max(r1, rss_r), scores(y, cr)))
        else:
            rows.append((f"umap-learn (nn 30, min_dist 0); R dbscan skipped: its distance matrices need {need_gb:.0f} GB",
                         t_umap, r1, "-"))
        # HDBSCAN alone on the peer's 2D points, same minPts
        t_h, rss_h, _ = timed([E, "cluster", f"{W}/peer/map.npy", "-o", f"{W}/peer_ours", "--threads", "2", "--quiet",
                               "--clusters", f"hdbscan:{mcs}", "--min-samples", str(mcs)])
        ch = read_clusters(f"{W}/peer_ours/clusters.csv")
        rows.append((f"embscope HDBSCAN alone on the peer's UMAP (minPts {mcs})", t_h, rss_h, scores(y, ch)))
        if t_r is not None:
            rows.append((f"R dbscan hdbscan() alone, same points", t_r, rss_r, scores(y, cr)))
            agree = (ch < 0) == (cr < 0)
            print(f"same points, embscope vs R: noise agrees on {100 * agree.mean():.2f}% of items, ARI between them "
                  f"{ari(cr, ch):.4f}")
        # k-means
        t_k, rss_k, _ = timed([E, "cluster", f"{W}/emb/embeddings.npy", "-o", f"{W}/km", "--threads", "2", "--quiet",
                               "--clusters", "kmeans:10"])
        rows.append(("embscope k-means (K 10)", t_k, rss_k, scores(y, read_clusters(f"{W}/km/clusters.csv"))))
        from sklearn.cluster import KMeans
        from threadpoolctl import threadpool_limits
        with threadpool_limits(2):
            t = time.time()
            km = KMeans(10, n_init=1, algorithm="lloyd", random_state=0).fit(x)
            rows.append(("scikit-learn KMeans(10, n_init=1)", time.time() - t, None, scores(y, km.labels_)))
        # Leiden on embscope's kNN graph
        try:
            import igraph as ig
            import leidenalg
            if not os.path.exists(f"{W}/nbr/neighbors.npy"):
                subprocess.run([E, "neighbors", f"{W}/emb/embeddings.npy", "-k", "15", "-o", f"{W}/nbr", "--quiet",
                                "--threads", "2"], check=True)
            nb = np.load(f"{W}/nbr/neighbors.npy")
            t = time.time()
            src_ = np.repeat(np.arange(n), nb.shape[1])
            g = ig.Graph(n=n, edges=np.stack([src_, nb.ravel()], 1).tolist(), directed=False).simplify()
            part = leidenalg.find_partition(g, leidenalg.ModularityVertexPartition, seed=42)
            rows.append(("leidenalg (modularity) on the k=15 graph", time.time() - t, None,
                         scores(y, np.array(part.membership))))
        except ImportError as e:
            rows.append((f"leidenalg skipped ({e})", 0, None, "-"))
        print(f"{'method':76s} {'time s':>8s} {'peak RSS MB':>12s}  quality")
        for m, t_, r_, q in rows:
            print(f"{m:76s} {t_:8.2f} {('%.0f' % r_) if r_ else '-':>12s}  {q}")
        if t_r is not None:
            print(f"ratio, UMAP + HDBSCAN end to end: peer {t_umap + t_r:.1f} s / embscope {t_e2e:.1f} s = "
                  f"{(t_umap + t_r) / t_e2e:.1f}x")
            print(f"ratio, HDBSCAN alone: R {t_r:.2f} s / embscope {t_h:.2f} s = {t_r / t_h:.1f}x "
                  f"(embscope's time includes loading the file and starting the program)")
        else:
            print(f"ratio, umap-learn alone / embscope end to end: {t_umap / t_e2e:.1f}x")
        if same is not None:
            print(f"--threads 1, two runs: clusters.csv {'identical' if same else 'DIFFERENT'}")


if __name__ == "__main__":
    main()

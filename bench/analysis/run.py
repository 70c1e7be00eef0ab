#!/usr/bin/python3
"""Duplicate search benchmark: 100,000 x 512 random unit vectors with 1,000
planted near copies (cosine ~0.95 to their source). embscope dups (kNN
graph by NN-descent at this size, threshold, widening, groups) against a
faiss range search (IndexFlatIP, all pairs with inner product >= threshold)
doing the same work on the same data. Prints seconds, peak RSS, recall of
the planted pairs, and the time ratio.

usage: flock /tmp/embscope-bench.lock bench/analysis/run.py EMBSCOPE_BIN [N] [D]
"""
import csv, os, resource, subprocess, sys, tempfile, time
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import machine  # noqa: E402  (bench/machine.py)

def main():
    binp = sys.argv[1]
    print(machine.line(binp))
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
    d = int(sys.argv[3]) if len(sys.argv) > 3 else 512
    n_copies, thr = 1000, 0.9
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, d)).astype(np.float32)
    src = rng.choice(n - n_copies, n_copies, replace=False)
    # copy = source + noise, cos ~ 0.95
    x[n - n_copies:] = x[src] + 0.33 * rng.standard_normal((n_copies, d)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    planted = set((int(s), n - n_copies + i) for i, s in enumerate(src))
    cos_planted = np.sum(x[src] * x[n - n_copies:], axis=1)
    tmp = tempfile.mkdtemp(prefix="embscope-bench-dups-")
    vp = os.path.join(tmp, "vectors.npy")
    np.save(vp, x)

    # embscope
    t0 = time.time()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([binp, "dups", vp, "--dup-threshold", str(thr), "-o", os.path.join(tmp, "out"), "--quiet"], check=True)
    t_emb = time.time() - t0
    rss_emb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    group = {}
    with open(os.path.join(tmp, "out", "duplicates.csv")) as f:
        for row in csv.DictReader(f):
            group[int(row["index"])] = int(row["group"])
    rec_emb = sum(1 for a, b in planted if a in group and group.get(b) == group[a]) / len(planted)
    n_groups = len(set(group.values()))

    # faiss range search, same data, same threshold
    import faiss
    faiss.omp_set_num_threads(os.cpu_count())
    t0 = time.time()
    index = faiss.IndexFlatIP(d)
    index.add(x)
    lims, D, I = index.range_search(x, thr)
    pairs = set()
    for i in range(n):
        for j in I[lims[i]:lims[i + 1]]:
            if j != i:
                pairs.add((min(i, int(j)), max(i, int(j))))
    t_faiss = time.time() - t0
    rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rec_faiss = sum(1 for p in planted if p in pairs) / len(planted)

    print(f"data: {n} x {d} random unit vectors, {n_copies} planted copies (cos {cos_planted.min():.3f}..{cos_planted.max():.3f}), threshold {thr}, {os.cpu_count()} cores")
    print(f"{'tool':<34}{'seconds':>9}{'peak RSS MiB':>14}{'recall':>8}{'pairs/groups':>14}{'ratio':>7}")
    print(f"{'embscope dups (NN-descent k=15+widen)':<34}{t_emb:>9.1f}{rss_emb:>14.0f}{rec_emb:>8.3f}{n_groups:>14}{1.0:>7.2f}")
    print(f"{'faiss IndexFlatIP range_search':<34}{t_faiss:>9.1f}{rss_self:>14.0f}{rec_faiss:>8.3f}{len(pairs):>14}{t_faiss / t_emb:>7.2f}")
    print(f"faiss {faiss.__version__}, numpy {np.__version__}; ratio = faiss seconds / embscope seconds; faiss RSS includes this script")

if __name__ == "__main__":
    main()

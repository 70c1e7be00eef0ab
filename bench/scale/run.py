#!/usr/bin/env python3
"""bench/scale/run.py - how each stage of `embscope analyze` grows with N.

  run.py EMBSCOPE [--sizes 100000,300000,1000000] [--kind spread|dense]
         [--dims 512] [--work /tmp/embscope-scale] [--threads 2]
         [--peers knn,umap,pairs] [--peer-max-n 300000] [--no-lock]

For each size: the synthetic vectors of make_data.py (cached in WORK), then
`embscope analyze WORK/<kind>-<n>/embeddings.npy` under /usr/bin/time, and
from its summary.json each stage's wall seconds, CPU seconds (cpu_s.*) and
the peak RSS after it (memory.peak_rss_mb_after.*). Then the table: per
stage the time at every size and the growth exponent
log(t_b / t_a) / log(n_b / n_a) between consecutive sizes and from the
first to the last; the peak RSS against the input's size.

Peers in the same run, at sizes up to --peer-max-n (those that finish in
about 30 minutes on 2 cores): pynndescent (kNN, k = 15, cosine),
umap-learn (3D map from the same data, its own kNN), faiss (Debian's
python3-faiss) exact range search for the pairs at cosine >= 0.985 (the
duplicate stage's question). Heavy: runs under /tmp/embscope-bench.lock
unless --no-lock (then the load is printed with the table).
"""
import argparse, fcntl, json, math, os, re, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"


def sh_time(cmd, env=None):
    """Run cmd under /usr/bin/time -v: (rc, wall s, peak RSS MB, stdout, stderr)."""
    t0 = time.time()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=env)
    wall = time.time() - t0
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return p.returncode, wall, (int(m.group(1)) / 1024 if m else float("nan")), p.stdout, p.stderr


def dataset(work, kind, n, dims):
    d = os.path.join(work, f"{kind}-{n}-{dims}")
    if not os.path.exists(os.path.join(d, "items.csv")):
        subprocess.run([PY, os.path.join(HERE, "make_data.py"), str(n), d, "--kind", kind, "--dims", str(dims)], check=True)
    return d


PEER = {
    "knn": """
import sys, time, numpy as np, pynndescent
x = np.array(np.load(sys.argv[1], mmap_mode="r"))  # a writeable copy (numba refuses read-only arrays)
t = time.time(); pynndescent.NNDescent(x, n_neighbors=15, metric="cosine", n_jobs=int(sys.argv[2]), random_state=42).neighbor_graph
print(time.time() - t)
""",
    "umap": """
import sys, time, numpy as np, umap
x = np.ascontiguousarray(np.load(sys.argv[1], mmap_mode="r"))
umap.UMAP(n_components=3, n_epochs=5, random_state=None, n_jobs=int(sys.argv[2])).fit_transform(x[:2000])  # compile first
t = time.time(); umap.UMAP(n_components=3, metric="cosine", n_jobs=int(sys.argv[2])).fit_transform(x)
print(time.time() - t)
""",
    "pairs": """
import sys, time, numpy as np, faiss
x = np.array(np.load(sys.argv[1], mmap_mode="r"), dtype=np.float32)  # writeable: normalize_L2 works in place
faiss.omp_set_num_threads(int(sys.argv[2]))
t = time.time(); faiss.normalize_L2(x); ix = faiss.IndexFlatIP(x.shape[1]); ix.add(x)
lims, D, I = ix.range_search(x, 0.985)
print(time.time() - t, (len(I) - x.shape[0]) // 2)
""",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("embscope")
    ap.add_argument("--sizes", default="100000,300000,1000000")
    ap.add_argument("--kind", default="spread", choices=["spread", "dense"])
    ap.add_argument("--dims", type=int, default=512)
    ap.add_argument("--work", default="/tmp/embscope-scale")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--peers", default="")
    ap.add_argument("--peer-max-n", type=int, default=300000)
    ap.add_argument("--no-lock", action="store_true")
    ap.add_argument("--out", default=None, help="results JSON (default WORK/results-<kind>.json)")
    a = ap.parse_args()
    emb = os.path.abspath(a.embscope)
    os.makedirs(a.work, exist_ok=True)
    sizes = [int(s) for s in a.sizes.split(",")]
    lock = None
    if not a.no_lock:
        lock = open("/tmp/embscope-bench.lock", "w")
        fcntl.flock(lock, fcntl.LOCK_EX)
    load0 = open("/proc/loadavg").read().split()[:3]
    print(subprocess.run([PY, os.path.join(HERE, "..", "machine.py"), emb], capture_output=True, text=True).stdout.strip())
    res = {"kind": a.kind, "dims": a.dims, "threads": a.threads, "load_start": load0, "runs": []}
    for n in sizes:
        d = dataset(a.work, a.kind, n, a.dims)
        out = os.path.join(a.work, f"out-{a.kind}-{n}")
        rc, wall, rss, _, err = sh_time([emb, "analyze", os.path.join(d, "embeddings.npy"), "-o", out,
                                      "--threads", str(a.threads)])
        if rc != 0:
            print(err[-2000:], file=sys.stderr)
            sys.exit(f"analyze failed at n = {n} (rc {rc})")
        s = json.load(open(os.path.join(out, "summary.json")))
        run = {"n": n, "wall": wall, "rss_mb": rss, "input_mb": os.path.getsize(os.path.join(d, "embeddings.npy")) / 2**20,
               "timings": s.get("timings", {}), "cpu_s": s.get("cpu_s", {}),
               "rss_after": s.get("memory", {}).get("peak_rss_mb_after", {}),
               "dup_groups": s.get("duplicates", {}).get("groups"), "clusters": s.get("clusters", {}).get("k"),
               "peers": {}}
        for peer in [p for p in a.peers.split(",") if p]:
            if n > a.peer_max_n:
                continue
            prc, pwall, prss, pout, perr = sh_time([PY, "-c", PEER[peer], os.path.join(d, "embeddings.npy"), str(a.threads)])
            vals = pout.split()
            run["peers"][peer] = {"rc": prc, "wall": pwall, "rss_mb": prss,
                                  "seconds": float(vals[0]) if prc == 0 and vals else None,
                                  "pairs": int(vals[1]) if prc == 0 and len(vals) > 1 else None}
            if prc != 0:
                print(f"peer {peer} failed at n = {n}: {perr[-500:]}", file=sys.stderr)
        res["runs"].append(run)
        print(f"n = {n}: {wall:.1f} s, peak RSS {rss:.0f} MB", file=sys.stderr, flush=True)
    res["load_end"] = open("/proc/loadavg").read().split()[:3]
    path = a.out or os.path.join(a.work, f"results-{a.kind}.json")
    with open(path, "w") as f:
        json.dump(res, f, indent=1)
    subprocess.run([PY, os.path.join(HERE, "report.py"), path])


if __name__ == "__main__":
    main()

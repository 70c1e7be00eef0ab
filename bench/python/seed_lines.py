#!/usr/bin/python3
"""The seed's two lines timed as a notebook user waits for them, embscope's
package against the peers it stands in for, and against embscope's own
program on the same work (the binding's overhead); issue 19's goals.

usage: flock /tmp/embscope-bench.lock /usr/bin/python3 bench/python/seed_lines.py \
           [--cases umap3d:70000,tsne3d:5000] [--embscope-bin build-shared/embscope] \
           [--work DIR] [--peer-timeout S] [--no-peers] [--repeat R]

Each run is a fresh /usr/bin/python3 process on Fashion-MNIST rows (784
dims, float32 in [0, 1], from Debian's dataset-fashion-mnist, saved once as
.npy): the clock starts before the import (umap-learn compiles with numba
at its first call, which a user waits for too) and stops when the map is
back; loading the .npy is outside it. The program runs `embscope map` on
the same .npy, timed from its start to its exit (writing map.npy included).
The package and the program run R times each, alternating (default 5), and
their medians are compared (a run of a few seconds varies by 20-30% on a
shared VM); the peers, 20-50 times longer, run once. Per case: seconds,
10-NN label accuracy in the map (leave-one-out), and the ratios; the
binding's overhead is the package's median over the program's. The package must be importable (pip install ./python, or
EMBSCOPE_LIBRARY + PYTHONPATH=python). Results go to WORK/results.jsonl."""
import argparse
import gzip
import json
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import machine  # noqa: E402  (bench/machine.py)

DATA = "/usr/share/datasets/fashion-mnist"
CHILD = r'''
import sys, time, json, numpy as np
x = np.load(sys.argv[1]); t0 = time.time()
if sys.argv[2] == "embscope-umap":
    from embscope import UMAP
    m = UMAP(n_components=3).fit_transform(x)
elif sys.argv[2] == "embscope-tsne":
    from embscope import TSNE
    m = TSNE(n_components=3).fit_transform(x)
elif sys.argv[2] == "umap-learn":
    from umap import UMAP
    m = UMAP(n_components=3).fit_transform(x)
elif sys.argv[2] == "sklearn":
    from sklearn.manifold import TSNE
    m = TSNE(n_components=3).fit_transform(x)
dt = time.time() - t0
np.save(sys.argv[3], np.asarray(m, np.float32))
print(json.dumps({"seconds": dt}))
'''


def load_fashion(n):
    def idx(path):
        with gzip.open(path, "rb") as f:
            b = f.read()
        dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], "big") for i in range(b[3])]
        return np.frombuffer(b, np.uint8, offset=4 + 4 * b[3]).reshape(dims)
    x = np.concatenate([idx(f"{DATA}/train-images-idx3-ubyte.gz"), idx(f"{DATA}/t10k-images-idx3-ubyte.gz")])
    y = np.concatenate([idx(f"{DATA}/train-labels-idx1-ubyte.gz"), idx(f"{DATA}/t10k-labels-idx1-ubyte.gz")])
    return (x[:n].reshape(n, -1) / 255.0).astype(np.float32), y[:n]


def knn_accuracy(m, labels, k=10):
    import embscope
    idx, _ = embscope.kneighbors(m, k)
    votes = labels[idx]
    pred = np.array([np.bincount(v, minlength=10).argmax() for v in votes])
    return float((pred == labels).mean())


def run_child(tool, xpath, mpath, timeout):
    t0 = time.time()
    try:
        r = subprocess.run([sys.executable, "-c", CHILD, xpath, tool, mpath], capture_output=True,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, time.time() - t0
    if r.returncode != 0:
        print(r.stderr[-2000:], file=sys.stderr)
        return None, time.time() - t0
    return json.loads(r.stdout.strip().splitlines()[-1])["seconds"], time.time() - t0


def run_cli(binary, method, xpath, out):
    t0 = time.time()
    subprocess.run([binary, "map", xpath, "--method", method, "--dims", "3", "--metric", "euclidean",
                    "-k", "14", "-o", out, "--quiet"], check=True)
    return time.time() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default="umap3d:70000,tsne3d:5000")
    ap.add_argument("--embscope-bin", default="build-shared/embscope")
    ap.add_argument("--work", default="bench/out/python")
    ap.add_argument("--peer-timeout", type=float, default=3600)
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    print(machine.line(a.embscope_bin))
    rows = []
    for case in a.cases.split(","):
        kind, n = case.split(":")
        n = int(n)
        x, y = load_fashion(n)
        xpath = os.path.join(a.work, f"x{n}.npy")
        np.save(xpath, x)
        method = "umap" if kind.startswith("umap") else "tsne"
        row = {"case": case}
        pkg, cli = [], []
        for r in range(max(1, a.repeat)):
            s, _ = run_child("embscope-" + method, xpath, os.path.join(a.work, "emb.npy"), a.peer_timeout)
            if s is None:
                pkg = None
                break
            pkg.append(s)
            if os.access(a.embscope_bin, os.X_OK):
                cli.append(run_cli(a.embscope_bin, method, xpath, os.path.join(a.work, "cli")))
        row["embscope_runs"], row["cli_runs"] = pkg, cli
        row["embscope_s"] = float(np.median(pkg)) if pkg else None
        row["embscope_acc"] = knn_accuracy(np.load(os.path.join(a.work, "emb.npy")), y) if pkg else None
        if cli:
            row["cli_s"] = float(np.median(cli))
        if not a.no_peers:
            peer = "umap-learn" if method == "umap" else "sklearn"
            s, _ = run_child(peer, xpath, os.path.join(a.work, "peer.npy"), a.peer_timeout)
            row["peer"], row["peer_s"] = peer, s
            row["peer_acc"] = knn_accuracy(np.load(os.path.join(a.work, "peer.npy")), y) if s else None
        rows.append(row)
        with open(os.path.join(a.work, "results.jsonl"), "a") as f:
            f.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)
    print("\n| case | embscope package s, median (import incl.) | program s, median | package / program | peer | peer s | speed-up | 10-NN acc embscope / peer |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        sp = r.get("peer_s") and r.get("embscope_s") and r["peer_s"] / r["embscope_s"]
        ov = r.get("cli_s") and r.get("embscope_s") and r["embscope_s"] / r["cli_s"]
        print("| %s | %s | %s | %s | %s | %s | %s | %s / %s |" % (
            r["case"], fmt(r.get("embscope_s")), fmt(r.get("cli_s")), fmt(ov, "%.3f"), r.get("peer", "-"),
            fmt(r.get("peer_s")), fmt(sp, "%.1fx"), fmt(r.get("embscope_acc"), "%.4f"),
            fmt(r.get("peer_acc"), "%.4f")))


def fmt(v, f="%.2f"):
    return "-" if v is None else f % v


if __name__ == "__main__":
    main()

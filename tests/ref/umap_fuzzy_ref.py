"""Reference for tests/test_maps_umap.c: UMAP's fuzzy simplicial set and
spectral layout, written independently in NumPy from umap-learn 0.5's
umap_.py (smooth_knn_dist, compute_membership_strengths, fuzzy union) and
spectral.py (eigenvectors 2..dims+1 of I - D^-1/2 W D^-1/2), or with
--umap-learn, by umap-learn's own fuzzy_simplicial_set.

usage: umap_fuzzy_ref.py DIR N_NEIGHBORS DIMS [--umap-learn]
reads  DIR/knn_idx.npy (n, m) int32 (the item itself excluded), DIR/knn_dist.npy
writes DIR/ref_sigma.npy, ref_rho.npy (n,) float32, ref_graph.npy (n, n) float32,
       DIR/ref_spectral.npy (n, dims) float32 (NumPy mode only)
Versions: numpy >= 1.24 (Debian 12), umap-learn 0.5.3 for --umap-learn."""
import sys
import numpy as np

SMOOTH_K_TOLERANCE = 1e-5
MIN_K_DIST_SCALE = 1e-3

def smooth_knn_dist(d, k, n_iter=64):
    """d: (n, k) with the item itself (0) in column 0."""
    target = np.log2(k)
    rho = np.zeros(d.shape[0], np.float32)
    sigma = np.zeros(d.shape[0], np.float32)
    mean_all = np.mean(d)
    for i in range(d.shape[0]):
        nz = d[i][d[i] > 0]
        if nz.size >= 1:
            rho[i] = nz[0]
        lo, hi, mid = 0.0, np.inf, 1.0
        for _ in range(n_iter):
            x = d[i, 1:] - rho[i]
            psum = np.sum(np.where(x > 0, np.exp(-(x.astype(np.float64) / mid)), 1.0))
            if abs(psum - target) < SMOOTH_K_TOLERANCE:
                break
            if psum > target:
                hi = mid; mid = (lo + hi) / 2
            else:
                lo = mid
                mid = mid * 2 if hi == np.inf else (lo + hi) / 2
        sigma[i] = mid
        floor = MIN_K_DIST_SCALE * (np.mean(d[i]) if rho[i] > 0 else mean_all)
        sigma[i] = max(sigma[i], floor)
    return sigma, rho

def main():
    out, k, dims = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    idx = np.load(out + "/knn_idx.npy")[:, :k - 1]
    dist = np.load(out + "/knn_dist.npy")[:, :k - 1].astype(np.float32)
    n = idx.shape[0]
    idx = np.hstack([np.arange(n, dtype=np.int64)[:, None], idx])     # umap-learn's lists start with the item
    dist = np.hstack([np.zeros((n, 1), np.float32), dist])
    if "--umap-learn" in sys.argv:
        from umap.umap_ import fuzzy_simplicial_set
        g, sigma, rho = fuzzy_simplicial_set(np.zeros((n, 1)), k, np.random.RandomState(0), "euclidean",
                                             knn_indices=idx, knn_dists=dist)
        P = g.toarray().astype(np.float32)
    else:
        sigma, rho = smooth_knn_dist(dist, k)
        M = np.zeros((n, n), np.float64)
        for i in range(n):
            for j in range(1, k):
                x = dist[i, j] - rho[i]
                M[i, idx[i, j]] = 1.0 if (x <= 0 or sigma[i] == 0) else np.exp(-(x / sigma[i]))
        P = (M + M.T - M * M.T).astype(np.float32)
        deg = P.astype(np.float64).sum(0)
        Dm = 1 / np.sqrt(deg)
        L = np.eye(n) - Dm[:, None] * P * Dm[None, :]
        w, v = np.linalg.eigh(L)
        np.save(out + "/ref_spectral.npy", v[:, 1:dims + 1].astype(np.float32))
    np.save(out + "/ref_sigma.npy", np.asarray(sigma, np.float32))
    np.save(out + "/ref_rho.npy", np.asarray(rho, np.float32))
    np.save(out + "/ref_graph.npy", P)

main()

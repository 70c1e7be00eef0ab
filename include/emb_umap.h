/* emb_umap.h - UMAP maps in any dimension (2 and 3 are what people use).
 * Part of embscope.h.
 *
 * McInnes, Healy & Melville, "UMAP: Uniform Manifold Approximation and
 * Projection for Dimension Reduction", arXiv:1802.03426 (2018), with the
 * defaults and semantics of umap-learn 0.5 (umap_.py, layouts.py,
 * spectral.py): smooth kNN distances, fuzzy union, epochs-per-sample edge
 * sampling, negative sampling, gradient clipping at 4, spectral init scaled
 * to 10 plus N(0, 1e-4) noise, then rescaled to [0, 10] per axis.
 *
 * Usage (error handling shortened):
 *
 *     emb_knn g;                                  // from emb_knn_build(), k >= 14
 *     emb_umap_params up = emb_umap_default_params();
 *     up.n_components = 3;
 *     emb_matf map;                               // (n, 3) float32, allocated
 *     if (emb_umap_run(&g, &x, &up, &map, NULL) != EMB_OK)
 *         fprintf(stderr, "%s\n", emb_errmsg());
 *     emb_matf_free(&map);
 *
 * The neighbour graph: umap-learn counts the point itself among its
 * n_neighbors (its kNN list starts with the point, distance 0); emb_knn
 * excludes it, so n_neighbors = 15 reads the first 14 columns of the graph
 * and adds the point itself, giving exactly umap-learn's fuzzy set. A graph
 * with fewer columns (k < n_neighbors - 1) is used whole, as n_neighbors = k + 1.
 *
 * Threads and reproducibility: the SGD is lock-free (Hogwild, as
 * umap-learn's parallel mode). With n_threads = 1 a seed gives the same
 * bytes on every run; with more threads concurrent updates race and results
 * vary slightly from run to run (the quality does not). */
#ifndef EMB_UMAP_H
#define EMB_UMAP_H

#include "emb_core.h"
#include "emb_neighbors.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    EMB_UMAP_INIT_SPECTRAL = 0, /* normalised Laplacian eigenvectors (default) */
    EMB_UMAP_INIT_PCA,          /* first components of the vectors (needs x) */
    EMB_UMAP_INIT_RANDOM,       /* uniform in [-10, 10] */
} emb_umap_init;

/* Work that several emb_umap_run calls on one kNN graph share: the
 * pruned fuzzy graph (when n_neighbors, local_connectivity,
 * set_op_mix_ratio and the epoch count's pruning match) and the spectral
 * initialisation, computed once for the widest map asked for
 * (spectral_dims, or the run's own n_components when wider); a narrower
 * map takes its first columns. The graph g must stay as it was between the
 * calls. Not for two threads at once. */
typedef struct emb_umap_cache emb_umap_cache;
emb_status emb_umap_cache_new(int spectral_dims, emb_umap_cache **out);
void emb_umap_cache_free(emb_umap_cache *c);    /* NULL is a no-op */

typedef struct {
    int n_components;          /* output dimension, default 2 */
    int n_neighbors;           /* default 15, counting the point itself (see above) */
    float min_dist;            /* default 0.1 */
    float spread;              /* default 1.0 */
    float local_connectivity;  /* default 1.0 */
    float set_op_mix_ratio;    /* default 1.0: fuzzy union; 0: intersection */
    int n_epochs;              /* 0 = auto: 500 for n <= 10000, else 200 */
    float learning_rate;       /* default 1.0, decays linearly to 0 */
    int negative_sample_rate;  /* default 5 */
    float repulsion_strength;  /* gamma, default 1.0 */
    double a, b;               /* 0 = fit from min_dist and spread (default) */
    emb_umap_init init;        /* default spectral */
    int n_threads;             /* 0 = all cores */
    uint64_t seed;             /* default 42 */
    emb_progress progress;
    emb_umap_cache *cache;     /* NULL (default), or shared by runs on one graph */
} emb_umap_params;
emb_umap_params emb_umap_default_params(void);

/* What a run did (all fields filled by emb_umap_run when info != NULL). */
typedef struct {
    double a, b;               /* curve parameters used */
    int n_epochs;
    int64_t n_edges;           /* edges of the symmetrised graph sampled by SGD */
    int n_graph_components;    /* connected components of the fuzzy graph */
    const char *init;          /* "spectral", "spectral (dense)", "pca", "random", ... */
    double graph_s, init_s, layout_s;   /* seconds */
    bool shared_graph, shared_init;     /* taken from params.cache */
} emb_umap_info;

/* The symmetrised fuzzy simplicial set (1-skeleton) as a CSR matrix:
 * row i holds its neighbours j in ascending order with membership in (0, 1]. */
typedef struct {
    int64_t n, nnz;
    int64_t *indptr;           /* (n + 1) */
    int32_t *indices;          /* (nnz) column of each entry, ascending per row */
    float *weights;            /* (nnz) fuzzy membership */
} emb_umap_graph;
void emb_umap_graph_free(emb_umap_graph *gr);   /* zeroed is a no-op */

/* a, b of the curve 1 / (1 + a d^(2b)) fitted by least squares
 * (Levenberg-Marquardt, as scipy's curve_fit) to the offset exponential
 * given by min_dist and spread on 300 points of [0, 3 spread]. */
emb_status emb_umap_find_ab(double spread, double min_dist, double *a, double *b);

/* umap-learn's smooth_knn_dist: per item, rho = distance to the nearest
 * neighbour at nonzero distance (local_connectivity interpolated) and sigma
 * from a 64-step binary search for sum_j exp(-(d_j - rho)/sigma) = log2(n_neighbors).
 * sigma, rho (g->n) are the caller's. */
emb_status emb_umap_smooth_knn(const emb_knn *g, int n_neighbors, float local_connectivity,
                               float *sigma, float *rho);

/* The fuzzy graph of g: memberships exp(-(d - rho)/sigma), then
 * P + P^T - P o P^T (set_op_mix_ratio 1). *out is allocated (free with
 * emb_umap_graph_free); sigma, rho (g->n) may be NULL. */
emb_status emb_umap_graph_build(const emb_knn *g, const emb_umap_params *params,
                                emb_umap_graph *out, float *sigma, float *rho);

/* Spectral layout of a fuzzy graph: eigenvectors 2..dims+1 of the normalised
 * Laplacian I - D^-1/2 W D^-1/2 (ARPACK Lanczos; dense LAPACK for small
 * components), unscaled. A graph with several connected components is laid
 * out component by component around a meta layout (umap-learn's
 * multi_component_layout). out (n, dims) is allocated. Never NaN: a
 * component whose solver fails gets umap-learn's random fallback.
 * *n_components (may be NULL) receives the number of connected components. */
emb_status emb_umap_spectral(const emb_umap_graph *gr, int dims, uint64_t seed,
                             emb_matf *out, int *n_components, bool *used_dense);

/* The whole map: graph, initialisation, SGD. x (n, d) is only read for
 * EMB_UMAP_INIT_PCA and may be NULL otherwise. out (g->n, n_components)
 * is allocated; info may be NULL. */
emb_status emb_umap_run(const emb_knn *g, const emb_matf *x, const emb_umap_params *params,
                        emb_matf *out, emb_umap_info *info);

/* Place new points in a fitted map, as umap-learn's UMAP.transform: q is
 * the kNN graph of the new points among the training points
 * (emb_knn_query, k = n_neighbors: no point is its own neighbour there),
 * map (n, dims) the training map, which does not move. Memberships from
 * smooth kNN distances with local_connectivity - 1, initial positions the
 * membership-weighted means of the neighbours' positions, then SGD of the
 * new points only: params->n_epochs / 3 epochs (0 = auto: 100 for up to
 * 10,000 new points, else 30) at learning_rate / 4; a, b, min_dist, spread,
 * negative_sample_rate, repulsion_strength, seed and n_threads as in
 * emb_umap_run. out (q->n, dims) is allocated. Each new point has its own
 * random stream: the result does not depend on n_threads. A point with
 * no neighbour is NaN (as in umap-learn). Returns EMB_OK, EMB_E_INVALID
 * (indices outside the map, dims > 64, k > 1024) or EMB_E_NOMEM. */
emb_status emb_umap_transform(const emb_knn *q, const emb_matf *map, const emb_umap_params *params,
                              emb_matf *out);

#ifdef __cplusplus
}
#endif
#endif

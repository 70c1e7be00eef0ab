/* umap.h - pieces of the UMAP stage shared between src/maps/umap*.c and
 * spectral.c (private, emb__ prefix). */
#ifndef EMB_MAPS_UMAP_H
#define EMB_MAPS_UMAP_H

#include "core/internal.h"
#include "emb_umap.h"

/* umap-learn's constants (umap_.py). */
#define UMAP_SMOOTH_K_TOLERANCE 1e-5   /* binary search stop on |psum - target| */
#define UMAP_MIN_K_DIST_SCALE 1e-3     /* sigma floor, times the mean distance */
#define UMAP_SMOOTH_K_ITER 64          /* binary search steps */
#define UMAP_GRAD_CLIP 4.0f            /* layouts.py clip() */
#define UMAP_INIT_EXTENT 10.0          /* spectral init scaled to max |x| = 10 */
#define UMAP_INIT_NOISE 1e-4           /* N(0, 1e-4) added to the spectral init */

/* umap-learn's smooth_knn_dist for one row d (cols distances, ascending):
 * rho from the nonzero distances (local_connectivity interpolated), sigma
 * by binary search so that sum_{j >= psum_from} exp(-(d_j - rho)/sigma) =
 * target, floored at 1e-3 times the row's mean (row sum / mean_cols) or,
 * when rho = 0, the whole matrix's mean_all. The fit passes its rows
 * without the point itself (psum_from 0, mean_cols cols + 1), the
 * transform its new points' rows (psum_from 1, mean_cols cols), as
 * umap-learn's loops read them. */
void emb__umap_smooth_row(const float *d, int cols, int psum_from, int mean_cols, double target,
                          float local_connectivity, double mean_all, float *sigma, float *rho);

/* Components up to this many items get the dense eigensolver (spectral.c). */
#define UMAP_SPECTRAL_DENSE_MAX 1500

/* emb_umap_spectral with the dense solver's bound as an argument: components
 * of up to dense_max items are solved densely, larger ones by ARPACK (the
 * tests pass 0 to force ARPACK on small graphs). */
emb_status emb__umap_spectral(const emb_umap_graph *gr, int dims, uint64_t seed, int64_t dense_max,
                              const emb_progress *progress, emb_matf *out, int *n_components, bool *used_dense);

/* Optimise emb (n, dim) in place over the edges head -> tail with weights w
 * (umap-learn's optimize_layout_euclidean, move_other = True). */
typedef struct {
    int64_t n;
    int dim;
    int64_t n_edges;
    const int32_t *head, *tail;   /* (n_edges) */
    const float *weight;          /* (n_edges) */
    int n_epochs;
    double a, b, gamma, learning_rate;
    int negative_sample_rate;
    int n_threads;
    uint64_t seed;
    const emb_progress *progress;
} emb__umap_sgd;
emb_status emb__umap_optimize(const emb__umap_sgd *s, float *emb);
/* The same, written plainly (one thread, double math), for the tests. */
emb_status emb__umap_optimize_naive(const emb__umap_sgd *s, float *emb);

#endif

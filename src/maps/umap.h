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
/* Components of more than this many items get the multilevel solver
 * (spectral_multilevel.c), coarsened to at most UMAP_SPECTRAL_COARSEST items;
 * those between get ARPACK as umap-learn. */
#define UMAP_SPECTRAL_MULTILEVEL_MIN 200000
#define UMAP_SPECTRAL_COARSEST 20000

/* Which solver a component of m items gets: dense when m <= dense_max,
 * multilevel when m > multilevel_min, ARPACK otherwise. */
typedef struct {
    int64_t dense_max, multilevel_min, coarsest;
} emb__spectral_opts;
#define EMB__SPECTRAL_DEFAULTS ((emb__spectral_opts){UMAP_SPECTRAL_DENSE_MAX, UMAP_SPECTRAL_MULTILEVEL_MIN, UMAP_SPECTRAL_COARSEST})

/* emb_umap_spectral with the solvers' bounds as an argument (the tests
 * force ARPACK or the multilevel solver on small graphs). */
emb_status emb__umap_spectral(const emb_umap_graph *gr, int dims, uint64_t seed, emb__spectral_opts opts,
                              const emb_progress *progress, emb_matf *out, int *n_components, bool *used_dense);

/* One connected component's N = D^-1/2 W D^-1/2 (CSR, local numbers) and
 * D^-1/2. The solvers write its nvec leading non-trivial eigenvectors
 * (eigenvalues of N below 1, largest first) into out (m, nvec) row-major,
 * each signed so that its largest |entry| is positive; false when the
 * solver fails or memory runs out. */
typedef struct {
    int64_t m;
    const int64_t *ptr;
    const int32_t *col;
    const double *val, *dinv;
} emb__spec_graph;
bool emb__spectral_dense(const emb__spec_graph *g, int nvec, float *out);
bool emb__spectral_arpack(const emb__spec_graph *g, int nvec, double tol, const emb_progress *progress, float *out);
bool emb__spectral_multilevel(const emb__spec_graph *g, int dims, int64_t coarsest, uint64_t seed,
                              const emb_progress *progress, float *out);

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

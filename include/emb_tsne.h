/* emb_tsne.h - t-SNE maps in 2D and 3D: exact, Barnes-Hut and FFT-accelerated
 * interpolation gradients behind one optimiser. Part of embscope.h.
 *
 * Usage (error handling shortened):
 *
 *     emb_tsne_params tp = emb_tsne_default_params();   // 2D, perplexity 30
 *     emb_matf map;                                     // (n, 2), allocated by the call
 *     emb_tsne_stats ts;
 *     emb_tsne_run(&pca50, NULL, &tp, &map, &ts);       // NULL: build the kNN graph
 *     printf("KL %.3f after %d iterations (%s)\n", ts.kl, ts.iterations,
 *            emb_tsne_method_name(ts.method));
 *     emb_matf_free(&map);
 *
 * Semantics follow openTSNE (Policar et al. 2019): affinities from the
 * 3 x perplexity nearest neighbours (Euclidean), PCA initialisation scaled to
 * standard deviation 1e-4, learning rate N / exaggeration, early exaggeration
 * 12 for 250 iterations with momentum 0.5, then 750 iterations with momentum
 * 0.8, delta-bar-delta gains. Gradients are those of openTSNE (the KL gradient
 * without its constant factor 4).
 *
 * Reproducibility: given the kNN graph, the result depends on the seed (only
 * through the PCA initialisation's randomized solver, when used) and not on
 * the number of threads: every parallel loop writes per-point results and
 * every reduction runs in a fixed order. A graph built here is as
 * reproducible as emb_knn_build (exact always; approximate with --threads 1).
 * The Barnes-Hut and attractive kernels are chosen for the CPU at run time
 * (AVX-512, AVX2 or baseline), so bytes can differ between machines. */
#ifndef EMB_TSNE_H
#define EMB_TSNE_H

#include "emb_core.h"
#include "emb_neighbors.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    EMB_TSNE_AUTO = 0,  /* exact for n <= 1000, FFT for 2D and n >= 150000, else BH */
    EMB_TSNE_EXACT,     /* O(n^2) per iteration; the reference */
    EMB_TSNE_BH,        /* Barnes-Hut (van der Maaten 2014), quadtree / octree */
    EMB_TSNE_FFT,       /* interpolation + FFT (Linderman et al. 2019), 2D */
} emb_tsne_method;
const char *emb_tsne_method_name(emb_tsne_method m);  /* "exact", "bh", "fft", "auto" */

typedef struct {
    int dims;                   /* 1, 2 or 3; default 2 */
    double perplexity;          /* default 30 */
    int n_iter;                 /* iterations after early exaggeration; default 750 */
    int early_exaggeration_iter;/* default 250 */
    double early_exaggeration;  /* default 12 */
    double exaggeration;        /* after early exaggeration; default 1 */
    double learning_rate;       /* 0 = auto: n / exaggeration of the phase */
    double momentum;            /* during early exaggeration; default 0.5 */
    double final_momentum;      /* default 0.8 */
    double theta;               /* Barnes-Hut opening angle; default 0.5 */
    double max_step_norm;       /* clip each point's step (openTSNE); default 5, 0 = off */
    emb_tsne_method method;     /* default AUTO */
    const float *init;          /* (n, dims) initial map, or NULL for scaled PCA */
    int n_threads;              /* 0 = all cores */
    uint64_t seed;              /* default 42 */
    emb_progress progress;
} emb_tsne_params;
emb_tsne_params emb_tsne_default_params(void);

typedef struct {
    double kl;                  /* KL(P || Q) of the final map: exact for the exact
                                   method, from the BH / FFT estimate of Z otherwise */
    int iterations;             /* iterations run in total */
    emb_tsne_method method;     /* gradient used */
    int k;                      /* neighbours per point used for P */
    double seconds_affinities, seconds_optimize;
    /* phases (wall seconds): seconds_knn is part of seconds_affinities; the
     * two descent phases and the gradient parts summed over iterations */
    double seconds_knn, seconds_early, seconds_final;
    double seconds_attractive, seconds_repulsive;
    double seconds_fft_spread, seconds_fft_transform, seconds_fft_interp; /* FFT only */
    int fft_grid_max;           /* largest interpolation grid per axis (FFT only) */
} emb_tsne_stats;

/* Map x (n, d) to out (n, dims); out is allocated here (free with
 * emb_matf_free). x is what the affinities are computed on (callers pass
 * PCA-50 for wide vectors). g, when not NULL, is a kNN graph of x used for
 * the affinities (its first min(k, 3 perplexity) neighbours; cosine distances
 * c are turned into squared chord lengths 2c); when NULL a Euclidean graph
 * with k = min(n - 1, 3 perplexity) is built. stats may be NULL.
 * When g has fewer than 3 perplexity neighbours it is not used and the
 * Euclidean graph is built instead.
 * Returns EMB_OK, EMB_E_INVALID (n < 4, perplexity >= n - 1, bad dims),
 * EMB_E_UNSUPPORTED (FFT asked for in 1D or 3D) or EMB_E_NOMEM. */
emb_status emb_tsne_run(const emb_matf *x, const emb_knn *g, const emb_tsne_params *p,
                        emb_matf *out, emb_tsne_stats *stats);

/* ---- building blocks, exposed for tests and for other front ends ---- */

/* Symmetric affinities P as a sparse (CSR) matrix: row i holds
 * col[row_ptr[i] .. row_ptr[i+1]) with values val; P is symmetric, has no
 * diagonal, and sums to 1. Free with emb_tsne_affinities_free. */
typedef struct {
    int64_t n;
    int64_t *row_ptr;           /* (n + 1) */
    int32_t *col;               /* (nnz) */
    double *val;                /* (nnz) p_ij */
} emb_tsne_affinities;
void emb_tsne_affinities_free(emb_tsne_affinities *P);

/* Conditional p_{j|i} on the graph (binary search on the precision so that
 * the entropy of each row is log(perplexity)), symmetrised (P + P^T) / 2n.
 * cond, when not NULL, receives the (n, k) conditional rows (caller frees). */
emb_status emb_tsne_affinities_build(const emb_knn *g, double perplexity, int n_threads,
                                     emb_tsne_affinities *P, double **cond);

/* The (unexaggerated, factor-4-free) gradient of KL(P || Q) at y (n, dims):
 * grad_i = exaggeration sum_j p_ij q_ij (y_i - y_j) - sum_j q_ij^2 (y_i - y_j) / Z,
 * q_ij = 1 / (1 + |y_i - y_j|^2), Z = sum_{i != j} q_ij. grad (n, dims) is
 * written; *kl (may be NULL) receives KL(P || Q) with the method's Z.
 * y is (n, dims) in double precision. */
emb_status emb_tsne_gradient(const emb_tsne_affinities *P, const double *y, int64_t n,
                             int dims, emb_tsne_method method, double theta,
                             double exaggeration, int n_threads, double *grad, double *kl);

#ifdef __cplusplus
}
#endif
#endif

/* emb_neighbors.h - the k-nearest-neighbour graph every analysis stage reads,
 * and PCA. Part of embscope.h. */
#ifndef EMB_NEIGHBORS_H
#define EMB_NEIGHBORS_H

#include "emb_core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { EMB_METRIC_COSINE = 0, EMB_METRIC_EUCLIDEAN } emb_metric;
typedef enum { EMB_KNN_AUTO = 0, EMB_KNN_EXACT, EMB_KNN_APPROX } emb_knn_method;
/* The precision of a stage's working copy of the vectors: float32, or IEEE
 * half precision (binary16: 11 significant bits, relative rounding 2^-11),
 * half the memory, widened to float32 for every sum. */
typedef enum { EMB_STORAGE_F32 = 0, EMB_STORAGE_F16 } emb_storage;
const char *emb_storage_name(emb_storage s);            /* "f32" / "f16" */
bool emb_storage_parse(const char *name, emb_storage *out);   /* false if unknown */

/* All-kNN graph. Row i lists the k nearest other items of item i, nearest
 * first, ties broken by smaller index. When fewer than k other items exist,
 * the row is padded with idx -1 and dist INFINITY. */
typedef struct {
    int64_t n;
    int k;
    emb_metric metric;
    int32_t *idx;          /* (n, k) neighbour indices, ascending distance */
    float *dist;           /* (n, k) cosine distance 1 - cos, or Euclidean distance */
    emb_knn_method method; /* what was used (EXACT or APPROX) */
    char reason[128];      /* why that method was chosen */
} emb_knn;

typedef struct {
    int k;                 /* default 15 */
    emb_metric metric;     /* default cosine */
    emb_knn_method method; /* default AUTO */
    int n_threads;         /* 0 = all cores */
    uint64_t seed;         /* approximate search */
    emb_progress progress;
    emb_storage storage;   /* APPROX: NN-descent's reordered working copy of the rows
                              (n d 4 B, the stage's largest buffer) in f32 (default) or f16
                              (n d 2 B; the search compares half-precision rows, the k
                              distances reported are recomputed from x in float32);
                              EXACT ignores it */
} emb_knn_params;
emb_knn_params emb_knn_default_params(void);

/* Build the graph of x (n, d). *out is allocated: free with emb_knn_free.
 *   EXACT: blocked SGEMM over the upper half of the n x n products, per-row
 *     top-k behind a SIMD threshold filter; distances recomputed directly.
 *     Memory beyond x: n d 4 B (cosine: normalised copy) + n (k + 4) 8 B + 16 MiB
 *     (64 MiB for d <= 256).
 *   APPROX: NN-descent (Dong et al. 2011) from random-projection trees, as
 *     pynndescent; recall@15 ~0.98 on (Fashion-)MNIST. Memory beyond x:
 *     n d 4 B (reordered copy) + ~n k 40 B. Same seed and one thread give the
 *     same bytes; with several threads, ties between equal distances and the
 *     early stop may differ from run to run.
 *   AUTO: exact below a measured crossover (about 6,500 items at d = 784,
 *     7,400 at 512, 14,000 at 50), approximate above; exact whenever
 *     n <= k + 1. out->reason says which and why.
 * Degenerate input: n <= k pads rows with idx -1, dist INFINITY; duplicate
 * rows are at distance 0, ordered by index; under cosine a zero vector has
 * distance 1 to everything (cos = 0); d = 1 works (cosine distance 0 or 2).
 * Returns EMB_OK, EMB_E_INVALID (k <= 0), EMB_E_UNSUPPORTED (n > 2^31 - 1),
 * EMB_E_NOMEM. Uses params->n_threads OpenMP threads; EXACT's SGEMM calls
 * run on as many OpenBLAS threads as the program set (openblas_set_num_threads,
 * OPENBLAS_NUM_THREADS), never changed here, and give the same result on any
 * number. Leaves the process's thread settings as they were; safe to call
 * from several threads at once. */
emb_status emb_knn_build(const emb_matf *x, const emb_knn_params *params, emb_knn *out);
void emb_knn_free(emb_knn *g);

/* The graph on disk: DIR/neighbors.npy (n x k int32) and DIR/distances.npy
 * (n x k float32), written atomically. emb_knn_load checks dtypes, shapes
 * (n rows, or any when n < 0) and every index (-1 padding allowed); the
 * metric is not stored (loaded as cosine: set it when known). */
emb_status emb_knn_save(const emb_knn *g, const char *dir);
emb_status emb_knn_load(const char *dir, int64_t n, emb_knn *g);

/* The k nearest rows of x (n, d) for each row of q (m, d): out (m, k) with
 * indices into x, nearest first, ties by smaller index; no row is left out
 * (q's rows are new points, not rows of x). Exact (blocked SGEMM, then the
 * candidates' distances recomputed); the result does not depend on
 * n_threads. params->k, metric, n_threads and progress are read (method
 * and seed are not). k > n pads rows with idx -1, dist INFINITY.
 * Returns EMB_OK, EMB_E_INVALID (k < 1, column counts differ, empty x) or
 * EMB_E_NOMEM. Thread-safe. */
emb_status emb_knn_query(const emb_matf *x, const emb_matf *q, const emb_knn_params *params,
                         emb_knn *out);


/* PCA to n_components dimensions: rows centred; for d <= 4000 covariance by
 * SSYRK and top eigenvectors by LAPACKE_ssyevr, above that randomized SVD
 * (Halko et al. 2011, seeded); each component's sign is fixed so that its
 * largest-magnitude loading is positive. out (n, P), P = min(n_components,
 * n, d), is allocated (free with emb_matf_free); explained_ratio
 * (n_components, may be NULL) gets each component's share of the total
 * variance, 0 past P. */
typedef struct {
    int n_components;      /* default 50; capped at min(n, d) */
    int n_threads;
    uint64_t seed;         /* randomized SVD (large d) */
    int64_t fit_rows;      /* 0 (default): fit on all rows; else on this many
                              evenly spaced rows (faster, approximate) */
} emb_pca_params;
emb_pca_params emb_pca_default_params(void);
emb_status emb_pca(const emb_matf *x, const emb_pca_params *params, emb_matf *out,
                   float *explained_ratio);

/* The same in two steps, for projecting other rows later: emb_pca_fit
 * learns the model (mean and components, as emb_pca computes them; free
 * with emb_pca_model_free), emb_pca_transform projects any rows with d
 * columns on it into out (rows, n_components), allocated. emb_pca(x) is
 * emb_pca_transform(emb_pca_fit(x), x), byte for byte. Thread-safe; one
 * model may serve several threads at once. */
typedef struct {
    int64_t d;               /* columns of the fitted rows */
    int n_components;        /* P = min(params n_components, n, d) */
    double *mean;            /* (d) column means */
    float *components;       /* (d, P) row-major: column c = component c */
    float *explained_ratio;  /* (P) share of the total variance */
} emb_pca_model;
emb_status emb_pca_fit(const emb_matf *x, const emb_pca_params *params, emb_pca_model *out);
emb_status emb_pca_transform(const emb_pca_model *model, const emb_matf *x, int n_threads, emb_matf *out);
void emb_pca_model_free(emb_pca_model *m);   /* zeroed is a no-op */

#ifdef __cplusplus
}
#endif
#endif

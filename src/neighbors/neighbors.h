/* neighbors.h - helpers of the neighbours stage shared inside src/. */
#ifndef EMB_NEIGHBORS_PRIVATE_H
#define EMB_NEIGHBORS_PRIVATE_H

#include "embscope.h"

/* (d, j) < (d2, j2) lexicographically; idx -1 (empty) sorts last. */
static inline bool emb__knn_better(float d, int32_t j, float d2, int32_t j2) {
    if (j2 < 0) return true;
    return d < d2 || (d == d2 && j < j2);
}

/* Insert (d, j) into the sorted list of k if it belongs there. */
static inline void emb__topk_insert(float *dist, int32_t *idx, int k, float d, int32_t j) {
    if (!emb__knn_better(d, j, dist[k - 1], idx[k - 1])) return;
    int p = k - 1;
    while (p > 0 && emb__knn_better(d, j, dist[p - 1], idx[p - 1])) {
        dist[p] = dist[p - 1];
        idx[p] = idx[p - 1];
        p--;
    }
    dist[p] = d;
    idx[p] = j;
}

/* Allocate a graph with every slot empty (idx -1, dist INFINITY). */
emb_status emb__knn_alloc(emb_knn *g, int64_t n, int k, emb_metric metric);
/* Distance of two rows given their norms (cosine: 1 - cos, 1 for a zero row). */
float emb__knn_distance(const float *a, const float *b, int64_t d, emb_metric metric, float na, float nb);
/* Row norms (rows) in double precision, on nth threads; *out is malloc'd. */
emb_status emb__row_norms(const emb_matf *x, int nth, float **out);
/* Recompute the k distances of every row exactly and re-sort (nth threads). */
void emb__knn_refine(const emb_matf *x, const float *norms, int nth, emb_knn *g);
emb_status emb__knn_exact_blocked(const emb_matf *x, int k, emb_metric metric, int n_threads,
                                  const emb_progress *progress, emb_knn *out);
/* emb__knn_exact_blocked in two steps, so that MPI ranks can split it:
 * the block pairs of the upper half of S, numbered q-major, total
 * emb__knn_exact_pairs(n, d); emb__knn_exact_part computes the candidate
 * lists *cand (n, emb__knn_exact_kk(n, k), GEMM ranking values, ascending,
 * ties by index) from pairs [pair_lo, pair_hi) only, and the row norms
 * *norms (malloc'd); candidate lists of disjoint pair ranges merge row by
 * row (emb__topk_insert) into exactly the lists of the whole range;
 * emb__knn_exact_finish recomputes their distances and keeps k per row
 * into *out (allocated). cand is re-sorted in place. */
int emb__knn_exact_kk(int64_t n, int k);
/* AUTO's choice for n rows of d columns (n > k + 1): exact or not. */
bool emb__knn_auto_is_exact(int64_t n, int64_t d);
int64_t emb__knn_exact_pairs(int64_t n, int64_t d);
/* Part `part` of n_parts contiguous pair ranges of about equal GEMM cost. */
void emb__knn_exact_split(int64_t n, int64_t d, int part, int n_parts, int64_t *pair_lo, int64_t *pair_hi);
emb_status emb__knn_exact_part(const emb_matf *x, int k, emb_metric metric, int n_threads,
                               const emb_progress *progress, int64_t pair_lo, int64_t pair_hi,
                               emb_knn *cand, float **norms);
emb_status emb__knn_exact_finish(const emb_matf *x, const float *norms, int n_threads, emb_knn *cand,
                                 int k, emb_knn *out);
/* NN-descent initialised from random-projection trees (nndescent.c). */
emb_status emb__knn_nndescent(const emb_matf *x, const emb_knn_params *p, emb_knn *out);

/* SIMD kernels (simd.c). Call emb__simd_init() once, from one thread,
 * before the others; returns 2 (AVX-512F), 1 (AVX2+FMA) or 0 (plain C),
 * from emb_cpu_level_active(). */
int emb__simd_init(void);
float emb__dot(const float *a, const float *b, int64_t d);
float emb__sqdist(const float *a, const float *b, int64_t d);
/* out[j] = dot(a, b[j]) (sq false) or squared distance (sq true), j < 4. */
void emb__pair4(const float *a, const float *const *b, int64_t d, bool sq, float *out);
/* Write the b in [0, m) with s[b] - h[b] >= t to out (h NULL: zeros);
 * returns how many, ascending. */
int64_t emb__filter_ge(const float *s, const float *h, float t, int64_t m, int32_t *out);
/* The same three on half-precision rows (IEEE binary16; float32 sums). */
float emb__dot_h(const uint16_t *a, const uint16_t *b, int64_t d);
float emb__sqdist_h(const uint16_t *a, const uint16_t *b, int64_t d);
void emb__pair4_h(const uint16_t *a, const uint16_t *const *b, int64_t d, bool sq, float *out);
/* The plain-C versions: the fallback, and the reference the SIMD levels are
 * tested against (tests/test_neighbors_exact.c). */
float emb__dot_c(const float *a, const float *b, int64_t d);
float emb__sqdist_c(const float *a, const float *b, int64_t d);
int64_t emb__filter_ge_c(const float *s, const float *h, float t, int64_t m, int32_t *out);
float emb__dot_h_c(const uint16_t *a, const uint16_t *b, int64_t d);
float emb__sqdist_h_c(const uint16_t *a, const uint16_t *b, int64_t d);

/* Random-projection forest (rptree.c): leaves of at most leaf_size items.
 * leaves[l] .. leaves[l+1] index into items (n_leaves + 1 offsets). */
typedef struct {
    int32_t *items;        /* (n) item indices, grouped by leaf */
    int64_t *offsets;      /* (n_leaves + 1) */
    int64_t n_leaves;
} emb__rptree;
/* x (n, d): build one tree with seed; angular = split through the origin
 * (rows already L2-normalised). */
emb_status emb__rptree_build(const float *x, int64_t n, int64_t d, int leaf_size, bool angular,
                             uint64_t seed, emb__rptree *t);
void emb__rptree_free(emb__rptree *t);

/* Exact kNN by brute force, one pair at a time: the reference for tests
 * (not part of the public API). */
emb_status emb_knn_exact_naive(const emb_matf *x, int k, emb_metric metric, emb_knn *out);

#endif

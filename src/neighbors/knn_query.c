/* knn_query.c - the k nearest rows of a base set for each row of another
 * set (new points against the training points: UMAP.transform), exact:
 * blocks of queries times the base by SGEMM (own kernels: the result does
 * not depend on the thread count), ranking by |x|^2 - 2 q.x (Euclidean) or
 * -cos, k + KNN_QUERY_MARGIN candidates per query kept, then their
 * distances recomputed directly and sorted (emb_neighbors.h). */
#include "core/internal.h"
#include "neighbors/neighbors.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KNN_QUERY_S_FLOATS ((int64_t)4 << 20)  /* the block of products: 16 MiB */
#define KNN_QUERY_MARGIN 4                      /* candidates beyond k, against GEMM rounding */

/* Candidates of query rows [q0, q0 + rows) from their products s (rows, n). */
static void select_block(const float *s, int64_t rows, int64_t n, const float *xn, const float *qn,
                         emb_metric metric, int kk, int nth, float *cd, int32_t *ci, int64_t q0) {
    #pragma omp parallel for schedule(static) num_threads(nth)
    for (int64_t r = 0; r < rows; r++) {
        float *d = cd + (size_t)(q0 + r) * kk;
        int32_t *id = ci + (size_t)(q0 + r) * kk;
        for (int a = 0; a < kk; a++) { d[a] = INFINITY; id[a] = -1; }
        const float *sr = s + (size_t)r * n;
        float nq = qn[q0 + r];
        for (int64_t j = 0; j < n; j++) {
            float v;
            if (metric == EMB_METRIC_COSINE) v = (nq > 0 && xn[j] > 0) ? -sr[j] / (nq * xn[j]) : 0.0f;
            else v = xn[j] * xn[j] - 2.0f * sr[j];
            if (id[kk - 1] < 0 || v <= d[kk - 1]) emb__topk_insert(d, id, kk, v, (int32_t)j);
        }
    }
}

/* Exact distances of each query's candidates, sorted, the first k kept. */
static void finish(const emb_matf *x, const emb_matf *q, const float *xn, const float *qn, int kk,
                   int nth, const int32_t *ci, emb_knn *out) {
    int k = out->k;
    #pragma omp parallel for schedule(static) num_threads(nth)
    for (int64_t i = 0; i < q->rows; i++) {
        const int32_t *id = ci + (size_t)i * kk;
        float *od = out->dist + (size_t)i * k;
        int32_t *oi = out->idx + (size_t)i * k;
        const float *qi = q->data + (size_t)i * q->cols;
        for (int a = 0; a < kk; a++) {
            if (id[a] < 0) continue;
            float dd = emb__knn_distance(qi, x->data + (size_t)id[a] * x->cols, x->cols, out->metric,
                                         qn[i], xn[id[a]]);
            emb__topk_insert(od, oi, k, dd, id[a]);
        }
    }
}

emb_status emb_knn_query(const emb_matf *x, const emb_matf *q, const emb_knn_params *params,
                         emb_knn *out) {
    EMB__NEED_F32(q, "kNN query");
    EMB__NEED_F32(x, "kNN query");
    emb_knn_params p = params ? *params : emb_knn_default_params();
    if (p.k < 1) return emb__fail(EMB_E_INVALID, "kNN query: k must be >= 1 (got %d)", p.k);
    if (x->cols != q->cols)
        return emb__fail(EMB_E_INVALID, "kNN query: queries have %lld columns, the base %lld",
                         (long long)q->cols, (long long)x->cols);
    if (x->rows < 1 || x->rows > INT32_MAX)
        return emb__fail(EMB_E_INVALID, "kNN query: base of %lld rows", (long long)x->rows);
    int nth = emb_threads_resolve(p.n_threads);
    int64_t n = x->rows;
    int kk = (int)(p.k + KNN_QUERY_MARGIN < n ? p.k + KNN_QUERY_MARGIN : n);
    int64_t block = KNN_QUERY_S_FLOATS / n;
    if (block < 1) block = 1;
    float *xn = NULL, *qn = NULL, *s = NULL, *cd = NULL;
    int32_t *ci = NULL;
    emb_status st = emb__knn_alloc(out, q->rows, p.k, p.metric);
    if (!st) st = emb__row_norms(x, nth, &xn);
    if (!st) st = emb__row_norms(q, nth, &qn);
    if (!st && q->rows > 0) {
        s = emb__malloc(sizeof(float) * (size_t)(block < q->rows ? block : q->rows) * n, "kNN query products");
        cd = emb__malloc(sizeof(float) * (size_t)q->rows * kk, "kNN query candidates");
        ci = emb__malloc(sizeof(int32_t) * (size_t)q->rows * kk, "kNN query candidates");
        if (!s || !cd || !ci) st = EMB_E_NOMEM;
    }
    emb__simd_init();
    for (int64_t q0 = 0; !st && q0 < q->rows; q0 += block) {
        int64_t rows = q->rows - q0 < block ? q->rows - q0 : block;
        st = emb__sgemm(false, true, rows, n, x->cols, 1.0f, q->data + (size_t)q0 * q->cols, (size_t)q->cols,
                        x->data, (size_t)x->cols, 0.0f, s, (size_t)n, nth);
        if (!st) select_block(s, rows, n, xn, qn, p.metric, kk, nth, cd, ci, q0);
        emb_progress_report(&p.progress, "knn query", (double)(q0 + rows) / q->rows, NULL);
    }
    if (!st) finish(x, q, xn, qn, kk, nth, ci, out);
    if (!st) {
        out->method = EMB_KNN_EXACT;
        snprintf(out->reason, sizeof out->reason, "exact query of %lld rows against %lld",
                 (long long)q->rows, (long long)n);
    } else {
        emb_knn_free(out);
    }
    free(xn); free(qn); free(s); free(cd); free(ci);
    return st;
}

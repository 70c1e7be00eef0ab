/* knn_exact.c - exact all-kNN by blocked SGEMM with a per-row top-k,
 * never materialising the N x N similarity matrix. Query rows are taken in
 * blocks of QB, reference rows in blocks of RB; S = Q R^T comes from
 * cblas_sgemm and each row's candidates pass a threshold test before an
 * insertion into its sorted top-k list. The final k distances are
 * recomputed directly (no GEMM cancellation) and re-sorted.
 * Also the naive pair-by-pair reference used by the tests. */
#include "core/internal.h"
#include "neighbors/neighbors.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KNN_QB 512    /* query rows per block */
#define KNN_RB 4096   /* reference rows per block: QB x RB floats = 8 MiB */

emb_knn_params emb_knn_default_params(void) {
    emb_knn_params p;
    memset(&p, 0, sizeof p);
    p.k = 15;
    p.metric = EMB_METRIC_COSINE;
    p.method = EMB_KNN_AUTO;
    p.seed = 42;
    return p;
}

void emb_knn_free(emb_knn *g) {
    if (!g) return;
    free(g->idx);
    free(g->dist);
    g->idx = NULL;
    g->dist = NULL;
}

emb_status emb__knn_alloc(emb_knn *g, int64_t n, int k, emb_metric metric) {
    memset(g, 0, sizeof *g);
    size_t cnt;
    if (n < 0 || k <= 0 || !emb__mul_ok((size_t)n, (size_t)k, &cnt))
        return emb__fail(EMB_E_INVALID, "kNN graph of %lld x %d", (long long)n, k);
    g->idx = emb__malloc(cnt * sizeof(int32_t), "kNN indices");
    g->dist = emb__malloc(cnt * sizeof(float), "kNN distances");
    if (!g->idx || !g->dist) { emb_knn_free(g); return EMB_E_NOMEM; }
    for (size_t i = 0; i < cnt; i++) { g->idx[i] = -1; g->dist[i] = INFINITY; }
    g->n = n;
    g->k = k;
    g->metric = metric;
    return EMB_OK;
}

/* (d, j) < (d2, j2) lexicographically; idx -1 (empty) sorts last. */
static inline bool better(float d, int32_t j, float d2, int32_t j2) {
    if (j2 < 0) return true;
    return d < d2 || (d == d2 && j < j2);
}

/* Insert (d, j) into the sorted list of k if it belongs there. */
static inline void topk_insert(float *dist, int32_t *idx, int k, float d, int32_t j) {
    if (!better(d, j, dist[k - 1], idx[k - 1])) return;
    int p = k - 1;
    while (p > 0 && better(d, j, dist[p - 1], idx[p - 1])) {
        dist[p] = dist[p - 1];
        idx[p] = idx[p - 1];
        p--;
    }
    dist[p] = d;
    idx[p] = j;
}

float emb__knn_distance(const float *a, const float *b, int64_t d, emb_metric metric,
                        float na, float nb) {
    if (metric == EMB_METRIC_COSINE) {
        double s = 0;
        for (int64_t t = 0; t < d; t++) s += (double)a[t] * b[t];
        if (na == 0 || nb == 0) return 1.0f;
        double c = s / ((double)na * nb);
        if (c > 1) c = 1;
        if (c < -1) c = -1;
        return (float)(1.0 - c);
    }
    double s = 0;
    for (int64_t t = 0; t < d; t++) { double e = (double)a[t] - b[t]; s += e * e; }
    return (float)sqrt(s);
}

/* Row norms ||x_i|| in double precision. */
emb_status emb__row_norms(const emb_matf *x, float **out) {
    float *nr = emb__malloc(sizeof(float) * (size_t)(x->rows ? x->rows : 1), "norms");
    if (!nr) return EMB_E_NOMEM;
    #pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < x->rows; i++) {
        const float *r = x->data + (size_t)i * x->cols;
        double s = 0;
        for (int64_t t = 0; t < x->cols; t++) s += (double)r[t] * r[t];
        nr[i] = (float)sqrt(s);
    }
    *out = nr;
    return EMB_OK;
}

/* Recompute each row's k distances exactly and re-sort (insertion sort:
 * rows are nearly sorted already). */
void emb__knn_refine(const emb_matf *x, const float *norms, emb_knn *g) {
    int k = g->k;
    #pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < g->n; i++) {
        float *dist = g->dist + (size_t)i * k;
        int32_t *idx = g->idx + (size_t)i * k;
        for (int a = 0; a < k; a++)
            if (idx[a] >= 0)
                dist[a] = emb__knn_distance(x->data + (size_t)i * x->cols, x->data + (size_t)idx[a] * x->cols,
                                            x->cols, g->metric, norms[i], norms[idx[a]]);
        for (int a = 1; a < k; a++) {
            float d = dist[a];
            int32_t j = idx[a];
            int p = a;
            while (p > 0 && better(d, j, dist[p - 1], idx[p - 1])) { dist[p] = dist[p - 1]; idx[p] = idx[p - 1]; p--; }
            dist[p] = d;
            idx[p] = j;
        }
    }
}

emb_status emb_knn_exact_naive(const emb_matf *x, int k, emb_metric metric, emb_knn *out) {
    emb_status st = emb__knn_alloc(out, x->rows, k, metric);
    if (st) return st;
    float *nr;
    if ((st = emb__row_norms(x, &nr))) { emb_knn_free(out); return st; }
    for (int64_t i = 0; i < x->rows; i++)
        for (int64_t j = 0; j < x->rows; j++) {
            if (j == i) continue;
            float d = emb__knn_distance(x->data + (size_t)i * x->cols, x->data + (size_t)j * x->cols,
                                        x->cols, metric, nr[i], nr[j]);
            topk_insert(out->dist + (size_t)i * k, out->idx + (size_t)i * k, k, d, (int32_t)j);
        }
    free(nr);
    out->method = EMB_KNN_EXACT;
    snprintf(out->reason, sizeof out->reason, "naive reference");
    return EMB_OK;
}

emb_status emb__knn_exact_blocked(const emb_matf *x, int k, emb_metric metric,
                                  const emb_progress *progress, emb_knn *out) {
    int64_t n = x->rows, d = x->cols;
    emb_status st = emb__knn_alloc(out, n, k, metric);
    if (st) return st;
    float *norms = NULL, *xn = NULL, *sq = NULL, *S = NULL;
    if ((st = emb__row_norms(x, &norms))) goto done;
    const float *A = x->data;
    if (metric == EMB_METRIC_COSINE) {
        /* normalise once: S = cos directly; zero rows stay zero (cos 0) */
        xn = emb__malloc(sizeof(float) * (size_t)n * d, "normalised vectors");
        if (!xn) { st = EMB_E_NOMEM; goto done; }
        #pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < n; i++) {
            float inv = norms[i] > 0 ? 1.0f / norms[i] : 0.0f;
            for (int64_t t = 0; t < d; t++) xn[(size_t)i * d + t] = x->data[(size_t)i * d + t] * inv;
        }
        A = xn;
    } else {
        sq = emb__malloc(sizeof(float) * (size_t)n, "squared norms");
        if (!sq) { st = EMB_E_NOMEM; goto done; }
        for (int64_t i = 0; i < n; i++) sq[i] = norms[i] * norms[i];
    }
    S = emb__malloc(sizeof(float) * KNN_QB * KNN_RB, "similarity block");
    if (!S) { st = EMB_E_NOMEM; goto done; }
    for (int64_t q0 = 0; q0 < n; q0 += KNN_QB) {
        int64_t qb = n - q0 < KNN_QB ? n - q0 : KNN_QB;
        for (int64_t r0 = 0; r0 < n; r0 += KNN_RB) {
            int64_t rb = n - r0 < KNN_RB ? n - r0 : KNN_RB;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)qb, (int)rb, (int)d, 1.0f,
                        A + (size_t)q0 * d, (int)d, A + (size_t)r0 * d, (int)d, 0.0f, S, (int)rb);
            #pragma omp parallel for schedule(static)
            for (int64_t a = 0; a < qb; a++) {
                int64_t i = q0 + a;
                float *dist = out->dist + (size_t)i * k;
                int32_t *idx = out->idx + (size_t)i * k;
                const float *s = S + (size_t)a * rb;
                for (int64_t b = 0; b < rb; b++) {
                    int64_t j = r0 + b;
                    if (j == i) continue;
                    /* ranking value: 1 - cos, or squared Euclidean */
                    float v = metric == EMB_METRIC_COSINE ? 1.0f - s[b] : fmaxf(sq[i] + sq[j] - 2.0f * s[b], 0.0f);
                    if (v > dist[k - 1]) continue;
                    topk_insert(dist, idx, k, v, (int32_t)j);
                }
            }
        }
        emb_progress_report(progress, "neighbors", (double)(q0 + qb) / n, NULL);
    }
    emb__knn_refine(x, norms, out);
    out->method = EMB_KNN_EXACT;
done:
    free(norms);
    free(xn);
    free(sq);
    free(S);
    if (st) emb_knn_free(out);
    return st;
}

/* AUTO: exact (blocked SGEMM, cost ~ n^2 d / 2) below this many items,
 * NN-descent (cost ~ n d x a few hundred distance evaluations) above.
 * Measured on this project's 2-core AVX-512 machine (bench/neighbors):
 * see the crossover note in bench/neighbors/README.md. */
#define KNN_AUTO_EXACT_MAX_N 20000

emb_status emb_knn_build(const emb_matf *x, const emb_knn_params *params, emb_knn *out) {
    emb_knn_params p = params ? *params : emb_knn_default_params();
    if (p.k <= 0) return emb__fail(EMB_E_INVALID, "k must be positive (got %d)", p.k);
    if (x->rows > INT32_MAX) return emb__fail(EMB_E_UNSUPPORTED, "more than 2^31 items");
    if (x->rows > 0 && (x->cols <= 0 || !x->data)) return emb__fail(EMB_E_INVALID, "kNN of an empty matrix");
    char why[96];
    emb_knn_method m = p.method;
    if (x->rows - 1 <= p.k) {
        m = EMB_KNN_EXACT;
        snprintf(why, sizeof why, "n = %lld <= k + 1: every other item is a neighbour", (long long)x->rows);
    } else if (m == EMB_KNN_EXACT || m == EMB_KNN_APPROX) {
        snprintf(why, sizeof why, "forced by the caller");
    } else if (x->rows <= KNN_AUTO_EXACT_MAX_N) {
        m = EMB_KNN_EXACT;
        snprintf(why, sizeof why, "n = %lld <= %d, where exact is as cheap", (long long)x->rows, KNN_AUTO_EXACT_MAX_N);
    } else {
        m = EMB_KNN_APPROX;
        snprintf(why, sizeof why, "n = %lld > %d, where exact costs more", (long long)x->rows, KNN_AUTO_EXACT_MAX_N);
    }
    emb_status st = m == EMB_KNN_EXACT ? emb__knn_exact_blocked(x, p.k, p.metric, &p.progress, out)
                                       : emb__knn_nndescent(x, &p, out);
    if (!st)
        snprintf(out->reason, sizeof out->reason, "%s: %s",
                 m == EMB_KNN_EXACT ? "exact (blocked SGEMM)" : "approximate (NN-descent)", why);
    return st;
}

/* knn_exact.c - exact all-kNN by blocked SGEMM with a per-row top-k,
 * never materialising the N x N similarity matrix. Query rows are taken in
 * blocks of QB, reference rows in blocks of RB; S = Q R^T comes from
 * emb__sgemm (core/gemm.c: the same bytes at any thread count) and each row's candidates pass a threshold test before an
 * insertion into its sorted top-k list. The final k distances are
 * recomputed directly (no GEMM cancellation) and re-sorted.
 * Also the naive pair-by-pair reference used by the tests. */
#include "core/internal.h"
#include "neighbors/neighbors.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#ifndef KNN_B
#define KNN_B 2048       /* rows per block on both sides: S is 16 MiB. CPU seconds, 20k Fashion-MNIST
                            * (784-d / PCA-50): B=1024 6.3 / 2.4, 2048 5.8 / 1.3, 4096 5.7 / 1.4 */
#endif
#define KNN_SMALL_D 256      /* up to here the filter, not the GEMM, is the cost ... */
#define KNN_B_SMALL_D 4096   /* ... and larger blocks (S 64 MiB) mean fewer hand-overs between
                              * BLAS and OpenMP threads. CPU seconds, 2 threads, random data,
                              * shared 2-core VM (noisy): 20k x 50 2048: 1.8-2.1, 4096: 1.4-1.7;
                              * 10k x 784 2048: 3.6-3.7, 4096: 3.9-4.1 */
#define KNN_CHUNK 64     /* rows of S one thread filters at a time */
#define KNN_MARGIN 4     /* candidates kept beyond k per row, against GEMM rounding */

emb_knn_params emb_knn_default_params(void) {
    emb_knn_params p;
    memset(&p, 0, sizeof p);
    p.k = 15;
    p.metric = EMB_METRIC_COSINE;
    p.method = EMB_KNN_AUTO;
    p.seed = 42;
    return p;
}

const char *emb_storage_name(emb_storage s) { return s == EMB_STORAGE_F16 ? "f16" : "f32"; }

bool emb_storage_parse(const char *name, emb_storage *out) {
    if (!name) return false;
    if (!strcmp(name, "f32") || !strcmp(name, "float32")) { *out = EMB_STORAGE_F32; return true; }
    if (!strcmp(name, "f16") || !strcmp(name, "float16")) { *out = EMB_STORAGE_F16; return true; }
    return false;
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

/* Row norms ||x_i|| in double precision, on nth threads. */
emb_status emb__row_norms(const emb_matf *x, int nth, float **out) {
    float *nr = emb__malloc(sizeof(float) * (size_t)(x->rows ? x->rows : 1), "norms");
    if (!nr) return EMB_E_NOMEM;
    bool half = emb_matf_is_half(x);
    float *wide = half ? emb__malloc(sizeof(float) * (size_t)x->cols * (size_t)nth, "norms") : NULL;
    if (half && !wide) { free(nr); return EMB_E_NOMEM; }
    #pragma omp parallel for schedule(static) num_threads(nth)
    for (int64_t i = 0; i < x->rows; i++) {
        const float *r = emb__matf_row(x, i, half ? wide + (size_t)omp_get_thread_num() * x->cols : NULL);
        double s = 0;
        for (int64_t t = 0; t < x->cols; t++) s += (double)r[t] * r[t];
        nr[i] = (float)sqrt(s);
    }
    free(wide);
    *out = nr;
    return EMB_OK;
}

/* Recompute each row's k distances exactly and re-sort (insertion sort:
 * rows are nearly sorted already). */
void emb__knn_refine(const emb_matf *x, const float *norms, int nth, emb_knn *g) {
    int k = g->k;
    emb__simd_init();
    #pragma omp parallel for schedule(static) num_threads(nth)
    for (int64_t i = 0; i < g->n; i++) {
        float *dist = g->dist + (size_t)i * k;
        int32_t *idx = g->idx + (size_t)i * k;
        const float *xi = x->data + (size_t)i * x->cols;
        for (int a = 0; a < k; a++) {
            if (idx[a] < 0) continue;
            const float *xj = x->data + (size_t)idx[a] * x->cols;
            if (g->metric == EMB_METRIC_COSINE) {
                /* float SIMD dot: |error| ~ 1e-7 sqrt(d) relative, far inside 1e-5 */
                float c = norms[i] > 0 && norms[idx[a]] > 0 ? emb__dot(xi, xj, x->cols) / (norms[i] * norms[idx[a]]) : 0.0f;
                dist[a] = 1.0f - fminf(fmaxf(c, -1.0f), 1.0f);
            } else {
                dist[a] = sqrtf(emb__sqdist(xi, xj, x->cols));
            }
        }
        for (int a = 1; a < k; a++) {
            float d = dist[a];
            int32_t j = idx[a];
            int p = a;
            while (p > 0 && emb__knn_better(d, j, dist[p - 1], idx[p - 1])) { dist[p] = dist[p - 1]; idx[p] = idx[p - 1]; p--; }
            dist[p] = d;
            idx[p] = j;
        }
    }
}

emb_status emb_knn_exact_naive(const emb_matf *x, int k, emb_metric metric, emb_knn *out) {
    emb_status st = emb__knn_alloc(out, x->rows, k, metric);
    if (st) return st;
    float *nr;
    if ((st = emb__row_norms(x, 1, &nr))) { emb_knn_free(out); return st; }
    for (int64_t i = 0; i < x->rows; i++)
        for (int64_t j = 0; j < x->rows; j++) {
            if (j == i) continue;
            float d = emb__knn_distance(x->data + (size_t)i * x->cols, x->data + (size_t)j * x->cols,
                                        x->cols, metric, nr[i], nr[j]);
            emb__topk_insert(out->dist + (size_t)i * k, out->idx + (size_t)i * k, k, d, (int32_t)j);
        }
    free(nr);
    out->method = EMB_KNN_EXACT;
    snprintf(out->reason, sizeof out->reason, "naive reference");
    return EMB_OK;
}

/* One block pair (q, r) of S = A_q A_r^T, seen from the query rows: row a of
 * S against the reference columns. Ranking values are 1 - cos, or squared
 * Euclidean ||a||^2 + ||b||^2 - 2 a.b clamped at 0; the SIMD filter passes
 * s - h_j >= t_i, the same test rearranged so that most of S is rejected
 * 16 lanes at a time (cosine: h = 0, t = 1 - worst; Euclidean: h = |b|^2/2,
 * t = (|a|^2 - worst)/2). */
typedef struct {
    const float *S;        /* (qb, rb) block of similarities */
    int64_t q0, qb, r0, rb;
    const float *sq;       /* (n) squared norms (Euclidean) or NULL */
    const float *h;        /* (n) sq / 2, or NULL */
    float *ld;             /* (n, kk) candidate ranking values, ascending */
    int32_t *li;           /* (n, kk) candidate indices */
    int kk;
} knn_block;

/* While the blocks are filtered, each candidate list is a binary max-heap
 * in emb__knn_better's order (the worst, or an empty slot, at [0]): a
 * candidate replaces the top in O(log kk) where a sorted list shifts O(kk)
 * entries (k = 90 for t-SNE: most of the filter's time). The lists are
 * sorted at the end (heap_sort). */
static inline void heap_replace_top(float *d, int32_t *id, int k, float v, int32_t j) {
    int p = 0;
    for (;;) {
        int c = 2 * p + 1;
        if (c >= k) break;
        if (c + 1 < k && emb__knn_better(d[c], id[c], d[c + 1], id[c + 1])) c++;   /* the worse child */
        if (!emb__knn_better(v, j, d[c], id[c])) break;
        d[p] = d[c];
        id[p] = id[c];
        p = c;
    }
    d[p] = v;
    id[p] = j;
}

static void heap_sort(float *d, int32_t *id, int k) {
    for (int m = k - 1; m > 0; m--) {
        float v = d[m];
        int32_t j = id[m];
        d[m] = d[0];
        id[m] = id[0];
        heap_replace_top(d, id, m, v, j);
    }
}

static inline float rank_value(const knn_block *B, int64_t i, int64_t j, float s) {
    return B->sq ? fmaxf(B->sq[i] + B->sq[j] - 2.0f * s, 0.0f) : 1.0f - s;
}

static void rows_pass(const knn_block *B, int64_t a0, int64_t a1, int32_t *cand) {
    int kk = B->kk;
    for (int64_t a = a0; a < a1; a++) {
        int64_t i = B->q0 + a;
        float *ld = B->ld + (size_t)i * kk;
        int32_t *li = B->li + (size_t)i * kk;
        float worst = ld[0];
        float t = B->sq ? 0.5f * (B->sq[i] - worst) : 1.0f - worst;
        int64_t c = emb__filter_ge(B->S + (size_t)a * B->rb, B->h ? B->h + B->r0 : NULL, t, B->rb, cand);
        for (int64_t u = 0; u < c; u++) {
            int64_t j = B->r0 + cand[u];
            if (j == i) continue;
            float v = rank_value(B, i, j, B->S[(size_t)a * B->rb + cand[u]]);
            if (emb__knn_better(v, (int32_t)j, ld[0], li[0])) heap_replace_top(ld, li, kk, v, (int32_t)j);
        }
    }
}

#define KNN_COLS 256   /* reference columns per task of the column pass */

/* The same block seen from the reference rows (off-diagonal blocks only):
 * columns in chunks, the per-column threshold T_b = t_b in a vector, the
 * query row's h_a as the scalar: s - T_b >= h_a. */
static void cols_pass(const knn_block *B, int32_t *cand, float *T) {
    int kk = B->kk;
    #pragma omp for schedule(dynamic, 1)
    for (int64_t c0 = 0; c0 < B->rb; c0 += KNN_COLS) {
        int64_t m = B->rb - c0 < KNN_COLS ? B->rb - c0 : KNN_COLS;
        float *Tc = T + c0;
        for (int64_t b = 0; b < m; b++) {
            int64_t j = B->r0 + c0 + b;
            float worst = B->ld[(size_t)j * kk];
            Tc[b] = B->sq ? 0.5f * (B->sq[j] - worst) : 1.0f - worst;
        }
        for (int64_t a = 0; a < B->qb; a++) {
            int64_t i = B->q0 + a;
            const float *srow = B->S + (size_t)a * B->rb + c0;
            int64_t c = emb__filter_ge(srow, Tc, B->h ? B->h[i] : 0.0f, m, cand);
            for (int64_t u = 0; u < c; u++) {
                int64_t b = cand[u], j = B->r0 + c0 + b;
                float *ld = B->ld + (size_t)j * kk;
                int32_t *li = B->li + (size_t)j * kk;
                float v = rank_value(B, i, j, srow[b]);
                if (!emb__knn_better(v, (int32_t)i, ld[0], li[0])) continue;
                heap_replace_top(ld, li, kk, v, (int32_t)i);
                Tc[b] = B->sq ? 0.5f * (B->sq[j] - ld[0]) : 1.0f - ld[0];
            }
        }
    }
}

/* Exact all-kNN by blocks of KNN_B rows (KNN_B_SMALL_D for small d). S is
 * symmetric, so only blocks r >= q are computed (half the GEMM work of a
 * query-by-query search) and each off-diagonal block updates the lists of
 * both its row and its column items. Each row keeps KNN_MARGIN extra
 * candidates, so that float rounding in the GEMM cannot push a true
 * neighbour out; the final distances are recomputed directly
 * (emb__knn_refine) and the best k kept.
 *
 * Memory beyond the input x (n, d), for n = 1,000,000, d = 512, k = 15:
 *   normalised copy (cosine only)  n d 4 B            = 2048 MB
 *   candidate lists                n (k + 4) (4 + 4) B =  152 MB
 *   output graph                   n k (4 + 4) B       =  120 MB
 *   norms, squared norms, h        3 n 4 B             =   12 MB
 *   S block + per-thread buffers   B^2 4 B + ...       =   16 MB
 *   total                                             ~= 2.35 GB < 4 GiB
 * (Euclidean needs no copy: ~0.3 GB.) */
int emb__knn_exact_kk(int64_t n, int k) {
    if (n - 1 <= k) return k;
    return n - 1 < k + KNN_MARGIN ? (int)(n - 1) : k + KNN_MARGIN;
}

int64_t emb__knn_exact_pairs(int64_t n, int64_t d) {
    const int64_t bs = d <= KNN_SMALL_D ? KNN_B_SMALL_D : KNN_B;
    int64_t nb = (n + bs - 1) / bs;
    return nb * (nb + 1) / 2;
}

void emb__knn_exact_split(int64_t n, int64_t d, int part, int n_parts, int64_t *pair_lo, int64_t *pair_hi) {
    const int64_t bs = d <= KNN_SMALL_D ? KNN_B_SMALL_D : KNN_B;
    /* cost of a pair ~ its GEMM, qb rb d: part p starts at the first pair
     * whose cumulative cost reaches p / n_parts of the total */
    double total = 0, acc = 0;
    for (int64_t q0 = 0; q0 < n; q0 += bs)
        for (int64_t r0 = q0; r0 < n; r0 += bs) total += (double)(n - q0 < bs ? n - q0 : bs) * (double)(n - r0 < bs ? n - r0 : bs);
    int64_t pair = 0;
    *pair_lo = part == 0 ? 0 : -1;
    *pair_hi = emb__knn_exact_pairs(n, d);
    for (int64_t q0 = 0; q0 < n; q0 += bs)
        for (int64_t r0 = q0; r0 < n; r0 += bs, pair++) {
            if (*pair_lo < 0 && acc >= total * part / n_parts) *pair_lo = pair;
            if (part + 1 < n_parts && acc >= total * (part + 1) / n_parts) { *pair_hi = pair; return; }
            acc += (double)(n - q0 < bs ? n - q0 : bs) * (double)(n - r0 < bs ? n - r0 : bs);
        }
    if (*pair_lo < 0) *pair_lo = *pair_hi;
}

emb_status emb__knn_exact_part(const emb_matf *x, int k, emb_metric metric, int n_threads,
                               const emb_progress *progress, int64_t pair_lo, int64_t pair_hi,
                               emb_knn *cand_out, float **norms_out) {
    int64_t n = x->rows, d = x->cols;
    emb__simd_init();
    int kk = emb__knn_exact_kk(n, k);
    int nth = emb_threads_resolve(n_threads);
    float *norms = NULL, *xn = NULL, *sq = NULL, *h = NULL, *S = NULL, *Tcol = NULL;
    int32_t *cand = NULL;
    emb_knn L = {0};
    emb_status st;
    if ((st = emb__knn_alloc(&L, n, kk, metric))) goto done;
    if ((st = emb__row_norms(x, nth, &norms))) goto done;
    const float *A = x->data;
    if (metric == EMB_METRIC_COSINE) {
        /* normalise once: S = cos directly; zero rows stay zero (cos 0) */
        xn = emb__malloc(sizeof(float) * (size_t)n * d, "normalised vectors");
        if (!xn) { st = EMB_E_NOMEM; goto done; }
        #pragma omp parallel for schedule(static) num_threads(nth)
        for (int64_t i = 0; i < n; i++) {
            float inv = norms[i] > 0 ? 1.0f / norms[i] : 0.0f;
            for (int64_t t = 0; t < d; t++) xn[(size_t)i * d + t] = x->data[(size_t)i * d + t] * inv;
        }
        A = xn;
    } else {
        sq = emb__malloc(sizeof(float) * (size_t)n, "squared norms");
        h = emb__malloc(sizeof(float) * (size_t)n, "squared norms");
        if (!sq || !h) { st = EMB_E_NOMEM; goto done; }
        for (int64_t i = 0; i < n; i++) { sq[i] = norms[i] * norms[i]; h[i] = 0.5f * sq[i]; }
    }
    const int64_t bs = d <= KNN_SMALL_D ? KNN_B_SMALL_D : KNN_B;   /* block rows */
    S = emb__malloc(sizeof(float) * (size_t)bs * bs, "similarity block");
    Tcol = emb__malloc(sizeof(float) * (size_t)bs, "column thresholds");
    cand = emb__malloc(sizeof(int32_t) * (size_t)bs * nth, "candidates");
    if (!S || !Tcol || !cand) { st = EMB_E_NOMEM; goto done; }
    /* One GEMM call per block pair, made outside any OpenMP team, on as
     * many BLAS threads as the program gave OpenBLAS (the library never sets
     * them); then one team filters the block: its rows, then (off-diagonal
     * blocks) its columns. Few, large calls: between a BLAS call and a team
     * each side's idle threads spin for a while (OpenBLAS's server threads,
     * libgomp's OMP_WAIT_POLICY), so every hand-over costs CPU time. S's last
     * bits may depend on how OpenBLAS splits a call; the result does not:
     * KNN_MARGIN extra candidates absorb GEMM rounding and the kept distances
     * are recomputed directly (emb__knn_refine). Pairs are numbered q-major
     * (q0 = 0: r0 = 0, bs, ...; then q0 = bs ...); only [pair_lo, pair_hi)
     * are computed, so that MPI ranks can split the work (src/mpi/mpi_knn.c). */
    int64_t pair = 0;
    for (int64_t q0 = 0; q0 < n && pair < pair_hi; q0 += bs) {
        int64_t qb = n - q0 < bs ? n - q0 : bs;
        for (int64_t r0 = q0; r0 < n; r0 += bs, pair++) {
            if (pair < pair_lo || pair >= pair_hi) continue;
            int64_t rb = n - r0 < bs ? n - r0 : bs;
            knn_block B = {S, q0, qb, r0, rb, sq, h, L.dist, L.idx, kk};
            if ((st = emb__sgemm_fast(false, true, qb, rb, d, 1.0f, A + (size_t)q0 * d, (size_t)d, A + (size_t)r0 * d,
                                 (size_t)d, 0.0f, S, (size_t)rb, nth)))
                goto done;
            #pragma omp parallel num_threads(nth)
            {
                int32_t *mine = cand + (size_t)omp_get_thread_num() * bs;
                #pragma omp for schedule(static)
                for (int64_t c0 = 0; c0 < qb; c0 += KNN_CHUNK)
                    rows_pass(&B, c0, qb - c0 < KNN_CHUNK ? qb : c0 + KNN_CHUNK, mine);
                if (r0 != q0) cols_pass(&B, mine, Tcol);   /* after the rows' implicit barrier */
            }
        }
        if (pair > pair_lo)
            emb_progress_report(progress, "neighbors",
                                (double)((pair < pair_hi ? pair : pair_hi) - pair_lo) / (double)(pair_hi - pair_lo), NULL);
    }
    #pragma omp parallel for schedule(static) num_threads(nth)
    for (int64_t i = 0; i < n; i++) heap_sort(L.dist + (size_t)i * kk, L.idx + (size_t)i * kk, kk);
    *cand_out = L;
    L.idx = NULL;
    L.dist = NULL;
    *norms_out = norms;
    norms = NULL;
done:
    emb_knn_free(&L);
    free(norms);
    free(xn);
    free(sq);
    free(h);
    free(S);
    free(Tcol);
    free(cand);
    return st;
}

emb_status emb__knn_exact_finish(const emb_matf *x, const float *norms, int n_threads, emb_knn *cand,
                                 int k, emb_knn *out) {
    int kk = cand->k;
    emb_status st = emb__knn_alloc(out, x->rows, k, cand->metric);
    if (st) return st;
    emb__knn_refine(x, norms, emb_threads_resolve(n_threads), cand);
    for (int64_t i = 0; i < x->rows; i++) {
        memcpy(out->idx + (size_t)i * k, cand->idx + (size_t)i * kk, sizeof(int32_t) * (size_t)(kk < k ? kk : k));
        memcpy(out->dist + (size_t)i * k, cand->dist + (size_t)i * kk, sizeof(float) * (size_t)(kk < k ? kk : k));
    }
    out->method = EMB_KNN_EXACT;
    return EMB_OK;
}

emb_status emb__knn_exact_blocked(const emb_matf *x, int k, emb_metric metric, int n_threads,
                                  const emb_progress *progress, emb_knn *out) {
    emb_knn L = {0};
    float *norms = NULL;
    emb_status st = emb__knn_exact_part(x, k, metric, n_threads, progress, 0, emb__knn_exact_pairs(x->rows, x->cols),
                                        &L, &norms);
    if (!st) st = emb__knn_exact_finish(x, norms, n_threads, &L, k, out);
    emb_knn_free(&L);
    free(norms);
    return st;
}

/* AUTO: exact below the size where NN-descent becomes cheaper. Cost model
 * (CPU seconds) fitted to runs on this project's machine (Fashion-MNIST
 * 20,000 x 784 and its PCA-50, MNIST 10,000 x 784; OpenBLAS Haswell kernels):
 *   exact  ~ n^2 (KNN_COST_GEMM d + KNN_COST_SELECT)   (GEMM + top-k filter)
 *   approx ~ n KNN_COST_NND (d + KNN_COST_NND_D0)       (trees, joins, heaps)
 * so exact wins for n < KNN_COST_NND (d + D0) / (GEMM d + SELECT): about
 * 6,500 items at d = 784, 7,400 at 512, 14,000 at 50. */
#define KNN_COST_GEMM 1.25e-11
#define KNN_COST_SELECT 2.0e-9
#define KNN_COST_NND 5.5e-8
#define KNN_COST_NND_D0 616.0

static int64_t auto_exact_max_n(int64_t d) {
    return (int64_t)(KNN_COST_NND * ((double)d + KNN_COST_NND_D0) / (KNN_COST_GEMM * (double)d + KNN_COST_SELECT));
}

bool emb__knn_auto_is_exact(int64_t n, int64_t d) { return n <= auto_exact_max_n(d); }

emb_status emb_knn_build(const emb_matf *x, const emb_knn_params *params, emb_knn *out) {
    emb_knn_params p = params ? *params : emb_knn_default_params();
    if (p.k <= 0) return emb__fail(EMB_E_INVALID, "k must be positive (got %d)", p.k);
    if (x->rows > INT32_MAX) return emb__fail(EMB_E_UNSUPPORTED, "more than 2^31 items");
    if (x->rows > 0 && (x->cols <= 0 || !(x->data || x->half))) return emb__fail(EMB_E_INVALID, "kNN of an empty matrix");
    char why[96];
    emb_knn_method m = p.method;
    if (x->rows - 1 <= p.k) {
        m = EMB_KNN_EXACT;
        snprintf(why, sizeof why, "n = %lld <= k + 1: every other item is a neighbour", (long long)x->rows);
    } else if (m == EMB_KNN_EXACT || m == EMB_KNN_APPROX) {
        snprintf(why, sizeof why, "forced by the caller");
    } else if (x->rows <= auto_exact_max_n(x->cols)) {
        m = EMB_KNN_EXACT;
        snprintf(why, sizeof why, "n = %lld <= %lld, cheaper than NN-descent at d = %lld",
                 (long long)x->rows, (long long)auto_exact_max_n(x->cols), (long long)x->cols);
    } else {
        m = EMB_KNN_APPROX;
        snprintf(why, sizeof why, "n = %lld > %lld, where exact costs more at d = %lld",
                 (long long)x->rows, (long long)auto_exact_max_n(x->cols), (long long)x->cols);
    }
    emb_status st;
    if (m == EMB_KNN_EXACT) {   /* the blocked SGEMM reads float32 rows: half ones widened (few rows here) */
        emb_matf wide = {0};
        const emb_matf *xf;
        st = emb_matf_widen(x, &wide, &xf);
        if (!st) st = emb__knn_exact_blocked(xf, p.k, p.metric, p.n_threads, &p.progress, out);
        emb_matf_free(&wide);
    } else {
        st = emb__knn_nndescent(x, &p, out);   /* reads half rows itself */
    }
    if (!st)
        snprintf(out->reason, sizeof out->reason, "%s: %s",
                 m == EMB_KNN_EXACT ? "exact (blocked SGEMM)"
                 : p.storage == EMB_STORAGE_F16 || emb_matf_is_half(x) ? "approximate (NN-descent, f16)"
                                                : "approximate (NN-descent)", why);
    return st;
}

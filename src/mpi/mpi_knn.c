/* mpi_knn.c - the exact kNN graph as MPI ranks. emb_knn_build's exact
 * search computes S = X X^T by block pairs (q, r >= q) of the upper half
 * (src/neighbors/knn_exact.c); here rank r takes the r-th of R contiguous
 * ranges of those pairs (q-major: its query blocks against every later
 * block) and keeps candidate lists for all n rows; rank 0 merges the lists
 * row by row (top-k of a union is the top-k of the parts' top-k, under the
 * same total order: distance, then index) and recomputes the kept
 * distances. The ranking values of a pair come from the same GEMM call as
 * in one process, so the graph is byte for byte the single-process one. */
#include "mpi/mpi_internal.h"
#include "neighbors/neighbors.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { TAG_IDX = 200, TAG_DIST, TAG_ROWS };
#define MERGE_ROWS 65536   /* rows received and merged at a time */

/* Rank 0: merge rank r's candidate lists into L, MERGE_ROWS rows at a time. */
static emb_status merge_from(int r, emb_knn *L, int64_t *bytes) {
    int kk = L->k;
    int64_t n = L->n;
    size_t cap = (size_t)(n < MERGE_ROWS ? (n ? n : 1) : MERGE_ROWS) * (size_t)kk;
    int32_t *ri = malloc(cap * sizeof(int32_t));
    float *rd = malloc(cap * sizeof(float));
    emb_status st = ri && rd ? EMB_OK : emb__fail(EMB_E_NOMEM, "out of memory (merging kNN lists)");
    for (int64_t r0 = 0; !st && r0 < n; r0 += MERGE_ROWS) {
        int64_t m = n - r0 < MERGE_ROWS ? n - r0 : MERGE_ROWS;
        size_t cnt = (size_t)m * (size_t)kk;
        if ((st = emb__mpi_recv(ri, cnt * sizeof(int32_t), r, TAG_IDX))) break;
        if ((st = emb__mpi_recv(rd, cnt * sizeof(float), r, TAG_DIST))) break;
        *bytes += (int64_t)(cnt * 8);
        for (int64_t i = 0; i < m; i++) {
            float *ld = L->dist + (size_t)(r0 + i) * kk;
            int32_t *li = L->idx + (size_t)(r0 + i) * kk;
            for (int a = 0; a < kk; a++) {
                int32_t j = ri[(size_t)i * kk + a];
                if (j < 0) break;   /* lists are sorted: padding last */
                emb__topk_insert(ld, li, kk, rd[(size_t)i * kk + a], j);
            }
        }
    }
    free(ri);
    free(rd);
    return st;
}

/* Rank r > 0: its candidate lists to rank 0, in merge_from's pieces. */
static emb_status send_lists(const emb_knn *L, int64_t *bytes) {
    emb_status st = EMB_OK;
    for (int64_t r0 = 0; !st && r0 < L->n; r0 += MERGE_ROWS) {
        int64_t m = L->n - r0 < MERGE_ROWS ? L->n - r0 : MERGE_ROWS;
        size_t cnt = (size_t)m * (size_t)L->k, off = (size_t)r0 * (size_t)L->k;
        st = emb__mpi_send(L->idx + off, cnt * sizeof(int32_t), 0, TAG_IDX);
        if (!st) st = emb__mpi_send(L->dist + off, cnt * sizeof(float), 0, TAG_DIST);
        *bytes += (int64_t)(cnt * 8);
    }
    return st;
}

static emb_status exact_ranks(const emb_matf *x, const emb_knn_params *p, emb_mpi_world w, emb_knn *out,
                              emb_mpi_stats *S) {
    int64_t lo, hi;
    emb__knn_exact_split(x->rows, x->cols, w.rank, w.size, &lo, &hi);
    emb_knn L = {0};
    float *norms = NULL;
    double t0 = emb_now();
    emb_status st = emb__knn_exact_part(x, p->k, p->metric, p->n_threads, &p->progress, lo, hi, &L, &norms);
    S->compute_s = emb_now() - t0;
    S->items = hi - lo;   /* block pairs */
    double t1 = emb_now();
    if ((st = emb_mpi_agree(st))) goto done;
    if (w.rank == 0) {
        for (int r = 1; !st && r < w.size; r++) st = merge_from(r, &L, &S->bytes_received);
    } else {
        st = send_lists(&L, &S->bytes_sent);
    }
    S->comm_s = emb_now() - t1;
    if (!st && w.rank == 0) {
        double t2 = emb_now();
        st = emb__knn_exact_finish(x, norms, p->n_threads, &L, p->k, out);
        S->compute_s += emb_now() - t2;
    }
    st = emb_mpi_agree(st);
done:
    if (st) emb_knn_free(out);
    emb_knn_free(&L);
    free(norms);
    return st;
}

/* ------------------------------------------------ approximate: slabs with overlap
 * Rank 0 projects every row on the data's first principal direction (power
 * iteration on the covariance, POWER_STEPS steps from a seeded random
 * start) and broadcasts the projections; every rank sorts them the same way
 * and takes slab r of R (n / R rows by projection order) widened by
 * APPROX_OVERLAP of a slab on each side, runs NN-descent (emb_knn_build) on
 * those rows alone, and sends the graph, in global indices, to rank 0,
 * which merges the lists of rows that lie in two slabs. Neighbours are
 * close along the direction too, so a row's neighbours lie in its widened
 * slab unless it sits near a boundary. The overlap was chosen by
 * measurement (bench/mpi/RESULTS.md), recall@15 against exact on 6,000 x
 * 48 of rank 8: overlap 0.25: 0.994 / 0.963 at 2 / 3 ranks; 0.5: 0.998 /
 * 0.998 / 0.987 at 2 / 3 / 4; 1.0: 0.997 / 1.000 / 1.000. Each rank does
 * NN-descent on up to (1 + 2 overlap) n / R rows. Known limit: slabs along
 * one direction thin out as R grows while a row's neighbours spread the
 * same, so recall falls with many ranks unless the overlap grows. */
#ifndef APPROX_OVERLAP
#define APPROX_OVERLAP 0.5    /* of a slab's rows, on each side */
#endif
#define POWER_STEPS 8         /* power-iteration steps for the direction */

/* Rank 0: projections (n) of x on its first principal direction. */
static emb_status principal_projection(const emb_matf *x, uint64_t seed, int nth, float *proj) {
    int64_t n = x->rows, d = x->cols;
    double *mean = calloc((size_t)d, sizeof(double)), *v = malloc(sizeof(double) * (size_t)d),
           *w = malloc(sizeof(double) * (size_t)d);
    if (!mean || !v || !w) { free(mean); free(v); free(w); return emb__fail(EMB_E_NOMEM, "out of memory (projection)"); }
    for (int64_t i = 0; i < n; i++)
        for (int64_t t = 0; t < d; t++) mean[t] += x->data[(size_t)i * d + t];
    for (int64_t t = 0; t < d; t++) mean[t] /= (double)(n ? n : 1);
    emb_rng rng;
    emb_rng_seed(&rng, seed);
    for (int64_t t = 0; t < d; t++) v[t] = emb_rng_normal(&rng);
    for (int step = 0; step <= POWER_STEPS; step++) {
        double norm = 0;
        for (int64_t t = 0; t < d; t++) norm += v[t] * v[t];
        norm = sqrt(norm) > 0 ? sqrt(norm) : 1;
        for (int64_t t = 0; t < d; t++) v[t] /= norm;
        if (step == POWER_STEPS) break;
        memset(w, 0, sizeof(double) * (size_t)d);   /* w = X_c^T (X_c v) */
        for (int64_t i = 0; i < n; i++) {
            const float *r = x->data + (size_t)i * d;
            double s = 0;
            for (int64_t t = 0; t < d; t++) s += (r[t] - mean[t]) * v[t];
            for (int64_t t = 0; t < d; t++) w[t] += s * (r[t] - mean[t]);
        }
        memcpy(v, w, sizeof(double) * (size_t)d);
    }
    #pragma omp parallel for schedule(static) num_threads(nth)
    for (int64_t i = 0; i < n; i++) {
        double s = 0;
        for (int64_t t = 0; t < d; t++) s += (x->data[(size_t)i * d + t] - mean[t]) * v[t];
        proj[i] = (float)s;
    }
    free(mean);
    free(v);
    free(w);
    return EMB_OK;
}

typedef struct { float proj; int32_t row; } proj_row;
static int cmp_proj(const void *a, const void *b) {   /* by projection, then row: one order on every rank */
    const proj_row *x = a, *y = b;
    if (x->proj != y->proj) return x->proj < y->proj ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* This rank's widened slab: rows[0..m) (global indices), its NN-descent graph. */
static emb_status slab_graph(const emb_matf *x, const emb_knn_params *p, const int32_t *order, int64_t lo, int64_t hi,
                             emb_knn *g) {
    int64_t m = hi - lo, d = x->cols;
    emb_matf sub = {0};
    emb_status st = emb_matf_alloc(&sub, m, d);
    if (st) return st;
    for (int64_t i = 0; i < m; i++)
        memcpy(sub.data + (size_t)i * d, x->data + (size_t)order[lo + i] * d, sizeof(float) * (size_t)d);
    emb_knn_params q = *p;
    q.method = EMB_KNN_APPROX;
    st = emb_knn_build(&sub, &q, g);
    emb_matf_free(&sub);
    if (st) return st;
    for (size_t a = 0; a < (size_t)g->n * g->k; a++)
        if (g->idx[a] >= 0) g->idx[a] = order[lo + g->idx[a]];
    return EMB_OK;
}

/* Rank r's widened slab: positions [lo, hi) of the projection order. */
static void slab_range(int64_t n, int r, int size, int64_t *lo, int64_t *hi) {
    int64_t a = emb__mpi_lo(n, r, size), b = emb__mpi_lo(n, r + 1, size);
    int64_t widen = (int64_t)(APPROX_OVERLAP * (double)(b - a));
    *lo = a - widen < 0 ? 0 : a - widen;
    *hi = b + widen > n ? n : b + widen;
}

static void merge_slab(emb_knn *out, const int32_t *rows, int64_t m, const int32_t *idx, const float *dist) {
    int k = out->k;
    for (int64_t i = 0; i < m; i++) {
        float *od = out->dist + (size_t)rows[i] * k;
        int32_t *oi = out->idx + (size_t)rows[i] * k;
        for (int a = 0; a < k; a++) {
            int32_t j = idx[(size_t)i * k + a];
            if (j < 0) break;
            bool dup = false;
            for (int b = 0; b < k && !dup; b++) dup = oi[b] == j;
            if (!dup) emb__topk_insert(od, oi, k, dist[(size_t)i * k + a], j);
        }
    }
}

static emb_status approx_ranks(const emb_matf *x, const emb_knn_params *p, emb_mpi_world w, emb_knn *out,
                               emb_mpi_stats *S) {
    int64_t n = x->rows;
    float *proj = malloc(sizeof(float) * (size_t)(n ? n : 1));
    int32_t *order = malloc(sizeof(int32_t) * (size_t)(n ? n : 1));
    emb_knn g = {0};
    double t0 = emb_now();
    emb_status st = proj && order ? EMB_OK : emb__fail(EMB_E_NOMEM, "out of memory (%lld rows)", (long long)n);
    if (!st && w.rank == 0) st = principal_projection(x, p->seed, emb_threads_resolve(p->n_threads), proj);
    if ((st = emb_mpi_agree(st))) goto done;
    double t1 = emb_now();
    for (int64_t off = 0; off < n; off += 1 << 28) {   /* int counts */
        int c = (int)(n - off < (1 << 28) ? n - off : (1 << 28));
        MPI_Bcast(proj + off, c, MPI_FLOAT, 0, MPI_COMM_WORLD);
    }
    if (w.rank) S->bytes_received += n * 4; else S->bytes_sent += n * 4 * (w.size - 1);
    S->comm_s += emb_now() - t1;
    proj_row *pr = malloc(sizeof(proj_row) * (size_t)(n ? n : 1));
    if (!pr) st = emb__fail(EMB_E_NOMEM, "out of memory (%lld rows)", (long long)n);
    if ((st = emb_mpi_agree(st))) goto done;
    for (int64_t i = 0; i < n; i++) pr[i] = (proj_row){proj[i], (int32_t)i};
    qsort(pr, (size_t)n, sizeof(proj_row), cmp_proj);
    for (int64_t i = 0; i < n; i++) order[i] = pr[i].row;
    free(pr);
    int64_t lo, hi;
    slab_range(n, w.rank, w.size, &lo, &hi);
    st = slab_graph(x, p, order, lo, hi, &g);
    S->items = hi - lo;
    S->compute_s = emb_now() - t0 - S->comm_s;
    if ((st = emb_mpi_agree(st))) goto done;
    t1 = emb_now();
    if (w.rank == 0) {
        st = emb__knn_alloc(out, n, p->k, p->metric);
        if (!st) merge_slab(out, order + lo, hi - lo, g.idx, g.dist);
        for (int r = 1; !st && r < w.size; r++) {
            int64_t rl, rh;
            slab_range(n, r, w.size, &rl, &rh);
            emb_knn_free(&g);
            if ((st = emb__knn_alloc(&g, rh - rl, p->k, p->metric))) break;
            size_t cnt = (size_t)(rh - rl) * (size_t)p->k;
            if (!(st = emb__mpi_recv(g.idx, cnt * 4, r, TAG_IDX)) && !(st = emb__mpi_recv(g.dist, cnt * 4, r, TAG_DIST)))
                merge_slab(out, order + rl, rh - rl, g.idx, g.dist);
            S->bytes_received += (int64_t)cnt * 8;
        }
        if (!st) out->method = EMB_KNN_APPROX;
    } else {
        size_t cnt = (size_t)g.n * (size_t)g.k;
        st = emb__mpi_send(g.idx, cnt * 4, 0, TAG_IDX);
        if (!st) st = emb__mpi_send(g.dist, cnt * 4, 0, TAG_DIST);
        S->bytes_sent += (int64_t)cnt * 8;
    }
    S->comm_s += emb_now() - t1;
    st = emb_mpi_agree(st);
done:
    if (st) emb_knn_free(out);
    emb_knn_free(&g);
    free(proj);
    free(order);
    return st;
}

emb_status emb_mpi_knn_build(const emb_matf *x, const emb_knn_params *params, emb_knn *out,
                             emb_mpi_stats *stats) {
    EMB__NEED_F32(x, "MPI kNN");
    emb_knn_params p = params ? *params : emb_knn_default_params();
    emb_mpi_world w;
    emb_status st = emb_mpi_world_get(&w);
    if (st) return st;
    memset(out, 0, sizeof *out);
    emb_mpi_stats S = {0};
    /* emb_knn_build decides the method (and checks the arguments) on rank 0
     * alone when the answer is approximate; the exact decision is the
     * same on every rank, as every rank sees the same x and params */
    bool exact = p.method == EMB_KNN_EXACT || x->rows - 1 <= p.k;
    if (p.method == EMB_KNN_AUTO && !exact) exact = emb__knn_auto_is_exact(x->rows, x->cols);
    if (p.k <= 0) st = emb__fail(EMB_E_INVALID, "k must be positive (got %d)", p.k);
    else if (x->rows > INT32_MAX) st = emb__fail(EMB_E_UNSUPPORTED, "more than 2^31 items");
    else if (x->rows > 0 && (x->cols <= 0 || !x->data)) st = emb__fail(EMB_E_INVALID, "kNN of an empty matrix");
    if (!st && exact) {
        st = exact_ranks(x, &p, w, out, &S);
        if (!st && w.rank == 0)
            snprintf(out->reason, sizeof out->reason, "exact (blocked SGEMM, %d MPI ranks)", w.size);
    } else if (!st) {
        st = approx_ranks(x, &p, w, out, &S);
        if (!st && w.rank == 0)
            snprintf(out->reason, sizeof out->reason, "approximate (NN-descent on %d overlapping slabs, MPI ranks)", w.size);
    }
    if (stats) *stats = S;
    return st;
}

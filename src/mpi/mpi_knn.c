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

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { TAG_IDX = 200, TAG_DIST };
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

emb_status emb_mpi_knn_build(const emb_matf *x, const emb_knn_params *params, emb_knn *out,
                             emb_mpi_stats *stats) {
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
        /* known shortcut: NN-descent is not distributed yet; rank 0 runs it */
        double t0 = emb_now();
        if (w.rank == 0) st = emb_knn_build(x, &p, out);
        S.compute_s = emb_now() - t0;
        st = emb_mpi_agree(st);
    }
    if (stats) *stats = S;
    return st;
}

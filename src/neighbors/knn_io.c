/* knn_io.c - a kNN graph on disk: DIR/neighbors.npy (n x k int32, -1
 * padding) and DIR/distances.npy (n x k float32), as `embscope neighbors`
 * and `analyze` write them and `map`, `cluster` and the Python package read
 * them. Reading checks the dtypes, that both have the same shape, the row
 * count when the caller knows it, and every index. */
#include "core/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

emb_status emb_knn_save(const emb_knn *g, const char *dir) {
    if (!g || !g->idx || !g->dist || g->n < 1 || g->k < 1) return emb__fail(EMB_E_INVALID, "kNN graph: nothing to save");
    char *pi = emb_path_join(dir, "neighbors.npy"), *pd = emb_path_join(dir, "distances.npy");
    emb_status st = (!pi || !pd) ? EMB_E_NOMEM : EMB_OK;
    int64_t shape[2] = {g->n, g->k};
    if (!st) st = emb_npy_write(pi, EMB_DT_I32, g->idx, 2, shape);
    if (!st) st = emb_npy_write(pd, EMB_DT_F32, g->dist, 2, shape);
    free(pi);
    free(pd);
    return st;
}

emb_status emb_knn_load(const char *dir, int64_t n, emb_knn *g) {
    memset(g, 0, sizeof *g);
    char *pi = emb_path_join(dir, "neighbors.npy"), *pd = emb_path_join(dir, "distances.npy");
    emb_npy ai = {0}, ad = {0};
    emb_status st = (!pi || !pd) ? EMB_E_NOMEM : EMB_OK;
    if (!st) st = emb_npy_open(pi, false, &ai);
    if (!st) st = emb_npy_open(pd, false, &ad);
    if (!st && (ai.dtype != EMB_DT_I32 || ai.ndim != 2 || ad.dtype != EMB_DT_F32 || ad.ndim != 2 ||
                ai.shape[0] != ad.shape[0] || ai.shape[1] != ad.shape[1] || ai.shape[0] < 1 || ai.shape[1] < 1 ||
                ai.shape[1] > 100000 || (n >= 0 && ai.shape[0] != n)))
    {
        char rows[32] = "N";
        if (n >= 0) snprintf(rows, sizeof rows, "%lld", (long long)n);
        st = emb__fail(EMB_E_FORMAT, "%s: expected %s x k int32 neighbors.npy and float32 distances.npy of the same shape",
                       dir, rows);
    }
    if (!st) {
        size_t cnt = (size_t)ai.count;
        g->n = ai.shape[0];
        g->k = (int)ai.shape[1];
        g->metric = EMB_METRIC_COSINE;   /* not stored; the caller knows */
        g->method = EMB_KNN_EXACT;
        snprintf(g->reason, sizeof g->reason, "read from %s", dir);
        g->idx = emb__malloc(cnt * sizeof(int32_t), "kNN graph");
        g->dist = emb__malloc(cnt * sizeof(float), "kNN graph");
        if (!g->idx || !g->dist) st = EMB_E_NOMEM;
        else {
            memcpy(g->idx, ai.data, cnt * sizeof(int32_t));
            memcpy(g->dist, ad.data, cnt * sizeof(float));
            for (size_t i = 0; i < cnt && !st; i++)
                if (g->idx[i] < -1 || g->idx[i] >= g->n)
                    st = emb__fail(EMB_E_FORMAT, "%s: neighbour index %d out of range 0..%lld (row %lld)", pi, g->idx[i],
                                   (long long)g->n - 1, (long long)(i / (size_t)g->k));
        }
    }
    if (st) emb_knn_free(g);
    emb_npy_close(&ai);
    emb_npy_close(&ad);
    free(pi);
    free(pd);
    return st;
}

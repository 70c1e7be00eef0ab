/* test_neighbors_parts.c - the exact kNN in parts, as MPI ranks run it
 * (src/mpi/mpi_knn.c) but in one process: candidate lists from disjoint
 * ranges of block pairs (emb__knn_exact_split), merged row by row with
 * emb__topk_insert, then emb__knn_exact_finish, give byte for byte the
 * graph of emb_knn_build (which the exact tests check against the naive
 * reference and scikit-learn); the split covers every pair once with
 * about equal GEMM cost per part.
 * ctest-labels: unit */
#include "check.h"
#include "embscope.h"
#include "neighbors/neighbors.h"

#include <stdlib.h>
#include <string.h>

static void test_parts(int64_t n, int64_t d, int k, emb_metric metric, int n_parts) {
    emb_matf x = check_random_matrix(n, d, 77 + n + d);
    emb_knn_params p = emb_knn_default_params();
    p.k = k;
    p.metric = metric;
    p.method = EMB_KNN_EXACT;
    p.n_threads = 2;
    emb_knn ref = {0}, merged = {0}, got = {0};
    CHECK(emb_knn_build(&x, &p, &ref) == EMB_OK);
    float *norms = NULL;
    int64_t prev_hi = 0, pairs = emb__knn_exact_pairs(n, d);
    for (int part = 0; part < n_parts; part++) {
        int64_t lo, hi;
        emb__knn_exact_split(n, d, part, n_parts, &lo, &hi);
        CHECK_EQ(prev_hi, lo);   /* contiguous, in order */
        CHECK(hi >= lo);
        prev_hi = hi;
        emb_knn L = {0};
        float *nr = NULL;
        CHECK(emb__knn_exact_part(&x, k, metric, 1, NULL, lo, hi, &L, &nr) == EMB_OK);
        if (part == 0) { merged = L; norms = nr; continue; }
        CHECK_EQ(merged.k, L.k);
        for (int64_t i = 0; i < n; i++)
            for (int a = 0; a < L.k && L.idx[i * L.k + a] >= 0; a++)
                emb__topk_insert(merged.dist + i * L.k, merged.idx + i * L.k, L.k, L.dist[i * L.k + a], L.idx[i * L.k + a]);
        emb_knn_free(&L);
        free(nr);
    }
    CHECK_EQ(pairs, prev_hi);
    CHECK(emb__knn_exact_finish(&x, norms, 1, &merged, k, &got) == EMB_OK);
    CHECK_EQ_I32(ref.idx, got.idx, (size_t)n * k);
    CHECK(memcmp(ref.dist, got.dist, sizeof(float) * (size_t)n * k) == 0);
    emb_knn_free(&ref);
    emb_knn_free(&merged);
    emb_knn_free(&got);
    free(norms);
    emb_matf_free(&x);
}

int main(void) {
    test_parts(9000, 16, 15, EMB_METRIC_COSINE, 2);    /* 3 blocks of 4096: 6 pairs */
    test_parts(9000, 16, 7, EMB_METRIC_EUCLIDEAN, 3);
    test_parts(5000, 300, 10, EMB_METRIC_COSINE, 4);   /* 3 blocks of 2048 */
    test_parts(100, 8, 15, EMB_METRIC_COSINE, 3);      /* one pair: parts 1, 2 empty */
    return check_exit();
}

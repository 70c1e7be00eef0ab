/* test_neighbors_query.c - emb_knn_query (new rows against a base set)
 * against two references: the naive all-pairs graph of the base itself
 * (querying x with x gives each row itself first, then exactly
 * emb_knn_exact_naive's neighbours) and a plain double loop for other
 * queries; padding when k > n; the thread count does not change bytes;
 * bad arguments.
 * ctest-labels: unit */
#include "check.h"
#include "neighbors/neighbors.h"
#include "embscope.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double dist(const float *a, const float *b, int64_t d, emb_metric m) {
    double s = 0, na = 0, nb = 0;
    for (int64_t t = 0; t < d; t++) {
        if (m == EMB_METRIC_COSINE) { s += (double)a[t] * b[t]; na += (double)a[t] * a[t]; nb += (double)b[t] * b[t]; }
        else s += ((double)a[t] - b[t]) * ((double)a[t] - b[t]);
    }
    return m == EMB_METRIC_COSINE ? 1.0 - s / sqrt(na * nb) : sqrt(s);
}

static void check_self_query(emb_metric metric) {
    emb_matf x = check_random_matrix(700, 24, 1);
    emb_knn ref, got;
    emb_knn_params p = emb_knn_default_params();
    p.k = 11;
    p.metric = metric;
    CHECK(emb_knn_exact_naive(&x, 10, metric, &ref) == EMB_OK);
    CHECK(emb_knn_query(&x, &x, &p, &got) == EMB_OK);
    CHECK_EQ(700, got.n);
    int bad = 0;
    for (int64_t i = 0; i < 700; i++) {
        bad += got.idx[i * 11] != i || got.dist[i * 11] > 1e-3f;
        bad += memcmp(got.idx + i * 11 + 1, ref.idx + i * 10, 10 * sizeof(int32_t)) != 0;
    }
    CHECK_EQ(0, bad);
    emb_knn_free(&ref);
    emb_knn_free(&got);
    emb_matf_free(&x);
}

static void check_other_queries(emb_metric metric) {
    emb_matf x = check_random_matrix(900, 30, 2), q = check_random_matrix(130, 30, 3);
    emb_knn_params p = emb_knn_default_params();
    p.k = 7;
    p.metric = metric;
    p.n_threads = 1;
    emb_knn got, got2;
    CHECK(emb_knn_query(&x, &q, &p, &got) == EMB_OK);
    p.n_threads = 2;
    CHECK(emb_knn_query(&x, &q, &p, &got2) == EMB_OK);
    CHECK(memcmp(got.idx, got2.idx, 130 * 7 * sizeof(int32_t)) == 0);
    CHECK(memcmp(got.dist, got2.dist, 130 * 7 * sizeof(float)) == 0);
    int bad = 0;
    for (int64_t i = 0; i < 130; i++) {
        /* the 7th distance of the reference loop, and every neighbour within it */
        double *all = malloc(900 * sizeof(double));
        for (int64_t j = 0; j < 900; j++) all[j] = dist(q.data + i * 30, x.data + j * 30, 30, metric);
        for (int a = 0; a < 7; a++) {
            double d = all[got.idx[i * 7 + a]];
            int closer = 0;
            for (int64_t j = 0; j < 900; j++) closer += all[j] < d - 1e-5;
            bad += closer > a || fabs(d - got.dist[i * 7 + a]) > 1e-4 * (1 + d);
        }
        free(all);
    }
    CHECK_EQ(0, bad);
    emb_knn_free(&got);
    emb_knn_free(&got2);
    emb_matf_free(&x);
    emb_matf_free(&q);
}

int main(void) {
    check_self_query(EMB_METRIC_EUCLIDEAN);
    check_self_query(EMB_METRIC_COSINE);
    check_other_queries(EMB_METRIC_EUCLIDEAN);
    check_other_queries(EMB_METRIC_COSINE);

    /* k > n: padded */
    emb_matf x = check_random_matrix(3, 4, 4), q = check_random_matrix(2, 4, 5), w = check_random_matrix(2, 5, 6);
    emb_knn_params p = emb_knn_default_params();
    p.k = 5;
    emb_knn g;
    CHECK(emb_knn_query(&x, &q, &p, &g) == EMB_OK);
    CHECK(g.idx[3] == -1 && g.idx[4] == -1 && isinf(g.dist[4]) && g.idx[2] >= 0);
    emb_knn_free(&g);
    CHECK(emb_knn_query(&x, &w, &p, &g) == EMB_E_INVALID);
    CHECK_CONTAINS(emb_errmsg(), "columns");
    p.k = 0;
    CHECK(emb_knn_query(&x, &q, &p, &g) == EMB_E_INVALID);
    emb_matf_free(&x);
    emb_matf_free(&q);
    emb_matf_free(&w);
    return check_exit();
}

/* test_maps_umap_transform.c - emb_umap_transform (new points in a fitted
 * map, umap-learn's UMAP.transform): held-out points of three separated
 * blobs land among the training points of their own blob; a training
 * point's exact copy starts at its own position (membership 1); the bytes
 * do not depend on the thread count; n_epochs = 0 epochs leaves the
 * weighted-mean start; bad graphs are refused. The quality against
 * umap-learn's transform is python/tests/test_quality.py's.
 * ctest-labels: unit */
#include "check.h"
#include "embscope.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N 600   /* even rows train, odd rows are the new points */
#define D 10

static int label(int64_t i) { return (int)(i % 3); }

static void make_blobs(emb_matf *train, emb_matf *test) {
    emb_matf_alloc(train, N / 2, D);
    emb_matf_alloc(test, N / 2, D);
    emb_rng r;
    emb_rng_seed(&r, 11);
    for (int64_t i = 0; i < N; i++) {
        float *row = (i % 2 ? test->data : train->data) + (i / 2) * D;
        for (int t = 0; t < D; t++) row[t] = (float)((t == label(i) ? 8.0 : 0.0) + emb_rng_normal(&r));
    }
}

/* Label of the training point (row j = item 2 j) nearest to y in the map. */
static int nearest_label(const emb_matf *map, const float *y) {
    double best = INFINITY;
    int64_t arg = -1;
    for (int64_t j = 0; j < map->rows; j++) {
        double s = 0;
        for (int64_t t = 0; t < map->cols; t++) { double e = map->data[j * map->cols + t] - y[t]; s += e * e; }
        if (s < best) { best = s; arg = j; }
    }
    return label(arg * 2);
}

int main(void) {
    emb_matf train, test, map = {0}, out1 = {0}, out2 = {0};
    make_blobs(&train, &test);
    emb_knn_params kp = emb_knn_default_params();
    kp.k = 14;
    kp.metric = EMB_METRIC_EUCLIDEAN;
    emb_knn g, q;
    CHECK(emb_knn_build(&train, &kp, &g) == EMB_OK);
    emb_umap_params up = emb_umap_default_params();
    up.n_threads = 1;
    up.seed = 3;
    CHECK(emb_umap_run(&g, &train, &up, &map, NULL) == EMB_OK);
    kp.k = 15;
    CHECK(emb_knn_query(&train, &test, &kp, &q) == EMB_OK);

    CHECK(emb_umap_transform(&q, &map, &up, &out1) == EMB_OK);
    CHECK_EQ(N / 2, out1.rows);
    CHECK_EQ(2, out1.cols);
    int wrong = 0, nan = 0;
    for (int64_t i = 0; i < out1.rows; i++) {
        nan += !isfinite(out1.data[i * 2]) || !isfinite(out1.data[i * 2 + 1]);
        wrong += nearest_label(&map, out1.data + i * 2) != label(i * 2 + 1);
    }
    CHECK_EQ(0, nan);
    CHECK_EQ(0, wrong);

    up.n_threads = 2;
    CHECK(emb_umap_transform(&q, &map, &up, &out2) == EMB_OK);
    CHECK(memcmp(out1.data, out2.data, sizeof(float) * (size_t)(out1.rows * 2)) == 0);
    emb_matf_free(&out2);

    /* a copy of training point 0: its nearest neighbour at distance 0 has
     * membership 1, so it starts exactly there (1 requested epoch / 3 = 0) */
    emb_matf one = {train.data, 1, D, NULL};
    emb_knn q1;
    CHECK(emb_knn_query(&train, &one, &kp, &q1) == EMB_OK);
    up.n_epochs = 1;
    CHECK(emb_umap_transform(&q1, &map, &up, &out2) == EMB_OK);
    CHECK(out2.data[0] == map.data[0] && out2.data[1] == map.data[1]);
    emb_matf_free(&out2);

    /* a neighbour index outside the map */
    q1.idx[0] = (int32_t)map.rows;
    CHECK(emb_umap_transform(&q1, &map, &up, &out2) == EMB_E_INVALID);
    CHECK_CONTAINS(emb_errmsg(), "neighbour");

    emb_knn_free(&q1);
    emb_knn_free(&q);
    emb_knn_free(&g);
    emb_matf_free(&out1);
    emb_matf_free(&map);
    emb_matf_free(&train);
    emb_matf_free(&test);
    return check_exit();
}

/* test_neighbors_approx.c - NN-descent recall@15 against the exact graph on
 * the MNIST test set (10,000 x 784, tests/data/mnist),
 * cosine and Euclidean, with the working copy in f32 and in f16 (storage
 * f16: recall within 0.005 of f32's); same seed and one thread give the
 * same graph; distances are the exact ones of the indices found.
 * ctest-labels: slow
 * ctest-levels: all */
#include "check.h"
#include "embscope.h"
#include "core/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_RECALL 0.97   /* issue 8: recall@15 >= 0.97 */

static double recall(const emb_knn *exact, const emb_knn *approx) {
    int k = exact->k;
    int64_t hit = 0;
    for (int64_t i = 0; i < exact->n; i++)
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
                if (approx->idx[i * k + a] == exact->idx[i * k + b]) { hit++; break; }
    return (double)hit / ((double)exact->n * k);
}

/* Rows of g that break the rules: a missing or self neighbour, distances
 * not ascending, or a distance off the one computed in double from x's rows
 * (cosine, or Euclidean with m) by more than tol (relative above 1 when rel).
 * *worst gets the largest difference. */
static int bad_distances(const emb_knn *g, const float *x, int64_t n, int64_t d, int m, double tol, bool rel,
                         double *worst) {
    int bad = 0, k = g->k;
    *worst = 0;
    for (int64_t i = 0; i < n; i++)
        for (int a = 0; a < k; a++) {
            int32_t j = g->idx[i * k + a];
            if (j < 0 || j == i || (a && g->dist[i * k + a] < g->dist[i * k + a - 1])) { bad++; continue; }
            double s = 0, na = 0, nb = 0;
            for (int64_t t = 0; t < d; t++) {
                double u = x[i * d + t], v = x[j * d + t];
                s += m ? (u - v) * (u - v) : u * v;
                na += u * u;
                nb += v * v;
            }
            double want = m ? sqrt(s) : 1.0 - s / sqrt(na * nb), e = fabs(want - g->dist[i * k + a]);
            if (e > *worst) *worst = e;
            if (e > tol * (rel ? fmax(1.0, want) : 1.0)) bad++;
        }
    return bad;
}

int main(void) {
    emb_idx img = {0};
    if (emb_idx_load(TEST_DATA "/mnist/t10k-images-idx3-ubyte.gz", &img) != EMB_OK) {
        fprintf(stderr, "FAIL: no MNIST test set under %s\n", TEST_DATA "/mnist");
        return 1;
    }
    int64_t n = img.dims[0], d = img.dims[1] * img.dims[2];
    emb_matf x;
    CHECK(emb_matf_alloc(&x, n, d) == EMB_OK);
    for (int64_t a = 0; a < n * d; a++) x.data[a] = img.data[a] / 255.0f;
    emb_idx_free(&img);
    double recall_f32[2] = {0, 0};
    for (int run = 0; run < 4; run++) {
        int m = run % 2;
        bool half = run >= 2;
        emb_knn_params p = emb_knn_default_params();
        p.metric = m ? EMB_METRIC_EUCLIDEAN : EMB_METRIC_COSINE;
        p.storage = half ? EMB_STORAGE_F16 : EMB_STORAGE_F32;
        p.k = 15;
        emb_knn ex = {0}, ap = {0};
        p.method = EMB_KNN_EXACT;
        CHECK(emb_knn_build(&x, &p, &ex) == EMB_OK);
        p.method = EMB_KNN_APPROX;
        double t0 = emb_now();
        CHECK(emb_knn_build(&x, &p, &ap) == EMB_OK);
        double r = recall(&ex, &ap);
        fprintf(stderr, "%s, storage %s: recall@15 %.4f in %.2f s (%s)\n", m ? "euclidean" : "cosine",
                emb_storage_name(p.storage), r, emb_now() - t0, ap.reason);
        CHECK(r >= MIN_RECALL);
        if (!half) recall_f32[m] = r;
        else CHECK(r >= recall_f32[m] - 0.005);
        CHECK_CONTAINS(ap.reason, half ? "f16" : "NN-descent)");
        CHECK(ap.method == EMB_KNN_APPROX);
        /* each reported distance is the exact distance of its index, rows ascending */
        double worst;
        int bad = bad_distances(&ap, x.data, n, d, m, 1e-5, true, &worst);
        CHECK_EQ(0, bad);
        if (m == 0) {   /* same seed, one thread: same bytes */
            emb_knn a1 = {0}, a2 = {0};
            p.n_threads = 1;
            CHECK(emb_knn_build(&x, &p, &a1) == EMB_OK);
            CHECK(emb_knn_build(&x, &p, &a2) == EMB_OK);
            CHECK_EQ_I32(a1.idx, a2.idx, (size_t)n * 15);
            CHECK(recall(&ex, &a1) >= MIN_RECALL);
            emb_knn_free(&a1);
            emb_knn_free(&a2);
        }
        emb_knn_free(&ex);
        emb_knn_free(&ap);
    }
    /* half-precision input (emb_matf.half, as a float16 .npy mapped with
     * --storage f16): the rows rounded to binary16 are all there is; the
     * reference is the exact graph of those values widened */
    uint16_t *h = malloc(sizeof(uint16_t) * (size_t)(n * d));
    CHECK(h != NULL);
    for (int64_t a = 0; a < n * d; a++) h[a] = emb__f32_to_f16(x.data[a]);
    emb_matf xh = {NULL, n, d, h}, wide = {0};
    const emb_matf *xw = NULL;
    CHECK(emb_matf_is_half(&xh) && !emb_matf_is_half(&x));
    CHECK(emb_matf_widen(&xh, &wide, &xw) == EMB_OK && xw == &wide);
    int wrong = 0;
    for (int64_t a = 0; a < n * d; a++) wrong += wide.data[a] != emb__f16_to_f32(h[a]);
    CHECK_EQ(0, wrong);
    for (int m = 0; m < 2; m++) {
        emb_knn_params p = emb_knn_default_params();
        p.metric = m ? EMB_METRIC_EUCLIDEAN : EMB_METRIC_COSINE;
        p.k = 15;
        emb_knn ex = {0}, ap = {0};
        p.method = EMB_KNN_EXACT;
        CHECK(emb_knn_build(&xh, &p, &ex) == EMB_OK);   /* widened inside: the exact path reads float32 */
        emb_knn exw = {0};
        CHECK(emb_knn_build(&wide, &p, &exw) == EMB_OK);
        CHECK_EQ_I32(ex.idx, exw.idx, (size_t)n * 15);
        p.method = EMB_KNN_APPROX;
        double t0 = emb_now();
        CHECK(emb_knn_build(&xh, &p, &ap) == EMB_OK);
        double r = recall(&ex, &ap);
        fprintf(stderr, "%s, half-precision input: recall@15 %.4f in %.2f s (%s)\n", m ? "euclidean" : "cosine", r,
                emb_now() - t0, ap.reason);
        CHECK(r >= MIN_RECALL);
        CHECK(r >= recall_f32[m] - 0.005);
        CHECK_CONTAINS(ap.reason, "f16");
        /* distances of the binary16 values: cosine from the unit rows rounded
         * to binary16 once more (within 2e-3), Euclidean from the values */
        double worst;
        int bad = bad_distances(&ap, wide.data, n, d, m, m ? 1e-5 : 2e-3, m != 0, &worst);
        fprintf(stderr, "  worst distance error %.2e\n", worst);
        CHECK_EQ(0, bad);
        emb_knn_free(&ex);
        emb_knn_free(&exw);
        emb_knn_free(&ap);
    }
    /* the functions that read float32 rows only say so */
    emb_kmeans_params kp = emb_kmeans_default_params();
    emb_clusters cl = {0};
    CHECK(emb_kmeans_run(&xh, &kp, NULL, &cl) == EMB_E_INVALID);
    CHECK_CONTAINS(emb_errmsg(), "half-precision");
    emb_matf_free(&wide);
    free(h);
    emb_matf_free(&x);
    return check_exit();
}

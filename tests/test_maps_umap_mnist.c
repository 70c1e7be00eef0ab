/* test_maps_umap_mnist.c - UMAP map quality on the MNIST test set (10,000
 * digits, raw pixels / 255, Euclidean kNN as umap-learn's defaults): in 2-D
 * and 3-D the 10-nearest-neighbour leave-one-out label accuracy of the map
 * must be >= 0.93 and its trustworthiness (k = 10) >= 0.95.
 * Trustworthiness is computed here in C with sklearn's definition
 * (sklearn.manifold.trustworthiness) and checked against sklearn itself on
 * a 1,000-point sample. Skips (77) when the MNIST files are missing. */
/* ctest-labels: slow */
#include "check.h"
#include "neighbors/neighbors.h"
#include "embscope.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define K_EVAL 10

/* sklearn's trustworthiness: 1 - 2 / (n k (2n - 3k - 1)) * sum over i and
 * j in the map's k nearest of i of max(0, r(i, j) - k), r = the rank of j
 * among i's neighbours in x (1 = nearest), Euclidean in both spaces. */
static double trustworthiness(const emb_matf *x, const emb_matf *e, int k) {
    int64_t n = x->rows, d = x->cols;
    emb_knn ge = {0};
    if (emb_knn_exact_naive(e, k, EMB_METRIC_EUCLIDEAN, &ge) != EMB_OK) return -1;
    float *sq = malloc(sizeof(float) * n);
    for (int64_t i = 0; i < n; i++) {
        double s = 0;
        for (int64_t t = 0; t < d; t++) s += (double)x->data[i * d + t] * x->data[i * d + t];
        sq[i] = (float)s;
    }
    const int64_t B = 256;
    float *dots = malloc(sizeof(float) * B * n);
    double total = 0;
    for (int64_t i0 = 0; i0 < n; i0 += B) {
        int64_t nb = n - i0 < B ? n - i0 : B;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, (int)n, (int)d, 1.0f, x->data + i0 * d, (int)d,
                    x->data, (int)d, 0.0f, dots, (int)n);
        #pragma omp parallel for reduction(+ : total) schedule(dynamic, 8)
        for (int64_t bi = 0; bi < nb; bi++) {
            int64_t i = i0 + bi;
            float *row = dots + bi * n;
            for (int64_t l = 0; l < n; l++) row[l] = sq[i] + sq[l] - 2.0f * row[l];
            row[i] = INFINITY;
            for (int q = 0; q < k; q++) {
                int32_t j = ge.idx[i * k + q];
                float dj = row[j];
                int64_t r = 1;
                for (int64_t l = 0; l < n; l++) r += row[l] < dj;
                if (r > k) total += (double)(r - k);
            }
        }
    }
    free(dots);
    free(sq);
    emb_knn_free(&ge);
    return 1.0 - total * (2.0 / ((double)n * k * (2.0 * n - 3.0 * k - 1.0)));
}

/* Leave-one-out k-NN label accuracy in the map; ties go to the smaller
 * label (np.bincount(...).argmax(), as sklearn's KNeighborsClassifier). */
static double knn_accuracy(const emb_matf *e, const uint8_t *labels, int k) {
    emb_knn g = {0};
    if (emb_knn_exact_naive(e, k, EMB_METRIC_EUCLIDEAN, &g) != EMB_OK) return -1;
    int64_t ok = 0;
    for (int64_t i = 0; i < e->rows; i++) {
        int votes[256] = {0}, best = 0;
        for (int q = 0; q < k; q++) votes[labels[g.idx[i * k + q]]]++;
        for (int c = 1; c < 256; c++) if (votes[c] > votes[best]) best = c;
        ok += best == labels[i];
    }
    emb_knn_free(&g);
    return (double)ok / e->rows;
}

/* C trustworthiness against sklearn's on rows [0, m) of x and e. */
static void check_trust_vs_sklearn(const emb_matf *x, const emb_matf *e, int64_t m) {
    emb_matf xs = {x->data, m, x->cols, NULL}, es = {e->data, m, e->cols, NULL};
    const char *dir = check_tmpdir();
    char px[1024], pe[1024], cmd[4096];
    snprintf(px, sizeof px, "%s/x.npy", dir);
    snprintf(pe, sizeof pe, "%s/e.npy", dir);
    CHECK(emb_npy_write_f32(px, xs.data, m, xs.cols) == EMB_OK);
    CHECK(emb_npy_write_f32(pe, es.data, m, es.cols) == EMB_OK);
    snprintf(cmd, sizeof cmd,
             "%s -c \"import numpy as np; from sklearn.manifold import trustworthiness as t; "
             "print(t(np.load('%s').astype(np.float64), np.load('%s').astype(np.float64), n_neighbors=%d))\"",
             check_python(), px, pe, K_EVAL);
    int status;
    char *out = check_run(cmd, &status);
    double ref = -1;
    CHECK(status == 0 && out && sscanf(out, "%lf", &ref) == 1);
    double got = trustworthiness(&xs, &es, K_EVAL);
    printf("trustworthiness on %lld points: C %.6f, sklearn %.6f\n", (long long)m, got, ref);
    CHECK_CLOSE(ref, got, 0, 2e-4);
    free(out);
}

int main(void) {
    const char *pi = TEST_DATA "/mnist/t10k-images-idx3-ubyte.gz", *pl = TEST_DATA "/mnist/t10k-labels-idx1-ubyte.gz";
    if (access(pi, R_OK) || access(pl, R_OK)) {
        fprintf(stderr, "FAIL: %s not found\n", pi);
        return 1;
    }
    emb_idx img = {0}, lab = {0};
    CHECK(emb_idx_load(pi, &img) == EMB_OK);
    CHECK(emb_idx_load(pl, &lab) == EMB_OK);
    if (check_failures) return check_exit();
    int64_t n = img.dims[0], d = img.dims[1] * img.dims[2];
    CHECK_EQ(10000, n);
    emb_matf x;
    CHECK(emb_matf_alloc(&x, n, d) == EMB_OK);
    for (int64_t i = 0; i < n * d; i++) x.data[i] = img.data[i] / 255.0f;

    double t0 = emb_now();
    emb_knn g = {0};
    emb_knn_params kp = emb_knn_default_params();
    kp.metric = EMB_METRIC_EUCLIDEAN;
    kp.method = EMB_KNN_EXACT;
    CHECK(emb_knn_build(&x, &kp, &g) == EMB_OK);
    printf("kNN: %.2f s\n", emb_now() - t0);
    for (int dims = 2; dims <= 3; dims++) {
        emb_umap_params up = emb_umap_default_params();
        up.n_components = dims;
        emb_matf map = {0};
        emb_umap_info info;
        t0 = emb_now();
        CHECK(emb_umap_run(&g, &x, &up, &map, &info) == EMB_OK);
        double t_map = emb_now() - t0;
        bool finite = map.data != NULL;
        for (int64_t i = 0; finite && i < n * dims; i++) finite = isfinite(map.data[i]);
        CHECK(finite);
        if (!finite) { emb_matf_free(&map); continue; }
        double acc = knn_accuracy(&map, lab.data, K_EVAL);
        t0 = emb_now();
        double tw = trustworthiness(&x, &map, K_EVAL);
        printf("UMAP %dD: %.2f s (graph %.2f, init %s %.2f, layout %.2f), 10-NN accuracy %.4f, "
               "trustworthiness %.4f (%.1f s)\n", dims, t_map, info.graph_s, info.init, info.init_s, info.layout_s,
               acc, tw, emb_now() - t0);
        CHECK(acc >= 0.93);
        CHECK(tw >= 0.95);
        if (dims == 2) check_trust_vs_sklearn(&x, &map, 1000);
        emb_matf_free(&map);
    }
    emb_knn_free(&g);
    emb_matf_free(&x);
    emb_idx_free(&img);
    emb_idx_free(&lab);
    return check_exit();
}

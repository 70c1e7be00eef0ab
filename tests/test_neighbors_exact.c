/* test_neighbors_exact.c - the blocked-SGEMM exact kNN against the naive
 * pair-by-pair reference (same index sets, distances within 1e-5) and against
 * scikit-learn NearestNeighbors (brute force, computed here by
 * /usr/bin/python3); degenerate inputs; the AUTO choice; the SIMD kernels
 * of the level in use (EMB_CPU) against their plain-C versions.
 * ctest-labels: unit
 * ctest-levels: all */
#include "check.h"
#include "embscope.h"
#include "neighbors/neighbors.h"
#include "core/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_i32(const void *a, const void *b) { int32_t x = *(const int32_t *)a, y = *(const int32_t *)b; return (x > y) - (x < y); }

/* Rows must hold the same index sets (order may differ only inside ties)
 * and the same ascending distances. */
static void check_same_graph(const emb_knn *ref, const emb_knn *got, double rtol, const char *what) {
    CHECK_EQ(ref->n, got->n);
    CHECK_EQ(ref->k, got->k);
    int k = ref->k, bad = 0;
    int32_t a[1024], b[1024];
    for (int64_t i = 0; i < ref->n; i++) {
        memcpy(a, ref->idx + i * k, sizeof(int32_t) * k);
        memcpy(b, got->idx + i * k, sizeof(int32_t) * k);
        qsort(a, k, sizeof(int32_t), cmp_i32);
        qsort(b, k, sizeof(int32_t), cmp_i32);
        if (memcmp(a, b, sizeof(int32_t) * k)) {
            if (bad++ < 3) fprintf(stderr, "%s: row %lld index sets differ\n", what, (long long)i);
        }
    }
    CHECK_EQ(0, bad);
    CHECK_CLOSE_F32(ref->dist, got->dist, (size_t)ref->n * k, rtol, 1e-6);
}

static void test_vs_naive(int64_t n, int64_t d, int k, emb_metric metric) {
    emb_matf x = check_random_matrix(n, d, 1000 + n + d);
    emb_knn ref = {0}, got = {0};
    emb_knn_params p = emb_knn_default_params();
    p.k = k;
    p.metric = metric;
    p.method = EMB_KNN_EXACT;
    CHECK(emb_knn_exact_naive(&x, k, metric, &ref) == EMB_OK);
    CHECK(emb_knn_build(&x, &p, &got) == EMB_OK);
    CHECK(got.method == EMB_KNN_EXACT);
    check_same_graph(&ref, &got, 1e-5, metric == EMB_METRIC_COSINE ? "naive cosine" : "naive euclidean");
    /* rows ascending, item itself excluded */
    int bad = 0;
    for (int64_t i = 0; i < n; i++)
        for (int a = 0; a < k; a++) {
            if (got.idx[i * k + a] == i) bad++;
            if (a && got.dist[i * k + a] < got.dist[i * k + a - 1]) bad++;
        }
    CHECK_EQ(0, bad);
    emb_knn_free(&ref);
    emb_knn_free(&got);
    emb_matf_free(&x);
}

/* sklearn NearestNeighbors(algorithm="brute") on the same vectors. */
static void test_vs_sklearn(emb_metric metric) {
    int64_t n = 1500, d = 48;
    int k = 15;
    emb_matf x = check_random_matrix(n, d, 77);
    char in[512], oi[512], od[512], cmd[2048];
    snprintf(in, sizeof in, "%s/x.npy", check_tmpdir());
    snprintf(oi, sizeof oi, "%s/ref_idx.npy", check_tmpdir());
    snprintf(od, sizeof od, "%s/ref_dist.npy", check_tmpdir());
    CHECK(emb_npy_write_f32(in, x.data, n, d) == EMB_OK);
    const char *m = metric == EMB_METRIC_COSINE ? "cosine" : "euclidean";
    snprintf(cmd, sizeof cmd,
             "%s -c \"import numpy as np; from sklearn.neighbors import NearestNeighbors as NN; "
             "x=np.load('%s').astype(np.float64); "
             "D,I=NN(n_neighbors=%d, metric='%s', algorithm='brute').fit(x).kneighbors(x); "
             "np.save('%s', I[:,1:].astype(np.int32)); np.save('%s', D[:,1:].astype(np.float32))\"",
             check_python(), in, k + 1, m, oi, od);
    int status = 0;
    free(check_run(cmd, &status));
    if (!CHECK(status == 0 /* the scikit-learn reference ran */)) { emb_matf_free(&x); return; }
    emb_matf ri = {0}, rd = {0};
    CHECK(emb_npy_load_f32(oi, &ri) == EMB_OK);
    CHECK(emb_npy_load_f32(od, &rd) == EMB_OK);
    emb_knn ref = {.n = n, .k = k, .metric = metric};
    ref.idx = malloc(sizeof(int32_t) * n * k);
    ref.dist = rd.data;
    for (int64_t a = 0; a < n * k; a++) ref.idx[a] = (int32_t)ri.data[a];
    emb_knn_params p = emb_knn_default_params();
    p.k = k;
    p.metric = metric;
    emb_knn got = {0};
    CHECK(emb_knn_build(&x, &p, &got) == EMB_OK);
    check_same_graph(&ref, &got, 1e-5, m);
    free(ref.idx);
    emb_matf_free(&rd);
    emb_matf_free(&ri);
    emb_knn_free(&got);
    emb_matf_free(&x);
}

/* Duplicate rows: distance 0 to each other, ties by smaller index. */
static void test_duplicates(emb_metric metric) {
    int64_t n = 60, d = 8;
    int k = 5;
    emb_matf x = check_random_matrix(n, d, 5);
    for (int64_t i = 10; i < 20; i++) memcpy(x.data + i * d, x.data + 3 * d, sizeof(float) * d);  /* 3, 10..19 equal */
    emb_knn g = {0}, ref = {0};
    emb_knn_params p = emb_knn_default_params();
    p.k = k;
    p.metric = metric;
    CHECK(emb_knn_build(&x, &p, &g) == EMB_OK);
    CHECK(emb_knn_exact_naive(&x, k, metric, &ref) == EMB_OK);
    int32_t want3[5] = {10, 11, 12, 13, 14}, want12[5] = {3, 10, 11, 13, 14};
    CHECK_EQ_I32(want3, g.idx + 3 * k, 5);
    CHECK_EQ_I32(want12, g.idx + 12 * k, 5);
    for (int a = 0; a < k; a++) CHECK_CLOSE(0.0, g.dist[12 * k + a], 0, 1e-6);
    CHECK_EQ_I32(ref.idx, g.idx, (size_t)n * k);
    emb_knn_free(&g);
    emb_knn_free(&ref);
    emb_matf_free(&x);
}

/* Zero vectors under cosine: distance 1 to everything (cos taken as 0). */
static void test_zero_cosine(void) {
    int64_t n = 40, d = 6;
    int k = 4;
    emb_matf x = check_random_matrix(n, d, 9);
    memset(x.data + 7 * d, 0, sizeof(float) * d);
    memset(x.data + 0 * d, 0, sizeof(float) * d);
    emb_knn g = {0};
    emb_knn_params p = emb_knn_default_params();
    p.k = k;
    CHECK(emb_knn_build(&x, &p, &g) == EMB_OK);
    int32_t want7[4] = {0, 1, 2, 3};   /* all at distance 1: smallest indices */
    CHECK_EQ_I32(want7, g.idx + 7 * k, 4);
    for (int a = 0; a < k; a++) CHECK_CLOSE(1.0, g.dist[7 * k + a], 0, 1e-7);
    int nan = 0;
    for (int64_t a = 0; a < n * k; a++) nan += isnan(g.dist[a]) || g.idx[a] < 0;
    CHECK_EQ(0, nan);
    emb_knn_free(&g);
    emb_matf_free(&x);
}

/* N <= k: every other item, then padding (idx -1, distance INFINITY). */
static void test_small_n(void) {
    emb_matf x = check_random_matrix(4, 3, 11);
    emb_knn g = {0};
    emb_knn_params p = emb_knn_default_params();
    p.k = 6;
    p.method = EMB_KNN_APPROX;   /* overridden: nothing to approximate */
    p.metric = EMB_METRIC_EUCLIDEAN;
    CHECK(emb_knn_build(&x, &p, &g) == EMB_OK);
    CHECK(g.method == EMB_KNN_EXACT);
    CHECK_CONTAINS(g.reason, "k + 1");
    for (int64_t i = 0; i < 4; i++) {
        for (int a = 0; a < 3; a++) { CHECK(g.idx[i * 6 + a] >= 0 && g.idx[i * 6 + a] != i); CHECK(isfinite(g.dist[i * 6 + a])); }
        for (int a = 3; a < 6; a++) { CHECK_EQ(-1, g.idx[i * 6 + a]); CHECK(isinf(g.dist[i * 6 + a])); }
    }
    emb_knn_free(&g);
    emb_matf_free(&x);
    /* one item: a row of padding */
    x = check_random_matrix(1, 3, 12);
    CHECK(emb_knn_build(&x, &p, &g) == EMB_OK);
    CHECK_EQ(-1, g.idx[0]);
    emb_knn_free(&g);
    emb_matf_free(&x);
}

/* D = 1: Euclidean is |a - b|; cosine is 0 (same sign) or 2. */
static void test_d1(void) {
    float v[8] = {0.5f, -1.0f, 2.0f, 3.5f, -0.25f, 2.0f, 7.0f, 1.0f};
    emb_matf x = {v, 8, 1, NULL};
    emb_knn g = {0};
    emb_knn_params p = emb_knn_default_params();
    p.k = 2;
    p.metric = EMB_METRIC_EUCLIDEAN;
    CHECK(emb_knn_build(&x, &p, &g) == EMB_OK);
    int32_t want2[2] = {5, 3};          /* 2.0: the other 2.0 (0), then 3.5 (1.5) ~ 1.0 (1.0)? */
    want2[1] = 7;                        /* |2 - 1| = 1 < |2 - 3.5| = 1.5 */
    CHECK_EQ_I32(want2, g.idx + 2 * 2, 2);
    CHECK_CLOSE(0.0, g.dist[2 * 2], 0, 1e-7);
    CHECK_CLOSE(1.0, g.dist[2 * 2 + 1], 1e-6, 0);
    emb_knn_free(&g);
    p.metric = EMB_METRIC_COSINE;
    CHECK(emb_knn_build(&x, &p, &g) == EMB_OK);
    int32_t want1[2] = {4, 0};          /* -1.0: the other negative (-0.25), then the first positive */
    CHECK_EQ_I32(want1, g.idx + 1 * 2, 2);
    CHECK_CLOSE(0.0, g.dist[1 * 2], 0, 1e-7);
    CHECK_CLOSE(2.0, g.dist[1 * 2 + 1], 1e-6, 0);
    emb_knn_free(&g);
}

static void test_auto_choice(void) {
    emb_matf x = check_random_matrix(300, 4, 13);
    emb_knn g = {0};
    emb_knn_params p = emb_knn_default_params();
    CHECK(emb_knn_build(&x, &p, &g) == EMB_OK);
    CHECK(g.method == EMB_KNN_EXACT);
    CHECK_CONTAINS(g.reason, "exact");
    emb_knn_free(&g);
    p.method = EMB_KNN_APPROX;
    CHECK(emb_knn_build(&x, &p, &g) == EMB_OK);
    CHECK(g.method == EMB_KNN_APPROX);
    CHECK_CONTAINS(g.reason, "forced");
    emb_knn_free(&g);
    emb_matf_free(&x);
    p.k = 0;
    CHECK(emb_knn_build(&x, &p, &g) == EMB_E_INVALID);
}

/* dot, squared distance, pair4 and the threshold filter at the active level
 * against plain C, on every length 0..70 (all tails) and a long row. The
 * sums are reordered by the vector width: float rounding of sum |a_t b_t|. */
static void test_kernels(void) {
    printf("SIMD level: %s (machine: %s), neighbour kernels level %d\n", emb_cpu_level_name(emb_cpu_level_active()),
           emb_cpu_level_name(emb_cpu_level_detected()), emb__simd_init());
    emb_matf x = check_random_matrix(6, 1000, 5);
    const float *a = x.data, *b[4] = {x.data + 1000, x.data + 2000, x.data + 3000, x.data + 4000};
    int lens[] = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 70, 1000};
    double worst = 0;
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        int64_t d = lens[li];
        double mag = 0, magsq = 0;
        for (int64_t t = 0; t < d; t++) {
            mag += fabs((double)a[t] * b[0][t]);
            magsq += ((double)a[t] - b[0][t]) * ((double)a[t] - b[0][t]);
        }
        worst = fmax(worst, fabs(emb__dot(a, b[0], d) - emb__dot_c(a, b[0], d)) / (mag + 1e-30));
        worst = fmax(worst, fabs(emb__sqdist(a, b[0], d) - emb__sqdist_c(a, b[0], d)) / (magsq + 1e-30));
        float p4[4];
        for (int sq = 0; sq < 2; sq++) {
            emb__pair4(a, b, d, sq, p4);
            for (int j = 0; j < 4; j++) {
                float want = sq ? emb__sqdist_c(a, b[j], d) : emb__dot_c(a, b[j], d);
                double m = 0;
                for (int64_t t = 0; t < d; t++) m += sq ? ((double)a[t] - b[j][t]) * ((double)a[t] - b[j][t]) : fabs((double)a[t] * b[j][t]);
                worst = fmax(worst, fabs(p4[j] - want) / (m + 1e-30));
            }
        }
        /* the half-precision kernels against theirs, on the rows rounded to f16 */
        uint16_t ha[1000], hb[4][1000];
        for (int64_t t = 0; t < d; t++) {
            ha[t] = emb__f32_to_f16(a[t]);
            for (int j = 0; j < 4; j++) hb[j][t] = emb__f32_to_f16(b[j][t]);
        }
        const uint16_t *hbp[4] = {hb[0], hb[1], hb[2], hb[3]};
        worst = fmax(worst, fabs(emb__dot_h(ha, hb[0], d) - emb__dot_h_c(ha, hb[0], d)) / (mag + 1e-30));
        worst = fmax(worst, fabs(emb__sqdist_h(ha, hb[0], d) - emb__sqdist_h_c(ha, hb[0], d)) / (magsq + 1e-30));
        for (int sq = 0; sq < 2; sq++) {
            emb__pair4_h(ha, hbp, d, sq, p4);
            for (int j = 0; j < 4; j++) {
                float want = sq ? emb__sqdist_h_c(ha, hb[j], d) : emb__dot_h_c(ha, hb[j], d);
                double m = 0;
                for (int64_t t = 0; t < d; t++) m += sq ? ((double)a[t] - b[j][t]) * ((double)a[t] - b[j][t]) : fabs((double)a[t] * b[j][t]);
                worst = fmax(worst, fabs(p4[j] - want) / (m + 1e-30));
            }
        }
        /* and the f16 reference against the float32 one: rounding 2^-11 per value */
        if (d > 0) {
            double e = fabs(emb__dot_h_c(ha, hb[0], d) - emb__dot_c(a, b[0], d)) / (mag + 1e-30);
            CHECK(e < 2e-3);
        }
        /* the filter is exact: one float subtraction and compare per lane */
        int32_t o1[1000], o2[1000];
        int64_t c1 = emb__filter_ge(a, b[0], 0.25f, d, o1), c2 = emb__filter_ge_c(a, b[0], 0.25f, d, o2);
        CHECK_EQ(c2, c1);
        if (c1 == c2 && c1 > 0) CHECK_EQ_I32(o2, o1, (size_t)c1);
        c1 = emb__filter_ge(a, NULL, 0.5f, d, o1), c2 = emb__filter_ge_c(a, NULL, 0.5f, d, o2);
        CHECK_EQ(c2, c1);
        if (c1 == c2 && c1 > 0) CHECK_EQ_I32(o2, o1, (size_t)c1);
    }
    printf("kernels vs plain C: worst error / sum of |terms| %.3g (limit 1e-6)\n", worst);
    CHECK(worst < 1e-6);
    emb_matf_free(&x);
}

int main(void) {
    test_kernels();
    test_vs_naive(700, 37, 15, EMB_METRIC_COSINE);
    test_vs_naive(700, 37, 15, EMB_METRIC_EUCLIDEAN);
    test_vs_naive(2100, 20, 10, EMB_METRIC_EUCLIDEAN);  /* several blocks, ragged edge */
    test_vs_naive(2100, 20, 10, EMB_METRIC_COSINE);
    test_vs_naive(300, 5, 40, EMB_METRIC_EUCLIDEAN);
    test_vs_sklearn(EMB_METRIC_COSINE);
    test_vs_sklearn(EMB_METRIC_EUCLIDEAN);
    test_duplicates(EMB_METRIC_COSINE);
    test_duplicates(EMB_METRIC_EUCLIDEAN);
    test_zero_cosine();
    test_small_n();
    test_d1();
    test_auto_choice();
    return check_exit();
}

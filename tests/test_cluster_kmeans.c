/* test_cluster_kmeans.c - k-means against scikit-learn's KMeans (run here
 * by /usr/bin/python3, algorithm="lloyd", the same initial centres,
 * n_init=1): the same assignment and centres within 1e-4, on separated and
 * on overlapping blobs; one seed gives the same bytes at 1 and 2 threads;
 * k-means++ picks distinct rows; edge cases (all rows identical, K > N,
 * K = 1: the mean); clusters.csv; summary.json's per-cluster block and its
 * findings (a mixed cluster named by its class pair, a split class).
 * Skipped (77) when scikit-learn is missing.
 * ctest-labels: unit */
#include "check.h"
#include "embscope.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* n rows of d columns around k random centres (spread apart by `spread`, unit noise). */
static emb_matf blobs(int64_t n, int64_t d, int k, double spread, uint64_t seed) {
    emb_matf x = {0};
    emb_matf_alloc(&x, n, d);
    emb_rng r;
    emb_rng_seed(&r, seed);
    double *c = malloc(sizeof(double) * (size_t)(k * d));
    for (int64_t a = 0; a < k * d; a++) c[a] = spread * emb_rng_normal(&r);
    for (int64_t i = 0; i < n; i++)
        for (int64_t t = 0; t < d; t++) x.data[i * d + t] = (float)(c[(i % k) * d + t] + emb_rng_normal(&r));
    free(c);
    return x;
}

static bool have_sklearn(void) {
    char cmd[256];
    int status = 0;
    snprintf(cmd, sizeof cmd, "%s -c 'import sklearn' 2>/dev/null", check_python());
    free(check_run(cmd, &status));
    return status == 0;
}

static void test_sklearn(int64_t n, int64_t d, int k, double spread, const char *name) {
    emb_matf x = blobs(n, d, k, spread, 7 + (uint64_t)k);
    float *init = malloc(sizeof(float) * (size_t)(k * d));
    int found = 0;
    CHECK(emb_kmeans_plusplus(&x, k, 3, 2, init, &found) == EMB_OK);
    CHECK_EQ(k, found);
    char px[512], pi[512], pl[512], pc[512], cmd[4096];
    snprintf(px, sizeof px, "%s/%s_x.npy", check_tmpdir(), name);
    snprintf(pi, sizeof pi, "%s/%s_init.npy", check_tmpdir(), name);
    snprintf(pl, sizeof pl, "%s/%s_labels.npy", check_tmpdir(), name);
    snprintf(pc, sizeof pc, "%s/%s_centers.npy", check_tmpdir(), name);
    CHECK(emb_npy_write_f32(px, x.data, n, d) == EMB_OK);
    CHECK(emb_npy_write_f32(pi, init, k, d) == EMB_OK);
    snprintf(cmd, sizeof cmd,
             "%s -c \"import numpy as np; from sklearn.cluster import KMeans; x=np.load('%s'); c0=np.load('%s'); "
             "m=KMeans(n_clusters=%d, init=c0, n_init=1, algorithm='lloyd', tol=1e-4, max_iter=300).fit(x); "
             "np.save('%s', m.labels_.astype(np.float32).reshape(-1,1)); np.save('%s', m.cluster_centers_.astype(np.float32)); "
             "print(m.n_iter_)\"",
             check_python(), px, pi, k, pl, pc);
    int status = 0;
    char *log = check_run(cmd, &status);
    CHECK_EQ(0, status);
    emb_matf rl = {0}, rc = {0};
    CHECK(emb_npy_load_f32(pl, &rl) == EMB_OK);
    CHECK(emb_npy_load_f32(pc, &rc) == EMB_OK);
    emb_kmeans_params p = emb_kmeans_default_params();
    p.k = k;
    p.n_threads = 2;
    emb_clusters cl = {0};
    CHECK(emb_kmeans_run(&x, &p, init, &cl) == EMB_OK);
    CHECK_EQ(k, cl.k);
    int64_t diff = 0;
    for (int64_t i = 0; i < n && rl.data; i++) diff += cl.cluster[i] != (int32_t)rl.data[i];
    if (!CHECK_EQ(0, diff)) fprintf(stderr, "%s: %lld labels differ\n", name, (long long)diff);
    if (rc.data) CHECK_CLOSE_F32(rc.data, cl.centers, (size_t)(k * d), 0, 1e-4);
    fprintf(stderr, "%s: n=%lld d=%lld k=%d, %d iterations (sklearn: %s)\n", name, (long long)n, (long long)d, k,
            cl.n_iter, log && *log ? strtok(log, "\n") : "?");
    free(log);
    emb_clusters_free(&cl);
    emb_matf_free(&rl);
    emb_matf_free(&rc);
    free(init);
    emb_matf_free(&x);
}

/* Same seed, 1 and 2 threads: same labels and centre bytes; k-means++ rows distinct. */
static void test_determinism(void) {
    emb_matf x = blobs(5000, 20, 8, 2.0, 11);
    emb_kmeans_params p = emb_kmeans_default_params();
    p.k = 8;
    p.seed = 5;
    emb_clusters a = {0}, b = {0};
    p.n_threads = 1;
    CHECK(emb_kmeans_run(&x, &p, NULL, &a) == EMB_OK);
    p.n_threads = 2;
    CHECK(emb_kmeans_run(&x, &p, NULL, &b) == EMB_OK);
    CHECK_EQ(a.k, b.k);
    CHECK(!memcmp(a.cluster, b.cluster, sizeof(int32_t) * 5000));
    CHECK(!memcmp(a.centers, b.centers, sizeof(float) * 8 * 20));
    CHECK_EQ(a.n_iter, b.n_iter);
    CHECK(a.converged);
    emb_clusters_free(&b);
    p.seed = 6;
    CHECK(emb_kmeans_run(&x, &p, NULL, &b) == EMB_OK);   /* another seed: a valid clustering too */
    CHECK_EQ(8, b.k);
    float init[8 * 20];
    int found = 0;
    CHECK(emb_kmeans_plusplus(&x, 8, 5, 1, init, &found) == EMB_OK);
    int same = 0;
    for (int u = 0; u < 8; u++)
        for (int v = u + 1; v < 8; v++) same += !memcmp(init + u * 20, init + v * 20, sizeof(float) * 20);
    CHECK_EQ(0, same);
    emb_clusters_free(&a);
    emb_clusters_free(&b);
    emb_matf_free(&x);
}

static void test_edges(void) {
    /* all rows identical: one cluster, inertia 0 */
    emb_matf x = {0};
    emb_matf_alloc(&x, 50, 4);
    for (int i = 0; i < 200; i++) x.data[i] = 0.5f + (float)(i % 4);
    emb_kmeans_params p = emb_kmeans_default_params();
    p.k = 5;
    emb_clusters c = {0};
    CHECK(emb_kmeans_run(&x, &p, NULL, &c) == EMB_OK);
    CHECK_EQ(1, c.k);
    int64_t nz = 0;
    for (int i = 0; i < 50; i++) nz += c.cluster[i] != 0 || c.outlier[i] != 0;
    CHECK_EQ(0, nz);
    CHECK_CLOSE(0.0, c.inertia, 0, 1e-9);
    CHECK_CLOSE(2.5, c.centers[2], 0, 1e-6);
    emb_clusters_free(&c);
    emb_matf_free(&x);
    /* K > N: capped at the 3 rows, each its own cluster */
    emb_matf_alloc(&x, 3, 2);
    float v[6] = {0, 0, 10, 0, 0, 10};
    memcpy(x.data, v, sizeof v);
    p.k = 10;
    CHECK(emb_kmeans_run(&x, &p, NULL, &c) == EMB_OK);
    CHECK_EQ(3, c.k);
    CHECK(c.cluster[0] != c.cluster[1] && c.cluster[1] != c.cluster[2] && c.cluster[0] != c.cluster[2]);
    CHECK_CLOSE(0.0, c.inertia, 0, 1e-9);
    emb_clusters_free(&c);
    emb_matf_free(&x);
    /* K = 1: the mean, in double */
    x = blobs(1001, 5, 3, 1.0, 2);
    p.k = 1;
    CHECK(emb_kmeans_run(&x, &p, NULL, &c) == EMB_OK);
    CHECK_EQ(1, c.k);
    for (int t = 0; t < 5; t++) {
        double m = 0;
        for (int i = 0; i < 1001; i++) m += x.data[i * 5 + t];
        CHECK_CLOSE(m / 1001, c.centers[t], 0, 1e-5);
    }
    emb_clusters_free(&c);
    /* bad arguments */
    p.k = 0;
    CHECK(emb_kmeans_run(&x, &p, NULL, &c) == EMB_E_INVALID);
    emb_matf_free(&x);
}

/* 4 blobs: blob 0 "cat", blob 1 "cat" (a split class), blob 2 half "dog"
 * half "fox" (mixed), blob 3 "owl"; centres started on the blobs. */
static void test_summary(void) {
    enum { N = 400, D = 3, K = 4 };
    emb_matf x = {0};
    emb_matf_alloc(&x, N, D);
    emb_rng r;
    emb_rng_seed(&r, 9);
    float init[K * D] = {0};
    for (int g = 0; g < K; g++) init[g * D + g % D] = 20.0f * (float)(g + 1);
    int32_t label[N];
    for (int i = 0; i < N; i++) {
        int g = i % K;
        for (int t = 0; t < D; t++) x.data[i * D + t] = init[g * D + t] + (float)emb_rng_normal(&r);
        label[i] = g == 0 || g == 1 ? 0 : g == 2 ? 1 + (i / K) % 2 : 3;
    }
    char *names[4] = {"cat", "dog", "fox", "owl"};
    emb_dataset ds = {0};
    ds.n = N;
    ds.label = label;
    ds.class_names = names;
    ds.n_classes = 4;
    emb_kmeans_params p = emb_kmeans_default_params();
    p.k = K;
    emb_clusters c = {0};
    CHECK(emb_kmeans_run(&x, &p, init, &c) == EMB_OK);
    emb_summary *s = emb_summary_new();
    CHECK(emb_summary_add_clusters(s, &ds, &c) == EMB_OK);
    char *js = emb_summary_print(s);
    CHECK(js != NULL);
    if (js) {
        CHECK_CONTAINS(js, "\"method\":\t\"kmeans\"");
        CHECK_CONTAINS(js, "\"size\":\t100");
        CHECK_CONTAINS(js, "\"classes\":\t\"dog / fox\"");
        CHECK_CONTAINS(js, "\"purity\":\t0.5");
        CHECK_CONTAINS(js, "\"split_classes\":\t[{\n\t\t\t\t\t\"label\":\t\"cat\"");
        CHECK_CONTAINS(js, "\"items\":\t200");
        CHECK_CONTAINS(js, "\"majority_label\":\t\"owl\"");
        CHECK_CONTAINS(js, "\"medoid\":");
        /* representatives: 8 per cluster, the medoid first, then by distance to the centre */
        cJSON *root = cJSON_Parse(js), *e;
        int n_clusters = 0;
        cJSON_ArrayForEach(e, cJSON_GetObjectItem(cJSON_GetObjectItem(root, "clusters"), "clusters")) {
            cJSON *reps = cJSON_GetObjectItem(e, "representatives");
            CHECK_EQ(8, cJSON_GetArraySize(reps));
            CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(e, "medoid"), "index")),
                     cJSON_GetNumberValue(cJSON_GetArrayItem(reps, 0)));
            for (int a = 1; a < cJSON_GetArraySize(reps); a++) {
                int i0 = (int)cJSON_GetNumberValue(cJSON_GetArrayItem(reps, a - 1)), i1 = (int)cJSON_GetNumberValue(cJSON_GetArrayItem(reps, a));
                CHECK(c.cluster[i1] == n_clusters && c.dist[i0] <= c.dist[i1]);
            }
            n_clusters++;
        }
        CHECK_EQ(K, n_clusters);
        CHECK_EQ(0, cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "clusters"), "noise")));
        cJSON_Delete(root);
        char *mix = strstr(js, "\"mixed_clusters\"");
        CHECK(mix && !strstr(mix, "\"owl\""));   /* pure clusters are not findings */
        CHECK(!strstr(js, "unlabelled_clusters"));   /* all labelled: no such finding */
    }
    free(js);
    char *path = check_tmp_path("clusters.csv");
    CHECK(emb_clusters_write_csv(path, &c) == EMB_OK);
    size_t len = 0;
    char *csv = check_read_file(path, &len);
    CHECK(csv && len > 40 && !strncmp(csv, "index,cluster,probability,outlier_score,distance\n0,0,1,", 55));
    int lines = 0;
    for (size_t a = 0; a < len; a++) lines += csv[a] == '\n';
    CHECK_EQ(N + 1, lines);
    free(csv);
    free(path);
    emb_summary_free(s);
    /* partly labelled: the owl blob (cluster of item 3) loses its labels but 5 */
    int owl_kept = 0;
    for (int i = 3; i < N; i += K)
        if (owl_kept++ >= 5) label[i] = -1;
    s = emb_summary_new();
    CHECK(emb_summary_add_clusters(s, &ds, &c) == EMB_OK);
    js = emb_summary_print(s);
    cJSON *root = js ? cJSON_Parse(js) : NULL;
    cJSON *unl = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "clusters"), "findings"), "unlabelled_clusters");
    CHECK_EQ(1, cJSON_GetArraySize(unl));   /* only the owl cluster */
    cJSON *u0 = cJSON_GetArrayItem(unl, 0);
    CHECK_EQ(c.cluster[3], cJSON_GetNumberValue(cJSON_GetObjectItem(u0, "cluster")));
    CHECK_EQ(100, cJSON_GetNumberValue(cJSON_GetObjectItem(u0, "size")));
    CHECK_EQ(5, cJSON_GetNumberValue(cJSON_GetObjectItem(u0, "labelled")));
    cJSON_Delete(root);
    free(js);
    emb_summary_free(s);
    emb_clusters_free(&c);
    emb_matf_free(&x);
}

int main(void) {
    test_determinism();
    test_edges();
    test_summary();
    if (!have_sklearn()) {
        fprintf(stderr, "SKIPPED: scikit-learn not importable by %s: the comparison with KMeans did not run\n", check_python());
        check_exit();
        return 77;
    }
    test_sklearn(600, 8, 5, 6.0, "separated");
    test_sklearn(3000, 16, 10, 1.0, "overlapping");
    test_sklearn(2000, 50, 3, 0.5, "one_blob");
    return check_exit();
}

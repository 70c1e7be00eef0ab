/* test_cli_cluster.c - `embscope cluster` and `analyze --clusters`: the
 * files written (clusters.csv with one row per item, clusters.json /
 * summary.json with the method, its parameters and why); four labelled
 * blobs in 16 dimensions found by HDBSCAN (through the clustering UMAP) as
 * four pure clusters, the same clusters.csv bytes on two runs with
 * --threads 1, HDBSCAN straight on 2-column vectors, k-means with the
 * default K (classes from items.csv, else 10) and the same bytes at 1 and
 * 2 threads, --clusters none, bad specs (exit 1).
 * ctest-labels: cli */
#include "check.h"
#include "embscope.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { N = 400, D = 16, N_CLASSES = 4 };

static int count_lines(const char *s) {
    int n = 0;
    for (; s && *s; s++) n += *s == '\n';
    return n;
}

static char *run(const char *args, int *status) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd '%s' && %s %s 2>&1", check_tmpdir(), EMB_BIN, args);
    return check_run(cmd, status);
}

static char *out_file(const char *dir, const char *name) {
    char p[1024];
    snprintf(p, sizeof p, "%s/%s/%s", check_tmpdir(), dir, name);
    return check_read_text(p);
}

int main(void) {
    emb_matf x = {0};
    emb_matf_alloc(&x, N, D);
    emb_rng r;
    emb_rng_seed(&r, 3);
    for (int i = 0; i < N; i++)
        for (int t = 0; t < D; t++) x.data[i * D + t] = (t == i % N_CLASSES ? 12.0f : 0.0f) + (float)emb_rng_normal(&r);
    char *p = check_tmp_path("vectors.npy");
    CHECK(emb_npy_write_f32(p, x.data, N, D) == EMB_OK);
    free(p);
    p = check_tmp_path("items.csv");
    FILE *f = fopen(p, "w");
    fprintf(f, "index,path,split,label\n");
    for (int i = 0; i < N; i++) fprintf(f, "%d,img%03d.png,train,class%d\n", i, i, i % N_CLASSES);
    fclose(f);
    free(p);
    int status = 0;
    /* HDBSCAN (the default) through the clustering UMAP: the four blobs */
    char *log = run("cluster vectors.npy --items items.csv -o h --threads 1 --quiet", &status);
    if (!CHECK_EQ(0, status)) fprintf(stderr, "%s", log ? log : "");
    free(log);
    char *csv = out_file("h", "clusters.csv"), *js = out_file("h", "clusters.json");
    CHECK(csv && !strncmp(csv, "index,cluster,probability,outlier_score,distance\n", 49));
    CHECK_EQ(N + 1, count_lines(csv));
    if (js) {
        CHECK_CONTAINS(js, "\"method\":\t\"hdbscan\"");
        CHECK_CONTAINS(js, "\"k\":\t4");
        CHECK_CONTAINS(js, "\"min_cluster_size\":\t10");
        CHECK_CONTAINS(js, "\"min_samples\":\t10");
        CHECK_CONTAINS(js, "UMAP of the kNN graph to 2D");
        CHECK_CONTAINS(js, "\"mixed_clusters\":\t[]");
        CHECK(!strstr(js, "\"purity\":\t0."));
    }
    CHECK(js != NULL);
    free(js);
    log = run("cluster vectors.npy --items items.csv -o h1 --threads 1 --quiet", &status);
    CHECK_EQ(0, status);
    free(log);
    char *again = out_file("h1", "clusters.csv");
    CHECK(csv && again && !strcmp(csv, again));
    free(again);
    /* the graph from `embscope neighbors` (k 15, cosine: what cluster computes): the same clusters */
    log = run("neighbors vectors.npy -k 15 -o g --quiet", &status);
    CHECK_EQ(0, status);
    free(log);
    log = run("cluster vectors.npy --neighbors g -o h2 --threads 1 --quiet", &status);
    CHECK_EQ(0, status);
    free(log);
    again = out_file("h2", "clusters.csv");
    CHECK(csv && again && !strcmp(csv, again));
    free(again);
    log = run("cluster vectors.npy --neighbors missing -o h3 --quiet", &status);
    CHECK(status != 0);
    CHECK(log && strstr(log, "missing"));
    free(log);
    free(csv);
    /* HDBSCAN straight on 2 columns: two blobs of 150 and 3 far points */
    emb_matf x2 = {0};
    emb_matf_alloc(&x2, 303, 2);
    for (int i = 0; i < 300; i++) {
        x2.data[2 * i] = (float)((i % 2) * 50 + emb_rng_normal(&r));
        x2.data[2 * i + 1] = (float)emb_rng_normal(&r);
    }
    for (int i = 300; i < 303; i++) { x2.data[2 * i] = 25.0f; x2.data[2 * i + 1] = 40.0f * (float)(i - 299); }
    p = check_tmp_path("map2.npy");
    CHECK(emb_npy_write_f32(p, x2.data, 303, 2) == EMB_OK);
    free(p);
    emb_matf_free(&x2);
    log = run("cluster map2.npy -o m2 --clusters hdbscan:20 --quiet", &status);
    CHECK_EQ(0, status);
    free(log);
    js = out_file("m2", "clusters.json");
    CHECK(js && strstr(js, "\"k\":\t2") && strstr(js, "\"size\":\t150") && strstr(js, "the vectors, Euclidean"));
    CHECK(js && strstr(js, "\"min_samples\":\t20") && strstr(js, "\"--clusters hdbscan:M\""));
    free(js);
    csv = out_file("m2", "clusters.csv");
    CHECK(csv && strstr(csv, "\n300,-1,0,") && strstr(csv, "\n302,-1,0,"));
    free(csv);
    log = run("cluster map2.npy -o m3 --clusters hdbscan:20 --min-samples 5 --cluster-selection leaf --cluster-epsilon 0.5 --quiet", &status);
    CHECK_EQ(0, status);
    free(log);
    js = out_file("m3", "clusters.json");
    CHECK(js && strstr(js, "\"min_samples\":\t5") && strstr(js, "\"selection\":\t\"leaf\"") &&
          strstr(js, "\"cluster_selection_epsilon\":\t0.5"));
    free(js);
    /* k-means */
    log = run("cluster vectors.npy --items items.csv -o a --clusters kmeans --threads 2", &status);
    if (!CHECK_EQ(0, status)) fprintf(stderr, "%s", log ? log : "");
    free(log);
    csv = out_file("a", "clusters.csv");
    js = out_file("a", "clusters.json");
    CHECK(csv && !strncmp(csv, "index,cluster,probability,outlier_score,distance\n", 49));
    CHECK_EQ(N + 1, count_lines(csv));
    CHECK(js != NULL);
    if (js) {
        CHECK_CONTAINS(js, "\"k\":\t4");
        CHECK_CONTAINS(js, "\"k_source\":\t\"default: the number of classes\"");
        CHECK_CONTAINS(js, "\"purity\":\t1");
        CHECK_CONTAINS(js, "\"size\":\t100");
        CHECK_CONTAINS(js, "\"mixed_clusters\":\t[]");
        CHECK_CONTAINS(js, "\"split_classes\":\t[]");
        CHECK(!strstr(js, "\"purity\":\t0."));
    }
    free(js);
    /* 1 thread: the same bytes */
    log = run("cluster vectors.npy --items items.csv -o b --clusters kmeans --threads 1 --quiet", &status);
    CHECK_EQ(0, status);
    free(log);
    char *csv1 = out_file("b", "clusters.csv");
    CHECK(csv && csv1 && !strcmp(csv, csv1));
    free(csv1);
    free(csv);
    /* no labels: K = 10; kmeans:7 given */
    log = run("cluster vectors.npy -o c --clusters kmeans --quiet", &status);
    CHECK_EQ(0, status);
    free(log);
    js = out_file("c", "clusters.json");
    CHECK(js && strstr(js, "\"k\":\t10") && strstr(js, "\"default: 10 (no labels)\""));
    free(js);
    log = run("cluster vectors.npy -o d --clusters kmeans:7 --quiet", &status);
    CHECK_EQ(0, status);
    free(log);
    js = out_file("d", "clusters.json");
    CHECK(js && strstr(js, "\"k\":\t7") && strstr(js, "\"--clusters kmeans:K\""));
    free(js);
    /* bad spec */
    log = run("cluster vectors.npy -o e --clusters kmeans:0", &status);
    CHECK_EQ(1, status);
    CHECK(log && strstr(log, "--clusters"));
    free(log);
    log = run("cluster vectors.npy -o e --clusters hdbscan:1", &status);
    CHECK_EQ(1, status);
    free(log);
    log = run("cluster vectors.npy -o e --cluster-selection best", &status);
    CHECK_EQ(1, status);
    CHECK(log && strstr(log, "--cluster-selection"));
    free(log);
    /* analyze: by default HDBSCAN; k-means with K = classes (items.csv beside the vectors) */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd '%s' && mkdir -p v && cp vectors.npy items.csv v/", check_tmpdir());
    free(check_run(cmd, NULL));
    log = run("analyze v/vectors.npy -o an --map none --clusters kmeans --threads 2 --quiet", &status);
    if (!CHECK_EQ(0, status)) fprintf(stderr, "%s", log ? log : "");
    free(log);
    csv = out_file("an", "clusters.csv");
    CHECK_EQ(N + 1, count_lines(csv));
    free(csv);
    js = out_file("an", "summary.json");
    CHECK(js && strstr(js, "\"k_source\":\t\"default: the number of classes\"") && strstr(js, "\"clusters_s\""));
    free(js);
    log = run("analyze v/vectors.npy -o ah --map none --threads 2 --quiet", &status);
    if (!CHECK_EQ(0, status)) fprintf(stderr, "%s", log ? log : "");
    free(log);
    js = out_file("ah", "summary.json");
    CHECK(js && strstr(js, "\"method\":\t\"hdbscan\"") && strstr(js, "\"hdbscan_s\""));
    free(js);
    log = run("analyze v/vectors.npy -o none --map none --clusters none --quiet", &status);
    CHECK_EQ(0, status);
    free(log);
    csv = out_file("none", "clusters.csv");
    CHECK(csv == NULL);
    free(csv);
    js = out_file("none", "summary.json");
    CHECK(js && strstr(js, "\"clusters\":\t\"--clusters none\""));
    free(js);
    emb_matf_free(&x);
    return check_exit();
}

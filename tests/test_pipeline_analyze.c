/* test_pipeline_analyze.c - emb_analyze_run as a library call: on three
 * blobs of vectors 40 standard deviations apart (a .npy written here) the
 * run writes every output, embeddings.npy holds the input's bytes, each
 * item's 15 neighbours lie in its own blob, k-means with K = 3 finds the
 * blobs (one cluster each), the info and the log / progress callbacks say
 * what happened; a missing dataset fails naming it, parameters that do not
 * fit (an unknown map, zero-shot labels of vectors) fail as parameter
 * errors before anything is written, and an output folder that cannot be
 * made fails as an output error.
 * ctest-labels: unit */
#include "check.h"
#include "embscope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { N = 150, D = 8, BLOB = 50 };

typedef struct {
    char text[8192];
    int lines, warnings;
} log_sink;

static void on_log(void *ctx, emb_log_level level, const char *msg) {
    log_sink *s = ctx;
    size_t n = strlen(s->text);
    snprintf(s->text + n, sizeof s->text - n, "%s\n", msg);
    s->lines++;
    s->warnings += level == EMB_LOG_WARN;
}

static void on_progress(void *ctx, const char *stage, double frac, const char *msg) {
    (void)stage; (void)frac; (void)msg;
    ++*(int *)ctx;
}

static bool exists(const char *dir, const char *name) {
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct stat st;
    return stat(p, &st) == 0;
}

int main(void) {
    emb_matf x = check_random_matrix(N, D, 7);   /* uniform noise around each blob's centre */
    for (int64_t i = 0; i < N; i++)
        for (int64_t j = 0; j < D; j++) x.data[i * D + j] += (j == i / BLOB) ? 40.0f : 0.0f;
    char *npy = check_tmp_path("x.npy"), *out = check_tmp_path("out");
    CHECK_EQ(EMB_OK, emb_npy_write_f32(npy, x.data, N, D));

    emb_analyze_params p = emb_analyze_default_params();
    CHECK_EQ(15, p.k);
    CHECK(!strcmp(p.map, "umap") && p.dims == 3 && !strcmp(p.features.kind, "pixels"));
    CHECK(!strcmp(p.clusters.method, "hdbscan") && p.seed == 42 && p.mpi.size == 1);
    log_sink sink = {{0}, 0, 0};
    int progress_calls = 0;
    p.log.fn = on_log;
    p.log.ctx = &sink;
    p.progress.fn = on_progress;
    p.progress.ctx = &progress_calls;
    p.n_threads = 1;
    p.dims = 2;
    p.clusters.method = "kmeans";
    p.clusters.k = 3;
    emb_analyze_info info;
    emb_status st = emb_analyze_run(npy, out, &p, &info);
    if (!CHECK_EQ(EMB_OK, st)) fprintf(stderr, "%s\n", emb_errmsg());
    CHECK_EQ(N, info.n_items);
    CHECK_EQ(D, info.dims);
    CHECK_EQ(0, info.n_skipped);
    CHECK(!info.output_error && !info.params_error && info.seconds > 0);
    char want[1024];
    snprintf(want, sizeof want, "%s/report.html", out);
    CHECK(!strcmp(info.report_path, want));
    static const char *FILES[] = {"items.csv", "embeddings.npy", "skipped.csv", "neighbors.npy", "distances.npy",
                                  "map.npy", "map.csv", "duplicates.csv", "leakage.csv", "outliers.csv",
                                  "clusters.csv", "summary.json", "report.html"};
    for (size_t f = 0; f < sizeof FILES / sizeof FILES[0]; f++)
        if (!CHECK(exists(out, FILES[f]))) fprintf(stderr, "missing %s\n", FILES[f]);
    CHECK_CONTAINS(sink.text, "neighbors: k=15");
    CHECK_CONTAINS(sink.text, "clusters: k-means, k=3");
    CHECK_CONTAINS(sink.text, "map: UMAP 2D");
    CHECK_CONTAINS(sink.text, "analyze: results in ");
    CHECK_EQ(0, sink.warnings);
    CHECK(progress_calls > 0);

    /* embeddings.npy: the input's bytes */
    char *pe = check_tmp_path("out/embeddings.npy");
    emb_npy_vectors ev = {0};
    if (CHECK_EQ(EMB_OK, emb_npy_vectors_open(pe, &ev))) {
        CHECK_EQ(N, ev.m.rows);
        CHECK_EQ(D, ev.m.cols);
        CHECK(memcmp(ev.m.data, x.data, sizeof(float) * N * D) == 0);
        emb_npy_vectors_close(&ev);
    }
    /* each item's neighbours in its own blob, nearest first */
    emb_knn g = {0};
    if (CHECK_EQ(EMB_OK, emb_knn_load(out, N, &g))) {
        int64_t wrong = 0, unsorted = 0;
        CHECK_EQ(15, g.k);
        for (int64_t i = 0; i < N; i++)
            for (int j = 0; j < g.k; j++) {
                wrong += g.idx[i * g.k + j] / BLOB != i / BLOB;
                unsorted += j > 0 && g.dist[i * g.k + j] < g.dist[i * g.k + j - 1];
            }
        CHECK_EQ(0, wrong);
        CHECK_EQ(0, unsorted);
        emb_knn_free(&g);
    }
    /* clusters.csv: one cluster per blob */
    char *pc = check_tmp_path("out/clusters.csv");
    FILE *f = fopen(pc, "r");
    int cluster_of_blob[3] = {-2, -2, -2}, rows = 0, mixed = 0;
    char line[256];
    if (CHECK(f != NULL)) {
        CHECK(fgets(line, sizeof line, f) != NULL);   /* header */
        while (fgets(line, sizeof line, f)) {
            long idx;
            int c;
            if (sscanf(line, "%ld,%d", &idx, &c) != 2 || idx < 0 || idx >= N) { mixed++; continue; }
            int b = (int)(idx / BLOB);
            if (cluster_of_blob[b] == -2) cluster_of_blob[b] = c;
            mixed += cluster_of_blob[b] != c;
            rows++;
        }
        fclose(f);
    }
    CHECK_EQ(N, rows);
    CHECK_EQ(0, mixed);
    CHECK(cluster_of_blob[0] >= 0 && cluster_of_blob[0] != cluster_of_blob[1] &&
          cluster_of_blob[1] != cluster_of_blob[2] && cluster_of_blob[0] != cluster_of_blob[2]);

    /* a missing dataset: EMB_E_IO naming it */
    char *missing = check_tmp_path("no_such_dataset");
    st = emb_analyze_run(missing, out, &p, &info);
    CHECK(st != EMB_OK);
    CHECK_CONTAINS(emb_errmsg(), missing);
    CHECK(!info.params_error && info.report_path[0] == 0);

    /* parameters that do not fit: nothing written */
    char *out2 = check_tmp_path("out2");
    emb_analyze_params bad = p;
    bad.map = "pca";
    CHECK_EQ(EMB_E_INVALID, emb_analyze_run(npy, out2, &bad, &info));
    CHECK(info.params_error);
    CHECK_CONTAINS(emb_errmsg(), "'pca'");
    bad = p;
    bad.map = "tsne";
    bad.dims = 4;
    CHECK_EQ(EMB_E_INVALID, emb_analyze_run(npy, out2, &bad, &info));
    CHECK(info.params_error);
    struct stat sb;
    CHECK(stat(out2, &sb) != 0);
    bad = p;
    bad.zeroshot.on = true;
    CHECK_EQ(EMB_E_INVALID, emb_analyze_run(npy, out2, &bad, &info));
    CHECK(info.params_error);
    CHECK_CONTAINS(emb_errmsg(), "needs --features clip");

    /* an output folder under a regular file */
    char *blocked = check_tmp_path("x.npy/out");
    CHECK(emb_analyze_run(npy, blocked, &p, &info) != EMB_OK);
    CHECK(info.output_error && !info.params_error);

    free(npy); free(out); free(pe); free(pc); free(missing); free(out2); free(blocked);
    emb_matf_free(&x);
    return check_exit();
}

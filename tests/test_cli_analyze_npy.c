/* test_cli_analyze_npy.c - `embscope analyze VECTORS.npy` on vectors of
 * unknown origin, 512, 768 and 784 columns (CLIP B/32, L/14, Fashion-MNIST
 * pixels), with and without items.csv beside them: the run succeeds (it
 * once failed: "dups: image shape 32x32x1 does not match 512 dims"), the
 * planted copy pairs are found in duplicates.csv, summary.json counts the
 * items, labels from items.csv reach the label-issue stage; --image-shape
 * turns the shift search on for a .npy of 28x28 images. EMB_CPU=scalar is
 * recorded in summary.json's machine block; an unknown EMB_CPU is a usage
 * error (exit 1); progress to a pipe comes as whole lines, a stage's 100%
 * line with its time.
 * ctest-labels: cli */
#include "check.h"
#include "embscope.h"
#include "core/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { N = 400, N_CLASSES = 4, N_COPIES = 5 };

/* Class blobs (class = i % 4); rows 0..N_COPIES-1 are copied to the last
 * N_COPIES rows with noise of 1e-4. */
static void make(const char *dir, int d, bool items) {
    emb_matf x = {0};
    emb_matf_alloc(&x, N, d);
    emb_rng r;
    emb_rng_seed(&r, (uint64_t)d);
    float *c = malloc(sizeof(float) * N_CLASSES * d);
    for (int i = 0; i < N_CLASSES * d; i++) c[i] = (float)emb_rng_normal(&r);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < d; j++) x.data[(size_t)i * d + j] = fabsf(c[(i % N_CLASSES) * d + j] + 0.7f * (float)emb_rng_normal(&r));
    for (int k = 0; k < N_COPIES; k++)
        for (int j = 0; j < d; j++) x.data[(size_t)(N - 1 - k) * d + j] = x.data[(size_t)k * d + j] + 1e-4f * (float)emb_rng_normal(&r);
    char p[700];
    snprintf(p, sizeof p, "%s/vectors.npy", dir);
    CHECK(emb_npy_write_f32(p, x.data, N, d) == EMB_OK);
    if (items) {
        snprintf(p, sizeof p, "%s/items.csv", dir);
        FILE *f = fopen(p, "w");
        fprintf(f, "index,path,split,label\n");
        for (int i = 0; i < N; i++) fprintf(f, "%d,img%03d.png,%s,class%d\n", i, i, i % 5 ? "train" : "test", i % N_CLASSES);
        fclose(f);
    }
    free(c);
    emb_matf_free(&x);
}

static void run(int d, bool items, const char *extra) {
    char dir[600], cmd[2048], p[700];
    snprintf(dir, sizeof dir, "%s/d%d_%d%s", check_tmpdir(), d, items, extra[0] ? "_shape" : "");
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    free(check_run(cmd, NULL));
    make(dir, d, items);
    int status = 0;
    snprintf(cmd, sizeof cmd, "%s analyze '%s/vectors.npy' -o '%s/out' --threads 2 --map none %s 2>&1", EMB_BIN, dir, dir, extra);
    char *log = check_run(cmd, &status);
    if (!CHECK_EQ(0, status)) fprintf(stderr, "d=%d items=%d: %s\n", d, items, log ? log : "");
    free(log);
    snprintf(p, sizeof p, "%s/out/summary.json", dir);
    char *js = check_read_text(p);
    CHECK(js != NULL);
    if (js) {
        CHECK_CONTAINS(js, "\"items\":\t400");
        if (items) CHECK_CONTAINS(js, "\"class0\"");
        free(js);
    }
    /* every planted pair (k, N-1-k) is in one duplicate group */
    snprintf(p, sizeof p, "%s/out/duplicates.csv", dir);
    char *csv = check_read_text(p);
    CHECK(csv != NULL);
    int found = 0;
    for (int k = 0; csv && k < N_COPIES; k++) {
        long ga = -1, gb = -1;
        char *save = NULL, *copy = strdup(csv);
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            long g, idx;
            if (sscanf(line, "%ld,%ld,", &g, &idx) != 2) continue;
            if (idx == k) ga = g;
            if (idx == N - 1 - k) gb = g;
        }
        free(copy);
        found += ga >= 0 && ga == gb;
    }
    if (!CHECK_EQ(N_COPIES, found)) fprintf(stderr, "d=%d items=%d: %d of %d planted pairs grouped\n", d, items, found, N_COPIES);
    free(csv);
    /* outliers.csv ranks every item and marks the flagged ones; summary.json counts them */
    snprintf(p, sizeof p, "%s/out/outliers.csv", dir);
    char *oc = check_read_text(p);
    CHECK(oc && strncmp(oc, "rank,index,path,split,label,score,percentile,flagged\n", 53) == 0);
    int rows = 0, n_fl = 0;
    for (char *l = oc ? strchr(oc, '\n') : NULL; l && l[1]; l = strchr(l + 1, '\n')) {
        char *e = strchr(l + 1, '\n');
        rows++;
        n_fl += e && e[-1] == '1' && e[-2] == ',';
    }
    CHECK_EQ(N, rows);
    free(oc);
    snprintf(p, sizeof p, "%s/out/summary.json", dir);
    js = check_read_text(p);
    char want[64];
    snprintf(want, sizeof want, "\"flagged\":\t%d,", n_fl);
    const char *os = js ? strstr(js, "\"outliers\":") : NULL;
    CHECK(os != NULL && strstr(os, want) != NULL && strstr(os, "upper IQR fence") != NULL);
    free(js);
    if (items) {
        snprintf(p, sizeof p, "%s/out/label_issues.csv", dir);
        char *li = check_read_text(p);
        CHECK(li != NULL && strlen(li) > 40);
        free(li);
    }
}

/* duplicates.csv as groups: key[i] = the smallest index in item i's group
 * (-1 outside groups), whatever the groups' order. */
static void group_keys(const char *csv, long *key) {
    long gmin[N];
    for (int i = 0; i < N; i++) key[i] = -1, gmin[i] = N;
    long gi[N * 2], ix[N * 2];
    int m = 0;
    for (const char *l = csv; l && *l && m < 2 * N; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (sscanf(l, "%ld,%ld,", &gi[m], &ix[m]) == 2 && gi[m] >= 0 && gi[m] < N && ix[m] >= 0 && ix[m] < N) m++;
    for (int a = 0; a < m; a++) if (ix[a] < gmin[gi[a]]) gmin[gi[a]] = ix[a];
    for (int a = 0; a < m; a++) key[ix[a]] = gmin[gi[a]];
}

/* --storage f16 on a float16 .npy: the rows stay half precision (no float32
 * copy); the results are those of the same file widened to float32 on load
 * (the default): outliers and label issues byte for byte (the exact kNN
 * path and the PCA widen exactly), the duplicate groups the same (their
 * cosines are summed from half rows, so the printed similarity may differ
 * in its last digit); embeddings.npy is written as float16. */
static void half_storage(void) {
    char src[700], dir[700], cmd[2048], p[760];
    snprintf(src, sizeof src, "%s/d512_1/vectors.npy", check_tmpdir());
    snprintf(dir, sizeof dir, "%s/f16", check_tmpdir());
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp '%s/d512_1/items.csv' '%s/'", dir, check_tmpdir(), dir);
    free(check_run(cmd, NULL));
    emb_matf x = {0};
    CHECK(emb_npy_load_f32(src, &x) == EMB_OK);
    uint16_t *h = malloc(sizeof(uint16_t) * (size_t)(x.rows * x.cols));
    for (int64_t a = 0; h && a < x.rows * x.cols; a++) h[a] = emb__f32_to_f16(x.data[a]);
    int64_t shape[2] = {x.rows, x.cols};
    snprintf(p, sizeof p, "%s/vectors.npy", dir);
    CHECK(h && emb_npy_write(p, EMB_DT_F16, h, 2, shape) == EMB_OK);
    free(h);
    emb_matf_free(&x);
    const char *mode[2] = {"", "--storage f16"}, *name[2] = {"out32", "out16"};
    for (int m = 0; m < 2; m++) {
        int status = 0;
        snprintf(cmd, sizeof cmd, "%s analyze '%s/vectors.npy' -o '%s/%s' --threads 2 --map none %s 2>&1", EMB_BIN, dir, dir,
                 name[m], mode[m]);
        char *log = check_run(cmd, &status);
        CHECK_EQ(0, status);
        CHECK(log && (strstr(log, "kept in half precision") != NULL) == (m == 1));
        if (status) fprintf(stderr, "%s\n", log ? log : "");
        free(log);
    }
    snprintf(p, sizeof p, "%s/out16/embeddings.npy", dir);
    emb_npy a;
    CHECK(emb_npy_open(p, false, &a) == EMB_OK);
    CHECK(a.dtype == EMB_DT_F16 && a.ndim == 2 && a.shape[0] == N && a.shape[1] == 512);
    emb_npy_close(&a);
    const char *same[2] = {"outliers.csv", "label_issues.csv"};
    for (int f = 0; f < 3; f++) {
        char *t[2];
        for (int m = 0; m < 2; m++) {
            snprintf(p, sizeof p, "%s/%s/%s", dir, name[m], f < 2 ? same[f] : "duplicates.csv");
            t[m] = check_read_text(p);
        }
        CHECK(t[0] && t[1] && strlen(t[0]) > 60);
        if (t[0] && t[1] && f == 2) {
            long k0[N], k1[N];
            group_keys(t[0], k0);
            group_keys(t[1], k1);
            int grouped = 0, differ = 0;
            for (int i = 0; i < N; i++) grouped += k0[i] >= 0, differ += k0[i] != k1[i];
            CHECK(grouped >= 2 * N_COPIES);
            CHECK_EQ(0, differ);
        } else if (t[0] && t[1]) {
            CHECK(!strcmp(t[0], t[1]));
        }
        free(t[0]);
        free(t[1]);
    }
}

int main(void) {
    int dims[3] = {512, 768, 784};
    for (int i = 0; i < 3; i++) {
        run(dims[i], false, "");
        run(dims[i], true, "");
    }
    run(784, true, "--image-shape 28x28x1");   /* the shift search on a .npy of images */
    half_storage();
    char cmd[2048], p[700];
    int status = 0;
    snprintf(cmd, sizeof cmd, "EMB_CPU=scalar %s analyze '%s/d512_1/vectors.npy' -o '%s/scalar' --map none --quiet 2>&1",
             EMB_BIN, check_tmpdir(), check_tmpdir());
    free(check_run(cmd, &status));
    CHECK_EQ(0, status);
    snprintf(p, sizeof p, "%s/scalar/summary.json", check_tmpdir());
    char *js = check_read_text(p);
    CHECK(js != NULL);
    if (js) {
        CHECK_CONTAINS(js, "\"simd_level\":\t\"scalar\"");
        CHECK_CONTAINS(js, "\"simd_capped\":\t");
    }
    free(js);
    snprintf(cmd, sizeof cmd, "EMB_CPU=avx9 %s analyze '%s/d512_1/vectors.npy' -o '%s/bad' 2>&1", EMB_BIN, check_tmpdir(), check_tmpdir());
    char *log = check_run(cmd, &status);
    CHECK_EQ(1, status);
    CHECK(log && strstr(log, "EMB_CPU='avx9'"));
    free(log);
    /* progress when stderr is not a terminal: plain lines (no carriage
     * returns), a stage's start and its 100% line with the time taken */
    snprintf(cmd, sizeof cmd, "%s analyze '%s/d512_1/vectors.npy' -o '%s/progress' --map umap 2>&1", EMB_BIN, check_tmpdir(), check_tmpdir());
    log = check_run(cmd, &status);
    CHECK_EQ(0, status);
    CHECK(log && !strchr(log, '\r'));
    CHECK(log && strstr(log, "\numap "));
    CHECK(log && strstr(log, "100.0%  0s"));
    if (log && !strstr(log, "100.0%  0s")) fprintf(stderr, "%s", log);
    free(log);
    return check_exit();
}

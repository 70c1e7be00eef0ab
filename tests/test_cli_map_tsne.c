/* test_cli_map_tsne.c - `embscope map --method tsne`: files written, map
 * quality, --seed + --threads 1 byte-reproducible, --neighbors reuse, 3D,
 * usage and input errors. */
/* ctest-labels: unit */
#include "check.h"
#include "embscope.h"
#include "tsne_quality.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    size_t got = fread(b, 1, (size_t)n, f);
    b[got] = 0;
    fclose(f);
    if (len) *len = got;
    return b;
}

static int run(const char *args) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s %s --quiet 2>&1", EMB_BIN, args);
    int status = 0;
    char *out = check_run(cmd, &status);
    if (status != 0) printf("%s -> %d: %s\n", cmd, status, out ? out : "");
    free(out);
    return status;
}

int main(void) {
    const char *tmp = check_tmpdir();
    int64_t n = 300, d = 120;  /* D > 100: the PCA-50 path */
    float *x = malloc((size_t)n * d * sizeof *x);
    uint8_t labels[300];
    emb_rng r;
    emb_rng_seed(&r, 11);
    for (int64_t i = 0; i < n; i++) {
        labels[i] = (uint8_t)(i % 4);
        for (int64_t k = 0; k < d; k++) x[i * d + k] = (float)(emb_rng_normal(&r) + (k % 4 == labels[i] ? 3 : 0));
    }
    char px[512], a[2048], p1[600], p2[600];
    snprintf(px, sizeof px, "%s/x.npy", tmp);
    CHECK(emb_npy_write_f32(px, x, n, d) == EMB_OK);

    snprintf(a, sizeof a, "map %s --method tsne --dims 2 --threads 1 --seed 7 --iterations 300 -o %s/m1", px, tmp);
    CHECK_EQ(0, run(a));
    snprintf(a, sizeof a, "map %s --method tsne --dims 2 --threads 1 --seed 7 --iterations 300 -o %s/m2", px, tmp);
    CHECK_EQ(0, run(a));
    snprintf(p1, sizeof p1, "%s/m1/map.npy", tmp);
    snprintf(p2, sizeof p2, "%s/m2/map.npy", tmp);
    size_t l1 = 0, l2 = 0;
    char *b1 = slurp(p1, &l1), *b2 = slurp(p2, &l2);
    CHECK(b1 && b2 && l1 == l2 && !memcmp(b1, b2, l1));
    free(b1);
    free(b2);
    emb_matf m = {0};
    CHECK(emb_npy_load_f32(p1, &m) == EMB_OK);
    CHECK_EQ(n, m.rows);
    CHECK_EQ(2, m.cols);
    if (m.data) CHECK(q_knn_accuracy(m.data, n, 2, labels, 10) > 0.98);
    emb_matf_free(&m);
    snprintf(p1, sizeof p1, "%s/m1/map.csv", tmp);
    char *csv = slurp(p1, NULL);
    CHECK(csv != NULL);
    if (csv) {
        CHECK(!strncmp(csv, "index,x,y\n0,", 12));
        int lines = 0;
        for (char *c = csv; *c; c++) lines += *c == '\n';
        CHECK_EQ(n + 1, lines);
    }
    free(csv);
    snprintf(p1, sizeof p1, "%s/m1/summary.json", tmp);
    char *js = slurp(p1, NULL);
    CHECK(js != NULL);
    if (js) {
        CHECK_CONTAINS(js, "\"kl_divergence\"");
        CHECK_CONTAINS(js, "\"exact\"");
        CHECK_CONTAINS(js, "\"map_s\"");
    }
    free(js);

    /* a 90-neighbour graph from `embscope neighbors` is reused; 3D by Barnes-Hut */
    snprintf(a, sizeof a, "neighbors %s -k 90 --metric euclidean -o %s/nb", px, tmp);
    CHECK_EQ(0, run(a));
    snprintf(a, sizeof a, "map %s --method tsne --dims 3 --neighbors %s/nb --metric euclidean --tsne-gradient bh "
             "--iterations 200 --threads 1 -o %s/m3", px, tmp, tmp);
    CHECK_EQ(0, run(a));
    snprintf(p1, sizeof p1, "%s/m3/map.npy", tmp);
    CHECK(emb_npy_load_f32(p1, &m) == EMB_OK);
    CHECK_EQ(3, m.cols);
    if (m.data) CHECK(q_knn_accuracy(m.data, n, 3, labels, 10) > 0.98);
    emb_matf_free(&m);
    snprintf(p1, sizeof p1, "%s/m3/summary.json", tmp);
    js = slurp(p1, NULL);
    if (js) CHECK_CONTAINS(js, "\"bh\"");
    free(js);

    /* errors */
    snprintf(a, sizeof a, "map %s --method tsne --dims 4 -o %s/bad", px, tmp);
    CHECK_EQ(1, run(a));
    snprintf(a, sizeof a, "map %s/missing.npy -o %s/bad", tmp, tmp);
    CHECK_EQ(2, run(a));
    snprintf(a, sizeof a, "map %s --method tsne --dims 3 --tsne-gradient fft -o %s/bad", px, tmp);
    CHECK_EQ(2, run(a));
    snprintf(a, sizeof a, "map %s --method tsne --neighbors %s/nowhere -o %s/bad", px, tmp, tmp);
    CHECK_EQ(2, run(a));
    /* analyze --map tsne on a small image folder: 3 classes x 40 images */
    char dir[600], path[700];
    snprintf(dir, sizeof dir, "%s/imgs", tmp);
    for (int cls = 0; cls < 3; cls++) {
        snprintf(path, sizeof path, "mkdir -p %s/c%d", dir, cls);
        int st = 0;
        free(check_run(path, &st));
        for (int i = 0; i < 40; i++) {
            uint8_t px8[16 * 16 * 3];
            for (int p = 0; p < 16 * 16; p++) {
                int v = (int)(emb_rng_below(&r, 60)) + ((p % 16) / 6 == cls ? 180 : 20);
                px8[p * 3] = px8[p * 3 + 1] = px8[p * 3 + 2] = (uint8_t)(v > 255 ? 255 : v);
            }
            unsigned char *png = NULL;
            size_t len = 0;
            CHECK(emb_image_encode_png(px8, 16, 16, 3, &png, &len) == EMB_OK);
            snprintf(path, sizeof path, "%s/c%d/%02d.png", dir, cls, i);
            CHECK(check_write_file(path, png, len));
            free(png);
        }
    }
    snprintf(a, sizeof a, "analyze %s --map tsne --dims 2 --iterations 200 --threads 1 -o %s/an", dir, tmp);
    CHECK_EQ(0, run(a));
    snprintf(p1, sizeof p1, "%s/an/map.npy", tmp);
    CHECK(emb_npy_load_f32(p1, &m) == EMB_OK);
    CHECK_EQ(120, m.rows);
    CHECK_EQ(2, m.cols);
    emb_matf_free(&m);
    snprintf(p1, sizeof p1, "%s/an/summary.json", tmp);
    js = slurp(p1, NULL);
    CHECK(js != NULL);
    if (js) {
        CHECK_CONTAINS(js, "\"kl_divergence\"");
        CHECK_CONTAINS(js, "\"tsne\"");
    }
    free(js);
    free(x);
    return check_exit();
}

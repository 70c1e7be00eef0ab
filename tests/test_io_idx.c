/* test_io_idx.c - IDX reader on the MNIST test set against numpy, IDX
 * folders with train + t10k splits, and bad input (truncated, wrong magic,
 * lying dimensions, zero bytes, label count mismatch, corrupt gzip).
 * ref: numpy (Debian python3-numpy) run at test time on the same .gz files. */
/* ctest-labels: unit */
#include "check.h"
#include "embscope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define MNIST_DIR TEST_DATA "/mnist"
#define MNIST_IMAGES MNIST_DIR "/t10k-images-idx3-ubyte.gz"
#define MNIST_LABELS MNIST_DIR "/t10k-labels-idx1-ubyte.gz"

static const int CHOSEN[] = {0, 1, 2, 7, 1234, 4321, 9998, 9999};
#define N_CHOSEN (int)(sizeof CHOSEN / sizeof CHOSEN[0])

static char *path_in(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* An IDX u8 file: magic 00 00 08 ndim, big-endian dims, then data. */
static size_t make_idx(unsigned char *buf, int ndim, const uint32_t *dims, const uint8_t *data, size_t n) {
    buf[0] = 0; buf[1] = 0; buf[2] = 8; buf[3] = (unsigned char)ndim;
    for (int i = 0; i < ndim; i++)
        for (int b = 0; b < 4; b++) buf[4 + 4 * i + b] = (unsigned char)(dims[i] >> (24 - 8 * b));
    size_t head = 4 + 4 * (size_t)ndim;
    if (n) memcpy(buf + head, data, n);
    return head + n;
}

static bool write_gz(const char *path, const void *data, size_t len) {
    gzFile gz = gzopen(path, "wb");
    if (!gz) return false;
    bool ok = gzwrite(gz, data, (unsigned)len) == (int)len;
    return gzclose(gz) == Z_OK && ok;
}

/* numpy: label histogram, then the pixel sums of CHOSEN, then the total. */
static bool numpy_ref(long long hist[10], long long sums[N_CHOSEN], long long *total) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "%s -c 'import gzip,numpy as np\n"
             "x=np.frombuffer(gzip.open(\"%s\").read(),np.uint8,offset=16).reshape(-1,28,28)\n"
             "y=np.frombuffer(gzip.open(\"%s\").read(),np.uint8,offset=8)\n"
             "c=[%d,%d,%d,%d,%d,%d,%d,%d]\n"
             "print(*np.bincount(y,minlength=10)); print(*[int(x[i].astype(np.int64).sum()) for i in c]); print(int(x.astype(np.int64).sum()))'",
             check_python(), MNIST_IMAGES, MNIST_LABELS, CHOSEN[0], CHOSEN[1], CHOSEN[2], CHOSEN[3],
             CHOSEN[4], CHOSEN[5], CHOSEN[6], CHOSEN[7]);
    int status;
    char *out = check_run(cmd, &status);
    if (!out || status != 0) { free(out); return false; }
    char *p = out, *end;
    bool ok = true;
    for (int i = 0; i < 10 && ok; i++) { hist[i] = strtoll(p, &end, 10); ok = end != p; p = end; }
    for (int i = 0; i < N_CHOSEN && ok; i++) { sums[i] = strtoll(p, &end, 10); ok = end != p; p = end; }
    if (ok) { *total = strtoll(p, &end, 10); ok = end != p; }
    free(out);
    return ok;
}

static void test_mnist(void) {
    long long hist[10] = {0}, sums[N_CHOSEN] = {0}, total = 0;
    if (!CHECK(numpy_ref(hist, sums, &total))) return;
    emb_idx im = {0}, lb = {0};
    if (!CHECK(emb_idx_load(MNIST_IMAGES, &im) == EMB_OK)) { fprintf(stderr, "%s\n", emb_errmsg()); return; }
    CHECK(emb_idx_load(MNIST_LABELS, &lb) == EMB_OK);
    CHECK_EQ(3, im.ndim);
    CHECK_EQ(10000, im.dims[0]);
    CHECK_EQ(28, im.dims[1]);
    CHECK_EQ(28, im.dims[2]);
    CHECK_EQ(1, lb.ndim);
    CHECK_EQ(10000, lb.dims[0]);
    long long h[10] = {0}, all = 0;
    for (int i = 0; i < 10000; i++) if (lb.data[i] < 10) h[lb.data[i]]++;
    for (int c = 0; c < 10; c++) CHECK_EQ(hist[c], h[c]);
    for (int k = 0; k < N_CHOSEN; k++) {
        long long s = 0;
        for (int j = 0; j < 784; j++) s += im.data[(size_t)CHOSEN[k] * 784 + j];
        CHECK_EQ(sums[k], s);
    }
    for (size_t j = 0; j < (size_t)10000 * 784; j++) all += im.data[j];
    CHECK_EQ(total, all);

    /* The dataset view: folder and images file give the same items. */
    const char *srcs[2] = {MNIST_DIR, MNIST_IMAGES};
    for (int s = 0; s < 2; s++) {
        emb_dataset *ds = NULL;
        if (!CHECK(emb_dataset_open(srcs[s], NULL, &ds) == EMB_OK)) { fprintf(stderr, "%s\n", emb_errmsg()); continue; }
        CHECK_EQ(EMB_SOURCE_IDX, ds->source);
        CHECK_EQ(10000, ds->n);
        CHECK_EQ(10, ds->n_classes);
        CHECK_EQ(28, ds->img_w);
        CHECK_EQ(28, ds->img_h);
        long long dh[10] = {0}, bad_split = 0;
        for (int64_t i = 0; i < ds->n; i++) {
            if (ds->label[i] >= 0 && ds->label[i] < 10) dh[ds->label[i]]++;
            bad_split += ds->split[i] != EMB_SPLIT_TEST;
        }
        for (int c = 0; c < 10; c++) CHECK_EQ(hist[c], dh[c]);
        CHECK_EQ(0, bad_split);
        CHECK(!strcmp(ds->class_names[3], "3"));
        CHECK(ds->pixels && !memcmp(ds->pixels, im.data, (size_t)10000 * 784));
        CHECK_CONTAINS(ds->path[4321], "#4321");
        /* item 7 as an image: gray replicated */
        emb_image img;
        CHECK(emb_dataset_image(ds, 7, &img) == EMB_OK);
        long long s7 = 0;
        for (int j = 0; j < 784; j++) s7 += img.rgb[3 * j + 1];
        CHECK_EQ(sums[3], s7);
        emb_image_free(&img);
        emb_dataset_free(ds);
    }
    emb_idx_free(&im);
    emb_idx_free(&lb);
}

/* train + t10k in one folder: splits train then test, raw and .gz mixed. */
static void test_splits(void) {
    char *dir = path_in(check_tmpdir(), "splits");
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    CHECK(system(cmd) == 0);
    unsigned char buf[256];
    uint8_t px_train[3 * 2 * 2] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, lab_train[3] = {2, 0, 1};
    uint8_t px_test[2 * 2 * 2] = {50, 60, 70, 80, 90, 100, 110, 120}, lab_test[2] = {1, 1};
    uint32_t d3[3] = {3, 2, 2}, d3t[3] = {2, 2, 2}, d1[1] = {3}, d1t[1] = {2};
    char *p;
    size_t n = make_idx(buf, 3, d3, px_train, sizeof px_train);
    CHECK(write_gz(p = path_in(dir, "train-images-idx3-ubyte.gz"), buf, n)); free(p);
    n = make_idx(buf, 1, d1, lab_train, 3);
    CHECK(check_write_file(p = path_in(dir, "train-labels-idx1-ubyte"), buf, n)); free(p);
    n = make_idx(buf, 3, d3t, px_test, sizeof px_test);
    CHECK(check_write_file(p = path_in(dir, "t10k-images-idx3-ubyte"), buf, n)); free(p);
    n = make_idx(buf, 1, d1t, lab_test, 2);
    CHECK(write_gz(p = path_in(dir, "t10k-labels-idx1-ubyte.gz"), buf, n)); free(p);
    emb_dataset *ds = NULL;
    if (CHECK(emb_dataset_open(dir, NULL, &ds) == EMB_OK)) {
        CHECK_EQ(5, ds->n);
        CHECK_EQ(3, ds->n_classes);
        const int exp_split[5] = {EMB_SPLIT_TRAIN, EMB_SPLIT_TRAIN, EMB_SPLIT_TRAIN, EMB_SPLIT_TEST, EMB_SPLIT_TEST};
        const int32_t exp_label[5] = {2, 0, 1, 1, 1};
        for (int i = 0; i < 5; i++) { CHECK_EQ(exp_split[i], ds->split[i]); CHECK_EQ(exp_label[i], ds->label[i]); }
        CHECK_EQ(2, ds->img_w);
        CHECK_EQ(11, ds->pixels[10]);
        CHECK_EQ(50, ds->pixels[12]);
        CHECK_EQ(120, ds->pixels[19]);
        /* pixel vectors: bytes / 255 */
        emb_embedding e = {0};
        emb_skipped sk = {0};
        if (CHECK(emb_pixels_embed(ds, NULL, &e, &sk) == EMB_OK)) {
            const emb_matf v = e.vectors;
            CHECK_EQ(5, v.rows);
            CHECK_EQ(4, v.cols);
            CHECK_EQ(1, v.data[18] == (float)(110 / 255.0));  /* correctly rounded */
            CHECK_EQ(1, v.data[0] == (float)(1 / 255.0));
        }
        CHECK_EQ(0, sk.n);
        emb_embedding_free(&e);
        emb_skipped_free(&sk);
        emb_dataset_free(ds);
    }
    /* --class-names */
    emb_dataset_params dp = emb_dataset_default_params();
    dp.class_names = "zero,one,two";
    if (CHECK(emb_dataset_open(dir, &dp, &ds) == EMB_OK)) {
        CHECK(!strcmp(ds->class_names[2], "two"));
        emb_dataset_free(ds);
    }
    free(dir);
}

static void expect_fail(emb_status want, emb_status got, const char *path, int line) {
    if (!CHECK_EQ(want, got)) fprintf(stderr, "  (case at line %d: %s)\n", line, emb_errmsg());
    if (got != EMB_OK) CHECK_CONTAINS(emb_errmsg(), path);
}
#define EXPECT_FAIL(want, st, path) expect_fail((want), (st), (path), __LINE__)

static void test_bad(void) {
    char *dir = path_in(check_tmpdir(), "bad");
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    CHECK(system(cmd) == 0);
    unsigned char buf[4096];
    uint8_t px[5 * 4 * 4];
    for (int i = 0; i < 80; i++) px[i] = (uint8_t)(i * 3);
    uint32_t dims[3] = {5, 4, 4};
    size_t n = make_idx(buf, 3, dims, px, sizeof px);
    emb_idx a = {0};

    /* the good file parses (the cases below differ from it in one way) */
    CHECK(emb_idx_parse(buf, n, "good", &a) == EMB_OK);
    CHECK_EQ(5, a.dims[0]);
    CHECK_EQ(237, a.data[79]);
    emb_idx_free(&a);

    char *p = path_in(dir, "trunc-images-idx3-ubyte");
    CHECK(check_write_file(p, buf, n - 7));
    EXPECT_FAIL(EMB_E_FORMAT, emb_idx_load(p, &a), p);
    free(p);
    p = path_in(dir, "trunc-header-images-idx3-ubyte");
    CHECK(check_write_file(p, buf, 9));
    EXPECT_FAIL(EMB_E_FORMAT, emb_idx_load(p, &a), p);
    free(p);

    unsigned char bad[4096];
    memcpy(bad, buf, n);
    bad[1] = 1;  /* wrong magic */
    p = path_in(dir, "magic-images-idx3-ubyte");
    CHECK(check_write_file(p, bad, n));
    EXPECT_FAIL(EMB_E_FORMAT, emb_idx_load(p, &a), p);
    free(p);
    memcpy(bad, buf, n);
    bad[2] = 0x0d;  /* float elements */
    p = path_in(dir, "float-images-idx3-ubyte");
    CHECK(check_write_file(p, bad, n));
    EXPECT_FAIL(EMB_E_UNSUPPORTED, emb_idx_load(p, &a), p);
    free(p);
    memcpy(bad, buf, n);
    bad[3] = 0;  /* zero dimensions */
    EXPECT_FAIL(EMB_E_FORMAT, emb_idx_parse(bad, n, "zero-dims", &a), "zero-dims");

    /* dimensions claiming more than the file: 5x4x4 header, 4 GiB claim */
    uint32_t lie[3] = {6, 4, 4}, huge[3] = {0xffffffffu, 0xffffffffu, 0xffffffffu}, big[3] = {65536, 65536, 2};
    n = make_idx(bad, 3, lie, px, sizeof px);
    p = path_in(dir, "lie-images-idx3-ubyte");
    CHECK(check_write_file(p, bad, n));
    EXPECT_FAIL(EMB_E_FORMAT, emb_idx_load(p, &a), p);
    free(p);
    n = make_idx(bad, 3, huge, px, sizeof px);
    EXPECT_FAIL(EMB_E_FORMAT, emb_idx_parse(bad, n, "huge", &a), "huge");
    n = make_idx(bad, 3, big, px, sizeof px);
    EXPECT_FAIL(EMB_E_FORMAT, emb_idx_parse(bad, n, "big", &a), "big");
    /* trailing bytes are a lie too */
    n = make_idx(bad, 3, dims, px, sizeof px);
    bad[n] = 0;
    EXPECT_FAIL(EMB_E_FORMAT, emb_idx_parse(bad, n + 1, "trailing", &a), "trailing");

    p = path_in(dir, "empty-images-idx3-ubyte");
    CHECK(check_write_file(p, "", 0));
    EXPECT_FAIL(EMB_E_FORMAT, emb_idx_load(p, &a), p);
    emb_dataset *ds = NULL;
    EXPECT_FAIL(EMB_E_FORMAT, emb_dataset_open(p, NULL, &ds), p);
    CHECK(ds == NULL);
    free(p);
    p = path_in(dir, "missing-images-idx3-ubyte");
    EXPECT_FAIL(EMB_E_IO, emb_idx_load(p, &a), p);
    free(p);

    /* bad gzip: a truncated stream and gzip magic followed by garbage */
    n = make_idx(buf, 3, dims, px, sizeof px);
    p = path_in(dir, "gz-images-idx3-ubyte.gz");
    CHECK(write_gz(p, buf, n));
    CHECK(emb_idx_load(p, &a) == EMB_OK);
    CHECK(a.data && !memcmp(a.data, px, sizeof px));
    emb_idx_free(&a);
    FILE *f = fopen(p, "rb");
    size_t gzlen = f ? fread(bad, 1, sizeof bad, f) : 0;
    if (f) fclose(f);
    CHECK(gzlen > 30);
    CHECK(check_write_file(p, bad, gzlen - 12));  /* drops the CRC trailer and some data */
    EXPECT_FAIL(EMB_E_FORMAT, emb_idx_load(p, &a), p);
    CHECK(check_write_file(p, bad, gzlen - 4));   /* only the length field is missing */
    EXPECT_FAIL(EMB_E_FORMAT, emb_idx_load(p, &a), p);
    memcpy(bad + 10, "garbage-garbage-garbage", 23);
    CHECK(check_write_file(p, bad, gzlen));
    EXPECT_FAIL(EMB_E_FORMAT, emb_idx_load(p, &a), p);
    free(p);

    /* labels count mismatch: 5 images, 4 labels beside them */
    char *sub = path_in(dir, "mismatch");
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", sub);
    CHECK(system(cmd) == 0);
    uint32_t d1[1] = {4};
    uint8_t lab[4] = {0, 1, 2, 3};
    n = make_idx(buf, 3, dims, px, sizeof px);
    CHECK(check_write_file(p = path_in(sub, "t10k-images-idx3-ubyte"), buf, n)); free(p);
    n = make_idx(buf, 1, d1, lab, 4);
    p = path_in(sub, "t10k-labels-idx1-ubyte");
    CHECK(check_write_file(p, buf, n));
    EXPECT_FAIL(EMB_E_FORMAT, emb_dataset_open(sub, NULL, &ds), p);
    free(p);
    /* labels file holding images (3-D) */
    n = make_idx(buf, 3, dims, px, sizeof px);
    p = path_in(sub, "t10k-labels-idx1-ubyte");
    CHECK(check_write_file(p, buf, n));
    EXPECT_FAIL(EMB_E_FORMAT, emb_dataset_open(sub, NULL, &ds), p);
    free(p);
    /* images file holding labels (1-D) */
    n = make_idx(buf, 1, d1, lab, 4);
    p = path_in(sub, "t10k-images-idx3-ubyte");
    CHECK(check_write_file(p, buf, n));
    EXPECT_FAIL(EMB_E_FORMAT, emb_dataset_open(sub, NULL, &ds), p);
    free(p);
    free(sub);
    free(dir);
}

int main(void) {
    FILE *f = fopen(MNIST_IMAGES, "rb");
    if (CHECK(f != NULL /* tests/data/mnist is in the repository */)) { fclose(f); test_mnist(); }
    test_splits();
    test_bad();
    return check_exit();
}

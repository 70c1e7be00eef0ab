/* test_features_clip_pipe.c - emb_clip_embed_dataset's overlapped pipeline
 * (the next batch decoded during this one's forward pass) gives bit-identical
 * vectors, item order, pixel hashes and skipped list to the serial one, for
 * 1 and 2 threads and batches that split a folder unevenly around a corrupt
 * file; the PNG rows equal PyTorch's (tests/ref/make_clip_ref.py). And
 * --fast-decode: libjpeg-turbo DCT scaling gives the same pixels as Pillow's
 * Image.draft() (same libjpeg), the right scaled size, source sizes kept,
 * PNG rows unchanged and JPEG rows close to the exact ones. Runs once per
 * SIMD level (EMB_CPU set by ctest): every level's kernels are deterministic,
 * so every batch size gives the same bits too.
 * ctest-labels: unit
 * ctest-levels: all */
#include "check.h"
#include "embscope.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_JPEG 3
#define JW 400
#define JH 300

/* A photo-like 400x300 image: smooth colour gradients, a disc, mild noise. */
static void make_photo(uint8_t *rgb, int k) {
    uint32_t s = 12345u + 77u * (uint32_t)k;
    for (int y = 0; y < JH; y++)
        for (int x = 0; x < JW; x++) {
            s = s * 1664525u + 1013904223u;
            double nz = ((s >> 24) & 15) - 7.5;
            double dx = x - 150 - 40 * k, dy = y - 120, disc = dx * dx + dy * dy < 70 * 70 ? 60 : 0;
            double v[3] = {80 + 120 * sin(x * 0.013 + k) + disc, 100 + 90 * cos(y * 0.021 - k) - disc,
                           60 + 0.3 * x + 0.2 * y + 20 * sin((x + y) * 0.05)};
            for (int c = 0; c < 3; c++) {
                double t = v[c] + nz;
                rgb[((size_t)y * JW + x) * 3 + c] = (uint8_t)(t < 0 ? 0 : t > 255 ? 255 : t);
            }
        }
}

typedef struct {
    emb_dataset *ds;
    emb_matf v;
    emb_skipped sk;
} run_t;

static run_t embed(const char *dir, const char *model, int threads, int batch, bool overlap, bool fast) {
    run_t r;
    memset(&r, 0, sizeof r);
    emb_dataset_params dp = emb_dataset_default_params();
    CHECK(emb_dataset_open(dir, &dp, &r.ds) == EMB_OK);
    emb_clip_params cp = emb_clip_default_params();
    cp.n_threads = threads;
    cp.batch = batch;
    cp.overlap = overlap;
    cp.fast_decode = fast;
    emb_clip *m = NULL;
    CHECK(emb_clip_load(model, &cp, &m) == EMB_OK);
    emb_embedding e = {0};
    if (r.ds && m && CHECK(emb_clip_embed_dataset(r.ds, m, &cp, &e, &r.sk) == EMB_OK)) {
        CHECK(emb_dataset_apply_embedding(r.ds, &e) == EMB_OK);   /* row i = item i, as the embed stage */
        r.v = e.vectors;
        memset(&e.vectors, 0, sizeof e.vectors);
    }
    emb_embedding_free(&e);
    emb_clip_free(m);
    return r;
}

static void run_free(run_t *r) {
    emb_dataset_free(r->ds);
    emb_matf_free(&r->v);
    emb_skipped_free(&r->sk);
}

static double cosine(const float *a, const float *b, int n) {
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < n; i++) { ab += (double)a[i] * b[i]; aa += (double)a[i] * a[i]; bb += (double)b[i] * b[i]; }
    return ab / sqrt(aa * bb);
}

int main(void) {
    printf("SIMD level %s\n", emb_cpu_level_name(emb_cpu_level_active()));
    const char *tmp = check_tmpdir();
    char cmd[8192], path[2048], model[1024], dir[1024];
    int status;
    snprintf(cmd, sizeof cmd, "mkdir -p %s/data/all && cp %s/clip/pre/*.png %s/data/all/ && echo nope > %s/data/all/m_bad.jpg",
             tmp, TEST_DATA, tmp, tmp);
    free(check_run(cmd, &status));
    CHECK(status == 0);
    uint8_t *rgb = malloc((size_t)JW * JH * 3);
    for (int k = 0; k < N_JPEG; k++) {
        make_photo(rgb, k);
        unsigned char *jpg = NULL;
        size_t len = 0;
        CHECK(emb_image_encode_jpeg(rgb, JW, JH, 3, 90, &jpg, &len) == EMB_OK);
        snprintf(path, sizeof path, "%s/data/all/zj_photo%d.jpg", tmp, k);
        CHECK(check_write_file(path, jpg, len));
        free(jpg);
    }
    free(rgb);
    snprintf(dir, sizeof dir, "%s/data", tmp);
    snprintf(model, sizeof model, "%s/clip/openai/model.f32.safetensors", TEST_DATA);
    const int n_ok = 6 + N_JPEG, E = 32;

    /* ---- overlap: bit-identical to the serial pipeline */
    run_t base = embed(dir, model, 1, 3, false, false);
    CHECK_EQ(n_ok, base.v.rows);
    CHECK_EQ(E, base.v.cols);
    CHECK_EQ(1, base.sk.n);
    if (base.sk.n == 1) CHECK_CONTAINS(base.sk.path[0], "m_bad.jpg");
    emb_npy ref;
    snprintf(path, sizeof path, "%s/clip/pre/ref_images.npy", TEST_DATA);
    CHECK(emb_npy_open(path, false, &ref) == EMB_OK);
    if (base.v.rows == n_ok) CHECK_CLOSE_F32((const float *)ref.data, base.v.data, 6 * E, 1e-4, 1e-6);
    emb_npy_close(&ref);
    const struct { int threads, batch; } cfg[] = {{2, 3}, {1, 3}, {2, 4}, {2, 1}, {2, 32}};
    for (size_t c = 0; c < sizeof cfg / sizeof cfg[0]; c++) {
        run_t r = embed(dir, model, cfg[c].threads, cfg[c].batch, true, false);
        CHECK_EQ(n_ok, r.v.rows);
        if (r.v.rows == n_ok && base.v.rows == n_ok) {
            /* bit for bit: the kernels' sums do not depend on the batch size,
             * the threads or which thread decoded what */
            CHECK(memcmp(base.v.data, r.v.data, sizeof(float) * n_ok * E) == 0);
            for (int i = 0; i < n_ok; i++) {
                CHECK(!strcmp(base.ds->path[i], r.ds->path[i]));
                CHECK(base.ds->pixel_hash[i] == r.ds->pixel_hash[i]);
                CHECK_EQ(base.ds->img_w_src[i], r.ds->img_w_src[i]);
            }
        }
        CHECK_EQ(1, r.sk.n);
        if (r.sk.n == 1 && base.sk.n == 1) {
            CHECK(!strcmp(base.sk.path[0], r.sk.path[0]));
            CHECK(!strcmp(base.sk.reason[0], r.sk.reason[0]));
        }
        run_free(&r);
    }
    /* the serial pipeline at batch 3 with 2 threads is also the same */
    run_t s2 = embed(dir, model, 2, 3, false, false);
    if (s2.v.rows == n_ok && base.v.rows == n_ok) CHECK(memcmp(base.v.data, s2.v.data, sizeof(float) * n_ok * E) == 0);
    run_free(&s2);

    /* ---- fast decode: scaled JPEG decode equals Pillow's draft() */
    snprintf(path, sizeof path, "%s/data/all/zj_photo0.jpg", tmp);
    emb_image im;
    CHECK(emb_image_load_scaled(path, 64, &im) == EMB_OK);
    CHECK_EQ(100, im.w);   /* 1/4: the smallest M/8 keeping the shorter side >= 64 (75) */
    CHECK_EQ(75, im.h);
    CHECK_EQ(JW, im.full_w);
    CHECK_EQ(JH, im.full_h);
    snprintf(cmd, sizeof cmd, "%s -c \"from PIL import Image; im = Image.open('%s'); im.draft('RGB', (100, 75)); "
             "im = im.convert('RGB'); assert im.size == (100, 75), im.size; open('%s/pil.rgb', 'wb').write(im.tobytes())\"",
             check_python(), path, tmp);
    free(check_run(cmd, &status));
    CHECK_EQ(0, status);
    size_t len = 0;
    snprintf(path, sizeof path, "%s/pil.rgb", tmp);
    uint8_t *pil = check_read_file(path, &len);
    CHECK_EQ(100 * 75 * 3, len);
    if (pil && len == 100 * 75 * 3 && im.rgb) {
        int maxd = 0;
        for (size_t i = 0; i < len; i++) maxd = abs(pil[i] - im.rgb[i]) > maxd ? abs(pil[i] - im.rgb[i]) : maxd;
        CHECK_EQ(0, maxd);
    }
    free(pil);
    emb_image_free(&im);
    /* small images, PNGs and min_side <= 0: full size */
    CHECK(emb_image_load_scaled(path, 0, &im) != EMB_OK);   /* pil.rgb is not an image */
    snprintf(path, sizeof path, "%s/data/all/zj_photo1.jpg", tmp);
    CHECK(emb_image_load_scaled(path, 151, &im) == EMB_OK);   /* 300 < 2 x 151 */
    CHECK_EQ(JW, im.w);
    emb_image_free(&im);
    CHECK(emb_image_load_scaled(path, 150, &im) == EMB_OK);   /* 4/8 */
    CHECK_EQ(200, im.w);
    CHECK_EQ(150, im.h);
    emb_image_free(&im);

    /* ---- fast decode in the dataset embed (S = 32: JPEGs decoded at 1/4) */
    run_t f = embed(dir, model, 2, 3, true, true);
    CHECK_EQ(n_ok, f.v.rows);
    if (f.v.rows == n_ok && base.v.rows == n_ok) {
        CHECK(memcmp(base.v.data, f.v.data, sizeof(float) * 6 * E) == 0);   /* PNGs: exact path */
        double mincos = 1;
        for (int i = 6; i < n_ok; i++) {
            double c = cosine(base.v.data + (size_t)i * E, f.v.data + (size_t)i * E, E);
            mincos = c < mincos ? c : mincos;
            CHECK_EQ(JW, f.ds->img_w_src[i]);
            CHECK_EQ(JH, f.ds->img_h_src[i]);
        }
        printf("fast decode vs exact, tiny model, %d JPEGs 400x300: min cosine %.6f\n", N_JPEG, mincos);
        CHECK(mincos >= 0.99);
        CHECK(mincos < 1.0);   /* the scaled decode really ran */
    }
    run_free(&f);
    run_free(&base);
    return check_exit();
}

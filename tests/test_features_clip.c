/* test_features_clip.c - CLIP vision tower and preprocessing against PyTorch
 * and Pillow. ref: tests/ref/make_clip_ref.py (tiny tower from torch.nn
 * layers, outputs computed in float64 from the weights as stored; PIL 9.4
 * bicubic resize + torchvision-style centre crop).
 * ctest-labels: unit */
#include "check.h"
#include "embscope.h"
#include "features/clip_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLIP_RTOL 1e-4   /* per element, the bound */
#define CLIP_ATOL 1e-6   /* elements of a unit vector near 0 */

static float *load_npy(const char *rel, int64_t *count) {
    char path[1024];
    snprintf(path, sizeof path, "%s/clip/%s", TEST_DATA, rel);
    emb_npy a;
    if (emb_npy_open(path, false, &a)) { fprintf(stderr, "%s\n", emb_errmsg()); return NULL; }
    float *v = malloc(sizeof(float) * (size_t)a.count);
    if (a.dtype == EMB_DT_F32) memcpy(v, a.data, sizeof(float) * (size_t)a.count);
    else for (int64_t i = 0; i < a.count; i++) v[i] = ((const uint8_t *)a.data)[i];
    *count = a.count;
    emb_npy_close(&a);
    return v;
}

static emb_clip *load(const char *rel, emb_clip_precision prec) {
    char path[1024];
    snprintf(path, sizeof path, "%s/clip/%s", TEST_DATA, rel);
    emb_clip_params p = emb_clip_default_params();
    p.n_threads = 2;
    p.precision = prec;
    emb_clip *m = NULL;
    if (emb_clip_load(path, &p, &m)) fprintf(stderr, "load %s: %s\n", path, emb_errmsg());
    return m;
}

static double cosine(const float *a, const float *b, int n) {
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < n; i++) { ab += (double)a[i] * b[i]; aa += (double)a[i] * a[i]; bb += (double)b[i] * b[i]; }
    return ab / sqrt(aa * bb);
}

/* Both namings x three dtypes against PyTorch, fast and naive forward. */
static void test_reference(void) {
    int64_t npx, nref;
    float *px = load_npy("pixels.npy", &npx);
    CHECK(px != NULL);
    if (!px) return;
    const char *dts[3] = {"f32", "f16", "bf16"}, *namings[2] = {"hf", "openai"};
    for (int d = 0; d < 3; d++) {
        char rel[64];
        snprintf(rel, sizeof rel, "ref_%s.npy", dts[d]);
        float *ref = load_npy(rel, &nref);
        CHECK_EQ(4 * 32, nref);
        for (int k = 0; k < 2; k++) {
            snprintf(rel, sizeof rel, "%s/model.%s.safetensors", namings[k], dts[d]);
            emb_clip *m = load(rel, EMB_CLIP_F32);
            CHECK(m != NULL);
            if (!m) continue;
            emb_clip_info in = emb_clip_info_get(m);
            CHECK_EQ(64, in.width); CHECK_EQ(2, in.layers); CHECK_EQ(4, in.heads);
            CHECK_EQ(8, in.patch); CHECK_EQ(32, in.image_size); CHECK_EQ(32, in.dim);
            CHECK(in.quick_gelu);
            CHECK(!strcmp(in.naming, namings[k]));
            float out[4 * 32], naive[4 * 32];
            emb_clip_ws *ws = emb_clip_ws_new(m, 3);   /* 4 images: a batch of 3 and one of 1 */
            CHECK(emb_clip_embed(m, ws, px, 4, out) == EMB_OK);
            CHECK_CLOSE_F32(ref, out, 4 * 32, CLIP_RTOL, CLIP_ATOL);
            CHECK(emb_clip_embed_naive(m, px, 4, naive) == EMB_OK);
            CHECK_CLOSE_F32(ref, naive, 4 * 32, CLIP_RTOL, CLIP_ATOL);
            double mx = 0;
            for (int i = 0; i < 4 * 32; i++) mx = fmax(mx, fabs(out[i] - ref[i]) / fabs(ref[i]));
            printf("%s %s: max rel err %.3g\n", namings[k], dts[d], mx);
            emb_clip_ws_free(ws);
            emb_clip_free(m);
        }
        free(ref);
    }
    /* exact GELU via open_clip_config.json quick_gelu: false */
    float *ref = load_npy("ref_gelu.npy", &nref);
    emb_clip *m = load("gelu/model.f32.safetensors", EMB_CLIP_F32);
    CHECK(m && !emb_clip_info_get(m).quick_gelu);
    if (m) {
        float out[4 * 32];
        emb_clip_ws *ws = emb_clip_ws_new(m, 4);
        CHECK(emb_clip_embed(m, ws, px, 4, out) == EMB_OK);
        CHECK_CLOSE_F32(ref, out, 4 * 32, CLIP_RTOL, CLIP_ATOL);
        emb_clip_ws_free(ws);
        emb_clip_free(m);
    }
    free(ref);
    free(px);
}

/* bf16 precision: cosine to float32 reference, kernel == scalar version. */
static void test_bf16(void) {
    int64_t npx, nref;
    float *px = load_npy("pixels.npy", &npx), *ref = load_npy("ref_f32.npy", &nref);
    emb_clip *m = load("hf/model.f32.safetensors", EMB_CLIP_BF16);
    CHECK(m && px && ref);
    if (!m || !px || !ref) { emb_clip_free(m); free(px); free(ref); return; }
    float out[4 * 32], scal[4 * 32];
    emb_clip_ws *ws = emb_clip_ws_new(m, 4);
    CHECK(emb_clip_embed(m, ws, px, 4, out) == EMB_OK);
    for (int i = 0; i < 4; i++) {
        double c = cosine(out + 32 * i, ref + 32 * i, 32);
        printf("bf16 image %d: cosine to float32 reference %.6f\n", i, c);
        CHECK(c >= 0.999);
    }
    emb__clip_force_scalar = 1;
    CHECK(emb_clip_embed(m, ws, px, 4, scal) == EMB_OK);
    emb__clip_force_scalar = 0;
    /* activations are rounded to bf16 between layers, so sums in another order
     * can flip a rounding; the GEMM itself is compared tightly in test_bf16_gemm */
    for (int i = 0; i < 4; i++) CHECK(cosine(out + 32 * i, scal + 32 * i, 32) >= 0.99999);
    printf("avx512-bf16 kernel %s\n", emb__have_avx512bf16() ? "used" : "absent (scalar compared with itself)");
    emb_clip_ws_free(ws);
    emb_clip_free(m);
    free(px);
    free(ref);
}

/* Direct bf16 and f32 GEMMs on odd sizes (masking, k padding, every tile
 * shape, k blocks) against the scalar version and the BLAS. */
static void test_bf16_gemm(void) {
    emb_rng r;
    emb_rng_seed(&r, 3);
    int sizes[][3] = {{1, 1, 1}, {7, 33, 13}, {13, 64, 64}, {50, 100, 77}, {6, 16, 2}, {97, 130, 700}};
    for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
        int M = sizes[t][0], N = sizes[t][1], K = sizes[t][2];
        emb__linear L = {.n = N, .k = K, .w = malloc(sizeof(float) * N * K), .b = malloc(sizeof(float) * N)};
        float *x = malloc(sizeof(float) * M * K), *y1 = malloc(sizeof(float) * M * N), *y2 = malloc(sizeof(float) * M * N);
        uint16_t *xbf = malloc(sizeof(uint16_t) * M * (K + 1));
        for (int i = 0; i < N * K; i++) L.w[i] = (float)emb_rng_normal(&r);
        for (int i = 0; i < N; i++) L.b[i] = (float)emb_rng_normal(&r);
        for (int i = 0; i < M * K; i++) x[i] = (float)emb_rng_normal(&r);
        for (int i = 0; i < M * N; i++) y1[i] = y2[i] = (float)i;
        CHECK(emb__linear_pack_bf16(&L));
        emb__linear_bf16(&L, x, M, y1, true, xbf, 2);
        emb__clip_force_scalar = 1;
        emb__linear_bf16(&L, x, M, y2, true, xbf, 2);
        emb__clip_force_scalar = 0;
        CHECK_CLOSE_F32(y2, y1, (size_t)M * N, 1e-5, 1e-4);
        /* the scalar version against double sums of the bf16-rounded inputs */
        double worst = 0;
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                double s = L.b[j] + (double)i * N + j, bf = 0;
                for (int k = 0; k < K; k++) {
                    uint32_t a = (uint32_t)emb__f32_to_bf16(x[i * K + k]) << 16, b = (uint32_t)emb__f32_to_bf16(L.w[j * K + k]) << 16;
                    float fa, fb;
                    memcpy(&fa, &a, 4); memcpy(&fb, &b, 4);
                    s += (double)fa * fb;
                    bf += fabs((double)fa * fb);
                }
                worst = fmax(worst, fabs(s - y2[i * N + j]) / (bf + 1.0));
            }
        CHECK(worst < 1e-5);
        /* float32: the AVX-512 kernel (packed panels) against the BLAS on w */
        for (int i = 0; i < M * N; i++) y1[i] = y2[i] = (float)i;
        emb__linear_f32(&L, x, M, y2, true, 2);
        if (emb__have_avx512f()) {
            CHECK(emb__linear_pack_f32(&L));
            emb__linear_f32(&L, x, M, y1, true, 2);
            CHECK_CLOSE_F32(y2, y1, (size_t)M * N, 1e-5, 1e-5);
        }
        /* fused activations (AVX-512 exp / erf in the kernels' store) against
         * the BLAS + libm expf / erff, and against double formulas */
        for (int a = 1; a <= 2; a++) {
            emb__linear Lb = L;
            Lb.wpf = NULL;
            emb__linear_f32_act(&Lb, x, M, y2, false, a, 2);
            emb__linear_f32_act(&L, x, M, y1, false, a, 2);
            CHECK_CLOSE_F32(y2, y1, (size_t)M * N, 2e-5, 2e-5);
            float *y3 = malloc(sizeof(float) * M * N);
            double worst_act = 0;
            for (int path = 0; path < 2; path++) {   /* each path's own pre-activation */
                emb__linear_f32_act(path ? &L : &Lb, x, M, y3, false, 0, 2);
                const float *post = path ? y1 : y2;
                for (int i = 0; i < M * N; i++) {
                    double v = y3[i], want = a == 1 ? v / (1 + exp(-1.702 * v)) : 0.5 * v * (1 + erf(v / sqrt(2.0)));
                    /* float cancellation in 1 + erf near -1: absolute error ~ |v| eps */
                    double tol = 1e-5 * fabs(want) + 1e-6 * (1 + fabs(v));
                    worst_act = fmax(worst_act, fabs(post[i] - want) / tol);
                }
            }
            CHECK(worst_act <= 1.0);
            if (emb__have_avx512bf16()) {
                emb__linear_bf16_act(&L, x, M, y1, false, a, xbf, 2);
                emb__linear_bf16(&L, x, M, y3, false, xbf, 2);
                for (int i = 0; i < M * N; i++) y3[i] = a == 1 ? y3[i] / (1 + expf(-1.702f * y3[i])) : 0.5f * y3[i] * (1 + erff(y3[i] / sqrtf(2.0f)));
                CHECK_CLOSE_F32(y3, y1, (size_t)M * N, 2e-5, 2e-5);
            }
            free(y3);
        }
        free(L.w); free(L.b); free(L.wp); free(L.wpf); free(x); free(y1); free(y2); free(xbf);
    }
}

/* Preprocessing against Pillow: the crop bytes of 6 images (goldens), and
 * the full pipeline's vectors against PyTorch on those crops. */
static void test_preprocess(void) {
    const char *names[6] = {"exact_32x32", "grad_200x150", "noise_31x45", "noise_64x40", "noise_97x61", "stripes_37x300"};
    int64_t nref;
    float *ref = load_npy("pre/ref_images.npy", &nref), px[6 * 3 * 32 * 32];
    size_t same = 0, total = 0;
    int maxd = 0;
    for (int i = 0; i < 6; i++) {
        char rel[128], path[1024];
        snprintf(path, sizeof path, "%s/clip/pre/%s.png", TEST_DATA, names[i]);
        snprintf(rel, sizeof rel, "pre/crop32_%s.npy", names[i]);
        int64_t n;
        float *want = load_npy(rel, &n);
        emb_image im;
        CHECK(emb_image_load(path, &im) == EMB_OK);
        uint8_t crop[32 * 32 * 3];
        CHECK(emb_clip_preprocess(&im, 32, crop, px + (size_t)i * 3 * 32 * 32) == EMB_OK);
        for (int k = 0; k < 32 * 32 * 3; k++) {
            int d = abs((int)crop[k] - (int)want[k]);
            same += d == 0;
            maxd = d > maxd ? d : maxd;
            total++;
        }
        /* normalisation: (v / 255 - mean) / std, channel-planar */
        float v = ((float)crop[3 * 37 + 1] / 255.0f - EMB_CLIP_MEAN_G) / EMB_CLIP_STD_G;
        CHECK_CLOSE(v, px[(size_t)i * 3072 + 1024 + 37], 1e-6, 1e-6);
        emb_image_free(&im);
        free(want);
    }
    printf("preprocess vs PIL goldens: %zu / %zu identical, max diff %d\n", same, total, maxd);
    CHECK(same >= total * 999 / 1000);
    CHECK(maxd <= 1);
    emb_clip *m = load("hf/model.f32.safetensors", EMB_CLIP_F32);
    if (m && ref) {
        float out[6 * 32];
        emb_clip_ws *ws = emb_clip_ws_new(m, 8);
        CHECK(emb_clip_embed(m, ws, px, 6, out) == EMB_OK);
        CHECK_CLOSE_F32(ref, out, 6 * 32, CLIP_RTOL, CLIP_ATOL);
        emb_clip_ws_free(ws);
    }
    emb_clip_free(m);
    free(ref);
}

/* Large downscales against Pillow run now (1280 x 960 noise and photo-like
 * gradients -> 224), when Debian's python3 with PIL is present. */
static void test_preprocess_live(void) {
    const char *py = check_python();
    char probe[256];
    snprintf(probe, sizeof probe, "%s -c 'import PIL, numpy' 2>/dev/null", py);
    int status;
    free(check_run(probe, &status));
    if (!CHECK(status == 0 /* python3 with PIL and numpy runs */)) return;
    emb_rng r;
    emb_rng_seed(&r, 11);
    int dims[3][2] = {{1280, 960}, {333, 500}, {225, 224}};
    size_t same = 0, total = 0;
    int maxd = 0;
    for (int t = 0; t < 3; t++) {
        int w = dims[t][0], h = dims[t][1];
        uint8_t *rgb = malloc((size_t)w * h * 3);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                    rgb[((size_t)y * w + x) * 3 + c] = t == 1 ? (uint8_t)((x * 7 + y * (c + 1) * 3) ^ (x * y)) : (uint8_t)emb_rng_below(&r, 256);
        unsigned char *png;
        size_t len;
        CHECK(emb_image_encode_png(rgb, w, h, 3, &png, &len) == EMB_OK);
        char src[1024], dst[1024], cmd[4096];
        snprintf(src, sizeof src, "%s/live%d.png", check_tmpdir(), t);
        snprintf(dst, sizeof dst, "%s/live%d.npy", check_tmpdir(), t);
        CHECK(check_write_file(src, png, len));
        free(png);
        snprintf(cmd, sizeof cmd,
                 "%s -c \"import numpy as np; from PIL import Image; im = Image.open('%s'); w, h = im.size; s = 224\n"
                 "ow, oh = (s, int(s * h / w)) if w <= h else (int(s * w / h), s)\n"
                 "r = im.resize((ow, oh), Image.BICUBIC); t, l = int(round((oh - s) / 2.0)), int(round((ow - s) / 2.0))\n"
                 "np.save('%s', np.asarray(r.crop((l, t, l + s, t + s))))\"", py, src, dst);
        free(check_run(cmd, &status));
        CHECK(status == 0);
        emb_npy a;
        emb_image im = {.rgb = rgb, .w = w, .h = h};
        uint8_t *crop = malloc(224 * 224 * 3);
        float *out = malloc(sizeof(float) * 3 * 224 * 224);
        CHECK(emb_clip_preprocess(&im, 224, crop, out) == EMB_OK);
        if (emb_npy_open(dst, false, &a) == EMB_OK) {
            CHECK_EQ(224 * 224 * 3, a.count);
            for (int64_t k = 0; k < a.count && k < 224 * 224 * 3; k++) {
                int d = abs((int)crop[k] - (int)((const uint8_t *)a.data)[k]);
                same += d == 0;
                maxd = d > maxd ? d : maxd;
                total++;
            }
            emb_npy_close(&a);
        } else CHECK(!"PIL output missing");
        free(rgb); free(crop); free(out);
    }
    printf("preprocess vs PIL live (224): %zu / %zu identical, max diff %d\n", same, total, maxd);
    CHECK(total > 0 && same >= total * 999 / 1000);
    CHECK(maxd <= 1);
}

int main(void) {
    test_reference();
    test_bf16();
    test_bf16_gemm();
    test_preprocess();
    test_preprocess_live();
    return check_exit();
}

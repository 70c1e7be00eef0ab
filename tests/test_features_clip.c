/* test_features_clip.c - CLIP vision tower and preprocessing against PyTorch
 * and Pillow. ref: tests/ref/make_clip_ref.py (tiny tower from torch.nn
 * layers, outputs computed in float64 from the weights as stored; PIL 9.4
 * bicubic resize + torchvision-style centre crop). Runs once per SIMD level
 * the machine has (EMB_CPU set by ctest): the kernels of that level against
 * the plain-C ones and double sums, the forward pass against PyTorch.
 * ctest-labels: unit
 * ctest-levels: all */
#include "check.h"
#include "embscope.h"
#include "features/clip_internal.h"
#include "features/features.h"

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

static emb_clip *load_threads(const char *rel, emb_clip_precision prec, int threads) {
    char path[1024];
    snprintf(path, sizeof path, "%s/clip/%s", TEST_DATA, rel);
    emb_clip_params p = emb_clip_default_params();
    p.n_threads = threads;
    p.precision = prec;
    emb_clip *m = NULL;
    if (emb_clip_load(path, &p, &m)) fprintf(stderr, "load %s: %s\n", path, emb_errmsg());
    return m;
}

static emb_clip *load(const char *rel, emb_clip_precision prec) { return load_threads(rel, prec, 2); }

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
            for (int i = 0; i < 4 * 32; i++) {  /* not fmax(): ICE in Debian 12's aarch64 GCC 12.2 */
                double e = fabs(out[i] - ref[i]) / fabs(ref[i]);
                if (e > mx) mx = e;
            }
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

/* bf16 precision at this level: cosine to the float32 reference; the same
 * bits for batch 1 and 3 and for 1 and 2 threads. */
static void test_bf16(void) {
    int64_t npx, nref;
    float *px = load_npy("pixels.npy", &npx), *ref = load_npy("ref_f32.npy", &nref);
    emb_clip *m = load("hf/model.f32.safetensors", EMB_CLIP_BF16), *m1 = load_threads("hf/model.f32.safetensors", EMB_CLIP_BF16, 1);
    CHECK(m && m1 && px && ref);
    if (!m || !m1 || !px || !ref) { emb_clip_free(m); emb_clip_free(m1); free(px); free(ref); return; }
    float out[4 * 32], b1[4 * 32], t1[4 * 32];
    emb_clip_ws *ws = emb_clip_ws_new(m, 3), *ws1 = emb_clip_ws_new(m, 1), *wst = emb_clip_ws_new(m1, 3);
    CHECK(emb_clip_embed(m, ws, px, 4, out) == EMB_OK);   /* batches of 3 and 1 */
    for (int i = 0; i < 4; i++) {
        double c = cosine(out + 32 * i, ref + 32 * i, 32);
        printf("bf16 image %d: cosine to float32 reference %.6f\n", i, c);
        CHECK(c >= 0.999);
    }
    CHECK(emb_clip_embed(m, ws1, px, 4, b1) == EMB_OK);
    CHECK(emb_clip_embed(m1, wst, px, 4, t1) == EMB_OK);
    CHECK(memcmp(out, b1, sizeof out) == 0);   /* batch 3 + 1 vs 1 + 1 + 1 + 1 */
    CHECK(memcmp(out, t1, sizeof out) == 0);   /* 2 threads vs 1 */
    emb_clip_ws_free(ws); emb_clip_ws_free(ws1); emb_clip_ws_free(wst);
    emb_clip_free(m); emb_clip_free(m1);
    free(px);
    free(ref);
}

/* The float32 forward pass at this level: the same bits for batch 1 and 3
 * and for 1 and 2 threads (the GEMMs' k order depends on k only). */
static void test_f32_determinism(void) {
    int64_t npx;
    float *px = load_npy("pixels.npy", &npx);
    emb_clip *m = load("openai/model.f32.safetensors", EMB_CLIP_F32), *m1 = load_threads("openai/model.f32.safetensors", EMB_CLIP_F32, 1);
    CHECK(m && m1 && px);
    if (m && m1 && px) {
        float a[4 * 32], b[4 * 32], c[4 * 32];
        emb_clip_ws *ws = emb_clip_ws_new(m, 3), *ws1 = emb_clip_ws_new(m, 1), *wst = emb_clip_ws_new(m1, 4);
        CHECK(emb_clip_embed(m, ws, px, 4, a) == EMB_OK);
        CHECK(emb_clip_embed(m, ws1, px, 4, b) == EMB_OK);
        CHECK(emb_clip_embed(m1, wst, px, 4, c) == EMB_OK);
        CHECK(memcmp(a, b, sizeof a) == 0);
        CHECK(memcmp(a, c, sizeof a) == 0);
        emb_clip_ws_free(ws); emb_clip_ws_free(ws1); emb_clip_ws_free(wst);
    }
    emb_clip_free(m); emb_clip_free(m1);
    free(px);
}

/* Largest |got - want| / scale over n: 1 at the tolerance. */
static double worst_scaled(const float *got, const double *want, const double *scale, size_t n) {
    double w = 0;
    for (size_t i = 0; i < n; i++) w = fmax(w, fabs(got[i] - want[i]) / scale[i]);
    return w;
}

static double act_double(double v, int a) {
    return a == EMB__ACT_QUICK_GELU ? v / (1 + exp(-1.702 * v)) : a == EMB__ACT_GELU ? 0.5 * v * (1 + erf(v / sqrt(2.0))) : v;
}

/* post (n) = act(pre) within the activations' tolerance: the polynomial exp /
 * erf (and libm's) to ~1e-6 relative; near GELU's zero, float cancellation
 * in 1 + erf costs ~|v| eps absolute. */
static double act_worst(const float *pre, const float *post, size_t n, int a) {
    double w = 0;
    for (size_t i = 0; i < n; i++) {
        double v = pre[i], want = act_double(v, a), tol = 1e-5 * fabs(want) + 1e-6 * (1 + fabs(v));
        w = fmax(w, fabs(post[i] - want) / tol);
    }
    return w;
}

/* GEMMs at this level on odd sizes (m = 1, odd k, n not a multiple of 16,
 * k > KC, every tile shape) against double sums and the plain-C level:
 * float32 sums in any order are within gamma_k = k u of the exact sum
 * relative to sum |terms| (Higham, Accuracy and Stability, 3.1), so the
 * bound on |y - exact| is (k + 2) 2^-24 (sum |x w| + |b| + |y0|); every
 * level is checked against it, and against C within twice it. bf16: the
 * same on the bf16-rounded inputs against the scalar reference; the widened
 * kernels equal the float32 kernel on rounded inputs bit for bit. Threads
 * 1 vs 2 and m rows at once vs one at a time: the same bits. */
typedef struct {
    int M, N, K;
    emb__linear L, Lr;          /* W (N, K) random normal, bias; Lr: W rounded to bf16 */
    float *x, *xr, *y0;         /* x (M, K), xr rounded to bf16; y0 (M, N) = i: accumulated into */
    double *want, *scale;       /* (M, N) double sums; the bound (K + 2) 2^-24 sum |terms| */
    double *wantr, *scaler;     /* the same for the bf16-rounded inputs */
    void *scratch;
} gemm_case;

static gemm_case case_new(int M, int N, int K, emb_rng *r) {
    gemm_case c = {.M = M, .N = N, .K = K, .scratch = malloc(sizeof(float) * emb__linear_scratch_floats(M, K, 2))};
    size_t MN = (size_t)M * N;
    c.L = (emb__linear){.n = N, .k = K, .w = malloc(sizeof(float) * N * K), .b = malloc(sizeof(float) * N)};
    c.Lr = (emb__linear){.n = N, .k = K, .w = malloc(sizeof(float) * N * K), .b = c.L.b};
    c.x = malloc(sizeof(float) * M * K); c.xr = malloc(sizeof(float) * M * K); c.y0 = malloc(sizeof(float) * MN);
    c.want = malloc(sizeof(double) * MN); c.scale = malloc(sizeof(double) * MN);
    c.wantr = malloc(sizeof(double) * MN); c.scaler = malloc(sizeof(double) * MN);
    for (int i = 0; i < N * K; i++) c.L.w[i] = (float)emb_rng_normal(r);
    for (int i = 0; i < N; i++) c.L.b[i] = (float)emb_rng_normal(r);
    for (int i = 0; i < M * K; i++) c.x[i] = (float)emb_rng_normal(r);
    for (size_t i = 0; i < MN; i++) c.y0[i] = (float)i;   /* accumulate into large values: cancellation */
    uint32_t u;
    for (int i = 0; i < N * K; i++) { u = (uint32_t)emb__f32_to_bf16(c.L.w[i]) << 16; memcpy(&c.Lr.w[i], &u, 4); }
    for (int i = 0; i < M * K; i++) { u = (uint32_t)emb__f32_to_bf16(c.x[i]) << 16; memcpy(&c.xr[i], &u, 4); }
    double g = (K + 2) * ldexp(1.0, -24);
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = (double)c.L.b[j] + c.y0[i * N + j], a = fabs(c.L.b[j]) + fabs(c.y0[i * N + j]), sr = s, ar = a;
            for (int k = 0; k < K; k++) {
                s += (double)c.x[i * K + k] * c.L.w[j * K + k];
                a += fabs((double)c.x[i * K + k] * c.L.w[j * K + k]);
                sr += (double)c.xr[i * K + k] * c.Lr.w[j * K + k];
                ar += fabs((double)c.xr[i * K + k] * c.Lr.w[j * K + k]);
            }
            c.want[i * N + j] = s; c.scale[i * N + j] = g * a;
            c.wantr[i * N + j] = sr; c.scaler[i * N + j] = g * ar;
        }
    CHECK(emb__linear_pack_f32(&c.L) && emb__linear_pack_bf16(&c.L) && emb__linear_pack_f32(&c.Lr));
    return c;
}

static void case_free(gemm_case *c) {
    free(c->L.w); free(c->L.b); free(c->L.wp); free(c->L.wpf); free(c->Lr.w); free(c->Lr.wpf);
    free(c->x); free(c->xr); free(c->y0); free(c->scratch);
    free(c->want); free(c->scale); free(c->wantr); free(c->scaler);
}

/* y = y0 + x W^T + b at `level` (bf16: the level's kernel, ref: the scalar
 * reference, rounded: the float32 kernel on the rounded inputs), with nt
 * threads, all M rows in one call or one row per call. */
enum { RUN_F32, RUN_BF16, RUN_BF16_REF, RUN_F32_ROUNDED, RUN_BF16_DOT };
static void run(gemm_case *c, int what, emb_cpu_level level, int nt, bool row_by_row, float *y) {
    memcpy(y, c->y0, sizeof(float) * c->M * c->N);
    for (int i0 = 0; i0 < c->M; i0 += row_by_row ? 1 : c->M) {
        int m = row_by_row ? 1 : c->M;
        const float *x = (what == RUN_F32_ROUNDED ? c->xr : c->x) + (size_t)i0 * c->K;
        float *yi = y + (size_t)i0 * c->N;
        if (what == RUN_F32) emb__linear_f32_at(&c->L, x, m, yi, true, 0, nt, level);
        else if (what == RUN_F32_ROUNDED) emb__linear_f32_at(&c->Lr, x, m, yi, true, 0, nt, level);
        else if (what == RUN_BF16) emb__linear_bf16_at(&c->L, x, m, yi, true, 0, c->scratch, nt, level);
        else if (what == RUN_BF16_DOT) emb__linear_bf16_dot(&c->L, x, m, yi, true, 0, c->scratch, nt);
        else emb__linear_bf16_ref(&c->L, x, m, yi, true, 0, c->scratch, nt);
    }
}

/* The level (y1) and plain C / the reference (y2) within the bound of the
 * double sums, and of each other within twice it; the largest fractions of
 * the bound returned in w[3]. */
static void check_bound(const float *y1, const float *y2, const double *want, const double *scale, size_t n, double w[3]) {
    w[0] = worst_scaled(y1, want, scale, n);
    w[1] = worst_scaled(y2, want, scale, n);
    w[2] = 0;
    for (size_t i = 0; i < n; i++) w[2] = fmax(w[2], fabs(y1[i] - y2[i]) / (2 * scale[i]));
    CHECK(w[0] <= 1.0); CHECK(w[1] <= 1.0); CHECK(w[2] <= 1.0);
}

static void test_gemm(void) {
    emb_cpu_level lv = emb_cpu_level_active();
    printf("level %s: f32 GEMM %s, bf16 GEMM %s\n", emb_cpu_level_name(lv), emb__clip_gemm_kernel(lv, false),
           emb__clip_gemm_kernel(lv, true));
    emb_rng r;
    emb_rng_seed(&r, 3);
    /* k = 64, 256, 96, 544: AMX's tiles (k a multiple of 32; 544 = two k blocks), m and n tails included */
    int sizes[][3] = {{1, 1, 1}, {7, 33, 13}, {13, 64, 64}, {50, 100, 77}, {6, 16, 2}, {97, 130, 700}, {1, 70, 513}, {19, 48, 256},
                      {70, 40, 96}, {101, 130, 544}};
    for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
        gemm_case c = case_new(sizes[t][0], sizes[t][1], sizes[t][2], &r);
        size_t MN = (size_t)c.M * c.N, bytes = sizeof(float) * MN;
        float *y1 = malloc(bytes), *y2 = malloc(bytes), *y3 = malloc(bytes);
        double wf[3], wb[3];
        /* float32: level and plain C; 1 thread, one row per call, AVX2 for AVX-512: the same bits */
        run(&c, RUN_F32, lv, 2, false, y1);
        run(&c, RUN_F32, EMB_CPU_SCALAR, 2, false, y2);
        check_bound(y1, y2, c.want, c.scale, MN, wf);
        run(&c, RUN_F32, lv, 1, false, y3);
        CHECK(memcmp(y1, y3, bytes) == 0);
        run(&c, RUN_F32, lv, 2, true, y3);
        CHECK(memcmp(y1, y3, bytes) == 0);
        if (lv >= EMB_CPU_AVX512) {   /* AVX2's tile runs the same chains in 8 lanes */
            run(&c, RUN_F32, EMB_CPU_AVX2, 2, false, y3);
            CHECK(memcmp(y1, y3, bytes) == 0);
        }
        /* bf16: level and the scalar reference; widened = float32 on rounded inputs; threads, rows */
        run(&c, RUN_BF16, lv, 2, false, y1);
        run(&c, RUN_BF16_REF, lv, 2, false, y2);
        check_bound(y1, y2, c.wantr, c.scaler, MN, wb);
        if (!emb__clip_bf16_dot(lv) && !emb__clip_bf16_amx(lv, c.K)) {   /* widened: the float32 kernel on the rounded inputs */
            run(&c, RUN_F32_ROUNDED, lv, 2, false, y3);
            CHECK(memcmp(y1, y3, bytes) == 0);
        }
        if (lv >= EMB_CPU_AVX512_BF16) {   /* the vdpbf16ps kernel, whether or not this CPU's level picks it */
            double wd[3];
            float *y4 = malloc(bytes);
            run(&c, RUN_BF16_DOT, lv, 2, false, y3);
            check_bound(y3, y2, c.wantr, c.scaler, MN, wd);
            run(&c, RUN_BF16_DOT, lv, 1, true, y4);
            CHECK(memcmp(y3, y4, bytes) == 0);
            free(y4);
        }
        run(&c, RUN_BF16, lv, 1, false, y3);
        CHECK(memcmp(y1, y3, bytes) == 0);
        run(&c, RUN_BF16, lv, 2, true, y3);
        CHECK(memcmp(y1, y3, bytes) == 0);
        printf("  %dx%dx%d: f32 %s %.3f, c %.3f, vs c %.3f; bf16 %.3f, ref %.3f, vs ref %.3f (of the bound)\n", c.M, c.N, c.K,
               emb_cpu_level_name(lv), wf[0], wf[1], wf[2], wb[0], wb[1], wb[2]);
        /* fused activations against double formulas on each path's own pre-activation */
        for (int a = 1; a <= 2; a++) {
            emb__linear_f32_at(&c.L, c.x, c.M, y1, false, a, 2, lv);
            emb__linear_f32_at(&c.L, c.x, c.M, y2, false, 0, 2, lv);
            CHECK(act_worst(y2, y1, MN, a) <= 1.0);
            emb__linear_bf16_at(&c.L, c.x, c.M, y1, false, a, c.scratch, 2, lv);
            emb__linear_bf16_at(&c.L, c.x, c.M, y2, false, 0, c.scratch, 2, lv);
            CHECK(act_worst(y2, y1, MN, a) <= 1.0);
            emb__linear_bf16_ref(&c.L, c.x, c.M, y1, false, a, c.scratch, 2);
            emb__linear_bf16_ref(&c.L, c.x, c.M, y2, false, 0, c.scratch, 2);
            CHECK(act_worst(y2, y1, MN, a) <= 1.0);
        }
        free(y1); free(y2); free(y3);
        case_free(&c);
    }
}

/* Activations over a dense sweep of [-12, 12] through a k = 1 GEMM
 * (y = x exactly, so the store's activation sees every value). */
static void test_act_sweep(void) {
    emb_cpu_level lv = emb_cpu_level_active();
    const int M = 4801;
    float one = 1.0f, *x = malloc(sizeof(float) * M), *y = malloc(sizeof(float) * M), *scratch = malloc(sizeof(float) * emb__linear_scratch_floats(M, 1, 2));
    emb__linear L = {.n = 1, .k = 1, .w = &one};
    CHECK(emb__linear_pack_f32(&L) && emb__linear_pack_bf16(&L));
    L.w = NULL;
    for (int i = 0; i < M; i++) x[i] = -12.0f + 0.005f * (float)i;
    for (int a = 1; a <= 2; a++) {
        emb__linear_f32_at(&L, x, M, y, false, a, 2, lv);
        double w = act_worst(x, y, M, a);
        printf("act %d sweep at %s: %.3f of the tolerance\n", a, emb_cpu_level_name(lv), w);
        CHECK(w <= 1.0);
        if (lv >= EMB_CPU_AVX512) {   /* emb__exp256 / erf256 mirror the AVX-512 ones bit for bit */
            float *y2 = malloc(sizeof(float) * M);
            emb__linear_f32_at(&L, x, M, y2, false, a, 2, EMB_CPU_AVX2);
            CHECK(memcmp(y, y2, sizeof(float) * M) == 0);
            free(y2);
        }
    }
    free(L.wp); free(L.wpf); free(x); free(y); free(scratch);
}

/* LayerNorm and attention at this level against the plain-C versions on
 * random rows: hd 16 and 64 (SIMD at every level), 12 (plain C), T 17 and 50
 * (not multiples of 8 or 16). Tolerance: float sums of d (or T) terms, ~1e-6
 * relative; 1e-5 of the row's scale. */
static void test_ln_attention(void) {
    emb_cpu_level lv = emb_cpu_level_active();
    emb_rng r;
    emb_rng_seed(&r, 5);
    int dims[] = {64, 768, 40, 24};
    for (size_t t = 0; t < sizeof dims / sizeof dims[0]; t++) {
        int d = dims[t];
        float *x = malloc(sizeof(float) * d), *w = malloc(sizeof(float) * d), *b = malloc(sizeof(float) * d);
        float *y1 = malloc(sizeof(float) * d), *y2 = malloc(sizeof(float) * d);
        for (int i = 0; i < d; i++) { x[i] = 3.0f + 2.0f * (float)emb_rng_normal(&r); w[i] = (float)emb_rng_normal(&r); b[i] = (float)emb_rng_normal(&r); }
        emb__clip_layernorm_at(x, y1, d, w, b, lv);
        emb__clip_layernorm_at(x, y2, d, w, b, EMB_CPU_SCALAR);
        CHECK_CLOSE_F32(y2, y1, (size_t)d, 1e-5, 1e-5);
        free(x); free(w); free(b); free(y1); free(y2);
    }
    int shapes[][3] = {{17, 4, 16}, {50, 12, 64}, {17, 2, 12}, {9, 2, 8}};   /* T, heads, hd */
    for (size_t t = 0; t < sizeof shapes / sizeof shapes[0]; t++) {
        int T = shapes[t][0], H = shapes[t][1], hd = shapes[t][2], D = H * hd, Tp = (T + 15) & ~15;
        float *qkv = malloc(sizeof(float) * T * 3 * D), *o1 = malloc(sizeof(float) * T * D), *o2 = malloc(sizeof(float) * T * D);
        float *scratch = malloc(sizeof(float) * ((size_t)hd * Tp + Tp));
        for (int i = 0; i < T * 3 * D; i++) qkv[i] = 2.0f * (float)emb_rng_normal(&r);
        for (int h = 0; h < H; h++) {
            emb__clip_attend_at(qkv, o1, T, D, h, hd, scratch, lv);
            emb__clip_attend_at(qkv, o2, T, D, h, hd, scratch, EMB_CPU_SCALAR);
        }
        CHECK_CLOSE_F32(o2, o1, (size_t)T * D, 1e-5, 1e-5);
        free(qkv); free(o1); free(o2); free(scratch);
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
    test_f32_determinism();
    test_gemm();
    test_act_sweep();
    test_ln_attention();
    test_preprocess();
    test_preprocess_live();
    return check_exit();
}

/* clip_gemm.c - GEMMs for CLIP's linear layers, y = x W^T + b.
 * float32: OpenBLAS's SGEMM reached ~35% of this machine's FMA peak (its
 * 0.3.21 build runs Haswell kernels on AMD Zen 4), so CPUs with AVX-512 get
 * a BLIS-style kernel: W packed once into 16-column panels, a 6 x 64
 * register tile (24 zmm accumulators, vfmadd231ps with broadcast x), k
 * blocked so a 64-column block of W stays in L2; tasks are handed out
 * dynamically (the shared machine preempts threads unevenly). Other CPUs use
 * the BLAS.
 * bfloat16: x and W rounded to bf16 (nearest even), float32 sums; AVX512-BF16
 * vdpbf16ps (two products per lane) on W packed in 16-column panels of
 * k-pairs, same tiling. Chosen at run time with __builtin_cpu_supports; the
 * scalar version beside it computes the same sums one output at a time and
 * is what the kernel is tested against. */
#include "clip_internal.h"
#include "clip_vmath.h"

#include <cblas.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#define MR 6    /* rows of x per register tile */
#define NR 4    /* 16-column panels per register tile (64 columns) */
#define KC 256  /* k block: 64 columns x 256 x 4 bytes = 64 KiB of W per block */
#define MC 16   /* register tiles per task (96 rows) */

void openblas_set_num_threads(int n);

uint16_t emb__f32_to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);   /* quiet NaN */
    u += 0x7fffu + ((u >> 16) & 1);   /* round to nearest even */
    return (uint16_t)(u >> 16);
}

static float bf16_to_f32(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

bool emb__have_avx512bf16(void) {
#if defined(__x86_64__) && defined(__GNUC__)
    static int have = -1;
    if (have < 0) {
        __builtin_cpu_init();
        have = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bf16");
    }
    return have > 0;
#else
    return false;
#endif
}

bool emb__have_avx512f(void) {
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
#else
    return false;
#endif
}

bool emb__linear_pack_f32(emb__linear *L) {
    int np = (L->n + 15) / 16;
    L->wpf = emb__alloc_big((size_t)np * L->k * 16 * sizeof(float), true);
    if (!L->wpf) return false;
    for (int c = 0; c < L->n; c++)
        for (int k = 0; k < L->k; k++) L->wpf[((size_t)(c / 16) * L->k + k) * 16 + c % 16] = L->w[(size_t)c * L->k + k];
    return true;
}

bool emb__linear_pack_bf16(emb__linear *L) {
    int kp = (L->k + 1) / 2, np = (L->n + 15) / 16;
    L->wp = emb__alloc_big((size_t)np * kp * 32 * sizeof(uint16_t), true);
    if (!L->wp) return false;
    for (int c = 0; c < L->n; c++)
        for (int k = 0; k < L->k; k++)
            L->wp[((size_t)(c / 16) * kp + k / 2) * 32 + 2 * (c % 16) + (k & 1)] = emb__f32_to_bf16(L->w[(size_t)c * L->k + k]);
    return true;
}

/* x (m, k) float -> xbf (m, 2 kp) bf16, odd k padded with 0. */
static void to_bf16_scalar(const float *x, int m, int k, uint16_t *xbf, int nt) {
    int k2 = (k + 1) & ~1;
    #pragma omp parallel for num_threads(nt) schedule(static)
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < k; j++) xbf[(size_t)i * k2 + j] = emb__f32_to_bf16(x[(size_t)i * k + j]);
        if (k2 > k) xbf[(size_t)i * k2 + k] = 0;
    }
}

/* The scalar reference: same rounding of inputs, float32 sums. */
static void gemm_bf16_scalar(const emb__linear *L, const uint16_t *xbf, int m, float *y, bool acc, int nt) {
    int kp = (L->k + 1) / 2;
    #pragma omp parallel for num_threads(nt) schedule(static)
    for (int i = 0; i < m; i++)
        for (int c = 0; c < L->n; c++) {
            const uint16_t *w = L->wp + (size_t)(c / 16) * kp * 32 + 2 * (c % 16);
            const uint16_t *a = xbf + (size_t)i * 2 * kp;
            float s = 0;
            for (int p = 0; p < kp; p++)
                s += bf16_to_f32(a[2 * p]) * bf16_to_f32(w[(size_t)p * 32]) + bf16_to_f32(a[2 * p + 1]) * bf16_to_f32(w[(size_t)p * 32 + 1]);
            float v = s + (L->b ? L->b[c] : 0.0f);
            y[(size_t)i * L->n + c] = acc ? y[(size_t)i * L->n + c] + v : v;
        }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

/* One row; the OpenMP loops stay outside the target functions, whose outlined
 * bodies would not inherit the target attribute under clang. */
BF16_TARGET static void row_to_bf16_avx512(const float *r, int k, uint16_t *o) {
    int j = 0;
    for (; j + 16 <= k; j += 16) {
        __m256bh h = _mm512_cvtneps_pbh(_mm512_loadu_ps(r + j));
        _mm256_storeu_si256((__m256i *)(o + j), (__m256i)h);
    }
    for (; j < k; j++) o[j] = emb__f32_to_bf16(r[j]);
}

static void to_bf16_avx512(const float *x, int m, int k, uint16_t *xbf, int nt) {
    int k2 = (k + 1) & ~1;
    #pragma omp parallel for num_threads(nt) schedule(static)
    for (int i = 0; i < m; i++) {
        row_to_bf16_avx512(x + (size_t)i * k, k, xbf + (size_t)i * k2);
        if (k2 > k) xbf[(size_t)i * k2 + k] = 0;
    }
}

#define F32_TARGET __attribute__((target("avx512f")))

/* C tile (mr rows, nr panels) (+)= A (mr rows, kc) x panels (kc rows of 16). */
F32_TARGET static inline __attribute__((always_inline)) void
tile_f32(const int mr, const int nr, const float *a, size_t lda, const float *w, size_t panel, int kc,
         float *c, size_t ldc, const float *bias, bool acc, int ncols, int act) {
    __m512 s[MR][NR];
#pragma GCC unroll 8
    for (int i = 0; i < mr; i++)
#pragma GCC unroll 8
        for (int j = 0; j < nr; j++) s[i][j] = _mm512_setzero_ps();
    for (int p = 0; p < kc; p++) {
        __m512 b[NR];
#pragma GCC unroll 8
        for (int j = 0; j < nr; j++) b[j] = _mm512_loadu_ps(w + (size_t)j * panel + (size_t)p * 16);
#pragma GCC unroll 8
        for (int i = 0; i < mr; i++) {
            __m512 av = _mm512_set1_ps(a[(size_t)i * lda + p]);
#pragma GCC unroll 8
            for (int j = 0; j < nr; j++) s[i][j] = _mm512_fmadd_ps(av, b[j], s[i][j]);
        }
    }
#pragma GCC unroll 8
    for (int j = 0; j < nr; j++) {
        int left = ncols - 16 * j;
        __mmask16 mk = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
        __m512 bv = bias ? _mm512_maskz_loadu_ps(mk, bias + 16 * j) : _mm512_setzero_ps();
#pragma GCC unroll 8
        for (int i = 0; i < mr; i++) {
            float *cp = c + (size_t)i * ldc + 16 * j;
            __m512 v = _mm512_add_ps(s[i][j], bv);
            if (acc) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mk, cp));
            if (act) v = emb__act512(v, act);
            _mm512_mask_storeu_ps(cp, mk, v);
        }
    }
}

F32_TARGET static void tile_f32_any(int mr, int nr, const float *a, size_t lda, const float *w, size_t panel, int kc,
                                    float *c, size_t ldc, const float *bias, bool acc, int ncols, int act) {
    switch (mr * 8 + nr) {
#define T_(R, N) case R * 8 + N: tile_f32(R, N, a, lda, w, panel, kc, c, ldc, bias, acc, ncols, act); break;
#define TR(R) T_(R, 1) T_(R, 2) T_(R, 3) T_(R, 4)
    TR(1) TR(2) TR(3) TR(4) TR(5) TR(6)
#undef TR
#undef T_
    default: break;
    }
}

/* Tasks: (64-column block, MC register tiles); inside a task k is blocked by
 * KC so the block's W slice (64 KiB) is reused from L2 by every tile. The
 * activation (if any) is applied to the tile in registers after its last k
 * block, saving a pass over y. */
static void gemm_f32_avx512(const emb__linear *L, const float *x, int m, float *y, bool acc, int act, int nt) {
    int K = L->k, np = (L->n + 15) / 16, nb = (np + NR - 1) / NR, mb = (m + MR - 1) / MR, mt = (mb + MC - 1) / MC;
    size_t panel = (size_t)K * 16;
    #pragma omp parallel for num_threads(nt) schedule(dynamic, 1) collapse(2)
    for (int jb = 0; jb < nb; jb++)
        for (int it = 0; it < mt; it++) {
            int nr = np - jb * NR < NR ? np - jb * NR : NR, col = jb * NR * 16;
            for (int k0 = 0; k0 < K; k0 += KC) {
                int kc = K - k0 < KC ? K - k0 : KC;
                for (int ib = it * MC; ib < mb && ib < (it + 1) * MC; ib++) {
                    int mr = m - ib * MR < MR ? m - ib * MR : MR;
                    tile_f32_any(mr, nr, x + (size_t)ib * MR * K + k0, (size_t)K, L->wpf + (size_t)jb * NR * panel + (size_t)k0 * 16,
                                 panel, kc, y + (size_t)ib * MR * L->n + col, (size_t)L->n,
                                 k0 == 0 && L->b ? L->b + col : NULL, acc || k0 > 0, L->n - col, k0 + kc == K ? act : 0);
                }
            }
        }
}

/* C tile (mr rows, nr panels) = A (mr rows of kp pairs) x panels. */
BF16_TARGET static inline __attribute__((always_inline)) void
tile(const int mr, const int nr, const uint16_t *a, size_t lda, const uint16_t *w, size_t panel, int kp,
     float *c, size_t ldc, const float *bias, bool acc, int ncols, int act) {
    __m512 s[MR][NR];
#pragma GCC unroll 8
    for (int i = 0; i < mr; i++)
#pragma GCC unroll 8
        for (int j = 0; j < nr; j++) s[i][j] = _mm512_setzero_ps();
    for (int p = 0; p < kp; p++) {
        __m512i b[NR];
#pragma GCC unroll 8
        for (int j = 0; j < nr; j++) b[j] = _mm512_loadu_si512(w + (size_t)j * panel + (size_t)p * 32);
#pragma GCC unroll 8
        for (int i = 0; i < mr; i++) {
            int32_t pair;
            memcpy(&pair, a + (size_t)i * lda + 2 * (size_t)p, 4);
            __m512i av = _mm512_set1_epi32(pair);
#pragma GCC unroll 8
            for (int j = 0; j < nr; j++) s[i][j] = _mm512_dpbf16_ps(s[i][j], (__m512bh)av, (__m512bh)b[j]);
        }
    }
#pragma GCC unroll 8
    for (int j = 0; j < nr; j++) {
        int left = ncols - 16 * j;
        __mmask16 mk = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
        __m512 bv = bias ? _mm512_maskz_loadu_ps(mk, bias + 16 * j) : _mm512_setzero_ps();
#pragma GCC unroll 8
        for (int i = 0; i < mr; i++) {
            float *cp = c + (size_t)i * ldc + 16 * j;
            __m512 v = _mm512_add_ps(s[i][j], bv);
            if (acc) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mk, cp));
            if (act) v = emb__act512(v, act);
            _mm512_mask_storeu_ps(cp, mk, v);
        }
    }
}

BF16_TARGET static void tile_any(int mr, int nr, const uint16_t *a, size_t lda, const uint16_t *w, size_t panel, int kp,
                                 float *c, size_t ldc, const float *bias, bool acc, int ncols, int act) {
    switch (mr * 8 + nr) {
#define T_(R, N) case R * 8 + N: tile(R, N, a, lda, w, panel, kp, c, ldc, bias, acc, ncols, act); break;
#define TR(R) T_(R, 1) T_(R, 2) T_(R, 3) T_(R, 4)
    TR(1) TR(2) TR(3) TR(4) TR(5) TR(6)
#undef TR
#undef T_
    default: break;
    }
}

static void gemm_bf16_avx512(const emb__linear *L, const uint16_t *xbf, int m, float *y, bool acc, int act, int nt) {
    int kp = (L->k + 1) / 2, np = (L->n + 15) / 16;
    int nb = (np + NR - 1) / NR, mb = (m + MR - 1) / MR, mt = (mb + MC - 1) / MC;
    size_t panel = (size_t)kp * 32;
    #pragma omp parallel for num_threads(nt) schedule(dynamic, 1) collapse(2)
    for (int jb = 0; jb < nb; jb++)
        for (int it = 0; it < mt; it++) {
            int nr = np - jb * NR < NR ? np - jb * NR : NR, col = jb * NR * 16;
            for (int p0 = 0; p0 < kp; p0 += KC) {   /* KC pairs: 64 columns x 512 k x 2 bytes = 64 KiB */
                int pc = kp - p0 < KC ? kp - p0 : KC;
                for (int ib = it * MC; ib < mb && ib < (it + 1) * MC; ib++) {
                    int mr = m - ib * MR < MR ? m - ib * MR : MR;
                    tile_any(mr, nr, xbf + (size_t)ib * MR * 2 * kp + 2 * (size_t)p0, 2 * (size_t)kp,
                             L->wp + (size_t)jb * NR * panel + (size_t)p0 * 32, panel, pc,
                             y + (size_t)ib * MR * L->n + col, (size_t)L->n, p0 == 0 && L->b ? L->b + col : NULL,
                             acc || p0 > 0, L->n - col, p0 + pc == kp ? act : 0);
                }
            }
        }
}
#endif

/* The scalar activation over y (m, n) after a GEMM without a fused one. */
static void act_rows(float *y, int m, int n, int act, int nt) {
    if (!act) return;
    #pragma omp parallel for num_threads(nt) schedule(static)
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) y[(size_t)i * n + j] = emb__act1(y[(size_t)i * n + j], act);
}

void emb__linear_f32_act(const emb__linear *L, const float *x, int m, float *y, bool accumulate, int act, int nt) {
#if defined(__x86_64__) && defined(__GNUC__)
    if (L->wpf) { gemm_f32_avx512(L, x, m, y, accumulate, act, nt); return; }
#endif
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, L->n, L->k, 1.0f, x, L->k, L->w, L->k,
                accumulate ? 1.0f : 0.0f, y, L->n);
    if (L->b)
        for (int i = 0; i < m; i++) {
            float *r = y + (size_t)i * L->n;
            for (int j = 0; j < L->n; j++) r[j] += L->b[j];
        }
    act_rows(y, m, L->n, act, nt);
}

void emb__linear_f32(const emb__linear *L, const float *x, int m, float *y, bool accumulate, int nt) {
    emb__linear_f32_act(L, x, m, y, accumulate, EMB__ACT_NONE, nt);
}

/* Set by tests to compare the kernel with the scalar version. */
int emb__clip_force_scalar = 0;

void emb__linear_bf16_act(const emb__linear *L, const float *x, int m, float *y, bool accumulate, int act,
                          uint16_t *xbf, int nt) {
#if defined(__x86_64__) && defined(__GNUC__)
    if (!emb__clip_force_scalar && emb__have_avx512bf16()) {
        to_bf16_avx512(x, m, L->k, xbf, nt);
        gemm_bf16_avx512(L, xbf, m, y, accumulate, act, nt);
        return;
    }
#endif
    to_bf16_scalar(x, m, L->k, xbf, nt);
    gemm_bf16_scalar(L, xbf, m, y, accumulate, nt);
    act_rows(y, m, L->n, act, nt);
}

void emb__linear_bf16(const emb__linear *L, const float *x, int m, float *y, bool accumulate, uint16_t *xbf, int nt) {
    emb__linear_bf16_act(L, x, m, y, accumulate, EMB__ACT_NONE, xbf, nt);
}

double emb_clip_gemm_gflops(emb_clip_precision prec, bool blas, int m, int n, int k, int n_threads, double seconds) {
    emb__linear L = {.n = n, .k = k, .w = malloc(sizeof(float) * (size_t)n * k)};
    float *x = malloc(sizeof(float) * (size_t)m * k), *y = malloc(sizeof(float) * (size_t)m * n);
    uint16_t *xbf = malloc(sizeof(uint16_t) * (size_t)m * (k + 1));
    double best = 0;
    int nt = emb_threads_resolve(n_threads);
    if (!L.w || !x || !y || !xbf) goto done;
    for (size_t i = 0; i < (size_t)n * k; i++) L.w[i] = (float)(i % 13) * 0.01f;
    if (prec == EMB_CLIP_BF16 && !emb__linear_pack_bf16(&L)) goto done;
    if (prec == EMB_CLIP_F32 && !blas && emb__have_avx512f() && !emb__linear_pack_f32(&L)) goto done;
    for (size_t i = 0; i < (size_t)m * k; i++) x[i] = (float)(i % 7) * 0.1f;
    openblas_set_num_threads(nt);
    double t_end = emb_now() + seconds;
    do {
        double t0 = emb_now();
        if (prec == EMB_CLIP_BF16) emb__linear_bf16(&L, x, m, y, false, xbf, nt);
        else emb__linear_f32(&L, x, m, y, false, nt);
        double dt = emb_now() - t0, g = 2.0 * m * n * k / dt * 1e-9;
        if (g > best) best = g;
    } while (emb_now() < t_end);
done:
    free(L.w); free(L.wp); free(L.wpf); free(x); free(y); free(xbf);
    return best;
}

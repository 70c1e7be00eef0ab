/* clip_gemm.c - bfloat16 GEMM for CLIP's linear layers: y = x W^T + b with
 * x and W rounded to bfloat16 (round to nearest even) and float32 sums.
 * Fast path: AVX512-BF16 vdpbf16ps (two bf16 products per float lane) on
 * W packed into 16-column panels of k-pairs, a 6 x 64 register tile
 * (24 accumulators), chosen at run time with __builtin_cpu_supports. The
 * scalar version beside it computes the same sums one output at a time and
 * is what the kernel is tested against. */
#include "clip_internal.h"

#include <immintrin.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#define MR 6    /* rows of x per register tile */
#define NR 4    /* 16-column panels per register tile (64 columns) */

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

bool emb__linear_pack_bf16(emb__linear *L) {
    int kp = (L->k + 1) / 2, np = (L->n + 15) / 16;
    L->wp = calloc((size_t)np * kp * 32, sizeof(uint16_t));
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

BF16_TARGET static void to_bf16_avx512(const float *x, int m, int k, uint16_t *xbf, int nt) {
    int k2 = (k + 1) & ~1;
    #pragma omp parallel for num_threads(nt) schedule(static)
    for (int i = 0; i < m; i++) {
        const float *r = x + (size_t)i * k;
        uint16_t *o = xbf + (size_t)i * k2;
        int j = 0;
        for (; j + 16 <= k; j += 16) {
            __m256bh h = _mm512_cvtneps_pbh(_mm512_loadu_ps(r + j));
            _mm256_storeu_si256((__m256i *)(o + j), (__m256i)h);
        }
        for (; j < k; j++) o[j] = emb__f32_to_bf16(r[j]);
        if (k2 > k) o[k] = 0;
    }
}

/* C tile (mr rows, nr panels) = A (mr rows of kp pairs) x panels. */
BF16_TARGET static inline __attribute__((always_inline)) void
tile(const int mr, const int nr, const uint16_t *a, size_t lda, const uint16_t *w, size_t panel, int kp,
     float *c, size_t ldc, const float *bias, bool acc, int ncols) {
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
            _mm512_mask_storeu_ps(cp, mk, v);
        }
    }
}

BF16_TARGET static void gemm_bf16_avx512(const emb__linear *L, const uint16_t *xbf, int m, float *y, bool acc, int nt) {
    int kp = (L->k + 1) / 2, np = (L->n + 15) / 16;
    int nb = (np + NR - 1) / NR, mb = (m + MR - 1) / MR;
    size_t panel = (size_t)kp * 32;
    #pragma omp parallel for num_threads(nt) schedule(static) collapse(2)
    for (int jb = 0; jb < nb; jb++)
        for (int ib = 0; ib < mb; ib++) {
            int mr = m - ib * MR < MR ? m - ib * MR : MR, nr = np - jb * NR < NR ? np - jb * NR : NR;
            int col = jb * NR * 16, ncols = L->n - col;
            const uint16_t *a = xbf + (size_t)ib * MR * 2 * kp;
            const uint16_t *w = L->wp + (size_t)jb * NR * panel;
            float *c = y + (size_t)ib * MR * L->n + col;
            const float *bias = L->b ? L->b + col : NULL;
            size_t lda = 2 * (size_t)kp;
            switch (mr * 8 + nr) {
#define T_(R, N) case R * 8 + N: tile(R, N, a, lda, w, panel, kp, c, (size_t)L->n, bias, acc, ncols); break;
#define TR(R) T_(R, 1) T_(R, 2) T_(R, 3) T_(R, 4)
            TR(1) TR(2) TR(3) TR(4) TR(5) TR(6)
#undef TR
#undef T_
            default: break;
            }
        }
}
#endif

/* Set by tests to compare the kernel with the scalar version. */
int emb__clip_force_scalar = 0;

void emb__linear_bf16(const emb__linear *L, const float *x, int m, float *y, bool accumulate, uint16_t *xbf, int nt) {
#if defined(__x86_64__) && defined(__GNUC__)
    if (!emb__clip_force_scalar && emb__have_avx512bf16()) {
        to_bf16_avx512(x, m, L->k, xbf, nt);
        gemm_bf16_avx512(L, xbf, m, y, accumulate, nt);
        return;
    }
#endif
    to_bf16_scalar(x, m, L->k, xbf, nt);
    gemm_bf16_scalar(L, xbf, m, y, accumulate, nt);
}

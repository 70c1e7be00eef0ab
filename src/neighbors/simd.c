/* simd.c - the inner kernels of the neighbours stage, chosen at run time
 * (AVX-512F, AVX2+FMA, or plain C) from emb_cpu_level_active(), so the
 * library is built for generic x86-64 and still uses the wide units:
 *   emb__dot      dot product of two float rows
 *   emb__sqdist   squared Euclidean distance of two float rows
 *   emb__pair4    one row against four (dot or squared distance)
 *   emb__dot_h, emb__sqdist_h, emb__pair4_h  the same on half-precision
 *                 rows (IEEE binary16, widened to float32 and summed in
 *                 float32): NN-descent's working copy with storage f16
 *   emb__filter_ge  indices b with s[b] - h[b] >= t (the exact path's
 *                 threshold test: most of an N x N similarity block is
 *                 rejected 16 lanes at a time, before any scalar work)
 * Each has a naive C version beside it, used as the fallback. */
#include "neighbors/neighbors.h"
#include "core/internal.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define EMB_X86 1
#endif

/* --- plain C ------------------------------------------------------------ */
float emb__dot_c(const float *a, const float *b, int64_t d) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int64_t t = 0;
    for (; t + 4 <= d; t += 4) { s0 += a[t] * b[t]; s1 += a[t + 1] * b[t + 1]; s2 += a[t + 2] * b[t + 2]; s3 += a[t + 3] * b[t + 3]; }
    for (; t < d; t++) s0 += a[t] * b[t];
    return (s0 + s1) + (s2 + s3);
}
float emb__sqdist_c(const float *a, const float *b, int64_t d) {
    float s0 = 0, s1 = 0;
    int64_t t = 0;
    for (; t + 2 <= d; t += 2) { float e0 = a[t] - b[t], e1 = a[t + 1] - b[t + 1]; s0 += e0 * e0; s1 += e1 * e1; }
    for (; t < d; t++) { float e = a[t] - b[t]; s0 += e * e; }
    return s0 + s1;
}
static void pair4_c(const float *a, const float *const *b, int64_t d, bool sq, float *out) {
    for (int j = 0; j < 4; j++) out[j] = sq ? emb__sqdist_c(a, b[j], d) : emb__dot_c(a, b[j], d);
}
/* Half-precision rows: each value widened exactly (emb__f16_to_f32), then
 * the float sums in the order of emb__dot_c / emb__sqdist_c. */
float emb__dot_h_c(const uint16_t *a, const uint16_t *b, int64_t d) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int64_t t = 0;
    for (; t + 4 <= d; t += 4) {
        s0 += emb__f16_to_f32(a[t]) * emb__f16_to_f32(b[t]);
        s1 += emb__f16_to_f32(a[t + 1]) * emb__f16_to_f32(b[t + 1]);
        s2 += emb__f16_to_f32(a[t + 2]) * emb__f16_to_f32(b[t + 2]);
        s3 += emb__f16_to_f32(a[t + 3]) * emb__f16_to_f32(b[t + 3]);
    }
    for (; t < d; t++) s0 += emb__f16_to_f32(a[t]) * emb__f16_to_f32(b[t]);
    return (s0 + s1) + (s2 + s3);
}
float emb__sqdist_h_c(const uint16_t *a, const uint16_t *b, int64_t d) {
    float s0 = 0, s1 = 0;
    int64_t t = 0;
    for (; t + 2 <= d; t += 2) {
        float e0 = emb__f16_to_f32(a[t]) - emb__f16_to_f32(b[t]), e1 = emb__f16_to_f32(a[t + 1]) - emb__f16_to_f32(b[t + 1]);
        s0 += e0 * e0;
        s1 += e1 * e1;
    }
    for (; t < d; t++) { float e = emb__f16_to_f32(a[t]) - emb__f16_to_f32(b[t]); s0 += e * e; }
    return s0 + s1;
}
static void pair4_h_c(const uint16_t *a, const uint16_t *const *b, int64_t d, bool sq, float *out) {
    for (int j = 0; j < 4; j++) out[j] = sq ? emb__sqdist_h_c(a, b[j], d) : emb__dot_h_c(a, b[j], d);
}
int64_t emb__filter_ge_c(const float *s, const float *h, float t, int64_t m, int32_t *out) {
    int64_t c = 0;
    for (int64_t b = 0; b < m; b++)
        if (s[b] - (h ? h[b] : 0.0f) >= t) out[c++] = (int32_t)b;
    return c;
}

#ifdef EMB_X86
/* --- AVX2 + FMA ---------------------------------------------------------- */
__attribute__((target("avx2,fma"))) static inline float hsum256(__m256 v) {
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}
__attribute__((target("avx2,fma"))) static float dot_avx2(const float *a, const float *b, int64_t d) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int64_t t = 0;
    for (; t + 16 <= d; t += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + t), _mm256_loadu_ps(b + t), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + t + 8), _mm256_loadu_ps(b + t + 8), s1);
    }
    for (; t + 8 <= d; t += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + t), _mm256_loadu_ps(b + t), s0);
    float s = hsum256(_mm256_add_ps(s0, s1));
    for (; t < d; t++) s += a[t] * b[t];
    return s;
}
__attribute__((target("avx2,fma"))) static float sqdist_avx2(const float *a, const float *b, int64_t d) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int64_t t = 0;
    for (; t + 16 <= d; t += 16) {
        __m256 e0 = _mm256_sub_ps(_mm256_loadu_ps(a + t), _mm256_loadu_ps(b + t));
        __m256 e1 = _mm256_sub_ps(_mm256_loadu_ps(a + t + 8), _mm256_loadu_ps(b + t + 8));
        s0 = _mm256_fmadd_ps(e0, e0, s0);
        s1 = _mm256_fmadd_ps(e1, e1, s1);
    }
    for (; t + 8 <= d; t += 8) { __m256 e = _mm256_sub_ps(_mm256_loadu_ps(a + t), _mm256_loadu_ps(b + t)); s0 = _mm256_fmadd_ps(e, e, s0); }
    float s = hsum256(_mm256_add_ps(s0, s1));
    for (; t < d; t++) { float e = a[t] - b[t]; s += e * e; }
    return s;
}
__attribute__((target("avx2,fma"))) static int64_t filter_ge_avx2(const float *s, const float *h, float t, int64_t m, int32_t *out) {
    int64_t c = 0, b = 0;
    __m256 tv = _mm256_set1_ps(t);
    for (; b + 8 <= m; b += 8) {
        __m256 v = _mm256_loadu_ps(s + b);
        if (h) v = _mm256_sub_ps(v, _mm256_loadu_ps(h + b));
        unsigned mask = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(v, tv, _CMP_GE_OQ));
        while (mask) { out[c++] = (int32_t)(b + __builtin_ctz(mask)); mask &= mask - 1; }
    }
    int64_t tail = emb__filter_ge_c(s + b, h ? h + b : NULL, t, m - b, out + c);
    for (int64_t u = 0; u < tail; u++) out[c + u] += (int32_t)b;
    return c + tail;
}

/* One step of pair4: the four squared differences (sq) or products with
 * va added to the four sums; shared by the float32 and half-precision rows. */
__attribute__((target("avx2,fma"), always_inline)) static inline void acc4_avx2(bool sq, __m256 va, __m256 v0, __m256 v1, __m256 v2,
                                                                              __m256 v3, __m256 *s0, __m256 *s1, __m256 *s2,
                                                                              __m256 *s3) {
    if (sq) {
        v0 = _mm256_sub_ps(va, v0); v1 = _mm256_sub_ps(va, v1); v2 = _mm256_sub_ps(va, v2); v3 = _mm256_sub_ps(va, v3);
        *s0 = _mm256_fmadd_ps(v0, v0, *s0); *s1 = _mm256_fmadd_ps(v1, v1, *s1);
        *s2 = _mm256_fmadd_ps(v2, v2, *s2); *s3 = _mm256_fmadd_ps(v3, v3, *s3);
    } else {
        *s0 = _mm256_fmadd_ps(va, v0, *s0); *s1 = _mm256_fmadd_ps(va, v1, *s1);
        *s2 = _mm256_fmadd_ps(va, v2, *s2); *s3 = _mm256_fmadd_ps(va, v3, *s3);
    }
}
__attribute__((target("avx2,fma"))) static void pair4_avx2(const float *a, const float *const *b, int64_t d, bool sq, float *out) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    int64_t t = 0;
    for (; t + 8 <= d; t += 8) {
        __m256 va = _mm256_loadu_ps(a + t);
        __m256 v0 = _mm256_loadu_ps(b[0] + t), v1 = _mm256_loadu_ps(b[1] + t);
        __m256 v2 = _mm256_loadu_ps(b[2] + t), v3 = _mm256_loadu_ps(b[3] + t);
        acc4_avx2(sq, va, v0, v1, v2, v3, &s0, &s1, &s2, &s3);
    }
    out[0] = hsum256(s0); out[1] = hsum256(s1); out[2] = hsum256(s2); out[3] = hsum256(s3);
    for (; t < d; t++)
        for (int j = 0; j < 4; j++) { float e = sq ? a[t] - b[j][t] : a[t]; out[j] += sq ? e * e : e * b[j][t]; }
}

/* Half-precision rows: 8 values widened by vcvtph2ps (F16C, part of the
 * AVX2 level); a tail of fewer than 8 goes through a zero-padded copy. */
__attribute__((target("avx2,fma,f16c"))) static inline __m256 load8h(const uint16_t *p, int64_t left) {
    if (left >= 8) return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
    uint16_t tmp[8] = {0};
    memcpy(tmp, p, sizeof(uint16_t) * (size_t)left);
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)tmp));
}
__attribute__((target("avx2,fma,f16c"))) static void pair4_h_avx2(const uint16_t *a, const uint16_t *const *b, int64_t d, bool sq,
                                                                float *out) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    for (int64_t t = 0; t < d; t += 8) {
        int64_t left = d - t;
        __m256 va = load8h(a + t, left);
        __m256 v0 = load8h(b[0] + t, left), v1 = load8h(b[1] + t, left);
        __m256 v2 = load8h(b[2] + t, left), v3 = load8h(b[3] + t, left);
        acc4_avx2(sq, va, v0, v1, v2, v3, &s0, &s1, &s2, &s3);
    }
    out[0] = hsum256(s0); out[1] = hsum256(s1); out[2] = hsum256(s2); out[3] = hsum256(s3);
}
__attribute__((target("avx2,fma,f16c"))) static float dot_h_avx2(const uint16_t *a, const uint16_t *b, int64_t d) {
    __m256 s = _mm256_setzero_ps();
    for (int64_t t = 0; t < d; t += 8) s = _mm256_fmadd_ps(load8h(a + t, d - t), load8h(b + t, d - t), s);
    return hsum256(s);
}
__attribute__((target("avx2,fma,f16c"))) static float sqdist_h_avx2(const uint16_t *a, const uint16_t *b, int64_t d) {
    __m256 s = _mm256_setzero_ps();
    for (int64_t t = 0; t < d; t += 8) {
        __m256 e = _mm256_sub_ps(load8h(a + t, d - t), load8h(b + t, d - t));
        s = _mm256_fmadd_ps(e, e, s);
    }
    return hsum256(s);
}

/* --- AVX-512F ------------------------------------------------------------ */
__attribute__((target("avx512f"))) static float dot_avx512(const float *a, const float *b, int64_t d) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int64_t t = 0;
    for (; t + 32 <= d; t += 32) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + t), _mm512_loadu_ps(b + t), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + t + 16), _mm512_loadu_ps(b + t + 16), s1);
    }
    for (; t + 16 <= d; t += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + t), _mm512_loadu_ps(b + t), s0);
    if (t < d) {
        __mmask16 k = (__mmask16)((1u << (d - t)) - 1);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, a + t), _mm512_maskz_loadu_ps(k, b + t), s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}
__attribute__((target("avx512f"))) static float sqdist_avx512(const float *a, const float *b, int64_t d) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int64_t t = 0;
    for (; t + 32 <= d; t += 32) {
        __m512 e0 = _mm512_sub_ps(_mm512_loadu_ps(a + t), _mm512_loadu_ps(b + t));
        __m512 e1 = _mm512_sub_ps(_mm512_loadu_ps(a + t + 16), _mm512_loadu_ps(b + t + 16));
        s0 = _mm512_fmadd_ps(e0, e0, s0);
        s1 = _mm512_fmadd_ps(e1, e1, s1);
    }
    for (; t + 16 <= d; t += 16) { __m512 e = _mm512_sub_ps(_mm512_loadu_ps(a + t), _mm512_loadu_ps(b + t)); s0 = _mm512_fmadd_ps(e, e, s0); }
    if (t < d) {
        __mmask16 k = (__mmask16)((1u << (d - t)) - 1);
        __m512 e = _mm512_sub_ps(_mm512_maskz_loadu_ps(k, a + t), _mm512_maskz_loadu_ps(k, b + t));
        s1 = _mm512_fmadd_ps(e, e, s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}
__attribute__((target("avx512f"), always_inline)) static inline void acc4_avx512(bool sq, __m512 va, __m512 v0, __m512 v1, __m512 v2,
                                                                                __m512 v3, __m512 *s0, __m512 *s1, __m512 *s2,
                                                                                __m512 *s3) {
    if (sq) {
        v0 = _mm512_sub_ps(va, v0); v1 = _mm512_sub_ps(va, v1); v2 = _mm512_sub_ps(va, v2); v3 = _mm512_sub_ps(va, v3);
        *s0 = _mm512_fmadd_ps(v0, v0, *s0); *s1 = _mm512_fmadd_ps(v1, v1, *s1);
        *s2 = _mm512_fmadd_ps(v2, v2, *s2); *s3 = _mm512_fmadd_ps(v3, v3, *s3);
    } else {
        *s0 = _mm512_fmadd_ps(va, v0, *s0); *s1 = _mm512_fmadd_ps(va, v1, *s1);
        *s2 = _mm512_fmadd_ps(va, v2, *s2); *s3 = _mm512_fmadd_ps(va, v3, *s3);
    }
}
/* One row against four: the row's chunk is loaded once per four FMAs and
 * the four sums are independent chains. */
__attribute__((target("avx512f"))) static void pair4_avx512(const float *a, const float *const *b, int64_t d, bool sq, float *out) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    const float *b0 = b[0], *b1 = b[1], *b2 = b[2], *b3 = b[3];
    for (int64_t t = 0; t < d; t += 16) {
        __mmask16 k = d - t >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (d - t)) - 1);
        __m512 va = _mm512_maskz_loadu_ps(k, a + t);
        __m512 v0 = _mm512_maskz_loadu_ps(k, b0 + t), v1 = _mm512_maskz_loadu_ps(k, b1 + t);
        __m512 v2 = _mm512_maskz_loadu_ps(k, b2 + t), v3 = _mm512_maskz_loadu_ps(k, b3 + t);
        acc4_avx512(sq, va, v0, v1, v2, v3, &s0, &s1, &s2, &s3);
    }
    out[0] = _mm512_reduce_add_ps(s0); out[1] = _mm512_reduce_add_ps(s1);
    out[2] = _mm512_reduce_add_ps(s2); out[3] = _mm512_reduce_add_ps(s3);
}
/* Half-precision rows, 16 at a time (vcvtph2ps zmm; the tail by a masked
 * 16-bit load, AVX512BW, part of the AVX-512 level). */
__attribute__((target("avx512f,avx512bw,avx512vl"))) static inline __m512 load16h(const uint16_t *p, int64_t left) {
    __mmask16 k = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(k, p));
}
__attribute__((target("avx512f,avx512bw,avx512vl"))) static void pair4_h_avx512(const uint16_t *a, const uint16_t *const *b, int64_t d,
                                                                               bool sq, float *out) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    for (int64_t t = 0; t < d; t += 16) {
        int64_t left = d - t;
        __m512 va = load16h(a + t, left);
        __m512 v0 = load16h(b[0] + t, left), v1 = load16h(b[1] + t, left);
        __m512 v2 = load16h(b[2] + t, left), v3 = load16h(b[3] + t, left);
        acc4_avx512(sq, va, v0, v1, v2, v3, &s0, &s1, &s2, &s3);
    }
    out[0] = _mm512_reduce_add_ps(s0); out[1] = _mm512_reduce_add_ps(s1);
    out[2] = _mm512_reduce_add_ps(s2); out[3] = _mm512_reduce_add_ps(s3);
}
__attribute__((target("avx512f,avx512bw,avx512vl"))) static float dot_h_avx512(const uint16_t *a, const uint16_t *b, int64_t d) {
    __m512 s = _mm512_setzero_ps();
    for (int64_t t = 0; t < d; t += 16) s = _mm512_fmadd_ps(load16h(a + t, d - t), load16h(b + t, d - t), s);
    return _mm512_reduce_add_ps(s);
}
__attribute__((target("avx512f,avx512bw,avx512vl"))) static float sqdist_h_avx512(const uint16_t *a, const uint16_t *b, int64_t d) {
    __m512 s = _mm512_setzero_ps();
    for (int64_t t = 0; t < d; t += 16) {
        __m512 e = _mm512_sub_ps(load16h(a + t, d - t), load16h(b + t, d - t));
        s = _mm512_fmadd_ps(e, e, s);
    }
    return _mm512_reduce_add_ps(s);
}
__attribute__((target("avx512f"))) static int64_t filter_ge_avx512(const float *s, const float *h, float t, int64_t m, int32_t *out) {
    int64_t c = 0, b = 0;
    __m512 tv = _mm512_set1_ps(t);
    for (; b < m; b += 16) {
        __mmask16 k = m - b >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (m - b)) - 1);
        __m512 v = _mm512_maskz_loadu_ps(k, s + b);
        if (h) v = _mm512_sub_ps(v, _mm512_maskz_loadu_ps(k, h + b));
        unsigned mask = (unsigned)(_mm512_mask_cmp_ps_mask(k, v, tv, _CMP_GE_OQ));
        while (mask) { out[c++] = (int32_t)(b + __builtin_ctz(mask)); mask &= mask - 1; }
    }
    return c;
}
#endif

/* --- dispatch ------------------------------------------------------------ */
typedef float (*pair_fn)(const float *, const float *, int64_t);
typedef void (*pair4_fn)(const float *, const float *const *, int64_t, bool, float *);
typedef int64_t (*filter_fn)(const float *, const float *, float, int64_t, int32_t *);
typedef float (*pair_h_fn)(const uint16_t *, const uint16_t *, int64_t);
typedef void (*pair4_h_fn)(const uint16_t *, const uint16_t *const *, int64_t, bool, float *);
static struct {
    pair_fn dot, sqdist; pair4_fn pair4; filter_fn filter;
    pair_h_fn dot_h, sqdist_h; pair4_h_fn pair4_h;
    int level;
} K = {emb__dot_c, emb__sqdist_c, pair4_c, emb__filter_ge_c, emb__dot_h_c, emb__sqdist_h_c, pair4_h_c, -1};

static void pick(void) {
    int level = 0;
#ifdef EMB_X86
    emb_cpu_level lv = emb_cpu_level_active();   /* core/cpu.c: the one dispatch point */
    if (lv >= EMB_CPU_AVX512) level = 2;
    else if (lv >= EMB_CPU_AVX2) level = 1;
    if (level == 2) {
        K.dot = dot_avx512; K.sqdist = sqdist_avx512; K.filter = filter_ge_avx512; K.pair4 = pair4_avx512;
        K.dot_h = dot_h_avx512; K.sqdist_h = sqdist_h_avx512; K.pair4_h = pair4_h_avx512;
    }
    if (level == 1) {
        K.dot = dot_avx2; K.sqdist = sqdist_avx2; K.filter = filter_ge_avx2; K.pair4 = pair4_avx2;
        K.dot_h = dot_h_avx2; K.sqdist_h = sqdist_h_avx2; K.pair4_h = pair4_h_avx2;
    }
#endif
    __atomic_store_n(&K.level, level, __ATOMIC_RELEASE);
}

int emb__simd_init(void) {
    if (__atomic_load_n(&K.level, __ATOMIC_ACQUIRE) < 0) {
        #pragma omp critical(emb_simd_init)
        if (K.level < 0) pick();
    }
    return K.level;
}

float emb__dot(const float *a, const float *b, int64_t d) { return K.dot(a, b, d); }
float emb__sqdist(const float *a, const float *b, int64_t d) { return K.sqdist(a, b, d); }
int64_t emb__filter_ge(const float *s, const float *h, float t, int64_t m, int32_t *out) { return K.filter(s, h, t, m, out); }
void emb__pair4(const float *a, const float *const *b, int64_t d, bool sq, float *out) { K.pair4(a, b, d, sq, out); }
float emb__dot_h(const uint16_t *a, const uint16_t *b, int64_t d) { return K.dot_h(a, b, d); }
float emb__sqdist_h(const uint16_t *a, const uint16_t *b, int64_t d) { return K.sqdist_h(a, b, d); }
void emb__pair4_h(const uint16_t *a, const uint16_t *const *b, int64_t d, bool sq, float *out) { K.pair4_h(a, b, d, sq, out); }

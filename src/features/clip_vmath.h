/* clip_vmath.h - AVX-512 and AVX2 exp, erf, activations and a 16 x 16
 * transpose for the CLIP forward pass (private to src/features; functions
 * carry their own target attribute, callers dispatch on
 * emb_cpu_level_active()). The AVX2 versions run the same polynomials with
 * the same operations in 8 lanes, so they give the same bits as the AVX-512
 * ones. The scalar versions (expf, erff from libm) are emb__act1 in
 * clip_internal.h. x86-64 only: on other CPUs this header is empty. */
#ifndef EMB_CLIP_VMATH_H
#define EMB_CLIP_VMATH_H

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define EMB__VM_TARGET __attribute__((target("avx512f"), always_inline))

/* exp(x): x = n ln2 + r, |r| <= ln2 / 2, Cephes' degree-6 polynomial for
 * e^r (about 1 ulp), 2^n by vscalefps (no integer bit tricks, saturates to
 * 0 / inf). */
EMB__VM_TARGET static inline __m512 emb__exp512(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-104.0f)), _mm512_set1_ps(88.8f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    __m512 y = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(y, n);
}

/* erf(x): the rational minimax approximation of Eigen / XLA
 * (generic_fast_erf_float), |x| clamped to 4 where erf is 1 in float. */
EMB__VM_TARGET static inline __m512 emb__erf512(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-4.0f)), _mm512_set1_ps(4.0f));
    __m512 x2 = _mm512_mul_ps(x, x);
    __m512 p = _mm512_set1_ps(-2.72614225801306e-10f);
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(2.77068142495902e-08f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-2.10102402082508e-06f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-5.69250639462346e-05f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-7.34990630326855e-04f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-2.95459980854025e-03f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-1.60960333262415e-02f));
    p = _mm512_mul_ps(x, p);
    __m512 q = _mm512_set1_ps(-1.45660718464996e-05f);
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(-2.13374055278905e-04f));
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(-1.68282697438203e-03f));
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(-7.37332916720468e-03f));
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(-1.42647390514189e-02f));
    return _mm512_div_ps(p, q);
}

/* emb__act1 (clip_internal.h) in 16 lanes: QuickGELU x sigmoid(1.702 x) or
 * GELU 0.5 x (1 + erf(x / sqrt 2)). */
EMB__VM_TARGET static inline __m512 emb__act512(__m512 v, int act) {
    if (act == EMB__ACT_QUICK_GELU)
        return _mm512_div_ps(v, _mm512_add_ps(_mm512_set1_ps(1.0f), emb__exp512(_mm512_mul_ps(v, _mm512_set1_ps(-1.702f)))));
    if (act == EMB__ACT_GELU)
        return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), v),
                             _mm512_add_ps(_mm512_set1_ps(1.0f), emb__erf512(_mm512_mul_ps(v, _mm512_set1_ps(0.70710678118654752f)))));
    return v;
}

/* Transpose the 16 x 16 block held in r[0..15] (rows) in place. */
EMB__VM_TARGET static inline void emb__transpose16(__m512 r[16]) {
    __m512 t[16], u[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);       /* a0 b0 a1 b1 | per 128-bit lane */
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);   /* a2 b2 a3 b3 */
    }
    for (int i = 0; i < 4; i++) {
        u[4 * i + 0] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));       /* a0 b0 c0 d0 */
        u[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));       /* a1 b1 c1 d1 */
        u[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));   /* a2 .. d2 */
        u[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));   /* a3 .. d3 */
    }
    /* u[4g + c] lane L (128-bit) holds rows 4g..4g+3 at column 4L + c */
    for (int c = 0; c < 4; c++) {
        /* combine groups: lanes (g0 L0, g0 L2, g1 L0, g1 L2) etc. */
        __m512 a02 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88);        /* g0L0 g0L2 g1L0 g1L2 */
        __m512 a13 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xdd);        /* g0L1 g0L3 g1L1 g1L3 */
        __m512 b02 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88);   /* g2L0 g2L2 g3L0 g3L2 */
        __m512 b13 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xdd);
        r[c] = _mm512_shuffle_f32x4(a02, b02, 0x88);        /* g0L0 g1L0 g2L0 g3L0: column c */
        r[8 + c] = _mm512_shuffle_f32x4(a02, b02, 0xdd);    /* g0L2 g1L2 g2L2 g3L2: column 8 + c */
        r[4 + c] = _mm512_shuffle_f32x4(a13, b13, 0x88);    /* column 4 + c */
        r[12 + c] = _mm512_shuffle_f32x4(a13, b13, 0xdd);   /* column 12 + c */
    }
}

/* ---------------------------------------------------------------- AVX2 + FMA */
#define EMB__VM2_TARGET __attribute__((target("avx2,fma"), always_inline))

/* emb__exp512 in 8 lanes. AVX2 has no vscalefps: 2^n is applied as two
 * exact powers of two, 2^(n - n/2) then 2^(n/2) (both within the normal
 * range for n in [-150, 128]); the first product is exact, so the result is
 * rounded once, as vscalefps rounds it (same bits, subnormals and overflow
 * included). */
EMB__VM2_TARGET static inline __m256 emb__exp256(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-104.0f)), _mm256_set1_ps(88.8f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    __m256 y = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
    /* y * 2^n = (y * 2^(n - n/2)) * 2^(n/2) */
    __m256i ni = _mm256_cvtps_epi32(n);
    __m256i h = _mm256_srai_epi32(ni, 1), l = _mm256_sub_epi32(ni, h);
    __m256 ph = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(h, _mm256_set1_epi32(127)), 23));
    __m256 pl = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(l, _mm256_set1_epi32(127)), 23));
    return _mm256_mul_ps(_mm256_mul_ps(y, pl), ph);
}

/* emb__erf512 in 8 lanes. */
EMB__VM2_TARGET static inline __m256 emb__erf256(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-4.0f)), _mm256_set1_ps(4.0f));
    __m256 x2 = _mm256_mul_ps(x, x);
    __m256 p = _mm256_set1_ps(-2.72614225801306e-10f);
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(2.77068142495902e-08f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-2.10102402082508e-06f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-5.69250639462346e-05f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-7.34990630326855e-04f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-2.95459980854025e-03f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-1.60960333262415e-02f));
    p = _mm256_mul_ps(x, p);
    __m256 q = _mm256_set1_ps(-1.45660718464996e-05f);
    q = _mm256_fmadd_ps(x2, q, _mm256_set1_ps(-2.13374055278905e-04f));
    q = _mm256_fmadd_ps(x2, q, _mm256_set1_ps(-1.68282697438203e-03f));
    q = _mm256_fmadd_ps(x2, q, _mm256_set1_ps(-7.37332916720468e-03f));
    q = _mm256_fmadd_ps(x2, q, _mm256_set1_ps(-1.42647390514189e-02f));
    return _mm256_div_ps(p, q);
}

/* emb__act512 in 8 lanes. */
EMB__VM2_TARGET static inline __m256 emb__act256(__m256 v, int act) {
    if (act == EMB__ACT_QUICK_GELU)
        return _mm256_div_ps(v, _mm256_add_ps(_mm256_set1_ps(1.0f), emb__exp256(_mm256_mul_ps(v, _mm256_set1_ps(-1.702f)))));
    if (act == EMB__ACT_GELU)
        return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), v),
                             _mm256_add_ps(_mm256_set1_ps(1.0f), emb__erf256(_mm256_mul_ps(v, _mm256_set1_ps(0.70710678118654752f)))));
    return v;
}

/* Sum of the 8 lanes: (lo + hi) halves, then pairs, then the last two. */
EMB__VM2_TARGET static inline float emb__hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

#endif /* __x86_64__ */
#endif

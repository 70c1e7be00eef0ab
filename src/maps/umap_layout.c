/* umap_layout.c - UMAP's stochastic gradient descent, umap-learn's
 * optimize_layout_euclidean (layouts.py, move_other = True, no densMAP):
 * each edge is sampled every epochs_per_sample = max(w) / w epochs; a
 * sample pulls head and tail together with the gradient of
 * log(1 / (1 + a d^2b)), then pushes the head away from
 * (n_epochs - next_negative) / epochs_per_negative_sample random items;
 * every gradient coordinate is clipped to [-4, 4]; the learning rate decays
 * linearly over the epochs. One labelled change: the negative samples of an
 * edge all see the head where the attractive step left it and their
 * updates are summed (umap-learn applies each before drawing the next);
 * this halves the time and leaves the quality as it was (MNIST 10k, 2D and
 * 3D: 10-NN accuracy and trustworthiness within 0.001). A second: those
 * summed negative steps are applied to the head once per run of its edges
 * (edges are in head order), not after each edge, so the next edge's
 * attractive step does not wait on the negative samples: a head's position
 * is one long chain of dependent steps otherwise (Fashion-MNIST 70k 2D
 * layout, AMD EPYC Zen 5: 1 thread 4.6 -> 4.0 s, 2 threads 2.75 -> 2.25 s,
 * best of 3 alternating runs).
 *
 * Speed: edges in CSR order (head ascending) so one thread's heads stay in
 * its cache; threads share the embedding without locks (Hogwild, Recht et
 * al. 2011, as umap-learn's parallel=True); float32 state; gradient
 * coefficients from a table (coef_lut); negative samples drawn ahead and
 * prefetched (neg_ring), and with several threads read from a per-thread
 * copy of the embedding (see emb__umap_optimize); for 2D and 3D the
 * negative samples four at a time in AVX-512 or AVX2 vectors (edge4_avx512,
 * edge4_avx2; edge4_c is the plain one). One thread + one seed = the same
 * bytes on every run at a given SIMD level. */
#include "maps/umap.h"

#include <math.h>
#include <omp.h>
#if defined(__SSE__)
#include <immintrin.h>
#endif
#include <stdlib.h>
#include <string.h>

/* wyrand (Wang Yi): one 64-bit multiply per number; per-thread state. */
static inline uint64_t rng_next(uint64_t *s) {
    *s += 0xa0761d6478bd642full;
    __uint128_t t = (__uint128_t)*s * (*s ^ 0xe7037ed1a0b428dbull);
    return (uint64_t)(t >> 64) ^ (uint64_t)t;
}
/* Uniform in [0, n) by Lemire's multiply-shift. */
static inline int32_t rng_below(uint64_t *s, uint32_t n) {
    return (int32_t)(((rng_next(s) >> 32) * (uint64_t)n) >> 32);
}

/* Negative samples are drawn UMAP_RING draws ahead of their use and the
 * drawn item's coordinates prefetched, so that the random reads (the
 * embedding is shared by the threads and, with the edge arrays streaming
 * through, is often out of L2) do not stall the loop. The items are used
 * in the order drawn: the results are those of drawing at the point of use. */
#define UMAP_RING 16
#define UMAP_PREFETCH_EDGES 4
typedef struct {
    uint64_t s;
    int32_t k[UMAP_RING];
    int pos;
} neg_ring;

static void ring_init(neg_ring *r, uint64_t seed, uint32_t n) {
    r->s = seed;
    r->pos = 0;
    for (int q = 0; q < UMAP_RING; q++) r->k[q] = rng_below(&r->s, n);
}

__attribute__((always_inline)) static inline int32_t ring_take(neg_ring *r, uint32_t n, const float *emb, int dim) {
    int32_t k = r->k[r->pos], nk = rng_below(&r->s, n);
    r->k[r->pos] = nk;
    r->pos = (r->pos + 1) & (UMAP_RING - 1);
    __builtin_prefetch(emb + (size_t)nk * dim, 0, 3);
    return k;
}

/* Written as two selects so that the compiler emits minss/maxss, not
 * branches. */
static inline float clip4(float v) {
    v = v < UMAP_GRAD_CLIP ? v : UMAP_GRAD_CLIP;
    return v > -UMAP_GRAD_CLIP ? v : -UMAP_GRAD_CLIP;
}

/* The per-dimension loops below run 2 or 3 times in the specialised
 * calls; -O2 does not unroll them by itself. */
#define UNROLL _Pragma("GCC unroll 4")
#define UMAP_CHUNK 2048

/* The two gradient coefficients as functions of the squared distance q,
 *   attraction  -2ab q^(b-1) / (1 + a q^b),
 *   repulsion   2 gamma b / ((0.001 + q) (1 + a q^b)),
 * tabulated on the float's own bits: LUT_MBITS mantissa bits per octave
 * over q in [2^LUT_EMIN, 2^LUT_EMAX), linear interpolation on the rest of
 * the mantissa (relative error < 2e-5), exact formula outside. This
 * replaces a powf and a division per sample (about 1.5x less CPU for the
 * layout of Fashion-MNIST 70k). */
#define LUT_MBITS 7
#define LUT_EMIN (-40)
#define LUT_EMAX 24
#define LUT_SIZE (((LUT_EMAX - LUT_EMIN) << LUT_MBITS) + 1)
typedef struct {
    float att[LUT_SIZE], rep[LUT_SIZE];
    uint32_t lo, hi;      /* float bits of 2^EMIN and 2^EMAX */
    float a, b, gamma;
} coef_lut;

static float att_exact(const coef_lut *t, float q) {
    float pb1 = powf(q, t->b - 1.0f);
    return -2.0f * t->a * t->b * pb1 / (t->a * pb1 * q + 1.0f);
}
static float rep_exact(const coef_lut *t, float q) {
    return 2.0f * t->gamma * t->b / ((0.001f + q) * (t->a * powf(q, t->b) + 1.0f));
}

static void lut_build(coef_lut *t, float a, float b, float gamma) {
    t->a = a; t->b = b; t->gamma = gamma;
    union { float f; uint32_t i; } u;
    u.f = ldexpf(1.0f, LUT_EMIN); t->lo = u.i;
    u.f = ldexpf(1.0f, LUT_EMAX); t->hi = u.i;
    for (int k = 0; k < LUT_SIZE; k++) {
        u.i = t->lo + ((uint32_t)k << (23 - LUT_MBITS));
        double q = u.f, qb = pow(q, b);
        t->att[k] = (float)(-2.0 * a * b * qb / q / (a * qb + 1.0));
        t->rep[k] = (float)(2.0 * gamma * b / ((0.001 + q) * (a * qb + 1.0)));
    }
}

__attribute__((always_inline)) static inline float lut_eval(const coef_lut *t, const float *tab, float q, bool rep) {
    union { float f; uint32_t i; } u = {q};
    if (u.i < t->lo || u.i >= t->hi) return rep ? rep_exact(t, q) : att_exact(t, q);
    uint32_t off = u.i - t->lo, k = off >> (23 - LUT_MBITS);
    float frac = (float)(off & ((1u << (23 - LUT_MBITS)) - 1)) * (1.0f / (float)(1u << (23 - LUT_MBITS)));
    return tab[k] + frac * (tab[k + 1] - tab[k]);
}

/* One edge's work at DIM = 4 (2D or 3D padded, see emb__umap_optimize) on
 * 4-float vectors: the same operations lane by lane as the scalar loops,
 * and the squared distances summed in the same order, so the same bytes.
 * tie: the step for a sample on the head itself, 4 in the lanes in use
 * (the pad lanes of a 2D or 3D map stay 0). */
typedef float umap_v4 __attribute__((vector_size(16)));
static inline umap_v4 v4_clip(umap_v4 v) {
#if defined(__SSE__)
    v = _mm_min_ps(v, _mm_set1_ps(UMAP_GRAD_CLIP));    /* v < 4 ? v : 4, as clip4 */
    return _mm_max_ps(v, _mm_set1_ps(-UMAP_GRAD_CLIP)); /* v > -4 ? v : -4 */
#else
    for (int d = 0; d < 4; d++) v[d] = clip4(v[d]);
    return v;
#endif
}
static inline float v4_sq(umap_v4 v) {
    v *= v;
    return ((v[0] + v[1]) + v[2]) + v[3];
}
/* One negative sample's step at DIM = 4, plain: c - ok, its coefficient
 * from the table, clipped; tie when the sample sits on the head. */
__attribute__((always_inline)) static inline umap_v4 neg4_one(umap_v4 c, const float *restrict ok_row, int32_t j, int32_t k,
                                                              float alpha, const coef_lut *lut, umap_v4 tie) {
    umap_v4 ok, dn, z = {0, 0, 0, 0};
    memcpy(&ok, ok_row, sizeof ok);
    dn = c - ok;
    float q2 = v4_sq(dn);
    if (q2 > 0) return v4_clip(lut_eval(lut, lut->rep, q2, true) * dn) * alpha;
    return j != k ? tie * alpha : z;
}

/* The attractive step of one edge at DIM = 4; returns the head after it. */
__attribute__((always_inline)) static inline umap_v4 attract4(float *restrict cur, float *restrict oth, float alpha,
                                                              const coef_lut *lut) {
    umap_v4 c, o, diff;
    memcpy(&c, cur, sizeof c);   /* unaligned loads: a caller's 4-D rows need not be 16-byte aligned */
    memcpy(&o, oth, sizeof o);
    diff = c - o;
    float d2 = v4_sq(diff), gc = d2 > 0 ? lut_eval(lut, lut->att, d2, false) : 0.0f;
    umap_v4 g = v4_clip(gc * diff) * alpha;
    c += g;
    o -= g;
    memcpy(cur, &c, sizeof c);   /* stored now: a negative sample may be the head itself */
    memcpy(oth, &o, sizeof o);
    return c;
}

typedef umap_v4 (*edge4_fn)(float *restrict cur, float *restrict oth, int32_t j, int n_neg, float alpha,
                         const coef_lut *lut, uint32_t n, neg_ring *nr, const float *restrict snap, umap_v4 tie);

/* One edge's work at DIM = 4 (2D or 3D padded, see emb__umap_optimize),
 * plain: the reference for the SIMD versions below.
 * tie: the step for a sample on the head itself, 4 in the lanes in use
 * (the pad lanes of a 2D or 3D map stay 0). */
static inline umap_v4 edge4_c(float *restrict cur, float *restrict oth, int32_t j, int n_neg, float alpha,
                           const coef_lut *lut, uint32_t n, neg_ring *nr, const float *restrict snap, umap_v4 tie) {
    umap_v4 c = attract4(cur, oth, alpha, lut), acc = {0, 0, 0, 0};
    for (int p = 0; p < n_neg; p++) {
        int32_t k = ring_take(nr, n, snap, 4);
        acc += neg4_one(c, snap + (size_t)k * 4, j, k, alpha, lut, tie);
    }
    return acc;
}

#if defined(EMB__X86) && (defined(__x86_64__) || defined(__i386__))   /* EMB__X86 implies these; spelled out for readers and checkers */
/* The negative samples four at a time (about 5 per edge sample: they are
 * most of the layout's work). Each sample's squared distance is summed in
 * its 4-lane group and spread over the group; the four distances are
 * packed into one 4-lane vector for the table (two 4-lane gathers), and
 * the coefficients spread back. A group with any distance outside the
 * table (q = 0 included: the tie) takes the plain path. The samples'
 * steps are summed in a different order than edge4_c's, so the floats
 * differ by rounding (tests/test_maps_umap.c holds both to the plain
 * double-precision SGD). */
EMB__TARGET_AVX2 static inline __m128 lut4_rep(__m128 q, const coef_lut *lut, int *in_range) {
    __m128i u = _mm_castps_si128(q), off = _mm_sub_epi32(u, _mm_set1_epi32((int)lut->lo));
    /* in range: lo <= u < hi, as one unsigned compare of u - lo against hi - lo (xor 2^31 for a signed compare) */
    __m128i sgn = _mm_set1_epi32(INT32_MIN);
    __m128i lim = _mm_xor_si128(_mm_set1_epi32((int)(lut->hi - lut->lo)), sgn);
    *in_range = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpgt_epi32(lim, _mm_xor_si128(off, sgn)))) == 0xf;
    __m128i k = _mm_srli_epi32(off, 23 - LUT_MBITS);
    __m128 frac = _mm_mul_ps(_mm_cvtepi32_ps(_mm_and_si128(off, _mm_set1_epi32((1 << (23 - LUT_MBITS)) - 1))),
                             _mm_set1_ps(1.0f / (float)(1u << (23 - LUT_MBITS))));
    if (!*in_range) return _mm_setzero_ps();
    __m128 t0 = _mm_i32gather_ps(lut->rep, k, 4), t1 = _mm_i32gather_ps(lut->rep + 1, k, 4);
    return _mm_fmadd_ps(frac, _mm_sub_ps(t1, t0), t0);
}

/* The squared length of each sample's 4-lane group, spread over it. */
EMB__TARGET_AVX2 static inline __m256 group_sq8(__m256 d) {
    __m256 s = _mm256_mul_ps(d, d);
    __m256 q = _mm256_add_ps(_mm256_permute_ps(s, 0x00), _mm256_permute_ps(s, 0x55));
    q = _mm256_add_ps(q, _mm256_permute_ps(s, 0xaa));
    return _mm256_add_ps(q, _mm256_permute_ps(s, 0xff));
}

EMB__TARGET_AVX2 static umap_v4 edge4_avx2(float *restrict cur, float *restrict oth, int32_t j, int n_neg, float alpha,
                                        const coef_lut *lut, uint32_t n, neg_ring *nr, const float *restrict snap,
                                        umap_v4 tie) {
    umap_v4 c = attract4(cur, oth, alpha, lut), acc = {0, 0, 0, 0};
    __m128 c4;
    memcpy(&c4, &c, sizeof c4);
    __m256 cc = _mm256_set_m128(c4, c4), al = _mm256_set1_ps(alpha), hi = _mm256_set1_ps(UMAP_GRAD_CLIP);
    __m256 va = _mm256_setzero_ps();
    int p = 0;
    for (; p + 4 <= n_neg; p += 4) {
        int32_t k[4];
        for (int q = 0; q < 4; q++) k[q] = ring_take(nr, n, snap, 4);
        /* A: samples 0, 1; B: samples 2, 3 */
        __m256 da = _mm256_sub_ps(cc, _mm256_loadu2_m128(snap + (size_t)k[1] * 4, snap + (size_t)k[0] * 4));
        __m256 db = _mm256_sub_ps(cc, _mm256_loadu2_m128(snap + (size_t)k[3] * 4, snap + (size_t)k[2] * 4));
        __m256 qa = group_sq8(da), qb = group_sq8(db);
        /* lanes 0, 4 of A and of B -> (s0, s2, s1, s3) */
        __m256 qs = _mm256_permutevar8x32_ps(_mm256_shuffle_ps(qa, qb, 0x00), _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6));
        int ok;
        __m128 r = lut4_rep(_mm256_castps256_ps128(qs), lut, &ok);
        if (!ok) {
            for (int q = 0; q < 4; q++) acc += neg4_one(c, snap + (size_t)k[q] * 4, j, k[q], alpha, lut, tie);
            continue;
        }
        __m256 r8 = _mm256_castps128_ps256(r);
        __m256 ra = _mm256_permutevar8x32_ps(r8, _mm256_setr_epi32(0, 0, 0, 0, 2, 2, 2, 2));
        __m256 rb = _mm256_permutevar8x32_ps(r8, _mm256_setr_epi32(1, 1, 1, 1, 3, 3, 3, 3));
        __m256 ga = _mm256_max_ps(_mm256_min_ps(_mm256_mul_ps(ra, da), hi), _mm256_sub_ps(_mm256_setzero_ps(), hi));
        __m256 gb = _mm256_max_ps(_mm256_min_ps(_mm256_mul_ps(rb, db), hi), _mm256_sub_ps(_mm256_setzero_ps(), hi));
        va = _mm256_fmadd_ps(_mm256_add_ps(ga, gb), al, va);
    }
    for (; p < n_neg; p++) {
        int32_t k = ring_take(nr, n, snap, 4);
        acc += neg4_one(c, snap + (size_t)k * 4, j, k, alpha, lut, tie);
    }
    __m128 v = _mm_add_ps(_mm256_castps256_ps128(va), _mm256_extractf128_ps(va, 1)), a4;
    memcpy(&a4, &acc, sizeof a4);
    a4 = _mm_add_ps(a4, v);
    memcpy(&acc, &a4, sizeof acc);
    return acc;
}

EMB__TARGET_AVX512 static umap_v4 edge4_avx512(float *restrict cur, float *restrict oth, int32_t j, int n_neg, float alpha,
                                            const coef_lut *lut, uint32_t n, neg_ring *nr, const float *restrict snap,
                                            umap_v4 tie) {
    umap_v4 c = attract4(cur, oth, alpha, lut), acc = {0, 0, 0, 0};
    __m128 c4;
    memcpy(&c4, &c, sizeof c4);
    __m512 cc = _mm512_broadcast_f32x4(c4), al = _mm512_set1_ps(alpha), hi = _mm512_set1_ps(UMAP_GRAD_CLIP);
    __m512 lo = _mm512_set1_ps(-UMAP_GRAD_CLIP), va = _mm512_setzero_ps();
    const __m512i pack = _mm512_setr_epi32(0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12);
    const __m512i spread = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
    int p = 0;
    for (; p + 4 <= n_neg; p += 4) {
        int32_t k[4];
        for (int q = 0; q < 4; q++) k[q] = ring_take(nr, n, snap, 4);
        __m512 o = _mm512_castps128_ps512(_mm_loadu_ps(snap + (size_t)k[0] * 4));
        o = _mm512_insertf32x4(o, _mm_loadu_ps(snap + (size_t)k[1] * 4), 1);
        o = _mm512_insertf32x4(o, _mm_loadu_ps(snap + (size_t)k[2] * 4), 2);
        o = _mm512_insertf32x4(o, _mm_loadu_ps(snap + (size_t)k[3] * 4), 3);
        __m512 d = _mm512_sub_ps(cc, o), s = _mm512_mul_ps(d, d);
        __m512 q = _mm512_add_ps(_mm512_permute_ps(s, 0x00), _mm512_permute_ps(s, 0x55));
        q = _mm512_add_ps(q, _mm512_permute_ps(s, 0xaa));
        q = _mm512_add_ps(q, _mm512_permute_ps(s, 0xff));
        int ok;
        __m128 r = lut4_rep(_mm512_castps512_ps128(_mm512_permutexvar_ps(pack, q)), lut, &ok);
        if (!ok) {
            for (int t = 0; t < 4; t++) acc += neg4_one(c, snap + (size_t)k[t] * 4, j, k[t], alpha, lut, tie);
            continue;
        }
        __m512 r16 = _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(r));
        __m512 g = _mm512_max_ps(_mm512_min_ps(_mm512_mul_ps(r16, d), hi), lo);
        va = _mm512_fmadd_ps(g, al, va);
    }
    for (; p < n_neg; p++) {
        int32_t k = ring_take(nr, n, snap, 4);
        acc += neg4_one(c, snap + (size_t)k * 4, j, k, alpha, lut, tie);
    }
    __m256 v8 = _mm256_add_ps(_mm512_castps512_ps256(va), _mm512_extractf32x8_ps(va, 1));
    __m128 v = _mm_add_ps(_mm256_castps256_ps128(v8), _mm256_extractf128_ps(v8, 1)), a4;
    memcpy(&a4, &acc, sizeof a4);
    a4 = _mm_add_ps(a4, v);
    memcpy(&acc, &a4, sizeof acc);
    return acc;
}
#endif

static inline void pend_flush(float *row, umap_v4 pend) {
    if (!row) return;
    umap_v4 c;
    memcpy(&c, row, sizeof c);
    c += pend;
    memcpy(row, &c, sizeof c);
}

/* One epoch's work on edges [e0, e1) for a fixed dimension DIM (the
 * compiler specialises the 2- and 3-D calls). */
__attribute__((always_inline)) static inline void epoch_edges(float *restrict emb, const int DIM, int64_t e0, int64_t e1,
                               const int32_t *restrict head, const int32_t *restrict tail,
                               const float *restrict eps, float *restrict next, float *restrict next_neg,
                               float inv_nsr, float epoch, float alpha, const coef_lut *lut,
                               uint32_t n, neg_ring *nr, const float *restrict snap, int used, edge4_fn e4) {
    umap_v4 tie = {0, 0, 0, 0};   /* the step on a sample that is the head itself: 4 in the used lanes */
    for (int d = 0; d < used && d < 4; d++) tie[d] = UMAP_GRAD_CLIP;
    /* Which edges are due is found first, without branches, for a chunk
     * at a time: about half the edges are skipped in a typical epoch and a
     * branch on each would be mispredicted about as often. */
    int32_t due[UMAP_CHUNK];
    const umap_v4 zero4 = {0, 0, 0, 0};
    umap_v4 pend = zero4;     /* the head's summed negative steps, not yet applied (DIM 4) */
    float *pend_row = NULL;
    for (int64_t c0 = e0; c0 < e1; c0 += UMAP_CHUNK) {
        int m = 0, cn = (int)(e1 - c0 < UMAP_CHUNK ? e1 - c0 : UMAP_CHUNK);
        for (int q = 0; q < cn; q++) { due[m] = q; m += next[c0 + q] <= epoch; }
        for (int q = 0; q < m; q++) {
            int64_t i = c0 + due[q];
            if (q + UMAP_PREFETCH_EDGES < m)
                __builtin_prefetch(emb + (size_t)tail[c0 + due[q + UMAP_PREFETCH_EDGES]] * DIM, 1, 3);
            int32_t j = head[i];
            float *cur = emb + (size_t)j * DIM, *oth = emb + (size_t)tail[i] * DIM;
            float eneg = eps[i] * inv_nsr;
            int n_neg = (int)((epoch - next_neg[i]) / eneg);
            next[i] += eps[i];
            if (DIM == 4) {
                if (cur != pend_row) { pend_flush(pend_row, pend); pend = zero4; pend_row = cur; }
                pend += e4(cur, oth, j, n_neg, alpha, lut, n, nr, snap, tie);
            }
            else {
                float diff[DIM > 0 ? DIM : 1], d2 = 0;
                UNROLL for (int d = 0; d < DIM; d++) { diff[d] = cur[d] - oth[d]; d2 += diff[d] * diff[d]; }
                float gc = 0;
                if (d2 > 0) gc = lut_eval(lut, lut->att, d2, false);
                UNROLL for (int d = 0; d < DIM; d++) {
                    float g = clip4(gc * diff[d]) * alpha;
                    cur[d] += g;
                    oth[d] -= g;
                }
                /* Negative samples: each gradient is taken at the head's position
                 * after the attractive step (not after the previous negative
                 * sample, as umap-learn does): the n_neg samples are then
                 * independent and overlap in the pipeline instead of forming one
                 * chain of powf + divide latencies. */
                float c[DIM > 0 ? DIM : 1], acc[DIM > 0 ? DIM : 1];
                UNROLL for (int d = 0; d < DIM; d++) { c[d] = cur[d]; acc[d] = 0; }
                for (int p = 0; p < n_neg; p++) {
                    int32_t k = ring_take(nr, n, snap, DIM);
                    const float *o = snap + (size_t)k * DIM;
                    float dn[DIM > 0 ? DIM : 1], q2 = 0;
                    UNROLL for (int d = 0; d < DIM; d++) { dn[d] = c[d] - o[d]; q2 += dn[d] * dn[d]; }
                    if (q2 > 0) {
                        float rc = lut_eval(lut, lut->rep, q2, true);
                        UNROLL for (int d = 0; d < DIM; d++) acc[d] += clip4(rc * dn[d]) * alpha;
                    } else if (j != k) {
                        UNROLL for (int d = 0; d < DIM; d++) acc[d] += UMAP_GRAD_CLIP * alpha;
                    }
                }
                UNROLL for (int d = 0; d < DIM; d++) cur[d] += acc[d];
            }
            next_neg[i] += n_neg * eneg;
        }
        if (DIM == 4) { pend_flush(pend_row, pend); pend = zero4; pend_row = NULL; }
    }
}

typedef void (*epoch_fn)(float *emb, int dim, int64_t e0, int64_t e1, const int32_t *head, const int32_t *tail,
                         const float *eps, float *next, float *next_neg, float inv_nsr, float epoch, float alpha,
                         const coef_lut *lut, uint32_t n, neg_ring *rs, const float *snap, int used);

/* The epoch at a dimension the compiler specialises (2, 3, 4; 2D and 3D
 * run padded to 4), with E4 as the 4-lane edge step. */
#define EPOCH_AT(E4)                                                                                              \
    switch (dim) {                                                                                              \
    case 2: epoch_edges(emb, 2, e0, e1, head, tail, eps, next, next_neg, inv_nsr, epoch, alpha, lut, n, rs, snap, used, E4); break; \
    case 3: epoch_edges(emb, 3, e0, e1, head, tail, eps, next, next_neg, inv_nsr, epoch, alpha, lut, n, rs, snap, used, E4); break; \
    case 4: epoch_edges(emb, 4, e0, e1, head, tail, eps, next, next_neg, inv_nsr, epoch, alpha, lut, n, rs, snap, used, E4); break; \
    default: epoch_edges(emb, dim, e0, e1, head, tail, eps, next, next_neg, inv_nsr, epoch, alpha, lut, n, rs, snap, used, E4); break; \
    }

#define EPOCH_PARAMS float *emb, int dim, int64_t e0, int64_t e1, const int32_t *head, const int32_t *tail, \
                     const float *eps, float *next, float *next_neg, float inv_nsr, float epoch, float alpha, \
                     const coef_lut *lut, uint32_t n, neg_ring *rs, const float *snap, int used
static void epoch_c(EPOCH_PARAMS) { EPOCH_AT(edge4_c) }
#if defined(EMB__X86) && (defined(__x86_64__) || defined(__i386__))
EMB__TARGET_AVX2 static void epoch_avx2(EPOCH_PARAMS) { EPOCH_AT(edge4_avx2) }
EMB__TARGET_AVX512 static void epoch_avx512(EPOCH_PARAMS) { EPOCH_AT(edge4_avx512) }
#endif

/* the epoch at the active SIMD level (core/internal.h) */
static epoch_fn epoch_pick(void) {
#ifdef EMB__X86
    emb_cpu_level lv = emb_cpu_level_active();
    if (lv >= EMB_CPU_AVX512) return epoch_avx512;
    if (lv >= EMB_CPU_AVX2) return epoch_avx2;
#endif
    return epoch_c;
}

#define UMAP_SYNC_EPOCHS 8   /* threads meet this often (epochs) */

static uint64_t thread_seed(uint64_t seed, int t) {
    uint64_t z = seed + 0x9e3779b97f4a7c15ull * (uint64_t)(t + 1);   /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static emb_status check_sgd(const emb__umap_sgd *s) {
    if (s->n < 1 || s->n > INT32_MAX || s->dim < 1 || s->n_epochs < 0 || s->negative_sample_rate < 0)
        return emb__fail(EMB_E_INVALID, "UMAP layout: bad sizes (n %lld, dim %d)", (long long)s->n, s->dim);
    return EMB_OK;
}

emb_status emb__umap_optimize(const emb__umap_sgd *s, float *emb) {
    emb_status st = check_sgd(s);
    if (st || s->n_edges == 0 || s->n_epochs == 0) return st;
    int64_t ne = s->n_edges;
    float *eps = emb__malloc(sizeof(float) * ne, "UMAP epochs per sample");
    float *next = emb__malloc(sizeof(float) * ne, "UMAP schedule");
    float *next_neg = emb__malloc(sizeof(float) * ne, "UMAP schedule");
    if (!eps || !next || !next_neg) { free(eps); free(next); free(next_neg); return EMB_E_NOMEM; }
    float wmax = 0;
    for (int64_t i = 0; i < ne; i++) wmax = fmaxf(wmax, s->weight[i]);
    float inv_nsr = s->negative_sample_rate > 0 ? 1.0f / (float)s->negative_sample_rate : 0.0f;
    for (int64_t i = 0; i < ne; i++) {
        /* make_epochs_per_sample: n_epochs / (n_epochs w / max w); -1 = never. */
        double ns = s->n_epochs * ((double)s->weight[i] / wmax);
        eps[i] = ns > 0 ? (float)(s->n_epochs / ns) : INFINITY;
        next[i] = eps[i];
        next_neg[i] = s->negative_sample_rate > 0 ? eps[i] * inv_nsr : INFINITY;
    }
    int T = emb_threads_resolve(s->n_threads);
    if ((int64_t)T * 64 > ne) T = 1;
    coef_lut *lut = emb__malloc(sizeof(coef_lut), "UMAP gradient table");
    if (!lut) { free(eps); free(next); free(next_neg); return EMB_E_NOMEM; }
    lut_build(lut, (float)s->a, (float)s->b, (float)s->gamma);
    /* 2D and 3D run on rows padded to 4 floats (the pad stays 0: its
     * difference, gradient and update are 0, and adding 0 to a sum changes
     * no bit, so the result is the unpadded one's bytes): each step is one
     * 4-float vector (edge4), and a point never straddles two cache lines.
     * Fashion-MNIST 70k, one thread: 3D 12.2 -> 8.4 CPU s for `map`; 2D
     * layout 5.22 -> 4.63 s, and with 2 threads 2.78 -> 2.58 s (mean of 4
     * alternating runs; AMD EPYC Zen 4, AVX-512). */
    int dim = s->dim == 3 || s->dim == 2 ? 4 : s->dim;
    float *work = emb;
    if (dim != s->dim) {
        work = emb__calloc((size_t)s->n, sizeof(float) * 4, "UMAP padded layout");
        if (!work) { free(eps); free(next); free(next_neg); free(lut); return EMB_E_NOMEM; }
        for (int64_t i = 0; i < s->n; i++) memcpy(work + (size_t)i * 4, emb + (size_t)i * s->dim, sizeof(float) * (size_t)s->dim);
    }
    epoch_fn run_epoch = epoch_pick();
    #pragma omp parallel num_threads(T)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        neg_ring rs;
        ring_init(&rs, thread_seed(s->seed, t), (uint32_t)s->n);
        int64_t e0 = ne * t / nt, e1 = ne * (t + 1) / nt;
        /* With more than one thread the negative samples read a private
         * copy of the embedding taken at the start of each epoch: the live
         * one has its lines written by the other thread all the time, and
         * reading them cost a cache-to-cache transfer each (Fashion-MNIST
         * 70k, 2 threads: 2D layout 3.5 -> 2.7 s, 3D 5.2 -> 3.8 s; 10-NN
         * accuracy unchanged). One thread reads the live embedding, as
         * umap-learn does. */
        size_t snap_bytes = sizeof(float) * (size_t)s->n * (size_t)dim;
        float *snap = nt > 1 ? malloc(snap_bytes) : NULL;   /* NULL: read the live one */
        for (int epoch = 0; epoch < s->n_epochs; epoch++) {
            if (snap) memcpy(snap, work, snap_bytes);
            /* layouts.py: epoch 0 runs at the initial rate, epoch n at
             * lr (1 - (n - 1) / n_epochs). */
            double alpha = epoch == 0 ? s->learning_rate
                                      : s->learning_rate * (1.0 - (double)(epoch - 1) / s->n_epochs);
            run_epoch(work, dim, e0, e1, s->head, s->tail, eps, next, next_neg, inv_nsr,
                            (float)epoch, (float)alpha, lut, (uint32_t)s->n, &rs, snap ? snap : work, s->dim);
            /* Threads own their edges and schedules, so they need not meet
             * after every epoch (on a busy machine 200 - 500 barriers cost
             * more than the SGD); they meet every UMAP_SYNC_EPOCHS so that
             * none runs far ahead in the learning-rate schedule (a thread
             * left alone for 100 epochs cost 0.007 of MNIST 10-NN accuracy). */
            if (epoch % UMAP_SYNC_EPOCHS == UMAP_SYNC_EPOCHS - 1) {
                #pragma omp barrier
            }
            if (t == 0 && s->progress && (epoch % 10 == 9))
                emb_progress_report(s->progress, "umap", 0.05 + 0.95 * (epoch + 1) / s->n_epochs, "layout");
        }
        free(snap);
    }
    if (work != emb) {
        for (int64_t i = 0; i < s->n; i++) memcpy(emb + (size_t)i * s->dim, work + (size_t)i * 4, sizeof(float) * (size_t)s->dim);
        free(work);
    }
    free(eps); free(next); free(next_neg); free(lut);
    return EMB_OK;
}

static float *naive_flush(float *row, const double *pend, int dim) {
    if (row)
        for (int d = 0; d < dim; d++) row[d] = (float)(row[d] + pend[d]);
    return NULL;
}

/* The reference: the same sampling, random numbers and negative-sample
 * snapshot, written plainly in double precision, one thread. */
emb_status emb__umap_optimize_naive(const emb__umap_sgd *s, float *emb) {
    emb_status st = check_sgd(s);
    if (st || s->n_edges == 0 || s->n_epochs == 0) return st;
    int64_t ne = s->n_edges;
    int dim = s->dim;
    if (dim > 64) return emb__fail(EMB_E_INVALID, "UMAP naive layout: dim %d > 64", dim);
    /* The schedule in float as in the fast version, so that both draw the
     * same number of negative samples (the random streams stay in step). */
    float *eps = malloc(sizeof(float) * ne), *next = malloc(sizeof(float) * ne), *next_neg = malloc(sizeof(float) * ne);
    if (!eps || !next || !next_neg) { free(eps); free(next); free(next_neg); return emb__fail(EMB_E_NOMEM, "UMAP naive"); }
    float wmax = 0, inv_nsr = 1.0f / (float)s->negative_sample_rate;
    for (int64_t i = 0; i < ne; i++) wmax = fmaxf(wmax, s->weight[i]);
    for (int64_t i = 0; i < ne; i++) {
        double ns = s->n_epochs * ((double)s->weight[i] / wmax);
        eps[i] = (float)(s->n_epochs / ns);
        next[i] = eps[i];
        next_neg[i] = eps[i] * inv_nsr;
    }
    uint64_t rs = thread_seed(s->seed, 0);
    double a = s->a, b = s->b, alpha = s->learning_rate;
    double pend[64];                /* the head's negative steps, applied when the head changes */
    float *prow = NULL;
    for (int epoch = 0; epoch < s->n_epochs; epoch++) {
        for (int64_t i = 0; i < ne; i++) {
            if (i % UMAP_CHUNK == 0) prow = naive_flush(prow, pend, dim);
            if (next[i] > (float)epoch) continue;
            int32_t j = s->head[i], k = s->tail[i];
            float *cur = emb + (size_t)j * dim, *oth = emb + (size_t)k * dim;
            if (cur != prow) { naive_flush(prow, pend, dim); prow = cur; for (int d = 0; d < dim; d++) pend[d] = 0; }
            double d2 = 0;
            for (int d = 0; d < dim; d++) d2 += ((double)cur[d] - oth[d]) * ((double)cur[d] - oth[d]);
            double gc = d2 > 0 ? -2.0 * a * b * pow(d2, b - 1.0) / (a * pow(d2, b) + 1.0) : 0.0;
            for (int d = 0; d < dim; d++) {
                double g = fmin(4.0, fmax(-4.0, gc * ((double)cur[d] - oth[d])));
                cur[d] += (float)(g * alpha);
                oth[d] -= (float)(g * alpha);
            }
            next[i] += eps[i];
            float eneg = eps[i] * inv_nsr;
            int n_neg = (int)(((float)epoch - next_neg[i]) / eneg);
            double c[64], acc[64];   /* dim <= 64 here: the tests' sizes */
            for (int d = 0; d < dim && d < 64; d++) { c[d] = cur[d]; acc[d] = 0; }
            for (int p = 0; p < n_neg; p++) {
                k = rng_below(&rs, (uint32_t)s->n);
                const float *o = emb + (size_t)k * dim;
                double q2 = 0;
                for (int d = 0; d < dim; d++) q2 += (c[d] - o[d]) * (c[d] - o[d]);
                if (q2 > 0) {
                    double rc = 2.0 * s->gamma * b / ((0.001 + q2) * (a * pow(q2, b) + 1.0));
                    for (int d = 0; d < dim; d++) acc[d] += fmin(4.0, fmax(-4.0, rc * (c[d] - o[d]))) * alpha;
                } else if (j != k) {
                    for (int d = 0; d < dim; d++) acc[d] += 4.0 * alpha;
                }
            }
            for (int d = 0; d < dim; d++) pend[d] += acc[d];
            next_neg[i] += n_neg * eneg;
        }
        prow = naive_flush(prow, pend, dim);
        alpha = s->learning_rate * (1.0 - (double)epoch / s->n_epochs);
    }
    free(eps); free(next); free(next_neg);
    return EMB_OK;
}

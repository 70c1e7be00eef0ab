/* tsne_exact.c - the t-SNE gradient: attractive term over the sparse P, the
 * exact O(n^2) repulsive term, and emb_tsne_gradient which picks the
 * repulsive method.
 *
 * Gradient as openTSNE computes it (Policar et al., _tsne.pyx, dof = 1):
 *   grad_i = exaggeration sum_j p_ij w_ij (y_i - y_j) - (1/Z) sum_j w_ij^2 (y_i - y_j),
 *   w_ij = 1 / (1 + |y_i - y_j|^2), Z = sum_{k != l} w_kl,
 * which is dKL/dy_i (van der Maaten & Hinton 2008, eq. 5) divided by 4. */
#include "core/internal.h"
#include "maps/tsne.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One row of the attractive term; D is a constant at each call site so the
 * compiler unrolls the coordinate loops. */
static inline void attractive_row(const emb_tsne_affinities *P, const double *y, int64_t i, const int D,
                                  double exaggeration, double *pos, double *klrow) {
    double acc[3] = {0, 0, 0}, kl = 0;
    const double *yi = y + i * D;
    for (int64_t e = P->row_ptr[i]; e < P->row_ptr[i + 1]; e++) {
        const double *yj = y + (int64_t)P->col[e] * D;
        double diff[3], d2 = 0;
        for (int c = 0; c < D; c++) { diff[c] = yi[c] - yj[c]; d2 += diff[c] * diff[c]; }
        double w = 1.0 / (1.0 + d2), pw = P->val[e] * w;
        for (int c = 0; c < D; c++) acc[c] += pw * diff[c];
        if (klrow && P->val[e] > 0) kl += P->val[e] * log(P->val[e] / w);
    }
    for (int c = 0; c < D; c++) pos[i * D + c] = exaggeration * acc[c];
    if (klrow) klrow[i] = kl;
}

/* The hot path (no KL): rows vectorised over their entries with gathers.
 * One body for P's values as double (P->val) and as float (a copy the
 * optimiser keeps: half the memory traffic); sums stay in double. */
#define ATTRACTIVE_SIMD_BODY(VAL, LOOP)                                               \
    int64_t n = P->n;                                                                 \
    const int32_t *col = P->col;                                                      \
    _Pragma(LOOP)                                                                     \
    for (int64_t i = 0; i < n; i++) {                                                 \
        const double *yi = y + i * dims;                                              \
        double y0 = yi[0], y1 = yi[1], y2 = dims == 3 ? yi[2] : 0;                    \
        double a0 = 0, a1 = 0, a2 = 0;                                                \
        int64_t e0 = P->row_ptr[i], e1 = P->row_ptr[i + 1];                           \
        if (dims == 2) {                                                              \
            _Pragma("omp simd reduction(+ : a0, a1)")                                 \
            for (int64_t e = e0; e < e1; e++) {                                       \
                int64_t j = col[e];                                                   \
                double d0 = y0 - y[2 * j], d1 = y1 - y[2 * j + 1];                    \
                double pw = (double)(VAL)[e] / (1.0 + d0 * d0 + d1 * d1);             \
                a0 += pw * d0;                                                        \
                a1 += pw * d1;                                                        \
            }                                                                         \
        } else {                                                                      \
            _Pragma("omp simd reduction(+ : a0, a1, a2)")                             \
            for (int64_t e = e0; e < e1; e++) {                                       \
                int64_t j = col[e];                                                   \
                double d0 = y0 - y[3 * j], d1 = y1 - y[3 * j + 1], d2 = y2 - y[3 * j + 2]; \
                double pw = (double)(VAL)[e] / (1.0 + d0 * d0 + d1 * d1 + d2 * d2);   \
                a0 += pw * d0;                                                        \
                a1 += pw * d1;                                                        \
                a2 += pw * d2;                                                        \
            }                                                                         \
        }                                                                             \
        pos[i * dims] = exaggeration * a0;                                            \
        pos[i * dims + 1] = exaggeration * a1;                                        \
        if (dims == 3) pos[i * dims + 2] = exaggeration * a2;                         \
    }

/* The attractive sums, one clone per SIMD level (core/internal.h); the
 * clones differ only in how the compiler vectorises the row loop. */
#define ATTRACTIVE_CLONE(NAME, TARGET, VT)                                             \
    TARGET static void NAME(const emb_tsne_affinities *P, const VT *val, const double *y, \
                            int dims, double exaggeration, int nth, double *pos) {     \
        ATTRACTIVE_SIMD_BODY(val, "omp parallel for schedule(dynamic, 256) num_threads(nth)") \
    }
ATTRACTIVE_CLONE(attractive_c, , double)
/* the plain-C rows of the single-precision path (orphaned loop, no barrier) */
static void attractive_rows_f32_c(const emb_tsne_affinities *P, const float *val, const double *y,
                                  int dims, double exaggeration, double *pos) {
    ATTRACTIVE_SIMD_BODY(val, "omp for schedule(dynamic, 256) nowait")
}
#ifdef EMB__X86
ATTRACTIVE_CLONE(attractive_avx2, EMB__TARGET_AVX2, double)
ATTRACTIVE_CLONE(attractive_avx512, EMB__TARGET_AVX512, double)
#endif

static void attractive_simd(const emb_tsne_affinities *P, const double *y, int dims,
                            double exaggeration, int nth, double *pos) {
#ifdef EMB__X86
    emb_cpu_level lv = emb_cpu_level_active();
    if (lv >= EMB_CPU_AVX512) { attractive_avx512(P, P->val, y, dims, exaggeration, nth, pos); return; }
    if (lv >= EMB_CPU_AVX2) { attractive_avx2(P, P->val, y, dims, exaggeration, nth, pos); return; }
#endif
    attractive_c(P, P->val, y, dims, exaggeration, nth, pos);
}

#if defined(EMB__X86) && (defined(__x86_64__) || defined(__i386__))   /* EMB__X86 implies these; spelled out for readers and checkers */
#include <immintrin.h>

/* The SIMD levels of the single-precision path. yf is a float copy of the
 * map, padded by 4 floats; each neighbour's coordinates come in one 16-byte
 * load (x, y, z or the next point's x) and four such loads per register are
 * transposed in-lane into x, y, z vectors: cheaper than a gather per
 * coordinate. In 2D at AVX-512 each (x, y) pair is one 64-bit element of
 * two vgatherdpd (8 pairs each, the indices one vector load): attractive
 * thread-seconds 1.28 -> 1.08 at 20k and 6.33 -> 5.90 at 70k on an Intel
 * Xeon (Fashion-MNIST PCA-50), the same sums lane for lane, so the same map
 * bit for bit. Lane L of the result holds entry L: register r takes entries
 * r, r + 4, r + 8, r + 12 in its four 128-bit blocks. The kernel's
 * reciprocal is the estimate with one Newton step (relative error about
 * 2^-22); each row's lanes are summed in float (a few hundred terms) and
 * the row total in double. The map's float rounding (2^-24 of its extent)
 * moves the differences of near points by about 1e-5 of their length, far
 * below the repulsive term's Barnes-Hut or interpolation error. A row's
 * last partial block has value 0 in the unused lanes and a valid point
 * there: at AVX-512 point 0 (masked loads), at AVX2 the next rows' indices
 * (only at the end of P, point 0). */
EMB__TARGET_AVX512 EMB__INLINE void attractive_row_avx512(const int32_t *col, const float *val, int64_t e0,
                                                          int64_t e1, int64_t nnz, const float *yf,
                                                          const float *yi, const int D, double *out) {
    __m512 y0 = _mm512_set1_ps(yi[0]), y1 = _mm512_set1_ps(yi[1]);
    __m512 y2 = _mm512_set1_ps(D == 3 ? yi[2] : 0.0f);
    __m512 one = _mm512_set1_ps(1.0f), two = _mm512_set1_ps(2.0f), zero = _mm512_setzero_ps();
    __m512 a0 = zero, a1 = zero, a2 = zero;
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
    int32_t jt[16];
    (void)nnz;
    for (int64_t e = e0; e < e1; e += 16) {
        __m512 v, d0, d1, d2 = zero;
        if (D == 2) {   /* (x, y) pairs as 64-bit elements, 8 a gather; unused lanes: point 0, value 0 */
            __mmask16 mk = e1 - e >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (e1 - e)) - 1);
            __m512i jv = _mm512_maskz_loadu_epi32(mk, col + e);
            v = _mm512_maskz_loadu_ps(mk, val + e);
            __m512 g0 = _mm512_castpd_ps(_mm512_i32gather_pd(_mm512_castsi512_si256(jv), (const double *)yf, 8));
            __m512 g1 = _mm512_castpd_ps(_mm512_i32gather_pd(_mm512_extracti64x4_epi64(jv, 1), (const double *)yf, 8));
            d0 = _mm512_sub_ps(y0, _mm512_permutex2var_ps(g0, even, g1));
            d1 = _mm512_sub_ps(y1, _mm512_permutex2var_ps(g0, odd, g1));
        } else {
            const int32_t *j = col + e;
            if (e1 - e >= 16) {
                v = _mm512_loadu_ps(val + e);
            } else {   /* the row's last partial block: unused lanes point 0, value 0 */
                __mmask16 mk = (__mmask16)((1u << (e1 - e)) - 1);
                _mm512_storeu_si512(jt, _mm512_maskz_loadu_epi32(mk, j));
                j = jt;
                v = _mm512_maskz_loadu_ps(mk, val + e);
            }
            __m512 r[4];
            for (int q = 0; q < 4; q++) {
                __m512 t = _mm512_castps128_ps512(_mm_loadu_ps(yf + (int64_t)j[q] * D));
                t = _mm512_insertf32x4(t, _mm_loadu_ps(yf + (int64_t)j[q + 4] * D), 1);
                t = _mm512_insertf32x4(t, _mm_loadu_ps(yf + (int64_t)j[q + 8] * D), 2);
                r[q] = _mm512_insertf32x4(t, _mm_loadu_ps(yf + (int64_t)j[q + 12] * D), 3);
            }
            __m512 t0 = _mm512_unpacklo_ps(r[0], r[1]), t2 = _mm512_unpacklo_ps(r[2], r[3]);
            __m512 t1 = _mm512_unpackhi_ps(r[0], r[1]), t3 = _mm512_unpackhi_ps(r[2], r[3]);
            d0 = _mm512_sub_ps(y0, _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t0), _mm512_castps_pd(t2))));
            d1 = _mm512_sub_ps(y1, _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t0), _mm512_castps_pd(t2))));
            d2 = _mm512_sub_ps(y2, _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t1), _mm512_castps_pd(t3))));
        }
        __m512 q = _mm512_fmadd_ps(d0, d0, _mm512_fmadd_ps(d1, d1, _mm512_fmadd_ps(d2, d2, one)));
        __m512 w = _mm512_rcp14_ps(q);
        w = _mm512_mul_ps(w, _mm512_fnmadd_ps(q, w, two));
        __m512 pw = _mm512_mul_ps(v, w);
        a0 = _mm512_fmadd_ps(pw, d0, a0);
        a1 = _mm512_fmadd_ps(pw, d1, a1);
        a2 = _mm512_fmadd_ps(pw, d2, a2);
    }
    out[0] = _mm512_reduce_add_ps(a0);
    out[1] = _mm512_reduce_add_ps(a1);
    out[2] = _mm512_reduce_add_ps(a2);
}

EMB__TARGET_AVX512 static void attractive_yf_avx512(const emb_tsne_affinities *P, const float *val,
                                                    const float *yf, int dims, double exaggeration, double *pos) {
    int64_t n = P->n, nnz = P->row_ptr[n];
#pragma omp for schedule(dynamic, 256) nowait
    for (int64_t i = 0; i < n; i++) {
        double a[3];
        if (dims == 3) attractive_row_avx512(P->col, val, P->row_ptr[i], P->row_ptr[i + 1], nnz, yf, yf + i * 3, 3, a);
        else attractive_row_avx512(P->col, val, P->row_ptr[i], P->row_ptr[i + 1], nnz, yf, yf + i * 2, 2, a);
        for (int c = 0; c < dims; c++) pos[i * dims + c] = exaggeration * a[c];
    }
}

EMB__TARGET_AVX2 static double hsum8d(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return (double)_mm_cvtss_f32(s);
}

/* AVX2: 8 entries a step, register r (0..3) holding entries r and r + 4. */
EMB__TARGET_AVX2 EMB__INLINE void attractive_row_avx2(const int32_t *col, const float *val, int64_t e0,
                                                      int64_t e1, int64_t nnz, const float *yf,
                                                      const float *yi, const int D, double *out) {
    __m256 y0 = _mm256_set1_ps(yi[0]), y1 = _mm256_set1_ps(yi[1]);
    __m256 y2 = _mm256_set1_ps(D == 3 ? yi[2] : 0.0f);
    __m256 one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f), zero = _mm256_setzero_ps();
    __m256 a0 = zero, a1 = zero, a2 = zero;
    int32_t jt[8];
    float vt[8];
    for (int64_t e = e0; e < e1; e += 8) {
        const int32_t *j = col + e;
        __m256 v;
        if (e1 - e >= 8) {
            v = _mm256_loadu_ps(val + e);
        } else if (e + 8 <= nnz) {   /* the next rows' indices, with value 0 */
            __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
            v = _mm256_maskload_ps(val + e, _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(e1 - e)), lane));
        } else {
            int64_t m = e1 - e;
            for (int q = 0; q < 8; q++) { jt[q] = q < m ? j[q] : 0; vt[q] = q < m ? val[e + q] : 0.0f; }
            j = jt;
            v = _mm256_loadu_ps(vt);
        }
        __m256 r[4];
        for (int q = 0; q < 4; q++)
            r[q] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(yf + (int64_t)j[q] * D)),
                                        _mm_loadu_ps(yf + (int64_t)j[q + 4] * D), 1);
        __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t2 = _mm256_unpacklo_ps(r[2], r[3]);
        __m256 cx = _mm256_castpd_ps(_mm256_unpacklo_pd(_mm256_castps_pd(t0), _mm256_castps_pd(t2)));
        __m256 cy = _mm256_castpd_ps(_mm256_unpackhi_pd(_mm256_castps_pd(t0), _mm256_castps_pd(t2)));
        __m256 d0 = _mm256_sub_ps(y0, cx), d1 = _mm256_sub_ps(y1, cy), d2 = zero;
        if (D == 3) {
            __m256 t1 = _mm256_unpackhi_ps(r[0], r[1]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
            d2 = _mm256_sub_ps(y2, _mm256_castpd_ps(_mm256_unpacklo_pd(_mm256_castps_pd(t1), _mm256_castps_pd(t3))));
        }
        __m256 q = _mm256_fmadd_ps(d0, d0, _mm256_fmadd_ps(d1, d1, _mm256_fmadd_ps(d2, d2, one)));
        __m256 w = _mm256_rcp_ps(q);
        w = _mm256_mul_ps(w, _mm256_fnmadd_ps(q, w, two));
        __m256 pw = _mm256_mul_ps(v, w);
        a0 = _mm256_fmadd_ps(pw, d0, a0);
        a1 = _mm256_fmadd_ps(pw, d1, a1);
        a2 = _mm256_fmadd_ps(pw, d2, a2);
    }
    out[0] = hsum8d(a0);
    out[1] = hsum8d(a1);
    out[2] = hsum8d(a2);
}

EMB__TARGET_AVX2 static void attractive_yf_avx2(const emb_tsne_affinities *P, const float *val,
                                                const float *yf, int dims, double exaggeration, double *pos) {
    int64_t n = P->n, nnz = P->row_ptr[n];
#pragma omp for schedule(dynamic, 256) nowait
    for (int64_t i = 0; i < n; i++) {
        double a[3];
        if (dims == 3) attractive_row_avx2(P->col, val, P->row_ptr[i], P->row_ptr[i + 1], nnz, yf, yf + i * 3, 3, a);
        else attractive_row_avx2(P->col, val, P->row_ptr[i], P->row_ptr[i + 1], nnz, yf, yf + i * 2, 2, a);
        for (int c = 0; c < dims; c++) pos[i * dims + c] = exaggeration * a[c];
    }
}
#endif

void emb__tsne_map_to_float(const double *y, int64_t nd, float *yf) {
#pragma omp for schedule(static)
    for (int64_t e = 0; e < nd + 4; e++) yf[e] = e < nd ? (float)y[e] : 0.0f;   /* + the last point's 16-byte load */
}

void emb__tsne_attractive_f32_rows(const emb_tsne_affinities *P, const float *val, const double *y,
                                   const float *yf, int dims, double exaggeration, double *pos) {
#ifdef EMB__X86
    emb_cpu_level lv = emb_cpu_level_active();
    if (lv >= EMB_CPU_AVX512) { attractive_yf_avx512(P, val, yf, dims, exaggeration, pos); return; }
    if (lv >= EMB_CPU_AVX2) { attractive_yf_avx2(P, val, yf, dims, exaggeration, pos); return; }
#endif
    (void)yf;
    attractive_rows_f32_c(P, val, y, dims, exaggeration, pos);
}

void emb__tsne_attractive_f32(const emb_tsne_affinities *P, const float *val, const double *y,
                              float *yf, int dims, double exaggeration, int nth, double *pos) {
#pragma omp parallel num_threads(nth)
    {
        emb__tsne_map_to_float(y, P->n * dims, yf);
        emb__tsne_attractive_f32_rows(P, val, y, yf, dims, exaggeration, pos);
    }
}

void emb__tsne_attractive(const emb_tsne_affinities *P, const double *y, int dims,
                          double exaggeration, int nth, double *pos, double *kl_part) {
    int64_t n = P->n;
    double *klrow = NULL;
    if (kl_part) klrow = malloc((size_t)n * sizeof *klrow);
    if (!kl_part && (dims == 2 || dims == 3)) {
        attractive_simd(P, y, dims, exaggeration, nth, pos);
        return;
    }
#pragma omp parallel for schedule(dynamic, 256) num_threads(nth)
    for (int64_t i = 0; i < n; i++) {
        if (dims == 2) attractive_row(P, y, i, 2, exaggeration, pos, klrow);
        else if (dims == 3) attractive_row(P, y, i, 3, exaggeration, pos, klrow);
        else attractive_row(P, y, i, 1, exaggeration, pos, klrow);
    }
    if (kl_part) {
        double s = 0;
        if (klrow) for (int64_t i = 0; i < n; i++) s += klrow[i];
        else s = NAN;
        *kl_part = s;
    }
    free(klrow);
}

void emb__tsne_repulsive_exact(const double *y, int64_t n, int dims, int nth, double *neg, double *z) {
    double *zrow = malloc((size_t)n * sizeof *zrow);
#pragma omp parallel for schedule(dynamic, 16) num_threads(nth)
    for (int64_t i = 0; i < n; i++) {
        double acc[3] = {0, 0, 0}, zi = 0;
        const double *yi = y + i * dims;
        for (int64_t j = 0; j < n; j++) {
            if (j == i) continue;
            const double *yj = y + j * dims;
            double diff[3], d2 = 0;
            for (int c = 0; c < dims; c++) { diff[c] = yi[c] - yj[c]; d2 += diff[c] * diff[c]; }
            double w = 1.0 / (1.0 + d2);
            zi += w;
            for (int c = 0; c < dims; c++) acc[c] += w * w * diff[c];
        }
        for (int c = 0; c < dims; c++) neg[i * dims + c] = acc[c];
        if (zrow) zrow[i] = zi;
    }
    double s = 0;
    if (zrow) for (int64_t i = 0; i < n; i++) s += zrow[i];
    else s = NAN;
    *z = s;
    free(zrow);
}

const char *emb_tsne_method_name(emb_tsne_method m) {
    switch (m) {
    case EMB_TSNE_EXACT: return "exact";
    case EMB_TSNE_BH: return "bh";
    case EMB_TSNE_FFT: return "fft";
    default: return "auto";
    }
}

emb_status emb_tsne_gradient(const emb_tsne_affinities *P, const double *y, int64_t n,
                             int dims, emb_tsne_method method, double theta,
                             double exaggeration, int n_threads, double *grad, double *kl) {
    if (P->n != n || dims < 1 || dims > 3)
        return emb__fail(EMB_E_INVALID, "t-SNE gradient: n %lld vs P %lld, dims %d",
                         (long long)n, (long long)P->n, dims);
    if (method == EMB_TSNE_AUTO)
        method = n <= TSNE_EXACT_MAX_N ? EMB_TSNE_EXACT : (dims == 2 && n >= TSNE_FFT_MIN_N) ? EMB_TSNE_FFT : EMB_TSNE_BH;
    if (method == EMB_TSNE_FFT && dims != 2)
        return emb__fail(EMB_E_UNSUPPORTED, "t-SNE: the FFT gradient is 2D only (asked for %dD)", dims);
    double *neg = emb__malloc((size_t)n * dims * sizeof *neg, "t-SNE gradient");
    if (!neg) return EMB_E_NOMEM;
    int nth = emb_threads_resolve(n_threads);
    emb_status st = EMB_OK;
    double z = 0, kl_part = 0;
    emb__tsne_attractive(P, y, dims, exaggeration, nth, grad, kl ? &kl_part : NULL);
    if (method == EMB_TSNE_EXACT) {
        emb__tsne_repulsive_exact(y, n, dims, nth, neg, &z);
    } else if (method == EMB_TSNE_BH) {
        st = emb__tsne_repulsive_bh(y, n, dims, theta, nth, neg, &z);
    } else {
        emb__tsne_fft *w = emb__tsne_fft_new();
        st = w ? emb__tsne_repulsive_fft(w, y, n, dims, nth, neg, &z) : EMB_E_NOMEM;
        emb__tsne_fft_free(w);
    }
    if (!st) {
        for (int64_t i = 0; i < n * dims; i++) grad[i] -= neg[i] / z;
        if (kl) *kl = kl_part + log(z);
    }
    free(neg);
    return st;
}

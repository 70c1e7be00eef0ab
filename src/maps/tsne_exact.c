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
#define ATTRACTIVE_SIMD_BODY(VAL)                                                     \
    int64_t n = P->n;                                                                 \
    const int32_t *col = P->col;                                                      \
    _Pragma("omp parallel for schedule(dynamic, 256) num_threads(nth)")               \
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
        ATTRACTIVE_SIMD_BODY(val)                                                      \
    }
ATTRACTIVE_CLONE(attractive_c, , double)
ATTRACTIVE_CLONE(attractive_f32_c, , float)
#ifdef EMB__X86
ATTRACTIVE_CLONE(attractive_avx2, EMB__TARGET_AVX2, double)
ATTRACTIVE_CLONE(attractive_f32_avx2, EMB__TARGET_AVX2, float)
ATTRACTIVE_CLONE(attractive_avx512, EMB__TARGET_AVX512, double)
ATTRACTIVE_CLONE(attractive_f32_avx512, EMB__TARGET_AVX512, float)
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

void emb__tsne_attractive_f32(const emb_tsne_affinities *P, const float *val, const double *y,
                              int dims, double exaggeration, int nth, double *pos) {
#ifdef EMB__X86
    emb_cpu_level lv = emb_cpu_level_active();
    if (lv >= EMB_CPU_AVX512) { attractive_f32_avx512(P, val, y, dims, exaggeration, nth, pos); return; }
    if (lv >= EMB_CPU_AVX2) { attractive_f32_avx2(P, val, y, dims, exaggeration, nth, pos); return; }
#endif
    attractive_f32_c(P, val, y, dims, exaggeration, nth, pos);
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

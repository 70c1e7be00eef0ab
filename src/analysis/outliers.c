/* outliers.c - outlier scores from the kNN graph: the mean distance to the
 * k nearest neighbours, or the local outlier factor (Breunig, Kriegel, Ng,
 * Sander, SIGMOD 2000): LOF(i) = mean_j lrd(j) / lrd(i), lrd(i) = 1 /
 * mean_j max(k-distance(j), d(i, j)) over i's k neighbours j.
 * Flagged: a score above the upper fence Q3 + f (Q3 - Q1) of all the
 * scores (Tukey, "Exploratory Data Analysis", 1977: f = 1.5 "outside",
 * f = 3 "far out"), Q1 and Q3 by linear interpolation between order
 * statistics (NumPy's default percentile); f chosen by measurement on
 * planted out-of-distribution items (bench/analysis/labels.py outliers),
 * see EMB_OUTLIER_FENCE_*.
 * Hellinger (pixel vectors): the mean squared Hellinger distance
 * H^2(p, q) = 1 - sum_t sqrt(p_t q_t) from an item's intensities, read as a
 * distribution p = x / sum(x), to those of its k graph neighbours (Hellinger
 * 1909; the square-root map of RootSIFT, Arandjelovic and Zisserman, CVPR
 * 2012). The square root shrinks the bright, shared bulk of two images and
 * weighs their thin, differing strokes up: on 100 MNIST digits mixed into
 * Fashion-MNIST it ranks 93-99% of them above all but 1% of the garments,
 * the raw cosine 70-89% (five draws, bench/analysis/labels.py outliers). The neighbours are the
 * graph's (found by cosine), so no second search is run. */
#include "analysis/analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(EMB__X86) && (defined(__x86_64__) || defined(__i386__))  /* x86 only: the aarch64 build has no immintrin.h */
#include <immintrin.h>
#endif

#define LOF_EPS 1e-10  /* keeps lrd finite when an item has k exact copies */

typedef struct { float s; int64_t i; } score_item;
static int cmp_score_desc(const void *x, const void *y) {
    const score_item *a = x, *b = y;
    if (a->s != b->s) return a->s > b->s ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* percentile[i] = 100 * (items with a lower score) / n. */
static emb_status percentiles(const float *score, int64_t n, float *pct) {
    score_item *si = emb__malloc(sizeof *si * (size_t)(n ? n : 1), "percentiles");
    if (!si) return EMB_E_NOMEM;
    for (int64_t i = 0; i < n; i++) si[i] = (score_item){score[i], i};
    qsort(si, (size_t)n, sizeof *si, cmp_score_desc);
    for (int64_t r = 0; r < n;) {
        int64_t e = r;
        while (e < n && si[e].s == si[r].s) e++;
        for (int64_t a = r; a < e; a++) pct[si[a].i] = (float)(100.0 * (double)(n - e) / (double)n);
        r = e;
    }
    free(si);
    return EMB_OK;
}

/* ---------------------------------------------------------------- Hellinger */
/* sum_t sqrt(max(a_t, 0) max(b_t, 0)). The plain C version is the reference:
 * 8 running sums, added up as the AVX2 kernel does (same bytes); the AVX-512
 * kernel keeps 16 (last bits may differ). */
static float sqrt_dot_c(const float *a, const float *b, int64_t d) {
    float acc[8] = {0}, tail = 0;
    int64_t d8 = d & ~(int64_t)7;
    for (int64_t t = 0; t < d8; t += 8)
        for (int l = 0; l < 8; l++) {
            float x = a[t + l] > 0 ? a[t + l] : 0, y = b[t + l] > 0 ? b[t + l] : 0;
            acc[l] += sqrtf(x * y);
        }
    for (int64_t t = d8; t < d; t++) {
        float x = a[t] > 0 ? a[t] : 0, y = b[t] > 0 ? b[t] : 0;
        tail += sqrtf(x * y);
    }
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail;
}
#ifdef EMB__X86
EMB__TARGET_AVX2 static float sqrt_dot_avx2(const float *a, const float *b, int64_t d) {
    __m256 acc = _mm256_setzero_ps(), z = _mm256_setzero_ps();
    int64_t d8 = d & ~(int64_t)7;
    for (int64_t t = 0; t < d8; t += 8) {
        __m256 x = _mm256_max_ps(_mm256_loadu_ps(a + t), z), y = _mm256_max_ps(_mm256_loadu_ps(b + t), z);
        acc = _mm256_add_ps(acc, _mm256_sqrt_ps(_mm256_mul_ps(x, y)));
    }
    float l[8], tail = 0;
    _mm256_storeu_ps(l, acc);
    for (int64_t t = d8; t < d; t++) {
        float x = a[t] > 0 ? a[t] : 0, y = b[t] > 0 ? b[t] : 0;
        tail += sqrtf(x * y);
    }
    return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7])) + tail;
}
EMB__TARGET_AVX512 static float sqrt_dot_avx512(const float *a, const float *b, int64_t d) {
    __m512 acc = _mm512_setzero_ps(), z = _mm512_setzero_ps();
    for (int64_t t = 0; t < d; t += 16) {
        __mmask16 m = d - t >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (d - t)) - 1);
        __m512 x = _mm512_max_ps(_mm512_maskz_loadu_ps(m, a + t), z), y = _mm512_max_ps(_mm512_maskz_loadu_ps(m, b + t), z);
        acc = _mm512_add_ps(acc, _mm512_sqrt_ps(_mm512_mul_ps(x, y)));
    }
    return _mm512_reduce_add_ps(acc);
}
#endif
typedef float (*sqrt_dot_fn)(const float *, const float *, int64_t);
static sqrt_dot_fn sqrt_dot_pick(void) {
#ifdef EMB__X86
    emb_cpu_level lv = emb_cpu_level_active();
    if (lv >= EMB_CPU_AVX512) return sqrt_dot_avx512;
    if (lv >= EMB_CPU_AVX2) return sqrt_dot_avx2;
#endif
    return sqrt_dot_c;
}

static emb_status score_hellinger(const emb_knn *g, const emb_matf *x, float *score) {
    int64_t n = g->n, d = x->cols;
    int k = g->k;
    if (x->rows != n) return emb__fail(EMB_E_INVALID, "outliers: %lld vectors for a graph of %lld items", (long long)x->rows, (long long)n);
    double *mass = emb__malloc(sizeof(double) * (size_t)(n ? n : 1), "Hellinger outliers");
    if (!mass) return EMB_E_NOMEM;
    sqrt_dot_fn dot = sqrt_dot_pick();
    #pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++) {  /* sum of the intensities: |sqrt(x)|^2 */
        const float *r = x->data + (size_t)i * (size_t)d;
        double s = 0;
        for (int64_t t = 0; t < d; t++) s += r[t] > 0 ? r[t] : 0;
        mass[i] = s;
    }
    #pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++) {
        double s = 0;
        int cnt = 0;
        for (int a = 0; a < k; a++) {
            int32_t j = g->idx[(size_t)i * k + a];
            if (j < 0) continue;
            double bc;  /* Bhattacharyya coefficient; two blank images are alike, a blank and another are not */
            if (mass[i] > 0 && mass[j] > 0)
                bc = dot(x->data + (size_t)i * (size_t)d, x->data + (size_t)j * (size_t)d, d) / sqrt(mass[i] * mass[j]);
            else bc = mass[i] == mass[j];
            s += 1.0 - (bc > 1 ? 1 : bc);
            cnt++;
        }
        score[i] = cnt ? (float)(s / cnt) : 0.0f;
    }
    free(mass);
    return EMB_OK;
}

emb_status emb_outliers_score_x(const emb_knn *g, const emb_matf *x, emb_outlier_method method, float *score,
                                float *percentile) {
    if (method != EMB_OUTLIER_HELLINGER) return emb_outliers_score(g, method, score, percentile);
    if (!x || !(x->data || x->half)) return emb__fail(EMB_E_INVALID, "outliers: the Hellinger score needs the vectors");
    emb_matf wide = {0};
    const emb_matf *xf;
    emb_status st = emb_matf_widen(x, &wide, &xf);   /* half rows: a float32 copy */
    if (!st) st = score_hellinger(g, xf, score);
    emb_matf_free(&wide);
    return !st && percentile ? percentiles(score, g->n, percentile) : st;
}

emb_status emb_outliers_score(const emb_knn *g, emb_outlier_method method, float *score, float *percentile) {
    int64_t n = g->n;
    int k = g->k;
    if (method == EMB_OUTLIER_HELLINGER) return emb__fail(EMB_E_INVALID, "outliers: the Hellinger score needs the vectors (emb_outliers_score_x)");
    if (method == EMB_OUTLIER_KNN) {
        #pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < n; i++) {
            double s = 0;
            int cnt = 0;
            for (int a = 0; a < k; a++)
                if (g->idx[(size_t)i * k + a] >= 0) { s += g->dist[(size_t)i * k + a]; cnt++; }
            score[i] = cnt ? (float)(s / cnt) : 0.0f;
        }
    } else if (method == EMB_OUTLIER_LOF) {
        double *lrd = emb__malloc(sizeof(double) * (size_t)(n ? n : 1), "LOF");
        if (!lrd) return EMB_E_NOMEM;
        #pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < n; i++) {
            double s = 0;
            int cnt = 0;
            for (int a = 0; a < k; a++) {
                int32_t j = g->idx[(size_t)i * k + a];
                if (j < 0) break;
                /* k-distance(j): distance to j's last (k-th) neighbour */
                int last = k - 1;
                while (last > 0 && g->idx[(size_t)j * k + last] < 0) last--;
                double kd = g->dist[(size_t)j * k + last];
                double dij = g->dist[(size_t)i * k + a];
                s += dij > kd ? dij : kd;
                cnt++;
            }
            lrd[i] = cnt ? 1.0 / (s / cnt + LOF_EPS) : 0;
        }
        #pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < n; i++) {
            double s = 0;
            int cnt = 0;
            for (int a = 0; a < k; a++) {
                int32_t j = g->idx[(size_t)i * k + a];
                if (j < 0) break;
                s += lrd[j];
                cnt++;
            }
            score[i] = cnt && lrd[i] > 0 ? (float)(s / cnt / lrd[i]) : 0.0f;
        }
        free(lrd);
    } else return emb__fail(EMB_E_INVALID, "outliers: unknown method %d", (int)method);
    return percentile ? percentiles(score, n, percentile) : EMB_OK;
}

/* q-quantile (0..1) of the sorted v (n): v[floor(h)] + (h - floor(h)) (v[floor(h) + 1] - v[floor(h)]), h = (n - 1) q. */
static double quantile_sorted(const float *v, int64_t n, double q) {
    double h = (double)(n - 1) * q;
    int64_t lo = (int64_t)h;
    if (lo >= n - 1) return v[n - 1];
    return (double)v[lo] + (h - (double)lo) * ((double)v[lo + 1] - (double)v[lo]);
}
static int cmp_float(const void *x, const void *y) {
    float a = *(const float *)x, b = *(const float *)y;
    return (a > b) - (a < b);
}

emb_status emb_outliers_flag(const float *score, int64_t n, float fence, uint8_t *flagged, emb_outlier_rule *rule) {
    memset(rule, 0, sizeof *rule);
    rule->fence = fence;
    if (n <= 0) return EMB_OK;
    if (!(fence >= 0)) return emb__fail(EMB_E_INVALID, "outliers: fence %g is not >= 0", (double)fence);
    float *v = emb__malloc(sizeof(float) * (size_t)n, "outlier rule");
    if (!v) return EMB_E_NOMEM;
    memcpy(v, score, sizeof(float) * (size_t)n);
    qsort(v, (size_t)n, sizeof(float), cmp_float);
    rule->q1 = quantile_sorted(v, n, 0.25);
    rule->q3 = quantile_sorted(v, n, 0.75);
    rule->threshold = rule->q3 + (double)fence * (rule->q3 - rule->q1);
    free(v);
    for (int64_t i = 0; i < n; i++) {
        flagged[i] = (double)score[i] > rule->threshold;
        rule->n_flagged += flagged[i];
    }
    return EMB_OK;
}

emb_status emb_outliers_write_csv(const char *path, const emb_dataset *ds, const float *score,
                                  const float *percentile, const uint8_t *flagged, int64_t n) {
    score_item *si = emb__malloc(sizeof *si * (size_t)(n ? n : 1), "outliers");
    if (!si) return EMB_E_NOMEM;
    for (int64_t i = 0; i < n; i++) si[i] = (score_item){score[i], i};
    qsort(si, (size_t)n, sizeof *si, cmp_score_desc);
    emb_outfile o;
    emb_status st = emb_outfile_open(&o, path);
    if (st) { free(si); return st; }
    fputs(flagged ? "rank,index,path,split,label,score,percentile,flagged\n" : "rank,index,path,split,label,score,percentile\n", o.f);
    for (int64_t r = 0; r < n; r++) {
        fprintf(o.f, "%lld,", (long long)r + 1);
        emb__csv_item(o.f, ds, si[r].i);
        fprintf(o.f, ",%.6g,%.3f", si[r].s, percentile ? percentile[si[r].i] : 0.0f);
        if (flagged) fprintf(o.f, ",%d", flagged[si[r].i]);
        fputc('\n', o.f);
    }
    free(si);
    return emb_outfile_commit(&o);
}

/* pca.c - principal component analysis. Rows are centred, then
 *  - d <= PCA_EXACT_MAX_D: C = Xc^T Xc / (n - 1), its upper triangle
 *    accumulated over chunks of PCA_CHUNK rows centred on the fly (no
 *    centred copy of the data), and its largest eigenpairs by LAPACKE_ssyevr;
 *  - above: randomized SVD (Halko, Martinsson & Tropp, SIAM Review 2011,
 *    Algorithm 4.4, randomized subspace iteration, with the oversampling and
 *    iteration counts of scikit-learn's randomized_svd): Y = Xc Omega, a few
 *    QR-orthonormalised power iterations, then the SVD of the small
 *    B = Q^T Xc (LAPACKE_sgesdd).
 * With fit_rows set (and below n), the mean comes from all rows but the
 * components from fit_rows evenly spaced ones: a kNN preprocessing step
 * (`embscope map` on 784-d Fashion-MNIST) then costs a quarter of the
 * covariance flops. Rows are projected by chunks, centred on the fly.
 * The products run on emb__sgemm_fast (core/gemm.c): OpenBLAS where its
 * kernels cover the CPU's SIMD level, else embscope's own SGEMM (0.3.21 ran
 * its SSE3 kernels on a Xeon with AVX-512: 2.0 s for a 70,000 x 784 PCA,
 * 0.59 s with emb__sgemm).
 * Signs: the largest-magnitude loading of each component is made positive
 * (deterministic, like sklearn's svd_flip on V). Explained variance ratio =
 * component variance / total variance (trace of C, from the column variances). */
#include "core/internal.h"

#include <lapacke.h>
#include <omp.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PCA_CHUNK 2048        /* rows centred at a time for the covariance */
#define PCA_EXACT_MAX_D 4000   /* covariance path up to here: d^2 floats, O(d^3) eigensolver */
#define PCA_OVERSAMPLE 10      /* Halko et al. sec. 4.2; sklearn n_oversamples */
#define PCA_POWER_ITERS_FEW 7  /* sklearn: n_iter = 7 when P < 0.1 min(n, d) */
#define PCA_POWER_ITERS 4      /* ... else 4 */

emb_pca_params emb_pca_default_params(void) {
    emb_pca_params p;
    memset(&p, 0, sizeof p);
    p.n_components = 50;
    p.seed = 42;
    return p;
}

/* The index of fitting row i of m: i itself, or i n / m. */
static int64_t fit_index(const emb_matf *x, int64_t m, int64_t i) {
    return m == x->rows ? i : i * x->rows / m;
}

/* Rows r0 .. r0 + rc of the m fitting rows, centred, into buf (rc, d);
 * returns their sum of squares. Half-precision rows are widened into buf
 * first (exactly), then centred there: the same values as float32 rows. */
static double centre_chunk(const emb_matf *x, int64_t m, const double *mean, int64_t r0, int64_t rc, float *buf, int nt) {
    int64_t d = x->cols;
    double tot = 0;
    #pragma omp parallel for schedule(static) reduction(+ : tot) num_threads(nt)
    for (int64_t i = 0; i < rc; i++) {
        float *dst = buf + (size_t)i * d;
        const float *row = emb__matf_row(x, fit_index(x, m, r0 + i), dst);
        for (int64_t t = 0; t < d; t++) {
            float v = (float)(row[t] - mean[t]);
            dst[t] = v;
            tot += (double)v * v;
        }
    }
    return tot;
}

/* cov (d, d), upper triangle (j >= i) = sum over the m fitting rows of
 * (x - mean)^T (x - mean), by chunks of PCA_CHUNK rows centred into buf
 * (PCA_CHUNK, d) and blocks of rows of cov, each block's columns from its
 * diagonal on; total = sum of squares. Chunks add in row order: the same
 * sums at any thread count. */
static emb_status covariance(const emb_matf *x, int64_t m, const double *mean, float *buf, float *cov, double *total, int nt) {
    int64_t d = x->cols, rb = 96 * (int64_t)nt;   /* a row block: one 96-row task per thread */
    emb_status st = EMB_OK;
    double tot = 0;
    for (int64_t r0 = 0; r0 < m && !st; r0 += PCA_CHUNK) {
        int64_t rc = m - r0 < PCA_CHUNK ? m - r0 : PCA_CHUNK;
        tot += centre_chunk(x, m, mean, r0, rc, buf, nt);
        for (int64_t i0 = 0; i0 < d && !st; i0 += rb) {
            int64_t ib = d - i0 < rb ? d - i0 : rb;
            st = emb__sgemm_fast(true, false, ib, d - i0, rc, 1.0f, buf + i0, (size_t)d, buf + i0, (size_t)d, r0 ? 1.0f : 0.0f,
                            cov + (size_t)i0 * d + i0, (size_t)d, nt);
        }
    }
    *total = tot;
    return st;
}

/* Top P eigenpairs of cov (upper triangle, destroyed): comp (d, P) columns, var (P) descending. */
static emb_status pca_eigen(float *cov, int64_t d, int P, float *comp, double *var) {
    emb_status st = EMB_OK;
    float *w = malloc(sizeof(float) * (size_t)d);
    float *z = malloc(sizeof(float) * (size_t)d * P);
    lapack_int *isuppz = malloc(sizeof(lapack_int) * 2 * (size_t)d);
    if (!w || !z || !isuppz) { st = emb__fail(EMB_E_NOMEM, "PCA: out of memory"); goto done; }
    lapack_int m = 0;
    /* eigenvalues il..iu in ascending order: the top P are d-P+1..d */
    lapack_int info = LAPACKE_ssyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U', (lapack_int)d, cov, (lapack_int)d, 0, 0,
                                     (lapack_int)(d - P + 1), (lapack_int)d, 0.0f, &m, w, z, P, isuppz);
    if (info != 0 || m != P) { st = emb__fail(EMB_E_INVALID, "PCA: eigensolver failed (info %d)", (int)info); goto done; }
    for (int c = 0; c < P; c++) {   /* reverse to descending order */
        int src = P - 1 - c;
        for (int64_t t = 0; t < d; t++) comp[(size_t)t * P + c] = z[(size_t)t * P + src];
        var[c] = fmax(w[src], 0.0);
    }
done:
    free(w); free(z); free(isuppz);
    return st;
}

/* Orthonormalise the columns of a (rows, cols), rows >= cols, in place. */
static emb_status orthonormalise(float *a, int64_t rows, int cols) {
    float *tau = malloc(sizeof(float) * (size_t)cols);
    if (!tau) return emb__fail(EMB_E_NOMEM, "PCA: out of memory");
    lapack_int info = LAPACKE_sgeqrf(LAPACK_ROW_MAJOR, (lapack_int)rows, cols, a, cols, tau);
    if (!info) info = LAPACKE_sorgqr(LAPACK_ROW_MAJOR, (lapack_int)rows, cols, cols, a, cols, tau);
    free(tau);
    return info ? emb__fail(EMB_E_INVALID, "PCA: QR failed (info %d)", (int)info) : EMB_OK;
}

/* Randomized SVD of xc (n, d): comp (d, P) columns, var (P) = s^2 / (n - 1). */
static emb_status pca_randomized(const float *xc, int64_t n, int64_t d, int P, uint64_t seed, float *comp, double *var, int nt) {
    int64_t mn = n < d ? n : d;
    int l = P + PCA_OVERSAMPLE;
    if (l > mn) l = (int)mn;
    int iters = P < 0.1 * (double)mn ? PCA_POWER_ITERS_FEW : PCA_POWER_ITERS;
    emb_status st = EMB_OK;
    float *om = malloc(sizeof(float) * (size_t)d * l);   /* (d, l) */
    float *y = emb__malloc(sizeof(float) * (size_t)n * l, "PCA sketch");    /* (n, l) */
    float *b = malloc(sizeof(float) * (size_t)l * d);    /* (l, d) */
    float *s = malloc(sizeof(float) * (size_t)l);
    float *u = malloc(sizeof(float) * (size_t)l * l);
    float *vt = malloc(sizeof(float) * (size_t)l * d);
    if (!om || !y || !b || !s || !u || !vt) { st = emb__fail(EMB_E_NOMEM, "PCA: out of memory"); goto done; }
    emb_rng rng;
    emb_rng_seed(&rng, seed);
    for (int64_t a = 0; a < d * l; a++) om[a] = (float)emb_rng_normal(&rng);
    if ((st = emb__sgemm_fast(false, false, n, l, d, 1.0f, xc, (size_t)d, om, (size_t)l, 0.0f, y, (size_t)l, nt))) goto done;
    if ((st = orthonormalise(y, n, l))) goto done;
    for (int it = 0; it < iters; it++) {
        if ((st = emb__sgemm_fast(true, false, d, l, n, 1.0f, xc, (size_t)d, y, (size_t)l, 0.0f, om, (size_t)l, nt))) goto done;
        if ((st = orthonormalise(om, d, l))) goto done;
        if ((st = emb__sgemm_fast(false, false, n, l, d, 1.0f, xc, (size_t)d, om, (size_t)l, 0.0f, y, (size_t)l, nt))) goto done;
        if ((st = orthonormalise(y, n, l))) goto done;
    }
    /* B = Q^T Xc, then B = U S V^T */
    if ((st = emb__sgemm_fast(true, false, l, d, n, 1.0f, y, (size_t)l, xc, (size_t)d, 0.0f, b, (size_t)d, nt))) goto done;
    lapack_int info = LAPACKE_sgesdd(LAPACK_ROW_MAJOR, 'S', l, (lapack_int)d, b, (lapack_int)d, s, u, l, vt, (lapack_int)d);
    if (info) { st = emb__fail(EMB_E_INVALID, "PCA: SVD failed (info %d)", (int)info); goto done; }
    for (int c = 0; c < P; c++) {
        for (int64_t t = 0; t < d; t++) comp[(size_t)t * P + c] = vt[(size_t)c * d + t];
        var[c] = (double)s[c] * s[c] / (double)(n - 1);
    }
done:
    free(om); free(y); free(b); free(s); free(u); free(vt);
    return st;
}

void emb_pca_model_free(emb_pca_model *m) {
    if (!m) return;
    free(m->mean);
    free(m->components);
    free(m->explained_ratio);
    memset(m, 0, sizeof *m);
}

emb_status emb_pca_fit(const emb_matf *x, const emb_pca_params *params, emb_pca_model *out) {
    emb_pca_params p = params ? *params : emb_pca_default_params();
    int64_t n = x->rows, d = x->cols;
    int P = p.n_components;
    memset(out, 0, sizeof *out);
    if (P <= 0) return emb__fail(EMB_E_INVALID, "PCA: n_components must be positive");
    if (n < 2 || d < 1) return emb__fail(EMB_E_INVALID, "PCA needs at least 2 rows (got %lld)", (long long)n);
    if (P > d) P = (int)d;
    if (P > n) P = (int)n;
    emb_status st = EMB_OK;
    /* m rows fit the components: all of them, or fit_rows evenly spaced
     * ones (row i * n / m), when the caller allows it. */
    int64_t m = p.fit_rows > P && p.fit_rows < n ? p.fit_rows : n;
    int nt = emb_threads_resolve(p.n_threads);
    bool exact = d <= PCA_EXACT_MAX_D;
    double *mean = calloc((size_t)d, sizeof(double));
    double *var = malloc(sizeof(double) * (size_t)P);
    /* exact: the covariance (d, d); randomized: a centred copy of the m rows */
    float *work = emb__malloc(sizeof(float) * (size_t)(exact ? d : m) * d, exact ? "PCA covariance" : "PCA centred rows");
    float *buf = emb__malloc(sizeof(float) * PCA_CHUNK * (size_t)d, "PCA chunk");   /* centred rows, by chunks */
    float *comp = malloc(sizeof(float) * (size_t)d * P);  /* (d, P), column c = component c */
    float *ratio = malloc(sizeof(float) * (size_t)P);
    if (!mean || !var || !work || !buf || !comp || !ratio) { st = emb__fail(EMB_E_NOMEM, "PCA: out of memory"); goto done; }
    int nomem = 0;
    #pragma omp parallel num_threads(nt)
    {   /* column sums: each thread a range of columns, rows in order */
        int t = omp_get_thread_num(), T = omp_get_num_threads();
        int64_t c0 = d * t / T, c1 = d * (t + 1) / T;
        if (x->data) {
            for (int64_t i = 0; i < n; i++)
                for (int64_t c = c0; c < c1; c++) mean[c] += x->data[(size_t)i * d + c];
        } else if (c1 > c0) {   /* half-precision rows: this thread's columns widened, row by row */
            float *w = malloc(sizeof(float) * (size_t)(c1 - c0));
            if (!w) {
                #pragma omp atomic write
                nomem = 1;
            } else {
                for (int64_t i = 0; i < n; i++) {
                    emb__f16_widen(x->half + (size_t)i * d + c0, w, c1 - c0);
                    for (int64_t c = c0; c < c1; c++) mean[c] += w[c - c0];
                }
                free(w);
            }
        }
    }
    if (nomem) { st = emb__fail(EMB_E_NOMEM, "PCA: out of memory"); goto done; }
    for (int64_t t = 0; t < d; t++) mean[t] /= (double)n;
    double total = 0;   /* trace of the covariance */
    if (exact) {
        if ((st = covariance(x, m, mean, buf, work, &total, nt))) goto done;
        float inv = 1.0f / (float)(m - 1);
        for (int64_t i = 0; i < d; i++)
            for (int64_t j = i; j < d; j++) work[(size_t)i * d + j] *= inv;
        st = pca_eigen(work, d, P, comp, var);
    } else {
        total = centre_chunk(x, m, mean, 0, m, work, nt);
        st = pca_randomized(work, m, d, P, p.seed, comp, var, nt);
    }
    total /= (double)(m - 1);
    if (st) goto done;
    for (int c = 0; c < P; c++) {   /* signs: largest-magnitude loading positive */
        int64_t arg = 0;
        for (int64_t t = 0; t < d; t++)
            if (fabsf(comp[(size_t)t * P + c]) > fabsf(comp[(size_t)arg * P + c])) arg = t;
        if (comp[(size_t)arg * P + c] < 0)
            for (int64_t t = 0; t < d; t++) comp[(size_t)t * P + c] = -comp[(size_t)t * P + c];
        ratio[c] = total > 0 ? (float)(var[c] / total) : 0.0f;
    }
    out->d = d;
    out->n_components = P;
    out->mean = mean; mean = NULL;            /* the model owns them now */
    out->components = comp; comp = NULL;
    out->explained_ratio = ratio; ratio = NULL;
done:
    free(mean); free(var); free(work); free(buf); free(comp); free(ratio);
    return st;
}

emb_status emb_pca_transform(const emb_pca_model *model, const emb_matf *x, int n_threads, emb_matf *out) {
    int64_t n = x->rows, d = x->cols;
    int P = model->n_components, nt = emb_threads_resolve(n_threads);
    memset(out, 0, sizeof *out);
    if (d != model->d)
        return emb__fail(EMB_E_INVALID, "PCA transform: rows have %lld columns, the model %lld",
                         (long long)d, (long long)model->d);
    float *buf = emb__malloc(sizeof(float) * PCA_CHUNK * (size_t)d, "PCA chunk");   /* centred rows, by chunks */
    emb_status st = buf ? emb_matf_alloc(out, n, P) : EMB_E_NOMEM;
    /* (x - mean) comp, by chunks of rows centred into buf */
    for (int64_t r0 = 0; r0 < n && !st; r0 += PCA_CHUNK) {
        int64_t rc = n - r0 < PCA_CHUNK ? n - r0 : PCA_CHUNK;
        centre_chunk(x, n, model->mean, r0, rc, buf, nt);
        st = emb__sgemm_fast(false, false, rc, P, d, 1.0f, buf, (size_t)d, model->components, (size_t)P, 0.0f,
                             out->data + (size_t)r0 * P, (size_t)P, nt);
    }
    if (st) emb_matf_free(out);
    free(buf);
    return st;
}

emb_status emb_pca(const emb_matf *x, const emb_pca_params *params, emb_matf *out, float *explained_ratio) {
    emb_pca_params p = params ? *params : emb_pca_default_params();
    emb_pca_model m;
    memset(out, 0, sizeof *out);
    emb_status st = emb_pca_fit(x, &p, &m);
    if (!st) st = emb_pca_transform(&m, x, p.n_threads, out);
    if (!st && explained_ratio)
        for (int c = 0; c < p.n_components; c++) explained_ratio[c] = c < m.n_components ? m.explained_ratio[c] : 0.0f;
    emb_pca_model_free(&m);
    return st;
}

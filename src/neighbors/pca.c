/* pca.c - principal component analysis. Rows are centred, then
 *  - d <= PCA_EXACT_MAX_D: C = Xc^T Xc / (n - 1) by SSYRK and its largest
 *    eigenpairs by LAPACKE_ssyevr;
 *  - above: randomized SVD (Halko, Martinsson & Tropp, SIAM Review 2011,
 *    Algorithm 4.4, randomized subspace iteration, with the oversampling and
 *    iteration counts of scikit-learn's randomized_svd): Y = Xc Omega, a few
 *    QR-orthonormalised power iterations, then the SVD of the small
 *    B = Q^T Xc (LAPACKE_sgesdd).
 * With fit_rows set (and below n), the mean comes from all rows but the
 * components from fit_rows evenly spaced ones, and every row is projected
 * as x comp - mean comp: a kNN preprocessing step (`embscope map` on
 * 784-d Fashion-MNIST) then costs a quarter of the covariance flops and
 * no centred copy of the data.
 * Signs: the largest-magnitude loading of each component is made positive
 * (deterministic, like sklearn's svd_flip on V). Explained variance ratio =
 * component variance / total variance (trace of C, from the column variances). */
#include "core/internal.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* Top P eigenpairs of the covariance: comp (d, P) columns, var (P) descending. */
static emb_status pca_covariance(const float *xc, int64_t n, int64_t d, int P, float *comp, double *var) {
    emb_status st = EMB_OK;
    float *cov = malloc(sizeof(float) * (size_t)d * d);
    float *w = malloc(sizeof(float) * (size_t)d);
    float *z = malloc(sizeof(float) * (size_t)d * P);
    lapack_int *isuppz = malloc(sizeof(lapack_int) * 2 * (size_t)d);
    if (!cov || !w || !z || !isuppz) { st = emb__fail(EMB_E_NOMEM, "PCA: out of memory"); goto done; }
    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)n, 1.0f / (float)(n - 1), xc, (int)d, 0.0f, cov, (int)d);
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
    free(cov); free(w); free(z); free(isuppz);
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
static emb_status pca_randomized(const float *xc, int64_t n, int64_t d, int P, uint64_t seed, float *comp, double *var) {
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
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, l, (int)d, 1.0f, xc, (int)d, om, l, 0.0f, y, l);
    if ((st = orthonormalise(y, n, l))) goto done;
    for (int it = 0; it < iters; it++) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, l, (int)n, 1.0f, xc, (int)d, y, l, 0.0f, om, l);
        if ((st = orthonormalise(om, d, l))) goto done;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, l, (int)d, 1.0f, xc, (int)d, om, l, 0.0f, y, l);
        if ((st = orthonormalise(y, n, l))) goto done;
    }
    /* B = Q^T Xc, then B = U S V^T */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, l, (int)d, (int)n, 1.0f, y, l, xc, (int)d, 0.0f, b, (int)d);
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

emb_status emb_pca(const emb_matf *x, const emb_pca_params *params, emb_matf *out, float *explained_ratio) {
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
    double *mean = calloc((size_t)d, sizeof(double));
    double *var = malloc(sizeof(double) * (size_t)P);
    float *xc = emb__malloc(sizeof(float) * (size_t)m * d, "PCA centred rows");
    float *comp = malloc(sizeof(float) * (size_t)d * P);  /* (d, P), column c = component c */
    if (!mean || !var || !xc || !comp) { st = emb__fail(EMB_E_NOMEM, "PCA: out of memory"); goto done; }
    for (int64_t i = 0; i < n; i++)
        for (int64_t t = 0; t < d; t++) mean[t] += x->data[(size_t)i * d + t];
    for (int64_t t = 0; t < d; t++) mean[t] /= (double)n;
    double total = 0;   /* trace of the covariance */
    int nt = emb_threads_resolve(p.n_threads);
    #pragma omp parallel for schedule(static) reduction(+ : total) num_threads(nt)
    for (int64_t i = 0; i < m; i++) {
        const float *row = x->data + (size_t)(m == n ? i : i * n / m) * d;
        for (int64_t t = 0; t < d; t++) {
            float v = (float)(row[t] - mean[t]);
            xc[(size_t)i * d + t] = v;
            total += (double)v * v;
        }
    }
    total /= (double)(m - 1);
    st = d <= PCA_EXACT_MAX_D ? pca_covariance(xc, m, d, P, comp, var)
                              : pca_randomized(xc, m, d, P, p.seed, comp, var);
    if (st) goto done;
    for (int c = 0; c < P; c++) {   /* signs: largest-magnitude loading positive */
        int64_t arg = 0;
        for (int64_t t = 0; t < d; t++)
            if (fabsf(comp[(size_t)t * P + c]) > fabsf(comp[(size_t)arg * P + c])) arg = t;
        if (comp[(size_t)arg * P + c] < 0)
            for (int64_t t = 0; t < d; t++) comp[(size_t)t * P + c] = -comp[(size_t)t * P + c];
        if (explained_ratio) explained_ratio[c] = total > 0 ? (float)(var[c] / total) : 0.0f;
    }
    if (explained_ratio)
        for (int c = P; c < p.n_components; c++) explained_ratio[c] = 0.0f;
    if ((st = emb_matf_alloc(out, n, P))) goto done;
    if (m == n) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, P, (int)d, 1.0f, xc, (int)d, comp, P, 0.0f, out->data, P);
    } else {
        /* (x - mean) comp = x comp - mean comp: no centred copy of all rows */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, P, (int)d, 1.0f, x->data, (int)d, comp, P, 0.0f, out->data, P);
        float *mproj = emb__malloc(sizeof(float) * (size_t)P, "PCA mean projection");   /* mean . comp */
        if (!mproj) { st = EMB_E_NOMEM; emb_matf_free(out); goto done; }
        for (int c = 0; c < P; c++) {
            double mc = 0;
            for (int64_t t = 0; t < d; t++) mc += mean[t] * comp[(size_t)t * P + c];
            mproj[c] = (float)mc;
        }
        #pragma omp parallel for schedule(static) num_threads(nt)
        for (int64_t i = 0; i < n; i++)
            for (int c = 0; c < P; c++) out->data[(size_t)i * P + c] -= mproj[c];
        free(mproj);
    }
done:
    free(mean); free(var); free(xc); free(comp);
    return st;
}

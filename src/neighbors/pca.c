/* pca.c - principal component analysis by the covariance matrix: centre the
 * rows, C = Xc^T Xc / (n - 1) (SGEMM), the largest eigenpairs of C
 * (LAPACKE_ssyevr), project. Signs: the largest-magnitude loading of each
 * component is made positive (deterministic, like sklearn's svd_flip on V). */
#include "core/internal.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

emb_pca_params emb_pca_default_params(void) {
    emb_pca_params p;
    memset(&p, 0, sizeof p);
    p.n_components = 50;
    p.seed = 42;
    return p;
}

emb_status emb_pca(const emb_matf *x, const emb_pca_params *params, emb_matf *out, float *explained_ratio) {
    emb_pca_params p = params ? *params : emb_pca_default_params();
    int64_t n = x->rows, d = x->cols;
    int P = p.n_components;
    if (P <= 0) return emb__fail(EMB_E_INVALID, "PCA: n_components must be positive");
    if (P > d) P = (int)d;
    if (P > n) P = (int)n;
    if (n < 2 || d < 1) return emb__fail(EMB_E_INVALID, "PCA needs at least 2 rows (got %lld)", (long long)n);
    if (d > 20000) return emb__fail(EMB_E_UNSUPPORTED, "PCA: %lld dimensions is more than the covariance path handles", (long long)d);
    emb_status st = EMB_OK;
    double *mean = calloc((size_t)d, sizeof(double));
    float *xc = malloc(sizeof(float) * (size_t)n * d);
    float *cov = malloc(sizeof(float) * (size_t)d * d);
    float *w = malloc(sizeof(float) * (size_t)d);
    float *z = malloc(sizeof(float) * (size_t)d * P);
    lapack_int *isuppz = malloc(sizeof(lapack_int) * 2 * (size_t)d);
    memset(out, 0, sizeof *out);
    if (!mean || !xc || !cov || !w || !z || !isuppz) { st = emb__fail(EMB_E_NOMEM, "PCA: out of memory"); goto done; }
    for (int64_t i = 0; i < n; i++)
        for (int64_t t = 0; t < d; t++) mean[t] += x->data[(size_t)i * d + t];
    for (int64_t t = 0; t < d; t++) mean[t] /= (double)n;
    #pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++)
        for (int64_t t = 0; t < d; t++) xc[(size_t)i * d + t] = (float)(x->data[(size_t)i * d + t] - mean[t]);
    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)n, 1.0f / (float)(n - 1), xc, (int)d, 0.0f, cov, (int)d);
    double total = 0;
    for (int64_t t = 0; t < d; t++) total += cov[(size_t)t * d + t];
    lapack_int m = 0;
    /* eigenvalues il..iu in ascending order: the top P are d-P+1..d */
    lapack_int info = LAPACKE_ssyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U', (lapack_int)d, cov, (lapack_int)d, 0, 0,
                                     (lapack_int)(d - P + 1), (lapack_int)d, 0.0f, &m, w, z, P, isuppz);
    if (info != 0 || m != P) { st = emb__fail(EMB_E_INVALID, "PCA: eigensolver failed (info %d)", (int)info); goto done; }
    /* reverse to descending order, fix signs */
    float *comp = malloc(sizeof(float) * (size_t)d * P);  /* (d, P), column c = component c */
    if (!comp) { st = emb__fail(EMB_E_NOMEM, "PCA: out of memory"); goto done; }
    for (int c = 0; c < P; c++) {
        int src = P - 1 - c;
        int64_t arg = 0;
        for (int64_t t = 0; t < d; t++)
            if (fabsf(z[(size_t)t * P + src]) > fabsf(z[(size_t)arg * P + src])) arg = t;
        float sgn = z[(size_t)arg * P + src] < 0 ? -1.0f : 1.0f;
        for (int64_t t = 0; t < d; t++) comp[(size_t)t * P + c] = sgn * z[(size_t)t * P + src];
        if (explained_ratio) explained_ratio[c] = total > 0 ? (float)(fmax(w[src], 0.0) / total) : 0.0f;
    }
    if ((st = emb_matf_alloc(out, n, P))) { free(comp); goto done; }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, P, (int)d, 1.0f, xc, (int)d, comp, P, 0.0f, out->data, P);
    free(comp);
done:
    free(mean);
    free(xc);
    free(cov);
    free(w);
    free(z);
    free(isuppz);
    return st;
}

/* test_neighbors_pca.c - emb_pca against numpy's SVD of the centred data
 * (computed here by /usr/bin/python3, float64): explained variance ratios
 * and projections (signs fixed by the same largest-loading rule) within
 * 1e-4, on the covariance path (d = 60) and the randomized SVD (d = 4500),
 * fitted on all rows and on fit_rows evenly spaced rows; emb_pca_fit +
 * emb_pca_transform against emb_pca (same bytes) and against a plain
 * double-precision projection of other rows on the model.
 * ctest-labels: unit */
#include "check.h"
#include "embscope.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* X = Z diag(s) W + noise: distinct, decaying variances. */
static emb_matf low_rank(int64_t n, int64_t d, int rank, double noise, uint64_t seed) {
    emb_matf x;
    emb_matf_alloc(&x, n, d);
    emb_rng r;
    emb_rng_seed(&r, seed);
    double *z = malloc(sizeof(double) * n * rank), *w = malloc(sizeof(double) * rank * d);
    for (int64_t a = 0; a < n * rank; a++) z[a] = emb_rng_normal(&r) * 10.0 * pow(0.75, (double)(a % rank));
    for (int64_t a = 0; a < rank * d; a++) w[a] = emb_rng_normal(&r) / sqrt((double)d);
    for (int64_t i = 0; i < n; i++)
        for (int64_t t = 0; t < d; t++) {
            double v = 3.0 + noise * emb_rng_normal(&r);
            for (int c = 0; c < rank; c++) v += z[i * rank + c] * w[c * d + t];
            x.data[i * d + t] = (float)v;
        }
    free(z);
    free(w);
    return x;
}

/* fit_rows = 0: numpy's PCA of all rows. fit_rows = m < n: the components
 * of rows i * n / m (i < m) centred by the mean of all rows, every row
 * projected: what emb_pca documents for fit_rows. */
static void test_against_numpy(int64_t n, int64_t d, int rank, int P, int64_t fit_rows, const char *name) {
    emb_matf x = low_rank(n, d, rank, 0.01, 31 + d);
    char in[512], o1[512], o2[512], cmd[2048];
    snprintf(in, sizeof in, "%s/%s_x.npy", check_tmpdir(), name);
    snprintf(o1, sizeof o1, "%s/%s_proj.npy", check_tmpdir(), name);
    snprintf(o2, sizeof o2, "%s/%s_ratio.npy", check_tmpdir(), name);
    CHECK(emb_npy_write_f32(in, x.data, n, d) == EMB_OK);
    snprintf(cmd, sizeof cmd,
             "%s -c \"import numpy as np; x=np.load('%s').astype(np.float64); xc=x-x.mean(0); "
             "m=%lld; xf=xc[np.arange(m)*len(x)//m] if m else xc; "
             "U,S,Vt=np.linalg.svd(xf, full_matrices=False); Vt=Vt[:%d]; "
             "sg=np.sign(Vt[np.arange(%d), np.abs(Vt).argmax(1)]); Vt*=sg[:,None]; "
             "np.save('%s', (xc@Vt.T).astype(np.float32)); "
             "np.save('%s', (S[:%d]**2/(S**2).sum()).astype(np.float32))\"",
             check_python(), in, (long long)fit_rows, P, P, o1, o2, P);
    int status = 0;
    free(check_run(cmd, &status));
    CHECK_EQ(0, status);
    emb_matf rp = {0}, rr = {0}, out = {0};
    CHECK(emb_npy_load_f32(o1, &rp) == EMB_OK);
    CHECK(emb_npy_load_f32(o2, &rr) == EMB_OK);
    emb_pca_params p = emb_pca_default_params();
    p.n_components = P;
    p.fit_rows = fit_rows;
    float ratio[64];
    CHECK(emb_pca(&x, &p, &out, ratio) == EMB_OK);
    CHECK_EQ(n, out.rows);
    CHECK_EQ(P, out.cols);
    CHECK_CLOSE_F32(rr.data, ratio, (size_t)P, 0, 1e-4);
    /* projections, relative to each component's scale */
    for (int c = 0; c < P; c++) {
        double ss = 0, maxdiff = 0;
        for (int64_t i = 0; i < n; i++) ss += (double)rp.data[i * P + c] * rp.data[i * P + c];
        double scale = sqrt(ss / n);
        for (int64_t i = 0; i < n; i++) maxdiff = fmax(maxdiff, fabs(rp.data[i * P + c] - out.data[i * P + c]));
        if (!CHECK_CLOSE(0.0, maxdiff / scale, 0, 1e-4)) fprintf(stderr, "%s: component %d\n", name, c);
    }
    emb_matf_free(&out);
    emb_matf_free(&rp);
    emb_matf_free(&rr);
    emb_matf_free(&x);
}

static void test_edges(void) {
    emb_matf x = low_rank(5, 3, 2, 0.1, 3), out = {0};
    emb_pca_params p = emb_pca_default_params();   /* 50 > min(n, d): capped at 3 */
    float ratio[50];
    CHECK(emb_pca(&x, &p, &out, ratio) == EMB_OK);
    CHECK_EQ(3, out.cols);
    CHECK_CLOSE(1.0, (double)ratio[0] + ratio[1] + ratio[2], 1e-5, 0);
    CHECK_EQ(0, ratio[3] != 0.0f);
    emb_matf_free(&out);
    x.rows = 1;
    CHECK(emb_pca(&x, &p, &out, NULL) == EMB_E_INVALID);
    x.rows = 5;
    emb_matf_free(&x);
}

/* The model: emb_pca's bytes; other rows projected as (y - mean) W. */
static void test_model(void) {
    emb_matf x = low_rank(400, 60, 12, 0.1, 5), y = low_rank(50, 60, 12, 0.1, 6), a = {0}, b = {0}, c = {0};
    emb_pca_params p = emb_pca_default_params();
    p.n_components = 8;
    emb_pca_model m;
    CHECK(emb_pca_fit(&x, &p, &m) == EMB_OK);
    CHECK_EQ(8, m.n_components);
    CHECK_EQ(60, m.d);
    CHECK(emb_pca(&x, &p, &a, NULL) == EMB_OK);
    CHECK(emb_pca_transform(&m, &x, p.n_threads, &b) == EMB_OK);
    CHECK(a.data && b.data && !memcmp(a.data, b.data, sizeof(float) * 400 * 8));
    CHECK(emb_pca_transform(&m, &y, 1, &c) == EMB_OK);
    float ref[50 * 8];
    for (int64_t i = 0; i < 50; i++)
        for (int k = 0; k < 8; k++) {
            double s = 0;
            for (int64_t t = 0; t < 60; t++) s += (y.data[i * 60 + t] - m.mean[t]) * (double)m.components[t * 8 + k];
            ref[i * 8 + k] = (float)s;
        }
    CHECK_CLOSE_F32(ref, c.data, 50 * 8, 1e-4, 1e-4);
    emb_matf_free(&c);
    y.cols = 59;
    CHECK(emb_pca_transform(&m, &y, 1, &c) == EMB_E_INVALID);
    CHECK_CONTAINS(emb_errmsg(), "columns");
    y.cols = 60;
    emb_pca_model_free(&m);
    emb_pca_model_free(&m);   /* zeroed: a no-op */
    emb_matf_free(&a); emb_matf_free(&b); emb_matf_free(&x); emb_matf_free(&y);
}

int main(void) {
    test_model();
    test_against_numpy(400, 60, 12, 10, 0, "cov");
    test_against_numpy(300, 4500, 20, 5, 0, "rsvd");
    test_against_numpy(1000, 60, 12, 10, 300, "cov_fit300");
    test_against_numpy(500, 4500, 20, 5, 200, "rsvd_fit200");
    test_edges();
    return check_exit();
}

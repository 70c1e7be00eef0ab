/* test_core_gemm.c - emb__sgemm (src/core/gemm.c) at the SIMD level in use
 * (run once per level) against a double-precision triple loop, for every
 * transpose case and ragged sizes (1 x 1 x 1, k past one k block, n past one
 * column block, edge tiles); relative error per element bounded by
 * 4 k eps of sum |a b|. Determinism: 1 and 2 threads give the same bytes,
 * and so does computing a row range on its own (tiling does not move sums).
 * ctest-labels: unit
 * ctest-levels: all */
#include "check.h"
#include "core/internal.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fill(float *x, size_t n, emb_rng *r) {
    for (size_t i = 0; i < n; i++) x[i] = (float)emb_rng_normal(r);
}

static void one(int64_t m, int64_t n, int64_t k, bool ta, bool tb, float alpha, float beta, emb_rng *r) {
    size_t lda = ta ? (size_t)m + 3 : (size_t)k + 1, ldb = tb ? (size_t)k + 2 : (size_t)n, ldc = (size_t)n + 5;
    float *a = malloc(sizeof(float) * (ta ? (size_t)k : (size_t)m) * lda);
    float *b = malloc(sizeof(float) * (tb ? (size_t)n : (size_t)k) * ldb);
    float *c0 = malloc(sizeof(float) * (size_t)m * ldc), *c1 = malloc(sizeof(float) * (size_t)m * ldc),
          *c2 = malloc(sizeof(float) * (size_t)m * ldc);
    fill(a, (ta ? (size_t)k : (size_t)m) * lda, r);
    fill(b, (tb ? (size_t)n : (size_t)k) * ldb, r);
    fill(c0, (size_t)m * ldc, r);
    memcpy(c1, c0, sizeof(float) * (size_t)m * ldc);
    memcpy(c2, c0, sizeof(float) * (size_t)m * ldc);
    CHECK(emb__sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c1, ldc, 1) == EMB_OK);
    CHECK(emb__sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c2, ldc, 2) == EMB_OK);
    CHECK(!memcmp(c1, c2, sizeof(float) * (size_t)m * ldc));   /* threads: same bytes */
    double worst = 0;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double s = 0, mag = 0;
            for (int64_t t = 0; t < k; t++) {
                double av = ta ? a[(size_t)t * lda + i] : a[(size_t)i * lda + t];
                double bv = tb ? b[(size_t)j * ldb + t] : b[(size_t)t * ldb + j];
                s += av * bv;
                mag += fabs(av * bv);
            }
            double want = alpha * s + beta * c0[(size_t)i * ldc + j];
            double err = fabs(c1[(size_t)i * ldc + j] - want) / ((fabs(alpha) * mag + fabs(beta * c0[(size_t)i * ldc + j])) * (k + 2) * FLT_EPSILON + 1e-30);
            worst = fmax(worst, err);
        }
    if (!CHECK(worst <= 4.0))
        fprintf(stderr, "  m %lld n %lld k %lld ta %d tb %d: error %.2f x the bound\n", (long long)m, (long long)n, (long long)k, ta, tb, worst);
    /* padding columns of C are untouched */
    bool pad_ok = true;
    for (int64_t i = 0; i < m; i++)
        for (size_t j = (size_t)n; j < ldc; j++) pad_ok &= c1[(size_t)i * ldc + j] == c0[(size_t)i * ldc + j];
    CHECK(pad_ok);
    /* rows [m/3, m) on their own: the same bytes as in the full product */
    int64_t r0 = m / 3;
    if (r0 > 0) {
        memcpy(c2, c0, sizeof(float) * (size_t)m * ldc);
        const float *a_sub = ta ? a + r0 : a + (size_t)r0 * lda;
        CHECK(emb__sgemm(ta, tb, m - r0, n, k, alpha, a_sub, lda, b, ldb, beta, c2 + (size_t)r0 * ldc, ldc, 2) == EMB_OK);
        CHECK(!memcmp(c1 + (size_t)r0 * ldc, c2 + (size_t)r0 * ldc, sizeof(float) * (size_t)(m - r0) * ldc));
    }
    free(a); free(b); free(c0); free(c1); free(c2);
}

int main(void) {
    printf("SIMD level %s\n", emb_cpu_level_name(emb_cpu_level_active()));
    emb_rng r;
    emb_rng_seed(&r, 17);
    int64_t sizes[][3] = {{1, 1, 1}, {6, 16, 1}, {7, 17, 3}, {13, 33, 257}, {97, 50, 300}, {200, 3100, 20}, {5, 10, 600}, {300, 64, 64}, {51, 10, 9000}, {150, 40, 8500}};  /* the last two: k split in chunks */
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int t = 0; t < 4; t++) one(sizes[s][0], sizes[s][1], sizes[s][2], t & 1, t & 2, t == 3 ? -0.5f : 1.0f, t == 2 ? 0.75f : 0.0f, &r);
    /* beta = 0 ignores NaN in C */
    float a = 2, b = 3, c = NAN;
    CHECK(emb__sgemm(false, false, 1, 1, 1, 1.0f, &a, 1, &b, 1, 0.0f, &c, 1, 1) == EMB_OK);
    CHECK_CLOSE(6.0, c, 0, 0);
    return check_exit();
}

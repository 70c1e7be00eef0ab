/* gemm.c - single-precision matrix multiply for every CPU, one kernel per
 * SIMD level (core/cpu.c), BLIS's loop structure (Van Zee & van de Geijn,
 * ACM TOMS 2015): C (M, N) = alpha op(A) op(B) + beta C, row-major.
 *
 * Why not the BLAS: OpenBLAS picks its kernels from the CPU model it knows;
 * on a CPU newer than its table it falls back to SSE3 ("Prescott") kernels,
 * 3-9x slower (a 70,000 x 784 PCA took 3.4 s instead of 0.4 s on a Xeon it
 * did not recognise), and its thread count is process state the library must
 * not touch. And its sums depend on the thread count and the matrix shape,
 * so results were not reproducible across threads.
 *
 * Loops: jc over NC columns of C, pc over KC rows of op(B) (op(B)'s block
 * packed once into 16-column panels, zero padded), then in parallel over MC
 * rows of C (op(A)'s block packed into 6-row slivers per thread), the micro-
 * kernel computing a 6 x 16 (AVX2, plain C) or 6 x 32 (AVX-512) tile of
 * op(A) op(B) in registers and adding alpha times it to C.
 * Determinism: every element of C is beta C + the KC blocks' sums in
 * ascending k, each block a chain of multiply-adds in ascending k in its own
 * lane: independent of the thread count, of the tiling of M and N and of
 * where a tile sits (edge tiles use the same kernel into a buffer). The
 * plain-C level rounds each product (ISO C: no contraction), the SIMD
 * levels fuse it, so levels differ by rounding. */
#include "core/internal.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#if defined(EMB__X86) && (defined(__x86_64__) || defined(__i386__))   /* EMB__X86 implies these; spelled out for readers and checkers */
#include <immintrin.h>
#endif

#define GEMM_MR 6      /* rows of a micro-tile */
#define GEMM_PW 16     /* columns of a packed panel of op(B) */
#define GEMM_KC 256    /* k block: a 6 x 256 sliver of A is 6 KiB (L1), a panel 16 KiB */
#define GEMM_MC 96     /* rows of C per task (16 slivers) */
#define GEMM_NC 3072   /* columns of C per packed op(B) block: 256 x 3072 x 4 = 3 MiB */

/* A micro-kernel: acc (MR, width) = sum_k a[k][0..MR) x b[k][0..width), for
 * kc values of k; a: the sliver (kc, MR), b: np panels (kc, PW) each, width
 * = np PW; the tile is written to t (MR, width) row-major. */
typedef void (*gemm_kernel)(int kc, const float *a, const float *b, size_t panel, float *t);

/* ---- plain C: 6 x 16 */
static void kernel_c(int kc, const float *a, const float *b, size_t panel, float *t) {
    (void)panel;
    float acc[GEMM_MR][GEMM_PW] = {{0}};
    for (int k = 0; k < kc; k++) {
        const float *bk = b + (size_t)k * GEMM_PW, *ak = a + (size_t)k * GEMM_MR;
#pragma GCC unroll 6
        for (int i = 0; i < GEMM_MR; i++)
#pragma GCC unroll 16
            for (int j = 0; j < GEMM_PW; j++) acc[i][j] += ak[i] * bk[j];
    }
    memcpy(t, acc, sizeof acc);
}

#if defined(EMB__X86)
/* ---- AVX2 + FMA: 6 x 16, 12 ymm accumulators */
EMB__TARGET_AVX2 static void kernel_avx2(int kc, const float *a, const float *b, size_t panel, float *t) {
    (void)panel;
    __m256 c[GEMM_MR][2];
#pragma GCC unroll 6
    for (int i = 0; i < GEMM_MR; i++) c[i][0] = c[i][1] = _mm256_setzero_ps();
    for (int k = 0; k < kc; k++) {
        __m256 b0 = _mm256_loadu_ps(b + (size_t)k * GEMM_PW), b1 = _mm256_loadu_ps(b + (size_t)k * GEMM_PW + 8);
        const float *ak = a + (size_t)k * GEMM_MR;
#pragma GCC unroll 6
        for (int i = 0; i < GEMM_MR; i++) {
            __m256 av = _mm256_broadcast_ss(ak + i);
            c[i][0] = _mm256_fmadd_ps(av, b0, c[i][0]);
            c[i][1] = _mm256_fmadd_ps(av, b1, c[i][1]);
        }
    }
    for (int i = 0; i < GEMM_MR; i++) {
        _mm256_storeu_ps(t + (size_t)i * GEMM_PW, c[i][0]);
        _mm256_storeu_ps(t + (size_t)i * GEMM_PW + 8, c[i][1]);
    }
}

/* ---- AVX-512: 6 x 32 (two panels), 12 zmm accumulators */
EMB__TARGET_AVX512 static void kernel_avx512(int kc, const float *a, const float *b, size_t panel, float *t) {
    __m512 c[GEMM_MR][2];
#pragma GCC unroll 6
    for (int i = 0; i < GEMM_MR; i++) c[i][0] = c[i][1] = _mm512_setzero_ps();
    const float *b2 = b + panel;
    for (int k = 0; k < kc; k++) {
        __m512 b0 = _mm512_loadu_ps(b + (size_t)k * GEMM_PW), b1 = _mm512_loadu_ps(b2 + (size_t)k * GEMM_PW);
        const float *ak = a + (size_t)k * GEMM_MR;
#pragma GCC unroll 6
        for (int i = 0; i < GEMM_MR; i++) {
            __m512 av = _mm512_set1_ps(ak[i]);
            c[i][0] = _mm512_fmadd_ps(av, b0, c[i][0]);
            c[i][1] = _mm512_fmadd_ps(av, b1, c[i][1]);
        }
    }
    for (int i = 0; i < GEMM_MR; i++) {
        _mm512_storeu_ps(t + (size_t)i * 2 * GEMM_PW, c[i][0]);
        _mm512_storeu_ps(t + (size_t)i * 2 * GEMM_PW + GEMM_PW, c[i][1]);
    }
}

/* The same kernel for a single (last) panel. */
EMB__TARGET_AVX512 static void kernel_avx512_1(int kc, const float *a, const float *b, size_t panel, float *t) {
    (void)panel;
    __m512 c[GEMM_MR];
#pragma GCC unroll 6
    for (int i = 0; i < GEMM_MR; i++) c[i] = _mm512_setzero_ps();
    for (int k = 0; k < kc; k++) {
        __m512 b0 = _mm512_loadu_ps(b + (size_t)k * GEMM_PW);
        const float *ak = a + (size_t)k * GEMM_MR;
#pragma GCC unroll 6
        for (int i = 0; i < GEMM_MR; i++) c[i] = _mm512_fmadd_ps(_mm512_set1_ps(ak[i]), b0, c[i]);
    }
    for (int i = 0; i < GEMM_MR; i++) _mm512_storeu_ps(t + (size_t)i * GEMM_PW, c[i]);
}
#endif

/* op(B)[k0 .. k0+kc)[j0 .. j0+nc) -> panels bp[(p kc + k) PW + j], zero padded. */
static void pack_b(const float *b, size_t ldb, bool tb, int64_t k0, int kc, int64_t j0, int64_t nc, float *bp, int nt) {
    int64_t np = (nc + GEMM_PW - 1) / GEMM_PW;
    #pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t p = 0; p < np; p++) {
        float *dst = bp + (size_t)p * kc * GEMM_PW;
        int64_t w = nc - p * GEMM_PW < GEMM_PW ? nc - p * GEMM_PW : GEMM_PW;
        if (tb) {   /* op(B) = B^T: B's rows are the panel's columns, read along k */
            if (w < GEMM_PW) memset(dst, 0, sizeof(float) * (size_t)kc * GEMM_PW);
            for (int64_t j = 0; j < w; j++) {
                const float *src = b + (size_t)(j0 + p * GEMM_PW + j) * ldb + k0;
                for (int k = 0; k < kc; k++) dst[(size_t)k * GEMM_PW + j] = src[k];
            }
            continue;
        }
        for (int k = 0; k < kc; k++) {
            float *d = dst + (size_t)k * GEMM_PW;
            const float *src = b + (size_t)(k0 + k) * ldb + j0 + p * GEMM_PW;
            memcpy(d, src, sizeof(float) * (size_t)w);
            for (int64_t j = w; j < GEMM_PW; j++) d[j] = 0.0f;
        }
    }
}

/* op(A)[i0 .. i0+mc)[k0 .. k0+kc) -> slivers ap[(s kc + k) MR + i], zero padded. */
static void pack_a(const float *a, size_t lda, bool ta, int64_t i0, int mc, int64_t k0, int kc, float *ap) {
    for (int s = 0; s * GEMM_MR < mc; s++) {
        float *dst = ap + (size_t)s * kc * GEMM_MR;
        int h = mc - s * GEMM_MR < GEMM_MR ? mc - s * GEMM_MR : GEMM_MR;
        if (h < GEMM_MR) memset(dst, 0, sizeof(float) * (size_t)kc * GEMM_MR);
        if (ta)   /* op(A) = A^T: the sliver's rows are A's columns, contiguous along i */
            for (int k = 0; k < kc; k++) {
                const float *src = a + (size_t)(k0 + k) * lda + i0 + s * GEMM_MR;
                for (int i = 0; i < h; i++) dst[(size_t)k * GEMM_MR + i] = src[i];
            }
        else
            for (int i = 0; i < h; i++) {
                const float *src = a + (size_t)(i0 + s * GEMM_MR + i) * lda + k0;
                for (int k = 0; k < kc; k++) dst[(size_t)k * GEMM_MR + i] = src[k];
            }
    }
}

/* C += alpha op(A) op(B) by the BLIS loops (C already scaled by beta). */
static emb_status gemm_core(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                            size_t lda, const float *b, size_t ldb, float *c, size_t ldc, int nt) {
    emb_cpu_level lv = emb_cpu_level_active();
    int width = GEMM_PW;   /* columns a kernel call covers */
    gemm_kernel kern = kernel_c, kern1 = kernel_c;
#if defined(EMB__X86)
    if (lv >= EMB_CPU_AVX512) { kern = kernel_avx512; kern1 = kernel_avx512_1; width = 2 * GEMM_PW; }
    else if (lv >= EMB_CPU_AVX2) kern = kern1 = kernel_avx2;
#else
    (void)lv;
#endif
    int64_t ncb = n < GEMM_NC ? n : GEMM_NC;
    float *bp = emb__alloc_big(sizeof(float) * (size_t)GEMM_KC * (size_t)((ncb + GEMM_PW - 1) / GEMM_PW) * GEMM_PW, false);
    if (!bp) return emb__fail(EMB_E_NOMEM, "out of memory for a packed %lld x %d matrix block", (long long)ncb, GEMM_KC);
    for (int64_t jc = 0; jc < n; jc += GEMM_NC) {
        int64_t nc = n - jc < GEMM_NC ? n - jc : GEMM_NC, np = (nc + GEMM_PW - 1) / GEMM_PW;
        for (int64_t pc = 0; pc < k; pc += GEMM_KC) {
            int kc = (int)(k - pc < GEMM_KC ? k - pc : GEMM_KC);
            pack_b(b, ldb, trans_b, pc, kc, jc, nc, bp, nt);
            size_t panel = (size_t)kc * GEMM_PW;
            int64_t n_mc = (m + GEMM_MC - 1) / GEMM_MC;
            #pragma omp parallel num_threads(nt)
            {
                float ap[GEMM_MC * GEMM_KC], t[GEMM_MR * 2 * GEMM_PW];
                #pragma omp for schedule(dynamic, 1)
                for (int64_t ib = 0; ib < n_mc; ib++) {
                    int64_t i0 = ib * GEMM_MC;
                    int mc = (int)(m - i0 < GEMM_MC ? m - i0 : GEMM_MC);
                    pack_a(a, lda, trans_a, i0, mc, pc, kc, ap);
                    for (int64_t p = 0; p < np; p += width / GEMM_PW) {
                        bool two = width == 2 * GEMM_PW && p + 1 < np;
                        int tw = two ? 2 * GEMM_PW : GEMM_PW;
                        int64_t j0 = jc + p * GEMM_PW, w = n - j0 < tw ? n - j0 : tw;
                        for (int s = 0; s * GEMM_MR < mc; s++) {
                            (two ? kern : kern1)(kc, ap + (size_t)s * kc * GEMM_MR, bp + (size_t)p * panel, panel, t);
                            int h = mc - s * GEMM_MR < GEMM_MR ? mc - s * GEMM_MR : GEMM_MR;
                            for (int i = 0; i < h; i++) {
                                float *cr = c + (size_t)(i0 + s * GEMM_MR + i) * ldc + j0;
                                const float *tr = t + (size_t)i * tw;
                                for (int64_t j = 0; j < w; j++) cr[j] += alpha * tr[j];
                            }
                        }
                    }
                }
            }
        }
    }
    free(bp);
    return EMB_OK;
}

/* Small C, long k (a Gram matrix X^T Y of few columns): C's row blocks
 * cannot feed the threads, so k is cut into fixed chunks (GEMM_KSPLIT, set
 * by the shapes alone, never by the thread count) multiplied in parallel
 * into partial products that are added in chunk order. */
#define GEMM_KSPLIT (8 * GEMM_KC)

emb_status emb__sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                      size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc, int n_threads) {
    int nt = emb_threads_resolve(n_threads);
    if (m <= 0 || n <= 0) return EMB_OK;
    /* C = beta C first (beta 0: C's old values, NaN included, are ignored) */
    #pragma omp parallel for num_threads(nt) schedule(static) if (m * n > 65536)
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) c[(size_t)i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[(size_t)i * ldc + j];
    if (k <= 0 || alpha == 0.0f) return EMB_OK;
    if (m > 2 * GEMM_MC || m * n > 65536 || k < 4 * GEMM_KSPLIT)
        return gemm_core(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, c, ldc, nt);
    int64_t nch = (k + GEMM_KSPLIT - 1) / GEMM_KSPLIT;
    float *part = emb__calloc((size_t)nch * (size_t)(m * n), sizeof(float), "matrix multiply partial sums");
    if (!part) return EMB_E_NOMEM;
    emb_status st = EMB_OK;
    #pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
    for (int64_t ch = 0; ch < nch; ch++) {
        int64_t k0 = ch * GEMM_KSPLIT, kk = k - k0 < GEMM_KSPLIT ? k - k0 : GEMM_KSPLIT;
        const float *ac = trans_a ? a + (size_t)k0 * lda : a + k0;
        const float *bc = trans_b ? b + k0 : b + (size_t)k0 * ldb;
        emb_status s1 = gemm_core(trans_a, trans_b, m, n, kk, 1.0f, ac, lda, bc, ldb, part + (size_t)ch * m * n, (size_t)n, 1);
        if (s1) {
            #pragma omp critical(emb_gemm_status)
            st = s1;
        }
    }
    for (int64_t i = 0; !st && i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            float s = 0;
            for (int64_t ch = 0; ch < nch; ch++) s += part[(size_t)ch * m * n + (size_t)i * n + j];
            c[(size_t)i * ldc + j] += alpha * s;
        }
    free(part);
    return st;
}

/* ---- the BLAS where it has kernels for this CPU, else ours.
 * OpenBLAS tunes its SGEMM per CPU model; on a model newer than its table
 * (0.3.21 on a Xeon with AVX-512, in a VM that masks the model) it falls
 * back to SSE3 "Prescott" kernels: 2.0 s for a 70,000 x 784 PCA, against
 * 0.59 s for emb__sgemm. Where it knows the CPU it is the faster one (the
 * same PCA's X^T X: OpenBLAS SkylakeX 0.44 s, Haswell on AVX2 0.73 s;
 * emb__sgemm 0.58 s at AVX-512, 1.31 s at AVX2). So the BLAS is used when
 * its kernel family covers the SIMD level in use, on every non-x86 CPU
 * (OpenBLAS's NEON/SVE kernels beat the plain-C level), and at the scalar
 * level; emb__sgemm otherwise. */
#include <cblas.h>
char *openblas_get_corename(void);

static bool blas_tuned_for(emb_cpu_level level, const char *core) {
#if defined(EMB__X86)
    if (level < EMB_CPU_AVX2) return true;
    static const char *avx512_cores[] = {"skylakex", "cooperlake", "sapphirerapids"};
    static const char *avx2_cores[] = {"haswell", "zen", "skylakex", "cooperlake", "sapphirerapids"};
    const char **list = level >= EMB_CPU_AVX512 ? avx512_cores : avx2_cores;
    size_t nl = level >= EMB_CPU_AVX512 ? sizeof avx512_cores / sizeof *avx512_cores : sizeof avx2_cores / sizeof *avx2_cores;
    char lc[64];
    size_t i = 0;
    for (; core && core[i] && i + 1 < sizeof lc; i++) lc[i] = (char)(core[i] >= 'A' && core[i] <= 'Z' ? core[i] + 32 : core[i]);
    lc[i] = 0;
    for (size_t j = 0; j < nl; j++)
        if (strstr(lc, list[j])) return true;
    return false;
#else
    (void)level; (void)core;
    return true;
#endif
}

bool emb__gemm_uses_blas(void) {
    return blas_tuned_for(emb_cpu_level_active(), openblas_get_corename());
}

emb_status emb__sgemm_fast(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                           size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc, int n_threads) {
    if (!emb__gemm_uses_blas() || m > INT32_MAX || n > INT32_MAX || k > INT32_MAX || lda > INT32_MAX ||
        ldb > INT32_MAX || ldc > INT32_MAX)
        return emb__sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, n_threads);
    if (m <= 0 || n <= 0) return EMB_OK;
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, (int)m, (int)n,
                (int)k, alpha, a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
    return EMB_OK;
}

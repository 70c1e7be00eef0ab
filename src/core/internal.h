/* internal.h - helpers shared inside src/ (prefix emb__), not exported. */
#ifndef EMB_INTERNAL_H
#define EMB_INTERNAL_H

#include "embscope.h"

#if defined(__GNUC__)
#define EMB__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define EMB__PRINTF(a, b)
#endif

/* SIMD clones (src/core/cpu.c picks the level). A kernel is written once as
 * a static inline body and compiled at each level by thin wrappers carrying
 * these target attributes; the caller picks the wrapper from
 * emb_cpu_level_active(). GCC's target_clones is not used: its ifunc picks
 * at load time and ignores the EMB_CPU cap, and it is an error on aarch64. */
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define EMB__X86 1
#define EMB__TARGET_AVX2 __attribute__((target("avx2,fma,f16c")))
#define EMB__TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,f16c")))
#endif
/* The CPU's vendor is Intel (CPUID "GenuineIntel"; probed with the level,
 * core/cpu.c): for the few kernel choices that depend on the core design
 * rather than the instruction set (clip_gemm.c's bf16 dot product). */
bool emb__cpu_is_intel(void);
#if defined(__GNUC__)
#define EMB__INLINE static inline __attribute__((always_inline))
#else
#define EMB__INLINE static inline
#endif

/* Format a message into this thread's buffer and return st (stbi__err). */
emb_status emb__fail(emb_status st, const char *fmt, ...) EMB__PRINTF(2, 3);

/* Overflow-checked size arithmetic: false when a*b (a+b) does not fit. */
static inline bool emb__mul_ok(size_t a, size_t b, size_t *out) {
    return !__builtin_mul_overflow(a, b, out);
}
static inline bool emb__add_ok(size_t a, size_t b, size_t *out) {
    return !__builtin_add_overflow(a, b, out);
}

/* Allocation without the error message: from 2 MiB up, 2 MiB aligned and
 * marked for transparent huge pages (MADV_HUGEPAGE), fewer page faults and
 * TLB misses; smaller, plain malloc / calloc. Free with free(). */
void *emb__alloc_big(size_t bytes, bool zero);
/* malloc that sets the error message on failure (NULL for n = 0 too is fine);
 * blocks of 8 MB and more through emb__alloc_big. */
void *emb__malloc(size_t n, const char *what);
void *emb__calloc(size_t n, size_t size, const char *what);
char *emb__strdup(const char *s);

/* C (m, n) = alpha op(A) op(B) + beta C, row-major, op = transpose when
 * trans_*: A is (m, k) or (k, m), B (k, n) or (n, k). Own kernels per SIMD
 * level (gemm.c), not the BLAS: results do not depend on n_threads (OpenMP
 * num_threads, 0 = all cores) or on the shapes' tiling. beta = 0 ignores C's
 * old values. EMB_E_NOMEM only for its 3 MiB packing buffer. */
emb_status emb__sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                      size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc, int n_threads);
/* The same product by OpenBLAS where its kernels cover the SIMD level in use
 * (emb__gemm_uses_blas: its core is Haswell/Zen/SkylakeX/... on x86, any on
 * other CPUs), else by emb__sgemm. With the BLAS, the sums depend on
 * OpenBLAS's own thread count (the program's --threads sets it). */
emb_status emb__sgemm_fast(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                           size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc, int n_threads);
bool emb__gemm_uses_blas(void);

/* Read a whole file; gzip-compressed files (magic 1f 8b) are inflated.
 * max_bytes caps the decompressed size (0 = no cap). */
emb_status emb__read_file(const char *path, size_t max_bytes,
                          unsigned char **data, size_t *size);

/* IEEE half <-> single (round to nearest even). */
float    emb__f16_to_f32(uint16_t h);
uint16_t emb__f32_to_f16(float f);
/* n binary16 values widened to float32 (exact) at the active SIMD level;
 * _c: the plain-C reference (core/half.c). */
void emb__f16_widen(const uint16_t *src, float *dst, int64_t n);
void emb__f16_widen_c(const uint16_t *src, float *dst, int64_t n);
/* Row i of x as float32: a pointer into x->data, or x->half's row widened
 * into buf (x->cols floats). */
const float *emb__matf_row(const emb_matf *x, int64_t i, float *buf);
/* Give back the resident pages of a read-through part of a read-only file
 * mapping (the 10 GB float16 .npy of a large run), core/half.c. */
void emb__release_pages(const void *p, size_t bytes);
/* For a function that reads float32 rows only: a half-precision x is an
 * error that says how to get float32 rows. */
#define EMB__NEED_F32(x, what)                                                                          \
    do {                                                                                                \
        if (emb_matf_is_half(x))                                                                        \
            return emb__fail(EMB_E_INVALID, "%s: half-precision rows (widen them with emb_matf_widen)", \
                             what);                                                                     \
    } while (0)

/* Union-find (dups, HDBSCAN) over n items with path halving; the root of a set is its
 * smallest index (union links the larger root under the smaller). */
static inline int64_t emb__uf_find(int64_t *parent, int64_t i) {
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}
static inline void emb__uf_union(int64_t *parent, int64_t a, int64_t b) {
    a = emb__uf_find(parent, a);
    b = emb__uf_find(parent, b);
    if (a == b) return;
    if (a < b) parent[b] = a;
    else parent[a] = b;
}

#endif

/* half.c - matrices whose rows are IEEE binary16 (emb_matf.half): widening
 * a run of values to float32 at the CPU's SIMD level (AVX-512F: 16 values
 * per vcvtph2ps, AVX2 level: 8 by F16C, plain C: emb__f16_to_f32, the
 * reference; all three are exact, so they agree bit for bit), a row of
 * either kind as float32, and the float32 copy of a whole matrix for the
 * functions that do not read half rows themselves. */
#include "core/internal.h"

#include <string.h>
#include <sys/mman.h>

#if defined(EMB__X86) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>
#endif

void emb__f16_widen_c(const uint16_t *src, float *dst, int64_t n) {
    for (int64_t i = 0; i < n; i++) dst[i] = emb__f16_to_f32(src[i]);
}

#ifdef EMB__X86
EMB__TARGET_AVX2 static void widen_avx2(const uint16_t *src, float *dst, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
    for (; i < n; i++) dst[i] = _cvtsh_ss(src[i]);
}
EMB__TARGET_AVX512 static void widen_avx512(const uint16_t *src, float *dst, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(dst + i, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(src + i))));
    if (i < n) {
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(dst + i, k, _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(k, src + i)));
    }
}
#endif

void emb__f16_widen(const uint16_t *src, float *dst, int64_t n) {
#ifdef EMB__X86
    emb_cpu_level lv = emb_cpu_level_active();
    if (lv >= EMB_CPU_AVX512) { widen_avx512(src, dst, n); return; }
    if (lv >= EMB_CPU_AVX2) { widen_avx2(src, dst, n); return; }
#endif
    emb__f16_widen_c(src, dst, n);
}

bool emb_matf_is_half(const emb_matf *x) { return x && !x->data && x->half; }

const float *emb__matf_row(const emb_matf *x, int64_t i, float *buf) {
    if (x->data) return x->data + (size_t)i * (size_t)x->cols;
    emb__f16_widen(x->half + (size_t)i * (size_t)x->cols, buf, x->cols);
    return buf;
}

emb_status emb_matf_widen(const emb_matf *x, emb_matf *tmp, const emb_matf **use) {
    if (!emb_matf_is_half(x)) { *use = x; return EMB_OK; }
    emb_status st = emb_matf_alloc(tmp, x->rows, x->cols);
    if (st) return st;
    const int64_t chunk = 1 << 16;
    size_t total = (size_t)x->rows * (size_t)x->cols;
    #pragma omp parallel for schedule(static)
    for (int64_t s = 0; s < (int64_t)total; s += chunk) {
        int64_t m = (int64_t)total - s < chunk ? (int64_t)total - s : chunk;
        emb__f16_widen(x->half + s, tmp->data + s, m);
    }
    *use = tmp;
    return EMB_OK;
}

/* MADV_PAGEOUT (Linux 5.4+): clean pages of a file mapping leave the
 * resident set (read again from the page cache or the file if touched);
 * anonymous memory goes to swap if there is one, else stays; an older
 * kernel refuses, which is harmless. Only whole pages inside the range. */
void emb__release_pages(const void *p, size_t bytes) {
#ifdef MADV_PAGEOUT
    uintptr_t pg = 4096, a = ((uintptr_t)p + pg - 1) & ~(pg - 1), b = ((uintptr_t)p + bytes) & ~(pg - 1);
    if (b > a) (void)madvise((void *)a, b - a, MADV_PAGEOUT);
#else
    (void)p;
    (void)bytes;
#endif
}

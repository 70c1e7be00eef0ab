/* clip_gemm.c - GEMMs for CLIP's linear layers, y = x W^T + b (+ y), an
 * activation fused into the store. A BLIS-style scheme (Van Zee & van de
 * Geijn, TOMS 2015): W packed once at load into 16-column panels, tasks of
 * (64-column block, MC register tiles) handed out dynamically (the shared
 * machine preempts threads unevenly), k blocked by KC so a block's W slice
 * (64 KiB) is reused from L2 by every tile of the task. One driver, a float32
 * tile kernel per level of emb_cpu_level_active():
 *   EMB_CPU_AVX512 and up: 6 x 64 register tile, 24 zmm accumulators;
 *   EMB_CPU_AVX2 (AVX2 + FMA): 6 x 16, 12 ymm accumulators, per panel;
 *   EMB_CPU_SCALAR (and every non-x86 CPU): plain C, 4 x 16 accumulators the
 *     compiler vectorises (the reference level; arm64's path).
 * Determinism: each output element is one chain over k in order: per KC
 * block a sum from 0 (FMA at the SIMD levels, multiply + add in C), added to
 * y (the first block adds the bias (and y when accumulating) instead). The
 * chain depends only on k and the level, never on m, the tile an element
 * lands in or the thread, so results are bit-identical across thread counts,
 * batch sizes and scheduling. The AVX2 and AVX-512 chains are the same
 * operations, so those two levels also agree bit for bit. No BLAS in the
 * forward pass: OpenBLAS's SGEMM sums in an order that depends on its thread
 * count and the matrix shape.
 * bfloat16: x and W rounded to bf16 (nearest even), float32 sums.
 *   EMB_CPU_AMX, k a multiple of 32: AMX tiles (tdpbf16ps, 32 x 32 register
 *     block, gemm_bf16_amx below);
 *   EMB_CPU_AVX512_BF16 on CPUs where it pays (not Intel's: bf16_dot_pays):
 *     vdpbf16ps (two products per lane) on W packed in 16-column panels of
 *     k-pairs, same tiling;
 *   other levels: each thread widens the bf16 W of the column block it works
 *     on (64 columns x k, a 16-bit shift per value) into float32 panels in
 *     a 64-byte aligned buffer of the caller's scratch and runs the level's float32 tile on it, x
 *     rounded to bf16 and held as float32: half the weight traffic of
 *     float32 and the same FMAs, results bit-identical to the float32 kernel
 *     on the rounded inputs. Measured on this Xeon (1 thread, shared
 *     machine, W in L3): at ViT-B's m = 1600 within noise of float32 at the
 *     avx2 and avx512 levels; at m = 50 (one image) equal at avx2, ~7% below
 *     at avx512 (the widening's stores); weights streamed from DRAM (a whole
 *     model) favour bf16. An unaligned buffer cost 10-20% (split zmm loads).
 * The scalar reference emb__linear_bf16_ref computes the bf16 sums one output
 * at a time; tests compare every level with it and with double sums. */
#include "clip_internal.h"
#include "features/features.h"
#include "clip_vmath.h"

#include <cblas.h>   /* emb_clip_gemm_gflops's BLAS comparison only */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#define MR 6    /* rows of x per register tile */
#define NR 4    /* 16-column panels per task column block (64 columns) */
#define KC 256  /* k block: 64 columns x 256 x 4 bytes = 64 KiB of W per block */
#define MC 16   /* register tiles per task (96 rows) */
#define AMX_MT 3      /* AMX: 32-row blocks per task (96 rows) */
#define AMX_KCP 256   /* AMX: k pairs per block: 64 columns x 512 k x 2 bytes = 64 KiB of W */

uint16_t emb__f32_to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);   /* quiet NaN */
    u += 0x7fffu + ((u >> 16) & 1);   /* round to nearest even */
    return (uint16_t)(u >> 16);
}

static float bf16_to_f32(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* The level asked for, lowered to what the CPU has (a caller's level never
 * runs instructions the CPU lacks). */
static emb_cpu_level usable(emb_cpu_level level) {
    emb_cpu_level have = emb_cpu_level_detected();
    return level < have ? level : have;
}

/* Does AVX512-BF16's vdpbf16ps (32 products per instruction) beat widening
 * bf16 to float32 for the FMA kernel? Where the float32 FMAs run at half
 * the dot product's width, yes: AMD Zen 4 (bf16 63 vs f32 36 images/s,
 * bench/clip/RESULTS.md). Intel's cores issue vdpbf16ps on one port but
 * 512-bit FMAs on two: on an Intel Xeon with AVX512-BF16 the dot kernel ran
 * ViT-B/32 at 17.7 images/s, the widened one at 29.9 (batch 32, 2 threads),
 * so Intel CPUs take the widened kernel. A property of the CPU, not of a
 * run: the same machine always sums the same way. */
static bool bf16_dot_pays(void) { return !emb__cpu_is_intel(); }

bool emb__clip_bf16_dot(emb_cpu_level level) {
    return usable(level) >= EMB_CPU_AVX512_BF16 && bf16_dot_pays();
}

/* The amx level is only detected on x86-64 (src/core/cpu.c), where gemm_bf16_amx is built. */
bool emb__clip_bf16_amx(emb_cpu_level level, int k) { return usable(level) >= EMB_CPU_AMX && k % 32 == 0; }

const char *emb__clip_gemm_kernel(emb_cpu_level level, bool bf16) {
    bool dot = emb__clip_bf16_dot(level);
    level = usable(level);
    if (bf16) {
        if (level >= EMB_CPU_AMX) return dot ? "amx tdpbf16ps 32x32 (k % 32 == 0; else avx512bf16 vdpbf16ps 6x64)"
                                              : "amx tdpbf16ps 32x32 (k % 32 == 0; else avx512 6x64, bf16 widened)";
        if (dot) return "avx512bf16 vdpbf16ps 6x64";
        return level >= EMB_CPU_AVX512 ? "avx512 6x64, bf16 widened" : level >= EMB_CPU_AVX2 ? "avx2 6x16, bf16 widened" : "c 4x16, bf16 widened";
    }
    return level >= EMB_CPU_AVX512 ? "avx512 6x64" : level >= EMB_CPU_AVX2 ? "avx2 6x16" : "c 4x16";
}

const char *emb_clip_gemm_kernel_name(emb_clip_precision prec) {
    return emb__clip_gemm_kernel(emb_cpu_level_active(), prec == EMB_CLIP_BF16);
}

bool emb__linear_pack_f32(emb__linear *L) {
    int np = (L->n + 15) / 16;
    L->wpf = emb__alloc_big((size_t)np * L->k * 16 * sizeof(float), true);
    if (!L->wpf) return false;
    for (int c = 0; c < L->n; c++)
        for (int k = 0; k < L->k; k++) L->wpf[((size_t)(c / 16) * L->k + k) * 16 + c % 16] = L->w[(size_t)c * L->k + k];
    return true;
}

bool emb__linear_pack_bf16(emb__linear *L) {
    int kp = (L->k + 1) / 2, np = (L->n + 15) / 16;
    L->wp = emb__alloc_big((size_t)np * kp * 32 * sizeof(uint16_t), true);
    if (!L->wp) return false;
    for (int c = 0; c < L->n; c++)
        for (int k = 0; k < L->k; k++)
            L->wp[((size_t)(c / 16) * kp + k / 2) * 32 + 2 * (c % 16) + (k & 1)] = emb__f32_to_bf16(L->w[(size_t)c * L->k + k]);
    return true;
}

/* x (m, k) float -> xbf (m, 2 kp) bf16, odd k padded with 0. */
static void to_bf16_scalar(const float *x, int m, int k, uint16_t *xbf, int nt) {
    int k2 = (k + 1) & ~1;
    #pragma omp parallel for num_threads(nt) schedule(static)
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < k; j++) xbf[(size_t)i * k2 + j] = emb__f32_to_bf16(x[(size_t)i * k + j]);
        if (k2 > k) xbf[(size_t)i * k2 + k] = 0;
    }
}

/* The scalar reference: same rounding of inputs, float32 sums. */
static void gemm_bf16_scalar(const emb__linear *L, const uint16_t *xbf, int m, float *y, bool acc, int nt) {
    int kp = (L->k + 1) / 2;
    #pragma omp parallel for num_threads(nt) schedule(static)
    for (int i = 0; i < m; i++)
        for (int c = 0; c < L->n; c++) {
            const uint16_t *w = L->wp + (size_t)(c / 16) * kp * 32 + 2 * (c % 16);
            const uint16_t *a = xbf + (size_t)i * 2 * kp;
            float s = 0;
            for (int p = 0; p < kp; p++)
                s += bf16_to_f32(a[2 * p]) * bf16_to_f32(w[(size_t)p * 32]) + bf16_to_f32(a[2 * p + 1]) * bf16_to_f32(w[(size_t)p * 32 + 1]);
            float v = s + (L->b ? L->b[c] : 0.0f);
            y[(size_t)i * L->n + c] = acc ? y[(size_t)i * L->n + c] + v : v;
        }
}

/* bf16 panels of k-pairs -> float32 panels: panels [p0, p0 + nr) of W, k in
 * [k0, k0 + kc) (k0 even), into buf[(j * kc + t) * 16 + col]. A pair-row
 * of a panel is 16 32-bit lanes, lane c = W[c][k] (low half) and W[c][k + 1]
 * (high half): row k is the lanes shifted left by 16, row k + 1 the lanes
 * with the low half cleared. */
#define WIDEN_LOOP(...)                                                           \
    for (int j = 0; j < nr; j++) {                                                \
        const uint16_t *src = wp + ((size_t)(p0 + j) * kp + k0 / 2) * 32;         \
        float *d = buf + (size_t)j * kc * 16;                                     \
        for (int t = 0; t < kc; t += 2, src += 32, d += 32) { __VA_ARGS__; }      \
    }

static void widen_c(const uint16_t *wp, int kp, int p0, int nr, int k0, int kc, float *buf) {
    WIDEN_LOOP(
        for (int c = 0; c < 16; c++) d[c] = bf16_to_f32(src[2 * c]);
        if (t + 1 < kc) for (int c = 0; c < 16; c++) d[16 + c] = bf16_to_f32(src[2 * c + 1]);)
}

/* One row r (k) -> o (k): each value rounded to bf16 (emb__f32_to_bf16),
 * kept as float32: the widened kernels' x. */
static void round_c(const float *r, int k, float *o) {
    for (int j = 0; j < k; j++) o[j] = bf16_to_f32(emb__f32_to_bf16(r[j]));
}

typedef void widen_fn(const uint16_t *wp, int kp, int p0, int nr, int k0, int kc, float *buf);
typedef void round_fn(const float *r, int k, float *o);
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2"))) static void widen_avx2(const uint16_t *wp, int kp, int p0, int nr, int k0, int kc, float *buf) {
    const __m256i hi = _mm256_set1_epi32((int)0xffff0000u);
    WIDEN_LOOP(
        __m256i v0 = _mm256_loadu_si256((const __m256i *)src), v1 = _mm256_loadu_si256((const __m256i *)(src + 16));
        _mm256_storeu_si256((__m256i *)d, _mm256_slli_epi32(v0, 16));
        _mm256_storeu_si256((__m256i *)(d + 8), _mm256_slli_epi32(v1, 16));
        if (t + 1 < kc) {
            _mm256_storeu_si256((__m256i *)(d + 16), _mm256_and_si256(v0, hi));
            _mm256_storeu_si256((__m256i *)(d + 24), _mm256_and_si256(v1, hi));
        })
}
__attribute__((target("avx512f"))) static void widen_avx512(const uint16_t *wp, int kp, int p0, int nr, int k0, int kc, float *buf) {
    const __m512i hi = _mm512_set1_epi32((int)0xffff0000u);
    WIDEN_LOOP(
        __m512i v = _mm512_loadu_si512(src);
        _mm512_storeu_si512(d, _mm512_slli_epi32(v, 16));
        if (t + 1 < kc) _mm512_storeu_si512(d + 16, _mm512_and_si512(v, hi));)
}
/* round_c in 8 lanes, the same integer steps (AVX-512 CPUs use it too). */
__attribute__((target("avx2"))) static void round_avx2(const float *r, int k, float *o) {
    const __m256i hi = _mm256_set1_epi32((int)0xffff0000u), one = _mm256_set1_epi32(1);
    int j = 0;
    for (; j + 8 <= k; j += 8) {
        __m256i u = _mm256_loadu_si256((const __m256i *)(r + j));
        __m256i v = _mm256_add_epi32(_mm256_add_epi32(u, _mm256_set1_epi32(0x7fff)), _mm256_and_si256(_mm256_srli_epi32(u, 16), one));
        __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, _mm256_set1_epi32(0x7fffffff)), _mm256_set1_epi32(0x7f800000));
        __m256i q = _mm256_or_si256(u, _mm256_set1_epi32(0x00400000));   /* NaN: quiet, payload kept */
        _mm256_storeu_si256((__m256i *)(o + j), _mm256_and_si256(_mm256_blendv_epi8(v, q, nan), hi));
    }
    round_c(r + j, k - j, o + j);
}
#endif

/* The float32 tile kernels: C tile (mr <= MR rows, nr <= NR panels of 16
 * columns) (+)= A (mr rows, kc; row stride lda) x W panels (kc rows of 16;
 * panel stride `panel`). bias (the tile's columns) or NULL; acc adds C's old
 * value; ncols columns of C are real from the tile's first; act fused. */
typedef void tile_fn(int mr, int nr, const float *a, size_t lda, const float *w, size_t panel, int kc,
                     float *c, size_t ldc, const float *bias, bool acc, int ncols, int act);

/* Plain C: 4 rows x 16 columns of accumulators, one chain per element
 * (multiply, then add: C11 does not contract them). Rows past mr read row 0
 * and are not stored, so the loops have fixed trip counts. */
#define MR_C 4
static void tile_c4(int mr, const float *a, size_t lda, const float *w, int kc,
                    float *c, size_t ldc, const float *bias, bool acc, int ncols, int act) {
    float s[MR_C][16];
    const float *ar[MR_C];
    for (int i = 0; i < MR_C; i++) {
        ar[i] = a + (i < mr ? (size_t)i * lda : 0);
        for (int l = 0; l < 16; l++) s[i][l] = 0.0f;
    }
    for (int p = 0; p < kc; p++) {
        const float *wr = w + (size_t)p * 16;
#pragma GCC unroll 4
        for (int i = 0; i < MR_C; i++) {
            float av = ar[i][p];
#pragma GCC unroll 16
            for (int l = 0; l < 16; l++) s[i][l] += av * wr[l];
        }
    }
    int nc = ncols < 16 ? ncols : 16;
    for (int i = 0; i < mr; i++) {
        float *cp = c + (size_t)i * ldc;
        for (int l = 0; l < nc; l++) {
            float v = s[i][l] + (bias ? bias[l] : 0.0f);
            if (acc) v += cp[l];
            cp[l] = emb__act1(v, act);
        }
    }
}

static void tile_c(int mr, int nr, const float *a, size_t lda, const float *w, size_t panel, int kc,
                   float *c, size_t ldc, const float *bias, bool acc, int ncols, int act) {
    for (int i0 = 0; i0 < mr; i0 += MR_C)
        for (int j = 0; j < nr; j++)
            tile_c4(mr - i0 < MR_C ? mr - i0 : MR_C, a + (size_t)i0 * lda, lda, w + (size_t)j * panel, kc,
                    c + (size_t)i0 * ldc + 16 * j, ldc, bias ? bias + 16 * j : NULL, acc, ncols - 16 * j, act);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define AVX2_TARGET __attribute__((target("avx2,fma")))

/* AVX2 + FMA: C (mr rows, one panel: two ymm per row) (+)= A x panel; the
 * same operations per element as tile_f32 (AVX-512). */
AVX2_TARGET static inline __attribute__((always_inline)) void
tile_avx2(const int mr, const float *a, size_t lda, const float *w, int kc,
          float *c, size_t ldc, const float *bias, bool acc, int ncols, int act) {
    __m256 s[MR][2];
#pragma GCC unroll 8
    for (int i = 0; i < mr; i++) s[i][0] = s[i][1] = _mm256_setzero_ps();
    for (int p = 0; p < kc; p++) {
        __m256 b0 = _mm256_loadu_ps(w + (size_t)p * 16), b1 = _mm256_loadu_ps(w + (size_t)p * 16 + 8);
#pragma GCC unroll 8
        for (int i = 0; i < mr; i++) {
            __m256 av = _mm256_broadcast_ss(a + (size_t)i * lda + p);
            s[i][0] = _mm256_fmadd_ps(av, b0, s[i][0]);
            s[i][1] = _mm256_fmadd_ps(av, b1, s[i][1]);
        }
    }
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
#pragma GCC unroll 2
    for (int h = 0; h < 2; h++) {
        int left = ncols - 8 * h;
        if (left <= 0) break;
        __m256i mk = _mm256_cmpgt_epi32(_mm256_set1_epi32(left), lane);
        __m256 bv = bias ? _mm256_maskload_ps(bias + 8 * h, mk) : _mm256_setzero_ps();
#pragma GCC unroll 8
        for (int i = 0; i < mr; i++) {
            float *cp = c + (size_t)i * ldc + 8 * h;
            __m256 v = _mm256_add_ps(s[i][h], bv);
            if (acc) v = _mm256_add_ps(v, _mm256_maskload_ps(cp, mk));
            if (act) v = emb__act256(v, act);
            _mm256_maskstore_ps(cp, mk, v);
        }
    }
}

AVX2_TARGET static void tile_avx2_any(int mr, int nr, const float *a, size_t lda, const float *w, size_t panel, int kc,
                                      float *c, size_t ldc, const float *bias, bool acc, int ncols, int act) {
    for (int j = 0; j < nr; j++) {
        const float *wj = w + (size_t)j * panel, *bj = bias ? bias + 16 * j : NULL;
        float *cj = c + 16 * j;
        int nc = ncols - 16 * j;
        switch (mr) {
#define T_(R) case R: tile_avx2(R, a, lda, wj, kc, cj, ldc, bj, acc, nc, act); break;
        T_(1) T_(2) T_(3) T_(4) T_(5) T_(6)
#undef T_
        default: break;
        }
    }
}

#define F32_TARGET __attribute__((target("avx512f")))

/* The AVX-512 tiles' store of 16 columns (the first `left` real): s + bias
 * lanes bv (+ the old values), the activation, a masked store. */
F32_TARGET static inline __attribute__((always_inline)) __mmask16 cols_mask(int left) {
    return left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
}

F32_TARGET static inline __attribute__((always_inline)) void store16(float *cp, __mmask16 mk, __m512 s, __m512 bv,
                                                                     bool acc, int act) {
    __m512 v = _mm512_add_ps(s, bv);
    if (acc) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mk, cp));
    if (act) v = emb__act512(v, act);
    _mm512_mask_storeu_ps(cp, mk, v);
}

/* C tile (mr rows, nr panels) (+)= A (mr rows, kc) x panels (kc rows of 16). */
F32_TARGET static inline __attribute__((always_inline)) void
tile_f32(const int mr, const int nr, const float *a, size_t lda, const float *w, size_t panel, int kc,
         float *c, size_t ldc, const float *bias, bool acc, int ncols, int act) {
    __m512 s[MR][NR];
#pragma GCC unroll 8
    for (int i = 0; i < mr; i++)
#pragma GCC unroll 8
        for (int j = 0; j < nr; j++) s[i][j] = _mm512_setzero_ps();
    for (int p = 0; p < kc; p++) {
        __m512 b[NR];
#pragma GCC unroll 8
        for (int j = 0; j < nr; j++) b[j] = _mm512_loadu_ps(w + (size_t)j * panel + (size_t)p * 16);
#pragma GCC unroll 8
        for (int i = 0; i < mr; i++) {
            __m512 av = _mm512_set1_ps(a[(size_t)i * lda + p]);
#pragma GCC unroll 8
            for (int j = 0; j < nr; j++) s[i][j] = _mm512_fmadd_ps(av, b[j], s[i][j]);
        }
    }
#pragma GCC unroll 8
    for (int j = 0; j < nr; j++) {
        __mmask16 mk = cols_mask(ncols - 16 * j);
        __m512 bv = bias ? _mm512_maskz_loadu_ps(mk, bias + 16 * j) : _mm512_setzero_ps();
#pragma GCC unroll 8
        for (int i = 0; i < mr; i++) store16(c + (size_t)i * ldc + 16 * j, mk, s[i][j], bv, acc, act);
    }
}

F32_TARGET static void tile_f32_any(int mr, int nr, const float *a, size_t lda, const float *w, size_t panel, int kc,
                                    float *c, size_t ldc, const float *bias, bool acc, int ncols, int act) {
    switch (mr * 8 + nr) {
#define T_(R, N) case R * 8 + N: tile_f32(R, N, a, lda, w, panel, kc, c, ldc, bias, acc, ncols, act); break;
#define TR(R) T_(R, 1) T_(R, 2) T_(R, 3) T_(R, 4)
    TR(1) TR(2) TR(3) TR(4) TR(5) TR(6)
#undef TR
#undef T_
    default: break;
    }
}

#endif

/* A level's float32 tile, bf16 widening of W and rounding of x. */
typedef struct {
    tile_fn *tile;
    widen_fn *widen;
    round_fn *round;
} kernel;

static kernel kernel_for(emb_cpu_level level) {
#if defined(__x86_64__) && defined(__GNUC__)
    if (level >= EMB_CPU_AVX512) return (kernel){tile_f32_any, widen_avx512, round_avx2};
    if (level >= EMB_CPU_AVX2) return (kernel){tile_avx2_any, widen_avx2, round_avx2};
#endif
    (void)level;
    return (kernel){tile_c, widen_c, round_c};
}

size_t emb__linear_scratch_floats(int m, int k, int n_threads) {
    size_t wide = (size_t)m * (k + 1) + 16 + (size_t)n_threads * NR * 16 * k;
    size_t amx = ((size_t)m + 31) / 32 * 32 * k / 2 + 32 + (size_t)n_threads * AMX_MT * 32 * 64;   /* x in bf16, C buffers */
    return wide > amx ? wide : amx;
}

/* Tasks: (64-column block, MC register tiles); inside a task k is blocked by
 * KC so the block's W slice (64 KiB) is reused from L2 by every tile. W is
 * L's float32 panels, or (wide: the threads' buffers, NR panels of k rows
 * each, 64-byte aligned) its bf16 panels widened into float32: a thread
 * widens a whole column block when it takes its first task there and keeps
 * it for the block's next tasks (collapse(2) hands out a block's row tasks
 * in a row), so W is widened about once per thread and block. The buffers
 * come from the caller's scratch, so the kernel allocates nothing and
 * cannot fail. The activation (if any) is applied to the tile in registers
 * after its last k block, saving a pass over y. */
static void gemm_f32(const emb__linear *L, float *wide_all, const float *x, int m, float *y, bool acc, int act, int nt,
                     kernel kn) {
    int K = L->k, kp = (K + 1) / 2, np = (L->n + 15) / 16, nb = (np + NR - 1) / NR, mb = (m + MR - 1) / MR;
    int mt = (mb + MC - 1) / MC;
    size_t panel = (size_t)K * 16;
    #pragma omp parallel num_threads(nt)
    {
        float *wide = wide_all ? wide_all + (size_t)omp_get_thread_num() * NR * panel : NULL;   /* column block wide_jb */
        int wide_jb = -1;
        #pragma omp for schedule(dynamic, 1) collapse(2)
        for (int jb = 0; jb < nb; jb++)
            for (int it = 0; it < mt; it++) {
                int nr = np - jb * NR < NR ? np - jb * NR : NR, col = jb * NR * 16;
                if (wide && wide_jb != jb) { kn.widen(L->wp, kp, jb * NR, nr, 0, K, wide); wide_jb = jb; }
                const float *w = wide ? wide : L->wpf + (size_t)jb * NR * panel;
                for (int k0 = 0; k0 < K; k0 += KC) {
                    int kc = K - k0 < KC ? K - k0 : KC;
                    for (int ib = it * MC; ib < mb && ib < (it + 1) * MC; ib++) {
                        int mr = m - ib * MR < MR ? m - ib * MR : MR;
                        kn.tile(mr, nr, x + (size_t)ib * MR * K + k0, (size_t)K, w + (size_t)k0 * 16, panel, kc,
                                y + (size_t)ib * MR * L->n + col, (size_t)L->n,
                                k0 == 0 && L->b ? L->b + col : NULL, acc || k0 > 0, L->n - col, k0 + kc == K ? act : 0);
                    }
                }
            }
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

/* One row; the OpenMP loops stay outside the target functions, whose outlined
 * bodies would not inherit the target attribute under clang. */
BF16_TARGET static void row_to_bf16_avx512(const float *r, int k, uint16_t *o) {
    int j = 0;
    for (; j + 16 <= k; j += 16) {
        __m256bh h = _mm512_cvtneps_pbh(_mm512_loadu_ps(r + j));
        _mm256_storeu_si256((__m256i *)(o + j), (__m256i)h);
    }
    for (; j < k; j++) o[j] = emb__f32_to_bf16(r[j]);
}

static void to_bf16_avx512(const float *x, int m, int k, uint16_t *xbf, int nt) {
    int k2 = (k + 1) & ~1;
    #pragma omp parallel for num_threads(nt) schedule(static)
    for (int i = 0; i < m; i++) {
        row_to_bf16_avx512(x + (size_t)i * k, k, xbf + (size_t)i * k2);
        if (k2 > k) xbf[(size_t)i * k2 + k] = 0;
    }
}

/* C tile (mr rows, nr panels) = A (mr rows of kp pairs) x panels. */
BF16_TARGET static inline __attribute__((always_inline)) void
tile(const int mr, const int nr, const uint16_t *a, size_t lda, const uint16_t *w, size_t panel, int kp,
     float *c, size_t ldc, const float *bias, bool acc, int ncols, int act) {
    __m512 s[MR][NR];
#pragma GCC unroll 8
    for (int i = 0; i < mr; i++)
#pragma GCC unroll 8
        for (int j = 0; j < nr; j++) s[i][j] = _mm512_setzero_ps();
    for (int p = 0; p < kp; p++) {
        __m512i b[NR];
#pragma GCC unroll 8
        for (int j = 0; j < nr; j++) b[j] = _mm512_loadu_si512(w + (size_t)j * panel + (size_t)p * 32);
#pragma GCC unroll 8
        for (int i = 0; i < mr; i++) {
            int32_t pair;
            memcpy(&pair, a + (size_t)i * lda + 2 * (size_t)p, 4);
            __m512i av = _mm512_set1_epi32(pair);
#pragma GCC unroll 8
            for (int j = 0; j < nr; j++) s[i][j] = _mm512_dpbf16_ps(s[i][j], (__m512bh)av, (__m512bh)b[j]);
        }
    }
#pragma GCC unroll 8
    for (int j = 0; j < nr; j++) {
        __mmask16 mk = cols_mask(ncols - 16 * j);
        __m512 bv = bias ? _mm512_maskz_loadu_ps(mk, bias + 16 * j) : _mm512_setzero_ps();
#pragma GCC unroll 8
        for (int i = 0; i < mr; i++) store16(c + (size_t)i * ldc + 16 * j, mk, s[i][j], bv, acc, act);
    }
}

BF16_TARGET static void tile_any(int mr, int nr, const uint16_t *a, size_t lda, const uint16_t *w, size_t panel, int kp,
                                 float *c, size_t ldc, const float *bias, bool acc, int ncols, int act) {
    switch (mr * 8 + nr) {
#define T_(R, N) case R * 8 + N: tile(R, N, a, lda, w, panel, kp, c, ldc, bias, acc, ncols, act); break;
#define TR(R) T_(R, 1) T_(R, 2) T_(R, 3) T_(R, 4)
    TR(1) TR(2) TR(3) TR(4) TR(5) TR(6)
#undef TR
#undef T_
    default: break;
    }
}

static void gemm_bf16_avx512(const emb__linear *L, const uint16_t *xbf, int m, float *y, bool acc, int act, int nt) {
    int kp = (L->k + 1) / 2, np = (L->n + 15) / 16;
    int nb = (np + NR - 1) / NR, mb = (m + MR - 1) / MR, mt = (mb + MC - 1) / MC;
    size_t panel = (size_t)kp * 32;
    #pragma omp parallel for num_threads(nt) schedule(dynamic, 1) collapse(2)
    for (int jb = 0; jb < nb; jb++)
        for (int it = 0; it < mt; it++) {
            int nr = np - jb * NR < NR ? np - jb * NR : NR, col = jb * NR * 16;
            for (int p0 = 0; p0 < kp; p0 += KC) {   /* KC pairs: 64 columns x 512 k x 2 bytes = 64 KiB */
                int pc = kp - p0 < KC ? kp - p0 : KC;
                for (int ib = it * MC; ib < mb && ib < (it + 1) * MC; ib++) {
                    int mr = m - ib * MR < MR ? m - ib * MR : MR;
                    tile_any(mr, nr, xbf + (size_t)ib * MR * 2 * kp + 2 * (size_t)p0, 2 * (size_t)kp,
                             L->wp + (size_t)jb * NR * panel + (size_t)p0 * 32, panel, pc,
                             y + (size_t)ib * MR * L->n + col, (size_t)L->n, p0 == 0 && L->b ? L->b + col : NULL,
                             acc || p0 > 0, L->n - col, p0 + pc == kp ? act : 0);
                }
            }
        }
}

/* AMX (Intel's Advanced Matrix Extensions, Sapphire Rapids and later):
 * TDPBF16PS multiplies a 16 x 32 bf16 tile of x by a 16-pair x 16-column
 * tile of W into a 16 x 16 float32 tile, 8192 products an instruction. W's
 * bf16 pack is already AMX's B layout: a 16-column panel's pair-rows are 64
 * bytes (W[c][2q], W[c][2q + 1] for c = 0..15) and consecutive, so a B tile
 * is 16 pair-rows of one panel, stride 64. x is rounded to bf16 into
 * scratch with its rows padded to a multiple of 32 (zeros). Register block:
 * 32 rows x 32 columns, C in tiles 0-3, x in 4-5, W in 6-7, over KCP pairs
 * of k; between k blocks C waits in the thread's float32 buffer (the task's
 * rows x 64 columns), so each element's sum is the same chain of tile
 * products in k order whatever the task, the thread count or m: results
 * are bit-identical across them. Bias, y (accumulate) and the activation
 * are added after the last k block, in AVX-512, as the float32 tile does.
 * Only for k a multiple of 32 (a tile's depth); other k take the
 * avx512bf16 level's path. The tiles are configured at the start of each
 * parallel region (a thread's tile state is its own) and released after. */
#define AMX_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,amx-tile,amx-bf16")))

typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} amx_config;

/* Palette 1, tiles 0-7 of 16 rows x 64 bytes. A constant in memory: GCC 12
 * does not see that ldtilecfg reads all 64 bytes of a local and drops the
 * stores to it (a config of palette 1 and no tiles: #GP). */
static const amx_config amx_cfg = {
    .palette = 1,
    .colsb = {64, 64, 64, 64, 64, 64, 64, 64},
    .rows = {16, 16, 16, 16, 16, 16, 16, 16},
};

AMX_TARGET static void amx_tiles_on(void) { _tile_loadconfig(&amx_cfg); }

AMX_TARGET static void amx_tiles_off(void) { _tile_release(); }

/* C (32 rows x 16 * (1 + two) columns of the buffer cb, stride 64 floats)
 * (+)= x rows a (stride lda elements) x panels w0 (, w1), `steps` x 16 pairs. */
AMX_TARGET static inline __attribute__((always_inline)) void
amx_block(const uint16_t *a, size_t lda, const uint16_t *w0, const uint16_t *w1, int steps, float *cb, bool load,
          const bool two) {
    const size_t ldc = 64 * sizeof(float), la = lda * sizeof(uint16_t);
    if (load) {
        _tile_loadd(0, cb, ldc);
        _tile_loadd(2, cb + 16 * 64, ldc);
        if (two) { _tile_loadd(1, cb + 16, ldc); _tile_loadd(3, cb + 16 * 64 + 16, ldc); }
    } else {
        _tile_zero(0); _tile_zero(2);
        if (two) { _tile_zero(1); _tile_zero(3); }
    }
    for (int s = 0; s < steps; s++) {
        _tile_loadd(4, a + (size_t)s * 32, la);
        _tile_loadd(5, a + 16 * lda + (size_t)s * 32, la);
        _tile_loadd(6, w0 + (size_t)s * 16 * 32, 64);
        _tile_dpbf16ps(0, 4, 6);
        _tile_dpbf16ps(2, 5, 6);
        if (two) {
            _tile_loadd(7, w1 + (size_t)s * 16 * 32, 64);
            _tile_dpbf16ps(1, 4, 7);
            _tile_dpbf16ps(3, 5, 7);
        }
    }
    _tile_stored(0, cb, ldc);
    _tile_stored(2, cb + 16 * 64, ldc);
    if (two) { _tile_stored(1, cb + 16, ldc); _tile_stored(3, cb + 16 * 64 + 16, ldc); }
}

/* y rows [r0, r0 + rows) x the block's columns [col, col + ncols) from the
 * buffer: + bias, (+ y), activation. */
AMX_TARGET static void amx_store(const float *cb, int rows, float *y, size_t ldy, const float *bias, bool acc, int ncols,
                                 int act) {
    int np = (ncols + 15) / 16 < NR ? (ncols + 15) / 16 : NR;
    for (int j = 0; j < np; j++) {
        __mmask16 mk = cols_mask(ncols - 16 * j);
        __m512 bv = bias ? _mm512_maskz_loadu_ps(mk, bias + 16 * j) : _mm512_setzero_ps();
        for (int i = 0; i < rows; i++)
            store16(y + (size_t)i * ldy + 16 * j, mk, _mm512_loadu_ps(cb + (size_t)i * 64 + 16 * j), bv, acc, act);
    }
}

/* One task: rows [32 rb0, 32 rb1) x column block jb (nr panels). */
AMX_TARGET static void amx_task(const emb__linear *L, const uint16_t *xbf, int m, int rb0, int rb1, int jb, int nr,
                                float *cbuf, float *y, bool acc, int act) {
    int K = L->k, kp = K / 2, col = jb * NR * 16;
    size_t panel = (size_t)kp * 32;
    const uint16_t *wb = L->wp + (size_t)jb * NR * panel;
    for (int q0 = 0; q0 < kp; q0 += AMX_KCP) {
        int steps = (kp - q0 < AMX_KCP ? kp - q0 : AMX_KCP) / 16;
        for (int rb = rb0; rb < rb1; rb++) {
            const uint16_t *a = xbf + (size_t)rb * 32 * K + 2 * (size_t)q0;
            float *cb = cbuf + (size_t)(rb - rb0) * 32 * 64;
            for (int j = 0; j + 1 < nr; j += 2)
                amx_block(a, (size_t)K, wb + j * panel + (size_t)q0 * 32, wb + (j + 1) * panel + (size_t)q0 * 32, steps,
                          cb + 16 * j, q0 > 0, true);
            if (nr & 1)
                amx_block(a, (size_t)K, wb + (nr - 1) * panel + (size_t)q0 * 32, NULL, steps, cb + 16 * (nr - 1), q0 > 0,
                          false);
        }
    }
    for (int rb = rb0; rb < rb1; rb++) {
        int rows = m - rb * 32 < 32 ? m - rb * 32 : 32;
        if (rows > 0)
            amx_store(cbuf + (size_t)(rb - rb0) * 32 * 64, rows, y + (size_t)rb * 32 * L->n + col, (size_t)L->n,
                      L->b ? L->b + col : NULL, acc, L->n - col, act);
    }
}

static void gemm_bf16_amx(const emb__linear *L, const float *x, int m, float *y, bool acc, int act, void *scratch,
                          int nt) {
    int K = L->k, np = (L->n + 15) / 16, nb = (np + NR - 1) / NR, m32 = (m + 31) / 32, mt = (m32 + AMX_MT - 1) / AMX_MT;
    uint16_t *xbf = (uint16_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    float *cbuf_all = (float *)(((uintptr_t)(xbf + (size_t)m32 * 32 * K) + 63) & ~(uintptr_t)63);
    to_bf16_avx512(x, m, K, xbf, nt);
    memset(xbf + (size_t)m * K, 0, sizeof(uint16_t) * (size_t)(m32 * 32 - m) * K);
    #pragma omp parallel num_threads(nt)
    {
        float *cbuf = cbuf_all + (size_t)omp_get_thread_num() * AMX_MT * 32 * 64;
        amx_tiles_on();
        #pragma omp for schedule(dynamic, 1) collapse(2)
        for (int jb = 0; jb < nb; jb++)
            for (int it = 0; it < mt; it++) {
                int nr = np - jb * NR < NR ? np - jb * NR : NR;
                int rb1 = (it + 1) * AMX_MT < m32 ? (it + 1) * AMX_MT : m32;
                amx_task(L, xbf, m, it * AMX_MT, rb1, jb, nr, cbuf, y, acc, act);
            }
        amx_tiles_off();
    }
}
#endif

/* The scalar activation over y (m, n) after the reference GEMM. */
static void act_rows(float *y, int m, int n, int act, int nt) {
    if (!act) return;
    #pragma omp parallel for num_threads(nt) schedule(static)
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) y[(size_t)i * n + j] = emb__act1(y[(size_t)i * n + j], act);
}

void emb__linear_f32_at(const emb__linear *L, const float *x, int m, float *y, bool accumulate, int act, int nt,
                        emb_cpu_level level) {
    gemm_f32(L, NULL, x, m, y, accumulate, act, nt, kernel_for(usable(level)));
}

void emb__linear_bf16_at(const emb__linear *L, const float *x, int m, float *y, bool accumulate, int act,
                         void *scratch, int nt, emb_cpu_level level) {
#if defined(__x86_64__) && defined(__GNUC__)
    if (emb__clip_bf16_amx(level, L->k)) {
        gemm_bf16_amx(L, x, m, y, accumulate, act, scratch, nt);
        return;
    }
    if (emb__clip_bf16_dot(level)) {
        emb__linear_bf16_dot(L, x, m, y, accumulate, act, scratch, nt);
        return;
    }
#endif
    level = usable(level);
    kernel kn = kernel_for(level);
    float *xr = scratch;   /* (m, k): x rounded to bf16, as float32; then the threads' widened W */
    float *wide = (float *)(((uintptr_t)(xr + (size_t)m * L->k) + 63) & ~(uintptr_t)63);
    #pragma omp parallel for num_threads(nt) schedule(static)
    for (int i = 0; i < m; i++) kn.round(x + (size_t)i * L->k, L->k, xr + (size_t)i * L->k);
    gemm_f32(L, wide, xr, m, y, accumulate, act, nt, kn);
}

void emb__linear_bf16_dot(const emb__linear *L, const float *x, int m, float *y, bool accumulate, int act,
                          void *scratch, int nt) {
#if defined(__x86_64__) && defined(__GNUC__)
    if (emb_cpu_level_detected() >= EMB_CPU_AVX512_BF16) {
        to_bf16_avx512(x, m, L->k, scratch, nt);
        gemm_bf16_avx512(L, scratch, m, y, accumulate, act, nt);
        return;
    }
#endif
    emb__linear_bf16_ref(L, x, m, y, accumulate, act, scratch, nt);
}

void emb__linear_bf16_ref(const emb__linear *L, const float *x, int m, float *y, bool accumulate, int act,
                          void *scratch, int nt) {
    to_bf16_scalar(x, m, L->k, scratch, nt);
    gemm_bf16_scalar(L, scratch, m, y, accumulate, nt);
    act_rows(y, m, L->n, act, nt);
}

void emb__linear_f32_act(const emb__linear *L, const float *x, int m, float *y, bool accumulate, int act, int nt) {
    emb__linear_f32_at(L, x, m, y, accumulate, act, nt, emb_cpu_level_active());
}

void emb__linear_f32(const emb__linear *L, const float *x, int m, float *y, bool accumulate, int nt) {
    emb__linear_f32_at(L, x, m, y, accumulate, EMB__ACT_NONE, nt, emb_cpu_level_active());
}

void emb__linear_bf16_act(const emb__linear *L, const float *x, int m, float *y, bool accumulate, int act,
                          void *scratch, int nt) {
    emb__linear_bf16_at(L, x, m, y, accumulate, act, scratch, nt, emb_cpu_level_active());
}

void emb__linear_bf16(const emb__linear *L, const float *x, int m, float *y, bool accumulate, void *scratch, int nt) {
    emb__linear_bf16_at(L, x, m, y, accumulate, EMB__ACT_NONE, scratch, nt, emb_cpu_level_active());
}

/* F32 with blas: the linked BLAS's SGEMM on the row-major W, for comparison
 * only (its thread count is the program's to set, not the library's). */
double emb_clip_gemm_gflops(emb_clip_precision prec, bool blas, int m, int n, int k, int n_threads, double seconds) {
    emb__linear L = {.n = n, .k = k, .w = malloc(sizeof(float) * (size_t)n * k)};
    float *x = malloc(sizeof(float) * (size_t)m * k), *y = malloc(sizeof(float) * (size_t)m * n);
    int nt = emb_threads_resolve(n_threads);
    void *scratch = malloc(sizeof(float) * emb__linear_scratch_floats(m, k, nt));
    double best = 0;
    blas = blas && prec == EMB_CLIP_F32;
    if (!L.w || !x || !y || !scratch) goto done;
    for (size_t i = 0; i < (size_t)n * k; i++) L.w[i] = (float)(i % 13) * 0.01f;
    if (prec == EMB_CLIP_BF16 && !emb__linear_pack_bf16(&L)) goto done;
    if (prec == EMB_CLIP_F32 && !blas && !emb__linear_pack_f32(&L)) goto done;
    for (size_t i = 0; i < (size_t)m * k; i++) x[i] = (float)(i % 7) * 0.1f;
    double t_end = emb_now() + seconds;
    do {
        double t0 = emb_now();
        if (blas) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, x, k, L.w, k, 0.0f, y, n);
        else if (prec == EMB_CLIP_BF16) emb__linear_bf16(&L, x, m, y, false, scratch, nt);
        else emb__linear_f32(&L, x, m, y, false, nt);
        double dt = emb_now() - t0, g = 2.0 * m * n * k / dt * 1e-9;
        if (g > best) best = g;
    } while (emb_now() < t_end);
done:
    free(L.w); free(L.wp); free(L.wpf); free(x); free(y); free(scratch);
    return best;
}

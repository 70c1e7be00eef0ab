/* clip_internal.h - the CLIP model struct shared by clip_load.c, clip.c and
 * clip_gemm.c (private to src/features). */
#ifndef EMB_CLIP_INTERNAL_H
#define EMB_CLIP_INTERNAL_H

#include "core/internal.h"

#include <math.h>

/* A linear layer y = x W^T + b. w (n, k) float32 row-major (PyTorch's
 * nn.Linear layout); b (n) or NULL. For BF16 the weights are also packed
 * into 16-column panels of k-pairs: wp[(panel * kp + p) * 32 + 2 * col + j]
 * = W[panel * 16 + col][2 * p + j] as bfloat16, kp = ceil(k / 2), zero padded. */
typedef struct {
    int n, k;
    float *w;
    float *b;
    uint16_t *wp;
    float *wpf;    /* F32 on AVX-512 CPUs: the same panels as float32, wpf[(panel * k + kk) * 16 + col] */
} emb__linear;

/* W[j][kk] from whichever copy is kept (w, else wpf). */
static inline float emb__linear_w(const emb__linear *L, int j, int kk) {
    return L->w ? L->w[(size_t)j * L->k + kk] : L->wpf[((size_t)(j / 16) * L->k + kk) * 16 + j % 16];
}

typedef struct {
    float *ln1_w, *ln1_b, *ln2_w, *ln2_b;   /* (width) */
    emb__linear qkv;                        /* (3 width, width): q, k, v stacked */
    emb__linear out;                        /* (width, width) */
    emb__linear fc1;                        /* (mlp, width) */
    emb__linear fc2;                        /* (width, mlp) */
} emb__clip_layer;

struct emb_clip {
    emb_clip_info info;
    int mlp;                 /* MLP hidden size */
    int grid, tokens;        /* grid = image_size / patch; tokens = grid^2 + 1 */
    int n_threads;
    emb__linear patch;       /* (width, 3 * patch * patch): conv1 as a GEMM, no bias */
    float *cls;              /* (width) */
    float *pos;              /* (tokens, width) */
    float *ln_pre_w, *ln_pre_b, *ln_post_w, *ln_post_b;
    emb__linear proj;        /* (dim, width), no bias */
    emb__clip_layer *layer;  /* (layers) */
    void **allocs;           /* everything malloc'd, freed by emb_clip_free */
    int n_allocs, cap_allocs;
};

/* y (m, n) = x (m, k) W^T (+ b) (+ y if accumulate). F32 uses the AVX-512
 * kernel on wpf when packed, else the BLAS's SGEMM on w. BF16 uses W's packed
 * panels (AVX512-BF16 when the CPU has it, a scalar emulation otherwise). */
void emb__linear_f32(const emb__linear *L, const float *x, int m, float *y, bool accumulate, int n_threads);
void emb__linear_bf16(const emb__linear *L, const float *x, int m, float *y, bool accumulate,
                      uint16_t *xbf /* (m, 2 kp) scratch */, int n_threads);
/* Activations fused into a linear layer. */
enum { EMB__ACT_NONE = 0, EMB__ACT_QUICK_GELU, EMB__ACT_GELU };
/* The same followed by an activation (EMB__ACT_*), fused into the AVX-512
 * kernels' store (emb__act512), else emb__act1 over y afterwards. */
void emb__linear_f32_act(const emb__linear *L, const float *x, int m, float *y, bool accumulate, int act, int n_threads);
void emb__linear_bf16_act(const emb__linear *L, const float *x, int m, float *y, bool accumulate, int act,
                          uint16_t *xbf, int n_threads);
/* Scalar activation: QuickGELU x sigmoid(1.702 x) (openai/CLIP model.py) or
 * GELU (libm expf / erff); identity for EMB__ACT_NONE. */
static inline float emb__act1(float v, int act) {
    if (act == EMB__ACT_QUICK_GELU) return v / (1.0f + expf(-1.702f * v));
    if (act == EMB__ACT_GELU) return 0.5f * v * (1.0f + erff(v * (float)M_SQRT1_2));
    return v;
}
/* Pack L->w into L->wp (allocated, owned by L); false when out of memory. */
bool emb__linear_pack_bf16(emb__linear *L);
bool emb__linear_pack_f32(emb__linear *L);
bool emb__have_avx512f(void);
uint16_t emb__f32_to_bf16(float f);
bool emb__have_avx512bf16(void);
extern int emb__clip_force_scalar;   /* tests: 1 = scalar bf16 GEMM even on AVX512-BF16 CPUs */

#endif

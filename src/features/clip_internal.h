/* clip_internal.h - the CLIP model struct shared by clip_load.c, clip.c and
 * clip_gemm.c (private to src/features). */
#ifndef EMB_CLIP_INTERNAL_H
#define EMB_CLIP_INTERNAL_H

#include "core/internal.h"

#include <math.h>

/* A linear layer y = x W^T + b. w (n, k) float32 row-major (PyTorch's
 * nn.Linear layout) until packed, then NULL; b (n) or NULL. Packed once at
 * load, for every level alike (clip_gemm.c), into 16-column panels, zero
 * padded past n: F32 wpf[(panel * k + kk) * 16 + col] = W[panel * 16 + col][kk];
 * BF16 panels of k-pairs wp[(panel * kp + p) * 32 + 2 * col + j]
 * = W[panel * 16 + col][2 * p + j] as bfloat16, kp = ceil(k / 2), zero padded. */
typedef struct {
    int n, k;
    float *w;
    float *b;
    uint16_t *wp;
    float *wpf;
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

/* Everything a model malloc'd, freed together (clip_load.c). track hands p
 * over (false, and p freed, when out of memory); release frees p now. */
typedef struct { void **p; int n, cap; } emb__allocs;
bool emb__allocs_track(emb__allocs *al, void *p);
void emb__allocs_release(emb__allocs *al, void *p);
void *emb__allocs_floats(emb__allocs *al, size_t n_floats);   /* tracked malloc of n floats, NULL on OOM */
void emb__allocs_free(emb__allocs *al);

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
    emb__allocs al;          /* everything malloc'd, freed by emb_clip_free */
};

/* Reading a tower from safetensors (clip_load.c, clip_text.c). */
typedef struct {
    const emb_safetensors *st;
    const char *path;
    emb__allocs *al;       /* where the tensors read go */
    emb_status err;        /* first failure; later calls do nothing */
} emb__clip_loader;
/* Tensor `name` with exactly this shape as float32 (tracked in ld->al);
 * NULL with ld->err set when missing, mis-shaped or of another dtype. */
float *emb__clip_get(emb__clip_loader *ld, const char *name, int ndim, const int64_t *shape);
/* Layer l: pre + ".<l>." + Hugging Face CLIPEncoderLayer names (hf) or
 * OpenAI ResidualAttentionBlock names; width D, MLP F. Returns ld->err. */
emb_status emb__clip_load_layer(emb__clip_loader *ld, bool hf, const char *pre, int l, int D, int F, emb__clip_layer *y);
/* Pack L for its kernel (bf16 or float32 panels, tracked in al), drop L->w; false on OOM. */
bool emb__clip_pack(emb__allocs *al, emb__linear *L, bool bf16);
/* heads and activation of a tower from config.json (HF: <hf_section>.
 * {num_attention_heads, hidden_act}) or open_clip_config.json (model_cfg.
 * <oc_section>.{head_width or heads}, model_cfg.quick_gelu) beside path;
 * defaults width / 64 heads and QuickGELU. */
void emb__clip_read_config(const char *path, const char *hf_section, const char *oc_section, int width, bool hf, int *heads,
                           bool *quick_gelu);

/* Activations fused into a linear layer. */
enum { EMB__ACT_NONE = 0, EMB__ACT_QUICK_GELU, EMB__ACT_GELU };

/* y (m, n) = act(x (m, k) W^T (+ b) (+ y if accumulate)), act EMB__ACT_*.
 * The _at forms run the kernel of `level` (lowered to what the CPU has); the
 * others ask emb_cpu_level_active(). F32 reads wpf (emb__linear_pack_f32),
 * BF16 wp (emb__linear_pack_bf16). At one level the result is bit-identical
 * for any m, n_threads and scheduling (clip_gemm.c). scratch (bf16): at
 * least emb__linear_scratch_floats(m, k, n_threads) floats, the kernels'
 * rounded copy of x and each thread's widened block of W. */
void emb__linear_f32_at(const emb__linear *L, const float *x, int m, float *y, bool accumulate, int act, int n_threads,
                        emb_cpu_level level);
void emb__linear_bf16_at(const emb__linear *L, const float *x, int m, float *y, bool accumulate, int act,
                         void *scratch, int n_threads, emb_cpu_level level);
void emb__linear_f32(const emb__linear *L, const float *x, int m, float *y, bool accumulate, int n_threads);
void emb__linear_f32_act(const emb__linear *L, const float *x, int m, float *y, bool accumulate, int act, int n_threads);
void emb__linear_bf16(const emb__linear *L, const float *x, int m, float *y, bool accumulate, void *scratch, int n_threads);
void emb__linear_bf16_act(const emb__linear *L, const float *x, int m, float *y, bool accumulate, int act,
                          void *scratch, int n_threads);
size_t emb__linear_scratch_floats(int m, int k, int n_threads);
/* The bf16 reference: the same rounding of x and W, float32 sums one output
 * at a time (k in pairs: s += x0 w0 + x1 w1), then the scalar activation. */
void emb__linear_bf16_ref(const emb__linear *L, const float *x, int m, float *y, bool accumulate, int act,
                          void *scratch, int n_threads);
/* "avx2 6x16", ...: the GEMM kernel `level` runs, for logs and tests. */
const char *emb__clip_gemm_kernel(emb_cpu_level level, bool bf16);
/* Does the bf16 GEMM at this level use vdpbf16ps (AVX512-BF16, on CPUs where
 * it beats widening to float32: not Intel's, clip_gemm.c), or widen? */
bool emb__clip_bf16_dot(emb_cpu_level level);
/* Does the bf16 GEMM at this level, for this k, run AMX tiles (the amx
 * level, k a multiple of 32)? Those sums are not the widened kernel's. */
bool emb__clip_bf16_amx(emb_cpu_level level, int k);
/* The vdpbf16ps GEMM itself whenever the CPU has AVX512-BF16 (tests run it
 * on every such CPU), else the scalar reference. */
void emb__linear_bf16_dot(const emb__linear *L, const float *x, int m, float *y, bool accumulate, int act,
                          void *scratch, int nt);
/* Scalar activation: QuickGELU x sigmoid(1.702 x) (openai/CLIP model.py) or
 * GELU (libm expf / erff); identity for EMB__ACT_NONE. */
static inline float emb__act1(float v, int act) {
    if (act == EMB__ACT_QUICK_GELU) return v / (1.0f + expf(-1.702f * v));
    if (act == EMB__ACT_GELU) return 0.5f * v * (1.0f + erff(v * (float)M_SQRT1_2));
    return v;
}
/* Pack L->w into L->wpf / L->wp (allocated, owned by L); false when out of memory. */
bool emb__linear_pack_bf16(emb__linear *L);
bool emb__linear_pack_f32(emb__linear *L);
uint16_t emb__f32_to_bf16(float f);

/* LayerNorm of one row x (d) into y (d) (may alias), and softmax attention of
 * head h of one image (qkv (T, 3D) rows, out (T, D) rows, the head's columns
 * [h hd, (h + 1) hd); scratch hd * round16(T) + round16(T) floats), with the
 * kernel of `level`: AVX-512 when hd (d) is a multiple of 16, AVX2 of 8,
 * else plain C, the reference (clip.c). */
void emb__clip_layernorm_at(const float *x, float *y, int d, const float *w, const float *b, emb_cpu_level level);
void emb__clip_attend_at(const float *qkv, float *out, int T, int D, int h, int hd, float *scratch, emb_cpu_level level);
/* The same with a causal mask (query i sees keys 0..i), the text tower's. */
void emb__clip_attend_causal_at(const float *qkv, float *out, int T, int D, int h, int hd, float *scratch, emb_cpu_level level);
/* One forward pass's buffers, for emb__clip_layer_forward: x (rows, D) the
 * residual stream, h (rows, D), qkv (rows, 3D), mlp (rows, F), att
 * (threads, att_stride) attention scratch, xbf the bf16 GEMM scratch. */
typedef struct {
    float *x, *h, *qkv, *mlp, *att, *xbf;
    size_t att_stride;
    int n_threads;
    emb_cpu_level level;
    bool bf16;
} emb__clip_bufs;
/* b's buffers for `rows` rows of width D (MLP width F, H heads, sequences
 * of at most T tokens), with a bf16 GEMM scratch for inner dimensions up to
 * kmax when bf16; level = emb_cpu_level_active(). EMB_E_NOMEM (b freed)
 * when one is missing. */
emb_status emb__clip_bufs_alloc(emb__clip_bufs *b, size_t rows, size_t D, size_t F, int H, size_t T, size_t kmax, int n_threads,
                                bool bf16);
void emb__clip_bufs_free(emb__clip_bufs *b);
/* L = act(x W^T + b) (+ y) with the kernel of b->level, f32 or bf16. */
void emb__clip_linear(const emb__clip_bufs *b, const emb__linear *L, const float *x, int rows, float *y, bool acc, int act);
/* One pre-LN transformer block over n sequences, in place on b->x:
 * x += out(attn(ln_1(x)));  x += fc2(act(fc1(ln_2(x)))). Sequence s has
 * len[s] rows from row off[s] (off NULL: every sequence T rows, packed);
 * attention is per sequence and head, causal when asked (the text tower). */
void emb__clip_layer_forward(const emb__clip_layer *y, const emb__clip_bufs *b, int n, int T, const int *off, const int *len, int D,
                             int H, bool quick_gelu, bool causal);
/* The same block done plainly (the naive passes): one sequence of T rows,
 * x (T, D) in place; h, qkv, mlp, row (T) scratch. */
void emb__clip_layer_naive(const emb__clip_layer *y, float *x, float *h, float *qkv, float *mlp, float *row, int T, int D, int H, int F,
                           bool quick_gelu, bool causal);
/* y (rows, n) = x W^T + b (+ y) with double sums, one output at a time: the naive forward passes' GEMM. */
void emb__clip_linear_naive(const emb__linear *L, const float *x, int rows, float *y, bool acc);

#endif

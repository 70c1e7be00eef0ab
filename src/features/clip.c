/* clip.c - the CLIP ViT vision tower forward pass (Radford et al. 2021,
 * openai/CLIP model.py VisionTransformer; transformers' CLIPVisionTransformer):
 *   x = [cls; conv1(image) patches] + pos;  x = ln_pre(x)
 *   per layer: x += out_proj(attn(ln_1(x)));  x += c_proj(act(c_fc(ln_2(x))))
 *   y = ln_post(x[cls]) @ proj;  y /= |y|
 * Batched: the patch embedding and every linear layer is one GEMM over all
 * tokens of all images of the batch. Every kernel (GEMM, LayerNorm,
 * attention, activations) runs at emb_cpu_level_active(), read once per
 * workspace: AVX-512, AVX2 + FMA or plain C, each deterministic, so a batch
 * gives the same bits for any batch size, thread count and schedule. */
#include "clip_internal.h"
#include "features/features.h"
#include "clip_vmath.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#define CLIP_LN_EPS 1e-5f        /* nn.LayerNorm default, used by CLIP */

struct emb_clip_ws {
    int max_batch;
    float *patches;   /* (B * grid^2, 3 patch^2) im2col */
    emb__clip_bufs b; /* rows B * tokens: residual stream, attention, MLP, bf16 scratch */
    float *cls;       /* (B, width) */
};

void emb_clip_ws_free(emb_clip_ws *ws) {
    if (!ws) return;
    emb__clip_bufs_free(&ws->b);
    free(ws->patches); free(ws->cls);
    free(ws);
}

emb_status emb__clip_bufs_alloc(emb__clip_bufs *b, size_t rows, size_t D, size_t F, int H, size_t T, size_t kmax, int n_threads,
                                bool bf16) {
    memset(b, 0, sizeof *b);
    b->n_threads = n_threads;
    b->level = emb_cpu_level_active();
    b->bf16 = bf16;
    b->x = emb__alloc_big(sizeof(float) * rows * D, false);
    b->h = emb__alloc_big(sizeof(float) * rows * D, false);
    b->qkv = emb__alloc_big(sizeof(float) * rows * 3 * D, false);
    b->mlp = emb__alloc_big(sizeof(float) * rows * F, false);
    size_t Tp = (T + 15) & ~(size_t)15, hd = D / (size_t)H;
    b->att_stride = hd * Tp + Tp;
    b->att = malloc(sizeof(float) * (size_t)n_threads * b->att_stride);
    if (bf16) b->xbf = emb__alloc_big(sizeof(float) * emb__linear_scratch_floats((int)rows, (int)kmax, n_threads), false);
    if (!b->x || !b->h || !b->qkv || !b->mlp || !b->att || (bf16 && !b->xbf)) {
        emb__clip_bufs_free(b);
        return EMB_E_NOMEM;
    }
    return EMB_OK;
}

void emb__clip_bufs_free(emb__clip_bufs *b) {
    free(b->x); free(b->h); free(b->qkv); free(b->mlp); free(b->att); free(b->xbf);
    memset(b, 0, sizeof *b);
}

emb_clip_ws *emb_clip_ws_new(const emb_clip *m, int max_batch) {
    if (max_batch <= 0) max_batch = 1;
    emb_clip_ws *ws = calloc(1, sizeof *ws);
    if (!ws) { emb__fail(EMB_E_NOMEM, "out of memory"); return NULL; }
    size_t B = (size_t)max_batch, T = (size_t)m->tokens, D = (size_t)m->info.width, F = (size_t)m->mlp;
    size_t KP = (size_t)m->patch.k, G2 = (size_t)m->grid * m->grid;
    size_t kmax = KP > F ? KP : F;
    kmax = kmax > D ? kmax : D;
    ws->max_batch = max_batch;
    ws->patches = emb__alloc_big(sizeof(float) * B * G2 * KP, false);
    ws->cls = malloc(sizeof(float) * B * D);
    emb_status st = emb__clip_bufs_alloc(&ws->b, B * T, D, F, m->info.heads, T, kmax, m->n_threads,
                                         m->info.precision == EMB_CLIP_BF16);
    if (st || !ws->patches || !ws->cls) {
        emb_clip_ws_free(ws);
        emb__fail(EMB_E_NOMEM, "out of memory for a CLIP workspace of batch %d", max_batch);
        return NULL;
    }
    return ws;
}

/* ---------------------------------------------------------------- pieces */
static void layernorm(const float *x, float *y, int d, const float *w, const float *b) {
    double s = 0, ss = 0;
    for (int i = 0; i < d; i++) s += x[i];
    float mean = (float)(s / d);
    for (int i = 0; i < d; i++) { double t = x[i] - mean; ss += t * t; }
    float rstd = 1.0f / sqrtf((float)(ss / d) + CLIP_LN_EPS);
    for (int i = 0; i < d; i++) y[i] = (x[i] - mean) * rstd * w[i] + b[i];
}

static inline float act(float v, bool quick) { return emb__act1(v, quick ? EMB__ACT_QUICK_GELU : EMB__ACT_GELU); }

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx512f"))) static float hsum512(__m512 v) { return _mm512_reduce_add_ps(v); }

/* layernorm() with AVX-512, d % 16 == 0: float32 sums in 16 lanes (two
 * passes: mean, then the centred squares), same formula. */
__attribute__((target("avx512f"))) static void layernorm_avx512(const float *x, float *y, int d, const float *w, const float *b) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int i = 0;
    for (; i + 32 <= d; i += 32) {
        s0 = _mm512_add_ps(s0, _mm512_loadu_ps(x + i));
        s1 = _mm512_add_ps(s1, _mm512_loadu_ps(x + i + 16));
    }
    for (; i < d; i += 16) s0 = _mm512_add_ps(s0, _mm512_loadu_ps(x + i));
    float mean = hsum512(_mm512_add_ps(s0, s1)) / (float)d;
    __m512 mv = _mm512_set1_ps(mean), q0 = _mm512_setzero_ps(), q1 = _mm512_setzero_ps();
    for (i = 0; i + 32 <= d; i += 32) {
        __m512 t0 = _mm512_sub_ps(_mm512_loadu_ps(x + i), mv), t1 = _mm512_sub_ps(_mm512_loadu_ps(x + i + 16), mv);
        q0 = _mm512_fmadd_ps(t0, t0, q0);
        q1 = _mm512_fmadd_ps(t1, t1, q1);
    }
    for (; i < d; i += 16) {
        __m512 t0 = _mm512_sub_ps(_mm512_loadu_ps(x + i), mv);
        q0 = _mm512_fmadd_ps(t0, t0, q0);
    }
    __m512 rv = _mm512_set1_ps(1.0f / sqrtf(hsum512(_mm512_add_ps(q0, q1)) / (float)d + CLIP_LN_EPS));
    for (i = 0; i < d; i += 16) {
        __m512 t = _mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(x + i), mv), rv);
        _mm512_storeu_ps(y + i, _mm512_fmadd_ps(t, _mm512_loadu_ps(w + i), _mm512_loadu_ps(b + i)));
    }
}
#endif

#if defined(__x86_64__) && defined(__GNUC__)
/* layernorm() with AVX2, d % 8 == 0: the same two passes in 8 lanes. */
__attribute__((target("avx2,fma"))) static void layernorm_avx2(const float *x, float *y, int d, const float *w, const float *b) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int i = 0;
    for (; i + 16 <= d; i += 16) {
        s0 = _mm256_add_ps(s0, _mm256_loadu_ps(x + i));
        s1 = _mm256_add_ps(s1, _mm256_loadu_ps(x + i + 8));
    }
    for (; i < d; i += 8) s0 = _mm256_add_ps(s0, _mm256_loadu_ps(x + i));
    float mean = emb__hsum256(_mm256_add_ps(s0, s1)) / (float)d;
    __m256 mv = _mm256_set1_ps(mean), q0 = _mm256_setzero_ps(), q1 = _mm256_setzero_ps();
    for (i = 0; i + 16 <= d; i += 16) {
        __m256 t0 = _mm256_sub_ps(_mm256_loadu_ps(x + i), mv), t1 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 8), mv);
        q0 = _mm256_fmadd_ps(t0, t0, q0);
        q1 = _mm256_fmadd_ps(t1, t1, q1);
    }
    for (; i < d; i += 8) {
        __m256 t0 = _mm256_sub_ps(_mm256_loadu_ps(x + i), mv);
        q0 = _mm256_fmadd_ps(t0, t0, q0);
    }
    __m256 rv = _mm256_set1_ps(1.0f / sqrtf(emb__hsum256(_mm256_add_ps(q0, q1)) / (float)d + CLIP_LN_EPS));
    for (i = 0; i < d; i += 8) {
        __m256 t = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv), rv);
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(t, _mm256_loadu_ps(w + i), _mm256_loadu_ps(b + i)));
    }
}
#endif

void emb__clip_layernorm_at(const float *x, float *y, int d, const float *w, const float *b, emb_cpu_level level) {
#if defined(__x86_64__) && defined(__GNUC__)
    level = level < emb_cpu_level_detected() ? level : emb_cpu_level_detected();
    if (level >= EMB_CPU_AVX512 && d % 16 == 0) { layernorm_avx512(x, y, d, w, b); return; }
    if (level >= EMB_CPU_AVX2 && d % 8 == 0) { layernorm_avx2(x, y, d, w, b); return; }
#endif
    (void)level;
    layernorm(x, y, d, w, b);
}

/* Softmax attention of one head of one sequence: qkv (T, 3D) rows, out (T, D)
 * rows, head h's columns [h*hd, (h+1)*hd). row: (T) scratch. causal: query
 * i attends to keys 0..i (the text tower's mask), else to all T. */
static void attend(const float *qkv, float *out, int T, int D, int h, int hd, float *row, bool causal) {
    float scale = 1.0f / sqrtf((float)hd);
    for (int i = 0; i < T; i++) {
        const float *q = qkv + (size_t)i * 3 * D + (size_t)h * hd;
        const int nk = causal ? i + 1 : T;
        float mx = -INFINITY;
        for (int j = 0; j < nk; j++) {
            const float *k = qkv + (size_t)j * 3 * D + D + (size_t)h * hd;
            float s = 0;
            for (int c = 0; c < hd; c++) s += q[c] * k[c];
            row[j] = s * scale;
            if (row[j] > mx) mx = row[j];
        }
        float sum = 0;
        for (int j = 0; j < nk; j++) { row[j] = expf(row[j] - mx); sum += row[j]; }
        float inv = 1.0f / sum;
        float *o = out + (size_t)i * D + (size_t)h * hd;
        for (int c = 0; c < hd; c++) o[c] = 0;
        for (int j = 0; j < nk; j++) {
            const float *v = qkv + (size_t)j * 3 * D + 2 * D + (size_t)h * hd;
            float p = row[j] * inv;
            for (int c = 0; c < hd; c++) o[c] += p * v[c];
        }
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
/* attend() with AVX-512: keys transposed to (hd, Tp) so each query's scores
 * are 16-wide FMAs over keys; the weighted sum of values 16-wide over the
 * head's columns (hd a multiple of 16). scratch: hd * Tp + Tp floats. */
__attribute__((target("avx512f"))) static void attend_avx512(const float *qkv, float *out, int T, int D, int h, int hd, float *scratch,
                                                           bool causal) {
    int Tp = (T + 15) & ~15;
    float *kt = scratch, *row = scratch + (size_t)hd * Tp, scale = 1.0f / sqrtf((float)hd);
    /* keys (T, hd) -> kt (hd, Tp) in 16 x 16 blocks, rows past T zero */
    for (int j0 = 0; j0 < Tp; j0 += 16)
        for (int c0 = 0; c0 < hd; c0 += 16) {
            __m512 r[16];
            for (int j = 0; j < 16; j++)
                r[j] = j0 + j < T ? _mm512_loadu_ps(qkv + (size_t)(j0 + j) * 3 * D + D + (size_t)h * hd + c0) : _mm512_setzero_ps();
            emb__transpose16(r);
            for (int c = 0; c < 16; c++) _mm512_storeu_ps(kt + (size_t)(c0 + c) * Tp + j0, r[c]);
        }
    for (int i = 0; i < T; i++) {
        const float *q = qkv + (size_t)i * 3 * D + (size_t)h * hd;
        const int nk = causal ? i + 1 : T, nv = (nk + 15) / 16;   /* keys seen, in 16-wide blocks */
        const __mmask16 last = (__mmask16)(nk % 16 ? (1u << (nk % 16)) - 1 : 0xffff);
        __m512 mxv = _mm512_set1_ps(-INFINITY);
        for (int v = 0; v < nv; v++) {
            __m512 acc = _mm512_setzero_ps();
            for (int c = 0; c < hd; c++) acc = _mm512_fmadd_ps(_mm512_set1_ps(q[c]), _mm512_loadu_ps(kt + (size_t)c * Tp + 16 * v), acc);
            acc = _mm512_mul_ps(acc, _mm512_set1_ps(scale));
            _mm512_storeu_ps(row + 16 * v, acc);
            mxv = _mm512_mask_max_ps(mxv, v == nv - 1 ? last : (__mmask16)0xffff, mxv, acc);
        }
        /* softmax over the nk scores; lanes past nk become 0 */
        __m512 mx = _mm512_set1_ps(_mm512_reduce_max_ps(mxv)), sv = _mm512_setzero_ps();
        for (int v = 0; v < nv; v++) {
            __m512 e = _mm512_maskz_mov_ps(v == nv - 1 ? last : (__mmask16)0xffff,
                                           emb__exp512(_mm512_sub_ps(_mm512_loadu_ps(row + 16 * v), mx)));
            _mm512_storeu_ps(row + 16 * v, e);
            sv = _mm512_add_ps(sv, e);
        }
        float inv = 1.0f / _mm512_reduce_add_ps(sv);
        float *o = out + (size_t)i * D + (size_t)h * hd;
        for (int c0 = 0; c0 < hd; c0 += 64) {
            int nc = (hd - c0) / 16 < 4 ? (hd - c0) / 16 : 4;
            __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
            for (int j = 0; j < nk; j++) {
                const float *vv = qkv + (size_t)j * 3 * D + 2 * D + (size_t)h * hd + c0;
                __m512 pj = _mm512_set1_ps(row[j] * inv);
                for (int k = 0; k < nc; k++) acc[k] = _mm512_fmadd_ps(pj, _mm512_loadu_ps(vv + 16 * k), acc[k]);
            }
            for (int k = 0; k < nc; k++) _mm512_storeu_ps(o + c0 + 16 * k, acc[k]);
        }
    }
}
#endif

#if defined(__x86_64__) && defined(__GNUC__)
/* attend() with AVX2 (hd a multiple of 8): keys copied to (hd, Tp), Tp = T
 * rounded up to 8, zeros past T; scores 8-wide FMAs over keys (the same
 * chain over c as attend_avx512), the weighted sum 8-wide over columns. */
__attribute__((target("avx2,fma"))) static void attend_avx2(const float *qkv, float *out, int T, int D, int h, int hd, float *scratch,
                                                          bool causal) {
    int Tp = (T + 7) & ~7;
    float *kt = scratch, *row = scratch + (size_t)hd * Tp, scale = 1.0f / sqrtf((float)hd);
    for (int j = 0; j < Tp; j++)
        for (int c = 0; c < hd; c++) kt[(size_t)c * Tp + j] = j < T ? qkv[(size_t)j * 3 * D + D + (size_t)h * hd + c] : 0.0f;
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int i = 0; i < T; i++) {
        const float *q = qkv + (size_t)i * 3 * D + (size_t)h * hd;
        const int nk = causal ? i + 1 : T, nv = (nk + 7) / 8;   /* keys seen, in 8-wide blocks */
        const __m256 last = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(nk - 8 * (nv - 1)), lane));
        for (int v = 0; v < nv; v++) {
            __m256 acc = _mm256_setzero_ps();
            for (int c = 0; c < hd; c++) acc = _mm256_fmadd_ps(_mm256_set1_ps(q[c]), _mm256_loadu_ps(kt + (size_t)c * Tp + 8 * v), acc);
            _mm256_storeu_ps(row + 8 * v, _mm256_mul_ps(acc, _mm256_set1_ps(scale)));
        }
        float mxs = -INFINITY;
        for (int j = 0; j < nk; j++) mxs = row[j] > mxs ? row[j] : mxs;
        /* softmax over the nk scores; lanes past nk become 0 */
        __m256 mx = _mm256_set1_ps(mxs), sv = _mm256_setzero_ps();
        for (int v = 0; v < nv; v++) {
            __m256 e = emb__exp256(_mm256_sub_ps(_mm256_loadu_ps(row + 8 * v), mx));
            if (v == nv - 1) e = _mm256_and_ps(e, last);
            _mm256_storeu_ps(row + 8 * v, e);
            sv = _mm256_add_ps(sv, e);
        }
        float inv = 1.0f / emb__hsum256(sv);
        float *o = out + (size_t)i * D + (size_t)h * hd;
        for (int c0 = 0; c0 < hd; c0 += 32) {
            int nc = (hd - c0) / 8 < 4 ? (hd - c0) / 8 : 4;
            __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
            for (int j = 0; j < nk; j++) {
                const float *vv = qkv + (size_t)j * 3 * D + 2 * D + (size_t)h * hd + c0;
                __m256 pj = _mm256_set1_ps(row[j] * inv);
                for (int k = 0; k < nc; k++) acc[k] = _mm256_fmadd_ps(pj, _mm256_loadu_ps(vv + 8 * k), acc[k]);
            }
            for (int k = 0; k < nc; k++) _mm256_storeu_ps(o + c0 + 8 * k, acc[k]);
        }
    }
}
#endif

static void attend_at(const float *qkv, float *out, int T, int D, int h, int hd, float *scratch, emb_cpu_level level, bool causal) {
#if defined(__x86_64__) && defined(__GNUC__)
    level = level < emb_cpu_level_detected() ? level : emb_cpu_level_detected();
    if (level >= EMB_CPU_AVX512 && hd % 16 == 0) { attend_avx512(qkv, out, T, D, h, hd, scratch, causal); return; }
    if (level >= EMB_CPU_AVX2 && hd % 8 == 0) { attend_avx2(qkv, out, T, D, h, hd, scratch, causal); return; }
#endif
    (void)level;
    attend(qkv, out, T, D, h, hd, scratch, causal);
}
void emb__clip_attend_at(const float *qkv, float *out, int T, int D, int h, int hd, float *scratch, emb_cpu_level level) {
    attend_at(qkv, out, T, D, h, hd, scratch, level, false);
}
void emb__clip_attend_causal_at(const float *qkv, float *out, int T, int D, int h, int hd, float *scratch, emb_cpu_level level) {
    attend_at(qkv, out, T, D, h, hd, scratch, level, true);
}

void emb__clip_linear(const emb__clip_bufs *b, const emb__linear *L, const float *x, int rows, float *y, bool acc, int act) {
    if (b->bf16) emb__linear_bf16_at(L, x, rows, y, acc, act, b->xbf, b->n_threads, b->level);
    else emb__linear_f32_at(L, x, rows, y, acc, act, b->n_threads, b->level);
}

void emb__clip_layer_forward(const emb__clip_layer *y, const emb__clip_bufs *b, int n, int T, const int *off, const int *len, int D,
                             int H, bool quick_gelu, bool causal) {
    const int nt = b->n_threads, hd = D / H;
    int rows = 0;
    for (int s = 0; s < n; s++) rows += len ? len[s] : T;
    #pragma omp parallel for num_threads(nt) schedule(static)
    for (int r = 0; r < rows; r++) emb__clip_layernorm_at(b->x + (size_t)r * D, b->h + (size_t)r * D, D, y->ln1_w, y->ln1_b, b->level);
    emb__clip_linear(b, &y->qkv, b->h, rows, b->qkv, false, 0);
    #pragma omp parallel for num_threads(nt) schedule(dynamic, 1) collapse(2)
    for (int s = 0; s < n; s++)
        for (int h = 0; h < H; h++) {
            size_t o = off ? (size_t)off[s] : (size_t)s * T;
            int t = len ? len[s] : T;
            float *scratch = b->att + (size_t)omp_get_thread_num() * b->att_stride;
            if (causal) emb__clip_attend_causal_at(b->qkv + o * 3 * D, b->h + o * D, t, D, h, hd, scratch, b->level);
            else emb__clip_attend_at(b->qkv + o * 3 * D, b->h + o * D, t, D, h, hd, scratch, b->level);
        }
    emb__clip_linear(b, &y->out, b->h, rows, b->x, true, 0);
    #pragma omp parallel for num_threads(nt) schedule(static)
    for (int r = 0; r < rows; r++) emb__clip_layernorm_at(b->x + (size_t)r * D, b->h + (size_t)r * D, D, y->ln2_w, y->ln2_b, b->level);
    emb__clip_linear(b, &y->fc1, b->h, rows, b->mlp, false, quick_gelu ? EMB__ACT_QUICK_GELU : EMB__ACT_GELU);   /* act fused */
    emb__clip_linear(b, &y->fc2, b->mlp, rows, b->x, true, 0);
}

/* One batch of n <= max_batch images. */
static void forward(const emb_clip *m, emb_clip_ws *ws, const float *pixels, int n, float *out) {
    const int D = m->info.width, T = m->tokens, G = m->grid, P = m->info.patch, S = m->info.image_size;
    const int H = m->info.heads, KP = m->patch.k, rows = n * T, nt = ws->b.n_threads;
    const emb__clip_bufs bufs = ws->b;
    /* patch embedding: im2col rows (image, gy, gx), columns (channel, py, px) as conv1's weight */
    #pragma omp parallel for num_threads(nt) schedule(static)
    for (int r = 0; r < n * G * G; r++) {
        int b = r / (G * G), gy = r / G % G, gx = r % G;
        float *dst = ws->patches + (size_t)r * KP;
        for (int c = 0; c < 3; c++)
            for (int py = 0; py < P; py++)
                memcpy(dst + ((size_t)c * P + py) * P,
                       pixels + (((size_t)b * 3 + c) * S + (size_t)gy * P + py) * S + (size_t)gx * P, sizeof(float) * P);
    }
    emb__clip_linear(&bufs, &m->patch, ws->patches, n * G * G, ws->b.h, false, 0);
    #pragma omp parallel for num_threads(nt) schedule(static)
    for (int r = 0; r < rows; r++) {
        int b = r / T, t = r % T;
        const float *src = t == 0 ? m->cls : ws->b.h + ((size_t)b * G * G + t - 1) * D;
        float *x = ws->b.x + (size_t)r * D;
        for (int i = 0; i < D; i++) x[i] = src[i] + m->pos[(size_t)t * D + i];
        emb__clip_layernorm_at(x, x, D, m->ln_pre_w, m->ln_pre_b, ws->b.level);
    }
    for (int l = 0; l < m->info.layers; l++) emb__clip_layer_forward(&m->layer[l], &bufs, n, T, NULL, NULL, D, H, m->info.quick_gelu, false);
    for (int b = 0; b < n; b++)
        layernorm(ws->b.x + (size_t)b * T * D, ws->cls + (size_t)b * D, D, m->ln_post_w, m->ln_post_b);
    emb__clip_linear(&bufs, &m->proj, ws->cls, n, out, false, 0);
    for (int b = 0; b < n; b++) {
        float *o = out + (size_t)b * m->info.dim;
        double s = 0;
        for (int i = 0; i < m->info.dim; i++) s += (double)o[i] * o[i];
        float inv = s > 0 ? (float)(1.0 / sqrt(s)) : 0.0f;
        for (int i = 0; i < m->info.dim; i++) o[i] *= inv;
    }
}

emb_status emb_clip_embed(const emb_clip *m, emb_clip_ws *ws, const float *pixels, int64_t n, float *out) {
    if (!m || !ws || n < 0) return emb__fail(EMB_E_INVALID, "emb_clip_embed: bad arguments");
    size_t img = (size_t)3 * m->info.image_size * m->info.image_size;
    for (int64_t i = 0; i < n; i += ws->max_batch) {
        int b = (int)(n - i < ws->max_batch ? n - i : ws->max_batch);
        forward(m, ws, pixels + (size_t)i * img, b, out + (size_t)i * m->info.dim);
    }
    return EMB_OK;
}

/* ---------------------------------------------------------------- naive */
/* y (rows, n) = x W^T + b with double accumulation, one output at a time. */
void emb__clip_linear_naive(const emb__linear *L, const float *x, int rows, float *y, bool acc) {
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < L->n; j++) {
            double s = L->b ? L->b[j] : 0.0;
            for (int k = 0; k < L->k; k++) s += (double)x[(size_t)i * L->k + k] * emb__linear_w(L, j, k);
            y[(size_t)i * L->n + j] = (float)(acc ? y[(size_t)i * L->n + j] + s : s);
        }
}

void emb__clip_layer_naive(const emb__clip_layer *y, float *x, float *h, float *qkv, float *mlp, float *row, int T, int D, int H, int F,
                           bool quick_gelu, bool causal) {
    for (int t = 0; t < T; t++) layernorm(x + (size_t)t * D, h + (size_t)t * D, D, y->ln1_w, y->ln1_b);
    emb__clip_linear_naive(&y->qkv, h, T, qkv, false);
    for (int hh = 0; hh < H; hh++) attend(qkv, h, T, D, hh, D / H, row, causal);
    emb__clip_linear_naive(&y->out, h, T, x, true);
    for (int t = 0; t < T; t++) layernorm(x + (size_t)t * D, h + (size_t)t * D, D, y->ln2_w, y->ln2_b);
    emb__clip_linear_naive(&y->fc1, h, T, mlp, false);
    for (size_t i = 0; i < (size_t)T * F; i++) mlp[i] = act(mlp[i], quick_gelu);
    emb__clip_linear_naive(&y->fc2, mlp, T, x, true);
}

emb_status emb_clip_embed_naive(const emb_clip *m, const float *pixels, int64_t n, float *out) {
    if (m->info.precision != EMB_CLIP_F32) return emb__fail(EMB_E_UNSUPPORTED, "the naive forward pass needs float32 weights");
    const int D = m->info.width, T = m->tokens, G = m->grid, P = m->info.patch, S = m->info.image_size;
    const int F = m->mlp, H = m->info.heads;
    float *x = malloc(sizeof(float) * (size_t)T * D), *h = malloc(sizeof(float) * (size_t)T * D);
    float *qkv = malloc(sizeof(float) * (size_t)T * 3 * D), *mlp = malloc(sizeof(float) * (size_t)T * F);
    float *row = malloc(sizeof(float) * (size_t)T), *cls = malloc(sizeof(float) * (size_t)D);
    emb_status st = EMB_OK;
    if (!x || !h || !qkv || !mlp || !row || !cls) { st = emb__fail(EMB_E_NOMEM, "out of memory"); goto done; }
    for (int64_t b = 0; b < n; b++) {
        const float *img = pixels + (size_t)b * 3 * S * S;
        /* conv1: stride = kernel = patch, no bias */
        for (int t = 0; t < T; t++)
            for (int o = 0; o < D; o++) {
                double s = 0;
                if (t == 0) s = m->cls[o];
                else {
                    int gy = (t - 1) / G, gx = (t - 1) % G;
                    for (int c = 0; c < 3; c++)
                        for (int py = 0; py < P; py++)
                            for (int px = 0; px < P; px++)
                                s += (double)emb__linear_w(&m->patch, o, (c * P + py) * P + px) *
                                     img[((size_t)c * S + gy * P + py) * S + gx * P + px];
                }
                x[(size_t)t * D + o] = (float)(s + m->pos[(size_t)t * D + o]);
            }
        for (int t = 0; t < T; t++) layernorm(x + (size_t)t * D, x + (size_t)t * D, D, m->ln_pre_w, m->ln_pre_b);
        for (int l = 0; l < m->info.layers; l++) emb__clip_layer_naive(&m->layer[l], x, h, qkv, mlp, row, T, D, H, F, m->info.quick_gelu, false);
        layernorm(x, cls, D, m->ln_post_w, m->ln_post_b);
        float *o = out + (size_t)b * m->info.dim;
        emb__clip_linear_naive(&m->proj, cls, 1, o, false);
        double s = 0;
        for (int i = 0; i < m->info.dim; i++) s += (double)o[i] * o[i];
        for (int i = 0; i < m->info.dim; i++) o[i] = (float)(o[i] / sqrt(s));
    }
done:
    free(x); free(h); free(qkv); free(mlp); free(row); free(cls);
    return st;
}

/* clip_text.c - the CLIP text tower (Radford et al. 2021; openai/CLIP
 * model.py encode_text, transformers' CLIPTextTransformer):
 *   x = token_embedding[ids] + positional_embedding
 *   per layer (causal mask): x += out_proj(attn(ln_1(x)));  x += c_proj(act(c_fc(ln_2(x))))
 *   y = ln_final(x[argmax(ids)]) @ text_projection;  y /= |y|
 * Pooling at the highest id of each row, the end token (model.py's
 * text.argmax(dim=-1); the first one when the padding is also the end
 * token, as Hugging Face's tokenizer pads). With the causal mask no
 * position sees a later one, so only positions 0..end are computed: the
 * pooled row is the same as over all 77, in a fraction of the work.
 * Weights: safetensors in Hugging Face names (text_model.*,
 * text_projection.weight) or OpenAI / OpenCLIP names (token_embedding,
 * positional_embedding, transformer.resblocks.*, ln_final, text_projection);
 * F32, F16, BF16; logit_scale read when present. The kernels (GEMM,
 * LayerNorm, attention) are the image tower's (clip.c, clip_gemm.c) at
 * emb_cpu_level_active(). */
#include "clip_internal.h"
#include "features/features.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#define CLIP_DEFAULT_LOGIT_SCALE 100.0f   /* exp(log(1 / 0.07)) clamped at 100 in training (Radford et al. 2021, sec. 2.5) */

struct emb_clip_text {
    emb_clip_text_info info;
    int n_threads;
    float *tok_emb;           /* (vocab, width) */
    float *pos;               /* (context, width) */
    float *ln_w, *ln_b;       /* (width) final LayerNorm */
    emb__linear proj;         /* (dim, width), no bias */
    emb__clip_layer *layer;   /* (layers) */
    emb__allocs al;
};

struct emb_clip_text_ws {
    int max_batch;
    emb__clip_bufs b;           /* rows B * context: residual stream, attention, MLP, bf16 scratch */
    float *pooled;              /* (B, width) */
    int *len, *off;             /* (B) tokens computed per row (end + 1) and their first row */
};

void emb_clip_text_free(emb_clip_text *m) {
    if (!m) return;
    emb__allocs_free(&m->al);
    free(m);
}

emb_clip_text_info emb_clip_text_info_get(const emb_clip_text *m) { return m->info; }

static const char *pick(bool hf, const char *a, const char *b) { return hf ? a : b; }

static emb_status load_text(emb__clip_loader *ld, emb_clip_text *m, bool hf) {
    const emb_safetensors *st = ld->st;
    const emb_st_tensor *te = emb_safetensors_find(st, pick(hf, "text_model.embeddings.token_embedding.weight", "token_embedding.weight"));
    const emb_st_tensor *pe = emb_safetensors_find(st, pick(hf, "text_model.embeddings.position_embedding.weight", "positional_embedding"));
    if (te->ndim != 2 || te->shape[0] < 2 || te->shape[1] <= 0 || te->shape[0] > 1 << 24 || te->shape[1] > 65536)
        return emb__fail(EMB_E_FORMAT, "%s: tensor '%s' is not (vocab, width)", ld->path, te->name);
    int V = (int)te->shape[0], D = (int)te->shape[1];
    if (!pe || pe->ndim != 2 || pe->shape[1] != D || pe->shape[0] < 2 || pe->shape[0] > 65536)
        return emb__fail(EMB_E_FORMAT, "%s: tensor '%s' is missing or not (context, %d)", ld->path,
                         pick(hf, "text_model.embeddings.position_embedding.weight", "positional_embedding"), D);
    int T = (int)pe->shape[0], L = 0;
    char name[160];
    const char *pre = pick(hf, "text_model.encoder.layers", "transformer.resblocks");
    for (;; L++) {
        snprintf(name, sizeof name, "%s.%d.%s", pre, L, pick(hf, "layer_norm1.weight", "ln_1.weight"));
        if (!emb_safetensors_find(st, name)) break;
    }
    if (L == 0) return emb__fail(EMB_E_FORMAT, "%s: no text transformer layers ('%s' is missing)", ld->path, name);
    snprintf(name, sizeof name, "%s.0.%s", pre, pick(hf, "mlp.fc1.weight", "mlp.c_fc.weight"));
    const emb_st_tensor *fc1 = emb_safetensors_find(st, name);
    const emb_st_tensor *pj = emb_safetensors_find(st, pick(hf, "text_projection.weight", "text_projection"));
    if (!fc1 || fc1->ndim != 2 || fc1->shape[0] <= 0 || fc1->shape[0] > 1 << 20)
        return emb__fail(EMB_E_FORMAT, "%s: tensor '%s' is missing or not 2-D", ld->path, name);
    if (!pj || pj->ndim != 2 || pj->shape[0] <= 0 || pj->shape[1] <= 0 || pj->shape[0] > 1 << 20 || pj->shape[1] > 1 << 20)
        return emb__fail(EMB_E_FORMAT, "%s: projection tensor '%s' is missing or not 2-D", ld->path, pick(hf, "text_projection.weight", "text_projection"));
    int F = (int)fc1->shape[0], E = (int)(hf ? pj->shape[0] : pj->shape[1]);
    int heads;
    bool qg;
    emb__clip_read_config(ld->path, "text_config", "text_cfg", D, hf, &heads, &qg);
    if (heads <= 0 || D % heads) return emb__fail(EMB_E_FORMAT, "%s: text width %d is not divisible by %d heads", ld->path, D, heads);
    m->info = (emb_clip_text_info){.width = D, .layers = L, .heads = heads, .context = T, .vocab = V, .dim = E, .mlp = F,
                                   .quick_gelu = qg, .naming = hf ? "hf" : "openai", .logit_scale = CLIP_DEFAULT_LOGIT_SCALE};
    {   /* per token and layer: qkv, attention (at most T keys), out, MLP; then the projection of one row */
        double t = T, d = D, f = F;
        m->info.gflop = (L * (2 * t * d * 3 * d + 2 * t * t * d + 2 * t * d * d + 4 * t * d * f) + 2 * d * E) * 1e-9;
    }
    m->tok_emb = emb__clip_get(ld, te->name, 2, (int64_t[]){V, D});
    m->pos = emb__clip_get(ld, pe->name, 2, (int64_t[]){T, D});
    m->ln_w = emb__clip_get(ld, pick(hf, "text_model.final_layer_norm.weight", "ln_final.weight"), 1, (int64_t[]){D});
    m->ln_b = emb__clip_get(ld, pick(hf, "text_model.final_layer_norm.bias", "ln_final.bias"), 1, (int64_t[]){D});
    if (hf) m->proj = (emb__linear){.n = E, .k = D, .w = emb__clip_get(ld, "text_projection.weight", 2, (int64_t[]){E, D})};
    else {   /* x @ text_projection: (width, dim) -> (dim, width) */
        float *pt = emb__clip_get(ld, "text_projection", 2, (int64_t[]){D, E});
        float *pw = ld->err ? NULL : emb__allocs_floats(ld->al, (size_t)E * D);
        if (pt && !pw && !ld->err) ld->err = emb__fail(EMB_E_NOMEM, "%s: out of memory", ld->path);
        if (pw) for (int i = 0; i < D; i++) for (int j = 0; j < E; j++) pw[(size_t)j * D + i] = pt[(size_t)i * E + j];
        if (pt) emb__allocs_release(ld->al, pt);
        m->proj = (emb__linear){.n = E, .k = D, .w = pw};
    }
    const emb_st_tensor *ls = emb_safetensors_find(st, "logit_scale");
    if (ls && ls->count == 1 && ls->ndim <= 1 && ls->dtype != EMB_ST_OTHER) {
        float v;
        emb_safetensors_to_f32(ls, &v);
        if (isfinite(v)) { m->info.logit_scale = expf(v); m->info.has_logit_scale = true; }
    }
    if (ld->err) return ld->err;
    m->layer = emb__allocs_floats(ld->al, (sizeof(emb__clip_layer) * (size_t)L + 3) / 4);
    if (!m->layer) return emb__fail(EMB_E_NOMEM, "%s: out of memory", ld->path);
    for (int l = 0; l < L && !ld->err; l++) emb__clip_load_layer(ld, hf, pre, l, D, F, &m->layer[l]);
    return ld->err;
}

emb_status emb_clip_text_load(const char *path, const emb_clip_params *params, emb_clip_text **out) {
    emb_clip_params p = params ? *params : emb_clip_default_params();
    if (!path || !*path || !out) return emb__fail(EMB_E_INVALID, "no CLIP weights file given (--model PATH, a .safetensors file)");
    emb_safetensors st;
    emb_status s = emb_safetensors_open(path, &st);
    if (s) { emb_safetensors_close(&st); return s; }
    emb_clip_text *m = calloc(1, sizeof *m);
    if (!m) { emb_safetensors_close(&st); return emb__fail(EMB_E_NOMEM, "out of memory"); }
    m->n_threads = emb_threads_resolve(p.n_threads);
    bool hf = emb_safetensors_find(&st, "text_model.embeddings.token_embedding.weight") != NULL;
    bool oa = emb_safetensors_find(&st, "token_embedding.weight") != NULL;
    if (!hf && !oa) {
        s = emb__fail(EMB_E_FORMAT, "%s: no CLIP text tower in this file (neither 'text_model.embeddings.token_embedding.weight' "
                      "(Hugging Face) nor 'token_embedding.weight' (OpenAI/OpenCLIP)); an image-only checkpoint cannot embed text", path);
    } else {
        emb__clip_loader ld = {.st = &st, .path = path, .al = &m->al};
        s = load_text(&ld, m, hf);
    }
    emb_safetensors_close(&st);
    bool bf16 = p.precision == EMB_CLIP_BF16;
    if (!s) {
        bool ok = emb__clip_pack(&m->al, &m->proj, bf16);
        for (int l = 0; l < m->info.layers && ok; l++) {
            emb__clip_layer *y = &m->layer[l];
            ok = emb__clip_pack(&m->al, &y->qkv, bf16) && emb__clip_pack(&m->al, &y->out, bf16) &&
                 emb__clip_pack(&m->al, &y->fc1, bf16) && emb__clip_pack(&m->al, &y->fc2, bf16);
        }
        if (!ok) s = emb__fail(EMB_E_NOMEM, "out of memory packing %s weights", bf16 ? "bf16" : "float32");
    }
    if (s) { emb_clip_text_free(m); return s; }
    m->info.precision = p.precision;
    *out = m;
    return EMB_OK;
}

void emb_clip_text_ws_free(emb_clip_text_ws *ws) {
    if (!ws) return;
    emb__clip_bufs_free(&ws->b);
    free(ws->pooled); free(ws->len); free(ws->off);
    free(ws);
}

emb_clip_text_ws *emb_clip_text_ws_new(const emb_clip_text *m, int max_batch) {
    if (max_batch <= 0) max_batch = 1;
    emb_clip_text_ws *ws = calloc(1, sizeof *ws);
    if (!ws) { emb__fail(EMB_E_NOMEM, "out of memory"); return NULL; }
    size_t B = (size_t)max_batch, T = (size_t)m->info.context, D = (size_t)m->info.width, F = (size_t)m->info.mlp;
    size_t kmax = F > D ? F : D;
    ws->max_batch = max_batch;
    ws->pooled = malloc(sizeof(float) * B * D);
    ws->len = malloc(sizeof(int) * B);
    ws->off = malloc(sizeof(int) * B);
    emb_status st = emb__clip_bufs_alloc(&ws->b, B * T, D, F, m->info.heads, T, kmax, m->n_threads,
                                         m->info.precision == EMB_CLIP_BF16);
    if (st || !ws->pooled || !ws->len || !ws->off) {
        emb_clip_text_ws_free(ws);
        emb__fail(EMB_E_NOMEM, "out of memory for a CLIP text workspace of batch %d", max_batch);
        return NULL;
    }
    return ws;
}

/* The pooled position of one row: its first highest id (the end token). */
static int end_pos(const int32_t *ids, int T) {
    int p = 0;
    for (int t = 1; t < T; t++)
        if (ids[t] > ids[p]) p = t;
    return p;
}

static void normalise_rows(float *o, int n, int dim) {
    for (int b = 0; b < n; b++, o += dim) {
        double s = 0;
        for (int i = 0; i < dim; i++) s += (double)o[i] * o[i];
        float inv = s > 0 ? (float)(1.0 / sqrt(s)) : 0.0f;
        for (int i = 0; i < dim; i++) o[i] *= inv;
    }
}

/* One batch of n <= max_batch rows of ids (n, context), valid. */
static void forward(const emb_clip_text *m, emb_clip_text_ws *ws, const int32_t *ids, int n, float *out) {
    const int D = m->info.width, T = m->info.context, H = m->info.heads, nt = ws->b.n_threads;
    int rows = 0;
    for (int b = 0; b < n; b++) {
        ws->off[b] = rows;
        ws->len[b] = end_pos(ids + (size_t)b * T, T) + 1;
        rows += ws->len[b];
    }
    #pragma omp parallel for num_threads(nt) schedule(static)
    for (int b = 0; b < n; b++)
        for (int t = 0; t < ws->len[b]; t++) {
            const float *e = m->tok_emb + (size_t)ids[(size_t)b * T + t] * D, *p = m->pos + (size_t)t * D;
            float *x = ws->b.x + ((size_t)ws->off[b] + t) * D;
            for (int i = 0; i < D; i++) x[i] = e[i] + p[i];
        }
    const emb__clip_bufs bufs = ws->b;
    for (int l = 0; l < m->info.layers; l++)
        emb__clip_layer_forward(&m->layer[l], &bufs, n, T, ws->off, ws->len, D, H, m->info.quick_gelu, true);
    for (int b = 0; b < n; b++)
        emb__clip_layernorm_at(ws->b.x + ((size_t)ws->off[b] + ws->len[b] - 1) * D, ws->pooled + (size_t)b * D, D, m->ln_w, m->ln_b, ws->b.level);
    emb__clip_linear(&bufs, &m->proj, ws->pooled, n, out, false, 0);
    normalise_rows(out, n, m->info.dim);
}

static emb_status check_ids(const emb_clip_text *m, const int32_t *ids, int64_t n) {
    for (int64_t i = 0; i < n * m->info.context; i++)
        if (ids[i] < 0 || ids[i] >= m->info.vocab)
            return emb__fail(EMB_E_INVALID, "text %lld: token id %d at position %lld is outside the model's vocabulary 0..%d",
                             (long long)(i / m->info.context), ids[i], (long long)(i % m->info.context), m->info.vocab - 1);
    return EMB_OK;
}

emb_status emb_clip_text_embed(const emb_clip_text *m, emb_clip_text_ws *ws, const int32_t *ids, int64_t n, float *out) {
    if (!m || !ws || !ids || n < 0 || (n && !out)) return emb__fail(EMB_E_INVALID, "emb_clip_text_embed: bad arguments");
    emb_status st = check_ids(m, ids, n);
    if (st) return st;
    for (int64_t i = 0; i < n; i += ws->max_batch) {
        int b = (int)(n - i < ws->max_batch ? n - i : ws->max_batch);
        forward(m, ws, ids + (size_t)i * m->info.context, b, out + (size_t)i * m->info.dim);
    }
    return EMB_OK;
}

emb_status emb_clip_text_embed_naive(const emb_clip_text *m, const int32_t *ids, int64_t n, float *out) {
    if (m->info.precision != EMB_CLIP_F32) return emb__fail(EMB_E_UNSUPPORTED, "the naive forward pass needs float32 weights");
    emb_status st = check_ids(m, ids, n);
    if (st) return st;
    const int D = m->info.width, T = m->info.context, F = m->info.mlp, H = m->info.heads;
    float *x = malloc(sizeof(float) * (size_t)T * D), *h = malloc(sizeof(float) * (size_t)T * D);
    float *qkv = malloc(sizeof(float) * (size_t)T * 3 * D), *mlp = malloc(sizeof(float) * (size_t)T * F);
    float *row = malloc(sizeof(float) * (size_t)T), *pooled = malloc(sizeof(float) * (size_t)D);
    if (!x || !h || !qkv || !mlp || !row || !pooled) { st = emb__fail(EMB_E_NOMEM, "out of memory"); goto done; }
    for (int64_t b = 0; b < n; b++) {   /* all T positions, as the reference does */
        const int32_t *id = ids + (size_t)b * T;
        for (int t = 0; t < T; t++)
            for (int i = 0; i < D; i++) x[(size_t)t * D + i] = m->tok_emb[(size_t)id[t] * D + i] + m->pos[(size_t)t * D + i];
        for (int l = 0; l < m->info.layers; l++) emb__clip_layer_naive(&m->layer[l], x, h, qkv, mlp, row, T, D, H, F, m->info.quick_gelu, true);
        emb__clip_layernorm_at(x + (size_t)end_pos(id, T) * D, pooled, D, m->ln_w, m->ln_b, EMB_CPU_SCALAR);
        emb__clip_linear_naive(&m->proj, pooled, 1, out + (size_t)b * m->info.dim, false);
        normalise_rows(out + (size_t)b * m->info.dim, 1, m->info.dim);
    }
done:
    free(x); free(h); free(qkv); free(mlp); free(row); free(pooled);
    return st;
}

emb_status emb_clip_text_embed_strings(const emb_clip_text *m, const emb_clip_tokenizer *tok, const char *const *texts, int64_t n,
                                       float *out) {
    if (!m || !tok || (n && (!texts || !out)) || n < 0) return emb__fail(EMB_E_INVALID, "emb_clip_text_embed_strings: bad arguments");
    if (emb_clip_tokenizer_vocab_size(tok) > m->info.vocab)
        return emb__fail(EMB_E_INVALID, "the tokenizer has %d tokens, the text tower's embedding only %d: not the same model",
                         emb_clip_tokenizer_vocab_size(tok), m->info.vocab);
    const int T = m->info.context, B = 64;
    int32_t *ids = malloc(sizeof(int32_t) * (size_t)T * B);
    emb_clip_text_ws *ws = emb_clip_text_ws_new(m, B);
    emb_status st = ids && ws ? EMB_OK : emb__fail(EMB_E_NOMEM, "out of memory");
    for (int64_t i = 0; i < n && !st; i += B) {
        int b = (int)(n - i < B ? n - i : B);
        for (int k = 0; k < b && !st; k++) st = emb_clip_tokenize(tok, texts[i + k], T, ids + (size_t)k * T, NULL, NULL);
        if (!st) st = emb_clip_text_embed(m, ws, ids, b, out + (size_t)i * m->info.dim);
    }
    free(ids);
    emb_clip_text_ws_free(ws);
    return st;
}

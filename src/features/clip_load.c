/* clip_load.c - CLIP vision tower weights from .safetensors, in Hugging Face
 * naming (transformers' CLIPVisionModelWithProjection / CLIPModel) or OpenAI /
 * OpenCLIP naming (openai/CLIP model.py VisionTransformer, open_clip). Sizes
 * come from the tensor shapes; heads and activation from the config beside. */
#include "clip_internal.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLIP_HEAD_WIDTH 64   /* every published CLIP ViT uses 64-wide heads */

emb_clip_params emb_clip_default_params(void) {
    emb_clip_params p;
    memset(&p, 0, sizeof p);
    p.batch = 32;
    p.precision = EMB_CLIP_F32;
    p.overlap = true;
    return p;
}

emb_clip_info emb_clip_info_get(const emb_clip *m) { return m->info; }

void emb__allocs_free(emb__allocs *a) {
    for (int i = 0; i < a->n; i++) free(a->p[i]);
    free(a->p);
    a->p = NULL;
    a->n = a->cap = 0;
}

void emb_clip_free(emb_clip *m) {
    if (!m) return;
    emb__allocs_free(&m->al);
    free(m);
}

bool emb__allocs_track(emb__allocs *al, void *p) {
    if (!p) return false;
    if (al->n == al->cap) {
        int cap = al->cap ? 2 * al->cap : 64;
        void **a = realloc(al->p, sizeof(void *) * (size_t)cap);
        if (!a) { free(p); return false; }
        al->p = a;
        al->cap = cap;
    }
    al->p[al->n++] = p;
    return true;
}

void emb__allocs_release(emb__allocs *al, void *p) {
    for (int i = 0; i < al->n; i++)
        if (al->p[i] == p) { free(p); al->p[i] = al->p[--al->n]; return; }
}

void *emb__allocs_floats(emb__allocs *al, size_t n_floats) {
    void *p = malloc(sizeof(float) * (n_floats ? n_floats : 1));
    return emb__allocs_track(al, p) ? p : NULL;
}

typedef emb__clip_loader loader;

/* Tensor `name` with exactly the given shape (ndim dims), as float32. Sets
 * ld->err and returns NULL when missing or mis-shaped. */
float *emb__clip_get(loader *ld, const char *name, int ndim, const int64_t *shape) {
    if (ld->err) return NULL;
    const emb_st_tensor *t = emb_safetensors_find(ld->st, name);
    char want[96] = "", got[96] = "";
    for (int d = 0; d < ndim; d++)
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s%lld", d ? ", " : "", (long long)shape[d]);
    if (!t) {
        ld->err = emb__fail(EMB_E_FORMAT, "%s: tensor '%s' [%s] is missing", ld->path, name, want);
        return NULL;
    }
    bool ok = t->ndim == ndim;
    for (int d = 0; d < t->ndim; d++) {
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld", d ? ", " : "", (long long)t->shape[d]);
        if (ok && t->shape[d] != shape[d]) ok = false;
    }
    if (!ok) {
        ld->err = emb__fail(EMB_E_FORMAT, "%s: tensor '%s' has shape [%s], expected [%s]", ld->path, name, got, want);
        return NULL;
    }
    if (t->dtype == EMB_ST_OTHER) {
        ld->err = emb__fail(EMB_E_FORMAT, "%s: tensor '%s' has dtype %s (F32, F16 or BF16 expected)", ld->path, name, t->dtype_name);
        return NULL;
    }
    float *v = emb__allocs_floats(ld->al, (size_t)t->count);
    if (!v) { ld->err = emb__fail(EMB_E_NOMEM, "%s: out of memory", ld->path); return NULL; }
    emb_safetensors_to_f32(t, v);
    return v;
}
static float *get(loader *ld, const char *name, int ndim, const int64_t *shape) { return emb__clip_get(ld, name, ndim, shape); }
static float *get1(loader *ld, const char *name, int64_t a) { return get(ld, name, 1, (int64_t[]){a}); }
static float *get2(loader *ld, const char *name, int64_t a, int64_t b) { return get(ld, name, 2, (int64_t[]){a, b}); }

static const emb_st_tensor *find_fmt(const emb_safetensors *st, const char *fmt, int i) {
    char name[256];
    snprintf(name, sizeof name, fmt, i);
    return emb_safetensors_find(st, name);
}

void emb__clip_read_config(const char *path, const char *hf_section, const char *oc_section, int width, bool hf, int *heads,
                           bool *quick_gelu) {
    *heads = width / CLIP_HEAD_WIDTH > 0 ? width / CLIP_HEAD_WIDTH : 1;
    *quick_gelu = true;   /* the OpenAI checkpoints (HF's default hidden_act too) */
    const char *slash = strrchr(path, '/');
    size_t dl = slash ? (size_t)(slash - path + 1) : 0;
    const char *names[2] = {"config.json", "open_clip_config.json"};
    for (int f = 0; f < 2; f++) {
        char cfg[4096];
        if (dl + strlen(names[f]) + 1 > sizeof cfg) return;
        memcpy(cfg, path, dl);
        strcpy(cfg + dl, names[f]);
        unsigned char *txt = NULL;
        size_t len = 0;
        if (emb__read_file(cfg, 1 << 20, &txt, &len)) continue;
        cJSON *root = cJSON_ParseWithLength((const char *)txt, len);
        free(txt);
        if (!root) continue;
        if (f == 0) {
            const cJSON *vc = cJSON_GetObjectItemCaseSensitive(root, hf_section);
            if (!vc) vc = root;
            const cJSON *h = cJSON_GetObjectItemCaseSensitive(vc, "num_attention_heads");
            const cJSON *act = cJSON_GetObjectItemCaseSensitive(vc, "hidden_act");
            if (cJSON_IsNumber(h) && h->valueint > 0) *heads = h->valueint;
            if (cJSON_IsString(act)) *quick_gelu = !strcmp(act->valuestring, "quick_gelu");
        } else {
            const cJSON *mc = cJSON_GetObjectItemCaseSensitive(root, "model_cfg");
            if (!mc) mc = root;
            const cJSON *vc = cJSON_GetObjectItemCaseSensitive(mc, oc_section);
            const cJSON *hw = vc ? cJSON_GetObjectItemCaseSensitive(vc, "head_width") : NULL;
            const cJSON *hn = vc ? cJSON_GetObjectItemCaseSensitive(vc, "heads") : NULL;
            const cJSON *qg = cJSON_GetObjectItemCaseSensitive(mc, "quick_gelu");
            if (cJSON_IsNumber(hw) && hw->valueint > 0) *heads = width / hw->valueint;
            else if (cJSON_IsNumber(hn) && hn->valueint > 0) *heads = hn->valueint;
            /* OpenCLIP's default is nn.GELU unless quick_gelu is set */
            if (!hf) *quick_gelu = cJSON_IsTrue(qg);
        }
        cJSON_Delete(root);
    }
}

static bool ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

#define PICKLE_HINT "PyTorch pickles can run code when loaded and are not read; use the model's " \
    "model.safetensors (Hugging Face) or open_clip_model.safetensors (OpenCLIP), or convert with " \
    "python3 -c \"import torch, safetensors.torch as s; s.save_file(torch.load('IN'), 'OUT.safetensors')\""

/* Layer l of a tower: pre + ".<l>." + the names of Hugging Face's
 * CLIPEncoderLayer (q, k, v fused into one (3D, D) GEMM) or OpenAI's
 * ResidualAttentionBlock; width D, MLP F. Sets and returns ld->err. */
emb_status emb__clip_load_layer(loader *ld, bool hf, const char *pre, int l, int D, int F, emb__clip_layer *y) {
    char n[8][160];
    memset(y, 0, sizeof *y);
    if (hf) {
#define HF(i, s) snprintf(n[i], sizeof n[i], "%s.%d.%s", pre, l, s)
        HF(0, "layer_norm1.weight"); HF(1, "layer_norm1.bias"); HF(2, "layer_norm2.weight"); HF(3, "layer_norm2.bias");
        y->ln1_w = get1(ld, n[0], D); y->ln1_b = get1(ld, n[1], D);
        y->ln2_w = get1(ld, n[2], D); y->ln2_b = get1(ld, n[3], D);
        /* fuse q, k, v into one (3D, D) GEMM */
        y->qkv = (emb__linear){.n = 3 * D, .k = D};
        y->qkv.w = emb__allocs_floats(ld->al, (size_t)3 * D * D);
        y->qkv.b = emb__allocs_floats(ld->al, (size_t)3 * D);
        if (!y->qkv.w || !y->qkv.b) return ld->err = emb__fail(EMB_E_NOMEM, "%s: out of memory", ld->path);
        const char *qkv[3] = {"q_proj", "k_proj", "v_proj"};
        for (int j = 0; j < 3; j++) {
            char wn[160], bn[160];
            snprintf(wn, sizeof wn, "%s.%d.self_attn.%s.weight", pre, l, qkv[j]);
            snprintf(bn, sizeof bn, "%s.%d.self_attn.%s.bias", pre, l, qkv[j]);
            float *w = get2(ld, wn, D, D), *b = get1(ld, bn, D);
            if (ld->err) return ld->err;
            memcpy(y->qkv.w + (size_t)j * D * D, w, sizeof(float) * (size_t)D * D);
            memcpy(y->qkv.b + (size_t)j * D, b, sizeof(float) * (size_t)D);
            emb__allocs_release(ld->al, w);
            emb__allocs_release(ld->al, b);
        }
        HF(0, "self_attn.out_proj.weight"); HF(1, "self_attn.out_proj.bias");
        HF(2, "mlp.fc1.weight"); HF(3, "mlp.fc1.bias"); HF(4, "mlp.fc2.weight"); HF(5, "mlp.fc2.bias");
#undef HF
    } else {
#define OA(i, s) snprintf(n[i], sizeof n[i], "%s.%d.%s", pre, l, s)
        OA(0, "ln_1.weight"); OA(1, "ln_1.bias"); OA(2, "ln_2.weight"); OA(3, "ln_2.bias");
        y->ln1_w = get1(ld, n[0], D); y->ln1_b = get1(ld, n[1], D);
        y->ln2_w = get1(ld, n[2], D); y->ln2_b = get1(ld, n[3], D);
        OA(0, "attn.in_proj_weight"); OA(1, "attn.in_proj_bias");
        y->qkv = (emb__linear){.n = 3 * D, .k = D, .w = get2(ld, n[0], 3 * D, D), .b = get1(ld, n[1], 3 * D)};
        OA(0, "attn.out_proj.weight"); OA(1, "attn.out_proj.bias");
        OA(2, "mlp.c_fc.weight"); OA(3, "mlp.c_fc.bias"); OA(4, "mlp.c_proj.weight"); OA(5, "mlp.c_proj.bias");
#undef OA
    }
    y->out = (emb__linear){.n = D, .k = D, .w = get2(ld, n[0], D, D), .b = get1(ld, n[1], D)};
    y->fc1 = (emb__linear){.n = F, .k = D, .w = get2(ld, n[2], F, D), .b = get1(ld, n[3], F)};
    y->fc2 = (emb__linear){.n = D, .k = F, .w = get2(ld, n[4], D, F), .b = get1(ld, n[5], D)};
    return ld->err;
}

static emb_status load_tensors(loader *ld, emb_clip *m, bool hf) {
    const emb_safetensors *st = ld->st;
    const emb_st_tensor *pe = emb_safetensors_find(st, hf ? "vision_model.embeddings.patch_embedding.weight" : "visual.conv1.weight");
    const emb_st_tensor *pos = emb_safetensors_find(st, hf ? "vision_model.embeddings.position_embedding.weight" : "visual.positional_embedding");
    if (pe->ndim != 4 || pe->shape[1] != 3 || pe->shape[2] != pe->shape[3] || pe->shape[0] <= 0 || pe->shape[2] <= 0 || pe->shape[0] > 65536 || pe->shape[2] > 1024)
        return emb__fail(EMB_E_FORMAT, "%s: tensor '%s' has a shape that is not (width, 3, patch, patch)", ld->path, pe->name);
    int D = (int)pe->shape[0], P = (int)pe->shape[2];
    if (!pos || pos->ndim != 2 || pos->shape[1] != D || pos->shape[0] < 2 || pos->shape[0] > 1000000)
        return emb__fail(EMB_E_FORMAT, "%s: tensor '%s' is missing or not (tokens, %d)", ld->path,
                         hf ? "vision_model.embeddings.position_embedding.weight" : "visual.positional_embedding", D);
    int T = (int)pos->shape[0], G = (int)lround(sqrt((double)(T - 1)));
    if (G * G != T - 1) return emb__fail(EMB_E_FORMAT, "%s: %d positions is not 1 + a square grid", ld->path, T);
    int L = 0;
    while (find_fmt(st, hf ? "vision_model.encoder.layers.%d.layer_norm1.weight" : "visual.transformer.resblocks.%d.ln_1.weight", L)) L++;
    if (L == 0) return emb__fail(EMB_E_FORMAT, "%s: no transformer layers ('%s' is missing)", ld->path,
                                 hf ? "vision_model.encoder.layers.0.layer_norm1.weight" : "visual.transformer.resblocks.0.ln_1.weight");
    const emb_st_tensor *fc1 = find_fmt(st, hf ? "vision_model.encoder.layers.%d.mlp.fc1.weight" : "visual.transformer.resblocks.%d.mlp.c_fc.weight", 0);
    const emb_st_tensor *pj = emb_safetensors_find(st, hf ? "visual_projection.weight" : "visual.proj");
    if (!fc1 || fc1->ndim != 2 || fc1->shape[0] <= 0 || fc1->shape[0] > 1 << 20)
        return emb__fail(EMB_E_FORMAT, "%s: tensor '%s' is missing or not 2-D", ld->path,
                         hf ? "vision_model.encoder.layers.0.mlp.fc1.weight" : "visual.transformer.resblocks.0.mlp.c_fc.weight");
    if (!pj || pj->ndim != 2 || pj->shape[0] <= 0 || pj->shape[1] <= 0 || pj->shape[0] > 1 << 20 || pj->shape[1] > 1 << 20)
        return emb__fail(EMB_E_FORMAT, "%s: projection tensor '%s' is missing or not 2-D", ld->path, hf ? "visual_projection.weight" : "visual.proj");
    int F = (int)fc1->shape[0], E = (int)(hf ? pj->shape[0] : pj->shape[1]);
    int heads;
    bool qg;
    emb__clip_read_config(ld->path, "vision_config", "vision_cfg", D, hf, &heads, &qg);
    if (heads <= 0 || D % heads) return emb__fail(EMB_E_FORMAT, "%s: width %d is not divisible by %d heads", ld->path, D, heads);
    m->info = (emb_clip_info){.width = D, .layers = L, .heads = heads, .patch = P, .image_size = G * P,
                              .dim = E, .quick_gelu = qg, .naming = hf ? "hf" : "openai"};
    m->mlp = F;
    m->info.mlp = F;
    {   /* patch GEMM; per layer qkv, attention (scores + weighted sum), out, MLP; projection */
        double t = T, d = D, f = F, g2 = (double)G * G;
        m->info.gflop = (2 * g2 * 3 * P * P * d + L * (2 * t * d * 3 * d + 4 * t * t * d + 2 * t * d * d + 4 * t * d * f) + 2 * d * E) * 1e-9;
    }
    m->grid = G;
    m->tokens = T;
    int64_t KP = 3 * (int64_t)P * P;
    m->patch = (emb__linear){.n = D, .k = (int)KP};
    m->patch.w = get(ld, pe->name, 4, (int64_t[]){D, 3, P, P});
    m->pos = get2(ld, pos->name, T, D);
    if (hf) {
        m->cls = get1(ld, "vision_model.embeddings.class_embedding", D);
        m->ln_pre_w = get1(ld, "vision_model.pre_layrnorm.weight", D);
        m->ln_pre_b = get1(ld, "vision_model.pre_layrnorm.bias", D);
        m->ln_post_w = get1(ld, "vision_model.post_layernorm.weight", D);
        m->ln_post_b = get1(ld, "vision_model.post_layernorm.bias", D);
        m->proj = (emb__linear){.n = E, .k = D, .w = get2(ld, "visual_projection.weight", E, D)};
    } else {
        m->cls = get1(ld, "visual.class_embedding", D);
        m->ln_pre_w = get1(ld, "visual.ln_pre.weight", D);
        m->ln_pre_b = get1(ld, "visual.ln_pre.bias", D);
        m->ln_post_w = get1(ld, "visual.ln_post.weight", D);
        m->ln_post_b = get1(ld, "visual.ln_post.bias", D);
        float *pt = get2(ld, "visual.proj", D, E);   /* x @ proj: (width, dim) */
        float *pw = ld->err ? NULL : emb__allocs_floats(&m->al, (size_t)E * D);
        if (pt && !pw && !ld->err) ld->err = emb__fail(EMB_E_NOMEM, "%s: out of memory", ld->path);
        if (pw) for (int i = 0; i < D; i++) for (int j = 0; j < E; j++) pw[(size_t)j * D + i] = pt[(size_t)i * E + j];
        m->proj = (emb__linear){.n = E, .k = D, .w = pw};
    }
    if (ld->err) return ld->err;
    m->layer = emb__allocs_floats(&m->al, (sizeof(emb__clip_layer) * (size_t)L + 3) / 4);
    if (!m->layer) return emb__fail(EMB_E_NOMEM, "%s: out of memory", ld->path);
    for (int l = 0; l < L && !ld->err; l++)
        emb__clip_load_layer(ld, hf, hf ? "vision_model.encoder.layers" : "visual.transformer.resblocks", l, D, F, &m->layer[l]);
    return ld->err;
}

bool emb__clip_pack(emb__allocs *al, emb__linear *L, bool bf16) {
    if (bf16 ? !emb__linear_pack_bf16(L) || !emb__allocs_track(al, L->wp) : !emb__linear_pack_f32(L) || !emb__allocs_track(al, L->wpf)) return false;
    emb__allocs_release(al, L->w);
    L->w = NULL;
    return true;
}
static bool pack(emb_clip *m, emb__linear *L, bool bf16) { return emb__clip_pack(&m->al, L, bf16); }

/* BF16: bf16 panels; F32: float panels (the same for every SIMD level). */
static emb_status pack_all(emb_clip *m, bool bf16) {
    if (!pack(m, &m->patch, bf16) || !pack(m, &m->proj, bf16)) goto oom;
    for (int l = 0; l < m->info.layers; l++) {
        emb__clip_layer *y = &m->layer[l];
        if (!pack(m, &y->qkv, bf16) || !pack(m, &y->out, bf16) || !pack(m, &y->fc1, bf16) || !pack(m, &y->fc2, bf16)) goto oom;
    }
    return EMB_OK;
oom:
    return emb__fail(EMB_E_NOMEM, "out of memory packing %s weights", bf16 ? "bf16" : "float32");
}

emb_status emb_clip_load(const char *path, const emb_clip_params *params, emb_clip **out) {
    emb_clip_params p = params ? *params : emb_clip_default_params();
    if (!path || !*path) return emb__fail(EMB_E_INVALID, "no CLIP weights file given (--model PATH, a .safetensors file)");
    if (ends_with(path, ".bin") || ends_with(path, ".pt") || ends_with(path, ".pth") || ends_with(path, ".ckpt"))
        return emb__fail(EMB_E_UNSUPPORTED, "%s: " PICKLE_HINT, path);
    emb_safetensors st;
    emb_status s = emb_safetensors_open(path, &st);
    if (s == EMB_E_FORMAT && st.n == 0) {
        /* a zip (torch.save) or raw pickle under another name gets the hint too */
        FILE *f = fopen(path, "rb");
        unsigned char mg[4] = {0};
        if (f) { size_t r = fread(mg, 1, 4, f); (void)r; fclose(f); }
        if ((mg[0] == 'P' && mg[1] == 'K' && mg[2] == 3 && mg[3] == 4) || mg[0] == 0x80)
            return emb__fail(EMB_E_UNSUPPORTED, "%s: this is a PyTorch pickle, not safetensors. " PICKLE_HINT, path);
    }
    if (s) return s;
    emb_clip *m = calloc(1, sizeof *m);
    if (!m) { emb_safetensors_close(&st); return emb__fail(EMB_E_NOMEM, "out of memory"); }
    m->n_threads = emb_threads_resolve(p.n_threads);
    bool hf = emb_safetensors_find(&st, "vision_model.embeddings.patch_embedding.weight") != NULL;
    bool oa = emb_safetensors_find(&st, "visual.conv1.weight") != NULL;
    if (!hf && !oa) {
        s = emb__fail(EMB_E_FORMAT, "%s: no CLIP vision tower in this file (neither "
                      "'vision_model.embeddings.patch_embedding.weight' (Hugging Face) nor 'visual.conv1.weight' (OpenAI/OpenCLIP))", path);
    } else {
        loader ld = {.st = &st, .path = path, .al = &m->al};
        s = load_tensors(&ld, m, hf);
    }
    emb_safetensors_close(&st);
    if (!s) s = pack_all(m, p.precision == EMB_CLIP_BF16);
    if (s) { emb_clip_free(m); return s; }
    m->info.precision = p.precision;
    *out = m;
    return EMB_OK;
}

/* test_features_clip_text.c - CLIP text tower against PyTorch. ref:
 * tests/ref/make_clip_text_ref.py (tiny tower from torch.nn layers with a
 * causal attn_mask, openai/CLIP encode_text; outputs in float64 from the
 * weights as stored). Runs once per SIMD level (EMB_CPU set by ctest): both
 * namings x F32/F16/BF16 files, fast and naive forward, per element within
 * 1e-4; the causal attention kernel of the level against the plain-C one;
 * batch / thread invariance; logit_scale; the tokenizer + tower together.
 * ctest-labels: unit
 * ctest-levels: all */
#include "check.h"
#include "embscope.h"
#include "features/clip_internal.h"
#include "features/features.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_RTOL 1e-4   /* per element, the bound */
#define TEXT_ATOL 1e-6
#define N_PROMPTS 9
#define DIM 32

/* Whitespace-separated numbers of TEST_DATA/clip/text/<rel> into v (cap). */
static int read_numbers(const char *rel, double *v, int cap) {
    char path[1024];
    snprintf(path, sizeof path, "%s/clip/text/%s", TEST_DATA, rel);
    char *txt = check_read_text(path), *p = txt;
    int n = 0;
    while (p && n < cap) {
        char *e;
        double x = strtod(p, &e);
        if (e == p) break;
        v[n++] = x;
        p = e;
    }
    free(txt);
    return n;
}

static emb_clip_text *load(const char *rel, emb_clip_precision prec, int threads) {
    char path[1024];
    snprintf(path, sizeof path, "%s/clip/text/%s", TEST_DATA, rel);
    emb_clip_params p = emb_clip_default_params();
    p.n_threads = threads;
    p.precision = prec;
    emb_clip_text *m = NULL;
    if (emb_clip_text_load(path, &p, &m)) fprintf(stderr, "load %s: %s\n", path, emb_errmsg());
    return m;
}

static int32_t ids[N_PROMPTS * EMB_CLIP_CONTEXT];

static void test_reference(void) {
    const char *dts[3] = {"f32", "f16", "bf16"}, *namings[2] = {"hf", "openai"};
    double rd[N_PROMPTS * DIM];
    float ref[N_PROMPTS * DIM], out[N_PROMPTS * DIM], naive[N_PROMPTS * DIM];
    for (int d = 0; d < 3; d++) {
        char rel[64];
        snprintf(rel, sizeof rel, "ref_%s.txt", dts[d]);
        CHECK_EQ(N_PROMPTS * DIM, read_numbers(rel, rd, N_PROMPTS * DIM));
        for (int i = 0; i < N_PROMPTS * DIM; i++) ref[i] = (float)rd[i];
        for (int k = 0; k < 2; k++) {
            snprintf(rel, sizeof rel, "%s/model.%s.safetensors", namings[k], dts[d]);
            emb_clip_text *m = load(rel, EMB_CLIP_F32, 2);
            if (!CHECK(m != NULL)) continue;
            emb_clip_text_info in = emb_clip_text_info_get(m);
            CHECK_EQ(32, in.width); CHECK_EQ(2, in.layers); CHECK_EQ(2, in.heads); CHECK_EQ(77, in.context);
            CHECK_EQ(803, in.vocab); CHECK_EQ(DIM, in.dim); CHECK_EQ(128, in.mlp);
            CHECK(in.quick_gelu);
            CHECK(!strcmp(in.naming, namings[k]));
            CHECK(in.has_logit_scale);
            CHECK_CLOSE(1 / 0.07, in.logit_scale, d ? 2e-2 : 1e-5, 0);   /* exp(log(1/0.07)) as stored */
            emb_clip_text_ws *ws = emb_clip_text_ws_new(m, 4);   /* 9 prompts: batches of 4, 4, 1 */
            CHECK(emb_clip_text_embed(m, ws, ids, N_PROMPTS, out) == EMB_OK);
            CHECK_CLOSE_F32(ref, out, N_PROMPTS * DIM, TEXT_RTOL, TEXT_ATOL);
            CHECK(emb_clip_text_embed_naive(m, ids, N_PROMPTS, naive) == EMB_OK);
            CHECK_CLOSE_F32(ref, naive, N_PROMPTS * DIM, TEXT_RTOL, TEXT_ATOL);
            emb_clip_text_ws_free(ws);
            emb_clip_text_free(m);
        }
    }
    /* nn.GELU, no logit_scale in the file */
    CHECK_EQ(N_PROMPTS * DIM, read_numbers("ref_gelu.txt", rd, N_PROMPTS * DIM));
    for (int i = 0; i < N_PROMPTS * DIM; i++) ref[i] = (float)rd[i];
    emb_clip_text *g = load("gelu/model.f32.safetensors", EMB_CLIP_F32, 2);
    if (CHECK(g != NULL)) {
        CHECK(!emb_clip_text_info_get(g).quick_gelu);
        CHECK(!emb_clip_text_info_get(g).has_logit_scale);
        CHECK_CLOSE(100.0, emb_clip_text_info_get(g).logit_scale, 0, 0);
        emb_clip_text_ws *ws = emb_clip_text_ws_new(g, 16);
        CHECK(emb_clip_text_embed(g, ws, ids, N_PROMPTS, out) == EMB_OK);
        CHECK_CLOSE_F32(ref, out, N_PROMPTS * DIM, TEXT_RTOL, TEXT_ATOL);
        emb_clip_text_ws_free(ws);
        emb_clip_text_free(g);
    }
}

/* Same bits for any batch size and thread count; BF16 near float32. */
static void test_invariance(void) {
    float a[N_PROMPTS * DIM], b[N_PROMPTS * DIM], c[N_PROMPTS * DIM];
    emb_clip_text *m1 = load("hf/model.f32.safetensors", EMB_CLIP_F32, 1), *m3 = load("hf/model.f32.safetensors", EMB_CLIP_F32, 3);
    emb_clip_text *mb = load("hf/model.f32.safetensors", EMB_CLIP_BF16, 2);
    if (!CHECK(m1 && m3 && mb)) return;
    emb_clip_text_ws *w1 = emb_clip_text_ws_new(m1, 1), *w3 = emb_clip_text_ws_new(m3, 9), *wb = emb_clip_text_ws_new(mb, 5);
    CHECK(emb_clip_text_embed(m1, w1, ids, N_PROMPTS, a) == EMB_OK);
    CHECK(emb_clip_text_embed(m3, w3, ids, N_PROMPTS, b) == EMB_OK);
    CHECK(!memcmp(a, b, sizeof a));
    CHECK(emb_clip_text_embed(mb, wb, ids, N_PROMPTS, c) == EMB_OK);
    double worst = 1;
    for (int i = 0; i < N_PROMPTS; i++) {
        double ab = 0;
        for (int j = 0; j < DIM; j++) ab += (double)a[i * DIM + j] * c[i * DIM + j];
        worst = ab < worst ? ab : worst;
    }
    printf("bf16 vs f32: min cosine %.6f\n", worst);
    CHECK(worst >= 0.999);
    /* a bad id names the row */
    int32_t bad[EMB_CLIP_CONTEXT] = {801, 5000, 802};
    CHECK(emb_clip_text_embed(m1, w1, bad, 1, a) == EMB_E_INVALID);
    CHECK_CONTAINS(emb_errmsg(), "5000");
    emb_clip_text_ws_free(w1); emb_clip_text_ws_free(w3); emb_clip_text_ws_free(wb);
    emb_clip_text_free(m1); emb_clip_text_free(m3); emb_clip_text_free(mb);
}

/* The causal attention kernel of this level against the plain-C one. */
static void test_causal_kernel(void) {
    emb_cpu_level lv = emb_cpu_level_active();
    const int D = 64, Ts[4] = {1, 7, 17, 77};
    for (int hdk = 0; hdk < 2; hdk++) {
        int hd = hdk ? 16 : 32, H = D / hd;
        for (int ti = 0; ti < 4; ti++) {
            int T = Ts[ti];
            emb_matf q = check_random_matrix(T, 3 * D, 11 + (uint64_t)T);
            float *o1 = calloc((size_t)T * D, sizeof(float)), *o2 = calloc((size_t)T * D, sizeof(float));
            float *scratch = malloc(sizeof(float) * ((size_t)hd * 96 + 96));
            for (int h = 0; h < H; h++) {
                emb__clip_attend_causal_at(q.data, o1, T, D, h, hd, scratch, lv);
                emb__clip_attend_causal_at(q.data, o2, T, D, h, hd, scratch, EMB_CPU_SCALAR);
            }
            CHECK_CLOSE_F32(o2, o1, (size_t)T * D, 1e-5, 1e-6);
            /* row 0 sees only itself: its output is its own value vector */
            for (int c = 0; c < D; c++) CHECK_CLOSE(q.data[2 * D + c], o2[c], 1e-6, 1e-7);
            free(o1); free(o2); free(scratch);
            emb_matf_free(&q);
        }
    }
}

/* Tokenizer + tower: the prompts tokenised here give the reference's ids. */
static void test_strings(void) {
    char path[1024];
    snprintf(path, sizeof path, "%s/clip/full/tokenizer.json", TEST_DATA);
    emb_clip_tokenizer *tok = NULL;
    if (!CHECK(emb_clip_tokenizer_load(path, &tok) == EMB_OK)) return;
    const char *prompts[N_PROMPTS] = {"a photo of a dog.", "a red car", "", "it's a cat!! \xf0\x9f\x98\x80", NULL,
                                      "<|startoftext|>", "numbers 1234567890", "Caf\xc3\xa9 cr\xc3\xa8me",
                                      "the quick brown fox jumps over the lazy dog"};
    char longp[1024] = "a photo of a ";
    for (int i = 0; i < 80; i++) strcat(longp, "very ");
    strcat(longp, "long dog");
    prompts[4] = longp;
    int32_t got[N_PROMPTS * EMB_CLIP_CONTEXT];
    for (int i = 0; i < N_PROMPTS; i++)
        CHECK(emb_clip_tokenize(tok, prompts[i], EMB_CLIP_CONTEXT, got + i * EMB_CLIP_CONTEXT, NULL, NULL) == EMB_OK);
    CHECK_EQ_I32(ids, got, N_PROMPTS * EMB_CLIP_CONTEXT);
    emb_clip_text *m = load("hf/model.f32.safetensors", EMB_CLIP_F32, 2);
    float a[N_PROMPTS * DIM], b[N_PROMPTS * DIM];
    emb_clip_text_ws *ws = emb_clip_text_ws_new(m, 3);
    CHECK(emb_clip_text_embed(m, ws, ids, N_PROMPTS, a) == EMB_OK);
    CHECK(emb_clip_text_embed_strings(m, tok, prompts, N_PROMPTS, b) == EMB_OK);
    CHECK(!memcmp(a, b, sizeof a));
    emb_clip_text_ws_free(ws);
    emb_clip_text_free(m);
    emb_clip_tokenizer_free(tok);
    /* an image-only checkpoint has no text tower */
    snprintf(path, sizeof path, "%s/clip/hf/model.f32.safetensors", TEST_DATA);
    emb_clip_text *none = NULL;
    CHECK(emb_clip_text_load(path, NULL, &none) == EMB_E_FORMAT);
    CHECK_CONTAINS(emb_errmsg(), "no CLIP text tower");
}

int main(void) {
    double v[N_PROMPTS * EMB_CLIP_CONTEXT];
    CHECK_EQ(N_PROMPTS * EMB_CLIP_CONTEXT, read_numbers("ids.txt", v, N_PROMPTS * EMB_CLIP_CONTEXT));
    for (int i = 0; i < N_PROMPTS * EMB_CLIP_CONTEXT; i++) ids[i] = (int32_t)v[i];
    printf("level %s\n", emb_cpu_level_name(emb_cpu_level_active()));
    test_reference();
    test_invariance();
    test_causal_kernel();
    test_strings();
    return check_exit();
}

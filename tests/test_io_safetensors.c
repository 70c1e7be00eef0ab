/* test_io_safetensors.c - the safetensors reader and the CLIP loader's
 * errors: values of F32/F16/BF16 tensors (hand-written files), and truncated
 * files, lying offsets, wrong shapes, text files, pickles, missing and
 * mis-shaped tensors each give a clear message naming the file or tensor.
 * ctest-labels: unit */
#include "check.h"
#include "embscope.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* header JSON + data -> safetensors bytes (caller frees). */
static unsigned char *make_st(const char *json, const void *data, size_t dlen, size_t *len) {
    size_t h = strlen(json);
    *len = 8 + h + dlen;
    unsigned char *b = malloc(*len);
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)h >> (8 * i));
    memcpy(b + 8, json, h);
    if (dlen) memcpy(b + 8 + h, data, dlen);
    return b;
}

static emb_status parse_json(const char *json, const void *data, size_t dlen, emb_safetensors *st) {
    size_t len;
    unsigned char *b = make_st(json, data, dlen, &len);
    /* a private copy so ASan sees reads past the end */
    emb_status s = emb_safetensors_parse(b, len, "mem.safetensors", st);
    if (s == EMB_OK) {
        for (int i = 0; i < st->n; i++) {           /* touch every byte */
            volatile unsigned char x = 0;
            for (size_t k = 0; k < st->t[i].nbytes; k++) x ^= ((const unsigned char *)st->t[i].data)[k];
            (void)x;
        }
    }
    emb_safetensors_close(st);
    free(b);
    return s;
}

static void test_values(void) {
    /* a: F32 [2] = 1.5, -2; b: F16 [3] = 1, -0.5, 65504; c: BF16 [1, 2] = 3.140625, -1 */
    unsigned char data[8 + 6 + 4];
    float f[2] = {1.5f, -2.0f};
    memcpy(data, f, 8);
    uint16_t h[3] = {0x3c00, 0xb800, 0x7bff}, bf[2] = {0x4049, 0xbf80};
    memcpy(data + 8, h, 6);
    memcpy(data + 14, bf, 4);
    const char *json = "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                       "\"b\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[8,14]},"
                       "\"c\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[14,18]}}";
    size_t len;
    unsigned char *b = make_st(json, data, sizeof data, &len);
    emb_safetensors st;
    CHECK(emb_safetensors_parse(b, len, "mem", &st) == EMB_OK);
    CHECK_EQ(3, st.n);
    const emb_st_tensor *a = emb_safetensors_find(&st, "a"), *t = emb_safetensors_find(&st, "b"), *c = emb_safetensors_find(&st, "c");
    CHECK(a && t && c && !emb_safetensors_find(&st, "__metadata__"));
    if (a && t && c) {
        float v[3];
        CHECK(emb_safetensors_to_f32(a, v) == EMB_OK);
        CHECK_CLOSE(1.5, v[0], 0, 0); CHECK_CLOSE(-2.0, v[1], 0, 0);
        CHECK(emb_safetensors_to_f32(t, v) == EMB_OK);
        CHECK_CLOSE(1.0, v[0], 0, 0); CHECK_CLOSE(-0.5, v[1], 0, 0); CHECK_CLOSE(65504.0, v[2], 0, 0);
        CHECK_EQ(2, c->ndim); CHECK_EQ(1, c->shape[0]); CHECK_EQ(2, c->shape[1]);
        CHECK(emb_safetensors_to_f32(c, v) == EMB_OK);
        CHECK_CLOSE(3.140625, v[0], 0, 0); CHECK_CLOSE(-1.0, v[1], 0, 0);
    }
    emb_safetensors_close(&st);
    free(b);
}

static void test_bad(void) {
    emb_safetensors st;
    float d[4] = {0};
    struct { const char *json; size_t dlen; const char *msg; } cases[] = {
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,20]}}", 16, "outside"},      /* lying end */
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,4]}}", 16, "outside"},       /* reversed */
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}", 16, "need"},         /* shape vs bytes */
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[-4],\"data_offsets\":[0,16]}}", 16, "bad shape"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,16]}}", 16, "overflow"},
        {"{\"a\":{\"dtype\":\"Q4\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16, "unknown dtype"},
        {"{\"a\":{\"shape\":[4],\"data_offsets\":[0,16]}}", 16, "lacks"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}", 16, "not valid JSON"},
        {"[1,2]", 0, "not a JSON object"},
        {"{\"a\":3}", 0, "not an object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        emb_status s = parse_json(cases[i].json, d, cases[i].dlen, &st);
        CHECK_EQ(EMB_E_FORMAT, s);
        CHECK_CONTAINS(emb_errmsg(), cases[i].msg);
        CHECK_CONTAINS(emb_errmsg(), "mem.safetensors");
    }
    /* header size larger than the file, and a file shorter than 8 bytes */
    unsigned char big[16] = {0xff, 0xff, 0, 0, 0, 0, 0, 0, '{', '}'};
    CHECK_EQ(EMB_E_FORMAT, emb_safetensors_parse(big, sizeof big, "mem.safetensors", &st));
    CHECK_CONTAINS(emb_errmsg(), "header size");
    CHECK_EQ(EMB_E_FORMAT, emb_safetensors_parse(big, 5, "mem.safetensors", &st));
    /* files: text, truncated real weights, missing */
    char path[1024], src[1024];
    snprintf(path, sizeof path, "%s/notes.safetensors", check_tmpdir());
    const char *txt = "this is a text file, not weights\n";
    CHECK(check_write_file(path, txt, strlen(txt)));
    CHECK_EQ(EMB_E_FORMAT, emb_safetensors_open(path, &st));
    CHECK_CONTAINS(emb_errmsg(), "notes.safetensors: not a safetensors file");
    emb_clip *m = NULL;
    CHECK_EQ(EMB_E_FORMAT, emb_clip_load(path, NULL, &m));
    CHECK(m == NULL);
    snprintf(src, sizeof src, "%s/clip/hf/model.f32.safetensors", TEST_DATA);
    FILE *f = fopen(src, "rb");
    CHECK(f != NULL);
    if (!f) return;
    fseek(f, 0, SEEK_END);
    size_t len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(len);
    CHECK_EQ(len, fread(buf, 1, len, f));
    fclose(f);
    snprintf(path, sizeof path, "%s/cut.safetensors", check_tmpdir());
    CHECK(check_write_file(path, buf, len - 1000));
    CHECK_EQ(EMB_E_FORMAT, emb_clip_load(path, NULL, &m));
    CHECK_CONTAINS(emb_errmsg(), "cut.safetensors: tensor");
    CHECK_CONTAINS(emb_errmsg(), "outside");
    CHECK_EQ(EMB_E_IO, emb_clip_load("/nonexistent/model.safetensors", NULL, &m));
    /* a pickle (zip from torch.save) under a safetensors name, and a .bin */
    snprintf(path, sizeof path, "%s/pickle.safetensors", check_tmpdir());
    CHECK(check_write_file(path, "PK\x03\x04rest-of-zip", 16));
    CHECK_EQ(EMB_E_UNSUPPORTED, emb_clip_load(path, NULL, &m));
    CHECK_CONTAINS(emb_errmsg(), "PyTorch pickle");
    CHECK_EQ(EMB_E_UNSUPPORTED, emb_clip_load("pytorch_model.bin", NULL, &m));
    CHECK_CONTAINS(emb_errmsg(), "model.safetensors");

    /* missing and mis-shaped tensors: rewrite the real header */
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--) hl = hl << 8 | buf[i];
    for (int mode = 0; mode < 3; mode++) {
        cJSON *root = cJSON_ParseWithLength((const char *)buf + 8, (size_t)hl);
        CHECK(root != NULL);
        if (!root) break;
        const char *want = NULL;
        if (mode == 0) {
            want = "vision_model.encoder.layers.1.mlp.fc2.bias";
            cJSON_DeleteItemFromObjectCaseSensitive(root, want);
        } else if (mode == 1) {
            want = "vision_model.encoder.layers.0.self_attn.k_proj.weight";   /* same bytes, other shape */
            cJSON *e = cJSON_GetObjectItemCaseSensitive(root, want);
            cJSON_ReplaceItemInObjectCaseSensitive(e, "shape", cJSON_Parse("[32, 128]"));
        } else {
            want = "vision_model.embeddings.patch_embedding.weight";
            cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "visual_projection.weight");
            cJSON_DeleteItemFromObjectCaseSensitive(root, want);
            (void)e;
        }
        char *h = cJSON_PrintUnformatted(root);
        size_t nl;
        unsigned char *nb = make_st(h, buf + 8 + hl, len - 8 - hl, &nl);
        snprintf(path, sizeof path, "%s/edit%d.safetensors", check_tmpdir(), mode);
        CHECK(check_write_file(path, nb, nl));
        CHECK_EQ(EMB_E_FORMAT, emb_clip_load(path, NULL, &m));
        CHECK(m == NULL);
        CHECK_CONTAINS(emb_errmsg(), want);
        CHECK_CONTAINS(emb_errmsg(), mode == 0 ? "missing" : mode == 1 ? "[32, 128], expected [64, 64]" : "no CLIP vision tower");
        free(h);
        free(nb);
        cJSON_Delete(root);
    }
    free(buf);
}

int main(void) {
    test_values();
    test_bad();
    return check_exit();
}

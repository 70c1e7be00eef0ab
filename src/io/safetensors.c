/* safetensors.c - reader for Hugging Face's safetensors format
 * (https://github.com/huggingface/safetensors, "Format"): u64 LE header size
 * N, N bytes of UTF-8 JSON, then the data buffer. Every tensor's offsets must
 * lie inside the buffer and match dtype size x shape; the file is mapped
 * read-only, nothing is copied. */
#include "core/internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define ST_MAX_HEADER (100u << 20)   /* the reference implementation's limit */

static int dtype_size(const char *s, emb_st_dtype *dt) {
    static const struct { const char *name; int size; emb_st_dtype dt; } tab[] = {
        {"F32", 4, EMB_ST_F32}, {"F16", 2, EMB_ST_F16}, {"BF16", 2, EMB_ST_BF16},
        {"F64", 8, EMB_ST_OTHER}, {"I64", 8, EMB_ST_OTHER}, {"U64", 8, EMB_ST_OTHER},
        {"I32", 4, EMB_ST_OTHER}, {"U32", 4, EMB_ST_OTHER}, {"I16", 2, EMB_ST_OTHER},
        {"U16", 2, EMB_ST_OTHER}, {"I8", 1, EMB_ST_OTHER}, {"U8", 1, EMB_ST_OTHER},
        {"BOOL", 1, EMB_ST_OTHER}, {"F8_E4M3", 1, EMB_ST_OTHER}, {"F8_E5M2", 1, EMB_ST_OTHER},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (!strcmp(s, tab[i].name)) { *dt = tab[i].dt; return tab[i].size; }
    return 0;
}

void emb_safetensors_close(emb_safetensors *st) {
    if (!st) return;
    for (int i = 0; i < st->n; i++) free(st->t[i].name);
    free(st->t);
    if (st->map_) munmap(st->map_, st->map_len_);
    memset(st, 0, sizeof *st);
}

/* One header entry -> tensor; data_len is the size of the data buffer. */
static emb_status parse_entry(const cJSON *e, const unsigned char *data, size_t data_len,
                              const char *name, emb_st_tensor *t) {
    const char *key = e->string;
    if (!cJSON_IsObject(e)) return emb__fail(EMB_E_FORMAT, "%s: header entry '%s' is not an object", name, key);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(e, "shape");
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!cJSON_IsString(dt) || !cJSON_IsArray(shape) || !cJSON_IsArray(off) || cJSON_GetArraySize(off) != 2)
        return emb__fail(EMB_E_FORMAT, "%s: tensor '%s' lacks dtype, shape or data_offsets", name, key);
    int esize = dtype_size(dt->valuestring, &t->dtype);
    if (!esize) return emb__fail(EMB_E_FORMAT, "%s: tensor '%s' has unknown dtype '%.16s'", name, key, dt->valuestring);
    snprintf(t->dtype_name, sizeof t->dtype_name, "%s", dt->valuestring);
    int nd = cJSON_GetArraySize(shape);
    if (nd > 8) return emb__fail(EMB_E_FORMAT, "%s: tensor '%s' has %d dimensions (at most 8)", name, key, nd);
    size_t count = 1;
    for (int d = 0; d < nd; d++) {
        const cJSON *v = cJSON_GetArrayItem(shape, d);
        if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 9.0e15 || v->valuedouble != (double)(int64_t)v->valuedouble)
            return emb__fail(EMB_E_FORMAT, "%s: tensor '%s' has a bad shape", name, key);
        t->shape[d] = (int64_t)v->valuedouble;
        if (!emb__mul_ok(count, (size_t)t->shape[d], &count))
            return emb__fail(EMB_E_FORMAT, "%s: tensor '%s' shape overflows", name, key);
    }
    t->ndim = nd;
    t->count = (int64_t)count;
    double a = cJSON_GetArrayItem(off, 0)->valuedouble, b = cJSON_GetArrayItem(off, 1)->valuedouble;
    if (!cJSON_IsNumber(cJSON_GetArrayItem(off, 0)) || !cJSON_IsNumber(cJSON_GetArrayItem(off, 1)) ||
        a < 0 || b < a || b > (double)data_len || a != (double)(size_t)a || b != (double)(size_t)b)
        return emb__fail(EMB_E_FORMAT, "%s: tensor '%s' data_offsets [%.0f, %.0f] lie outside the %zu data bytes",
                         name, key, a, b, data_len);
    size_t nbytes;
    if (!emb__mul_ok(count, (size_t)esize, &nbytes) || nbytes != (size_t)b - (size_t)a)
        return emb__fail(EMB_E_FORMAT, "%s: tensor '%s' holds %zu bytes but its dtype and shape need %zu",
                         name, key, (size_t)b - (size_t)a, nbytes);
    t->data = data + (size_t)a;
    t->nbytes = nbytes;
    if (!(t->name = emb__strdup(key))) return emb__fail(EMB_E_NOMEM, "%s: out of memory", name);
    return EMB_OK;
}

emb_status emb_safetensors_parse(const void *buf, size_t len, const char *name, emb_safetensors *out) {
    memset(out, 0, sizeof *out);
    const unsigned char *p = buf;
    if (len < 8) return emb__fail(EMB_E_FORMAT, "%s: not a safetensors file (%zu bytes, shorter than its 8-byte header size)", name, len);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = hlen << 8 | p[i];
    if (hlen < 2 || hlen > ST_MAX_HEADER || hlen > len - 8)
        return emb__fail(EMB_E_FORMAT, "%s: not a safetensors file (header size %llu does not fit the %zu-byte file)",
                         name, (unsigned long long)hlen, len);
    if (p[8] != '{')
        return emb__fail(EMB_E_FORMAT, "%s: not a safetensors file (the header is not a JSON object)", name);
    cJSON *root = cJSON_ParseWithLength((const char *)p + 8, (size_t)hlen);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return emb__fail(EMB_E_FORMAT, "%s: safetensors header is not valid JSON", name);
    }
    const unsigned char *data = p + 8 + hlen;
    size_t data_len = len - 8 - (size_t)hlen;
    emb_status st = EMB_OK;
    int n = 0;
    for (const cJSON *e = root->child; e; e = e->next) n += strcmp(e->string, "__metadata__") != 0;
    out->t = calloc(n ? (size_t)n : 1, sizeof *out->t);
    if (!out->t) { st = emb__fail(EMB_E_NOMEM, "%s: out of memory", name); goto done; }
    for (const cJSON *e = root->child; e; e = e->next) {
        if (!strcmp(e->string, "__metadata__")) continue;
        if ((st = parse_entry(e, data, data_len, name, &out->t[out->n]))) goto done;
        out->n++;
    }
done:
    cJSON_Delete(root);
    if (st) emb_safetensors_close(out);
    return st;
}

emb_status emb_safetensors_open(const char *path, emb_safetensors *out) {
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return emb__fail(EMB_E_IO, "%s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
        close(fd);
        return emb__fail(EMB_E_IO, "%s: not a regular file", path);
    }
    size_t len = (size_t)sb.st_size;
    if (len < 8) {
        close(fd);
        return emb__fail(EMB_E_FORMAT, "%s: not a safetensors file (%zu bytes, shorter than its 8-byte header size)", path, len);
    }
    void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return emb__fail(EMB_E_IO, "%s: mmap: %s", path, strerror(errno));
    emb_status st = emb_safetensors_parse(map, len, path, out);
    if (st) { munmap(map, len); return st; }
    out->map_ = map;
    out->map_len_ = len;
    return EMB_OK;
}

const emb_st_tensor *emb_safetensors_find(const emb_safetensors *st, const char *name) {
    for (int i = 0; i < st->n; i++)
        if (!strcmp(st->t[i].name, name)) return &st->t[i];
    return NULL;
}

emb_status emb_safetensors_to_f32(const emb_st_tensor *t, float *out) {
    const unsigned char *p = t->data;
    switch (t->dtype) {
    case EMB_ST_F32: memcpy(out, p, (size_t)t->count * 4); return EMB_OK;
    case EMB_ST_F16:
        for (int64_t i = 0; i < t->count; i++) out[i] = emb__f16_to_f32((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
        return EMB_OK;
    case EMB_ST_BF16:
        for (int64_t i = 0; i < t->count; i++) {
            uint32_t u = (uint32_t)(p[2 * i] | p[2 * i + 1] << 8) << 16;
            memcpy(&out[i], &u, 4);
        }
        return EMB_OK;
    default:
        return emb__fail(EMB_E_UNSUPPORTED, "tensor '%s' has dtype %s (F32, F16 or BF16 expected)", t->name, t->dtype_name);
    }
}

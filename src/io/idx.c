/* idx.c - IDX files (LeCun's MNIST format, also Fashion-MNIST): a 4-byte
 * magic 00 00 <type> <ndim>, ndim big-endian u32 dimensions, then the data.
 * Only type 0x08 (u8) is read. Raw or gzip-compressed. */
#include "core/internal.h"

#include <stdlib.h>
#include <string.h>

#define IDX_TYPE_U8 0x08
#define IDX_MAX_BYTES ((size_t)1 << 34)   /* 16 GiB: refuse larger claims */

emb_status emb_idx_parse(const void *buf, size_t len, const char *name, emb_idx *out) {
    const unsigned char *b = buf;
    if (len == 0) return emb__fail(EMB_E_FORMAT, "%s: empty file", name);
    if (len < 4 || b[0] != 0 || b[1] != 0)
        return emb__fail(EMB_E_FORMAT, "%s: not an IDX file (bad magic)", name);
    if (b[2] != IDX_TYPE_U8)
        return emb__fail(EMB_E_UNSUPPORTED, "%s: IDX element type 0x%02x is not supported (only unsigned byte, 0x08)", name, b[2]);
    int ndim = b[3];
    if (ndim < 1 || ndim > 4)
        return emb__fail(EMB_E_FORMAT, "%s: IDX with %d dimensions (expected 1 to 4)", name, ndim);
    size_t head = 4 + 4 * (size_t)ndim;
    if (len < head) return emb__fail(EMB_E_FORMAT, "%s: truncated IDX header", name);
    emb_idx a;
    memset(&a, 0, sizeof a);
    a.ndim = ndim;
    size_t count = 1;
    for (int i = 0; i < ndim; i++) {
        const unsigned char *p = b + 4 + 4 * i;
        uint32_t d = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        a.dims[i] = d;
        if (!emb__mul_ok(count, d, &count) || count > IDX_MAX_BYTES)
            return emb__fail(EMB_E_FORMAT, "%s: IDX dimensions claim too much data", name);
    }
    if (count != len - head)
        return emb__fail(EMB_E_FORMAT, "%s: IDX header claims %zu bytes of data but the file holds %zu",
                         name, count, len - head);
    a.data = emb__malloc(count, "IDX data");
    if (!a.data) return EMB_E_NOMEM;
    memcpy(a.data, b + head, count);
    *out = a;
    return EMB_OK;
}

emb_status emb_idx_load(const char *path, emb_idx *out) {
    unsigned char *buf;
    size_t len;
    emb_status st = emb__read_file(path, IDX_MAX_BYTES + 64, &buf, &len);
    if (st) return st;
    st = emb_idx_parse(buf, len, path, out);
    free(buf);
    return st;
}

void emb_idx_free(emb_idx *a) {
    if (!a) return;
    free(a->data);
    memset(a, 0, sizeof *a);
}

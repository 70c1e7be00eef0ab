/* npy.c - NumPy .npy reader and writer (format 1.0 / 2.0 / 3.0,
 * https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
 * The header is a Python dict literal: {'descr': '<f4', 'fortran_order':
 * False, 'shape': (N, D), }. Every size is checked against the file. */
#include "core/internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAX_HEADER (1u << 20)   /* numpy itself refuses headers > 10 kB */

static size_t dtype_size(emb_dtype dt) {
    switch (dt) {
    case EMB_DT_F32: case EMB_DT_I32: return 4;
    case EMB_DT_F16: return 2;
    case EMB_DT_U8: return 1;
    }
    return 0;
}

static const char *dtype_descr(emb_dtype dt) {
    switch (dt) {
    case EMB_DT_F32: return "<f4";
    case EMB_DT_F16: return "<f2";
    case EMB_DT_U8: return "|u1";
    case EMB_DT_I32: return "<i4";
    }
    return "?";
}

/* Find 'key' in the dict text and return a pointer just past the colon. */
static const char *dict_value(const char *h, const char *key) {
    char pat[32];
    for (int q = 0; q < 2; q++) {
        snprintf(pat, sizeof pat, q ? "\"%s\"" : "'%s'", key);
        const char *p = strstr(h, pat);
        if (!p) continue;
        p += strlen(pat);
        while (*p == ' ') p++;
        if (*p != ':') return NULL;
        p++;
        while (*p == ' ') p++;
        return p;
    }
    return NULL;
}

static emb_status parse_header(const char *h, const char *name, emb_npy *a) {
    const char *d = dict_value(h, "descr");
    if (!d || (*d != '\'' && *d != '"'))
        return emb__fail(EMB_E_FORMAT, "%s: .npy header has no 'descr'", name);
    char descr[16] = {0};
    char q = *d++;
    int k = 0;
    while (*d && *d != q && k < 15) descr[k++] = *d++;
    if (*d != q) return emb__fail(EMB_E_FORMAT, "%s: .npy 'descr' is malformed", name);
    if (!strcmp(descr, "<f4") || !strcmp(descr, "=f4")) a->dtype = EMB_DT_F32;
    else if (!strcmp(descr, "<f2") || !strcmp(descr, "=f2")) a->dtype = EMB_DT_F16;
    else if (!strcmp(descr, "|u1") || !strcmp(descr, "u1") || !strcmp(descr, "<u1")) a->dtype = EMB_DT_U8;
    else if (!strcmp(descr, "<i4") || !strcmp(descr, "=i4")) a->dtype = EMB_DT_I32;
    else return emb__fail(EMB_E_UNSUPPORTED, "%s: .npy dtype '%s' is not supported (float32, float16, uint8, int32)", name, descr);

    const char *fo = dict_value(h, "fortran_order");
    if (!fo) return emb__fail(EMB_E_FORMAT, "%s: .npy header has no 'fortran_order'", name);
    if (!strncmp(fo, "True", 4))
        return emb__fail(EMB_E_UNSUPPORTED, "%s: Fortran-order .npy is not supported; save with np.ascontiguousarray", name);
    if (strncmp(fo, "False", 5)) return emb__fail(EMB_E_FORMAT, "%s: .npy 'fortran_order' is malformed", name);

    const char *s = dict_value(h, "shape");
    if (!s || *s != '(') return emb__fail(EMB_E_FORMAT, "%s: .npy header has no 'shape'", name);
    s++;
    a->ndim = 0;
    size_t count = 1;
    for (;;) {
        while (*s == ' ' || *s == ',') s++;
        if (*s == ')') break;
        if (!isdigit((unsigned char)*s)) return emb__fail(EMB_E_FORMAT, "%s: .npy 'shape' is malformed", name);
        if (a->ndim == 8) return emb__fail(EMB_E_UNSUPPORTED, "%s: .npy has more than 8 dimensions", name);
        errno = 0;
        char *end;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || v > (1ull << 50)) return emb__fail(EMB_E_FORMAT, "%s: .npy dimension too large", name);
        /* every prefix product, zeros aside, stays <= 2^60 elements: count
         * and its byte size fit int64_t even when a later dimension is 0 */
        if (!emb__mul_ok(count, (size_t)v, &count) || count > ((size_t)1 << 60))
            return emb__fail(EMB_E_FORMAT, "%s: .npy shape overflows", name);
        a->shape[a->ndim++] = (int64_t)v;
        s = end;
        while (*s == 'L') s++;  /* Python 2 longs */
    }
    a->count = (int64_t)count;
    return EMB_OK;
}

emb_status emb_npy_parse(const void *buf, size_t len, const char *name, emb_npy *out) {
    const unsigned char *b = buf;
    emb_npy a;
    memset(&a, 0, sizeof a);
    if (len < 10 || memcmp(b, NPY_MAGIC, 6) != 0)
        return emb__fail(EMB_E_FORMAT, "%s: not a .npy file (bad magic)", name);
    int major = b[6];
    size_t hlen, off;
    if (major == 1) { hlen = b[8] | (size_t)b[9] << 8; off = 10; }
    else if (major == 2 || major == 3) {
        if (len < 12) return emb__fail(EMB_E_FORMAT, "%s: truncated .npy header", name);
        hlen = b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
        off = 12;
    } else return emb__fail(EMB_E_UNSUPPORTED, "%s: .npy format version %d is not supported", name, major);
    if (hlen > NPY_MAX_HEADER || hlen > len - off)
        return emb__fail(EMB_E_FORMAT, "%s: .npy header length %zu exceeds the file", name, hlen);
    char *h = emb__malloc(hlen + 1, "npy header");
    if (!h) return EMB_E_NOMEM;
    memcpy(h, b + off, hlen);
    h[hlen] = 0;
    emb_status st = parse_header(h, name, &a);
    free(h);
    if (st) return st;
    size_t nbytes, data_off = off + hlen;
    if (!emb__mul_ok((size_t)a.count, dtype_size(a.dtype), &nbytes))
        return emb__fail(EMB_E_FORMAT, "%s: .npy data size overflows", name);
    if (nbytes > len - data_off)
        return emb__fail(EMB_E_FORMAT, "%s: .npy header claims %zu data bytes but the file holds %zu",
                         name, nbytes, len - data_off);
    a.data = b + data_off;
    *out = a;
    return EMB_OK;
}

emb_status emb_npy_open(const char *path, bool use_mmap, emb_npy *out) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return emb__fail(EMB_E_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return emb__fail(EMB_E_IO, "%s: not a regular file", path);
    }
    size_t len = (size_t)sb.st_size;
    if (len == 0) { close(fd); return emb__fail(EMB_E_FORMAT, "%s: empty file", path); }
    void *base = NULL, *buf = NULL;
    emb_status st;
    if (use_mmap) {
        /* MAP_POPULATE: map every page now, in one call, instead of one
         * fault per 4 KiB page as the caller reads (several times faster
         * on a VM). Linux only: elsewhere pages fault in as read. */
#ifdef MAP_POPULATE
        base = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
#else
        base = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
#endif
        if (base == MAP_FAILED) base = NULL;
    }
    if (!base) {
        buf = malloc(len);
        if (!buf) { close(fd); return emb__fail(EMB_E_NOMEM, "%s: out of memory", path); }
        size_t got = 0;
        while (got < len) {
            ssize_t r = read(fd, (char *)buf + got, len - got);
            if (r <= 0) break;
            got += (size_t)r;
        }
        if (got != len) { free(buf); close(fd); return emb__fail(EMB_E_IO, "%s: read failed", path); }
    }
    close(fd);
    st = emb_npy_parse(base ? base : buf, len, path, out);
    if (st) {
        if (base) munmap(base, len);
        free(buf);
        return st;
    }
    out->map_ = base;
    out->map_len_ = base ? len : 0;
    out->buf_ = buf;
    return EMB_OK;
}

void emb_npy_close(emb_npy *a) {
    if (!a) return;
    if (a->map_) munmap(a->map_, a->map_len_);
    free(a->buf_);
    memset(a, 0, sizeof *a);
}

emb_status emb_npy_load_f32(const char *path, emb_matf *out) {
    emb_npy a;
    emb_status st = emb_npy_open(path, true, &a);
    if (st) return st;
    int64_t rows, cols;
    if (a.ndim == 2) { rows = a.shape[0]; cols = a.shape[1]; }
    else if (a.ndim == 1) { rows = a.shape[0]; cols = 1; }
    else {
        emb_npy_close(&a);
        return emb__fail(EMB_E_FORMAT, "%s: expected a 2-D array (items x dims), got %d-D", path, a.ndim);
    }
    emb_matf m = {0};
    st = emb_matf_alloc(&m, rows, cols);
    if (st) { emb_npy_close(&a); return st; }
    size_t n = (size_t)a.count;
    const unsigned char *p = a.data;
    switch (a.dtype) {
    case EMB_DT_F32: memcpy(m.data, p, n * 4); break;
    case EMB_DT_F16:
        for (size_t i = 0; i < n; i++) m.data[i] = emb__f16_to_f32((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
        break;
    case EMB_DT_U8: for (size_t i = 0; i < n; i++) m.data[i] = p[i]; break;
    case EMB_DT_I32:
        for (size_t i = 0; i < n; i++) { int32_t v; memcpy(&v, p + 4 * i, 4); m.data[i] = (float)v; }
        break;
    }
    emb_npy_close(&a);
    *out = m;
    return EMB_OK;
}

emb_status emb_npy_vectors_open(const char *path, emb_npy_vectors *out) {
    return emb_npy_vectors_open_ex(path, false, out);
}

emb_status emb_npy_vectors_open_ex(const char *path, bool keep_f16, emb_npy_vectors *out) {
    memset(out, 0, sizeof *out);
    emb_npy a;
    emb_status st = emb_npy_open(path, true, &a);
    if (st) return st;
    bool le = true;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    le = false;
#endif
    bool two_d = a.ndim == 2 || a.ndim == 1;
    if (keep_f16 && two_d && a.map_ && a.dtype == EMB_DT_F16 && le && !((uintptr_t)a.data & 1)) {
        /* the half-precision rows as they are in the file: read-only, never
         * widened as a whole (a 10M x 512 float16 file is 10 GB, its float32
         * copy 20 GB) */
        out->m.rows = a.shape[0];
        out->m.cols = a.ndim == 2 ? a.shape[1] : 1;
        out->m.half = (const uint16_t *)a.data;
        out->mapped = true;
        out->map_ = a.map_;
        out->map_len_ = a.map_len_;
        return EMB_OK;
    }
    if (!two_d || !a.map_ || a.dtype != EMB_DT_F32 || !le || ((uintptr_t)a.data & 3)) {
        emb_npy_close(&a);   /* another dtype, or not mappable: converted (and checked) in memory */
        return emb_npy_load_f32(path, &out->m);
    }
    /* Mapped read-only and populated (MAP_POPULATE on a writable private
     * mapping would copy every page at once); made writable afterwards, so
     * that only pages a caller writes are copied. */
    if (mprotect(a.map_, a.map_len_, PROT_READ | PROT_WRITE) != 0) {
        emb_npy_close(&a);
        return emb_npy_load_f32(path, &out->m);
    }
    out->m.rows = a.shape[0];
    out->m.cols = a.ndim == 2 ? a.shape[1] : 1;
    out->m.data = (float *)a.data;
    out->mapped = true;
    out->map_ = a.map_;
    out->map_len_ = a.map_len_;
    return EMB_OK;
}

void emb_npy_vectors_close(emb_npy_vectors *v) {
    if (!v) return;
    if (v->mapped) munmap(v->map_, v->map_len_);
    else emb_matf_free(&v->m);
    memset(v, 0, sizeof *v);
}

emb_status emb_npy_write(const char *path, emb_dtype dtype, const void *data,
                         int ndim, const int64_t *shape) {
    if (ndim < 0 || ndim > 8) return emb__fail(EMB_E_INVALID, "%s: %d dimensions", path, ndim);
    char dict[512];
    int k = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", dtype_descr(dtype));
    size_t count = 1;
    for (int i = 0; i < ndim; i++) {
        k += snprintf(dict + k, sizeof dict - (size_t)k, "%lld,%s", (long long)shape[i], (ndim > 1 && i < ndim - 1) ? " " : "");
        if (shape[i] < 0 || !emb__mul_ok(count, (size_t)shape[i], &count))
            return emb__fail(EMB_E_INVALID, "%s: bad shape", path);
    }
    if (ndim > 1) k--;  /* "(3, 4)" not "(3, 4,)"; 1-D keeps "(3,)" */
    k += snprintf(dict + k, sizeof dict - (size_t)k, "), }");
    /* Pad with spaces + '\n' so the data starts at a multiple of 64. */
    size_t pre = 10, total = pre + (size_t)k + 1;
    int major = 1;
    size_t hlen = ((total + 63) / 64) * 64 - pre;
    if (hlen > 65535) { major = 2; pre = 12; total = pre + (size_t)k + 1; hlen = ((total + 63) / 64) * 64 - pre; }
    unsigned char head[600];
    memcpy(head, NPY_MAGIC, 6);
    head[6] = (unsigned char)major;
    head[7] = 0;
    if (major == 1) { head[8] = hlen & 0xff; head[9] = (hlen >> 8) & 0xff; }
    else for (int i = 0; i < 4; i++) head[8 + i] = (hlen >> (8 * i)) & 0xff;
    memcpy(head + pre, dict, (size_t)k);
    memset(head + pre + k, ' ', hlen - (size_t)k - 1);
    head[pre + hlen - 1] = '\n';
    emb_outfile o;
    emb_status st = emb_outfile_open(&o, path);
    if (st) return st;
    size_t nbytes = count * dtype_size(dtype);
    if (fwrite(head, 1, pre + hlen, o.f) != pre + hlen || (nbytes && fwrite(data, 1, nbytes, o.f) != nbytes)) {
        st = emb__fail(EMB_E_IO, "%s: write failed", path);
        emb_outfile_abort(&o);
        return st;
    }
    return emb_outfile_commit(&o);
}

emb_status emb_npy_write_f32(const char *path, const float *data, int64_t rows, int64_t cols) {
    int64_t shape[2] = {rows, cols};
    return emb_npy_write(path, EMB_DT_F32, data, 2, shape);
}

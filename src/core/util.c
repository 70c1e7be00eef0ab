/* util.c - allocation with messages, clocks, thread counts, progress, paths,
 * whole-file reads (with gzip), atomic output files, half floats. */
#include "core/internal.h"

#include <errno.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

/* Blocks of EMB__HUGE_MIN bytes and more come from emb__alloc_big: a first
 * touch of a 4 KiB page costs a fault, and on this project's VMs faults are
 * slow (reading a 219 MB .npy into a malloc'd block took 1.0 s, into a
 * huge-page block 0.03 - 0.3 s). free() releases either kind. */
#define EMB__HUGE_MIN ((size_t)8 << 20)
#define EMB__HUGE_ALIGN ((size_t)2 << 20)

void *emb__alloc_big(size_t bytes, bool zero) {
    if (bytes < EMB__HUGE_ALIGN) return zero ? calloc(1, bytes ? bytes : 1) : malloc(bytes ? bytes : 1);
    size_t r = (bytes + EMB__HUGE_ALIGN - 1) & ~(EMB__HUGE_ALIGN - 1);
    if (r < bytes) return NULL;
    void *p = aligned_alloc(EMB__HUGE_ALIGN, r);
#ifdef MADV_HUGEPAGE
    if (p) madvise(p, r, MADV_HUGEPAGE);   /* advice only: failure is harmless */
#endif
    if (p && zero) memset(p, 0, bytes);
    return p;
}

void *emb__malloc(size_t n, const char *what) {
    void *p = n >= EMB__HUGE_MIN ? emb__alloc_big(n, false) : malloc(n ? n : 1);
    if (!p) emb__fail(EMB_E_NOMEM, "out of memory allocating %zu bytes for %s", n, what);
    return p;
}

void *emb__calloc(size_t n, size_t size, const char *what) {
    size_t bytes;
    void *p = emb__mul_ok(n, size, &bytes) && bytes >= EMB__HUGE_MIN ? emb__alloc_big(bytes, true)
                                                                     : calloc(n ? n : 1, size ? size : 1);
    if (!p) emb__fail(EMB_E_NOMEM, "out of memory allocating %zu x %zu bytes for %s", n, size, what);
    return p;
}

char *emb__strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = emb__malloc(n, "string");
    if (p) memcpy(p, s, n);
    return p;
}

double emb_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int emb_threads_resolve(int n_threads) {
    if (n_threads > 0) return n_threads;
    int n = omp_get_max_threads();
    return n > 0 ? n : 1;
}

void emb_progress_report(const emb_progress *p, const char *stage, double frac,
                         const char *msg) {
    if (p && p->fn) p->fn(p->ctx, stage, frac, msg);
}

emb_status emb_matf_alloc(emb_matf *m, int64_t rows, int64_t cols) {
    size_t n;
    if (rows < 0 || cols < 0 || !emb__mul_ok((size_t)rows, (size_t)cols, &n) ||
        !emb__mul_ok(n, sizeof(float), &n))
        return emb__fail(EMB_E_INVALID, "matrix %lld x %lld is too large",
                         (long long)rows, (long long)cols);
    float *d = emb__calloc(n, 1, "matrix");
    if (!d) return EMB_E_NOMEM;
    m->data = d;
    m->rows = rows;
    m->cols = cols;
    return EMB_OK;
}

void emb_matf_free(emb_matf *m) {
    if (!m) return;
    free(m->data);
    m->data = NULL;
    m->rows = m->cols = 0;
}

char *emb_path_join(const char *dir, const char *name) {
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (!p) return NULL;
    memcpy(p, dir, a);
    size_t k = a;
    if (a > 0 && dir[a - 1] != '/') p[k++] = '/';
    memcpy(p + k, name, b + 1);
    return p;
}

emb_status emb_mkdirs(const char *dir) {
    char *p = emb__strdup(dir);
    if (!p) return EMB_E_NOMEM;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == 0) {
            char c = *s;
            *s = 0;
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                emb_status st = emb__fail(EMB_E_IO, "%s: cannot create directory: %s", p, strerror(errno));
                free(p);
                return st;
            }
            *s = c;
            if (!c) break;
        }
    }
    struct stat sb;
    emb_status st = EMB_OK;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        st = emb__fail(EMB_E_IO, "%s: not a directory", dir);
    free(p);
    return st;
}

emb_status emb_outfile_open(emb_outfile *o, const char *path) {
    memset(o, 0, sizeof *o);
    size_t n = strlen(path) + 32;
    o->path = emb__strdup(path);
    o->tmp = emb__malloc(n, "path");
    if (!o->path || !o->tmp) { emb_outfile_abort(o); return EMB_E_NOMEM; }
    snprintf(o->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    o->f = fopen(o->tmp, "wb");
    if (!o->f) {
        emb_status st = emb__fail(EMB_E_IO, "%s: cannot create: %s", o->tmp, strerror(errno));
        emb_outfile_abort(o);
        return st;
    }
    return EMB_OK;
}

emb_status emb_outfile_commit(emb_outfile *o) {
    emb_status st = EMB_OK;
    int bad = ferror(o->f);
    if (fclose(o->f) != 0 || bad)
        st = emb__fail(EMB_E_IO, "%s: write failed: %s", o->tmp, strerror(errno));
    o->f = NULL;
    if (st == EMB_OK && rename(o->tmp, o->path) != 0)
        st = emb__fail(EMB_E_IO, "%s: cannot rename to %s: %s", o->tmp, o->path, strerror(errno));
    if (st != EMB_OK) remove(o->tmp);
    free(o->path);
    free(o->tmp);
    o->path = o->tmp = NULL;
    return st;
}

void emb_outfile_abort(emb_outfile *o) {
    if (o->f) fclose(o->f);
    if (o->tmp) remove(o->tmp);
    free(o->path);
    free(o->tmp);
    memset(o, 0, sizeof *o);
}

/* Whole file into memory. Plain files are read with one fread after fstat;
 * gzip files are inflated in growing chunks up to max_bytes. */
emb_status emb__read_file(const char *path, size_t max_bytes,
                          unsigned char **data, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return emb__fail(EMB_E_IO, "%s: cannot open: %s", path, strerror(errno));
    unsigned char magic[2] = {0, 0};
    size_t got = fread(magic, 1, 2, f);
    fclose(f);
    emb_status st = EMB_OK;
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
        gzFile gz = gzopen(path, "rb");
        if (!gz) return emb__fail(EMB_E_IO, "%s: cannot open gzip stream", path);
        for (;;) {
            if (len == cap) {
                size_t ncap = cap ? cap * 2 : (1u << 20);
                if (max_bytes && ncap > max_bytes + 1) ncap = max_bytes + 1;
                if (ncap <= cap) { st = emb__fail(EMB_E_FORMAT, "%s: decompressed data exceeds %zu bytes", path, max_bytes); break; }
                unsigned char *nb = realloc(buf, ncap);
                if (!nb) { st = emb__fail(EMB_E_NOMEM, "%s: out of memory", path); break; }
                buf = nb;
                cap = ncap;
            }
            size_t want = cap - len;
            if (want > (1u << 30)) want = 1u << 30;
            int r = gzread(gz, buf + len, (unsigned)want);
            if (r < 0) {
                int e;
                const char *m = gzerror(gz, &e);
                st = emb__fail(EMB_E_FORMAT, "%s: corrupt gzip data: %s", path, m);
                break;
            }
            if (r == 0) {
                /* gzread returns 0 at EOF, also for a truncated stream: ask. */
                int e = 0;
                const char *m = gzerror(gz, &e);
                if (e != Z_OK && e != Z_STREAM_END)
                    st = emb__fail(EMB_E_FORMAT, "%s: corrupt gzip data: %s", path, m);
                else if (!gzeof(gz))
                    st = emb__fail(EMB_E_FORMAT, "%s: gzip stream ended early", path);
                break;
            }
            len += (size_t)r;
        }
        gzclose(gz);
    } else {
        f = fopen(path, "rb");
        if (!f) return emb__fail(EMB_E_IO, "%s: cannot open: %s", path, strerror(errno));
        struct stat sb;
        if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
            fclose(f);
            return emb__fail(EMB_E_IO, "%s: not a regular file", path);
        }
        len = (size_t)sb.st_size;
        if (max_bytes && len > max_bytes) {
            fclose(f);
            return emb__fail(EMB_E_FORMAT, "%s: file is %zu bytes, more than the %zu allowed", path, len, max_bytes);
        }
        buf = malloc(len ? len : 1);
        if (!buf) { fclose(f); return emb__fail(EMB_E_NOMEM, "%s: out of memory", path); }
        if (fread(buf, 1, len, f) != len)
            st = emb__fail(EMB_E_IO, "%s: read failed", path);
        fclose(f);
    }
    if (st != EMB_OK) { free(buf); return st; }
    *data = buf;
    *size = len;
    return EMB_OK;
}

float emb__f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0) {
        if (man == 0) bits = sign;
        else { /* subnormal: normalise */
            exp = 127 - 15 + 1;
            while (!(man & 0x400)) { man <<= 1; exp--; }
            man &= 0x3ff;
            bits = sign | (exp << 23) | (man << 13);
        }
    } else if (exp == 31) bits = sign | 0x7f800000u | (man << 13);
    else bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

uint16_t emb__f32_to_f16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000;
    uint32_t exp = (x >> 23) & 0xff, man = x & 0x7fffff;
    if (exp == 0xff) return (uint16_t)(sign | 0x7c00 | (man ? 0x200 : 0));
    int e = (int)exp - 127 + 15;
    if (e >= 31) return (uint16_t)(sign | 0x7c00);
    if (e <= 0) {
        if (e < -10) return (uint16_t)sign;
        man |= 0x800000;
        int shift = 14 - e;
        uint32_t half = man >> shift, rem = man & ((1u << shift) - 1), mid = 1u << (shift - 1);
        if (rem > mid || (rem == mid && (half & 1))) half++;
        return (uint16_t)(sign | half);
    }
    uint32_t half = sign | ((uint32_t)e << 10) | (man >> 13);
    uint32_t rem = man & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (half & 1))) half++;
    return (uint16_t)half;
}

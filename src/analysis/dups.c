/* dups.c - exact, near and shifted duplicates, grouped by union-find.
 *
 * Exact: a 64-bit hash of each item's decoded pixels (XXH3, filled by the
 * embed stage; or of the vector bytes), sorted, and every equal-hash run
 * confirmed by comparing the pixels (or vectors) byte by byte.
 * Near: the kNN graph's pairs with cosine >= threshold. A row whose k
 * neighbours are all above the threshold may belong to a group larger than
 * k, so that item's range (every item at cosine >= threshold) is searched
 * through the graph: the rows of the items found, until no new one is.
 * Shifted (pixel vectors): cosine of raw pixels is not shift-invariant (a
 * 1-pixel shift of an MNIST digit has median cosine 0.85 to its source).
 * Candidates come from the kNN graph of a centred (intensity centroid moved
 * to the middle), blurred, 2x downsampled copy of the images, where a copy
 * moved by whole pixels lands on its source (on MNIST with 1-px shifts the
 * source is the first candidate for 100/100 copies; a blurred copy alone
 * finds it within 20 candidates for only 90/100); each candidate pair is
 * verified by the best cosine over translations of +-max_shift px.
 * Groups: "copies of one image", so every two members of a group are
 * duplicates of each other (complete linkage cut at the threshold), not
 * connected components: union-find over the pairs chains A~B~C into one
 * group when A and C are not alike at all, and on Fashion-MNIST it made
 * groups of 4,002 plain shirts. Pairs are taken by descending similarity;
 * two groups merge only when every cross pair (cosine, or shifted cosine
 * for pixel vectors) is >= threshold. Exact copies travel with their root.
 * A pair whose ends stay apart is counted in n_unmerged_pairs (and kept in
 * pairs). The representative has the highest mean similarity to the
 * other members. */
#include "analysis/analysis.h"
#include "neighbors/neighbors.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#define DUPS_WIDEN_MAX_VISIT (1 << 15)  /* candidates checked per widened item, at most */
#define DUPS_MAX_STORED_PAIRS (1 << 24)  /* widened pairs beyond this are dropped (320 MiB) */
#ifndef DUPS_WIDEN_CHUNK
#define DUPS_WIDEN_CHUNK 8192            /* widened items searched at once (their pairs held together) */
#endif
#define DUPS_REP_SAMPLE 256      /* representative: mean cosine to at most this many members */

const char *emb_dup_kind_name(emb_dup_kind k) {
    switch (k) {
    case EMB_DUP_EXACT: return "exact";
    case EMB_DUP_COPY: return "copy";
    case EMB_DUP_SIMILAR: return "similar";
    default: return "";
    }
}

emb_dups_params emb_dups_default_params(void) {
    emb_dups_params p;
    memset(&p, 0, sizeof p);
    p.threshold = EMB_DUP_THRESHOLD_PIXELS;
    p.shift_threshold = EMB_DUP_SHIFT_THRESHOLD_PIXELS;
    p.max_shift = 2;
    p.shift_candidates = 10;
    p.copy_threshold = EMB_DUP_COPY_THRESHOLD_PIXELS;
    p.copy_shift_threshold = EMB_DUP_COPY_SHIFT_THRESHOLD_PIXELS;
    p.copy_blur_threshold = EMB_DUP_COPY_BLUR_THRESHOLD_PIXELS;
    return p;
}

void emb_dups_free(emb_dups *d) {
    if (!d) return;
    free(d->exact_root);
    free(d->group);
    free(d->kind);
    free(d->similarity);
    free(d->copy_score);
    free(d->group_kind);
    free(d->start);
    free(d->item);
    free(d->pairs);
    memset(d, 0, sizeof *d);
}

/* ---------------------------------------------------------------- pairs */
typedef struct {
    emb_dup_pair *p;
    int64_t n, cap;
} pair_vec;

static bool pair_push(pair_vec *v, emb_dup_pair e) {
    if (e.a > e.b) { int32_t t = e.a; e.a = e.b; e.b = t; }
    if (v->n == v->cap) {
        int64_t cap = v->cap ? v->cap * 2 : 1024;
        emb_dup_pair *np = realloc(v->p, sizeof *np * (size_t)cap);
        if (!np) return false;
        v->p = np;
        v->cap = cap;
    }
    v->p[v->n++] = e;
    return true;
}

static int cmp_pair(const void *x, const void *y) {
    const emb_dup_pair *a = x, *b = y;
    if (a->a != b->a) return a->a < b->a ? -1 : 1;
    if (a->b != b->b) return a->b < b->b ? -1 : 1;
    /* copy before similar, then higher similarity first */
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    return a->similarity > b->similarity ? -1 : a->similarity < b->similarity;
}

/* Sort and keep one entry per (a, b). */
static void pairs_unique(pair_vec *v) {
    if (v->n == 0) return;
    qsort(v->p, (size_t)v->n, sizeof *v->p, cmp_pair);
    int64_t w = 0;
    for (int64_t r = 0; r < v->n; r++)
        if (w == 0 || v->p[r].a != v->p[w - 1].a || v->p[r].b != v->p[w - 1].b) v->p[w++] = v->p[r];
    v->n = w;
}

/* ---------------------------------------------------------------- helpers */
/* a . b in 8 lanes of a GCC generic vector (the tail in one more sum),
 * added up in a fixed order: the same bytes on every CPU and level. */
typedef float dups_v8 __attribute__((vector_size(32), aligned(4)));
/* The 8-float helpers below are always inlined: no call passes a vector by
 * value, so GCC's note on the AVX calling convention does not apply. */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpsabi"
#elif defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
EMB__INLINE float dotf_body(const float *a, const float *b, int64_t d) {
    dups_v8 acc = {0};
    int64_t d8 = d & ~(int64_t)7;
    for (int64_t t = 0; t < d8; t += 8) acc += *(const dups_v8 *)(a + t) * *(const dups_v8 *)(b + t);
    float tail = 0;
    for (int64_t t = d8; t < d; t++) tail += a[t] * b[t];
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail;
}
static float dotf_c(const float *a, const float *b, int64_t d) { return dotf_body(a, b, d); }
#ifdef EMB__X86
/* The same sums in the same order at each level (no contraction into FMA:
 * a product and its sum stay two roundings), in wider instructions. */
EMB__TARGET_AVX2 static float dotf_avx2(const float *a, const float *b, int64_t d) { return dotf_body(a, b, d); }
EMB__TARGET_AVX512 static float dotf_avx512(const float *a, const float *b, int64_t d) { return dotf_body(a, b, d); }
#endif
static float dotf(const float *a, const float *b, int64_t d) {
#ifdef EMB__X86
    emb_cpu_level lv = emb_cpu_level_active();
    if (lv >= EMB_CPU_AVX512) return dotf_avx512(a, b, d);
    if (lv >= EMB_CPU_AVX2) return dotf_avx2(a, b, d);
#endif
    return dotf_c(a, b, d);
}

static float cosine(const emb_matf *x, const float *norm, int64_t i, int64_t j) {
    if (norm[i] == 0 || norm[j] == 0) return 0;
    float dot = x->data ? dotf(x->data + (size_t)i * x->cols, x->data + (size_t)j * x->cols, x->cols)
                        : emb__dot_h(x->half + (size_t)i * x->cols, x->half + (size_t)j * x->cols, x->cols);
    float c = dot / (norm[i] * norm[j]);
    return c > 1 ? 1 : c;
}

/* Row i's bytes (float32 or half-precision values): the exact test's. */
static const void *row_bytes(const emb_matf *x, int64_t i, size_t *len) {
    size_t w = x->data ? sizeof(float) : sizeof(uint16_t);
    *len = w * (size_t)x->cols;
    return x->data ? (const void *)(x->data + (size_t)i * x->cols) : (const void *)(x->half + (size_t)i * x->cols);
}

/* The best dot product of a with b moved by (dy, dx), |dy|, |dx| <= max_shift
 * (b'[y][x] = b[y - dy][x - dx], zero outside). Each alignment's products
 * go into 8 lanes of a GCC generic vector across all its rows (a row's tail
 * into one more sum), added up once at the end: the same order, so the same
 * bytes, at every SIMD level; the level clones only pick the instructions.
 * 30% of a Fashion-MNIST dups run was here, one product at a time.
 * dots (NULL: not wanted) gets every alignment's product, dy-major. */
EMB__INLINE float shifted_best_body(const float *a, const float *b, int w, int h, int c, int max_shift, float *dots) {
    float best = -INFINITY;
    for (int dy = -max_shift; dy <= max_shift; dy++)
        for (int dx = -max_shift; dx <= max_shift; dx++) {
            int y0 = dy > 0 ? dy : 0, y1 = dy < 0 ? h + dy : h;
            int x0 = dx > 0 ? dx : 0, x1 = dx < 0 ? w + dx : w;
            int len = (x1 - x0) * c, len8 = len & ~7;
            dups_v8 acc = {0};
            float tail = 0;
            for (int y = y0; y < y1; y++) {
                const float *ra = a + ((size_t)y * w + x0) * c;
                const float *rb = b + ((size_t)(y - dy) * w + (x0 - dx)) * c;
                for (int t = 0; t < len8; t += 8) acc += *(const dups_v8 *)(ra + t) * *(const dups_v8 *)(rb + t);
                for (int t = len8; t < len; t++) tail += ra[t] * rb[t];
            }
            float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail;
            if (dots) *dots++ = s;
            if (s > best) best = s;
        }
    return best;
}
typedef float (*shifted_best_fn)(const float *, const float *, int, int, int, int, float *);
static float shifted_best_c(const float *a, const float *b, int w, int h, int c, int m, float *dots) {
    return shifted_best_body(a, b, w, h, c, m, dots);
}
#ifdef EMB__X86
EMB__TARGET_AVX2 static float shifted_best_avx2(const float *a, const float *b, int w, int h, int c, int m, float *dots) {
    return shifted_best_body(a, b, w, h, c, m, dots);
}
EMB__TARGET_AVX512 static float shifted_best_avx512(const float *a, const float *b, int w, int h, int c, int m, float *dots) {
    return shifted_best_body(a, b, w, h, c, m, dots);
}
#endif

/* An alignment counts for the overlap cosine only when the overlap keeps
 * this share of both images' energy (|a|^2 over the overlap / |a|^2). */
#define DUPS_OVERLAP_MIN_ENERGY 0.5

/* Sums of squares of img's rows, then of its columns (rc: h + w floats). */
static void edge_sums(const float *img, int w, int h, int c, float *rc) {
    double cs[w > 0 ? w : 1];
    for (int x = 0; x < w; x++) cs[x] = 0;
    for (int y = 0; y < h; y++) {
        double r = 0;
        for (int x = 0; x < w; x++) {
            double q = 0;
            for (int ch = 0; ch < c; ch++) { double v = img[((size_t)y * w + x) * c + ch]; q += v * v; }
            r += q;
            cs[x] += q;
        }
        rc[y] = (float)r;
    }
    for (int x = 0; x < w; x++) rc[h + x] = (float)cs[x];
}

/* The energy of img outside rows [y0, y1) x columns [x0, x1) (a border of
 * at most max_shift rows and columns), from its row and column sums (rc):
 * the rows and columns outside, less the corners they share, counted twice. */
static double outside_energy(const float *img, const float *rc, int w, int h, int c, int y0, int y1, int x0, int x1) {
    double e = 0;
    for (int y = 0; y < y0; y++) e += rc[y];
    for (int y = y1; y < h; y++) e += rc[y];
    for (int x = 0; x < x0; x++) e += rc[h + x];
    for (int x = x1; x < w; x++) e += rc[h + x];
    const int ry[4] = {0, y0, y1, h}, rx[4] = {0, x0, x1, w};   /* outside: [0, y0) and [y1, h), likewise x */
    for (int py = 0; py < 4; py += 2)
        for (int y = ry[py]; y < ry[py + 1]; y++)
            for (int px = 0; px < 4; px += 2)
                for (int x = rx[px]; x < rx[px + 1]; x++)
                    for (int ch = 0; ch < c; ch++) { double v = img[((size_t)y * w + x) * c + ch]; e -= v * v; }
    return e > 0 ? e : 0;
}

/* The best cosine of a and b over the alignments whose dot products are
 * dots (shifted_best_body's order), each over the overlap only: what moved
 * out of the frame does not count, so a copy of an item that fills its
 * frame, moved by 2 px with zero fill, scores what its visible part does.
 * Alignments that keep under DUPS_OVERLAP_MIN_ENERGY of either image's
 * energy are skipped. na2, nb2: |a|^2, |b|^2 (> 0); ra, rb: their
 * edge_sums. */
static float overlap_cosine_best(const float *a, const float *b, double na2, double nb2, const float *ra, const float *rb,
                                 const float *dots, int w, int h, int c, int max_shift) {
    double best = -1;
    for (int dy = -max_shift; dy <= max_shift; dy++)
        for (int dx = -max_shift; dx <= max_shift; dx++) {
            float s = *dots++;
            int y0 = dy > 0 ? dy : 0, y1 = dy < 0 ? h + dy : h;
            int x0 = dx > 0 ? dx : 0, x1 = dx < 0 ? w + dx : w;
            if (y1 <= y0 || x1 <= x0 || !(s > 0)) continue;
            double ea = na2 - outside_energy(a, ra, w, h, c, y0, y1, x0, x1);
            double eb = nb2 - outside_energy(b, rb, w, h, c, y0 - dy, y1 - dy, x0 - dx, x1 - dx);
            if (ea < DUPS_OVERLAP_MIN_ENERGY * na2 || eb < DUPS_OVERLAP_MIN_ENERGY * nb2) continue;
            double r = s / sqrt(ea * eb);
            if (r > best) best = r;
        }
    return (float)(best > 1 ? 1 : best);
}

/* The shifted cosine of a and b whose norms are na, nb (> 0); with their
 * edge_sums ra and rb (else NULL), *overlap gets overlap_cosine_best's. */
static float shifted_cosine_n(const float *a, const float *b, double na, double nb, int w, int h, int c, int max_shift,
                              const float *ra, const float *rb, float *overlap) {
    shifted_best_fn best = shifted_best_c;
#ifdef EMB__X86
    emb_cpu_level lv = emb_cpu_level_active();
    if (lv >= EMB_CPU_AVX512) best = shifted_best_avx512;
    else if (lv >= EMB_CPU_AVX2) best = shifted_best_avx2;
#endif
    float dots[(2 * 8 + 1) * (2 * 8 + 1)];   /* max_shift <= 8 (emb_dups_find checks) */
    bool want = ra && rb && overlap;
    double cs = best(a, b, w, h, c, max_shift, want ? dots : NULL) / (na * nb);
    if (want) *overlap = overlap_cosine_best(a, b, na * na, nb * nb, ra, rb, dots, w, h, c, max_shift);
    return (float)(cs > 1 ? 1 : cs);
}

float emb_shifted_cosine(const float *a, const float *b, int w, int h, int c, int max_shift) {
    double na = 0, nb = 0;
    size_t d = (size_t)w * h * c;
    for (size_t t = 0; t < d; t++) { na += (double)a[t] * a[t]; nb += (double)b[t] * b[t]; }
    if (na == 0 || nb == 0) return 0;
    return shifted_cosine_n(a, b, sqrt(na), sqrt(nb), w, h, c, max_shift, NULL, NULL, NULL);
}

/* ---------------------------------------------------------------- copy criterion */
/* What a pair test needs: the vectors, their norms, the parameters and, for
 * pixel vectors, the copy signatures. */
typedef struct {
    const emb_matf *x;
    const float *norm;        /* (n) L2 norms of x's rows */
    const emb_dups_params *p;
    const float *cs;          /* (n, d) centred, unit-norm, 3x3-median-filtered images; NULL
                                 for vectors without an image shape */
    const float *coarse;      /* (n, coarse_d) the signatures projected on 4x4-pixel blocks */
    int64_t coarse_d;
    const float *edge;        /* (n, img_h + img_w) each image's edge_sums, for the overlap cosine; or NULL */
    float **blurred;          /* (n) each item's blurred signatures (blurred_sigs), made on first
                                 use and published atomically; NULL slots until then */
    int64_t *blur_budget;     /* floats the cache may still take */
} dups_ctx;

/* Row i's edge_sums, or NULL. */
static const float *edge_of(const dups_ctx *c, int64_t i) {
    return c->edge ? c->edge + (size_t)i * (size_t)(c->p->img_h + c->p->img_w) : NULL;
}

/* Lane-wise min / max of 8 floats by a compare mask (exact, no branch;
 * GCC picks vminps / blends at each level). */
typedef int dups_i8 __attribute__((vector_size(32), aligned(4)));
EMB__INLINE dups_v8 v8_min(dups_v8 a, dups_v8 b) {
    dups_i8 m = a < b;
    return (dups_v8)((m & (dups_i8)a) | (~m & (dups_i8)b));
}
EMB__INLINE dups_v8 v8_max(dups_v8 a, dups_v8 b) {
    dups_i8 m = a < b;
    return (dups_v8)((m & (dups_i8)b) | (~m & (dups_i8)a));
}
EMB__INLINE dups_v8 v8_med3(dups_v8 a, dups_v8 b, dups_v8 c) { return v8_max(v8_min(a, b), v8_min(v8_max(a, b), c)); }
#define V8(p) (*(const dups_v8 *)(p))

/* Floats of scratch copy_signature needs for a row of w pixels and h rows. */
static size_t copy_signature_tmp(int w, int h) {
    size_t w8 = ((size_t)w + 7) & ~(size_t)7;
    return ((size_t)h + 2) * w8 + 3 * (w8 + 8) + w8;
}

/* The copy signature of one (h, w, c) image: each channel 3x3-median
 * filtered (the edge repeated outside, scipy.ndimage.median_filter's
 * mode="nearest": a copy moved by 1 px with its edge repeated then filters
 * to the source moved),
 * minus its mean, divided by its norm (all zero when the image is flat).
 * The dot product of two signatures is their Pearson correlation.
 * The median of a 3x3 window is exactly med3(max of the three columns'
 * minima, median of their medians, min of their maxima); each column's
 * sorted triple is shared by three windows, and 8 windows go at once.
 * tmp holds copy_signature_tmp(w, h) floats. */
EMB__INLINE void copy_signature_body(const float *src, int w, int h, int c, float *dst, float *tmp) {
    size_t d = (size_t)w * h * c, w8 = ((size_t)w + 7) & ~(size_t)7;
    float *plane = tmp;                             /* (h + 2, w8): rows -1..h, the edge repeated */
    float *lo = plane + ((size_t)h + 2) * w8;       /* (w8 + 8): columns -1..w */
    float *mi = lo + w8 + 8, *hi = mi + w8 + 8, *o = hi + w8 + 8;
    for (int ch = 0; ch < c; ch++) {
        for (int y = -1; y <= h; y++) {
            int yy = y < 0 ? 0 : y >= h ? h - 1 : y;
            float *r = plane + (size_t)(y + 1) * w8;
            for (int x = 0; x < w; x++) r[x] = src[((size_t)yy * w + x) * c + ch];
            for (size_t x = (size_t)w; x < w8; x++) r[x] = 0;
        }
        for (int y = 0; y < h; y++) {
            const float *ra = plane + (size_t)y * w8, *rb = ra + w8, *rc = rb + w8;
            for (size_t x = 0; x < w8; x += 8) {
                dups_v8 va = V8(ra + x), vb = V8(rb + x), vc = V8(rc + x);
                dups_v8 l = v8_min(va, vb), u = v8_max(va, vb);
                *(dups_v8 *)(lo + 1 + x) = v8_min(l, vc);
                *(dups_v8 *)(hi + 1 + x) = v8_max(u, vc);
                *(dups_v8 *)(mi + 1 + x) = v8_max(l, v8_min(u, vc));
            }
            lo[0] = lo[1], mi[0] = mi[1], hi[0] = hi[1];
            lo[w + 1] = lo[w], mi[w + 1] = mi[w], hi[w + 1] = hi[w];
            for (size_t x = 0; x < w8; x += 8) {
                dups_v8 l = v8_max(v8_max(V8(lo + x), V8(lo + x + 1)), V8(lo + x + 2));
                dups_v8 u = v8_min(v8_min(V8(hi + x), V8(hi + x + 1)), V8(hi + x + 2));
                *(dups_v8 *)(o + x) = v8_med3(l, v8_med3(V8(mi + x), V8(mi + x + 1), V8(mi + x + 2)), u);
            }
            float *out = dst + (size_t)y * w * c + ch;
            for (int x = 0; x < w; x++) out[(size_t)x * c] = o[x];
        }
    }
    double mean = 0;
    for (size_t t = 0; t < d; t++) mean += dst[t];
    mean /= (double)d;
    double ss = 0;
    for (size_t t = 0; t < d; t++) { dst[t] = (float)(dst[t] - mean); ss += (double)dst[t] * dst[t]; }
    float inv = ss > 0 ? (float)(1.0 / sqrt(ss)) : 0.0f;
    for (size_t t = 0; t < d; t++) dst[t] *= inv;
}
typedef void (*copy_signature_fn)(const float *, int, int, int, float *, float *);
static void copy_signature_c(const float *src, int w, int h, int c, float *dst, float *tmp) {
    copy_signature_body(src, w, h, c, dst, tmp);
}
#ifdef EMB__X86
EMB__TARGET_AVX2 static void copy_signature_avx2(const float *src, int w, int h, int c, float *dst, float *tmp) {
    copy_signature_body(src, w, h, c, dst, tmp);
}
EMB__TARGET_AVX512 static void copy_signature_avx512(const float *src, int w, int h, int c, float *dst, float *tmp) {
    copy_signature_body(src, w, h, c, dst, tmp);
}
#endif

static copy_signature_fn copy_signature_pick(void) {
#ifdef EMB__X86
    emb_cpu_level lv = emb_cpu_level_active();
    if (lv >= EMB_CPU_AVX512) return copy_signature_avx512;
    if (lv >= EMB_CPU_AVX2) return copy_signature_avx2;
#endif
    return copy_signature_c;
}

/* Test hook (analysis.h): one image's copy signature at the active level. */
emb_status emb__copy_signature(const float *src, int w, int h, int c, float *dst) {
    if (w < 1 || h < 1 || c < 1) return emb__fail(EMB_E_INVALID, "copy signature: shape %dx%dx%d", h, w, c);
    float *tmp = calloc(copy_signature_tmp(w, h), sizeof(float));
    if (!tmp) return emb__fail(EMB_E_NOMEM, "out of memory (copy signature)");
    copy_signature_pick()(src, w, h, c, dst, tmp);
    free(tmp);
    return EMB_OK;
}

/* The projection of a signature on the orthonormal indicator vectors of
 * 4x4-pixel blocks (smaller at the right and bottom edges), per channel:
 * each block's sum / sqrt(its size). A projection never lengthens a vector,
 * so |P a - P b|^2 <= |a - b|^2 = 2 - 2 a.b for unit signatures: a pair far
 * apart here cannot reach the copy threshold (coarse_far), checked on 49
 * floats (28x28) instead of 784. */
static void coarse_of(const float *sig, int w, int h, int c, float *dst) {
    int bw = (w + 3) / 4, bh = (h + 3) / 4;
    for (int by = 0; by < bh; by++)
        for (int bx = 0; bx < bw; bx++)
            for (int ch = 0; ch < c; ch++) {
                double sum = 0;
                int m = 0;
                for (int y = 4 * by; y < h && y < 4 * by + 4; y++)
                    for (int x = 4 * bx; x < w && x < 4 * bx + 4; x++, m++) sum += sig[((size_t)y * w + x) * c + ch];
                dst[((size_t)by * bw + bx) * c + ch] = (float)(sum / sqrt((double)m));
            }
}

static int64_t coarse_dims(int w, int h, int c) { return (int64_t)((w + 3) / 4) * ((h + 3) / 4) * c; }

/* Every row's copy signature (out), its coarse projection (coarse) and, when
 * translations are tried, its edge_sums (edge; else NULL). */
static emb_status copy_signatures(const emb_matf *x, const emb_dups_params *p, float **out, float **coarse, float **edge) {
    *out = NULL;
    *coarse = NULL;
    *edge = NULL;
    int w = p->img_w, h = p->img_h, c = p->img_c > 0 ? p->img_c : 1;
    if ((int64_t)w * h * c != x->cols)
        return emb__fail(EMB_E_INVALID, "dups: image shape %dx%dx%d does not match %lld dims", h, w, c, (long long)x->cols);
    int64_t cd = coarse_dims(w, h, c);
    float *cs = emb__malloc(sizeof(float) * (size_t)(x->rows ? x->rows : 1) * (size_t)x->cols, "copy signatures");
    float *co = emb__malloc(sizeof(float) * (size_t)(x->rows ? x->rows : 1) * (size_t)cd, "copy signatures");
    int64_t ed = p->max_shift > 0 ? (int64_t)w + h : 0;
    float *ed_sums = ed ? emb__malloc(sizeof(float) * (size_t)(x->rows ? x->rows : 1) * (size_t)ed, "copy signatures") : NULL;
    if (!cs || !co || (ed && !ed_sums)) { free(cs); free(co); free(ed_sums); return EMB_E_NOMEM; }
    copy_signature_fn sig_fn = copy_signature_pick();
    bool nomem = false;
    #pragma omp parallel num_threads(emb_threads_resolve(p->n_threads))
    {
        float *tmp = calloc(copy_signature_tmp(w, h), sizeof(float));
        if (!tmp) {
            #pragma omp atomic write
            nomem = true;
        }
        #pragma omp for schedule(static)
        for (int64_t i = 0; i < x->rows; i++)
            if (tmp) {
                float *sig = cs + (size_t)i * x->cols;
                sig_fn(x->data + (size_t)i * x->cols, w, h, c, sig, tmp);
                coarse_of(sig, w, h, c, co + (size_t)i * cd);
                if (ed_sums) edge_sums(x->data + (size_t)i * x->cols, w, h, c, ed_sums + (size_t)i * ed);
            }
        free(tmp);
    }
    if (nomem) { free(cs); free(co); free(ed_sums); return emb__fail(EMB_E_NOMEM, "out of memory (copy signatures)"); }
    *out = cs;
    *coarse = co;
    *edge = ed_sums;
    return EMB_OK;
}

/* True when i and j's signatures certainly correlate below the copy
 * threshold: their coarse projections are farther apart than a pair at the
 * threshold can be (a margin of 1e-3 covers the float rounding of both). */
static bool coarse_far(const dups_ctx *c, int64_t i, int64_t j) {
    float t = c->p->copy_threshold;
    if (!c->coarse || !(t > 0)) return false;
    const float *a = c->coarse + (size_t)i * c->coarse_d, *b = c->coarse + (size_t)j * c->coarse_d;
    float s = 0;
    for (int64_t q = 0; q < c->coarse_d; q++) s += (a[q] - b[q]) * (a[q] - b[q]);
    return s > 2.0f - 2.0f * t + 1e-3f;
}

/* The best Pearson correlation of a with b moved by (dy, dx), |dy|, |dx| <=
 * max_shift, each alignment over the overlap only (what moved in or out
 * does not count): the same sums for every alignment, in 8 lanes of a
 * GCC generic vector, in a fixed order at every SIMD level. */
static float shifted_corr_best(const float *a, const float *b, int w, int h, int c, int max_shift) {
    double best = -1;
    for (int dy = -max_shift; dy <= max_shift; dy++)
        for (int dx = -max_shift; dx <= max_shift; dx++) {
            int y0 = dy > 0 ? dy : 0, y1 = dy < 0 ? h + dy : h;
            int x0 = dx > 0 ? dx : 0, x1 = dx < 0 ? w + dx : w;
            if (dy) y0++, y1--;   /* the overlap's rows at both cut ends differ by the median filter's edges */
            if (dx) x0++, x1--;
            if (y1 <= y0 || x1 <= x0) continue;
            int len = (x1 - x0) * c, len8 = len & ~7;
            dups_v8 sa = {0}, sb = {0}, saa = {0}, sbb = {0}, sab = {0};
            double ta = 0, tb = 0, taa = 0, tbb = 0, tab = 0;
            for (int y = y0; y < y1; y++) {
                const float *ra = a + ((size_t)y * w + x0) * c;
                const float *rb = b + ((size_t)(y - dy) * w + (x0 - dx)) * c;
                for (int t = 0; t < len8; t += 8) {
                    dups_v8 va = *(const dups_v8 *)(ra + t), vb = *(const dups_v8 *)(rb + t);
                    sa += va; sb += vb; saa += va * va; sbb += vb * vb; sab += va * vb;
                }
                for (int t = len8; t < len; t++) { ta += ra[t]; tb += rb[t]; taa += ra[t] * ra[t]; tbb += rb[t] * rb[t]; tab += ra[t] * rb[t]; }
            }
            for (int l = 0; l < 8; l++) { ta += sa[l]; tb += sb[l]; taa += saa[l]; tbb += sbb[l]; tab += sab[l]; }
            double m = (double)(y1 - y0) * len;
            double va = taa - ta * ta / m, vb = tbb - tb * tb / m;
            if (m < 1 || va <= 0 || vb <= 0) continue;
            double r = (tab - ta * tb / m) / sqrt(va * vb);
            if (r > best) best = r;
        }
    return (float)(best > 1 ? 1 : best);
}

/* Gaussian blur of one (h, w, c) image, the edge repeated outside (scipy's
 * gaussian_filter, mode="nearest", truncate 4): rows, then columns, each a
 * sum of shifted rows (the inner loops run along a row: vectorised). tmp
 * holds w h c + (w + 16) c floats. */
static void gauss_blur(const float *src, int w, int h, int c, float sigma, float *dst, float *tmp) {
    int r = (int)(4.0f * sigma + 0.5f);
    if (r > 8) r = 8;
    float k[17], sum = 0;
    for (int t = -r; t <= r; t++) sum += k[t + r] = expf(-0.5f * (float)(t * t) / (sigma * sigma));
    for (int t = 0; t <= 2 * r; t++) k[t] /= sum;
    size_t wc = (size_t)w * c;
    float *rows = tmp, *pad = tmp + (size_t)h * wc;   /* pad: one row, r pixels each side */
    for (int y = 0; y < h; y++) {
        const float *s = src + (size_t)y * wc;
        memcpy(pad + (size_t)r * c, s, sizeof(float) * wc);
        for (int x = 0; x < r; x++)
            for (int ch = 0; ch < c; ch++) {
                pad[(size_t)x * c + ch] = s[ch];
                pad[(size_t)(w + r + x) * c + ch] = s[(size_t)(w - 1) * c + ch];
            }
        float *o = rows + (size_t)y * wc;
        for (size_t q = 0; q < wc; q++) o[q] = 0;
        for (int t = 0; t <= 2 * r; t++) {
            const float *p = pad + (size_t)t * c;
            float kt = k[t];
            for (size_t q = 0; q < wc; q++) o[q] += kt * p[q];
        }
    }
    for (int y = 0; y < h; y++) {
        float *o = dst + (size_t)y * wc;
        for (size_t q = 0; q < wc; q++) o[q] = 0;
        for (int t = -r; t <= r; t++) {
            int yy = y + t < 0 ? 0 : y + t >= h ? h - 1 : y + t;
            const float *p = rows + (size_t)yy * wc;
            float kt = k[t + r];
            for (size_t q = 0; q < wc; q++) o[q] += kt * p[q];
        }
    }
}

#define DUP_BLUR_SIGMAS 3
static const float dup_blur_sigma[DUP_BLUR_SIGMAS] = {0.5f, 0.7f, 0.9f};
/* Floats the blurred signatures may keep cached: 256 MB (70,000 28x28
 * images in pairs would take 660 MB; an image in a pair is seen again and
 * again, so most of the benefit comes from a part of them). */
#define DUP_BLUR_CACHE_FLOATS (64ll << 20)

/* Item i's copy signature after each Gaussian blur of dup_blur_sigma, (3, d):
 * from the cache, else computed into own (allocated here when *own is NULL) and cached while the budget
 * lasts. NULL when out of memory. */
static const float *blurred_sigs(const dups_ctx *c, int64_t i, float **own) {
    float *have = __atomic_load_n(&c->blurred[i], __ATOMIC_ACQUIRE);
    if (have) return have;
    const emb_dups_params *p = c->p;
    int w = p->img_w, h = p->img_h, ch = p->img_c > 0 ? p->img_c : 1;
    size_t d = (size_t)c->x->cols, len = DUP_BLUR_SIGMAS * d;
    bool keep = __atomic_sub_fetch(c->blur_budget, (int64_t)len, __ATOMIC_RELAXED) >= 0;
    float *out = keep ? malloc(sizeof(float) * len) : NULL;
    size_t blur_tmp = d + ((size_t)w + 16) * ch;
    if (!*own) *own = malloc(sizeof(float) * (len + d + blur_tmp + copy_signature_tmp(w, h)));
    if (!*own) { free(out); return NULL; }
    float *bl = *own + len, *tmp = bl + d, *stmp = tmp + blur_tmp, *dst = out ? out : *own;
    copy_signature_fn sig = copy_signature_pick();
    for (int q = 0; q < DUP_BLUR_SIGMAS; q++) {
        gauss_blur(c->x->data + (size_t)i * d, w, h, ch, dup_blur_sigma[q], bl, tmp);
        sig(bl, w, h, ch, dst + q * d, stmp);
    }
    if (!out) return dst;
    float *expected = NULL;
    if (__atomic_compare_exchange_n(&c->blurred[i], &expected, out, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return out;
    free(out);                 /* another thread cached it first */
    return expected;
}

/* The best correlation of one image's copy signature with the other's after
 * a Gaussian blur (EMB_DUP_COPY_BLUR_THRESHOLD_PIXELS), either way round;
 * -1 when out of memory. */
static float blurred_corr_best(const dups_ctx *c, int64_t i, int64_t j) {
    size_t d = (size_t)c->x->cols;
    float *own_i = NULL, *own_j = NULL, best = -1.0f;
    const float *bi = blurred_sigs(c, i, &own_i), *bj = bi ? blurred_sigs(c, j, &own_j) : NULL;
    if (bi && bj)
        for (int q = 0; q < DUP_BLUR_SIGMAS; q++) {
            float s = dotf(bi + q * d, c->cs + (size_t)j * d, (int64_t)d), t = dotf(bj + q * d, c->cs + (size_t)i * d, (int64_t)d);
            if (s > best) best = s;
            if (t > best) best = t;
        }
    free(own_i); free(own_j);
    return best > 1 ? 1 : best;
}

/* copy_match's tests beyond the plain correlation: translations; one side
 * blurred, for pairs of raw cosine >= threshold (COPY_BLUR) or, for pairs
 * already close in the graph (an item's DUP_BLUR_NEAR_RANK nearest, a
 * candidate group's members), >= DUP_BLUR_NEAR_COS (COPY_BLUR_NEAR: a copy
 * resized 28 -> 24 -> 28 px scores 0.95 - 0.99 raw and is its source's
 * nearest or second nearest; on Fashion-MNIST none of the 59,804 such pairs
 * of its 70,000 items from 0.95 to 0.985 reaches 0.995 blurred). */
enum { COPY_SHIFT = 1, COPY_BLUR = 2, COPY_BLUR_NEAR = 4 };
#define DUP_BLUR_NEAR_RANK 2
#define DUP_BLUR_NEAR_COS 0.95f

/* Is (i, j) a copy? Pixels: signature correlation >= copy_threshold, or
 * (tests COPY_BLUR / COPY_BLUR_NEAR, raw cosine at their gate) with one
 * side blurred >= copy_blur_threshold, or
 * (tests COPY_SHIFT) its best over translations >= copy_shift_threshold, tried
 * only when the pair's best raw cosine over shifts, over the whole frame or
 * over the overlap (overlap_cosine_best: a copy moved 2 px whose item fills
 * the frame loses what moved out), reaches the similar threshold (a moved
 * copy does; 25 correlations per candidate would double the shift search;
 * shifted_cos: the larger of the two, < -1: not known yet); vectors:
 * cosine >= copy_threshold. *score gets the score that decided (the
 * unshifted one when neither holds), *shifted whether a translation did. */
static bool copy_match_hint(const dups_ctx *c, int64_t i, int64_t j, int tests, float shifted_cos, float *score,
                            uint8_t *shifted) {
    const emb_dups_params *p = c->p;
    *shifted = 0;
    if (!c->cs) {
        *score = cosine(c->x, c->norm, i, j);
        return *score >= p->copy_threshold;
    }
    int64_t d = c->x->cols;
    const float *a = c->cs + (size_t)i * d, *b = c->cs + (size_t)j * d;
    float s = dotf(a, b, d);
    *score = s > 1 ? 1 : s;
    if (s >= p->copy_threshold) return true;
    if ((tests & (COPY_BLUR | COPY_BLUR_NEAR)) && p->copy_blur_threshold <= 1 && p->copy_threshold <= 1 &&
        cosine(c->x, c->norm, i, j) >= ((tests & COPY_BLUR_NEAR) ? DUP_BLUR_NEAR_COS : p->threshold)) {
        float t = blurred_corr_best(c, i, j);
        if (t >= p->copy_blur_threshold) { *score = t; return true; }
    }
    if (!(tests & COPY_SHIFT) || p->max_shift <= 0 || p->copy_shift_threshold > 1) return false;
    int w = p->img_w, h = p->img_h, ch = p->img_c > 0 ? p->img_c : 1;
    if (shifted_cos < -1) {
        const emb_matf *x = c->x;
        float ov = -1;
        shifted_cos = c->norm[i] > 0 && c->norm[j] > 0
                          ? shifted_cosine_n(x->data + (size_t)i * d, x->data + (size_t)j * d, c->norm[i], c->norm[j], w, h, ch,
                                             p->max_shift, edge_of(c, i), edge_of(c, j), &ov)
                          : 0.0f;
        if (ov > shifted_cos) shifted_cos = ov;
    }
    if (shifted_cos < p->threshold) return false;
    float t = shifted_corr_best(a, b, w, h, ch, p->max_shift);
    if (t >= p->copy_shift_threshold) { *score = t; *shifted = 1; return true; }
    return false;
}

static bool copy_match(const dups_ctx *c, int64_t i, int64_t j, int tests, float *score, uint8_t *shifted) {
    return copy_match_hint(c, i, j, tests, -2.0f, score, shifted);
}

/* Are i and j similar? Cosine >= threshold; for pixel vectors else the best
 * cosine over shifts >= shift_threshold. *sim gets the similarity that
 * decided (the larger), *shifted whether a translation did, *gate the copy
 * test's hint (copy_match_hint's shifted_cos: the larger of *sim and, with
 * copy signatures, the overlap cosine). */
static bool similar_match(const dups_ctx *c, int64_t i, int64_t j, float *sim, uint8_t *shifted, float *gate) {
    const emb_dups_params *p = c->p;
    float s = cosine(c->x, c->norm, i, j), ov = -1;
    *shifted = 0;
    bool ok = s >= p->threshold;
    if (!ok && p->img_w > 0 && p->img_h > 0 && p->max_shift > 0) {
        const emb_matf *x = c->x;
        float t = c->norm[i] > 0 && c->norm[j] > 0
                      ? shifted_cosine_n(x->data + (size_t)i * x->cols, x->data + (size_t)j * x->cols, c->norm[i], c->norm[j],
                                         p->img_w, p->img_h, p->img_c > 0 ? p->img_c : 1, p->max_shift, edge_of(c, i),
                                         edge_of(c, j), &ov)
                      : 0.0f;
        if (t > s) { s = t; *shifted = 1; }
        ok = t >= p->shift_threshold;
    }
    *sim = s;
    *gate = ov > s ? ov : s;
    return ok;
}

/* The pair (i, j), translations tried, when it is a copy or similar: kind
 * COPY when the copy criterion holds, else SIMILAR (the centred graph's
 * candidates, see shift_search). */
static bool make_pair(const dups_ctx *c, int64_t i, int64_t j, emb_dup_pair *out) {
    float cs, sim, gate;
    uint8_t sh_c, sh_s;
    bool simi = similar_match(c, i, j, &sim, &sh_s, &gate);
    /* gate is the best raw cosine over shifts (or over their overlaps), or >= threshold already */
    bool copy = copy_match_hint(c, i, j, COPY_SHIFT | COPY_BLUR, gate, &cs, &sh_c);
    if (!copy && !simi) return false;
    *out = (emb_dup_pair){(int32_t)i, (int32_t)j, sim, cs, copy ? EMB_DUP_COPY : EMB_DUP_SIMILAR, copy ? sh_c : sh_s};
    return true;
}

/* make_pair without translations, for a pair whose cosine sim is known
 * (the kNN graph's, the range search's): for pixels one more dot product
 * (the signatures'), for vectors none. */
static bool pair_from_cos(const dups_ctx *c, int64_t i, int64_t j, float sim, bool near, emb_dup_pair *out) {
    float cs = sim;
    uint8_t sh;
    near = near && sim >= DUP_BLUR_NEAR_COS;
    if (c->cs && sim < c->p->threshold && !near && coarse_far(c, i, j)) return false;   /* neither copy nor similar */
    bool copy = c->cs ? copy_match(c, i, j, near ? COPY_BLUR | COPY_BLUR_NEAR : COPY_BLUR, &cs, &sh)
                      : sim >= c->p->copy_threshold;
    if (!copy && sim < c->p->threshold) return false;
    *out = (emb_dup_pair){(int32_t)i, (int32_t)j, sim, cs, copy ? EMB_DUP_COPY : EMB_DUP_SIMILAR, 0};
    return true;
}

/* Do items i and j (equal hash) have identical pixels (or vectors)? */
static bool same_content(const emb_matf *x, const emb_dataset *ds, bool pixel_hash, int64_t i, int64_t j) {
    if (!pixel_hash) {
        size_t len;
        const void *a = row_bytes(x, i, &len), *b = row_bytes(x, j, &len);
        return !memcmp(a, b, len);
    }
    if (ds->source == EMB_SOURCE_IDX && ds->pixels) {
        size_t np = (size_t)ds->img_w * ds->img_h;
        return !memcmp(ds->pixels + (size_t)i * np, ds->pixels + (size_t)j * np, np);
    }
    emb_image a, b;
    if (emb_dataset_image(ds, i, &a)) return false;
    bool same = false;
    if (!emb_dataset_image(ds, j, &b)) {
        same = a.w == b.w && a.h == b.h && !memcmp(a.rgb, b.rgb, (size_t)a.w * a.h * 3);
        emb_image_free(&b);
    }
    emb_image_free(&a);
    return same;
}

typedef struct { uint64_t h; int64_t i; } hash_item;
static int cmp_hash_item(const void *x, const void *y) {
    const hash_item *a = x, *b = y;
    if (a->h != b->h) return a->h < b->h ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* exact_root[i] = smallest index with identical content. */
static emb_status find_exact(const emb_matf *x, const emb_dataset *ds, emb_dups *out, int nt) {
    int64_t n = x->rows;
    bool pixel_hash = ds && ds->pixel_hash && ds->n == n;
    hash_item *hs = emb__malloc(sizeof *hs * (size_t)(n ? n : 1), "hashes");
    if (!hs) return EMB_E_NOMEM;
    #pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t i = 0; i < n; i++) {
        uint64_t h = pixel_hash ? ds->pixel_hash[i] : 0;
        if (!h) {
            size_t len;
            const void *r = row_bytes(x, i, &len);
            h = XXH3_64bits(r, len);
        }
        hs[i] = (hash_item){h, i};
    }
    qsort(hs, (size_t)n, sizeof *hs, cmp_hash_item);
    for (int64_t i = 0; i < n; i++) out->exact_root[i] = i;
    for (int64_t r0 = 0; r0 < n;) {
        int64_t r1 = r0 + 1;
        while (r1 < n && hs[r1].h == hs[r0].h) r1++;
        /* within the run (ascending index): each item joins the first earlier
         * item of the run with identical content, checked against roots only */
        for (int64_t a = r0 + 1; a < r1; a++)
            for (int64_t b = r0; b < a; b++) {
                int64_t ib = hs[b].i;
                if (out->exact_root[ib] != ib) continue;
                if (same_content(x, ds, pixel_hash, ib, hs[a].i)) { out->exact_root[hs[a].i] = ib; break; }
            }
        r0 = r1;
    }
    free(hs);
    for (int64_t i = 0; i < n; i++) out->n_exact_extra += out->exact_root[i] != i;
    /* sets: roots that have at least one copy */
    uint8_t *has = calloc((size_t)(n ? n : 1), 1);
    if (!has) return emb__fail(EMB_E_NOMEM, "out of memory");
    for (int64_t i = 0; i < n; i++)
        if (out->exact_root[i] != i && !has[out->exact_root[i]]) { has[out->exact_root[i]] = 1; out->n_exact_sets++; }
    free(has);
    return EMB_OK;
}

/* ---------------------------------------------------------------- near */
/* Pairs from the kNN rows of exact roots: every neighbour is tried as a
 * copy (a salt-and-peppered or blurred copy may sit below the cosine
 * threshold), and is similar at cosine >= threshold. Rows entirely above
 * the threshold are marked for widening. Rows in parallel, pairs kept in
 * row order: the same at any thread count. */
static emb_status near_from_knn(const dups_ctx *c, const emb_knn *g, const emb_dups *d, pair_vec *pv,
                                uint8_t *widen, int nt) {
    int k = g->k;
    float thr = c->p->threshold;
    int64_t n = g->n, nb = (n + 1023) / 1024;
    pair_vec *part = emb__calloc((size_t)(nb ? nb : 1), sizeof *part, "pairs");
    if (!part) return EMB_E_NOMEM;
    bool oom = false;
    #pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
    for (int64_t bi = 0; bi < nb; bi++)
        for (int64_t i = bi * 1024; i < n && i < (bi + 1) * 1024; i++) {
            if (d->exact_root[i] != i) continue;
            const int32_t *idx = g->idx + (size_t)i * k;
            const float *dist = g->dist + (size_t)i * k;
            int above = 0;
            for (int a = 0; a < k; a++) {
                if (idx[a] < 0) break;
                float sim = 1.0f - dist[a];
                above += sim >= thr;
                int64_t r = d->exact_root[idx[a]];
                if (r == i) continue;
                emb_dup_pair e;
                if (pair_from_cos(c, i, r, sim, a < DUP_BLUR_NEAR_RANK, &e) && !pair_push(&part[bi], e)) oom = true;
            }
            if (above == k) widen[i] = 1;
        }
    emb_status st = oom ? emb__fail(EMB_E_NOMEM, "out of memory") : EMB_OK;
    /* one allocation of the exact size, each part freed once copied: the
     * pairs are held about once, not twice (150M pairs, 3 GB, at 10M x k 15) */
    int64_t total = pv->n;
    for (int64_t bi = 0; bi < nb; bi++) total += part[bi].n;
    if (!st && total > pv->cap) {
        emb_dup_pair *np = realloc(pv->p, sizeof *np * (size_t)(total ? total : 1));
        if (!np) st = emb__fail(EMB_E_NOMEM, "out of memory");
        else pv->p = np, pv->cap = total;
    }
    for (int64_t bi = 0; bi < nb; bi++) {
        if (!st && part[bi].n) memcpy(pv->p + pv->n, part[bi].p, sizeof *pv->p * (size_t)part[bi].n), pv->n += part[bi].n;
        free(part[bi].p);
    }
    free(part);
    return st;
}

/* Range search for each widened item i over the kNN graph, its edges taken
 * both ways: start from i's row (all >= thr), then expand through the
 * neighbours (row and reverse edges) of every item found at cosine >= thr
 * to i, until no new item is found or DUPS_WIDEN_MAX_VISIT candidates were
 * checked. Items within the threshold of i sit in one dense patch of the
 * graph, so they are reached from one another's rows: the cost is (range
 * size) x 2k x d per widened item, not n x d. Against comparing with all
 * rows: Fashion-MNIST 70k at 0.985, the same 3,483 groups, 2 of 36,886
 * pairs not found; the dense 100k set of bench/scale, 42 of 208,349.
 * Expanding also through items a little below the threshold (at
 * 1 - 1.5 (1 - thr)) found every pair, at 2.3x (70k) to 2.9x (100k) the
 * time. Tested against brute force in test_analysis_unit. */
static emb_status widen_search(const dups_ctx *cx, const emb_knn *g, const uint8_t *widen,
                               emb_dups *d, pair_vec *pv, int nt) {
    const emb_matf *x = cx->x;
    const float *norm = cx->norm;
    float thr = cx->p->threshold;
    int64_t n = x->rows, nq = 0;
    int k = g->k;
    for (int64_t i = 0; i < n; i++) nq += widen[i];
    d->n_widened = nq;
    if (!nq) return EMB_OK;
    int64_t *q = emb__malloc(sizeof(int64_t) * (size_t)nq, "widened items");
    pair_vec *found = emb__calloc((size_t)(nq < DUPS_WIDEN_CHUNK ? nq : DUPS_WIDEN_CHUNK), sizeof *found, "widened pairs");
    int32_t *stamp = emb__calloc((size_t)nt * (size_t)n, sizeof(int32_t), "widened marks");
    int32_t *queue = emb__malloc(sizeof(int32_t) * (size_t)nt * DUPS_WIDEN_MAX_VISIT, "widened queue");
    int64_t *rstart = emb__calloc((size_t)n + 1, sizeof(int64_t), "reverse kNN graph");
    int32_t *rev = emb__malloc(sizeof(int32_t) * ((size_t)n * (size_t)k + 1), "reverse kNN graph");
    emb_status st = EMB_OK;
    if (!q || !found || !stamp || !queue || !rstart || !rev) { st = EMB_E_NOMEM; goto done; }
    /* reverse edges (CSR): j -> i for every i whose row holds j */
    for (int64_t i = 0; i < n; i++)
        for (int b = 0; b < k && g->idx[(size_t)i * k + b] >= 0; b++) rstart[g->idx[(size_t)i * k + b] + 1]++;
    for (int64_t i = 0; i < n; i++) rstart[i + 1] += rstart[i];
    for (int64_t i = 0; i < n; i++)
        for (int b = 0; b < k && g->idx[(size_t)i * k + b] >= 0; b++) {
            int32_t j = g->idx[(size_t)i * k + b];
            rev[rstart[j]++] = (int32_t)i;
        }
    for (int64_t i = n; i > 0; i--) rstart[i] = rstart[i - 1];
    rstart[0] = 0;
    nq = 0;
    for (int64_t i = 0; i < n; i++) if (widen[i]) q[nq++] = i;
    bool oom = false;
    int64_t truncated = 0, stored = 0;
    /* chunks of DUPS_WIDEN_CHUNK items searched in parallel, their pairs
     * appended in item order; once DUPS_MAX_STORED_PAIRS are stored the
     * remaining items are not searched (counted as truncated): the pairs
     * kept, and the memory, are bounded and do not depend on the schedule */
    for (int64_t a0 = 0; a0 < nq && !oom; a0 += DUPS_WIDEN_CHUNK) {
        int64_t a1 = nq - a0 < DUPS_WIDEN_CHUNK ? nq : a0 + DUPS_WIDEN_CHUNK;
        if (stored >= DUPS_MAX_STORED_PAIRS) { truncated += nq - a0; break; }
        #pragma omp parallel for num_threads(nt) schedule(dynamic, 4) reduction(+ : truncated)
        for (int64_t a = a0; a < a1; a++) {
            int tid = omp_get_thread_num();
            int32_t *mark = stamp + (size_t)tid * (size_t)n, *qu = queue + (size_t)tid * DUPS_WIDEN_MAX_VISIT;
            int32_t gen = (int32_t)(a + 1);   /* marks of earlier items are older: no clearing */
            int64_t i = q[a], head = 0, tail = 0, visited = 1;
            pair_vec *fa = &found[a - a0];
            mark[i] = gen;
            qu[tail++] = (int32_t)i;
            while (head < tail) {
                int32_t u = qu[head++];
                const int32_t *row = g->idx + (size_t)u * k;
                int64_t nf = 0, nr = rstart[u + 1] - rstart[u];
                while (nf < k && row[nf] >= 0) nf++;
                for (int64_t b = 0; b < nf + nr; b++) {
                    int32_t c = b < nf ? row[b] : rev[rstart[u] + b - nf];
                    if (mark[c] == gen) continue;
                    mark[c] = gen;
                    if (visited++ >= DUPS_WIDEN_MAX_VISIT) { truncated++; head = tail; break; }
                    float sim = cosine(x, norm, i, c);
                    if (sim < thr) continue;
                    qu[tail++] = c;
                    int64_t r = d->exact_root[c];
                    emb_dup_pair e;
                    if (r != i && pair_from_cos(cx, i, r, sim, false, &e) && !pair_push(fa, e)) oom = true;
                }
            }
        }
        for (int64_t a = a0; a < a1; a++) {   /* in item order: the same pairs kept at any thread count */
            pair_vec *fa = &found[a - a0];
            for (int64_t b = 0; b < fa->n && stored < DUPS_MAX_STORED_PAIRS && !oom; b++, stored++)
                if (!pair_push(pv, fa->p[b])) oom = true;
            free(fa->p);
            memset(fa, 0, sizeof *fa);
        }
        emb_progress_report(&cx->p->progress, "dups", 0.2 + 0.2 * (double)a1 / (double)nq, NULL);
    }
    if (oom) { st = emb__fail(EMB_E_NOMEM, "out of memory"); goto done; }
    d->n_widen_truncated = truncated;
done:
    if (found) for (int64_t a = 0; a < DUPS_WIDEN_CHUNK && a < nq; a++) free(found[a].p);
    free(found);
    free(q);
    free(stamp);
    free(queue);
    free(rstart);
    free(rev);
    return st;
}

/* ---------------------------------------------------------------- shifts */
/* Translate the image so that its intensity centroid lands on the centre
 * pixel (zero fill). Rounding commutes with integer shifts, so a copy moved
 * by whole pixels (nothing lost at the border) centres to the same image. */
static void centre(const float *src, int w, int h, int c, float *dst) {
    double s = 0, sy = 0, sx = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int ch = 0; ch < c; ch++) {
                double v = src[((size_t)y * w + x) * c + ch];
                s += v; sy += v * y; sx += v * x;
            }
    int dy = 0, dx = 0;
    if (s > 0) {
        dy = (int)lround((h - 1) / 2.0 - sy / s);
        dx = (int)lround((w - 1) / 2.0 - sx / s);
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int yy = y - dy, xx = x - dx;
            for (int ch = 0; ch < c; ch++)
                dst[((size_t)y * w + x) * c + ch] = yy >= 0 && yy < h && xx >= 0 && xx < w ? src[((size_t)yy * w + xx) * c + ch] : 0.0f;
        }
}

/* Blur (binomial 1-2-1 twice = 1-4-6-4-1 / 16, zero padded) and average 2x2
 * blocks: an (h/2, w/2, c) image in which a 1-2 px shift barely moves the vector. */
static void blur_down(const float *src, int w, int h, int c, float *tmp, float *dst) {
    static const float K[5] = {1 / 16.f, 4 / 16.f, 6 / 16.f, 4 / 16.f, 1 / 16.f};
    float *t2 = tmp + (size_t)w * h * c;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int ch = 0; ch < c; ch++) {
                float s = 0;
                for (int k = -2; k <= 2; k++) {
                    int xx = x + k;
                    if (xx >= 0 && xx < w) s += K[k + 2] * src[((size_t)y * w + xx) * c + ch];
                }
                tmp[((size_t)y * w + x) * c + ch] = s;
            }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int ch = 0; ch < c; ch++) {
                float s = 0;
                for (int k = -2; k <= 2; k++) {
                    int yy = y + k;
                    if (yy >= 0 && yy < h) s += K[k + 2] * tmp[((size_t)yy * w + x) * c + ch];
                }
                t2[((size_t)y * w + x) * c + ch] = s;
            }
    int oh = h / 2, ow = w / 2;
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++)
            for (int ch = 0; ch < c; ch++) {
                const float *p = t2 + ((size_t)(2 * y) * w + 2 * x) * c + ch;
                dst[((size_t)y * ow + x) * c + ch] = 0.25f * (p[0] + p[c] + p[(size_t)w * c] + p[(size_t)w * c + c]);
            }
}

static emb_status shift_search(const dups_ctx *cx, const emb_dups *d, pair_vec *pv) {
    const emb_matf *x = cx->x;
    const emb_dups_params *p = cx->p;
    int w = p->img_w, h = p->img_h, c = p->img_c > 0 ? p->img_c : 1;
    if ((int64_t)w * h * c != x->cols)
        return emb__fail(EMB_E_INVALID, "dups: image shape %dx%dx%d does not match %lld dims", h, w, c, (long long)x->cols);
    if (w < 4 || h < 4) return EMB_OK;
    int64_t n = x->rows;
    emb_matf z = {0};
    emb_knn gz = {0};
    emb_status st = emb_matf_alloc(&z, n, (int64_t)(h / 2) * (w / 2) * c);
    if (st) return st;
    bool oom = false;
    #pragma omp parallel num_threads(emb_threads_resolve(p->n_threads))
    {
        float *tmp = malloc(sizeof(float) * 3 * (size_t)w * h * c);
        if (!tmp) {
            #pragma omp atomic write
            oom = true;
        }
        #pragma omp for schedule(static)
        for (int64_t i = 0; i < n; i++)
            if (tmp) {
                float *cen = tmp + 2 * (size_t)w * h * c;
                centre(x->data + (size_t)i * x->cols, w, h, c, cen);
                blur_down(cen, w, h, c, tmp, z.data + (size_t)i * z.cols);
            }
        free(tmp);
    }
    if (oom) { emb_matf_free(&z); return emb__fail(EMB_E_NOMEM, "out of memory"); }
    emb_knn_params kp = emb_knn_default_params();
    kp.k = p->shift_candidates < n - 1 ? p->shift_candidates : (int)(n - 1);
    kp.n_threads = p->n_threads;
    kp.progress = p->progress;
    if (kp.k < 1) { emb_matf_free(&z); return EMB_OK; }
    st = emb_knn_build(&z, &kp, &gz);
    emb_matf_free(&z);
    if (st) return st;
    #pragma omp parallel for num_threads(emb_threads_resolve(p->n_threads)) schedule(dynamic, 64)
    for (int64_t i = 0; i < n; i++) {
        if (d->exact_root[i] != i) continue;
        for (int a = 0; a < gz.k; a++) {
            int32_t j = gz.idx[(size_t)i * gz.k + a];
            if (j < 0) break;
            int64_t r = d->exact_root[j];
            if (r == i) continue;
            if (r < i) {   /* a pair listed from both sides is checked from the smaller end only */
                bool both = false;
                for (int b = 0; b < gz.k && !both; b++) {
                    int32_t u = gz.idx[(size_t)r * gz.k + b];
                    if (u < 0) break;
                    both = d->exact_root[u] == i;
                }
                if (both) continue;
            }
            /* pairs found from several exact copies are pushed again; pairs_unique merges */
            emb_dup_pair e;
            if (!make_pair(cx, i, r, &e)) continue;
            #pragma omp critical(dups_shift)
            if (!pair_push(pv, e)) oom = true;
        }
    }
    emb_knn_free(&gz);
    return oom ? emb__fail(EMB_E_NOMEM, "out of memory") : EMB_OK;
}

/* ---------------------------------------------------------------- groups */
static int cmp_pair_desc(const void *x, const void *y) {
    const emb_dup_pair *a = x, *b = y;
    float sa = a->kind == EMB_DUP_COPY ? a->copy_score : a->similarity;
    float sb = b->kind == EMB_DUP_COPY ? b->copy_score : b->similarity;
    if (sa != sb) return sa > sb ? -1 : 1;
    if (a->a != b->a) return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b;
}

/* The kind of the pair (i, j) among the pairs found (sorted by (a, b),
 * a < b), -1 when absent. Every pair found passed its kind's test, so a
 * cross pair of two groups that is one needs no cosine: on the dense 300k
 * set of bench/scale most of the checks of the merges that succeed are
 * such pairs. */
static int pair_kind(const emb_dup_pair *pairs, int64_t n_pairs, int64_t i, int64_t j) {
    if (i > j) { int64_t t = i; i = j; j = t; }
    int64_t lo = 0, hi = n_pairs;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (pairs[mid].a < i || (pairs[mid].a == i && pairs[mid].b < j)) lo = mid + 1;
        else hi = mid;
    }
    return lo < n_pairs && pairs[lo].a == i && pairs[lo].b == j ? (int)pairs[lo].kind : -1;
}

/* Phase 1 (copies): is (i, j) a copy? Phase 2: a copy or similar? known:
 * all the pairs (unique by (a, b)), of which phase 1 takes the copies. */
static bool phase_match(const dups_ctx *c, int phase, const emb_dup_pair *known, int64_t n_known, int64_t i, int64_t j) {
    int kind = pair_kind(known, n_known, i, j);
    if (kind == EMB_DUP_COPY || (kind >= 0 && phase == 2)) return true;
    float s, gate;
    uint8_t sh;
    /* a known similar pair had the blurred test when it was found */
    if (phase == 1) return copy_match(c, i, j, kind >= 0 ? COPY_SHIFT : COPY_SHIFT | COPY_BLUR | COPY_BLUR_NEAR, &s, &sh);
    if (similar_match(c, i, j, &s, &sh, &gate)) return true;
    return copy_match_hint(c, i, j, COPY_SHIFT | COPY_BLUR | COPY_BLUR_NEAR, gate, &s, &sh);
}

/* Complete linkage cut at the phase's test, greedily: pairs (ord) by
 * descending score; the groups of a pair's ends merge when every cross
 * pair passes. parent[] is a union-find forest of the groups (root =
 * smallest index), exact sets each one unit from the start. Members of a
 * group are a linked list over exact roots (next[], head = the group's
 * root, tail[root]). known (sorted by (a, b)) are pairs that passed. */
static void clique_merge(const dups_ctx *c, int phase, const emb_dup_pair *ord, int64_t n_ord,
                         const emb_dup_pair *known, int64_t n_known, int64_t *parent, int64_t *next, int64_t *tail) {
    for (int64_t q = 0; q < n_ord; q++) {
        int64_t a = ord[q].a, b = ord[q].b;
        int64_t ra = emb__uf_find(parent, a), rb = emb__uf_find(parent, b);
        if (ra == rb) continue;
        /* the pair's own ends against the other group first: most refusals
         * are found there */
        bool ok = true;
        for (int64_t v = rb; v >= 0 && ok; v = next[v])
            if (v != b) ok = phase_match(c, phase, known, n_known, a, v);
        for (int64_t u = ra; u >= 0 && ok; u = next[u])
            if (u != a) ok = phase_match(c, phase, known, n_known, u, b);
        for (int64_t u = ra; u >= 0 && ok; u = next[u])
            for (int64_t v = rb; v >= 0 && ok; v = next[v])
                if (u != a && v != b) ok = phase_match(c, phase, known, n_known, u, v);
        if (!ok) continue;
        int64_t lo = ra < rb ? ra : rb, hi = ra < rb ? rb : ra;
        next[tail[lo]] = hi;
        tail[lo] = tail[hi];
        parent[hi] = lo;
    }
}

/* Phase 1 over the COPY pairs; phase 2 over all pairs whose two ends are
 * still alone (an exact set counts as grouped: it is sure). in_sure[root]
 * marks the roots of phase 1's groups of >= 2 items. */
static emb_status clique_groups(const dups_ctx *c, const emb_dup_pair *pairs, int64_t n_pairs, int64_t *parent,
                                uint8_t *in_sure, emb_dups *d) {
    int64_t n = d->n, nc = 0, no = 0;
    /* one working copy of the pairs (ord), sized for the larger phase */
    int64_t n_ord = 0;
    for (int64_t q = 0; q < n_pairs; q++) nc += pairs[q].kind == EMB_DUP_COPY;
    n_ord = nc;
    emb_dup_pair *ord = NULL;
    int64_t *next = emb__malloc(sizeof(int64_t) * (size_t)(n ? n : 1), "groups");
    int64_t *tail = emb__malloc(sizeof(int64_t) * (size_t)(n ? n : 1), "groups");
    int64_t *size = emb__calloc((size_t)(n ? n : 1), sizeof(int64_t), "groups");
    emb_status st = EMB_OK;
    if (!next || !tail || !size) { st = EMB_E_NOMEM; goto done; }
    for (int64_t i = 0; i < n; i++) { next[i] = -1; tail[i] = i; }
    ord = emb__malloc(sizeof *ord * (size_t)(nc ? nc : 1), "pairs");
    if (!ord) { st = EMB_E_NOMEM; goto done; }
    for (int64_t q = 0, w = 0; q < n_pairs; q++) if (pairs[q].kind == EMB_DUP_COPY) ord[w++] = pairs[q];
    qsort(ord, (size_t)nc, sizeof *ord, cmp_pair_desc);
    clique_merge(c, 1, ord, nc, pairs, n_pairs, parent, next, tail);
    for (int64_t i = 0; i < n; i++) size[emb__uf_find(parent, i)]++;
    for (int64_t i = 0; i < n; i++) in_sure[i] = size[emb__uf_find(parent, i)] >= 2;
    for (int64_t q = 0; q < n_pairs; q++) no += !in_sure[pairs[q].a] && !in_sure[pairs[q].b];
    if (no > n_ord) {
        emb_dup_pair *np = realloc(ord, sizeof *ord * (size_t)no);
        if (!np) { st = emb__fail(EMB_E_NOMEM, "dups: out of memory"); goto done; }
        ord = np;
    }
    no = 0;
    for (int64_t q = 0; q < n_pairs; q++)
        if (!in_sure[pairs[q].a] && !in_sure[pairs[q].b]) ord[no++] = pairs[q];
    qsort(ord, (size_t)no, sizeof *ord, cmp_pair_desc);
    clique_merge(c, 2, ord, no, pairs, n_pairs, parent, next, tail);
    for (int64_t q = 0; q < n_pairs; q++)
        d->n_unmerged_pairs += emb__uf_find(parent, pairs[q].a) != emb__uf_find(parent, pairs[q].b);
done:
    free(ord);
    free(next);
    free(tail);
    free(size);
    return st;
}

typedef struct { int64_t root, i; } root_item;
static int cmp_root_item(const void *x, const void *y) {
    const root_item *a = x, *b = y;
    if (a->root != b->root) return a->root < b->root ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

typedef struct { int64_t i; float sim, copy; uint8_t kind; } member;
static int cmp_member(const void *x, const void *y) {
    const member *a = x, *b = y;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    if (a->sim != b->sim) return a->sim > b->sim ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* Order one group's members: representative first (highest mean cosine to
 * the others), then exact, copies, similar, each by similarity. Returns
 * the group's kind. */
static uint8_t order_group(const dups_ctx *c, bool sure, emb_dups *d, int64_t *items, int64_t m, member *tmp) {
    int64_t best = 0;
    double best_mean = -2;
    int64_t step = m > DUPS_REP_SAMPLE ? m / DUPS_REP_SAMPLE : 1;
    for (int64_t a = 0; a < m; a++) {
        double s = 0;
        int64_t cnt = 0;
        for (int64_t b = 0; b < m; b += step) {
            if (b == a) continue;
            float sim = 1.0f;
            if (d->exact_root[items[a]] != d->exact_root[items[b]]) sim = cosine(c->x, c->norm, items[a], items[b]);
            s += sim;
            cnt++;
        }
        double mean = cnt ? s / cnt : 0;
        if (mean > best_mean) { best_mean = mean; best = a; }
    }
    int64_t rep = items[best];
    uint8_t gk = EMB_DUP_EXACT;
    for (int64_t a = 0; a < m; a++) {
        int64_t i = items[a];
        member mb = {i, 1.0f, 1.0f, EMB_DUP_NONE};
        uint8_t sh;
        if (i == rep) mb.sim = 2.0f;  /* sorts first */
        else if (d->exact_root[i] == d->exact_root[rep]) mb.kind = EMB_DUP_EXACT;
        else {
            float gate;
            similar_match(c, rep, i, &mb.sim, &sh, &gate);
            bool copy = copy_match_hint(c, rep, i, COPY_SHIFT | COPY_BLUR | COPY_BLUR_NEAR, gate, &mb.copy, &sh);
            mb.kind = copy ? EMB_DUP_COPY : EMB_DUP_SIMILAR;
            if (gk == EMB_DUP_EXACT) gk = EMB_DUP_COPY;
        }
        tmp[a] = mb;
    }
    qsort(tmp, (size_t)m, sizeof *tmp, cmp_member);
    for (int64_t a = 0; a < m; a++) {
        items[a] = tmp[a].i;
        d->kind[tmp[a].i] = tmp[a].kind;
        d->similarity[tmp[a].i] = a == 0 ? 1.0f : tmp[a].sim;
        d->copy_score[tmp[a].i] = a == 0 ? 1.0f : tmp[a].copy;
    }
    return sure ? gk : EMB_DUP_SIMILAR;
}

static emb_status build_groups(const dups_ctx *c, const uint8_t *in_sure, int64_t *parent, emb_dups *d) {
    int64_t n = d->n, m = 0;
    for (int64_t i = 0; i < n; i++) d->group[i] = -1;
    int64_t *size = calloc(n > 0 ? (size_t)n : 1, sizeof(int64_t));
    if (!size) return emb__fail(EMB_E_NOMEM, "out of memory");
    for (int64_t i = 0; i < n; i++) size[emb__uf_find(parent, i)]++;
    for (int64_t i = 0; i < n; i++) if (size[parent[i]] >= 2) m++;
    root_item *ri = emb__malloc(sizeof *ri * (size_t)(m ? m : 1), "groups");
    d->item = emb__malloc(sizeof(int64_t) * (size_t)(m ? m : 1), "group members");
    member *tmp = emb__malloc(sizeof *tmp * (size_t)(m ? m : 1), "group members");
    member *key = NULL;
    int64_t *item2 = NULL, *start2 = NULL;
    uint8_t *gk = NULL;
    emb_status st = EMB_OK;
    if (!ri || !d->item || !tmp) { st = EMB_E_NOMEM; goto done; }
    m = 0;
    for (int64_t i = 0; i < n; i++) if (size[parent[i]] >= 2) ri[m++] = (root_item){parent[i], i};
    qsort(ri, (size_t)m, sizeof *ri, cmp_root_item);  /* by smallest member, reordered below */
    int64_t ng = 0;
    for (int64_t a = 0; a < m; a++) if (a == 0 || ri[a].root != ri[a - 1].root) ng++;
    d->start = emb__malloc(sizeof(int64_t) * (size_t)(ng + 1), "groups");
    gk = emb__malloc((size_t)(ng ? ng : 1), "groups");
    key = emb__malloc(sizeof *key * (size_t)(ng ? ng : 1), "groups");
    item2 = emb__malloc(sizeof(int64_t) * (size_t)(m ? m : 1), "groups");
    start2 = emb__malloc(sizeof(int64_t) * (size_t)(ng + 1), "groups");
    if (!d->start || !gk || !key || !item2 || !start2) { st = EMB_E_NOMEM; goto done; }
    ng = 0;
    for (int64_t a = 0; a < m; a++) {
        if (a == 0 || ri[a].root != ri[a - 1].root) d->start[ng++] = a;
        d->item[a] = ri[a].i;
    }
    d->start[ng] = m;
    d->n_groups = ng;
    #pragma omp parallel for num_threads(emb_threads_resolve(c->p->n_threads)) schedule(dynamic, 16)
    for (int64_t gi = 0; gi < ng; gi++)
        gk[gi] = order_group(c, in_sure[d->item[d->start[gi]]], d, d->item + d->start[gi],
                             d->start[gi + 1] - d->start[gi], tmp + d->start[gi]);
    /* groups by kind (exact, copy, similar), then by descending similarity
     * of the weakest member, so that the surest copies head duplicates.csv */
    for (int64_t gi = 0; gi < ng; gi++) key[gi] = (member){gi, d->similarity[d->item[d->start[gi + 1] - 1]], 0, gk[gi]};
    qsort(key, (size_t)ng, sizeof *key, cmp_member);   /* ties: by old id = smallest member */
    int64_t w = 0;
    for (int64_t r = 0; r < ng; r++) {
        int64_t gi = key[r].i;
        start2[r] = w;
        for (int64_t a = d->start[gi]; a < d->start[gi + 1]; a++) { item2[w++] = d->item[a]; d->group[d->item[a]] = r; }
        d->n_groups_kind[gk[gi]]++;
        d->n_items_kind[gk[gi]] += d->start[gi + 1] - d->start[gi];
        key[r].kind = gk[gi];
    }
    start2[ng] = w;
    for (int64_t r = 0; r < ng; r++) gk[r] = key[r].kind;
    free(d->item);
    free(d->start);
    d->item = item2;
    d->start = start2;
    d->group_kind = gk;
    item2 = start2 = NULL;
    gk = NULL;
done:
    free(size);
    free(ri);
    free(tmp);
    free(key);
    free(item2);
    free(start2);
    free(gk);
    return st;
}

static emb_status dups_find(const emb_matf *x, const emb_knn *g, const emb_dataset *ds,
                            const emb_dups_params *params, emb_dups *out);

/* Half-precision rows are read as they are (cosines by emb__dot_h, the
 * exact test on their bytes), except by the image searches (shifts, copy
 * signatures), which get a float32 copy. */
emb_status emb_dups_find(const emb_matf *x, const emb_knn *g, const emb_dataset *ds,
                         const emb_dups_params *params, emb_dups *out) {
    emb_dups_params p = params ? *params : emb_dups_default_params();
    memset(out, 0, sizeof *out);
    emb__simd_init();
    if (!(emb_matf_is_half(x) && p.img_w > 0 && p.img_h > 0)) return dups_find(x, g, ds, &p, out);
    emb_matf wide = {0};
    const emb_matf *xf;
    emb_status st = emb_matf_widen(x, &wide, &xf);
    if (!st) st = dups_find(xf, g, ds, &p, out);
    emb_matf_free(&wide);
    return st;
}

static emb_status dups_find(const emb_matf *x, const emb_knn *g, const emb_dataset *ds,
                            const emb_dups_params *params, emb_dups *out) {
    emb_dups_params p = *params;
    int64_t n = x->rows;
    if (!g || g->n != n) return emb__fail(EMB_E_INVALID, "dups: kNN graph has %lld rows, vectors %lld", g ? (long long)g->n : 0ll, (long long)n);
    if (g->metric != EMB_METRIC_COSINE) return emb__fail(EMB_E_INVALID, "dups: the kNN graph must use the cosine metric");
    if (n > INT32_MAX) return emb__fail(EMB_E_UNSUPPORTED, "dups: more than 2^31 items");
    if (p.shift_threshold < p.threshold) p.shift_threshold = p.threshold;
    if (p.max_shift < 0 || p.max_shift > 8) return emb__fail(EMB_E_INVALID, "dups: max_shift %d not in 0..8", p.max_shift);
    out->n = n;
    size_t nn = (size_t)(n ? n : 1);
    out->exact_root = emb__malloc(sizeof(int64_t) * nn, "dups");
    out->group = emb__malloc(sizeof(int64_t) * nn, "dups");
    out->kind = emb__calloc(nn, 1, "dups");
    out->similarity = emb__calloc(nn, sizeof(float), "dups");
    out->copy_score = emb__calloc(nn, sizeof(float), "dups");
    uint8_t *in_sure = emb__calloc(nn, 1, "dups");
    float *cs = NULL, *coarse = NULL, *edge = NULL;
    int64_t *parent = emb__malloc(sizeof(int64_t) * nn, "union-find");
    float *norm = NULL;   /* emb__row_norms, below */
    uint8_t *widen = emb__calloc(nn, 1, "dups");
    pair_vec pv = {0};
    bool image = p.img_w > 0 && p.img_h > 0;
    int64_t blur_budget = DUP_BLUR_CACHE_FLOATS;
    dups_ctx ctx = {x, norm, &p, NULL, NULL, 0, NULL, NULL, &blur_budget};
    emb_status st = EMB_OK;
    if (!out->exact_root || !out->group || !out->kind || !out->similarity || !out->copy_score || !in_sure || !parent || !widen) {
        st = EMB_E_NOMEM;
        goto done;
    }
    /* the neighbours stage's norms: float32 or half rows, in double */
    if ((st = emb__row_norms(x, emb_threads_resolve(p.n_threads), &norm))) goto done;
    ctx.norm = norm;
    emb_progress_report(&p.progress, "dups", 0.0, "exact");
    if ((st = find_exact(x, ds, out, emb_threads_resolve(p.n_threads)))) goto done;
    for (int64_t i = 0; i < n; i++) parent[i] = out->exact_root[i];  /* roots are the smallest index */
    if (image && (st = copy_signatures(x, &p, &cs, &coarse, &edge))) goto done;
    ctx.cs = cs;
    if (image && !(ctx.blurred = emb__calloc(nn, sizeof(float *), "dups"))) { st = EMB_E_NOMEM; goto done; }
    ctx.coarse = coarse;
    ctx.edge = edge;
    ctx.coarse_d = image ? coarse_dims(p.img_w, p.img_h, p.img_c > 0 ? p.img_c : 1) : 0;
    emb_progress_report(&p.progress, "dups", 0.2, "near");
    if ((st = near_from_knn(&ctx, g, out, &pv, widen, emb_threads_resolve(p.n_threads)))) goto done;
    if ((st = widen_search(&ctx, g, widen, out, &pv, emb_threads_resolve(p.n_threads)))) goto done;
    if (image) {
        emb_progress_report(&p.progress, "dups", 0.4, "shifts");
        if ((st = shift_search(&ctx, out, &pv))) goto done;
    }
    pairs_unique(&pv);
    for (int64_t a = 0; a < pv.n; a++) {
        out->n_shifted_pairs += pv.p[a].shifted;
        if (pv.p[a].kind == EMB_DUP_COPY) out->n_copy_pairs++;
        else out->n_similar_pairs++;
    }
    emb_progress_report(&p.progress, "dups", 0.8, "groups");
    if ((st = clique_groups(&ctx, pv.p, pv.n, parent, in_sure, out))) goto done;
    for (int64_t i = 0; i < n; i++) parent[i] = emb__uf_find(parent, i);
    emb_progress_report(&p.progress, "dups", 0.9, "groups");
    if ((st = build_groups(&ctx, in_sure, parent, out))) goto done;
    out->n_pairs = pv.n;
    out->pairs = pv.p;
    pv.p = NULL;
    emb_progress_report(&p.progress, "dups", 1.0, NULL);
done:
    if (ctx.blurred)
        for (int64_t i = 0; i < n; i++) free(ctx.blurred[i]);
    free(ctx.blurred);
    free(pv.p);
    free(parent);
    free(norm);
    free(widen);
    free(in_sure);
    free(cs);
    free(coarse);
    free(edge);
    if (st) emb_dups_free(out);
    return st;
}

/* ---------------------------------------------------------------- CSV */
const char *emb__label_name(const emb_dataset *ds, int64_t i) {
    if (!ds || !ds->label || ds->label[i] < 0 || ds->label[i] >= ds->n_classes) return "";
    return ds->class_names[ds->label[i]];
}

void emb__csv_item(FILE *f, const emb_dataset *ds, int64_t i) {
    fprintf(f, "%lld,", (long long)i);
    emb_csv_field(f, ds && ds->path ? ds->path[i] : "");
    fputc(',', f);
    emb_csv_field(f, ds && ds->split ? emb_split_name((emb_split)ds->split[i]) : "");
    fputc(',', f);
    emb_csv_field(f, emb__label_name(ds, i));
}

/* The rows of group gi in duplicates.csv / leakage.csv. */
void emb__dups_csv_group(FILE *f, const emb_dataset *ds, const emb_dups *d, int64_t gi) {
    for (int64_t a = d->start[gi]; a < d->start[gi + 1]; a++) {
        int64_t i = d->item[a];
        fprintf(f, "%lld,", (long long)gi);
        emb__csv_item(f, ds, i);
        fprintf(f, ",%.6f,%s,%.6f,%s\n", d->similarity[i],
                a == d->start[gi] ? "representative" : emb_dup_kind_name((emb_dup_kind)d->kind[i]), d->copy_score[i],
                emb_dup_kind_name((emb_dup_kind)d->group_kind[gi]));
    }
}

emb_status emb_dups_write_csv(const char *path, const emb_dataset *ds, const emb_dups *d) {
    emb_outfile o;
    emb_status st = emb_outfile_open(&o, path);
    if (st) return st;
    fputs(EMB__DUPS_CSV_HEADER, o.f);
    for (int64_t gi = 0; gi < d->n_groups; gi++) emb__dups_csv_group(o.f, ds, d, gi);
    return emb_outfile_commit(&o);
}

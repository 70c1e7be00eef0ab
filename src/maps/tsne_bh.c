/* tsne_bh.c - Barnes-Hut repulsive forces for t-SNE in 1D, 2D (quadtree) and
 * 3D (octree) (van der Maaten, "Accelerating t-SNE using tree-based
 * algorithms", JMLR 2014, section 4.2).
 *
 * A cell whose side length s satisfies s / |y_i - com| < theta, com its
 * centre of mass, is replaced by its point count at the com; otherwise its
 * children are visited. As in openTSNE's quad_tree.pyx the side length is the
 * cell's full width and the distance is to the com. Leaves hold one point
 * (or coincident points) and are summed exactly, skipping i itself; for
 * theta <= 1/sqrt(dims) a cell containing y_i never passes the test
 * (|y_i - com| <= sqrt(dims) s), so the self term never enters.
 *
 * The tree is rebuilt each iteration from the points' Morton keys (below), so
 * the points of one cell are contiguous; queries run in tree order, in
 * parallel, each writing its own row: results do not depend on the number
 * of threads. */
#include "core/internal.h"
#include "maps/tsne.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef BH_LEAF
#define BH_LEAF 8         /* points per leaf */
#endif
#ifndef BH_GROUP
#define BH_GROUP 256      /* points per query group: amortises the traversal */
#endif
#define BH_STACK 160      /* > levels x (children - 1) + 1 for every dims */

/* Tree order is Morton (Z) order: each point's coordinates are quantised to
 * bits_ levels of the root cube and interleaved into a 64-bit key, so that a
 * cell at depth d is a run of keys sharing their first d x dims bits. The
 * keys are radix-sorted once per iteration (O(n)); every cell's extent,
 * centre of mass (from prefix sums) and children (binary searches on the
 * keys) follow without moving points again. Cells deeper than bits_ levels
 * would hold points closer than 2^-bits of the root's width: they stay in
 * one leaf and are summed point by point. Only non-empty children are
 * stored, contiguously. */
typedef struct {
    double com[3];     /* centre of mass */
    double width;      /* full side length */
    int64_t start;     /* first point (position in tree order) */
    int64_t count;     /* points inside */
    int32_t child;     /* index of the first child, -1 for a leaf */
    int32_t nchild;    /* non-empty children, stored from child on */
} bh_node;

typedef struct {
    bh_node *nodes;
    int64_t n_nodes, cap;
    int dims, bits;
    double center[3];  /* root cube */
    double root_width;
    uint64_t *key;     /* (n) sorted keys */
    double *ys;        /* (n, dims) coordinates in tree order */
    double *psum;      /* (n + 1, dims) prefix sums of ys - center */
    int64_t *perm;     /* tree order -> point index */
    uint64_t *ktmp;    /* radix sort scratch */
    int64_t *itmp;
    int64_t *grp;      /* query groups (node ids) */
    int64_t n, n_groups, cap_n;
    bool bad;          /* a query ran out of memory */
} bh_tree;

static int64_t node_new(bh_tree *t, int64_t count) {
    if (t->n_nodes + count > t->cap) {
        int64_t cap = t->cap ? t->cap : 1024;
        while (cap < t->n_nodes + count) cap *= 2;
        bh_node *nn = realloc(t->nodes, (size_t)cap * sizeof *nn);
        if (!nn) return -1;
        t->nodes = nn;
        t->cap = cap;
    }
    int64_t first = t->n_nodes;
    t->n_nodes += count;
    return first;
}

/* Spread the low bits of x so that bit b lands at bit b * stride. */
static uint64_t spread2(uint64_t x) {   /* 31 bits -> even positions */
    x &= 0x7fffffffULL;
    x = (x | x << 16) & 0x0000ffff0000ffffULL;
    x = (x | x << 8) & 0x00ff00ff00ff00ffULL;
    x = (x | x << 4) & 0x0f0f0f0f0f0f0f0fULL;
    x = (x | x << 2) & 0x3333333333333333ULL;
    x = (x | x << 1) & 0x5555555555555555ULL;
    return x;
}
static uint64_t spread3(uint64_t x) {   /* 21 bits -> every third position */
    x &= 0x1fffffULL;
    x = (x | x << 32) & 0x001f00000000ffffULL;
    x = (x | x << 16) & 0x001f0000ff0000ffULL;
    x = (x | x << 8) & 0x100f00f00f00f00fULL;
    x = (x | x << 4) & 0x10c30c30c30c30c3ULL;
    x = (x | x << 2) & 0x1249249249249249ULL;
    return x;
}

/* Stable LSD radix sort of (key, idx) by key, 8 bits a pass; a pass whose
 * byte is the same for all keys is skipped. Result in key / idx. */
static void radix_sort(uint64_t *key, int64_t *idx, uint64_t *ktmp, int64_t *itmp, int64_t n) {
    for (int shift = 0; shift < 64; shift += 8) {
        int64_t cnt[256] = {0};
        for (int64_t i = 0; i < n; i++) cnt[(key[i] >> shift) & 255]++;
        if (cnt[(key[0] >> shift) & 255] == n) continue;
        int64_t off = 0;
        for (int b = 0; b < 256; b++) { int64_t c = cnt[b]; cnt[b] = off; off += c; }
        for (int64_t i = 0; i < n; i++) {
            int64_t o = cnt[(key[i] >> shift) & 255]++;
            ktmp[o] = key[i];
            itmp[o] = idx[i];
        }
        memcpy(key, ktmp, (size_t)n * sizeof *key);
        memcpy(idx, itmp, (size_t)n * sizeof *idx);
    }
}

/* First position in [lo, hi) whose key exceeds v. */
static int64_t upper_bound(const uint64_t *key, int64_t lo, int64_t hi, uint64_t v) {
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (key[mid] <= v) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Fill node id for tree positions [start, start + count) at depth. */
static int build(bh_tree *t, int64_t id, int64_t start, int64_t count, int depth) {
    int dims = t->dims;
    bh_node *nd = &t->nodes[id];
    nd->start = start;
    nd->count = count;
    nd->child = -1;
    nd->nchild = 0;
    nd->width = ldexp(t->root_width, -depth);
    const double *s0 = t->psum + start * dims, *s1 = t->psum + (start + count) * dims;
    for (int c = 0; c < dims; c++) nd->com[c] = t->center[c] + (s1[c] - s0[c]) / (double)count;
    for (int c = dims; c < 3; c++) nd->com[c] = 0;
    if (count <= BH_LEAF || depth >= t->bits || t->key[start] == t->key[start + count - 1]) return 0;
    /* the children's runs: keys below the child digit are all-ones at the end */
    int shift = (t->bits - 1 - depth) * dims;
    uint64_t low = shift > 0 ? (UINT64_C(1) << shift) - 1 : 0;
    int64_t bound[9];
    int nc = 0;
    bound[0] = start;
    for (int64_t s = start; s < start + count;) {
        s = upper_bound(t->key, s, start + count, t->key[s] | low);
        bound[++nc] = s;
    }
    int64_t first = node_new(t, nc);
    if (first < 0) return -1;
    t->nodes[id].child = (int32_t)first;
    t->nodes[id].nchild = nc;
    for (int q = 0; q < nc; q++)
        if (build(t, first + q, bound[q], bound[q + 1] - bound[q], depth + 1)) return -1;
    return 0;
}

/* Sort the points into tree order and build the cells. */
static int tree_build(bh_tree *t, const double *y, int64_t n) {
    int dims = t->dims;
    double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
    for (int64_t i = 0; i < n; i++)
        for (int c = 0; c < dims; c++) {
            double v = y[i * dims + c];
            lo[c] = v < lo[c] ? v : lo[c];
            hi[c] = v > hi[c] ? v : hi[c];
        }
    double hw = 0;
    for (int c = 0; c < dims; c++) {
        t->center[c] = 0.5 * (lo[c] + hi[c]);
        if (0.5 * (hi[c] - lo[c]) > hw) hw = 0.5 * (hi[c] - lo[c]);
    }
    hw = hw * (1 + 1e-9) + 1e-12;
    t->root_width = 2 * hw;
    t->bits = dims == 3 ? 21 : dims == 2 ? 31 : 40;
    double levels = ldexp(1.0, t->bits), scale = levels / (2 * hw);
    uint64_t qmax = (UINT64_C(1) << t->bits) - 1;
    for (int64_t i = 0; i < n; i++) {
        uint64_t q[3] = {0, 0, 0};
        for (int c = 0; c < dims; c++) {
            double v = (y[i * dims + c] - (t->center[c] - hw)) * scale;
            q[c] = v > 0 ? (v < (double)qmax ? (uint64_t)v : qmax) : 0;   /* NaN -> 0 */
        }
        t->key[i] = dims == 3 ? spread3(q[0]) | spread3(q[1]) << 1 | spread3(q[2]) << 2
                  : dims == 2 ? spread2(q[0]) | spread2(q[1]) << 1 : q[0];
        t->perm[i] = i;
    }
    radix_sort(t->key, t->perm, t->ktmp, t->itmp, n);
    for (int c = 0; c < dims; c++) t->psum[c] = 0;
    for (int64_t s = 0; s < n; s++)
        for (int c = 0; c < dims; c++) {
            double v = y[t->perm[s] * dims + c];
            t->ys[s * dims + c] = v;
            t->psum[(s + 1) * dims + c] = t->psum[s * dims + c] + (v - t->center[c]);
        }
    t->n_nodes = 0;
    if (node_new(t, 1) < 0) return -1;
    return build(t, 0, 0, n, 0);
}

/* Interaction list of one group: cells accepted for every point of the
 * group (centre of mass, count) and single points of the leaves that were
 * not, structure of arrays so that the evaluation loop vectorises; padded
 * with massless entries to a multiple of BH_PAD. */
#define BH_PAD 16
typedef struct {
    float *c[3], *m;   /* coordinates relative to origin[], single precision */
    double origin[3];  /* the group's centre */
    int64_t len, cap;
} bh_list;

static int list_reserve(bh_list *l, int64_t need) {
    if (need <= l->cap) return 0;
    int64_t cap = l->cap ? l->cap : 4096;
    while (cap < need) cap *= 2;
    for (int d = 0; d < 3; d++) {
        float *p = realloc(l->c[d], (size_t)cap * sizeof *p);
        if (!p) return -1;
        l->c[d] = p;
    }
    float *p = realloc(l->m, (size_t)cap * sizeof *p);
    if (!p) return -1;
    l->m = p;
    l->cap = cap;
    return 0;
}

static int list_push(bh_list *l, const double *c, int dims, double m) {
    if (l->len == l->cap && list_reserve(l, l->len + 1)) return -1;
    for (int d = 0; d < 3; d++) l->c[d][l->len] = d < dims ? (float)(c[d] - l->origin[d]) : 0.0f;
    l->m[l->len++] = (float)m;
    return 0;
}

/* Collect the interaction list of the points in [lo, hi] (bounding box):
 * a cell is accepted when width < theta * (distance from its com to the
 * box), which implies the per-point test width < theta |y_i - com| for every
 * point of the group (Barnes 1990's grouping); unaccepted leaves add their
 * points one by one. */
static int collect(const bh_tree *t, const double *lo, const double *hi, double theta2, bh_list *l) {
    int dims = t->dims;
    int32_t stack[BH_STACK];
    int sp = 0;
    stack[sp++] = 0;
    l->len = 0;
    for (int c = 0; c < 3; c++) l->origin[c] = c < dims ? 0.5 * (lo[c] + hi[c]) : 0;
    while (sp > 0) {
        const bh_node *nd = &t->nodes[stack[--sp]];
        double d2 = 0;
        for (int c = 0; c < dims; c++) {
            double v = nd->com[c] < lo[c] ? lo[c] - nd->com[c] : nd->com[c] > hi[c] ? nd->com[c] - hi[c] : 0;
            d2 += v * v;
        }
        if (nd->width * nd->width < theta2 * d2) {
            if (list_push(l, nd->com, dims, (double)nd->count)) return -1;
        } else if (nd->child < 0) {
            if (list_reserve(l, l->len + nd->count)) return -1;
            for (int64_t s = nd->start; s < nd->start + nd->count; s++) {
                const double *p = t->ys + s * dims;
                for (int d = 0; d < 3; d++) l->c[d][l->len] = d < dims ? (float)(p[d] - l->origin[d]) : 0.0f;
                l->m[l->len++] = 1.0f;
            }
        } else {
            for (int q = nd->nchild - 1; q >= 0; q--) stack[sp++] = nd->child + q;
        }
    }
    int64_t padded = (l->len + BH_PAD - 1) / BH_PAD * BH_PAD;
    if (list_reserve(l, padded)) return -1;
    for (int64_t e = l->len; e < padded; e++) {
        for (int d = 0; d < 3; d++) l->c[d][e] = 0.0f;
        l->m[e] = 0.0f;
    }
    return 0;
}

/* Evaluate the list at point yi: sum_l m_l w_l and sum_l m_l w_l^2 (yi - c_l).
 * The point itself is in the list once (w = 1, zero force): z - 1 drops it.
 * Single precision relative to the group's centre: the differences of near
 * points keep their digits, and the rounding (~1e-6 relative) is far below
 * the Barnes-Hut approximation error (~1e-2). Padding entries have m = 0.
 * The plain-C version is the reference (a true division); the SIMD ones
 * take the reciprocal estimate and one Newton step (relative error about
 * 2^-22), each level with its own order of the float sums. */
static void evaluate_c(const bh_list *l, const double *yi, int dims, double *neg, double *zi) {
    float z = 0, a0 = 0, a1 = 0, a2 = 0;
    float y0 = (float)(yi[0] - l->origin[0]), y1 = dims > 1 ? (float)(yi[1] - l->origin[1]) : 0.0f;
    float y2 = dims > 2 ? (float)(yi[2] - l->origin[2]) : 0.0f;
    const float *c0 = l->c[0], *c1 = l->c[1], *c2 = l->c[2], *m = l->m;
    for (int64_t e = 0; e < l->len; e++) {
        float d0 = y0 - c0[e], d1 = y1 - c1[e], d2 = y2 - c2[e];
        float w = 1.0f / (1.0f + d0 * d0 + d1 * d1 + d2 * d2);
        float mw = m[e] * w, mww = mw * w;
        z += mw;
        a0 += mww * d0;
        a1 += mww * d1;
        a2 += mww * d2;
    }
    neg[0] = a0;
    if (dims > 1) neg[1] = a1;
    if (dims > 2) neg[2] = a2;
    *zi = (double)z - 1.0;
}

typedef void (*evaluate_fn)(const bh_list *, const double *, int, double *, double *);
#if defined(EMB__X86) && (defined(__x86_64__) || defined(__i386__))   /* EMB__X86 implies these; spelled out for readers and checkers */
#include <immintrin.h>

EMB__TARGET_AVX2 static float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

EMB__TARGET_AVX2 static void evaluate_avx2(const bh_list *l, const double *yi, int dims, double *neg, double *zi) {
    __m256 y0 = _mm256_set1_ps((float)(yi[0] - l->origin[0]));
    __m256 y1 = _mm256_set1_ps(dims > 1 ? (float)(yi[1] - l->origin[1]) : 0.0f);
    __m256 y2 = _mm256_set1_ps(dims > 2 ? (float)(yi[2] - l->origin[2]) : 0.0f);
    __m256 one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f);
    __m256 z = _mm256_setzero_ps(), a0 = z, a1 = z, a2 = z;
    int64_t len = (l->len + 7) / 8 * 8;   /* padded */
    for (int64_t e = 0; e < len; e += 8) {
        __m256 d0 = _mm256_sub_ps(y0, _mm256_loadu_ps(l->c[0] + e));
        __m256 d1 = _mm256_sub_ps(y1, _mm256_loadu_ps(l->c[1] + e));
        __m256 d2 = _mm256_sub_ps(y2, _mm256_loadu_ps(l->c[2] + e));
        __m256 q = _mm256_fmadd_ps(d0, d0, _mm256_fmadd_ps(d1, d1, _mm256_fmadd_ps(d2, d2, one)));
        __m256 w = _mm256_rcp_ps(q);
        w = _mm256_mul_ps(w, _mm256_fnmadd_ps(q, w, two));
        __m256 mw = _mm256_mul_ps(_mm256_loadu_ps(l->m + e), w), mww = _mm256_mul_ps(mw, w);
        z = _mm256_add_ps(z, mw);
        a0 = _mm256_fmadd_ps(mww, d0, a0);
        a1 = _mm256_fmadd_ps(mww, d1, a1);
        a2 = _mm256_fmadd_ps(mww, d2, a2);
    }
    neg[0] = hsum8(a0);
    if (dims > 1) neg[1] = hsum8(a1);
    if (dims > 2) neg[2] = hsum8(a2);
    *zi = (double)hsum8(z) - 1.0;
}

EMB__TARGET_AVX512 static void evaluate_avx512(const bh_list *l, const double *yi, int dims, double *neg, double *zi) {
    __m512 y0 = _mm512_set1_ps((float)(yi[0] - l->origin[0]));
    __m512 y1 = _mm512_set1_ps(dims > 1 ? (float)(yi[1] - l->origin[1]) : 0.0f);
    __m512 y2 = _mm512_set1_ps(dims > 2 ? (float)(yi[2] - l->origin[2]) : 0.0f);
    __m512 one = _mm512_set1_ps(1.0f), two = _mm512_set1_ps(2.0f);
    __m512 z = _mm512_setzero_ps(), a0 = z, a1 = z, a2 = z;
    int64_t len = (l->len + 15) / 16 * 16;   /* padded */
    for (int64_t e = 0; e < len; e += 16) {
        __m512 d0 = _mm512_sub_ps(y0, _mm512_loadu_ps(l->c[0] + e));
        __m512 d1 = _mm512_sub_ps(y1, _mm512_loadu_ps(l->c[1] + e));
        __m512 d2 = _mm512_sub_ps(y2, _mm512_loadu_ps(l->c[2] + e));
        __m512 q = _mm512_fmadd_ps(d0, d0, _mm512_fmadd_ps(d1, d1, _mm512_fmadd_ps(d2, d2, one)));
        __m512 w = _mm512_rcp14_ps(q);
        w = _mm512_mul_ps(w, _mm512_fnmadd_ps(q, w, two));
        __m512 mw = _mm512_mul_ps(_mm512_loadu_ps(l->m + e), w), mww = _mm512_mul_ps(mw, w);
        z = _mm512_add_ps(z, mw);
        a0 = _mm512_fmadd_ps(mww, d0, a0);
        a1 = _mm512_fmadd_ps(mww, d1, a1);
        a2 = _mm512_fmadd_ps(mww, d2, a2);
    }
    neg[0] = _mm512_reduce_add_ps(a0);
    if (dims > 1) neg[1] = _mm512_reduce_add_ps(a1);
    if (dims > 2) neg[2] = _mm512_reduce_add_ps(a2);
    *zi = (double)_mm512_reduce_add_ps(z) - 1.0;
}
#endif

/* the evaluation at the active SIMD level (core/internal.h) */
static evaluate_fn evaluate_pick(void) {
#ifdef EMB__X86
    emb_cpu_level lv = emb_cpu_level_active();
    if (lv >= EMB_CPU_AVX512) return evaluate_avx512;
    if (lv >= EMB_CPU_AVX2) return evaluate_avx2;
#endif
    return evaluate_c;
}

/* Groups: the highest cells with at most BH_GROUP points. */
static int64_t groups(const bh_tree *t, int64_t id, int64_t *out, int64_t n_out) {
    const bh_node *nd = &t->nodes[id];
    if (nd->count <= BH_GROUP || nd->child < 0) { out[n_out++] = id; return n_out; }
    for (int q = 0; q < nd->nchild; q++) n_out = groups(t, nd->child + q, out, n_out);
    return n_out;
}

struct emb__tsne_bh { bh_tree t; };

emb__tsne_bh *emb__tsne_bh_new(void) { return calloc(1, sizeof(emb__tsne_bh)); }

void emb__tsne_bh_free(emb__tsne_bh *b) {
    if (!b) return;
    bh_tree *t = &b->t;
    free(t->nodes);
    free(t->perm);
    free(t->key);
    free(t->ys);
    free(t->psum);
    free(t->ktmp);
    free(t->itmp);
    free(t->grp);
    free(b);
}

emb_status emb__tsne_bh_build(emb__tsne_bh *b, const double *y, int64_t n, int dims) {
    bh_tree *t = &b->t;
    t->dims = dims;
    t->n = n;
    t->bad = false;
    if (n > t->cap_n) {
#define BH_GROW(p, count) do { void *q_ = realloc((p), (size_t)(count) * sizeof *(p)); if (!q_) goto nomem; (p) = q_; } while (0)
        BH_GROW(t->perm, n);
        BH_GROW(t->key, n);
        BH_GROW(t->ys, n * 3);
        BH_GROW(t->psum, (n + 1) * 3);
        BH_GROW(t->ktmp, n);
        BH_GROW(t->itmp, n);
        BH_GROW(t->grp, n);
#undef BH_GROW
        t->cap_n = n;
    }
    if (tree_build(t, y, n)) goto nomem;
    t->n_groups = groups(t, 0, t->grp, 0);
    return EMB_OK;
nomem:
    return emb__fail(EMB_E_NOMEM, "t-SNE Barnes-Hut: out of memory building the tree (n = %lld)", (long long)n);
}

void emb__tsne_bh_forces(emb__tsne_bh *b, double theta, double *neg, double *zrow) {
    const bh_tree *t = &b->t;
    int dims = t->dims;
    double theta2 = theta * theta;
    evaluate_fn evaluate = evaluate_pick();
    bh_list l = {0};
#pragma omp for schedule(dynamic, 1) nowait
    for (int64_t gi = 0; gi < t->n_groups; gi++) {
        const bh_node *g = &t->nodes[t->grp[gi]];
        double glo[3] = {INFINITY, INFINITY, INFINITY}, ghi[3] = {-INFINITY, -INFINITY, -INFINITY};
        for (int64_t s = g->start; s < g->start + g->count; s++)
            for (int c = 0; c < dims; c++) {
                double v = t->ys[s * dims + c];
                glo[c] = v < glo[c] ? v : glo[c];
                ghi[c] = v > ghi[c] ? v : ghi[c];
            }
        if (collect(t, glo, ghi, theta2, &l)) {
#pragma omp atomic write
            b->t.bad = true;
            continue;
        }
        for (int64_t s = g->start; s < g->start + g->count; s++) {
            int64_t i = t->perm[s];
            evaluate(&l, t->ys + s * dims, dims, neg + i * dims, &zrow[i]);
        }
    }
    for (int d = 0; d < 3; d++) free(l.c[d]);
    free(l.m);
}

emb_status emb__tsne_bh_finish(emb__tsne_bh *b, const double *zrow, double *z) {
    if (b->t.bad) return emb__fail(EMB_E_NOMEM, "t-SNE Barnes-Hut: out of memory");
    double sum = 0;
    for (int64_t i = 0; i < b->t.n; i++) sum += zrow[i];
    *z = sum;
    return EMB_OK;
}

emb_status emb__tsne_bh_repulsive(emb__tsne_bh *b, const double *y, int64_t n, int dims, double theta,
                                   int nth, double *neg, double *zrow, double *z) {
    emb_status st = emb__tsne_bh_build(b, y, n, dims);
    if (st) return st;
#pragma omp parallel num_threads(nth)
    emb__tsne_bh_forces(b, theta, neg, zrow);
    return emb__tsne_bh_finish(b, zrow, z);
}

emb_status emb__tsne_repulsive_bh(const double *y, int64_t n, int dims, double theta, int nth,
                                  double *neg, double *z) {
    emb__tsne_bh *b = emb__tsne_bh_new();
    double *zrow = malloc((size_t)n * sizeof *zrow);
    emb_status st = b && zrow ? emb__tsne_bh_repulsive(b, y, n, dims, theta, nth, neg, zrow, z)
                              : emb__fail(EMB_E_NOMEM, "t-SNE Barnes-Hut: out of memory (n = %lld)", (long long)n);
    emb__tsne_bh_free(b);
    free(zrow);
    return st;
}

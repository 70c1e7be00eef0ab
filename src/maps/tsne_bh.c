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
 * The tree is rebuilt each iteration by recursive partition of an index array
 * (like a k-d sort), so points of one cell are contiguous; queries run in tree
 * order, in parallel, each writing its own row: results do not depend on the
 * number of threads. */
#include "core/internal.h"
#include "maps/tsne.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BH_MAX_DEPTH 40   /* deeper cells become leaves (coincident points) */
#ifndef BH_LEAF
#define BH_LEAF 8         /* points per leaf */
#endif
#ifndef BH_GROUP
#define BH_GROUP 256      /* points per query group: amortises the traversal */
#endif

typedef struct {
    double com[3];     /* centre of mass */
    double center[3];  /* cell centre */
    double hw;         /* half width */
    int64_t count;     /* points inside */
    int64_t start;     /* first point (position in tree order) */
    int32_t child;     /* index of the first of 2^dims children, -1 for a leaf */
} bh_node;

typedef struct {
    bh_node *nodes;
    int64_t n_nodes, cap;
    int dims, nchild;
    double *ys;        /* (n, dims) coordinates in tree order */
    int64_t *perm;     /* tree order -> point index */
    int64_t *tmp;      /* scratch for partitioning */
} bh_tree;

static int64_t node_new(bh_tree *t) {
    if (t->n_nodes == t->cap) {
        int64_t cap = t->cap ? t->cap * 2 : 1024;
        bh_node *nn = realloc(t->nodes, (size_t)cap * sizeof *nn);
        if (!nn) return -1;
        t->nodes = nn;
        t->cap = cap;
    }
    return t->n_nodes++;
}

/* Fill node id for perm[start, start + count) (coordinates in y). */
static int build(bh_tree *t, const double *y, int64_t id, int64_t start, int64_t count, int depth) {
    int dims = t->dims;
    bh_node *nd = &t->nodes[id];
    nd->start = start;
    nd->count = count;
    nd->child = -1;
    double com[3] = {0, 0, 0};
    for (int64_t s = start; s < start + count; s++)
        for (int c = 0; c < dims; c++) com[c] += y[t->perm[s] * dims + c];
    for (int c = 0; c < dims; c++) nd->com[c] = count ? com[c] / (double)count : nd->center[c];
    if (count <= BH_LEAF || depth >= BH_MAX_DEPTH) return 0;
    /* all coincident: a leaf */
    bool same = true;
    const double *y0 = y + t->perm[start] * dims;
    for (int64_t s = start + 1; s < start + count && same; s++)
        for (int c = 0; c < dims; c++)
            if (y[t->perm[s] * dims + c] != y0[c]) { same = false; break; }
    if (same) return 0;
    /* counting sort of the range by child code */
    int64_t cnt[8] = {0}, off[8];
    double center[3], hw = nd->hw;
    memcpy(center, nd->center, sizeof center);
    for (int64_t s = start; s < start + count; s++) {
        const double *p = y + t->perm[s] * dims;
        int code = 0;
        for (int c = 0; c < dims; c++) code |= (p[c] > center[c]) << c;
        cnt[code]++;
    }
    off[0] = 0;
    for (int q = 1; q < t->nchild; q++) off[q] = off[q - 1] + cnt[q - 1];
    for (int64_t s = start; s < start + count; s++) {
        const double *p = y + t->perm[s] * dims;
        int code = 0;
        for (int c = 0; c < dims; c++) code |= (p[c] > center[c]) << c;
        t->tmp[off[code]++] = t->perm[s];
    }
    memcpy(t->perm + start, t->tmp, (size_t)count * sizeof *t->perm);
    int64_t first = -1;
    for (int q = 0; q < t->nchild; q++) {
        int64_t c = node_new(t);
        if (c < 0) return -1;
        if (q == 0) first = c;
    }
    t->nodes[id].child = (int32_t)first;
    int64_t s = start;
    for (int q = 0; q < t->nchild; q++) {
        bh_node *ch = &t->nodes[first + q];
        ch->hw = hw / 2;
        for (int c = 0; c < dims; c++) ch->center[c] = center[c] + ((q >> c & 1) ? hw / 2 : -hw / 2);
        if (build(t, y, first + q, s, cnt[q], depth + 1)) return -1;
        s += cnt[q];
    }
    return 0;
}

/* Interaction list of one group: cells accepted for every point of the
 * group (centre of mass, count) and single points of the leaves that were
 * not, structure of arrays so that the evaluation loop vectorises. */
typedef struct {
    float *c[3], *m;   /* coordinates relative to origin[], single precision */
    double origin[3];  /* the group's centre */
    int64_t len, cap;
} bh_list;

static int list_push(bh_list *l, const double *c, int dims, double m) {
    if (l->len == l->cap) {
        int64_t cap = l->cap ? l->cap * 2 : 4096;
        for (int d = 0; d < 3; d++) {
            float *p = realloc(l->c[d], (size_t)cap * sizeof *p);
            if (!p) return -1;
            l->c[d] = p;
        }
        float *p = realloc(l->m, (size_t)cap * sizeof *p);
        if (!p) return -1;
        l->m = p;
        l->cap = cap;
    }
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
    int64_t stack[BH_MAX_DEPTH * 8 + 8];
    int sp = 0;
    stack[sp++] = 0;
    l->len = 0;
    for (int c = 0; c < 3; c++) l->origin[c] = c < dims ? 0.5 * (lo[c] + hi[c]) : 0;
    while (sp > 0) {
        const bh_node *nd = &t->nodes[stack[--sp]];
        if (nd->count == 0) continue;
        double d2 = 0;
        for (int c = 0; c < dims; c++) {
            double v = nd->com[c] < lo[c] ? lo[c] - nd->com[c] : nd->com[c] > hi[c] ? nd->com[c] - hi[c] : 0;
            d2 += v * v;
        }
        double width = 2 * nd->hw;
        if (width * width < theta2 * d2) {
            if (list_push(l, nd->com, dims, (double)nd->count)) return -1;
        } else if (nd->child < 0) {
            for (int64_t s = nd->start; s < nd->start + nd->count; s++)
                if (list_push(l, t->ys + s * dims, dims, 1.0)) return -1;
        } else {
            for (int q = t->nchild - 1; q >= 0; q--) stack[sp++] = nd->child + q;
        }
    }
    return 0;
}

/* Evaluate the list at point yi: sum_l m_l w_l and sum_l m_l w_l^2 (yi - c_l).
 * The point itself is in the list once (w = 1, zero force): z - 1 drops it.
 * Single precision relative to the group's centre: the differences of near
 * points keep their digits, and the rounding (~1e-6 relative) is far below
 * the Barnes-Hut approximation error (~1e-2). */
EMB__INLINE void evaluate_body(const bh_list *l, const double *yi, int dims, double *neg, double *zi) {
    float z = 0, a0 = 0, a1 = 0, a2 = 0;
    float y0 = (float)(yi[0] - l->origin[0]), y1 = dims > 1 ? (float)(yi[1] - l->origin[1]) : 0.0f;
    float y2 = dims > 2 ? (float)(yi[2] - l->origin[2]) : 0.0f;
    const float *c0 = l->c[0], *c1 = l->c[1], *c2 = l->c[2], *m = l->m;
    int64_t len = l->len;
#pragma omp simd reduction(+ : z, a0, a1, a2)
    for (int64_t e = 0; e < len; e++) {
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

/* evaluate_body at each SIMD level (core/internal.h): the vector width sets
 * the order of the float sums, so each level has its own rounding. */
typedef void (*evaluate_fn)(const bh_list *, const double *, int, double *, double *);
static void evaluate_c(const bh_list *l, const double *yi, int dims, double *neg, double *zi) { evaluate_body(l, yi, dims, neg, zi); }
#ifdef EMB__X86
EMB__TARGET_AVX2 static void evaluate_avx2(const bh_list *l, const double *yi, int dims, double *neg, double *zi) { evaluate_body(l, yi, dims, neg, zi); }
EMB__TARGET_AVX512 static void evaluate_avx512(const bh_list *l, const double *yi, int dims, double *neg, double *zi) { evaluate_body(l, yi, dims, neg, zi); }
#endif
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
    if (nd->count == 0) return n_out;
    if (nd->count <= BH_GROUP || nd->child < 0) { out[n_out++] = id; return n_out; }
    for (int q = 0; q < t->nchild; q++) n_out = groups(t, nd->child + q, out, n_out);
    return n_out;
}

emb_status emb__tsne_repulsive_bh(const double *y, int64_t n, int dims, double theta, int nth,
                                  double *neg, double *z) {
    bh_tree t = {0};
    t.dims = dims;
    t.nchild = 1 << dims;
    emb_status st = EMB_OK;
    double *zrow = NULL;
    t.perm = malloc((size_t)n * sizeof *t.perm);
    t.tmp = malloc((size_t)n * sizeof *t.tmp);
    t.ys = malloc((size_t)n * dims * sizeof *t.ys);
    zrow = malloc((size_t)n * sizeof *zrow);
    if (!t.perm || !t.tmp || !t.ys || !zrow || node_new(&t) < 0) {
        st = emb__fail(EMB_E_NOMEM, "t-SNE Barnes-Hut: out of memory (n = %lld)", (long long)n);
        goto done;
    }
    double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
    for (int64_t i = 0; i < n; i++) {
        t.perm[i] = i;
        for (int c = 0; c < dims; c++) {
            double v = y[i * dims + c];
            if (v < lo[c]) lo[c] = v;
            if (v > hi[c]) hi[c] = v;
        }
    }
    double hw = 0;
    for (int c = 0; c < dims; c++) {
        t.nodes[0].center[c] = 0.5 * (lo[c] + hi[c]);
        if (0.5 * (hi[c] - lo[c]) > hw) hw = 0.5 * (hi[c] - lo[c]);
    }
    t.nodes[0].hw = hw * (1 + 1e-9) + 1e-12;
    if (build(&t, y, 0, 0, n, 0)) {
        st = emb__fail(EMB_E_NOMEM, "t-SNE Barnes-Hut: out of memory building the tree");
        goto done;
    }
    for (int64_t s = 0; s < n; s++)
        for (int c = 0; c < dims; c++) t.ys[s * dims + c] = y[t.perm[s] * dims + c];
    double theta2 = theta * theta;
    int64_t *grp = malloc((size_t)n * sizeof *grp);
    if (!grp) { st = emb__fail(EMB_E_NOMEM, "t-SNE Barnes-Hut: out of memory"); goto done; }
    int64_t n_groups = groups(&t, 0, grp, 0);
    bool bad = false;
    evaluate_fn evaluate = evaluate_pick();
#pragma omp parallel num_threads(nth)
    {
        bh_list l = {0};
#pragma omp for schedule(dynamic, 1)
        for (int64_t gi = 0; gi < n_groups; gi++) {
            const bh_node *g = &t.nodes[grp[gi]];
            double glo[3] = {INFINITY, INFINITY, INFINITY}, ghi[3] = {-INFINITY, -INFINITY, -INFINITY};
            for (int64_t s = g->start; s < g->start + g->count; s++)
                for (int c = 0; c < dims; c++) {
                    double v = t.ys[s * dims + c];
                    glo[c] = v < glo[c] ? v : glo[c];
                    ghi[c] = v > ghi[c] ? v : ghi[c];
                }
            if (collect(&t, glo, ghi, theta2, &l)) { bad = true; continue; }
            for (int64_t s = g->start; s < g->start + g->count; s++) {
                int64_t i = t.perm[s];
                evaluate(&l, t.ys + s * dims, dims, neg + i * dims, &zrow[i]);
            }
        }
        for (int d = 0; d < 3; d++) free(l.c[d]);
        free(l.m);
    }
    free(grp);
    if (bad) { st = emb__fail(EMB_E_NOMEM, "t-SNE Barnes-Hut: out of memory"); goto done; }
    double sum = 0;
    for (int64_t i = 0; i < n; i++) sum += zrow[i];
    *z = sum;
done:
    free(t.nodes);
    free(t.perm);
    free(t.tmp);
    free(t.ys);
    free(zrow);
    return st;
}

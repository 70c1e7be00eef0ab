/* kdtree.c - a k-d tree over low-dimensional points (Bentley 1975; median
 * split on the widest side of each node's box, leaves of at most
 * EMB__KD_LEAF points) and the k-nearest-neighbour search that gives
 * HDBSCAN its core distances. Coordinates are held in double, so that the
 * distances are those of the float32 input computed in double, as R and
 * scikit-learn compute them from the same values. */
#include "cluster/cluster.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const float *x;
    int d;
    int64_t *idx;
    emb__kd_tree *t;
    int32_t cap;
} build_ctx;

static double coord(const build_ctx *b, int64_t i, int dim) { return b->x[(size_t)b->idx[i] * b->d + dim]; }

static void swap64(int64_t *a, int64_t *b) { int64_t v = *a; *a = *b; *b = v; }

/* Reorders idx[lo, hi) so that position m holds the element of rank m - lo
 * along dim, smaller-or-equal ones before it, greater-or-equal after
 * (Hoare's selection with a median-of-three pivot). */
static void select_nth(build_ctx *b, int64_t lo, int64_t hi, int64_t m, int dim) {
    int64_t *idx = b->idx;
    hi--;
    while (hi > lo) {
        int64_t mid = lo + (hi - lo) / 2;
        if (coord(b, mid, dim) < coord(b, lo, dim)) swap64(&idx[mid], &idx[lo]);
        if (coord(b, hi, dim) < coord(b, lo, dim)) swap64(&idx[hi], &idx[lo]);
        if (coord(b, hi, dim) < coord(b, mid, dim)) swap64(&idx[hi], &idx[mid]);
        double pivot = coord(b, mid, dim);
        int64_t i = lo, j = hi;
        while (i <= j) {
            while (coord(b, i, dim) < pivot) i++;
            while (coord(b, j, dim) > pivot) j--;
            if (i <= j) { swap64(&idx[i], &idx[j]); i++; j--; }
        }
        if (m <= j) hi = j;
        else if (m >= i) lo = i;
        else return;
    }
}

static int32_t build_node(build_ctx *b, int64_t lo, int64_t hi) {
    emb__kd_tree *t = b->t;
    int32_t id = t->n_nodes++;   /* < cap: a split node has > EMB__KD_LEAF points, so each leaf
                                    has >= 12 points and there are < n / 6 nodes */
    int d = b->d;
    double *blo = t->box_lo + (size_t)id * d, *bhi = t->box_hi + (size_t)id * d;
    for (int c = 0; c < d; c++) { blo[c] = INFINITY; bhi[c] = -INFINITY; }
    for (int64_t i = lo; i < hi; i++)
        for (int c = 0; c < d; c++) {
            double v = coord(b, i, c);
            if (v < blo[c]) blo[c] = v;
            if (v > bhi[c]) bhi[c] = v;
        }
    t->nodes[id] = (emb__kd_node){.lo = lo, .hi = hi, .left = -1, .right = -1};
    int widest = 0;
    for (int c = 1; c < d; c++)
        if (bhi[c] - blo[c] > bhi[widest] - blo[widest]) widest = c;
    if (hi - lo <= EMB__KD_LEAF || !(bhi[widest] > blo[widest])) return id;   /* small, or all points equal */
    int64_t m = lo + (hi - lo) / 2;
    select_nth(b, lo, hi, m, widest);
    int32_t l = build_node(b, lo, m);
    int32_t r = build_node(b, m, hi);
    t->nodes[id].left = l;
    t->nodes[id].right = r;
    return id;
}

emb_status emb__kd_build(const emb_matf *x, emb__kd_tree *t) {
    memset(t, 0, sizeof *t);
    int64_t n = x->rows;
    int d = (int)x->cols;
    if (n < 1 || d < 1 || x->cols > 1024)
        return emb__fail(EMB_E_INVALID, "k-d tree: %lld points of %lld dimensions (1..1024)", (long long)n, (long long)x->cols);
    if (n > (int64_t)1 << 30) return emb__fail(EMB_E_INVALID, "k-d tree: %lld points (2^30 at most)", (long long)n);
    int32_t cap = (int32_t)(n / 6 + 8);
    t->n = n;
    t->d = d;
    t->idx = emb__malloc(sizeof(int64_t) * (size_t)n, "k-d tree index");
    t->pts = emb__malloc(sizeof(double) * (size_t)n * d, "k-d tree points");
    t->nodes = emb__malloc(sizeof(emb__kd_node) * (size_t)cap, "k-d tree nodes");
    t->box_lo = emb__malloc(sizeof(double) * (size_t)cap * d, "k-d tree boxes");
    t->box_hi = emb__malloc(sizeof(double) * (size_t)cap * d, "k-d tree boxes");
    if (!t->idx || !t->pts || !t->nodes || !t->box_lo || !t->box_hi) { emb__kd_free(t); return EMB_E_NOMEM; }
    for (int64_t i = 0; i < n; i++) t->idx[i] = i;
    build_ctx b = {.x = x->data, .d = d, .idx = t->idx, .t = t, .cap = cap};
    build_node(&b, 0, n);
    for (int64_t p = 0; p < n; p++)
        for (int c = 0; c < d; c++) t->pts[(size_t)p * d + c] = x->data[(size_t)t->idx[p] * d + c];
    return EMB_OK;
}

void emb__kd_free(emb__kd_tree *t) {
    if (!t) return;
    free(t->idx);
    free(t->pts);
    free(t->nodes);
    free(t->box_lo);
    free(t->box_hi);
    memset(t, 0, sizeof *t);
}

double emb__kd_box_dist2(const emb__kd_tree *t, int32_t node, const double *q) {
    const double *lo = t->box_lo + (size_t)node * t->d, *hi = t->box_hi + (size_t)node * t->d;
    double s = 0;
    for (int c = 0; c < t->d; c++) {
        double v = q[c] < lo[c] ? lo[c] - q[c] : q[c] > hi[c] ? q[c] - hi[c] : 0;
        s += v * v;
    }
    return s;
}

/* ------------------------------------------------------ k nearest, for core */

/* A max-heap of the k smallest squared distances seen. */
typedef struct {
    double *h;
    int n, k;
} heap_k;

static void heap_push(heap_k *hp, double v) {
    double *h = hp->h;
    if (hp->n < hp->k) {
        int i = hp->n++;
        while (i > 0 && h[(i - 1) / 2] < v) { h[i] = h[(i - 1) / 2]; i = (i - 1) / 2; }
        h[i] = v;
        return;
    }
    if (v >= h[0]) return;
    int i = 0;
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        double mv = v;
        if (l < hp->n && h[l] > mv) { m = l; mv = h[l]; }
        if (r < hp->n && h[r] > mv) { m = r; }
        if (m == i) break;
        h[i] = h[m];
        i = m;
    }
    h[i] = v;
}

static void knn_search(const emb__kd_tree *t, int32_t node, const double *q, heap_k *hp) {
    const emb__kd_node *nd = &t->nodes[node];
    if (nd->left < 0) {
        int d = t->d;
        for (int64_t p = nd->lo; p < nd->hi; p++) {
            const double *y = t->pts + (size_t)p * d;
            double s = 0;
            for (int c = 0; c < d; c++) { double v = q[c] - y[c]; s += v * v; }
            heap_push(hp, s);
        }
        return;
    }
    double dl = emb__kd_box_dist2(t, nd->left, q), dr = emb__kd_box_dist2(t, nd->right, q);
    int32_t first = dl <= dr ? nd->left : nd->right, second = dl <= dr ? nd->right : nd->left;
    double d1 = dl <= dr ? dl : dr, d2 = dl <= dr ? dr : dl;
    if (hp->n < hp->k || d1 < hp->h[0]) knn_search(t, first, q, hp);
    if (hp->n < hp->k || d2 < hp->h[0]) knn_search(t, second, q, hp);
}

emb_status emb__kd_core_dist(const emb__kd_tree *t, int k, int n_threads, double *core) {
    if (k < 1) k = 1;
    if (k > t->n) k = (int)t->n;
    int nth = emb_threads_resolve(n_threads);
    double *heaps = emb__malloc(sizeof(double) * (size_t)k * nth, "core distance heaps");
    if (!heaps) return EMB_E_NOMEM;
    #pragma omp parallel num_threads(nth)
    {
        heap_k hp = {.h = heaps + (size_t)k * omp_get_thread_num(), .k = k};
        #pragma omp for schedule(dynamic, 256)
        for (int64_t p = 0; p < t->n; p++) {
            hp.n = 0;
            knn_search(t, 0, t->pts + (size_t)p * t->d, &hp);
            core[p] = sqrt(hp.h[0]);
        }
    }
    free(heaps);
    return EMB_OK;
}

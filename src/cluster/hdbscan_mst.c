/* hdbscan_mst.c - the minimum spanning tree of HDBSCAN's mutual
 * reachability distances, mr(a, b) = max(core a, core b, |a - b|), by
 * Boruvka's algorithm over a k-d tree (the accelerated HDBSCAN of McInnes
 * & Healy 2017; single-tree form): each round every component takes its
 * lightest edge to another component, found by a search from each of its
 * points that skips nodes whose points all lie in the point's own
 * component and nodes whose lower bound max(core p, least core in the node,
 * distance to the box) exceeds the component's best edge so far. At most
 * log2 n rounds; no distance matrix, memory linear in n.
 *
 * Edges are ordered by (weight, lower row, higher row): one strict order,
 * under which the tree is unique (Kruskal's in that order gives the same), and a node is pruned only when its bound is strictly
 * greater than a weight already found, so every point's search returns its
 * least edge in that order whatever the other threads have found: the tree
 * is the same at any thread count. */
#include "cluster/cluster.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    double w;
    int64_t a, b;     /* original rows, a < b: the order's keys */
    int64_t pa, pb;   /* their tree positions */
} edge;

static bool edge_less(double w, int64_t a, int64_t b, const edge *e) {
    if (w != e->w) return w < e->w;
    if (a != e->a) return a < e->a;
    return b < e->b;
}

/* Lowers *slot to v (both >= 0, so the bits order as the values do). */
static void atomic_min_double(double *slot, double v) {
    uint64_t nv, cur;
    memcpy(&nv, &v, sizeof nv);
    __atomic_load(( uint64_t *)slot, &cur, __ATOMIC_RELAXED);
    while (nv < cur && !__atomic_compare_exchange((uint64_t *)slot, &cur, &nv, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
}

static double load_double(const double *slot) {
    uint64_t v;
    __atomic_load((const uint64_t *)slot, &v, __ATOMIC_RELAXED);
    double r;
    memcpy(&r, &v, sizeof r);
    return r;
}

typedef struct {
    const emb__kd_tree *t;
    const double *core;
    const double *node_core;  /* least core distance in each node */
    const int64_t *comp;      /* component of each position */
    const int64_t *node_comp; /* the component of all of a node's points, or -1 */
    double *comp_best;        /* the lightest edge weight found so far per component */
} search_ctx;

static void search(const search_ctx *s, int32_t node, int64_t p, const double *q, edge *best) {
    const emb__kd_tree *t = s->t;
    int64_t cp = s->comp[p];
    if (s->node_comp[node] == cp) return;
    double bound = load_double(&s->comp_best[cp]);
    if (best->w < bound) bound = best->w;
    double lb = sqrt(emb__kd_box_dist2(t, node, q));
    if (s->core[p] > lb) lb = s->core[p];
    if (s->node_core[node] > lb) lb = s->node_core[node];
    if (lb > bound) return;
    const emb__kd_node *nd = &t->nodes[node];
    if (nd->left < 0) {
        int d = t->d;
        for (int64_t r = nd->lo; r < nd->hi; r++) {
            if (s->comp[r] == cp) continue;
            const double *y = t->pts + (size_t)r * d;
            double ss = 0;
            for (int c = 0; c < d; c++) { double v = q[c] - y[c]; ss += v * v; }
            double w = sqrt(ss);
            if (s->core[p] > w) w = s->core[p];
            if (s->core[r] > w) w = s->core[r];
            int64_t ip = t->idx[p], ir = t->idx[r];
            int64_t a = ip < ir ? ip : ir, b = ip < ir ? ir : ip;
            if (edge_less(w, a, b, best)) {
                *best = (edge){w, a, b, p, r};
                atomic_min_double(&s->comp_best[cp], w);
            }
        }
        return;
    }
    double dl = emb__kd_box_dist2(t, nd->left, q), dr = emb__kd_box_dist2(t, nd->right, q);
    if (dl <= dr) {
        search(s, nd->left, p, q, best);
        search(s, nd->right, p, q, best);
    } else {
        search(s, nd->right, p, q, best);
        search(s, nd->left, p, q, best);
    }
}

static int edge_cmp(const void *x, const void *y) {
    const edge *a = x, *b = y;
    if (a->w != b->w) return a->w < b->w ? -1 : 1;
    if (a->a != b->a) return a->a < b->a ? -1 : 1;
    return (a->b > b->b) - (a->b < b->b);
}

emb_status emb__mst_boruvka(const emb__kd_tree *t, const double *core, int n_threads,
                            int64_t *ea, int64_t *eb, double *ew, const emb_progress *progress) {
    int64_t n = t->n;
    int nth = emb_threads_resolve(n_threads);
    int32_t nn = t->n_nodes;
    int64_t *uf = emb__malloc(sizeof(int64_t) * (size_t)n, "MST union-find");
    int64_t *comp = emb__malloc(sizeof(int64_t) * (size_t)n, "MST components");
    int64_t *node_comp = emb__malloc(sizeof(int64_t) * (size_t)nn, "MST node components");
    double *node_core = emb__malloc(sizeof(double) * (size_t)nn, "MST node cores");
    double *comp_best = emb__malloc(sizeof(double) * (size_t)n, "MST component bounds");
    edge *pbest = emb__malloc(sizeof(edge) * (size_t)n, "MST point edges");
    edge *cbest = emb__malloc(sizeof(edge) * (size_t)n, "MST component edges");
    edge *out = emb__malloc(sizeof(edge) * (size_t)(n > 1 ? n - 1 : 1), "MST edges");
    emb_status st = EMB_OK;
    if (!uf || !comp || !node_comp || !node_core || !comp_best || !pbest || !cbest || !out) { st = EMB_E_NOMEM; goto done; }
    for (int64_t i = 0; i < n; i++) uf[i] = i;
    for (int32_t v = nn - 1; v >= 0; v--) {
        const emb__kd_node *nd = &t->nodes[v];
        double m = INFINITY;
        if (nd->left < 0)
            for (int64_t p = nd->lo; p < nd->hi; p++) m = core[p] < m ? core[p] : m;
        else
            m = fmin(node_core[nd->left], node_core[nd->right]);
        node_core[v] = m;
    }
    int64_t n_edges = 0, n_comp = n;
    int round = 0;
    while (n_comp > 1) {
        round++;
        for (int64_t i = 0; i < n; i++) comp[i] = emb__uf_find(uf, i);
        for (int32_t v = nn - 1; v >= 0; v--) {
            const emb__kd_node *nd = &t->nodes[v];
            int64_t c = comp[nd->lo];
            if (nd->left < 0) {
                for (int64_t p = nd->lo + 1; p < nd->hi && c >= 0; p++)
                    if (comp[p] != c) c = -1;
            } else {
                c = node_comp[nd->left] == node_comp[nd->right] ? node_comp[nd->left] : -1;
            }
            node_comp[v] = c;
        }
        for (int64_t i = 0; i < n; i++) { comp_best[i] = INFINITY; cbest[i] = (edge){INFINITY, -1, -1, -1, -1}; }
        search_ctx s = {.t = t, .core = core, .node_core = node_core, .comp = comp, .node_comp = node_comp, .comp_best = comp_best};
        #pragma omp parallel for schedule(dynamic, 64) num_threads(nth)
        for (int64_t p = 0; p < n; p++) {
            pbest[p] = (edge){INFINITY, -1, -1, -1, -1};
            if (core[p] > load_double(&comp_best[comp[p]])) continue;   /* no edge of p can be lighter */
            search(&s, 0, p, t->pts + (size_t)p * t->d, &pbest[p]);
        }
        for (int64_t p = 0; p < n; p++) {
            const edge *e = &pbest[p];
            if (e->a >= 0 && edge_less(e->w, e->a, e->b, &cbest[comp[p]])) cbest[comp[p]] = *e;
        }
        int64_t added = 0;
        for (int64_t c = 0; c < n; c++) {
            const edge *e = &cbest[c];
            if (comp[c] != c || e->a < 0) continue;
            if (emb__uf_find(uf, e->pa) == emb__uf_find(uf, e->pb)) continue;   /* the other component chose it too */
            emb__uf_union(uf, e->pa, e->pb);
            out[n_edges++] = *e;
            added++;
        }
        n_comp -= added;
        if (!added) { st = emb__fail(EMB_E_INVALID, "HDBSCAN: the spanning tree stopped at %lld components", (long long)n_comp); goto done; }
        if (progress) emb_progress_report(progress, "hdbscan", 1.0 - (double)(n_comp - 1) / (double)(n > 1 ? n - 1 : 1), "spanning tree");
    }
    qsort(out, (size_t)n_edges, sizeof *out, edge_cmp);
    for (int64_t i = 0; i < n_edges; i++) { ea[i] = out[i].a; eb[i] = out[i].b; ew[i] = out[i].w; }
done:
    free(uf);
    free(comp);
    free(node_comp);
    free(node_core);
    free(comp_best);
    free(pbest);
    free(cbest);
    free(out);
    return st;
}

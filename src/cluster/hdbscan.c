/* hdbscan.c - HDBSCAN (Campello, Moulavi & Sander 2013; the accelerated
 * algorithm of McInnes & Healy 2017) and its GLOSH outlier score
 * (Campello, Moulavi, Zimek & Sander 2015), with the semantics of the
 * hdbscan library and R's dbscan::hdbscan():
 *
 *   1. core distance of each point: distance to its min_samples-th nearest
 *      point, itself counted (k-d tree, kdtree.c);
 *   2. minimum spanning tree of the mutual reachability distances
 *      (Boruvka over the tree, hdbscan_mst.c);
 *   3. single-linkage hierarchy from the sorted edges (union-find);
 *   4. condensed tree: walking down from the root at lambda = 1/distance,
 *      a split into two parts of >= min_cluster_size points makes two new
 *      clusters; a smaller part's points leave the cluster, each at the
 *      lambda where it stops being a singleton, or where the cluster
 *      splits into two clusters if that comes first (R's dbscan 1.1
 *      counts them so; the hdbscan library has them leave at the split);
 *   5. stability of a cluster = sum over its points and child clusters of
 *      (lambda leaving - lambda born) x size; excess of mass keeps a
 *      cluster when its stability is at least its children's (summed, as
 *      selected below them), or the leaves are taken; clusters born below
 *      cluster_selection_epsilon give way to their ancestor born above it
 *      (Malzer & Baum 2020);
 *   6. a point's cluster is the nearest selected cluster at or above the
 *      one it falls out of; else noise (the root, selected as the one
 *      cluster with allow_single_cluster, takes all its points, or with
 *      epsilon those that leave it above 1 / epsilon);
 *   7. probability = min(lambda_p, lambda_max(C)) / lambda_max(C), lambda_max
 *      over the points and clusters leaving C itself (hdbscan's); GLOSH =
 *      1 - lambda_p / lambda_max, lambda_max over C's whole subtree.
 *
 * Distance 0 (copies) gives lambda = infinity; a difference of two
 * infinities counts 0 in the stabilities. */
#include "cluster/cluster.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

emb_hdbscan_params emb_hdbscan_default_params(void) {
    return (emb_hdbscan_params){.min_cluster_size = 5, .min_samples = 0, .cluster_selection_epsilon = 0,
                                .selection = EMB_HDBSCAN_EOM, .allow_single_cluster = false};
}

/* The condensed tree: row r says that child (a point < n, or cluster
 * n + c) leaves cluster parent[r] at lambda[r] with size[r] points. */
typedef struct {
    int64_t *parent, *child, *size;
    double *lambda;
    int64_t rows;
    int64_t n_clusters;   /* cluster 0 is the root */
} condensed;

static void condensed_free(condensed *c) {
    free(c->parent);
    free(c->child);
    free(c->size);
    free(c->lambda);
}

static void add_row(condensed *c, int64_t parent, int64_t child, double lambda, int64_t size) {
    int64_t r = c->rows++;
    c->parent[r] = parent;
    c->child[r] = child;
    c->lambda[r] = lambda;
    c->size[r] = size;
}

/* Every point under hierarchy node v leaves cluster cl, each at its own
 * lambda (1 / the height of its first merge: where it stops being a
 * singleton), as R's dbscan::hdbscan() counts a part smaller than
 * min_cluster_size (the hdbscan library has all of them leave at the split). */
static void fall_out(condensed *c, const int64_t *left, const int64_t *right, int64_t n, int64_t v, int64_t cl,
                     const double *own, int64_t *stack) {
    int64_t top = 0;
    stack[top++] = v;
    while (top) {
        int64_t u = stack[--top];
        if (u < n) { add_row(c, cl, u, own[u], 1); continue; }
        stack[top++] = left[u - n];
        stack[top++] = right[u - n];
    }
}

/* Steps 3-4: hierarchy of the n - 1 sorted edges, then the condensed tree. */
static emb_status condense(int64_t n, const int64_t *ea, const int64_t *eb, const double *ew, int64_t mcs,
                           condensed *c) {
    memset(c, 0, sizeof *c);
    int64_t m = n - 1, nodes = 2 * n - 1;
    int64_t *left = emb__malloc(sizeof(int64_t) * (size_t)(m ? m : 1), "hierarchy");
    int64_t *right = emb__malloc(sizeof(int64_t) * (size_t)(m ? m : 1), "hierarchy");
    int64_t *sz = emb__malloc(sizeof(int64_t) * (size_t)nodes, "hierarchy sizes");
    int64_t *uf = emb__malloc(sizeof(int64_t) * (size_t)n, "hierarchy union-find");
    int64_t *cur = emb__malloc(sizeof(int64_t) * (size_t)n, "hierarchy roots");
    int64_t *label = emb__malloc(sizeof(int64_t) * (size_t)nodes, "condensed labels");
    int64_t *queue = emb__malloc(sizeof(int64_t) * (size_t)nodes, "condensed queue");
    int64_t *stack = emb__malloc(sizeof(int64_t) * (size_t)nodes, "condensed stack");
    double *own = emb__malloc(sizeof(double) * (size_t)n, "point lambdas");
    c->parent = emb__malloc(sizeof(int64_t) * (size_t)(2 * n), "condensed tree");
    c->child = emb__malloc(sizeof(int64_t) * (size_t)(2 * n), "condensed tree");
    c->size = emb__malloc(sizeof(int64_t) * (size_t)(2 * n), "condensed tree");
    c->lambda = emb__malloc(sizeof(double) * (size_t)(2 * n), "condensed tree");
    emb_status st = EMB_OK;
    if (!left || !right || !sz || !uf || !cur || !label || !queue || !stack || !own || !c->parent || !c->child || !c->size ||
        !c->lambda) { st = EMB_E_NOMEM; goto done; }
    for (int64_t i = 0; i < n; i++) { uf[i] = i; cur[i] = i; sz[i] = 1; own[i] = -1; }
    for (int64_t e = 0; e < m; e++) {
        int64_t a = ea[e], b = eb[e];
        double lam = ew[e] > 0 ? 1.0 / ew[e] : INFINITY;   /* edges ascending: a point's first is its lowest */
        if (own[a] < 0) own[a] = lam;
        if (own[b] < 0) own[b] = lam;
        a = emb__uf_find(uf, a);
        b = emb__uf_find(uf, b);
        left[e] = cur[a];
        right[e] = cur[b];
        sz[n + e] = sz[cur[a]] + sz[cur[b]];
        emb__uf_union(uf, a, b);
        cur[emb__uf_find(uf, a)] = n + e;
    }
    /* Breadth first from the root; a child that continues its parent's
     * cluster is queued, a part that falls out is walked once. */
    int64_t qh = 0, qt = 0, next = 1;
    label[nodes - 1] = 0;
    queue[qt++] = nodes - 1;
    while (qh < qt) {
        int64_t v = queue[qh++];
        if (v < n) continue;
        int64_t e = v - n, l = left[e], r = right[e], cl = label[v];
        double lambda = ew[e] > 0 ? 1.0 / ew[e] : INFINITY;
        bool lbig = sz[l] >= mcs, rbig = sz[r] >= mcs;
        if (lbig && rbig) {
            label[l] = next++;
            add_row(c, cl, n + label[l], lambda, sz[l]);
            label[r] = next++;
            add_row(c, cl, n + label[r], lambda, sz[r]);
            queue[qt++] = l;
            queue[qt++] = r;
        } else if (!lbig && !rbig) {
            fall_out(c, left, right, n, l, cl, own, stack);
            fall_out(c, left, right, n, r, cl, own, stack);
        } else {
            int64_t big = lbig ? l : r, small = lbig ? r : l;
            fall_out(c, left, right, n, small, cl, own, stack);
            label[big] = cl;
            queue[qt++] = big;
        }
    }
    if (n == 1) add_row(c, 0, 0, INFINITY, 1);   /* one point: it never leaves the root */
    c->n_clusters = next;
done:
    free(left);
    free(right);
    free(sz);
    free(uf);
    free(cur);
    free(label);
    free(queue);
    free(stack);
    free(own);
    if (st) condensed_free(c);
    return st;
}

/* (lambda - born) x size, with infinity - infinity = 0. */
static double excess(double lambda, double born, int64_t size) {
    if (lambda == born) return 0;
    return (lambda - born) * (double)size;
}

typedef struct {
    int64_t nc;
    int64_t *parent;   /* (nc) parent cluster, -1 for the root */
    double *birth;     /* (nc) lambda at which the cluster appears (root 0) */
    double *stab;      /* (nc) stability */
    double *direct;    /* (nc) largest lambda of the rows leaving the cluster itself */
    double *deepest;   /* (nc) largest lambda in the cluster's subtree */
    bool *leaf;        /* (nc) no child cluster */
    bool *sel;         /* (nc) selected */
} cluster_tree;

static void cluster_tree_free(cluster_tree *t) {
    free(t->parent);
    free(t->birth);
    free(t->stab);
    free(t->direct);
    free(t->deepest);
    free(t->leaf);
    free(t->sel);
}

static emb_status cluster_tree_make(condensed *c, int64_t n, cluster_tree *t) {
    int64_t nc = c->n_clusters;
    t->nc = nc;
    t->parent = emb__malloc(sizeof(int64_t) * (size_t)nc, "cluster tree");
    t->birth = emb__calloc((size_t)nc, sizeof(double), "cluster tree");
    t->stab = emb__calloc((size_t)nc, sizeof(double), "cluster tree");
    t->direct = emb__calloc((size_t)nc, sizeof(double), "cluster tree");
    t->deepest = emb__calloc((size_t)nc, sizeof(double), "cluster tree");
    t->leaf = emb__malloc(sizeof(bool) * (size_t)nc, "cluster tree");
    t->sel = emb__calloc((size_t)nc, sizeof(bool), "cluster tree");
    if (!t->parent || !t->birth || !t->stab || !t->direct || !t->deepest || !t->leaf || !t->sel) return EMB_E_NOMEM;
    for (int64_t k = 0; k < nc; k++) { t->parent[k] = -1; t->leaf[k] = true; }
    for (int64_t r = 0; r < c->rows; r++)
        if (c->child[r] >= n) {
            int64_t k = c->child[r] - n;
            t->parent[k] = c->parent[r];
            t->birth[k] = c->lambda[r];
            t->leaf[c->parent[r]] = false;
        }
    /* A point that left a cluster below the height where the cluster split
     * into two leaves it at that split: it was a member until the cluster
     * ended (R's dbscan counts it so). */
    double *split = emb__malloc(sizeof(double) * (size_t)nc, "cluster splits");
    if (!split) return EMB_E_NOMEM;
    for (int64_t k = 0; k < nc; k++) split[k] = INFINITY;
    for (int64_t r = 0; r < c->rows; r++)
        if (c->child[r] >= n) split[c->parent[r]] = c->lambda[r];
    for (int64_t r = 0; r < c->rows; r++)
        if (c->child[r] < n && c->lambda[r] > split[c->parent[r]]) c->lambda[r] = split[c->parent[r]];
    free(split);
    for (int64_t r = 0; r < c->rows; r++) {
        int64_t p = c->parent[r];
        t->stab[p] += excess(c->lambda[r], t->birth[p], c->size[r]);
        if (c->lambda[r] > t->direct[p]) t->direct[p] = c->lambda[r];
    }
    for (int64_t k = 0; k < nc; k++) t->deepest[k] = t->direct[k];
    for (int64_t k = nc - 1; k > 0; k--)   /* children have higher numbers than their parents */
        if (t->deepest[k] > t->deepest[t->parent[k]]) t->deepest[t->parent[k]] = t->deepest[k];
    return EMB_OK;
}

/* Excess of mass: keep[k] when k's stability >= its children's (with
 * theirs replaced by their own best below); selected = kept with no kept
 * ancestor. The root takes part only with allow_single. */
static emb_status select_eom(cluster_tree *t, bool allow_single) {
    int64_t nc = t->nc;
    double *below = emb__calloc((size_t)nc, sizeof(double), "cluster selection");
    bool *keep = emb__calloc((size_t)nc, sizeof(bool), "cluster selection");
    if (!below || !keep) { free(below); free(keep); return EMB_E_NOMEM; }
    double *best = t->stab;   /* becomes the best stability reachable in each subtree */
    for (int64_t k = nc - 1; k >= (allow_single ? 0 : 1); k--) {
        double children = t->leaf[k] ? 0 : below[k];
        if (!t->leaf[k] && children > best[k]) best[k] = children;
        else keep[k] = true;
        if (k > 0) below[t->parent[k]] += best[k];
    }
    for (int64_t k = 0; k < nc; k++) {
        bool under = false;
        for (int64_t a = t->parent[k]; a >= 0 && !under; a = t->parent[a]) under = t->sel[a];
        t->sel[k] = keep[k] && !under;
    }
    free(below);
    free(keep);
    return EMB_OK;
}

/* Clusters born below epsilon (birth distance 1/lambda < eps) give way to
 * the nearest ancestor born at or above it, short of the root unless
 * allow_single (the hdbscan library's epsilon_search). */
static void select_epsilon(cluster_tree *t, double eps, bool allow_single) {
    int64_t nc = t->nc;
    for (int64_t k = nc - 1; k >= 1; k--) {
        if (!t->sel[k] || !(1.0 / t->birth[k] < eps)) continue;
        int64_t a = k;
        for (;;) {
            int64_t p = t->parent[a];
            if (p == 0) { a = allow_single ? 0 : a; break; }
            a = p;
            if (1.0 / t->birth[a] > eps) break;
        }
        if (a == k) continue;
        t->sel[a] = true;
        for (int64_t j = a + 1; j < nc; j++) {   /* drop a's descendants */
            int64_t u = j;
            while (u > a) u = t->parent[u];
            if (u == a) t->sel[j] = false;
        }
    }
}

static bool finite_pos(const emb_matf *x) {
    size_t m = (size_t)x->rows * (size_t)x->cols;
    for (size_t i = 0; i < m; i++)
        if (!isfinite(x->data[i])) return false;
    return true;
}

emb_status emb_hdbscan_run(const emb_matf *x, const emb_hdbscan_params *params, emb_clusters *out) {
    EMB__NEED_F32(x, "HDBSCAN");
    emb_hdbscan_params p = params ? *params : emb_hdbscan_default_params();
    memset(out, 0, sizeof *out);
    int64_t n = x->rows, d = x->cols;
    if (n < 1 || d < 1) return emb__fail(EMB_E_INVALID, "HDBSCAN: %lld points of %lld dimensions", (long long)n, (long long)d);
    if (p.min_cluster_size < 2) return emb__fail(EMB_E_INVALID, "HDBSCAN: min_cluster_size %d (2 at least)", p.min_cluster_size);
    if (p.min_samples < 0) return emb__fail(EMB_E_INVALID, "HDBSCAN: min_samples %d", p.min_samples);
    if (!(p.cluster_selection_epsilon >= 0) || !isfinite(p.cluster_selection_epsilon))
        return emb__fail(EMB_E_INVALID, "HDBSCAN: cluster_selection_epsilon %g", p.cluster_selection_epsilon);
    if (!finite_pos(x)) return emb__fail(EMB_E_INVALID, "HDBSCAN: the points have a NaN or infinite coordinate");
    int ms = p.min_samples ? p.min_samples : p.min_cluster_size;
    emb__kd_tree t;
    condensed ct = {0};
    cluster_tree tr = {0};
    double *core = NULL, *ew = NULL, *plambda = NULL;
    int64_t *ea = NULL, *eb = NULL, *pcl = NULL, *map = NULL, *cnt = NULL;
    emb_status st = emb__kd_build(x, &t);
    if (st) return st;
    core = emb__malloc(sizeof(double) * (size_t)n, "core distances");
    ea = emb__malloc(sizeof(int64_t) * (size_t)n, "MST");
    eb = emb__malloc(sizeof(int64_t) * (size_t)n, "MST");
    ew = emb__malloc(sizeof(double) * (size_t)n, "MST");
    plambda = emb__malloc(sizeof(double) * (size_t)n, "point lambdas");
    pcl = emb__malloc(sizeof(int64_t) * (size_t)n, "point clusters");
    out->cluster = emb__malloc(sizeof(int32_t) * (size_t)n, "clusters");
    out->probability = emb__malloc(sizeof(float) * (size_t)n, "probabilities");
    out->outlier = emb__malloc(sizeof(float) * (size_t)n, "GLOSH scores");
    out->dist = emb__malloc(sizeof(float) * (size_t)n, "distances to the centre");
    if (!core || !ea || !eb || !ew || !plambda || !pcl || !out->cluster || !out->probability || !out->outlier || !out->dist) {
        st = EMB_E_NOMEM;
        goto done;
    }
    emb_progress_report(&p.progress, "hdbscan", 0, "core distances");
    if ((st = emb__kd_core_dist(&t, ms, p.n_threads, core))) goto done;
    if ((st = emb__mst_boruvka(&t, core, p.n_threads, ea, eb, ew, &p.progress))) goto done;
    if ((st = condense(n, ea, eb, ew, p.min_cluster_size, &ct))) goto done;
    if ((st = cluster_tree_make(&ct, n, &tr))) goto done;
    if (p.selection == EMB_HDBSCAN_LEAF) {
        for (int64_t k = 1; k < tr.nc; k++) tr.sel[k] = tr.leaf[k];
    } else if ((st = select_eom(&tr, p.allow_single_cluster))) goto done;
    if (p.cluster_selection_epsilon > 0 && !(p.allow_single_cluster && tr.sel[0]))
        select_epsilon(&tr, p.cluster_selection_epsilon, p.allow_single_cluster);
    /* Number the selected clusters in tree order; each cluster maps to its
     * nearest selected cluster at or above it (-1: none). */
    map = emb__malloc(sizeof(int64_t) * (size_t)tr.nc, "cluster map");
    if (!map) { st = EMB_E_NOMEM; goto done; }
    int k_sel = 0;
    for (int64_t k = 0; k < tr.nc; k++) if (tr.sel[k]) k_sel++;
    int64_t *num = emb__malloc(sizeof(int64_t) * (size_t)tr.nc, "cluster numbers");
    if (!num) { st = EMB_E_NOMEM; goto done; }
    int next = 0;
    for (int64_t k = 0; k < tr.nc; k++) {
        num[k] = tr.sel[k] ? next++ : -1;
        map[k] = tr.sel[k] ? k : tr.parent[k] >= 0 ? map[tr.parent[k]] : -1;
    }
    for (int64_t r = 0; r < ct.rows; r++)
        if (ct.child[r] < n) { plambda[ct.child[r]] = ct.lambda[r]; pcl[ct.child[r]] = ct.parent[r]; }
    for (int64_t i = 0; i < n; i++) {
        int64_t from = pcl[i], sel = map[from];
        double lam = plambda[i];
        if (sel == 0 && p.cluster_selection_epsilon > 0 && !(lam >= 1.0 / p.cluster_selection_epsilon))
            sel = -1;   /* the root as the one cluster, with epsilon: the points dense enough for it */
        out->cluster[i] = sel >= 0 ? (int32_t)num[sel] : -1;
        double mx = sel >= 0 ? tr.direct[sel] : 0;
        out->probability[i] = sel < 0 ? 0.0f : (mx == 0 || !isfinite(lam)) ? 1.0f : (float)(fmin(lam, mx) / mx);
        double dp = tr.deepest[from];
        out->outlier[i] = (dp == 0 || !isfinite(lam)) ? 0.0f : (float)(1.0 - lam / dp);
    }
    free(num);
    out->n = n;
    out->k = k_sel;
    out->d = d;
    out->method = "hdbscan";
    out->converged = true;
    out->centers = emb__calloc((size_t)(k_sel ? k_sel : 1) * (size_t)d, sizeof(float), "cluster centres");
    cnt = emb__calloc((size_t)(k_sel ? k_sel : 1), sizeof(int64_t), "cluster sizes");
    double *sum = emb__calloc((size_t)(k_sel ? k_sel : 1) * (size_t)d, sizeof(double), "cluster sums");
    if (!out->centers || !cnt || !sum) { free(sum); st = EMB_E_NOMEM; goto done; }
    for (int64_t i = 0; i < n; i++) {
        int32_t g = out->cluster[i];
        if (g < 0) continue;
        cnt[g]++;
        for (int64_t c = 0; c < d; c++) sum[(size_t)g * d + c] += x->data[(size_t)i * d + c];
    }
    for (int g = 0; g < k_sel; g++)
        for (int64_t c = 0; c < d; c++) out->centers[(size_t)g * d + c] = (float)(sum[(size_t)g * d + c] / (double)cnt[g]);
    free(sum);
    for (int64_t i = 0; i < n; i++) {
        int32_t g = out->cluster[i];
        double s = 0;
        for (int64_t c = 0; g >= 0 && c < d; c++) {
            double v = (double)x->data[(size_t)i * d + c] - out->centers[(size_t)g * d + c];
            s += v * v;
        }
        out->dist[i] = (float)sqrt(s);
    }
done:
    emb__kd_free(&t);
    condensed_free(&ct);
    cluster_tree_free(&tr);
    free(core);
    free(ea);
    free(eb);
    free(ew);
    free(plambda);
    free(pcl);
    free(map);
    free(cnt);
    if (st) emb_clusters_free(out);
    return st;
}

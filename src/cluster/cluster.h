/* cluster.h - internal to the cluster stage: a k-d tree over low-dimensional
 * points (kdtree.c) and the minimum spanning tree of the mutual
 * reachability distances (hdbscan_mst.c), both used by HDBSCAN
 * (hdbscan.c); and, shared inside src/ (the report), each cluster's
 * representatives (representatives.c) and clusters.csv read back
 * (clusters_csv.c). */
#ifndef EMB_CLUSTER_INTERNAL_H
#define EMB_CLUSTER_INTERNAL_H

#include "core/internal.h"

/* A k-d tree. Points are copied, in double, into tree order: position p
 * (0..n-1) holds original row idx[p]; a node covers the positions
 * [lo, hi). Nodes are in preorder (children after their parent), so a pass
 * over the nodes from last to first sees every child before its parent. */
typedef struct {
    int64_t lo, hi;
    int32_t left, right;   /* -1 for a leaf */
} emb__kd_node;

typedef struct {
    int64_t n;
    int d;
    double *pts;           /* (n, d) in tree order */
    int64_t *idx;          /* (n) tree position -> original row */
    emb__kd_node *nodes;
    double *box_lo, *box_hi; /* (n_nodes, d) bounding boxes */
    int32_t n_nodes;
} emb__kd_tree;

#define EMB__KD_LEAF 24     /* points per leaf at most */

/* Builds the tree over the rows of x (n, d): median split on the widest
 * side of the box; deterministic. */
emb_status emb__kd_build(const emb_matf *x, emb__kd_tree *t);
void emb__kd_free(emb__kd_tree *t);

/* Squared distance from point q (d) to node's box. */
double emb__kd_box_dist2(const emb__kd_tree *t, int32_t node, const double *q);

/* core[p] (tree order) = distance from position p to its k-th nearest
 * position, itself counted first (k = 1: 0); k > n is taken as n. */
emb_status emb__kd_core_dist(const emb__kd_tree *t, int k, int n_threads, double *core);

/* The minimum spanning tree of the mutual reachability distances
 * max(core[a], core[b], |a - b|) (core in tree order), by Boruvka's
 * algorithm with each point's search pruned by the tree (McInnes & Healy
 * 2017). Writes n - 1 edges (original rows a < b, weight w) sorted by
 * (w, a, b): one strict order, under which the tree is unique, so ties are
 * broken the same way at any thread count and as Kruskal's algorithm in
 * that order would. */
emb_status emb__mst_boruvka(const emb__kd_tree *t, const double *core, int n_threads,
                            int64_t *ea, int64_t *eb, double *ew, const emb_progress *progress);

/* Representatives kept per cluster in summary.json and shown by the report. */
#define EMB_CLUSTER_REPRESENTATIVES 8

/* Up to m members of each of the c->k clusters, best first: probability
 * descending, then outlier score ascending, then distance to the mean, then index ascending (k-means:
 * the members closest to the centre). rep (k, m) receives item indices,
 * n_rep (k) how many each cluster has (< m when it has fewer members);
 * noise (cluster -1) is never a representative. The caller owns both. */
void emb__cluster_representatives(const emb_clusters *c, int m, int64_t *rep, int *n_rep);

/* Read clusters.csv (index,cluster,probability,outlier_score[,distance], as
 * emb_clusters_write_csv writes it) for n items: every index in [0, n)
 * exactly once, cluster in [-1, n), probability and outlier score finite
 * (a missing probability column reads as 1, a missing outlier column as 0).
 * *out gets cluster, probability, outlier (n) and dist (n, when the file
 * has the distance column, else NULL); k = the largest cluster + 1; centers
 * NULL; method NULL. Free with emb_clusters_free.
 * Returns EMB_OK, EMB_E_IO, EMB_E_FORMAT (message: path, line, reason) or
 * EMB_E_NOMEM; on failure *out is zeroed. */
emb_status emb__clusters_read_csv(const char *path, int64_t n, emb_clusters *out);

#endif

/* cluster.h - internal to the cluster stage: a k-d tree over low-dimensional
 * points (kdtree.c) and the minimum spanning tree of the mutual
 * reachability distances (hdbscan_mst.c), both used by HDBSCAN
 * (hdbscan.c). */
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

#endif

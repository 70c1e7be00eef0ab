/* emb_cluster.h - clusters of the vectors: k-means (k-means++ start, Lloyd
 * iterations), their sizes, medoids, majority labels and purity, and the
 * findings "mixed clusters" and "split classes". Part of embscope.h.
 *
 * Usage (error handling shortened):
 *
 *     emb_kmeans_params kp = emb_kmeans_default_params();
 *     kp.k = 10; kp.seed = 42;
 *     emb_clusters cl;
 *     emb_kmeans_run(&vec, &kp, NULL, &cl);        // NULL: k-means++ start
 *     emb_clusters_write_csv("out/clusters.csv", &cl);
 *     emb_summary_add_clusters(s, ds, &vec, &cl);  // summary.json "clusters"
 *     emb_clusters_free(&cl);
 *
 * Determinism: one seed gives the same clusters, bytes included, at any
 * thread count (centres are summed per cluster in item order, never by
 * per-thread partial sums). */
#ifndef EMB_CLUSTER_H
#define EMB_CLUSTER_H

#include "emb_io.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int k;                 /* clusters wanted (default 10); capped at the number of distinct rows */
    int max_iter;          /* Lloyd iterations at most (default 300, scikit-learn's) */
    double tol;            /* stop when the squared centre shift summed over clusters is
                              <= tol x the mean per-column variance (default 1e-4, scikit-learn's) */
    uint64_t seed;         /* k-means++ (default 42) */
    int n_threads;         /* 0 = all cores */
    emb_progress progress;
} emb_kmeans_params;
emb_kmeans_params emb_kmeans_default_params(void);

/* A clustering of n items. */
typedef struct {
    int64_t n;             /* items */
    int k;                 /* clusters found (<= the k asked for) */
    int64_t d;             /* columns of centers */
    int32_t *cluster;      /* (n) cluster in [0, k), -1 = noise (k-means: never) */
    float *probability;    /* (n) membership probability in [0, 1] (k-means: 1, hard assignment) */
    float *outlier;        /* (n) outlier score in [0, 1] (k-means: distance to the centre /
                              the largest distance to it in that cluster) */
    float *centers;        /* (k, d) cluster centres (means of the members) */
    float *dist;           /* (n) Euclidean distance to the item's centre */
    int n_iter;            /* Lloyd iterations run */
    bool converged;        /* labels stable or shift <= tol before max_iter */
    double inertia;        /* sum of squared distances to the centres */
    const char *method;    /* static: "kmeans" or "hdbscan" */
} emb_clusters;

/* k-means++ (Arthur & Vassilvitskii 2007) with scikit-learn's greedy
 * variant: at each step 2 + floor(ln k) candidates are drawn with
 * probability proportional to D^2 and the one that lowers the potential most
 * is kept. Writes up to k rows of x into centers (k, x->cols); returns how
 * many (fewer when x has fewer distinct rows) in *k_found. */
emb_status emb_kmeans_plusplus(const emb_matf *x, int k, uint64_t seed, int n_threads,
                               float *centers, int *k_found);

/* Lloyd's algorithm on the rows of x (n, d), Euclidean. init (k, d): the
 * starting centres (params->k rows), or NULL for k-means++ with
 * params->seed. Iterates as scikit-learn's KMeans(algorithm="lloyd") does:
 * assign, recompute the means, stop when no label changed or the summed
 * squared shift <= tol x mean column variance; then the labels are those of
 * the final centres. An emptied cluster takes the item farthest from its
 * centre (scikit-learn's relocation). k > n is capped at the distinct rows.
 * *out is allocated: free with emb_clusters_free. Distances blockwise by
 * cblas_sgemm (||x||^2 - 2 x.c + ||c||^2, float32). */
emb_status emb_kmeans_run(const emb_matf *x, const emb_kmeans_params *params, const float *init,
                          emb_clusters *out);
void emb_clusters_free(emb_clusters *c);   /* NULL members are fine; leaves c zeroed */

/* HDBSCAN (Campello, Moulavi & Sander 2013) with the accelerated algorithm
 * of McInnes & Healy 2017, Euclidean, for low-dimensional points (a map or
 * a clustering embedding; any d works but the k-d tree is made for d <~ 10):
 * core distances by a k-d tree, the minimum spanning tree of the mutual
 * reachability distances by Boruvka over that tree, the single-linkage
 * hierarchy condensed with min_cluster_size, clusters selected by excess of
 * mass or as the leaves, optionally merged below cluster_selection_epsilon
 * (Malzer & Baum 2020). Nothing quadratic in n; memory linear. */
typedef enum { EMB_HDBSCAN_EOM = 0, EMB_HDBSCAN_LEAF = 1 } emb_hdbscan_selection;

typedef struct {
    int min_cluster_size;         /* default 5 (the hdbscan libraries'); >= 2 */
    int min_samples;              /* core distance = distance to the min_samples-th nearest
                                     point, the point itself counted (R dbscan's minPts,
                                     scikit-learn's min_samples); 0 = min_cluster_size */
    double cluster_selection_epsilon; /* 0 = off */
    emb_hdbscan_selection selection;  /* default EMB_HDBSCAN_EOM */
    bool allow_single_cluster;    /* default false: the root is never a cluster */
    int n_threads;                /* 0 = all cores */
    emb_progress progress;
} emb_hdbscan_params;
emb_hdbscan_params emb_hdbscan_default_params(void);

/* HDBSCAN on the rows of x (n, d). *out: cluster (-1 = noise, clusters
 * numbered by the condensed tree's order), probability (hdbscan's: a
 * member's lambda over the largest lambda in its cluster, capped at 1;
 * noise 0), outlier = GLOSH (Campello et al. 2015: 1 - lambda_p /
 * lambda_max, the largest lambda in the subtree of the cluster the point
 * leaves), centers = members' means, dist = distance to the centre.
 * Non-finite coordinates are an error. The same input gives the same
 * output at any thread count. */
emb_status emb_hdbscan_run(const emb_matf *x, const emb_hdbscan_params *params, emb_clusters *out);

/* clusters.csv: index,cluster,probability,outlier_score,distance (cluster -1 =
 * noise; distance to the cluster's mean in the space clustered, 0 for noise). */
emb_status emb_clusters_write_csv(const char *path, const emb_clusters *c);

/* Findings thresholds. */
#define EMB_CLUSTER_MIXED_PURITY 0.6   /* a cluster whose majority label has < 60% of its labelled members */
#define EMB_CLUSTER_SPLIT_SHARE 0.10   /* a split label has >= 10% of its items in each of two or more clusters */
#define EMB_CLUSTER_SPLIT_LARGEST 0.75 /* ... and < 75% in its largest */
#define EMB_CLUSTER_UNLABELLED_SHARE 0.10 /* partly labelled data: a cluster with < 10% of its members labelled */

/* summary.json "clusters": method, k, inertia, iterations, per cluster
 * (size, medoid = the member closest to the centre, majority label, purity =
 * majority share of the labelled members, top 3 labels with counts,
 * representatives = up to 8 member indices by probability descending, then
 * outlier score ascending, then distance to the mean, then index; without dist the medoid is the first
 * representative), the noise count (cluster -1), and
 * "findings": mixed_clusters (purity < EMB_CLUSTER_MIXED_PURITY, the two
 * leading labels named as a pair), split_classes (a label with >=
 * EMB_CLUSTER_SPLIT_SHARE of its items in each of two or more clusters and
 * < EMB_CLUSTER_SPLIT_LARGEST in its largest: Fashion-MNIST's trousers
 * fall in six HDBSCAN clusters, 31% in the largest) and, when some items
 * are labelled and some not, unlabelled_clusters (< EMB_CLUSTER_UNLABELLED_SHARE
 * of the members labelled).
 * ds (labels) may be NULL. */
emb_status emb_summary_add_clusters(emb_summary *s, const emb_dataset *ds, const emb_clusters *c);

#ifdef __cplusplus
}
#endif
#endif

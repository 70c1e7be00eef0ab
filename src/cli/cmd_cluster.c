/* cmd_cluster.c - `embscope cluster VECTORS.npy -o OUT`: the cluster stage
 * alone (HDBSCAN or k-means): OUT/clusters.csv and OUT/clusters.json (the
 * "clusters" block that `analyze` puts in summary.json). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "usage: embscope cluster VECTORS.npy -o OUT [options]\n"
    "\n"
    "Cluster the rows of VECTORS.npy (N x D float32, or float16).\n"
    "\n"
    "HDBSCAN (default): on the vectors themselves when D <= 10 (a map, say),\n"
    "else on a UMAP of their kNN graph (k = 15, cosine) to 2D with min_dist 0.\n"
    "Density-based: the number of clusters is found, items in no dense region\n"
    "are noise (cluster -1). Same results as R's dbscan::hdbscan() for the same\n"
    "input and minPts = min_cluster_size = --min-samples.\n"
    "k-means (--clusters kmeans[:K]): k-means++ start, Lloyd iterations on the\n"
    "vectors, Euclidean; seeded.\n"
    "\n"
    "Writes OUT/clusters.csv (index,cluster,probability,outlier_score,distance;\n"
    "distance: to the cluster's mean in the space clustered; HDBSCAN:\n"
    "membership probability and GLOSH outlier score; k-means: probability 1,\n"
    "outlier score = distance to the centre / the cluster's largest) and\n"
    "OUT/clusters.json: per cluster its size, medoid (the member closest to the\n"
    "centre) and, with --items, majority label, purity and top 3 labels;\n"
    "findings: mixed clusters (purity < 0.6, the two leading classes named) and\n"
    "split classes (>= 10% of a label's items in each of two or more clusters,\n"
    "< 75% in its largest) and, for partly labelled items, clusters without\n"
    "labels (< 10% of the members labelled).\n"
    "\n"
    "Options:\n"
    "  --items FILE        items.csv (index,path,split,label) for labels and paths\n"
    "  --neighbors DIR     HDBSCAN's clustering UMAP: reuse DIR/neighbors.npy and\n"
    "                      DIR/distances.npy (from 'embscope neighbors' or\n"
    "                      'analyze') instead of computing the graph\n"
    CLI_CLUSTERS_HELP
    CLI_COMMON_HELP;

enum { OPT_ITEMS = 1400, OPT_NEIGHBORS };

int cmd_cluster(int argc, char **argv) {
    cli_common c;
    cli_clusters cs;
    cli_common_init(&c);
    cli_clusters_init(&cs);
    const char *items = NULL, *nbr_dir = NULL;
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS, CLI_CLUSTERS_LONGOPTS,
                                             {"items", required_argument, 0, OPT_ITEMS},
                                             {"neighbors", required_argument, 0, OPT_NEIGHBORS}, {0, 0, 0, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        if (opt == 'h') { fputs(USAGE, stdout); return CLI_EXIT_OK; }
        if (opt == OPT_ITEMS) { items = optarg; continue; }
        if (opt == OPT_NEIGHBORS) { nbr_dir = optarg; continue; }
        int r = cli_common_opt(&c, opt, optarg);
        if (r == 0) r = cli_clusters_opt(&cs, opt, optarg);
        if (r <= 0) return r < 0 ? CLI_EXIT_USAGE : cli_usage_error("cluster", "unknown option");
    }
    if (optind + 1 != argc) return cli_usage_error("cluster", "expected one VECTORS.npy argument");
    if (!c.out_dir) return cli_usage_error("cluster", "-o OUT is required");
    if (!strcmp(cs.method, "none")) return cli_usage_error("cluster", "--clusters none: nothing to do");
    cli_common_finish(&c);
    emb_matf x = {0};
    emb_npy_vectors xf = {0};
    emb_dataset *ds = NULL;
    emb_summary *s = NULL;
    emb_knn g = {0};
    int rc = CLI_EXIT_OK;
    /* mapped, not copied; float16 rows as they are (the stage widens them
     * only where it reads them: k-means, or HDBSCAN on <= 10 columns) */
    emb_status st = emb_npy_vectors_open_ex(argv[optind], true, &xf);
    x = xf.m;
    if (!st && nbr_dir) st = emb_knn_load(nbr_dir, x.rows, &g);
    if (!st && items) st = emb_items_read(items, &ds);
    if (!st && ds && ds->n != x.rows) {
        fprintf(stderr, "embscope cluster: %s has %lld items, %s has %lld rows\n", items, (long long)ds->n, argv[optind], (long long)x.rows);
        rc = CLI_EXIT_INPUT;
        goto done;
    }
    if (!st) st = emb_mkdirs(c.out_dir);
    if (st) { rc = cli_fail(st); goto done; }
    if (!(s = emb_summary_new())) { rc = cli_fail(EMB_E_NOMEM); goto done; }
    emb_summary_set_string(s, "embscope_version", emb_version());
    emb_summary_set_string(s, "parameters.vectors", argv[optind]);
    emb_summary_set_number(s, "parameters.seed", (double)c.seed);
    emb_summary_set_number(s, "parameters.threads", emb_threads_resolve(c.n_threads));
    emb_analyze_params ap = cli_params(&c);
    ap.clusters = cs;
    if ((st = emb_stage_clusters(c.out_dir, &ap, ds, &x, nbr_dir ? &g : NULL, NULL, s))) rc = cli_fail(st);
    if (!rc) {
        char *p = cli_out_path(&c, "clusters.json");
        if ((st = emb_summary_write(s, p))) rc = cli_fail(st);
        else cli_log(&c, "cluster: wrote %s", p);
        free(p);
    }
done:
    emb_summary_free(s);
    emb_knn_free(&g);
    emb_npy_vectors_close(&xf);
    emb_dataset_free(ds);
    return rc;
}

/* stage_cluster.c - the cluster stage of `embscope analyze` and the
 * `embscope cluster` command: --clusters kmeans[:K]|none, clusters.csv and
 * the "clusters" block of summary.json. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

void cli_clusters_init(cli_clusters *o) {
    o->method = "kmeans";
    o->k = 0;
}

int cli_clusters_opt(cli_clusters *o, int opt, const char *arg) {
    if (opt != CLI_OPT_CLUSTERS) return 0;
    long v;
    if (!strcmp(arg, "none") || !strcmp(arg, "kmeans")) {
        o->method = !strcmp(arg, "none") ? "none" : "kmeans";
        o->k = 0;
        return 1;
    }
    if (!strncmp(arg, "kmeans:", 7) && cli_parse_int(arg + 7, 1, 100000, &v)) {
        o->method = "kmeans";
        o->k = (int)v;
        return 1;
    }
    fprintf(stderr, "embscope: --clusters: '%s' is not kmeans, kmeans:K (K in 1..100000) or none\n", arg);
    return -1;
}

/* k-means on the rows of x; ds (labels, may be NULL) gives the default K
 * (its number of classes, else 10) and the purity. Writes clusters.csv; adds
 * "clusters" (with k_source: why that K) and timings.clusters_s to s. */
int cli_cluster_stage(const cli_common *c, const cli_clusters *o, const emb_dataset *ds, const emb_matf *x,
                      emb_summary *s) {
    if (!strcmp(o->method, "none")) {
        if (s) emb_summary_set_string(s, "stages_left_out.clusters", "--clusters none");
        return CLI_EXIT_OK;
    }
    double t0 = emb_now();
    bool labelled = false;
    for (int64_t i = 0; ds && ds->label && i < ds->n && !labelled; i++) labelled = ds->label[i] >= 0;
    emb_kmeans_params kp = emb_kmeans_default_params();
    const char *why = "--clusters kmeans:K";
    if (o->k > 0) kp.k = o->k;
    else if (labelled && ds->n_classes >= 2) { kp.k = ds->n_classes; why = "default: the number of classes"; }
    else { kp.k = 10; why = "default: 10 (no labels)"; }
    kp.seed = c->seed;
    kp.n_threads = c->n_threads;
    kp.progress = c->progress;
    emb_clusters cl = {0};
    emb_status st = emb_kmeans_run(x, &kp, NULL, &cl);
    if (st) return cli_fail(st);
    char *p = cli_out_path(c, "clusters.csv");
    st = emb_clusters_write_csv(p, &cl);
    free(p);
    if (!st && s) st = emb_summary_add_clusters(s, ds, &cl);
    double dt = emb_now() - t0;
    if (!st && s) {
        emb_summary_set_string(s, "clusters.k_source", why);
        emb_summary_set_number(s, "clusters.k_requested", kp.k);
        emb_summary_set_string(s, "clusters.input", "the vectors (embeddings.npy), Euclidean");
        emb_summary_set_number(s, "timings.clusters_s", dt);
    }
    if (!st)
        cli_log(c, "clusters: k-means, k=%d (%s), %d iterations%s, %.2f s", cl.k, why, cl.n_iter,
                cl.converged ? "" : " (not converged)", dt);
    emb_clusters_free(&cl);
    return st ? cli_fail(st) : CLI_EXIT_OK;
}

/* clusters.c - the cluster stage of emb_analyze_run and of the
 * `embscope cluster` command (emb_stage_clusters): HDBSCAN or k-means
 * (emb_clusters_opts), the space HDBSCAN runs in, clusters.csv and the
 * "clusters" block of summary.json. */
#include "pipeline/pipeline.h"

#include "core/internal.h"

#include <stdlib.h>
#include <string.h>

emb_clusters_opts emb_clusters_default_opts(void) {
    emb_clusters_opts o;
    memset(&o, 0, sizeof o);
    o.method = "hdbscan";
    return o;
}

/* Vectors of at most this many columns are clustered as they are; wider
 * ones through a UMAP made for clustering (below). */
#define CLUSTER_DIRECT_DIMS 10

/* The HDBSCAN defaults for N items, chosen by measurement (bench/cluster/
 * RESULTS.md: MNIST 10k, Fashion-MNIST 10k and 70k, ARI, AMI and noise
 * against the labels): min_cluster_size max(10, N / 200); min_samples
 * N / 100 within 10..200 (Fashion-MNIST 10k: 50 left 0.1-3.1% noise from
 * run to run, 100 left 0.7%, ARI 0.433 either way; above 200 the core
 * distances cost more and changed little). With hdbscan:M, min_samples is
 * M up to 200. */
static int auto_min_cluster_size(int64_t n) {
    int64_t m = n / 200;
    return (int)(m < 10 ? 10 : m > 100000000 ? 100000000 : m);
}
#define CLUSTER_MAX_MIN_SAMPLES 200
static int auto_min_samples(int64_t n) {
    int64_t m = n / 100;
    return (int)(m < 10 ? 10 : m > CLUSTER_MAX_MIN_SAMPLES ? CLUSTER_MAX_MIN_SAMPLES : m);
}

/* The space HDBSCAN runs in: x itself when narrow, else a UMAP of the kNN
 * graph to 2 dimensions with min_dist 0 (umap-learn's advice for
 * clustering: points packed by density). Measured against the analyze map
 * (3D, min_dist 0.1: clusters merge, MNIST ARI 0.55 against 0.65) and a 5D
 * UMAP (no better than 2D, twice the time). 200 epochs at every size: up
 * to 10,000 items as good as the map's 500 (MNIST / Fashion-MNIST 10k ARI
 * the same within 0.001); above, 100 epochs were tried and dropped: on
 * Fashion-MNIST 70k the noise share went from 0.1-1.2% (200 epochs, seeds
 * 1-3) to 0.3-12.6% and ARI from 0.40-0.42 to 0.29-0.43. */
#define CLUSTER_UMAP_DIMS 2
#define CLUSTER_UMAP_EPOCHS 200

static emb_status cluster_space(const emb_analyze_params *c, const emb_matf *x, const emb_knn *g, emb_umap_cache *cache,
                         emb_matf *space, const char **what) {
    if (x->cols <= CLUSTER_DIRECT_DIMS) {
        *what = "the vectors, Euclidean (few enough columns)";
        return EMB_OK;
    }
    emb_knn own = {0};
    emb_status st = EMB_OK;
    if (!g) {
        emb_knn_params kp = emb_knn_default_params();
        kp.n_threads = c->n_threads;
        kp.seed = c->seed;
        kp.progress = c->progress;
        if ((st = emb_knn_build(x, &kp, &own))) return st;
        g = &own;
    }
    emb_umap_params up = emb_umap_default_params();
    up.n_components = CLUSTER_UMAP_DIMS;
    up.min_dist = 0;
    up.n_epochs = CLUSTER_UMAP_EPOCHS;
    up.n_threads = c->n_threads;
    up.seed = c->seed;
    up.progress = c->progress;
    up.cache = own.n ? NULL : cache;   /* a graph of its own is not the one the map uses */
    st = emb_umap_run(g, x, &up, space, NULL);
    emb_knn_free(&own);
    if (st) return st;
    *what = "UMAP of the kNN graph to 2D, min_dist 0, 200 epochs, Euclidean";
    return EMB_OK;
}

static emb_status run_hdbscan(const emb_analyze_params *c, const emb_clusters_opts *o, const emb_matf *space, emb_clusters *cl,
                              emb_hdbscan_params *hp) {
    *hp = emb_hdbscan_default_params();
    hp->min_cluster_size = o->min_cluster_size ? o->min_cluster_size : auto_min_cluster_size(space->rows);
    hp->min_samples = o->min_samples ? o->min_samples
                      : !o->min_cluster_size ? auto_min_samples(space->rows)
                      : hp->min_cluster_size < CLUSTER_MAX_MIN_SAMPLES ? hp->min_cluster_size : CLUSTER_MAX_MIN_SAMPLES;
    hp->selection = o->leaf ? EMB_HDBSCAN_LEAF : EMB_HDBSCAN_EOM;
    hp->cluster_selection_epsilon = o->epsilon;
    hp->n_threads = c->n_threads;
    hp->progress = c->progress;
    return emb_hdbscan_run(space, hp, cl);
}

/* k-means on the rows of x; ds (labels, may be NULL) gives the default K
 * (its number of classes, else 10) and the purity. HDBSCAN on
 * cluster_space(). Writes clusters.csv; adds "clusters" (with how it was
 * run) and timings.clusters_s to s. */
emb_status emb_stage_clusters(const char *out_dir, const emb_analyze_params *c, const emb_dataset *ds,
                              const emb_matf *x, const emb_knn *g, emb_umap_cache *cache, emb_summary *s) {
    const emb_clusters_opts *o = &c->clusters;
    if (!o->method || (strcmp(o->method, "hdbscan") && strcmp(o->method, "kmeans") && strcmp(o->method, "none")))
        return emb__fail(EMB_E_INVALID, "clusters: '%s' is not hdbscan, kmeans or none", o->method ? o->method : "(null)");
    if (!strcmp(o->method, "none")) {
        if (s) emb_summary_set_string(s, "stages_left_out.clusters", "--clusters none");
        return EMB_OK;
    }
    emb_matf wide = {0};   /* half-precision rows read directly: a float32 copy (few columns, or k-means) */
    if (emb_matf_is_half(x) && (strcmp(o->method, "hdbscan") || x->cols <= CLUSTER_DIRECT_DIMS)) {
        const emb_matf *xf;
        emb_status ws = emb_matf_widen(x, &wide, &xf);
        if (ws) return ws;
        ws = emb_stage_clusters(out_dir, c, ds, xf, g, cache, s);
        emb_matf_free(&wide);
        return ws;
    }
    double t0 = emb_now();
    emb_clusters cl = {0};
    emb_status st;
    char line[256];
    const char *what = NULL, *why = NULL;
    emb_hdbscan_params hp = {0};
    double dt_h = 0;
    int k_req = 0;
    if (!strcmp(o->method, "hdbscan")) {
        emb_matf space = {0};
        if ((st = cluster_space(c, x, g, cache, &space, &what))) return st;
        double t1 = emb_now();
        st = run_hdbscan(c, o, space.data ? &space : x, &cl, &hp);
        dt_h = emb_now() - t1;
        emb_matf_free(&space);
        if (st) return st;
        int64_t noise = 0;
        for (int64_t i = 0; i < cl.n; i++) noise += cl.cluster[i] < 0;
        snprintf(line, sizeof line, "HDBSCAN, min_cluster_size %d, %d clusters, %lld noise (%.1f%%), on %s",
                 hp.min_cluster_size, cl.k, (long long)noise, cl.n ? 100.0 * (double)noise / (double)cl.n : 0.0, what);
    } else {
        bool labelled = false;
        for (int64_t i = 0; ds && ds->label && i < ds->n && !labelled; i++) labelled = ds->label[i] >= 0;
        emb_kmeans_params kp = emb_kmeans_default_params();
        why = "--clusters kmeans:K";
        if (o->k > 0) kp.k = o->k;
        else if (labelled && ds->n_classes >= 2) { kp.k = ds->n_classes; why = "default: the number of classes"; }
        else { kp.k = 10; why = "default: 10 (no labels)"; }
        kp.seed = c->seed;
        kp.n_threads = c->n_threads;
        kp.progress = c->progress;
        if ((st = emb_kmeans_run(x, &kp, NULL, &cl))) return st;
        k_req = kp.k;
        snprintf(line, sizeof line, "k-means, k=%d (%s), %d iterations%s", cl.k, why, cl.n_iter,
                 cl.converged ? "" : " (not converged)");
    }
    char *p = emb__out_path(out_dir, "clusters.csv");
    st = p ? emb_clusters_write_csv(p, &cl) : EMB_E_NOMEM;
    free(p);
    if (!st && s) st = emb_summary_add_clusters(s, ds, &cl);   /* makes "clusters" anew: the rest after */
    if (!st && s && what) {
        emb_summary_set_string(s, "clusters.input", what);
        emb_summary_set_number(s, "clusters.min_cluster_size", hp.min_cluster_size);
        emb_summary_set_number(s, "clusters.min_samples", hp.min_samples);
        emb_summary_set_string(s, "clusters.min_cluster_size_source",
                               o->min_cluster_size ? "--clusters hdbscan:M" : "default: max(10, N / 200)");
        emb_summary_set_string(s, "clusters.min_samples_source",
                               o->min_samples ? "--min-samples" : o->min_cluster_size ? "default: M up to 200"
                                                                                       : "default: N / 100 within 10..200");
        emb_summary_set_string(s, "clusters.selection", o->leaf ? "leaf" : "eom");
        emb_summary_set_number(s, "clusters.cluster_selection_epsilon", o->epsilon);
        emb_summary_set_number(s, "timings.hdbscan_s", dt_h);
    } else if (!st && s) {
        emb_summary_set_string(s, "clusters.k_source", why);
        emb_summary_set_number(s, "clusters.k_requested", k_req);
        emb_summary_set_string(s, "clusters.input", "the vectors (embeddings.npy), Euclidean");
    }
    double dt = emb_now() - t0;
    if (!st && s) emb_summary_set_number(s, "timings.clusters_s", dt);
    if (!st) emb__log(c, "clusters: %s, %.2f s", line, dt);
    emb_clusters_free(&cl);
    return st;
}

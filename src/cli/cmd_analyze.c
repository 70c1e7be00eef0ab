/* cmd_analyze.c - `embscope analyze DATA -o OUT`: every stage in order,
 * one kNN graph shared by the later ones, summary.json at the end. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "usage: embscope analyze DATA -o OUT [options]\n"
    "\n"
    "Run every stage on DATA: vectors (items.csv, embeddings.npy, skipped.csv),\n"
    "the neighbour graph (neighbors.npy, distances.npy), a 3-D UMAP map (map.npy,\n"
    "map.csv), clusters.csv (HDBSCAN by default), duplicates.csv, leakage.csv,\n"
    "outliers.csv, label_issues.csv, image_issues.csv (folders), summary.json\n"
    "with every finding's counts and the clusters (size, medoid, purity,\n"
    "majority label, representatives, noise), the class and split counts, the\n"
    "class imbalance ratio and each stage's timing, and report.html (see\n"
    "'embscope report'); prints the report's path.\n"
    "DATA is as for 'embscope embed'.\n"
    "Under mpirun (a build with -DEMB_MPI=ON) embed and neighbours run on every\n"
    "rank, the later stages on rank 0 (OUT on a file system all ranks see).\n"
    "\n"
    "Options:\n" CLI_FEATURES_HELP
    "  -k N                neighbours per item (default 15)\n"
    "  --exact, --approx   force the neighbour search (default: by size)\n"
    "  --map M             umap (default), tsne or none: map.npy, map.csv\n"
    "  --dims N            map dimensions (default 3)\n"
    CLI_CLUSTERS_HELP CLI_ZEROSHOT_HELP CLI_TSNE_HELP CLI_ANALYSIS_HELP CLI_COMMON_HELP;

typedef struct {
    int k;
    emb_knn_method knn_method;  /* --exact / --approx; AUTO by default */
    const char *map;   /* "umap", "tsne" or "none" */
    int dims;
    cli_tsne_opts tsne;  /* --perplexity, --iterations, ... */
    cli_clusters clusters;  /* --clusters */
    cli_zeroshot zeroshot;  /* --zero-shot, --prompts, --classes */
} analyze_opts;

enum { OPT_MAP = 1400, OPT_DIMS };

static int write_summary(const cli_common *c, emb_summary *s, bool say) {
    char *p = cli_out_path(c, "summary.json");
    emb_status st = emb_summary_write(s, p);
    if (!st && say) cli_log(c, "analyze: wrote %s", p);
    free(p);
    if (st) { cli_fail(st); return CLI_EXIT_FAIL; }
    return CLI_EXIT_OK;
}

static void add_params(emb_summary *s, const cli_common *c, const cli_features *f, const analyze_opts *a, const char *data) {
    emb_summary_set_string(s, "embscope_version", emb_version());
    emb_summary_set_string(s, "parameters.data", data);
    emb_summary_set_string(s, "parameters.features", f->kind);
    if (f->model) {   /* read by `embscope search`, which may run elsewhere: the absolute path */
        char *abs = realpath(f->model, NULL);
        emb_summary_set_string(s, "parameters.model", abs ? abs : f->model);
        free(abs);
    }
    emb_summary_set_number(s, "parameters.pixels_size", f->pixels.size);
    emb_summary_set_bool(s, "parameters.pixels_color", f->pixels.color);
    if (f->alpha_bg_set) {
        char hex[8];
        snprintf(hex, sizeof hex, "#%02x%02x%02x", f->alpha_bg[0], f->alpha_bg[1], f->alpha_bg[2]);
        emb_summary_set_string(s, "parameters.alpha_background", hex);
    }
    emb_summary_set_number(s, "parameters.k", a->k);
    emb_summary_set_string(s, "parameters.map", a->map);
    emb_summary_set_number(s, "parameters.map_dims", a->dims);
    emb_summary_set_string(s, "parameters.clusters", a->clusters.method);
    if (a->clusters.k > 0) emb_summary_set_number(s, "parameters.clusters_k", a->clusters.k);
    emb_summary_set_number(s, "parameters.threads", emb_threads_resolve(c->n_threads));
    emb_summary_set_number(s, "parameters.seed", (double)c->seed);
    emb_summary_add_machine(s);
}

static int stage_neighbors(const cli_common *c, const analyze_opts *a, const cli_embedded *e,
                           emb_summary *s, emb_knn *g) {
    double t0 = emb_now();
    emb_knn_params kp = emb_knn_default_params();
    kp.k = a->k;
    kp.method = a->knn_method;
    kp.n_threads = c->n_threads;
    kp.seed = c->seed;
    kp.progress = c->progress;
    emb_status st = c->mpi.size > 1 ? emb_mpi_knn_build(&e->vec, &kp, g, NULL) : emb_knn_build(&e->vec, &kp, g);
    if (st) return cli_fail(st);
    if (c->mpi.rank > 0) return CLI_EXIT_OK;   /* mpirun: the later stages run on rank 0 */
    st = emb_knn_save(g, c->out_dir);
    if (st) { cli_fail(st); return CLI_EXIT_FAIL; }
    double dt = emb_now() - t0;
    emb_summary_set_number(s, "timings.neighbors_s", dt);
    emb_summary_set_string(s, "neighbors.method", g->method == EMB_KNN_EXACT ? "exact" : "approximate");
    emb_summary_set_string(s, "neighbors.reason", g->reason);
    emb_summary_set_string(s, "neighbors.metric", g->metric == EMB_METRIC_COSINE ? "cosine" : "euclidean");
    emb_summary_set_number(s, "neighbors.k", g->k);
    cli_log(c, "neighbors: k=%d, %s, %.2f s", g->k, g->reason, dt);
    return CLI_EXIT_OK;
}

/* mpirun, ranks > 0: the neighbours over rank 0's OUT/embeddings.npy (mapped;
 * a .npy DATA is mapped already), then done: the later stages run on rank 0. */
static int cli_mpi_analyze_rank(const cli_common *c, const analyze_opts *a, cli_embedded *e) {
    char *p = cli_out_path(c, "embeddings.npy");
    emb_status st = e->vec.rows ? EMB_OK : emb_npy_vectors_open(p, &e->file_vec);
    free(p);
    if (!e->vec.rows) e->vec = e->file_vec.m;
    emb_knn g = {0};
    int rc = st ? cli_fail(st) : stage_neighbors(c, a, e, NULL, &g);
    emb_knn_free(&g);
    cli_embedded_free(e);
    return rc;
}

/* Duplicates, leakage, outliers, label issues, class overlap, image checks. */
static int stage_analysis(const cli_common *c, const cli_features *f, cli_analysis *an, const cli_embedded *e,
                          const emb_knn *g, emb_summary *s) {
    an->features = f->kind;
    if (e->ds->source == EMB_SOURCE_VECTORS) {
        /* a .npy: vectors of unknown origin (CLIP's 512, Fashion-MNIST's 784,
         * ...): no image shape unless --image-shape gave one, and the
         * threshold of the `dups` command */
        an->features = NULL;
    } else if (!strcmp(f->kind, "pixels") && !an->img_w) {  /* the pixel vectors' image shape, for the shift search */
        bool idx = e->ds->source == EMB_SOURCE_IDX;
        an->img_w = idx ? e->ds->img_w : f->pixels.size;
        an->img_h = idx ? e->ds->img_h : f->pixels.size;
        an->img_c = idx || !f->pixels.color ? 1 : 3;
    }
    return cli_analysis_stage(c, an, e->ds, &e->vec, g, s);
}

/* The map, from the shared kNN graph. That graph is built on the raw
 * vectors with the cosine metric; UMAP takes it as it is (cosine is what
 * umap-learn users choose for embeddings, and for pixel vectors it ranks
 * neighbours much as Euclidean distance does). */
static int stage_map(const cli_common *c, const analyze_opts *a, const cli_embedded *e,
                     const emb_knn *g, emb_umap_cache *cache, emb_summary *s) {
    if (!strcmp(a->map, "none")) return CLI_EXIT_OK;
    double t0 = emb_now();
    emb_matf map = {0};
    emb_status st;
    if (!strcmp(a->map, "tsne")) {
        /* t-SNE on PCA-50 (D > 100) with its own Euclidean graph of 3 x
         * perplexity neighbours unless g has that many (map_tsne.c). */
        if (a->dims > 3) return cli_usage_error("analyze", "--dims: t-SNE maps to 1, 2 or 3 dimensions");
        int rc = cli_map_tsne(c, &a->tsne, &e->vec, g, a->dims, s, &map);
        if (!rc && (st = cli_map_write(c, &map))) rc = cli_fail(st);
        emb_matf_free(&map);
        return rc;
    }
    emb_umap_params up = emb_umap_default_params();
    up.n_components = a->dims;
    up.n_threads = c->n_threads;
    up.seed = c->seed;
    up.progress = c->progress;
    up.cache = cache;
    emb_umap_info info;
    st = emb_umap_run(g, &e->vec, &up, &map, &info);
    if (!st) st = cli_map_write(c, &map);
    emb_matf_free(&map);
    if (st) { cli_fail(st); return CLI_EXIT_FAIL; }
    double dt = emb_now() - t0;
    emb_summary_set_number(s, "timings.map_s", dt);
    emb_summary_set_string(s, "map.method", "umap");
    emb_summary_set_number(s, "map.dims", a->dims);
    emb_summary_set_string(s, "map.init", info.init);
    emb_summary_set_number(s, "map.n_epochs", info.n_epochs);
    emb_summary_set_number(s, "map.n_neighbors", up.n_neighbors);
    emb_summary_set_number(s, "map.min_dist", up.min_dist);
    emb_summary_set_number(s, "map.graph_components", info.n_graph_components);
    emb_summary_set_bool(s, "map.shared_with_clusters", info.shared_graph);
    cli_log(c, "map: UMAP %dD, %d epochs, init %s%s, %.2f s", a->dims, info.n_epochs, info.init,
            info.shared_init ? " (shared with the clusters)" : info.shared_graph ? " (graph shared with the clusters)" : "", dt);
    return CLI_EXIT_OK;
}

/* Last stage: report.html from everything written so far (summary.json
 * included), then the summary again with the report's timing. */
static int stage_report(const cli_common *c, const cli_features *f, emb_summary *s, double t_all, double *cpu) {
    double t0 = emb_now();
    emb_report_params rp = emb_report_default_params();
    rp.alpha_background_set = f->alpha_bg_set;
    memcpy(rp.alpha_background, f->alpha_bg, 3);
    rp.n_threads = c->n_threads;
    rp.progress = c->progress;
    int rc = cli_report_stage(c, c->out_dir, NULL, &rp);
    if (rc) return rc;
    emb_summary_set_number(s, "timings.report_s", emb_now() - t0);
    cli_resources_mark(s, "report", cpu);
    emb_summary_set_number(s, "timings.total_s", emb_now() - t_all);
    return write_summary(c, s, true);
}

int cmd_analyze(int argc, char **argv) {
    cli_analysis an;
    cli_analysis_init(&an);
    cli_common c;
    cli_features f;
    analyze_opts a = {.k = 15, .map = "umap", .dims = 3};
    cli_common_init(&c);
    cli_features_init(&f);
    enum { OPT_EXACT = 1380, OPT_APPROX };
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS, CLI_FEATURES_LONGOPTS, CLI_ANALYSIS_LONGOPTS,
                                             {"exact", no_argument, 0, OPT_EXACT}, {"approx", no_argument, 0, OPT_APPROX},
                                             {"map", required_argument, 0, OPT_MAP},
                                             {"dims", required_argument, 0, OPT_DIMS}, CLI_TSNE_LONGOPTS,
                                             CLI_CLUSTERS_LONGOPTS, CLI_ZEROSHOT_LONGOPTS, {0, 0, 0, 0}};
    cli_tsne_init(&a.tsne);
    cli_clusters_init(&a.clusters);
    cli_zeroshot_init(&a.zeroshot);
    int opt;
    long v;
    while ((opt = getopt_long(argc, argv, "o:hk:", longopts, NULL)) != -1) {
        if (opt == 'h') { fputs(USAGE, stdout); return CLI_EXIT_OK; }
        if (opt == 'k') {
            if (!cli_parse_int(optarg, 1, 1000, &v)) return cli_usage_error("analyze", "-k: '%s' is not in 1..1000", optarg);
            a.k = (int)v;
            continue;
        }
        if (opt == OPT_EXACT || opt == OPT_APPROX) { a.knn_method = opt == OPT_EXACT ? EMB_KNN_EXACT : EMB_KNN_APPROX; continue; }
        if (opt == OPT_MAP) {
            if (strcmp(optarg, "umap") && strcmp(optarg, "tsne") && strcmp(optarg, "none"))
                return cli_usage_error("analyze", "--map: '%s' is not umap, tsne or none", optarg);
            a.map = optarg;
            continue;
        }
        if (opt == OPT_DIMS) {
            if (!cli_parse_int(optarg, 1, 100, &v)) return cli_usage_error("analyze", "--dims: '%s' is not in 1..100", optarg);
            a.dims = (int)v;
            continue;
        }
        int r = cli_common_opt(&c, opt, optarg);
        if (r == 0) r = cli_features_opt(&f, opt, optarg);
        if (r == 0) r = cli_analysis_opt(&an, opt, optarg);
        if (r == 0) r = cli_tsne_opt(&a.tsne, opt, optarg);
        if (r == 0) r = cli_clusters_opt(&a.clusters, opt, optarg);
        if (r == 0) r = cli_zeroshot_opt(&a.zeroshot, opt, optarg);
        if (r <= 0) return r < 0 ? CLI_EXIT_USAGE : cli_usage_error("analyze", "unknown option");
    }
    if (optind + 1 != argc) return cli_usage_error("analyze", "expected one DATA argument");
    if (!c.out_dir) return cli_usage_error("analyze", "-o OUT is required");
    cli_common_finish(&c);
    const char *data = argv[optind];
    double t_all = emb_now();

    cli_embedded e;
    int rc = cli_embed_stage(&c, &f, data, &e);
    if (rc) return rc;
    if (c.mpi.rank > 0) return cli_mpi_analyze_rank(&c, &a, &e);   /* mpirun: neighbours, then done */
    emb_summary *s = emb_summary_new();
    emb_knn g = {0};
    emb_umap_cache *umap_cache = NULL;
    float *p_zero_shot = NULL;   /* (n, n_classes) zero-shot p for the label issues */
    if (!s) { fprintf(stderr, "embscope: out of memory\n"); rc = CLI_EXIT_FAIL; goto done; }
    add_params(s, &c, &f, &a, data);
    emb_summary_set_number(s, "timings.embed_s", e.seconds);
    if ((rc = cli_zeroshot_stage(&c, &a.zeroshot, &f, e.ds, &e.vec, s, &p_zero_shot))) goto done;
    an.p_zero_shot = p_zero_shot;
    an.zero_shot_weight = (float)a.zeroshot.weight;
    if ((rc = cli_searches_stage(&c, &a.zeroshot, &f, e.ds, &e.vec, s))) goto done;
    emb_status st = emb_summary_add_dataset(s, e.ds, &e.skipped);
    if (st) { rc = cli_fail(st); goto done; }
    emb_summary_set_number(s, "embeddings.rows", (double)e.vec.rows);
    emb_summary_set_number(s, "embeddings.dims", (double)e.vec.cols);

    double cpu = 0;
    cli_resources_mark(s, "embed", &cpu);
    if ((rc = stage_neighbors(&c, &a, &e, s, &g))) goto done;
    cli_resources_mark(s, "neighbors", &cpu);
    if ((rc = stage_analysis(&c, &f, &an, &e, &g, s))) goto done;
    cli_resources_mark(s, "findings", &cpu);
    /* The clustering UMAP (2D) and the map (UMAP, dims) share the fuzzy
     * graph and one spectral layout of max(2, dims) columns. */
    if (!strcmp(a.map, "umap") && (st = emb_umap_cache_new(a.dims > 2 ? a.dims : 2, &umap_cache))) { rc = cli_fail(st); goto done; }
    a.clusters.umap_cache = umap_cache;
    if ((rc = cli_cluster_stage(&c, &a.clusters, e.ds, &e.vec, &g, s))) goto done;
    cli_resources_mark(s, "clusters", &cpu);
    if ((rc = cli_cluster_names_stage(&c, &a.zeroshot, &f, e.ds, &e.vec, s))) goto done;
    if ((rc = stage_map(&c, &a, &e, &g, umap_cache, s))) goto done;
    cli_resources_mark(s, "map", &cpu);
    emb_umap_cache_free(umap_cache);
    umap_cache = NULL;

    emb_summary_set_number(s, "timings.total_s", emb_now() - t_all);
    rc = write_summary(&c, s, false);  /* the report reads it; rewritten below with its timing */
    if (!rc) rc = stage_report(&c, &f, s, t_all, &cpu);
    if (!rc) cli_log(&c, "analyze: results in %s", c.out_dir);
done:
    emb_umap_cache_free(umap_cache);
    free(p_zero_shot);
    emb_knn_free(&g);
    emb_summary_free(s);
    cli_embedded_free(&e);
    return rc;
}

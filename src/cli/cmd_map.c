/* cmd_map.c - `embscope map VECTORS.npy --method umap --dims 3 -o OUT`:
 * a 2-D or 3-D map of the vectors as OUT/map.npy (N x dims float32) and
 * OUT/map.csv (index,x,y[,z]). UMAP reads the kNN graph from --neighbors DIR
 * or computes one (PCA to 100 dimensions first when D > 100). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "usage: embscope map VECTORS.npy -o OUT [options]\n"
    "\n"
    "Map the rows of VECTORS.npy (N x D float32) to 2 or 3 dimensions and\n"
    "write OUT/map.npy (N x dims float32) and OUT/map.csv (index,x,y[,z]).\n"
    "\n"
    "Options:\n"
    "  --method M         umap (default), tsne or pca\n"
    "  --dims N           output dimensions (default 2)\n"
    "  --neighbors DIR    reuse DIR/neighbors.npy and DIR/distances.npy (from\n"
    "                     'embscope neighbors' or 'analyze') instead of computing\n"
    "  -k N               neighbours to compute when --neighbors is not given\n"
    "                     (default 15; PCA to 100 dimensions first when D > 100,\n"
    "                     its components fitted on at most 20,000 rows)\n"
    "  --metric M         cosine (default) or euclidean, for the computed graph\n"
    "UMAP (umap-learn's defaults):\n"
    "  --n-neighbors N    fuzzy set size, counting the item itself (default 15)\n"
    "  --min-dist X       default 0.1\n"
    "  --spread X         default 1.0\n"
    "  --epochs N         default 500 for N <= 10000, else 200\n"
    "  --init I           spectral (default), pca or random\n"
    "t-SNE (openTSNE's schedule; dims 1..3; computes its own Euclidean graph of\n"
    "3 x perplexity neighbours on PCA-50 unless --neighbors has that many;\n"
    "also writes OUT/summary.json with the final KL divergence):\n"
    CLI_TSNE_HELP
    "With --threads 1 and --seed a run is reproducible byte for byte.\n"
    CLI_COMMON_HELP;

enum { OPT_METHOD = 1300, OPT_DIMS, OPT_NEIGHBORS, OPT_METRIC, OPT_NN, OPT_MIN_DIST, OPT_SPREAD, OPT_EPOCHS, OPT_INIT };

/* kNN graph of x as 'embscope analyze' would build it, but on the map's
 * input (emb_map_input_umap_params: PCA to EMB_MAP_UMAP_PCA_DIMS = 100 dimensions first
 * when D > 100, fitted on at most EMB_MAP_PCA_FIT_ROWS_FAST rows). */
emb_status cli_map_graph(const cli_common *c, const emb_matf *x, int k, emb_metric metric, emb_knn *g) {
    emb_knn_params kp = emb_knn_default_params();
    kp.k = k;
    kp.metric = metric;
    kp.n_threads = c->n_threads;
    kp.seed = c->seed;
    kp.progress = c->progress;
    emb_map_input_params mp = emb_map_input_umap_params();
    mp.n_threads = c->n_threads;
    mp.seed = c->seed;
    return emb_map_graph(x, &mp, &kp, g);
}

int cmd_map(int argc, char **argv) {
    cli_common c;
    cli_common_init(&c);
    emb_umap_params up = emb_umap_default_params();
    const char *method = "umap", *nbr_dir = NULL;
    int dims = 2, k = 15;
    emb_metric metric = EMB_METRIC_COSINE;
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS, {"method", required_argument, 0, OPT_METHOD}, {"dims", required_argument, 0, OPT_DIMS},
        {"neighbors", required_argument, 0, OPT_NEIGHBORS}, {"metric", required_argument, 0, OPT_METRIC},
        {"n-neighbors", required_argument, 0, OPT_NN}, {"min-dist", required_argument, 0, OPT_MIN_DIST},
        {"spread", required_argument, 0, OPT_SPREAD}, {"epochs", required_argument, 0, OPT_EPOCHS},
        {"init", required_argument, 0, OPT_INIT}, CLI_TSNE_LONGOPTS, {0, 0, 0, 0}};
    cli_tsne_opts to;
    cli_tsne_init(&to);
    int opt;
    long v;
    double f;
    while ((opt = getopt_long(argc, argv, "o:hk:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h': fputs(USAGE, stdout); return CLI_EXIT_OK;
        case 'k':
            if (!cli_parse_int(optarg, 1, 1000, &v)) return cli_usage_error("map", "-k: '%s' is not in 1..1000", optarg);
            k = (int)v;
            continue;
        case OPT_METHOD:
            if (strcmp(optarg, "umap") && strcmp(optarg, "tsne") && strcmp(optarg, "pca"))
                return cli_usage_error("map", "--method: '%s' is not umap, tsne or pca", optarg);
            method = optarg;
            continue;
        case OPT_DIMS:
            if (!cli_parse_int(optarg, 1, 100, &v)) return cli_usage_error("map", "--dims: '%s' is not in 1..100", optarg);
            dims = (int)v;
            continue;
        case OPT_NEIGHBORS: nbr_dir = optarg; continue;
        case OPT_METRIC:
            if (!strcmp(optarg, "cosine")) metric = EMB_METRIC_COSINE;
            else if (!strcmp(optarg, "euclidean")) metric = EMB_METRIC_EUCLIDEAN;
            else return cli_usage_error("map", "--metric: '%s' is not cosine or euclidean", optarg);
            continue;
        case OPT_NN:
            if (!cli_parse_int(optarg, 2, 1001, &v)) return cli_usage_error("map", "--n-neighbors: '%s' is not in 2..1001", optarg);
            up.n_neighbors = (int)v;
            continue;
        case OPT_MIN_DIST:
            if (!cli_parse_float(optarg, 0, 100, &f)) return cli_usage_error("map", "--min-dist: '%s' is not in 0..100", optarg);
            up.min_dist = (float)f;
            continue;
        case OPT_SPREAD:
            if (!cli_parse_float(optarg, 1e-3, 100, &f)) return cli_usage_error("map", "--spread: '%s' is not in 0.001..100", optarg);
            up.spread = (float)f;
            continue;
        case OPT_EPOCHS:
            if (!cli_parse_int(optarg, 0, 100000, &v)) return cli_usage_error("map", "--epochs: '%s' is not in 0..100000", optarg);
            up.n_epochs = (int)v;
            continue;
        case OPT_INIT:
            if (!strcmp(optarg, "spectral")) up.init = EMB_UMAP_INIT_SPECTRAL;
            else if (!strcmp(optarg, "pca")) up.init = EMB_UMAP_INIT_PCA;
            else if (!strcmp(optarg, "random")) up.init = EMB_UMAP_INIT_RANDOM;
            else return cli_usage_error("map", "--init: '%s' is not spectral, pca or random", optarg);
            continue;
        }
        int r = cli_common_opt(&c, opt, optarg);
        if (r == 0) r = cli_tsne_opt(&to, opt, optarg);
        if (r <= 0) return r < 0 ? CLI_EXIT_USAGE : cli_usage_error("map", "unknown option");
    }
    if (optind + 1 != argc) return cli_usage_error("map", "expected one VECTORS.npy argument");
    if (!c.out_dir) return cli_usage_error("map", "-o OUT is required");
    if (!strcmp(method, "tsne") && dims > 3) return cli_usage_error("map", "--dims: t-SNE maps to 1, 2 or 3 dimensions");
    cli_common_finish(&c);
    up.n_components = dims;
    up.n_threads = c.n_threads;
    up.seed = c.seed;
    up.progress = c.progress;

    emb_matf x = {0}, map = {0};
    emb_npy_vectors xf = {0};
    emb_knn g = {0};
    emb_status st = emb_npy_vectors_open(argv[optind], &xf);   /* mapped, not copied */
    x = xf.m;
    if (!st) st = emb_mkdirs(c.out_dir);
    if (st) { int rc = cli_fail(st); emb_npy_vectors_close(&xf); return rc; }
    double t0 = emb_now();
    if (!strcmp(method, "tsne")) {
        /* t-SNE (map_tsne.c): PCA-50 when D > 100, its own Euclidean graph
         * unless --neighbors has 3 x perplexity neighbours; summary.json
         * carries the final KL divergence. */
        emb_summary *s = emb_summary_new();
        if (nbr_dir) {
            st = emb_knn_load(nbr_dir, x.rows, &g);
            g.metric = metric;
        }
        int rc = st ? cli_fail(st) : s ? CLI_EXIT_OK : CLI_EXIT_FAIL;
        if (!rc) {
            emb_summary_set_string(s, "embscope_version", emb_version());
            emb_summary_set_string(s, "parameters.vectors", argv[optind]);
            emb_summary_set_number(s, "parameters.threads", emb_threads_resolve(c.n_threads));
            emb_summary_set_number(s, "parameters.seed", (double)c.seed);
            emb_summary_add_machine(s);
            emb_summary_set_number(s, "embeddings.rows", (double)x.rows);
            emb_summary_set_number(s, "embeddings.dims", (double)x.cols);
            emb_analyze_params p = cli_params(&c);
            p.tsne = to;
            if ((st = emb_stage_tsne(&p, &x, nbr_dir ? &g : NULL, dims, s, &map))) rc = cli_fail(st);
        }
        if (!rc) {
            char *ps = cli_out_path(&c, "summary.json");
            st = emb_summary_write(s, ps);
            free(ps);
            if (st) rc = cli_fail(st);
        }
        emb_summary_free(s);
        if (rc) {
            emb_knn_free(&g);
            emb_matf_free(&map);
            emb_npy_vectors_close(&xf);
            return rc;
        }
    } else if (!strcmp(method, "pca")) {
        emb_pca_params pp = emb_pca_default_params();
        pp.n_components = dims;
        pp.n_threads = c.n_threads;
        pp.seed = c.seed;
        st = emb_pca(&x, &pp, &map, NULL);
    } else {
        if (nbr_dir) st = emb_knn_load(nbr_dir, x.rows, &g);
        else st = cli_map_graph(&c, &x, k, metric, &g);
        double t1 = emb_now();
        if (!st) cli_log(&c, "map: neighbour graph %lld x %d, %.2f s", (long long)g.n, g.k, t1 - t0);
        emb_umap_info info;
        if (!st) st = emb_umap_run(&g, &x, &up, &map, &info);
        if (!st)
            cli_log(&c, "map: UMAP %dD, %d epochs, %lld edges, %d component(s), init %s; graph %.2f s, init %.2f s, layout %.2f s",
                    dims, info.n_epochs, (long long)info.n_edges, info.n_graph_components, info.init,
                    info.graph_s, info.init_s, info.layout_s);
    }
    if (!st) st = emb_map_write_files(c.out_dir, &map);
    if (!st) cli_log(&c, "map: %s %dD of %lld items in %.2f s, wrote %s/map.npy and map.csv", method, dims,
                     (long long)x.rows, emb_now() - t0, c.out_dir);
    int rc = st ? cli_fail(st) : CLI_EXIT_OK;
    emb_knn_free(&g);
    emb_matf_free(&map);
    emb_npy_vectors_close(&xf);
    return rc;
}

/* cmd_map.c - `embscope map VECTORS.npy --method tsne --dims 2|3 -o OUT`:
 * OUT/map.npy (N x dims float32), OUT/map.csv (index,x,y[,z]) and
 * OUT/summary.json (method, KL divergence, timings).
 * Minimal t-SNE-only version from the t-SNE branch; the UMAP branch owns the
 * full command, which calls cli_map_tsne() at its t-SNE place. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "usage: embscope map VECTORS.npy -o OUT [options]\n"
    "\n"
    "Map the rows of VECTORS.npy (N x D) to 2D or 3D and write OUT/map.npy\n"
    "(N x dims float32), OUT/map.csv (index,x,y[,z]) and OUT/summary.json.\n"
    "Vectors wider than 100 are reduced to 50 by PCA first.\n"
    "\n"
    "Options:\n"
    "  --method M          tsne (default)\n"
    "  --dims N            2 (default) or 3\n"
    "  --neighbors DIR     reuse DIR/neighbors.npy + DIR/distances.npy (from\n"
    "                      'embscope neighbors'; used when k >= 3 perplexity)\n"
    "  --metric M          metric of that graph: cosine (default) or euclidean\n"
    CLI_TSNE_HELP CLI_COMMON_HELP;

enum { OPT_METHOD = 1400, OPT_DIMS, OPT_NEIGHBORS, OPT_METRIC };

/* Load a graph written by `embscope neighbors`. */
static emb_status load_graph(const char *dir, emb_metric metric, int64_t n, emb_knn *g) {
    char *pi = emb_path_join(dir, "neighbors.npy"), *pd = emb_path_join(dir, "distances.npy");
    emb_npy ai = {0};
    emb_matf dist = {0};
    emb_status st = (pi && pd) ? emb_npy_open(pi, false, &ai) : EMB_E_NOMEM;
    if (!st) st = emb_npy_load_f32(pd, &dist);
    if (st) {
        fprintf(stderr, "embscope: %s (%s)\n", emb_errmsg(), emb_status_str(st));
        st = EMB_E_FORMAT;  /* reported */
    } else if (ai.dtype != EMB_DT_I32 || ai.ndim != 2 || ai.shape[0] != n || dist.rows != n ||
                           dist.cols != ai.shape[1]) {
        fprintf(stderr, "embscope: %s: expected %lld x k int32 beside a matching distances.npy\n", pi, (long long)n);
        st = EMB_E_FORMAT;
    }
    if (!st) {
        memset(g, 0, sizeof *g);
        g->n = n;
        g->k = (int)ai.shape[1];
        g->metric = metric;
        g->idx = malloc((size_t)ai.count * sizeof *g->idx);
        if (!g->idx) st = EMB_E_NOMEM;
        else {
            memcpy(g->idx, ai.data, (size_t)ai.count * sizeof *g->idx);
            g->dist = dist.data;
            dist.data = NULL;
            for (int64_t e = 0; e < ai.count; e++)
                if (g->idx[e] < -1 || g->idx[e] >= n) { st = EMB_E_FORMAT; break; }
            if (st) fprintf(stderr, "embscope: %s: neighbour index out of range\n", pi);
        }
    }
    emb_npy_close(&ai);
    emb_matf_free(&dist);
    free(pi);
    free(pd);
    return st;
}

static emb_status write_map(const cli_common *c, const emb_matf *map) {
    char *pn = cli_out_path(c, "map.npy"), *pc = cli_out_path(c, "map.csv");
    emb_status st = emb_npy_write_f32(pn, map->data, map->rows, map->cols);
    emb_outfile o = {0};
    if (!st) st = emb_outfile_open(&o, pc);
    if (!st) {
        fputs(map->cols == 3 ? "index,x,y,z\n" : map->cols == 2 ? "index,x,y\n" : "index,x\n", o.f);
        for (int64_t i = 0; i < map->rows; i++) {
            fprintf(o.f, "%lld", (long long)i);
            for (int64_t d = 0; d < map->cols; d++) fprintf(o.f, ",%.7g", map->data[i * map->cols + d]);
            fputc('\n', o.f);
        }
        st = emb_outfile_commit(&o);
    }
    free(pn);
    free(pc);
    return st;
}

int cmd_map(int argc, char **argv) {
    cli_common c;
    cli_common_init(&c);
    cli_tsne_opts to;
    cli_tsne_init(&to);
    int dims = 2;
    const char *neighbors = NULL;
    emb_metric metric = EMB_METRIC_COSINE;
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS, CLI_TSNE_LONGOPTS, {"method", required_argument, 0, OPT_METHOD},
        {"dims", required_argument, 0, OPT_DIMS}, {"neighbors", required_argument, 0, OPT_NEIGHBORS},
        {"metric", required_argument, 0, OPT_METRIC}, {0, 0, 0, 0}};
    int opt;
    long v;
    while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        if (opt == 'h') { fputs(USAGE, stdout); return CLI_EXIT_OK; }
        if (opt == OPT_METHOD) {
            if (strcmp(optarg, "tsne")) return cli_usage_error("map", "--method: '%s' is not tsne", optarg);
            continue;
        }
        if (opt == OPT_DIMS) {
            if (!cli_parse_int(optarg, 2, 3, &v)) return cli_usage_error("map", "--dims: '%s' is not 2 or 3", optarg);
            dims = (int)v;
            continue;
        }
        if (opt == OPT_NEIGHBORS) { neighbors = optarg; continue; }
        if (opt == OPT_METRIC) {
            if (!strcmp(optarg, "cosine")) metric = EMB_METRIC_COSINE;
            else if (!strcmp(optarg, "euclidean")) metric = EMB_METRIC_EUCLIDEAN;
            else return cli_usage_error("map", "--metric: '%s' is not cosine or euclidean", optarg);
            continue;
        }
        int r = cli_common_opt(&c, opt, optarg);
        if (r == 0) r = cli_tsne_opt(&to, opt, optarg);
        if (r <= 0) return r < 0 ? CLI_EXIT_USAGE : cli_usage_error("map", "unknown option");
    }
    if (optind + 1 != argc) return cli_usage_error("map", "expected one VECTORS.npy argument");
    if (!c.out_dir) return cli_usage_error("map", "-o OUT is required");
    cli_common_finish(&c);
    emb_matf x = {0}, map = {0};
    emb_knn g = {0};
    emb_summary *s = emb_summary_new();
    int rc = CLI_EXIT_OK;
    emb_status st = s ? emb_npy_load_f32(argv[optind], &x) : EMB_E_NOMEM;
    if (st) { rc = cli_fail(st); goto done; }
    if (neighbors && (st = load_graph(neighbors, metric, x.rows, &g))) {
        rc = st == EMB_E_FORMAT ? CLI_EXIT_INPUT : cli_fail(st);  /* FORMAT: printed there */
        goto done;
    }
    if ((st = emb_mkdirs(c.out_dir))) { rc = cli_fail(st); goto done; }
    emb_summary_set_string(s, "embscope_version", emb_version());
    emb_summary_set_string(s, "parameters.vectors", argv[optind]);
    emb_summary_set_number(s, "parameters.threads", emb_threads_resolve(c.n_threads));
    emb_summary_set_number(s, "parameters.seed", (double)c.seed);
    emb_summary_set_number(s, "embeddings.rows", (double)x.rows);
    emb_summary_set_number(s, "embeddings.dims", (double)x.cols);
    if ((rc = cli_map_tsne(&c, &to, &x, neighbors ? &g : NULL, dims, s, &map))) goto done;
    st = write_map(&c, &map);
    if (!st) {
        char *ps = cli_out_path(&c, "summary.json");
        st = emb_summary_write(s, ps);
        free(ps);
    }
    if (st) rc = cli_fail(st);
done:
    emb_matf_free(&x);
    emb_matf_free(&map);
    emb_knn_free(&g);
    emb_summary_free(s);
    return rc;
}

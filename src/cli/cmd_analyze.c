/* cmd_analyze.c - `embscope analyze DATA -o OUT`: the options into the
 * library's emb_analyze_params, then emb_analyze_run (src/pipeline/), which
 * runs every stage; the report's path on stdout. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "usage: embscope analyze DATA -o OUT [options]\n"
    "\n"
    "Run every stage on DATA: vectors (items.csv, embeddings.npy, skipped.csv),\n"
    "the neighbour graph (neighbors.npy, distances.npy), a 3-D UMAP map (map.npy,\n"
    "map.csv), clusters.csv (HDBSCAN by default), duplicates.csv, leakage.csv,\n"
    "outliers.csv, label_issues.csv, image_issues.csv (folders); for a detection\n"
    "export (COCO, YOLO, VOC: one item per box) also the whole images once each\n"
    "(pixel vectors): images.csv, image_duplicates.csv, image_leakage.csv; summary.json\n"
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
    "  --storage S         f32 (default) or f16: the neighbour search's working\n"
    "                      copy of the vectors in half precision (half its memory);\n"
    "                      a float16 .npy is then read as it is by every stage\n"
    "                      (no float32 copy: 10M x 512 fits in 24 GB)\n"
    "  --map M             umap (default), tsne or none: map.npy, map.csv\n"
    "  --dims N            map dimensions (default 3)\n"
    CLI_CLUSTERS_HELP CLI_ZEROSHOT_HELP CLI_TSNE_HELP CLI_ANALYSIS_HELP CLI_COMMON_HELP;

enum { OPT_MAP = 1400, OPT_DIMS };

int cmd_analyze(int argc, char **argv) {
    cli_common c;
    cli_common_init(&c);
    emb_analyze_params a = emb_analyze_default_params();   /* the options go straight into it */
    enum { OPT_EXACT = 1380, OPT_APPROX, OPT_STORAGE };
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS, CLI_FEATURES_LONGOPTS, CLI_ANALYSIS_LONGOPTS,
                                             {"exact", no_argument, 0, OPT_EXACT}, {"approx", no_argument, 0, OPT_APPROX},
                                             {"storage", required_argument, 0, OPT_STORAGE}, {"map", required_argument, 0, OPT_MAP},
                                             {"dims", required_argument, 0, OPT_DIMS}, CLI_TSNE_LONGOPTS,
                                             CLI_CLUSTERS_LONGOPTS, CLI_ZEROSHOT_LONGOPTS, {0, 0, 0, 0}};
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
        if (opt == OPT_STORAGE) {
            if (!emb_storage_parse(optarg, &a.storage)) return cli_usage_error("analyze", "--storage: '%s' is not f32 or f16", optarg);
            continue;
        }
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
        if (r == 0) r = cli_features_opt(&a.features, opt, optarg);
        if (r == 0) r = cli_analysis_opt(&a.findings, opt, optarg);
        if (r == 0) r = cli_tsne_opt(&a.tsne, opt, optarg);
        if (r == 0) r = cli_clusters_opt(&a.clusters, opt, optarg);
        if (r == 0) r = cli_zeroshot_opt(&a.zeroshot, opt, optarg);
        if (r <= 0) return r < 0 ? CLI_EXIT_USAGE : cli_usage_error("analyze", "unknown option");
    }
    if (optind + 1 != argc) return cli_usage_error("analyze", "expected one DATA argument");
    if (!c.out_dir) return cli_usage_error("analyze", "-o OUT is required");
    if (!strcmp(a.map, "tsne") && a.dims > 3) return cli_usage_error("analyze", "--dims: t-SNE maps to 1, 2 or 3 dimensions");
    cli_common_finish(&c);
    emb_analyze_params base = cli_params(&c);
    a.n_threads = base.n_threads;
    a.seed = base.seed;
    a.progress = base.progress;
    a.log = base.log;
    a.mpi = base.mpi;

    emb_analyze_info info;
    emb_status st = emb_analyze_run(argv[optind], c.out_dir, &a, &info);
    if (st && info.params_error) return cli_usage_error("analyze", "%s", emb_errmsg());
    if (st) {
        int rc = cli_fail(st);
        return info.output_error ? CLI_EXIT_FAIL : rc;
    }
    if (!c.quiet && info.report_path[0]) printf("%s\n", info.report_path);
    return CLI_EXIT_OK;
}

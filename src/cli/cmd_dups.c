/* cmd_dups.c - `embscope dups VECTORS.npy -o OUT`: the duplicate stages
 * alone (exact, copy, similar; groups; split leakage when items.csv gives
 * splits): OUT/duplicates.csv, OUT/leakage.csv. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "usage: embscope dups VECTORS.npy -o OUT [options]\n"
    "\n"
    "Find duplicates among the rows of VECTORS.npy (N x D) and group them:\n"
    "OUT/duplicates.csv (group,index,path,split,label,similarity,kind,copy_score,\n"
    "group_kind; the representative first) and, with --items, OUT/leakage.csv (every\n"
    "pair of items in two splits, two rows per pair). Kinds: exact (identical),\n"
    "copy (the copy criterion, for precision), similar (cosine >= the threshold\n"
    "only, for recall). Candidates: the k nearest neighbours; when all k are\n"
    "above the threshold, the search goes on through the neighbours of the items\n"
    "found (widening).\n"
    "\n"
    "Options:\n"
    "  --items FILE        items.csv (index,path,split,label) for paths and splits\n"
    "  --dup-threshold T   similar: cosine >= T (default 0.985)\n"
    "  --copy-threshold T  copy: cosine >= T, or with --image-shape the median-filtered\n"
    "                      correlation >= T (default 0.995)\n"
    "  --image-shape HxWxC rows are pixel images: copy criterion on pixels, and copies\n"
    "                      shifted by 1-2 px\n"
    "  -k N                neighbours per item (default 15)\n"
    "  --storage S         f32 (default) or f16: a float16 VECTORS.npy is read as it\n"
    "                      is (mapped, half the memory of widening it), as analyze\n"
    "                      --storage f16 does\n"
    CLI_COMMON_HELP;

enum { OPT_ITEMS = 1400, OPT_STORAGE };

int cmd_dups(int argc, char **argv) {
    cli_common c;
    cli_analysis an;
    cli_common_init(&c);
    cli_analysis_init(&an);
    const char *items = NULL;
    int k = 15;
    emb_storage storage = EMB_STORAGE_F32;
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS, CLI_ANALYSIS_LONGOPTS, {"items", required_argument, 0, OPT_ITEMS},
                                             {"storage", required_argument, 0, OPT_STORAGE}, {0, 0, 0, 0}};
    int opt;
    long v;
    while ((opt = getopt_long(argc, argv, "o:hk:", longopts, NULL)) != -1) {
        if (opt == 'h') { fputs(USAGE, stdout); return CLI_EXIT_OK; }
        if (opt == 'k') {
            if (!cli_parse_int(optarg, 1, 1000, &v)) return cli_usage_error("dups", "-k: '%s' is not in 1..1000", optarg);
            k = (int)v;
            continue;
        }
        if (opt == OPT_ITEMS) { items = optarg; continue; }
        if (opt == OPT_STORAGE) {
            if (!emb_storage_parse(optarg, &storage)) return cli_usage_error("dups", "--storage: '%s' is not f32 or f16", optarg);
            continue;
        }
        int r = cli_common_opt(&c, opt, optarg);
        if (r == 0) r = cli_analysis_opt(&an, opt, optarg);
        if (r <= 0) return r < 0 ? CLI_EXIT_USAGE : cli_usage_error("dups", "unknown option");
    }
    if (optind + 1 != argc) return cli_usage_error("dups", "expected one VECTORS.npy argument");
    if (!c.out_dir) return cli_usage_error("dups", "-o OUT is required");
    cli_common_finish(&c);
    an.features = "pixels";
    emb_matf x = {0};
    emb_npy_vectors xf = {0};
    emb_knn g = {0};
    emb_dataset *ds = NULL;
    int rc = CLI_EXIT_OK;
    /* mapped, not copied; --storage f16 keeps a float16 file's rows in half */
    emb_status st = emb_npy_vectors_open_ex(argv[optind], storage == EMB_STORAGE_F16, &xf);
    x = xf.m;
    if (!st && x.half) cli_log(&c, "dups: %s: float16 rows kept in half precision (--storage f16)", argv[optind]);
    if (!st && items) st = emb_items_read(items, &ds);
    if (!st && ds && ds->n != x.rows) {
        fprintf(stderr, "embscope dups: %s has %lld items, %s has %lld rows\n", items, (long long)ds->n, argv[optind], (long long)x.rows);
        rc = CLI_EXIT_INPUT;
        goto done;
    }
    if (!st) st = emb_mkdirs(c.out_dir);
    if (st) { rc = cli_fail(st); goto done; }
    emb_knn_params kp = emb_knn_default_params();
    kp.k = k < x.rows - 1 ? k : (int)(x.rows > 1 ? x.rows - 1 : 1);
    kp.n_threads = c.n_threads;
    kp.seed = c.seed;
    kp.progress = c.progress;
    kp.storage = storage;
    if ((st = emb_knn_build(&x, &kp, &g))) { rc = cli_fail(st); goto done; }
    emb_analyze_params p = cli_params(&c);
    p.findings = an;
    if ((st = emb_stage_dups(c.out_dir, &p, ds, &x, &g, NULL))) rc = cli_fail(st);
done:
    emb_knn_free(&g);
    emb_npy_vectors_close(&xf);
    emb_dataset_free(ds);
    return rc;
}

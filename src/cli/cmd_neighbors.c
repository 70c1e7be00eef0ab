/* cmd_neighbors.c - `embscope neighbors VECTORS.npy -k 15 -o OUT`: the kNN
 * graph as OUT/neighbors.npy (N x k int32) and OUT/distances.npy. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "usage: embscope neighbors VECTORS.npy -o OUT [options]\n"
    "\n"
    "Find the k nearest neighbours of every row of VECTORS.npy (N x D) and\n"
    "write OUT/neighbors.npy (N x k int32, nearest first, the item itself\n"
    "excluded, -1 padding when N <= k) and OUT/distances.npy (N x k float32:\n"
    "1 - cos for cosine, Euclidean distance otherwise).\n"
    "\n"
    "Options:\n"
    "  -k N               neighbours per item (default 15)\n"
    "  --metric M         cosine (default) or euclidean\n"
    "  --exact            exact search (blocked SGEMM), whatever N\n"
    "  --approx           approximate search (NN-descent, recall ~0.99)\n"
    "                     default: exact below ~7,000 items (d = 512; depends on d)\n"
    "  --storage S        f32 (default) or f16: NN-descent's reordered copy of the\n"
    "                     vectors in half precision (half the memory of the\n"
    "                     search's largest buffer; distances reported in f32);\n"
    "                     a float16 VECTORS.npy is then read as it is, never\n"
    "                     widened whole\n"
    "Under mpirun with R ranks (a build with -DEMB_MPI=ON), the exact search\n"
    "is split among the ranks and rank 0 writes the same files; approximate\n"
    "search runs NN-descent on R overlapping slabs, merged on rank 0.\n"
    CLI_COMMON_HELP;

enum { OPT_METRIC = 1200, OPT_EXACT, OPT_APPROX, OPT_STORAGE };

int cmd_neighbors(int argc, char **argv) {
    cli_common c;
    cli_common_init(&c);
    emb_knn_params kp = emb_knn_default_params();
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS, {"metric", required_argument, 0, OPT_METRIC},
                                               {"exact", no_argument, 0, OPT_EXACT}, {"approx", no_argument, 0, OPT_APPROX},
                                               {"storage", required_argument, 0, OPT_STORAGE}, {0, 0, 0, 0}};
    int opt;
    long v;
    while ((opt = getopt_long(argc, argv, "o:hk:", longopts, NULL)) != -1) {
        if (opt == 'h') { fputs(USAGE, stdout); return CLI_EXIT_OK; }
        if (opt == 'k') {
            if (!cli_parse_int(optarg, 1, 1000, &v)) return cli_usage_error("neighbors", "-k: '%s' is not in 1..1000", optarg);
            kp.k = (int)v;
            continue;
        }
        if (opt == OPT_METRIC) {
            if (!strcmp(optarg, "cosine")) kp.metric = EMB_METRIC_COSINE;
            else if (!strcmp(optarg, "euclidean")) kp.metric = EMB_METRIC_EUCLIDEAN;
            else return cli_usage_error("neighbors", "--metric: '%s' is not cosine or euclidean", optarg);
            continue;
        }
        if (opt == OPT_EXACT || opt == OPT_APPROX) {
            kp.method = opt == OPT_EXACT ? EMB_KNN_EXACT : EMB_KNN_APPROX;
            continue;
        }
        if (opt == OPT_STORAGE) {
            if (!emb_storage_parse(optarg, &kp.storage)) return cli_usage_error("neighbors", "--storage: '%s' is not f32 or f16", optarg);
            continue;
        }
        int r = cli_common_opt(&c, opt, optarg);
        if (r <= 0) return r < 0 ? CLI_EXIT_USAGE : cli_usage_error("neighbors", "unknown option");
    }
    if (optind + 1 != argc) return cli_usage_error("neighbors", "expected one VECTORS.npy argument");
    if (!c.out_dir) return cli_usage_error("neighbors", "-o OUT is required");
    cli_common_finish(&c);
    kp.n_threads = c.n_threads;
    kp.seed = c.seed;
    kp.progress = c.progress;
    emb_matf x = {0};
    emb_npy_vectors xf = {0};
    emb_knn g = {0};
    /* mapped, not copied; with --storage f16 a float16 file's rows are read
     * as they are (NN-descent widens them block by block), as analyze does:
     * widened whole, 10M x 512 would be 20 GB before the search's copy */
    emb_status st = emb_npy_vectors_open_ex(argv[optind], kp.storage == EMB_STORAGE_F16 && c.mpi.size <= 1, &xf);
    x = xf.m;
    if (!st && c.mpi.rank == 0) st = emb_mkdirs(c.out_dir);
    double t0 = emb_now();
    emb_mpi_stats ms = {0};   /* mpirun: ranks split the exact search, rank 0 merges (src/mpi/) */
    if (c.mpi.size > 1) st = emb_mpi_agree(st);
    if (!st) st = c.mpi.size > 1 ? emb_mpi_knn_build(&x, &kp, &g, &ms) : emb_knn_build(&x, &kp, &g);
    if (!st && c.mpi.size > 1)
        fprintf(stderr, "embscope: rank %d/%d: neighbors: share %lld (exact: block pairs, approx: rows), %.2f s computing, %.2f s merging, %lld B sent, %lld B received\n",
                c.mpi.rank, c.mpi.size, (long long)ms.items, ms.compute_s, ms.comm_s, (long long)ms.bytes_sent,
                (long long)ms.bytes_received);
    if (!st && c.mpi.rank == 0) {
        st = emb_knn_save(&g, c.out_dir);
        double dt = emb_now() - t0;
        /* exact: the GEMM does about n^2 d multiply-adds (upper half, 2 flops each) */
        double gflops = (double)x.rows * (double)x.rows * (double)x.cols / (dt > 0 ? dt : 1) * 1e-9;
        if (!st && g.method == EMB_KNN_EXACT)
            cli_log(&c, "neighbors: %lld x %d, %s, %.2f s (%.1f GFLOP/s)", (long long)g.n, g.k, g.reason, dt, gflops);
        else if (!st)
            cli_log(&c, "neighbors: %lld x %d, %s, %.2f s", (long long)g.n, g.k, g.reason, dt);
    }
    int rc = st ? cli_fail(st) : CLI_EXIT_OK;
    emb_knn_free(&g);
    emb_npy_vectors_close(&xf);
    return rc;
}

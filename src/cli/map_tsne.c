/* map_tsne.c - the t-SNE map for `embscope map --method tsne` and
 * `embscope analyze --map tsne`: options, PCA-50 for wide vectors, the run,
 * and its summary entries. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

void cli_tsne_init(cli_tsne_opts *o) {
    emb_tsne_params p = emb_tsne_default_params();
    o->perplexity = p.perplexity;
    o->n_iter = p.n_iter;
    o->early_exaggeration_iter = p.early_exaggeration_iter;
    o->theta = p.theta;
    o->method = EMB_TSNE_AUTO;
}

int cli_tsne_opt(cli_tsne_opts *o, int opt, const char *arg) {
    long v;
    double f;
    switch (opt) {
    case CLI_OPT_PERPLEXITY:
        if (!cli_parse_float(arg, 1, 10000, &f)) { cli_usage_error("map", "--perplexity: '%s' is not in 1..10000", arg); return -1; }
        o->perplexity = f;
        return 1;
    case CLI_OPT_ITERATIONS:
        if (!cli_parse_int(arg, 0, 1000000, &v)) { cli_usage_error("map", "--iterations: '%s' is not in 0..1000000", arg); return -1; }
        o->n_iter = (int)v;
        return 1;
    case CLI_OPT_EARLY_ITERATIONS:
        if (!cli_parse_int(arg, 0, 1000000, &v)) { cli_usage_error("map", "--early-iterations: '%s' is not in 0..1000000", arg); return -1; }
        o->early_exaggeration_iter = (int)v;
        return 1;
    case CLI_OPT_THETA:
        if (!cli_parse_float(arg, 0, 1, &f)) { cli_usage_error("map", "--theta: '%s' is not in 0..1", arg); return -1; }
        o->theta = f;
        return 1;
    case CLI_OPT_TSNE_GRADIENT:
        if (!strcmp(arg, "auto")) o->method = EMB_TSNE_AUTO;
        else if (!strcmp(arg, "exact")) o->method = EMB_TSNE_EXACT;
        else if (!strcmp(arg, "bh")) o->method = EMB_TSNE_BH;
        else if (!strcmp(arg, "fft")) o->method = EMB_TSNE_FFT;
        else { cli_usage_error("map", "--tsne-gradient: '%s' is not auto, exact, bh or fft", arg); return -1; }
        return 1;
    default:
        return 0;
    }
}

int cli_map_tsne(const cli_common *c, const cli_tsne_opts *o, const emb_matf *vec,
                 const emb_knn *g, int dims, emb_summary *s, emb_matf *map) {
    double t0 = emb_now();
    emb_matf pca;
    const emb_matf *x;
    emb_map_input_params mp = emb_map_input_default_params();   /* PCA-50 fitted on all rows */
    mp.n_threads = c->n_threads;
    mp.seed = c->seed;
    /* a graph g of the full vectors still serves: same neighbourhoods */
    emb_status st = emb_map_input(vec, &mp, &pca, &x);
    if (st) return cli_fail(st);
    emb_tsne_params tp = emb_tsne_default_params();
    tp.dims = dims;
    tp.perplexity = o->perplexity;
    tp.n_iter = o->n_iter;
    tp.early_exaggeration_iter = o->early_exaggeration_iter;
    tp.theta = o->theta;
    tp.method = o->method;
    tp.n_threads = c->n_threads;
    tp.seed = c->seed;
    tp.progress = c->progress;
    emb_tsne_stats ts = {0};
    st = emb_tsne_run(x, g, &tp, map, &ts);
    int64_t input_dims = x->cols;
    emb_matf_free(&pca);
    if (st) return cli_fail(st);
    double dt = emb_now() - t0;
    if (s) {
        emb_summary_set_string(s, "map.method", "tsne");
        emb_summary_set_number(s, "map.dims", dims);
        emb_summary_set_string(s, "map.tsne.gradient", emb_tsne_method_name(ts.method));
        emb_summary_set_number(s, "map.tsne.kl_divergence", ts.kl);
        emb_summary_set_number(s, "map.tsne.iterations", ts.iterations);
        emb_summary_set_number(s, "map.tsne.perplexity", o->perplexity);
        emb_summary_set_number(s, "map.tsne.k", ts.k);
        emb_summary_set_number(s, "map.tsne.pca_dims", (double)input_dims);
        emb_summary_set_number(s, "timings.map_s", dt);
    }
    cli_log(c, "map: t-SNE %dD (%s gradient), KL %.4f, %d iterations, %.2f s", dims,
            emb_tsne_method_name(ts.method), ts.kl, ts.iterations, dt);
    cli_log(c, "map: t-SNE phases: kNN %.2f s, affinities %.2f s, early %.2f s, final %.2f s "
            "(attractive %.2f s, repulsive %.2f s; FFT thread-s: spread %.2f, transforms %.2f, "
            "interpolation %.2f; grid up to %d)", ts.seconds_knn, ts.seconds_affinities - ts.seconds_knn,
            ts.seconds_early, ts.seconds_final, ts.seconds_attractive, ts.seconds_repulsive,
            ts.seconds_fft_spread, ts.seconds_fft_transform, ts.seconds_fft_interp, ts.fft_grid_max);
    return CLI_EXIT_OK;
}

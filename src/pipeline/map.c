/* map.c - the map stage: map.npy and map.csv, the t-SNE map (`embscope map
 * --method tsne`, emb_analyze_run with map "tsne": PCA-50 for wide vectors,
 * the run, its summary entries). */
#include "pipeline/pipeline.h"

#include <stdio.h>

#include <stdlib.h>
#include <string.h>

emb_tsne_opts emb_tsne_default_opts(void) {
    emb_tsne_params p = emb_tsne_default_params();
    emb_tsne_opts o;
    memset(&o, 0, sizeof o);
    o.perplexity = p.perplexity;
    o.n_iter = p.n_iter;
    o.early_exaggeration_iter = p.early_exaggeration_iter;
    o.theta = p.theta;
    o.method = EMB_TSNE_AUTO;
    return o;
}

emb_status emb_map_write_files(const char *out_dir, const emb_matf *map) {
    char *pn = emb__out_path(out_dir, "map.npy"), *pc = emb__out_path(out_dir, "map.csv");
    emb_status st = pn && pc ? emb_npy_write_f32(pn, map->data, map->rows, map->cols) : EMB_E_NOMEM;
    emb_outfile o = {0};
    if (!st) st = emb_outfile_open(&o, pc);
    if (!st) {
        static const char *AXES[] = {"x", "y", "z"};
        fputs("index", o.f);
        for (int64_t t = 0; t < map->cols; t++) {
            if (t < 3) fprintf(o.f, ",%s", AXES[t]);
            else fprintf(o.f, ",d%lld", (long long)t + 1);
        }
        fputc('\n', o.f);
        for (int64_t i = 0; i < map->rows; i++) {
            fprintf(o.f, "%lld", (long long)i);
            for (int64_t t = 0; t < map->cols; t++) fprintf(o.f, ",%.7g", map->data[i * map->cols + t]);
            fputc('\n', o.f);
        }
        st = emb_outfile_commit(&o);
    }
    free(pn);
    free(pc);
    return st;
}

emb_status emb_stage_tsne(const emb_analyze_params *c, const emb_matf *vec, const emb_knn *g, int dims,
                          emb_summary *s, emb_matf *map) {
    if (emb_matf_is_half(vec)) {   /* PCA and t-SNE on float32 rows */
        emb_matf wide = {0};
        const emb_matf *xf;
        emb_status ws = emb_matf_widen(vec, &wide, &xf);
        if (!ws) ws = emb_stage_tsne(c, xf, g, dims, s, map);
        emb_matf_free(&wide);
        return ws;
    }
    const emb_tsne_opts *o = &c->tsne;
    double t0 = emb_now();
    emb_matf pca;
    const emb_matf *x;
    emb_map_input_params mp = emb_map_input_default_params();   /* PCA-50 fitted on all rows */
    mp.n_threads = c->n_threads;
    mp.seed = c->seed;
    /* a graph g of the full vectors still serves: same neighbourhoods */
    emb_status st = emb_map_input(vec, &mp, &pca, &x);
    if (st) return st;
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
    if (st) return st;
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
    emb__log(c, "map: t-SNE %dD (%s gradient), KL %.4f, %d iterations, %.2f s", dims,
            emb_tsne_method_name(ts.method), ts.kl, ts.iterations, dt);
    emb__log(c, "map: t-SNE phases: kNN %.2f s, affinities %.2f s, early %.2f s, final %.2f s "
            "(attractive %.2f s, repulsive %.2f s; FFT thread-s: spread %.2f, transforms %.2f, "
            "interpolation %.2f; grid up to %d)", ts.seconds_knn, ts.seconds_affinities - ts.seconds_knn,
            ts.seconds_early, ts.seconds_final, ts.seconds_attractive, ts.seconds_repulsive,
            ts.seconds_fft_spread, ts.seconds_fft_transform, ts.seconds_fft_interp, ts.fft_grid_max);
    return EMB_OK;
}

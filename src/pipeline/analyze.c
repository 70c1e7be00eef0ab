/* analyze.c - emb_analyze_run: every stage in order, one kNN graph shared
 * by the later ones, summary.json at the end, then report.html. */
#include "pipeline/pipeline.h"

#include "core/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

emb_features_opts emb_features_default_opts(void) {
    emb_features_opts f;
    memset(&f, 0, sizeof f);
    f.kind = "pixels";
    f.pixels = emb_pixels_default_params();
    f.clip = emb_clip_default_params();
    return f;
}

emb_analyze_params emb_analyze_default_params(void) {
    emb_analyze_params p;
    memset(&p, 0, sizeof p);
    p.features = emb_features_default_opts();
    p.k = 15;
    p.knn_method = EMB_KNN_AUTO;
    p.map = "umap";
    p.dims = 3;
    p.tsne = emb_tsne_default_opts();
    p.clusters = emb_clusters_default_opts();
    p.findings = emb_findings_default_opts();
    p.seed = 42;
    p.mpi.size = 1;
    p.mpi.local_size = 1;
    return p;
}

static emb_status write_summary(const char *out_dir, const emb_analyze_params *p, emb_summary *s, bool say,
                                emb_analyze_info *info) {
    char *path = emb__out_path(out_dir, "summary.json");
    emb_status st = path ? emb_summary_write(s, path) : EMB_E_NOMEM;
    if (!st && say) emb__log(p, "analyze: wrote %s", path);
    if (st) info->output_error = true;
    free(path);
    return st;
}

static void add_params(emb_summary *s, const emb_analyze_params *p, const char *data) {
    const emb_features_opts *f = &p->features;
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
    emb_summary_set_number(s, "parameters.k", p->k);
    emb_summary_set_string(s, "parameters.map", p->map);
    emb_summary_set_number(s, "parameters.map_dims", p->dims);
    emb_summary_set_string(s, "parameters.clusters", p->clusters.method);
    if (p->clusters.k > 0) emb_summary_set_number(s, "parameters.clusters_k", p->clusters.k);
    emb_summary_set_number(s, "parameters.threads", emb_threads_resolve(p->n_threads));
    emb_summary_set_number(s, "parameters.seed", (double)p->seed);
    emb_summary_add_machine(s);
}

static emb_status stage_neighbors(const char *out_dir, const emb_analyze_params *p, const emb_analyze_vectors *e,
                                  emb_summary *s, emb_knn *g, emb_analyze_info *info) {
    double t0 = emb_now();
    emb_knn_params kp = emb_knn_default_params();
    kp.k = p->k;
    kp.method = p->knn_method;
    kp.storage = p->storage;
    kp.n_threads = p->n_threads;
    kp.seed = p->seed;
    kp.progress = p->progress;
    emb_status st = p->mpi.size > 1 ? emb_mpi_knn_build(&e->vec, &kp, g, NULL) : emb_knn_build(&e->vec, &kp, g);
    if (st) return st;
    if (p->mpi.rank > 0) return EMB_OK;   /* mpirun: the later stages run on rank 0 */
    if ((st = emb_knn_save(g, out_dir))) {
        info->output_error = true;
        return st;
    }
    double dt = emb_now() - t0;
    emb_summary_set_number(s, "timings.neighbors_s", dt);
    emb_summary_set_string(s, "neighbors.method", g->method == EMB_KNN_EXACT ? "exact" : "approximate");
    emb_summary_set_string(s, "neighbors.storage", g->method == EMB_KNN_EXACT ? "f32" : emb_storage_name(p->storage));
    emb_summary_set_string(s, "neighbors.reason", g->reason);
    emb_summary_set_string(s, "neighbors.metric", g->metric == EMB_METRIC_COSINE ? "cosine" : "euclidean");
    emb_summary_set_number(s, "neighbors.k", g->k);
    emb__log(p, "neighbors: k=%d, %s, %.2f s", g->k, g->reason, dt);
    return EMB_OK;
}

/* mpirun, ranks > 0: the neighbours over rank 0's OUT/embeddings.npy (mapped;
 * a .npy DATA is mapped already), then done: the later stages run on rank 0. */
static emb_status mpi_rank(const char *out_dir, const emb_analyze_params *p, emb_analyze_vectors *e,
                           emb_analyze_info *info) {
    emb_status st = EMB_OK;
    if (!e->vec.rows) {
        char *path = emb__out_path(out_dir, "embeddings.npy");
        st = path ? emb_npy_vectors_open(path, &e->file_vec) : EMB_E_NOMEM;
        free(path);
        e->vec = e->file_vec.m;
    }
    emb_knn g = {0};
    if (!st) st = stage_neighbors(out_dir, p, e, NULL, &g, info);
    emb_knn_free(&g);
    emb_analyze_vectors_free(e);
    return st;
}

/* Duplicates, leakage, outliers, label issues, class overlap, image checks;
 * for a detection export also duplicates and leakage between whole images. */
static emb_status stage_findings(const char *out_dir, const emb_analyze_params *p, const emb_analyze_vectors *e,
                                 const emb_knn *g, const float *p_zero_shot, emb_summary *s) {
    emb_analyze_params q = *p;
    emb_findings_opts *an = &q.findings;
    const emb_features_opts *f = &p->features;
    an->features = f->kind;
    if (e->ds->source == EMB_SOURCE_VECTORS) {
        /* a .npy: vectors of unknown origin (CLIP's 512, Fashion-MNIST's 784,
         * ...): no image shape unless the options gave one, and the
         * threshold of the `dups` command */
        an->features = NULL;
    } else if (!strcmp(f->kind, "pixels") && !an->img_w) {  /* the pixel vectors' image shape, for the shift search */
        bool idx = e->ds->source == EMB_SOURCE_IDX;
        an->img_w = idx ? e->ds->img_w : f->pixels.size;
        an->img_h = idx ? e->ds->img_h : f->pixels.size;
        an->img_c = idx || !f->pixels.color ? 1 : 3;
    }
    emb_status st = emb__stage_findings(out_dir, &q, e->ds, &e->vec, g, p_zero_shot, s);
    if (!st && e->ds->source != EMB_SOURCE_VECTORS) st = emb__stage_whole_images(out_dir, &q, e->ds, g->k, s);
    return st;
}

/* The map, from the shared kNN graph. That graph is built on the raw
 * vectors with the cosine metric; UMAP takes it as it is (cosine is what
 * umap-learn users choose for embeddings, and for pixel vectors it ranks
 * neighbours much as Euclidean distance does). */
static emb_status stage_map(const char *out_dir, const emb_analyze_params *p, const emb_analyze_vectors *e,
                            const emb_knn *g, emb_umap_cache *cache, emb_summary *s, emb_analyze_info *info) {
    if (!strcmp(p->map, "none")) return EMB_OK;
    double t0 = emb_now();
    emb_matf map = {0};
    emb_status st;
    if (!strcmp(p->map, "tsne")) {
        /* t-SNE on PCA-50 (D > 100) with its own Euclidean graph of 3 x
         * perplexity neighbours unless g has that many (map.c). */
        st = emb_stage_tsne(p, &e->vec, g, p->dims, s, &map);
        if (!st && (st = emb_map_write_files(out_dir, &map))) info->output_error = true;
        emb_matf_free(&map);
        return st;
    }
    emb_umap_params up = emb_umap_default_params();
    up.n_components = p->dims;
    up.n_threads = p->n_threads;
    up.seed = p->seed;
    up.progress = p->progress;
    up.cache = cache;
    emb_umap_info ui;
    st = emb_umap_run(g, &e->vec, &up, &map, &ui);
    if (!st && (st = emb_map_write_files(out_dir, &map))) info->output_error = true;
    emb_matf_free(&map);
    if (st) return st;
    double dt = emb_now() - t0;
    emb_summary_set_number(s, "timings.map_s", dt);
    emb_summary_set_string(s, "map.method", "umap");
    emb_summary_set_number(s, "map.dims", p->dims);
    emb_summary_set_string(s, "map.init", ui.init);
    emb_summary_set_number(s, "map.n_epochs", ui.n_epochs);
    emb_summary_set_number(s, "map.n_neighbors", up.n_neighbors);
    emb_summary_set_number(s, "map.min_dist", up.min_dist);
    emb_summary_set_number(s, "map.graph_components", ui.n_graph_components);
    emb_summary_set_bool(s, "map.shared_with_clusters", ui.shared_graph);
    emb__log(p, "map: UMAP %dD, %d epochs, init %s%s, %.2f s", p->dims, ui.n_epochs, ui.init,
             ui.shared_init ? " (shared with the clusters)" : ui.shared_graph ? " (graph shared with the clusters)" : "", dt);
    return EMB_OK;
}

/* Last stage: report.html from everything written so far (summary.json
 * included), then the summary again with the report's timing. */
static emb_status stage_report(const char *out_dir, const emb_analyze_params *p, emb_summary *s, double t_all,
                               double *cpu, emb_analyze_info *info) {
    double t0 = emb_now();
    emb_report_params rp = emb_report_default_params();
    rp.alpha_background_set = p->features.alpha_bg_set;
    memcpy(rp.alpha_background, p->features.alpha_bg, 3);
    rp.n_threads = p->n_threads;
    rp.progress = p->progress;
    emb_status st = emb_stage_report(out_dir, NULL, &rp, p, info->report_path, sizeof info->report_path);
    if (st) return st;
    emb_summary_set_number(s, "timings.report_s", emb_now() - t0);
    emb__resources_mark(s, "report", cpu);
    emb_summary_set_number(s, "timings.total_s", emb_now() - t_all);
    return write_summary(out_dir, p, s, true, info);
}

/* Parameters checked before any work. */
static emb_status check_params(const emb_analyze_params *p, emb_analyze_info *info) {
    const char *bad = NULL;
    char msg[160];
    if (!p->map || (strcmp(p->map, "umap") && strcmp(p->map, "tsne") && strcmp(p->map, "none"))) {
        snprintf(msg, sizeof msg, "map: '%s' is not umap, tsne or none", p->map ? p->map : "(null)");
        bad = msg;
    } else if (p->dims < 1 || p->dims > 100) {
        snprintf(msg, sizeof msg, "dims: %d is not in 1..100", p->dims);
        bad = msg;
    } else if (!strcmp(p->map, "tsne") && p->dims > 3) {
        bad = "--dims: t-SNE maps to 1, 2 or 3 dimensions";
    } else if (p->k < 1 || p->k > 1000) {
        snprintf(msg, sizeof msg, "k: %d is not in 1..1000", p->k);
        bad = msg;
    } else if (!p->clusters.method || (strcmp(p->clusters.method, "hdbscan") && strcmp(p->clusters.method, "kmeans") &&
                                       strcmp(p->clusters.method, "none"))) {
        snprintf(msg, sizeof msg, "clusters: '%s' is not hdbscan, kmeans or none",
                 p->clusters.method ? p->clusters.method : "(null)");
        bad = msg;
    } else if (!(p->zeroshot.weight >= 0 && p->zeroshot.weight <= 1)) {
        snprintf(msg, sizeof msg, "zero-shot weight: %g is not in 0..1", p->zeroshot.weight);
        bad = msg;
    }
    if (!bad) return EMB_OK;
    info->params_error = true;
    return emb__fail(EMB_E_INVALID, "%s", bad);
}

emb_status emb_analyze_run(const char *data, const char *out_dir, const emb_analyze_params *p,
                           emb_analyze_info *info_out) {
    emb_analyze_info info_own, *info = info_out ? info_out : &info_own;
    memset(info, 0, sizeof *info);
    emb_analyze_params def;
    if (!p) { def = emb_analyze_default_params(); p = &def; }
    if (!data || !out_dir) return emb__fail(EMB_E_INVALID, "analyze: a dataset and an output folder are needed");
    emb_status st = check_params(p, info);
    if (st) return st;
    double t_all = emb_now();

    emb_analyze_vectors e;
    if ((st = emb_stage_embed(data, out_dir, p, &e, info))) return st;
    if (p->mpi.rank > 0) return mpi_rank(out_dir, p, &e, info);   /* mpirun: neighbours, then done */
    emb_summary *s = emb_summary_new();
    emb_knn g = {0};
    emb_umap_cache *umap_cache = NULL;
    float *p_zero_shot = NULL;   /* (n, n_classes) zero-shot p for the label issues */
    if (!s) { st = emb__fail(EMB_E_NOMEM, "analyze: out of memory"); goto done; }
    add_params(s, p, data);
    emb_summary_set_number(s, "timings.embed_s", e.seconds);
    if ((st = emb__stage_zeroshot(out_dir, p, e.ds, &e.vec, s, &p_zero_shot, &info->params_error))) goto done;
    if ((st = emb__stage_searches(out_dir, p, e.ds, &e.vec, s, &info->params_error))) goto done;
    if ((st = emb_summary_add_dataset(s, e.ds, &e.skipped))) goto done;
    emb_summary_set_number(s, "embeddings.rows", (double)e.vec.rows);
    emb_summary_set_number(s, "embeddings.dims", (double)e.vec.cols);
    emb_summary_set_string(s, "embeddings.precision", e.vec.half ? "f16" : "f32");   /* as the stages read them */

    double cpu = 0;
    emb__resources_mark(s, "embed", &cpu);
    if ((st = stage_neighbors(out_dir, p, &e, s, &g, info))) goto done;
    emb__resources_mark(s, "neighbors", &cpu);
    if ((st = stage_findings(out_dir, p, &e, &g, p_zero_shot, s))) goto done;
    /* a mapped float16 .npy (--storage f16): the later stages read the graph
     * only, so the pages the duplicates and the label classifier read leave
     * the resident set (10 GB at 10M x 512) */
    if (e.vec.half) emb__release_pages(e.vec.half, sizeof(uint16_t) * (size_t)e.vec.rows * (size_t)e.vec.cols);
    emb__resources_mark(s, "findings", &cpu);
    /* The clustering UMAP (2D) and the map (UMAP, dims) share the fuzzy
     * graph and one spectral layout of max(2, dims) columns. */
    if (!strcmp(p->map, "umap") && (st = emb_umap_cache_new(p->dims > 2 ? p->dims : 2, &umap_cache))) goto done;
    if ((st = emb_stage_clusters(out_dir, p, e.ds, &e.vec, &g, umap_cache, s))) goto done;
    emb__resources_mark(s, "clusters", &cpu);
    if ((st = emb__stage_cluster_names(out_dir, p, e.ds, &e.vec, s, &info->params_error))) goto done;
    if ((st = stage_map(out_dir, p, &e, &g, umap_cache, s, info))) goto done;
    emb__resources_mark(s, "map", &cpu);
    emb_umap_cache_free(umap_cache);
    umap_cache = NULL;

    emb_summary_set_number(s, "timings.total_s", emb_now() - t_all);
    st = write_summary(out_dir, p, s, false, info);  /* the report reads it; rewritten below with its timing */
    if (!st) st = stage_report(out_dir, p, s, t_all, &cpu, info);
    if (!st) emb__log(p, "analyze: results in %s", out_dir);
    info->seconds = emb_now() - t_all;
done:
    free(p_zero_shot);
    if (st) info->report_path[0] = 0;
    emb_umap_cache_free(umap_cache);
    emb_knn_free(&g);
    emb_summary_free(s);
    emb_analyze_vectors_free(&e);
    return st;
}

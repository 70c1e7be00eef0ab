/* embed.c - the embed stage: open DATA, compute (or map) the vectors,
 * write items.csv, embeddings.npy, skipped.csv and annotation_issues.csv. */
#include "pipeline/pipeline.h"

#include "core/internal.h"

#include <stdlib.h>
#include <string.h>

void emb_analyze_vectors_free(emb_analyze_vectors *e) {
    if (!e) return;
    emb_dataset_free(e->ds);
    if (e->file_vec.m.data || e->file_vec.m.half) emb_npy_vectors_close(&e->file_vec);   /* vec is its matrix */
    else emb_matf_free(&e->vec);
    emb_skipped_free(&e->skipped);
    memset(e, 0, sizeof *e);
}

/* annotation_issues.csv where annotations or a label CSV were read (or something was listed). */
static emb_status write_annot_issues(const char *out_dir, const emb_dataset *ds) {
    if (!ds->box && !ds->labels_file && !ds->annot_issues.n) return EMB_OK;
    char *p = emb__out_path(out_dir, "annotation_issues.csv");
    emb_status st = p ? emb_annot_issues_write(p, &ds->annot_issues) : EMB_E_NOMEM;
    free(p);
    return st;
}

static emb_status write_outputs(const char *out_dir, emb_analyze_vectors *e) {
    char *p_items = emb__out_path(out_dir, "items.csv"), *p_emb = emb__out_path(out_dir, "embeddings.npy"),
         *p_skip = emb__out_path(out_dir, "skipped.csv");
    emb_status st = p_items && p_emb && p_skip ? emb_items_write(p_items, e->ds) : EMB_E_NOMEM;
    if (!st && e->vec.half) {   /* half-precision rows (--storage f16 on a float16 .npy): written as they are */
        int64_t shape[2] = {e->vec.rows, e->vec.cols};
        st = emb_npy_write(p_emb, EMB_DT_F16, e->vec.half, 2, shape);
        /* the mapping read through once: its pages leave the resident set
         * (the neighbours stage reads them again, block by block) */
        emb__release_pages(e->vec.half, sizeof(uint16_t) * (size_t)e->vec.rows * (size_t)e->vec.cols);
    } else if (!st) {
        st = emb_npy_write_f32(p_emb, e->vec.data, e->vec.rows, e->vec.cols);
    }
    if (!st) st = emb_skipped_write(p_skip, &e->skipped);
    if (!st) st = write_annot_issues(out_dir, e->ds);
    free(p_items);
    free(p_emb);
    free(p_skip);
    return st;
}

/* clip features: load the weights, embed every readable image. */
static emb_status clip_embed(const emb_analyze_params *p, const emb_dataset *ds, emb_embedding *e,
                             emb_skipped *skipped) {
    const emb_features_opts *f = &p->features;
    emb_clip_params cp = f->clip;
    cp.n_threads = p->n_threads;
    cp.progress = p->progress;
    emb_clip *m = NULL;
    emb_status st = emb_clip_load(f->model, &cp, &m);
    if (st) return st;
    emb_clip_info in = emb_clip_info_get(m);
    emb__log(p, "embed: CLIP %s names, width %d, %d layers, %d heads, patch %d, image %d, dim %d, %s, %s",
             in.naming, in.width, in.layers, in.heads, in.patch, in.image_size, in.dim,
             in.quick_gelu ? "quick_gelu" : "gelu", in.precision == EMB_CLIP_BF16 ? "bf16" : "f32");
    st = emb_clip_embed_dataset(ds, m, &cp, e, skipped);
    emb_clip_free(m);
    return st;
}

/* The items of ds (all of them, or one MPI rank's shard) to vectors. */
static emb_status embed_items(const emb_dataset *ds, void *ctx, emb_embedding *e, emb_skipped *skipped) {
    const emb_analyze_params *p = ctx;
    if (!strcmp(p->features.kind, "clip")) return clip_embed(p, ds, e, skipped);
    emb_pixels_params pp = p->features.pixels;
    pp.n_threads = p->n_threads;
    pp.progress = p->progress;
    return emb_pixels_embed(ds, &pp, e, skipped);
}

emb_status emb_stage_embed(const char *data, const char *out_dir, const emb_analyze_params *p,
                           emb_analyze_vectors *out, emb_analyze_info *info) {
    memset(out, 0, sizeof *out);
    const emb_features_opts *f = &p->features;
    if (!data || !out_dir) return emb__fail(EMB_E_INVALID, "analyze: a dataset and an output folder are needed");
    if (!f->kind || (strcmp(f->kind, "pixels") && strcmp(f->kind, "clip"))) {
        if (info) info->params_error = true;
        return emb__fail(EMB_E_INVALID, "features: '%s' is not known (pixels, clip)", f->kind ? f->kind : "(null)");
    }
    double t0 = emb_now();
    emb_dataset_params dp = emb_dataset_default_params();
    dp.class_names = f->class_names;
    dp.layout = f->layout;
    dp.unlabelled = f->labels && !strcmp(f->labels, "none");
    dp.labels_csv = dp.unlabelled ? NULL : f->labels;
    dp.box_margin = f->box_margin;
    dp.progress = p->progress;
    emb_status st = emb_mkdirs(out_dir);
    if (st) {
        if (info) info->output_error = true;
        return st;
    }
    if ((st = emb_dataset_open(data, &dp, &out->ds))) return st;
    emb__log(p, "embed: %s: %lld %s, %d classes%s%s%s", data, (long long)out->ds->n, out->ds->box ? "boxes" : "items",
             out->ds->n_classes, out->ds->layout_reason ? " (" : "", out->ds->layout_reason ? out->ds->layout_reason : "",
             out->ds->layout_reason ? ")" : "");
    if (out->ds->annot_issues.n)
        emb__log(p, "embed: %lld annotation problems, listed in annotation_issues.csv", (long long)out->ds->annot_issues.n);
    out->ds->alpha_bg_set = f->alpha_bg_set;
    memcpy(out->ds->alpha_bg, f->alpha_bg, 3);
    if (out->ds->source == EMB_SOURCE_VECTORS) {
        /* --storage f16 and a float16 file: every stage reads its rows in half
         * precision (no float32 copy of the whole matrix) */
        st = emb_npy_vectors_open_ex(data, p->storage == EMB_STORAGE_F16 && p->mpi.size <= 1, &out->file_vec);
        out->vec = out->file_vec.m;
        if (!st && out->vec.half) emb__log(p, "embed: %s: float16 rows kept in half precision (--storage f16)", data);
    } else {
        emb_mpi_stats ms = {0};   /* mpirun: each rank embeds a shard, rank 0 gathers (src/mpi/) */
        emb_embedding e = {0};
        st = p->mpi.size > 1 ? emb_mpi_embed(out->ds, embed_items, (void *)p, &e, &out->skipped, &ms)
                             : embed_items(out->ds, (void *)p, &e, &out->skipped);
        /* rank 0 (or the only process): ds keeps its readable items, row i = item i */
        if (!st && p->mpi.rank == 0) st = emb_dataset_apply_embedding(out->ds, &e);
        if (!st) out->vec = e.vectors, memset(&e.vectors, 0, sizeof e.vectors);
        emb_embedding_free(&e);
        if (!st && p->mpi.size > 1)
            emb__warn(p, "rank %d/%d: embed: %lld items, %.2f s computing, %.2f s gathering, %lld B sent, %lld B received",
                      p->mpi.rank, p->mpi.size, (long long)ms.items, ms.compute_s, ms.comm_s, (long long)ms.bytes_sent,
                      (long long)ms.bytes_received);
        /* the skipped list is worth writing even when nothing was readable */
        if (st && out->skipped.n && !strcmp(f->kind, "pixels")) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", emb_errmsg());   /* the embed failure's, kept over the write's */
            char *sp = emb__out_path(out_dir, "skipped.csv");
            emb_status ws = sp ? emb_skipped_write(sp, &out->skipped) : EMB_E_NOMEM;
            emb__warn(p, "%s: %lld files could not be read%s%s", data, (long long)out->skipped.n,
                      ws ? "" : "; the reasons are in ", ws ? "" : sp);
            free(sp);
            emb__fail(st, "%s", msg);
        }
    }
    if (info) info->n_skipped = out->skipped.n;
    if (st) { emb_analyze_vectors_free(out); return st; }
    emb_status wst = p->mpi.rank == 0 ? write_outputs(out_dir, out) : EMB_OK;
    if (wst && info) info->output_error = true;
    if (p->mpi.size > 1) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", emb_errmsg());
        st = emb_mpi_agree(wst ? EMB_E_IO : EMB_OK);
        if (wst) { st = wst; emb__fail(st, "%s", msg); }
    } else {
        st = wst;
    }
    if (p->mpi.rank > 0) {   /* rank 0 holds the vectors and writes */
        if (st) emb_analyze_vectors_free(out);
        return st;
    }
    out->seconds = emb_now() - t0;
    if (st) { emb_analyze_vectors_free(out); return st; }
    int64_t n_transparent = 0;
    for (int64_t i = 0; out->ds->transparent && i < out->ds->n; i++) n_transparent += out->ds->transparent[i];
    emb__log(p, "embed: %lld x %lld vectors, %lld skipped, %lld with transparency, %.2f s", (long long)out->vec.rows,
             (long long)out->vec.cols, (long long)out->skipped.n, (long long)n_transparent, out->seconds);
    if (info) {
        info->n_items = out->vec.rows;
        info->dims = out->vec.cols;
    }
    return EMB_OK;
}

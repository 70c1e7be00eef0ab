/* cmd_embed.c - `embscope embed DATA -o OUT`: items.csv, embeddings.npy,
 * skipped.csv. The embed stage itself is shared with `analyze`. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

int cli_features_opt(cli_features *f, int opt, const char *arg) {
    long v;
    switch (opt) {
    case CLI_OPT_FEATURES:
        if (strcmp(arg, "pixels") && strcmp(arg, "clip")) {
            fprintf(stderr, "embscope: --features: '%s' is not known (pixels, clip)\n", arg);
            return -1;
        }
        f->kind = arg;
        return 1;
    case CLI_OPT_PIXELS_SIZE:
        if (!cli_parse_int(arg, 1, 1024, &v)) { fprintf(stderr, "embscope: --pixels-size: '%s' is not in 1..1024\n", arg); return -1; }
        f->pixels.size = (int)v;
        return 1;
    case CLI_OPT_PIXELS_COLOR: f->pixels.color = true; return 1;
    case CLI_OPT_MODEL: f->model = arg; return 1;
    case CLI_OPT_PRECISION:
        if (!strcmp(arg, "f32")) f->clip.precision = EMB_CLIP_F32;
        else if (!strcmp(arg, "bf16")) f->clip.precision = EMB_CLIP_BF16;
        else { fprintf(stderr, "embscope: --precision: '%s' is not f32 or bf16\n", arg); return -1; }
        return 1;
    case CLI_OPT_BATCH:
        if (!cli_parse_int(arg, 1, 4096, &v)) { fprintf(stderr, "embscope: --batch: '%s' is not in 1..4096\n", arg); return -1; }
        f->clip.batch = (int)v;
        return 1;
    case CLI_OPT_CLASS_NAMES: f->class_names = arg; return 1;
    case CLI_OPT_FAST_DECODE: f->clip.fast_decode = true; return 1;
    case CLI_OPT_NO_OVERLAP: f->clip.overlap = false; return 1;
    case CLI_OPT_EXIF_ORIENTATION: f->pixels.exif_orientation = true; return 1;
    case CLI_OPT_ALPHA_BG:
        if (emb_color_parse(arg, f->alpha_bg)) { fprintf(stderr, "embscope: --alpha-background: %s\n", emb_errmsg()); return -1; }
        f->alpha_bg_set = true;
        return 1;
    case CLI_OPT_LAYOUT:
        if ((int)(f->layout = emb_layout_parse(arg)) <= 0) {   /* auto is the default, not a choice */
            fprintf(stderr, "embscope: --layout: '%s' is not flat, class, split-class, recursive, coco, yolo or voc\n", arg);
            return -1;
        }
        return 1;
    case CLI_OPT_LABELS: f->labels = arg; return 1;
    case CLI_OPT_BOX_MARGIN: {
        double m;
        if (!cli_parse_float(arg, 0, 10, &m)) { fprintf(stderr, "embscope: --box-margin: '%s' is not in 0..10\n", arg); return -1; }
        f->box_margin = m;
        return 1;
    }
    }
    return 0;
}

void cli_embedded_free(cli_embedded *e) {
    emb_dataset_free(e->ds);
    if (e->file_vec.m.data) emb_npy_vectors_close(&e->file_vec);   /* vec is its matrix */
    else emb_matf_free(&e->vec);
    emb_skipped_free(&e->skipped);
    memset(e, 0, sizeof *e);
}

/* annotation_issues.csv where annotations or a label CSV were read (or something was listed). */
static emb_status write_annot_issues(const cli_common *c, const emb_dataset *ds) {
    if (!ds->box && !ds->labels_file && !ds->annot_issues.n) return EMB_OK;
    char *p = cli_out_path(c, "annotation_issues.csv");
    emb_status st = emb_annot_issues_write(p, &ds->annot_issues);
    free(p);
    return st;
}

static int write_outputs(const cli_common *c, cli_embedded *e) {
    char *p_items = cli_out_path(c, "items.csv"), *p_emb = cli_out_path(c, "embeddings.npy"),
         *p_skip = cli_out_path(c, "skipped.csv");
    emb_status st = emb_items_write(p_items, e->ds);
    if (!st) st = emb_npy_write_f32(p_emb, e->vec.data, e->vec.rows, e->vec.cols);
    if (!st) st = emb_skipped_write(p_skip, &e->skipped);
    if (!st) st = write_annot_issues(c, e->ds);
    free(p_items);
    free(p_emb);
    free(p_skip);
    if (st) { cli_fail(st); return CLI_EXIT_FAIL; }
    return CLI_EXIT_OK;
}

/* --features clip: load the weights, embed every readable image. */
static emb_status clip_embed(const cli_common *c, const cli_features *f, emb_dataset *ds, emb_matf *vec,
                             emb_skipped *skipped) {
    emb_clip_params cp = f->clip;
    cp.n_threads = c->n_threads;
    cp.progress = c->progress;
    emb_clip *m = NULL;
    emb_status st = emb_clip_load(f->model, &cp, &m);
    if (st) return st;
    emb_clip_info in = emb_clip_info_get(m);
    cli_log(c, "embed: CLIP %s names, width %d, %d layers, %d heads, patch %d, image %d, dim %d, %s, %s",
            in.naming, in.width, in.layers, in.heads, in.patch, in.image_size, in.dim,
            in.quick_gelu ? "quick_gelu" : "gelu", in.precision == EMB_CLIP_BF16 ? "bf16" : "f32");
    st = emb_clip_embed_dataset(ds, m, &cp, vec, skipped);
    emb_clip_free(m);
    return st;
}

/* The items of ds (all of them, or one MPI rank's shard) to vectors. */
typedef struct { const cli_common *c; const cli_features *f; } embed_ctx;
static emb_status embed_items(emb_dataset *ds, void *ctx, emb_matf *vec, emb_skipped *skipped) {
    const embed_ctx *x = ctx;
    if (!strcmp(x->f->kind, "clip")) return clip_embed(x->c, x->f, ds, vec, skipped);
    emb_pixels_params pp = x->f->pixels;
    pp.n_threads = x->c->n_threads;
    pp.progress = x->c->progress;
    return emb_pixels_embed(ds, &pp, vec, skipped);
}

int cli_embed_stage(const cli_common *c, const cli_features *f, const char *data, cli_embedded *out) {
    memset(out, 0, sizeof *out);
    double t0 = emb_now();
    emb_dataset_params dp = emb_dataset_default_params();
    dp.class_names = f->class_names;
    dp.layout = f->layout;
    dp.unlabelled = f->labels && !strcmp(f->labels, "none");
    dp.labels_csv = dp.unlabelled ? NULL : f->labels;
    dp.box_margin = f->box_margin;
    dp.progress = c->progress;
    emb_status st = emb_mkdirs(c->out_dir);
    if (st) { cli_fail(st); return CLI_EXIT_FAIL; }
    if ((st = emb_dataset_open(data, &dp, &out->ds))) return cli_fail(st);
    cli_log(c, "embed: %s: %lld %s, %d classes%s%s%s", data, (long long)out->ds->n, out->ds->box ? "boxes" : "items",
            out->ds->n_classes, out->ds->layout_reason ? " (" : "", out->ds->layout_reason ? out->ds->layout_reason : "",
            out->ds->layout_reason ? ")" : "");
    if (out->ds->annot_issues.n)
        cli_log(c, "embed: %lld annotation problems, listed in annotation_issues.csv", (long long)out->ds->annot_issues.n);
    out->ds->alpha_bg_set = f->alpha_bg_set;
    memcpy(out->ds->alpha_bg, f->alpha_bg, 3);
    if (out->ds->source == EMB_SOURCE_VECTORS) {
        st = emb_npy_vectors_open(data, &out->file_vec);
        out->vec = out->file_vec.m;
    } else {
        embed_ctx ctx = {c, f};
        emb_mpi_stats ms = {0};   /* mpirun: each rank embeds a shard, rank 0 gathers (src/mpi/) */
        st = c->mpi.size > 1 ? emb_mpi_embed(out->ds, embed_items, &ctx, &out->vec, &out->skipped, &ms)
                             : embed_items(out->ds, &ctx, &out->vec, &out->skipped);
        if (!st && c->mpi.size > 1)
            fprintf(stderr, "embscope: rank %d/%d: embed: %lld items, %.2f s computing, %.2f s gathering, %lld B sent, %lld B received\n",
                    c->mpi.rank, c->mpi.size, (long long)ms.items, ms.compute_s, ms.comm_s, (long long)ms.bytes_sent,
                    (long long)ms.bytes_received);
        /* the skipped list is worth writing even when nothing was readable */
        if (st && out->skipped.n && !strcmp(f->kind, "pixels")) {
            char *p = cli_out_path(c, "skipped.csv");
            emb_status ws = emb_skipped_write(p, &out->skipped);
            fprintf(stderr, "embscope: %s: %lld files could not be read%s%s\n", data, (long long)out->skipped.n,
                    ws ? "" : "; the reasons are in ", ws ? "" : p);
            free(p);
        }
    }
    if (st) { int rc = cli_fail(st); cli_embedded_free(out); return rc; }
    int rc = c->mpi.rank == 0 ? write_outputs(c, out) : CLI_EXIT_OK;
    if (c->mpi.size > 1 && (st = emb_mpi_agree(rc ? EMB_E_IO : EMB_OK)) && !rc) rc = cli_fail(st);
    if (c->mpi.rank > 0) return rc;   /* rank 0 holds the vectors and writes */
    out->seconds = emb_now() - t0;
    if (rc) { cli_embedded_free(out); return rc; }
    int64_t n_transparent = 0;
    for (int64_t i = 0; out->ds->transparent && i < out->ds->n; i++) n_transparent += out->ds->transparent[i];
    cli_log(c, "embed: %lld x %lld vectors, %lld skipped, %lld with transparency, %.2f s", (long long)out->vec.rows,
            (long long)out->vec.cols, (long long)out->skipped.n, (long long)n_transparent, out->seconds);
    return CLI_EXIT_OK;
}

static const char *USAGE =
    "usage: embscope embed DATA -o OUT [options]\n"
    "\n"
    "Compute a vector for every item of DATA and write OUT/items.csv,\n"
    "OUT/embeddings.npy (N x D float32, row i = item i) and OUT/skipped.csv.\n"
    "DATA is an IDX folder or file (MNIST, Fashion-MNIST), an image folder\n"
    "(flat DATA/*.jpg, unlabelled; DATA/<class>/*.jpg; DATA/<train|valid|test>/\n"
    "<class>/*.jpg; or any depth, labelled by the first folder; symlinks\n"
    "followed; JPEG, PNG, WebP, BMP, TIFF, GIF, PNM, AVIF, HEIC), a detection\n"
    "export (COCO JSON, YOLO images/ + labels/ with data.yaml, Pascal VOC .xml\n"
    "per image: one item per box, path IMAGE#box<k>; bad annotations listed in\n"
    "annotation_issues.csv) or a .npy of vectors. Unreadable files are skipped\n"
    "and listed in skipped.csv.\n"
    "Under mpirun with R ranks (a build with -DEMB_MPI=ON), each rank embeds\n"
    "a contiguous shard of the items and rank 0 writes the same files.\n"
    "\n"
    "Options:\n" CLI_FEATURES_HELP CLI_COMMON_HELP;

int cmd_embed(int argc, char **argv) {
    cli_common c;
    cli_features f;
    cli_common_init(&c);
    cli_features_init(&f);
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS, CLI_FEATURES_LONGOPTS, {0, 0, 0, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        if (opt == 'h') { fputs(USAGE, stdout); return CLI_EXIT_OK; }
        int r = cli_common_opt(&c, opt, optarg);
        if (r == 0) r = cli_features_opt(&f, opt, optarg);
        if (r <= 0) return r < 0 ? CLI_EXIT_USAGE : cli_usage_error("embed", "unknown option");
    }
    if (optind + 1 != argc) return cli_usage_error("embed", "expected one DATA argument");
    if (!c.out_dir) return cli_usage_error("embed", "-o OUT is required");
    cli_common_finish(&c);
    cli_embedded e;
    int rc = cli_embed_stage(&c, &f, argv[optind], &e);
    cli_embedded_free(&e);
    return rc;
}

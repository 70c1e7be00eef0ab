/* cmd_embed.c - `embscope embed DATA -o OUT`: items.csv, embeddings.npy,
 * skipped.csv (the library's embed stage, emb_stage_embed); the features
 * options, shared with `analyze`. */
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
    emb_analyze_params p = cli_params(&c);
    p.features = f;
    emb_analyze_vectors e;
    emb_analyze_info info = {0};
    emb_status st = emb_stage_embed(argv[optind], c.out_dir, &p, &e, &info);
    emb_analyze_vectors_free(&e);
    if (!st) return CLI_EXIT_OK;
    int rc = cli_fail(st);
    return info.output_error ? CLI_EXIT_FAIL : rc;
}

/* stage_zeroshot.c - `analyze --features clip --zero-shot`: zero-shot
 * labels from CLIP's text tower (emb_clip_zeroshot_dataset): zero_shot.csv,
 * summary.json's zero_shot (classes, templates, accuracy against the given
 * labels, confusion matrix); unlabelled data with --classes takes the
 * zero-shot labels as its labels (items.csv rewritten), so the later
 * stages (label issues, class overlap, the report) use them. */
#include "cli.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void cli_zeroshot_init(cli_zeroshot *z) { memset(z, 0, sizeof *z); }

int cli_zeroshot_opt(cli_zeroshot *z, int opt, const char *arg) {
    switch (opt) {
    case CLI_OPT_ZERO_SHOT: z->on = true; return 1;
    case CLI_OPT_PROMPTS: z->prompts = arg; z->on = true; return 1;
    case CLI_OPT_CLASSES: z->classes = arg; z->on = true; return 1;
    case CLI_OPT_TOKENIZER: z->tokenizer = arg; return 1;
    }
    return 0;
}

/* Split s at commas (or read lines of a file) into *out, trimmed, empty
 * items dropped; returns the count, -1 when out of memory. */
static int split_list(char *s, char sep, char ***out) {
    int n = 0, cap = 16;
    char **v = malloc(sizeof *v * (size_t)cap);
    for (char *p = s; v && p && *p;) {
        char *e = strchr(p, sep);
        if (e) *e = 0;
        while (isspace((unsigned char)*p)) p++;
        char *t = p + strlen(p);
        while (t > p && isspace((unsigned char)t[-1])) *--t = 0;
        if (*p) {
            if (n == cap) { char **w = realloc(v, sizeof *v * (size_t)(cap *= 2)); if (!w) { free(v); return -1; } v = w; }
            v[n++] = p;
        }
        p = e ? e + 1 : NULL;
    }
    if (!v) return -1;
    *out = v;
    return n;
}

static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    for (size_t r; b && (r = fread(b + n, 1, cap - n - 1, f)) > 0;) {
        n += r;
        if (n + 1 == cap) { char *w = realloc(b, cap *= 2); if (!w) { free(b); b = NULL; } else b = w; }
    }
    fclose(f);
    if (b) b[n] = 0;
    return b;
}

/* summary.json zero_shot.confusion: {"labels": [...], "predicted": [...], "counts": [[...], ...]}. */
static void add_confusion(emb_summary *s, const emb_dataset *ds, const emb_zeroshot *z) {
    size_t cap = 256 + (size_t)(ds->n_classes + 1) * (size_t)(z->n_classes + 1) * 24;
    for (int l = 0; l < ds->n_classes; l++) cap += 2 * strlen(ds->class_names[l]) + 4;
    for (int c = 0; c < z->n_classes; c++) cap += 2 * strlen(z->classes[c]) + 4;
    char *j = malloc(cap), *p = j;
    if (!j) return;
    p += sprintf(p, "{\"labels\": [");
    for (int l = 0; l < ds->n_classes; l++) {
        *p++ = l ? ',' : ' ';
        *p++ = '"';
        for (const char *q = ds->class_names[l]; *q; q++) { if (*q == '"' || *q == '\\') *p++ = '\\'; if ((unsigned char)*q >= 0x20) *p++ = *q; }
        *p++ = '"';
    }
    p += sprintf(p, "], \"predicted\": [");
    for (int c = 0; c < z->n_classes; c++) {
        *p++ = c ? ',' : ' ';
        *p++ = '"';
        for (const char *q = z->classes[c]; *q; q++) { if (*q == '"' || *q == '\\') *p++ = '\\'; if ((unsigned char)*q >= 0x20) *p++ = *q; }
        *p++ = '"';
    }
    p += sprintf(p, "], \"counts\": [");
    for (int l = 0; l < ds->n_classes; l++) {
        p += sprintf(p, "%s[", l ? ", " : "");
        for (int c = 0; c < z->n_classes; c++) p += sprintf(p, "%s%lld", c ? ", " : "", (long long)z->confusion[(size_t)l * z->n_classes + c]);
        *p++ = ']';
    }
    sprintf(p, "]}");
    emb_summary_set_json(s, "zero_shot.confusion", j);
    free(j);
}

/* Unlabelled items take the zero-shot labels; items.csv is rewritten. */
static emb_status adopt_labels(const cli_common *c, emb_dataset *ds, const emb_zeroshot *z) {
    char **names = calloc((size_t)z->n_classes, sizeof *names);
    if (!names) return EMB_E_NOMEM;
    for (int k = 0; k < z->n_classes; k++) names[k] = strdup(z->classes[k]);
    for (int l = 0; l < ds->n_classes; l++) free(ds->class_names[l]);
    free(ds->class_names);
    ds->class_names = names;
    ds->n_classes = z->n_classes;
    for (int64_t i = 0; i < ds->n; i++) ds->label[i] = z->pred[i];
    char *p = cli_out_path(c, "items.csv");
    emb_status st = emb_items_write(p, ds);
    free(p);
    return st;
}

int cli_zeroshot_stage(const cli_common *c, const cli_zeroshot *z, const cli_features *f, emb_dataset *ds, const emb_matf *vec,
                       emb_summary *s) {
    if (!z->on) return CLI_EXIT_OK;
    if (strcmp(f->kind, "clip") || ds->source == EMB_SOURCE_VECTORS)
        return cli_usage_error("analyze", "--zero-shot needs --features clip on images (the text tower must match the image vectors)");
    double t0 = emb_now();
    bool labelled = false;
    for (int64_t i = 0; i < ds->n && !labelled; i++) labelled = ds->label && ds->label[i] >= 0;
    char *cls_buf = z->classes ? strdup(z->classes) : NULL, *tmpl_buf = NULL;
    char **cls = NULL, **tmpl = NULL;
    int rc = CLI_EXIT_OK, n_cls = 0, n_tmpl = 0;
    if (z->classes && (n_cls = split_list(cls_buf, ',', &cls)) < 2) {
        rc = cli_usage_error("analyze", "--classes: give at least two comma-separated class names");
        goto done;
    }
    if (z->prompts) {
        if (!(tmpl_buf = read_text(z->prompts))) { fprintf(stderr, "embscope: --prompts: %s cannot be read\n", z->prompts); rc = CLI_EXIT_INPUT; goto done; }
        if ((n_tmpl = split_list(tmpl_buf, '\n', &tmpl)) < 1) { fprintf(stderr, "embscope: --prompts: %s has no templates\n", z->prompts); rc = CLI_EXIT_INPUT; goto done; }
    }
    emb_zeroshot_params zp = emb_zeroshot_default_params();
    zp.model = f->model;
    zp.tokenizer = z->tokenizer;
    zp.classes = (const char *const *)cls;
    zp.n_classes = n_cls;
    zp.templates = (const char *const *)tmpl;
    zp.n_templates = n_tmpl;
    zp.clip = f->clip;
    zp.clip.n_threads = c->n_threads;
    emb_zeroshot r;
    emb_status st = emb_clip_zeroshot_dataset(ds, vec, &zp, &r);
    if (st) { rc = cli_fail(st); goto done; }
    bool adopt = !labelled && z->classes;
    char *p = cli_out_path(c, "zero_shot.csv");
    st = emb_zeroshot_write_csv(p, ds, &r);
    free(p);
    if (!st && adopt) st = adopt_labels(c, ds, &r);
    if (st) { rc = cli_fail(st); emb_zeroshot_free(&r); goto done; }
    emb_summary_set_number(s, "zero_shot.classes", r.n_classes);
    emb_summary_set_number(s, "zero_shot.templates", n_tmpl ? n_tmpl : 1);
    emb_summary_set_number(s, "zero_shot.logit_scale", r.logit_scale);
    emb_summary_set_number(s, "zero_shot.labelled", (double)r.n_labelled);
    if (r.n_labelled) emb_summary_set_number(s, "zero_shot.accuracy", (double)r.n_correct / (double)r.n_labelled);
    emb_summary_set_bool(s, "zero_shot.labels_from_zero_shot", adopt);
    if (labelled) add_confusion(s, ds, &r);
    emb_summary_set_number(s, "timings.zero_shot_s", emb_now() - t0);
    if (r.n_labelled) cli_log(c, "zero-shot: %d classes, accuracy %.4f on %lld labelled items", r.n_classes,
                              (double)r.n_correct / (double)r.n_labelled, (long long)r.n_labelled);
    else cli_log(c, "zero-shot: %d classes%s", r.n_classes, adopt ? ", taken as the labels" : "");
    emb_zeroshot_free(&r);
done:
    free(cls); free(cls_buf); free(tmpl); free(tmpl_buf);
    return rc;
}

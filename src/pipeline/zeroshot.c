/* zeroshot.c - emb_analyze_run with clip features and zero-shot on: zero-shot
 * labels from CLIP's text tower (emb_clip_zeroshot_dataset): zero_shot.csv,
 * summary.json's zero_shot (classes, templates, accuracy against the given
 * labels, confusion matrix); unlabelled data with --classes takes the
 * zero-shot labels as its labels (items.csv rewritten), so the later
 * stages (label issues, class overlap, the report) use them. After the
 * cluster stage: a name for each cluster (cluster_names.csv, summary.json
 * cluster_names), the nearest class prompt or --vocabulary entry. With
 * --queries: each text's nearest items (searches.csv, summary.json
 * searches, shown by the report: the page stays model-free). */
#include "pipeline/pipeline.h"

#include "core/internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The non-empty lines of file (NULL: none) into *lines (buf holds them). */
static emb_status read_lines(const char *what, const char *file, char **buf, char ***lines, int *n) {
    *n = 0;
    if (!file) return EMB_OK;
    if (!(*buf = read_text(file))) return emb__fail(EMB_E_IO, "%s: %s cannot be read", what, file);
    if ((*n = split_list(*buf, '\n', lines)) < 1) return emb__fail(EMB_E_FORMAT, "%s: %s has no entries", what, file);
    return EMB_OK;
}

/* A parameter that does not fit the data. */
static emb_status params_fail(bool *params_error, const char *msg) {
    if (params_error) *params_error = true;
    return emb__fail(EMB_E_INVALID, "%s", msg);
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
static emb_status adopt_labels(const char *out_dir, emb_dataset *ds, const emb_zeroshot *z) {
    char **names = calloc((size_t)z->n_classes, sizeof *names);
    if (!names) return EMB_E_NOMEM;
    for (int k = 0; k < z->n_classes; k++) names[k] = strdup(z->classes[k]);
    for (int l = 0; l < ds->n_classes; l++) free(ds->class_names[l]);
    free(ds->class_names);
    ds->class_names = names;
    ds->n_classes = z->n_classes;
    for (int64_t i = 0; i < ds->n; i++) ds->label[i] = z->pred[i];
    char *p = emb__out_path(out_dir, "items.csv");
    emb_status st = p ? emb_items_write(p, ds) : EMB_E_NOMEM;
    free(p);
    return st;
}

/* Labelled data: the zero-shot p over the dataset's classes into *p_label
 * for the label issues, or why not in summary.json (an error when a
 * weight > 0 asked for it). */
static emb_status label_probs(const emb_analyze_params *pp, const emb_dataset *ds, const emb_zeroshot *r, emb_summary *s,
                              float **p_label, bool *params_error) {
    const emb_zeroshot_opts *z = &pp->zeroshot;
    float *p = malloc(sizeof(float) * (size_t)(ds->n ? ds->n : 1) * (size_t)(ds->n_classes ? ds->n_classes : 1));
    if (!p) return emb__fail(EMB_E_NOMEM, "zero-shot: out of memory");
    emb_status st = emb_zeroshot_label_probs(r, ds, p);
    if (st == EMB_OK) { *p_label = p; return EMB_OK; }
    free(p);
    (void)params_error;   /* the data's classes, not a parameter: an input error */
    if (z->weight_set && z->weight > 0) {
        char why[512];   /* emb__fail formats into emb_errmsg()'s buffer */
        snprintf(why, sizeof why, "%s", emb_errmsg());
        return emb__fail(EMB_E_INVALID, "--zero-shot-weight: %s", why);
    }
    emb_summary_set_string(s, "stages_left_out.zero_shot_label_signal", emb_errmsg());
    emb__log(pp, "label issues: no zero_shot_score (%s)", emb_errmsg());
    return EMB_OK;
}

emb_status emb__stage_zeroshot(const char *out_dir, const emb_analyze_params *pp, emb_dataset *ds,
                               const emb_matf *vec, emb_summary *s, float **p_label, bool *params_error) {
    const emb_zeroshot_opts *z = &pp->zeroshot;
    const emb_features_opts *f = &pp->features;
    *p_label = NULL;
    if (z->weight_set && !z->on) return params_fail(params_error, "--zero-shot-weight needs --zero-shot");
    if (!z->on) return EMB_OK;
    if (strcmp(f->kind, "clip") || ds->source == EMB_SOURCE_VECTORS)
        return params_fail(params_error, "--zero-shot needs --features clip on images (the text tower must match the image vectors)");
    double t0 = emb_now();
    bool labelled = false;
    for (int64_t i = 0; i < ds->n && !labelled; i++) labelled = ds->label && ds->label[i] >= 0;
    char *cls_buf = z->classes ? strdup(z->classes) : NULL, *tmpl_buf = NULL;
    char **cls = NULL, **tmpl = NULL;
    emb_status st = EMB_OK;
    int n_cls = 0, n_tmpl = 0;
    if (z->classes && (n_cls = split_list(cls_buf, ',', &cls)) < 2) {
        st = params_fail(params_error, "--classes: give at least two comma-separated class names");
        goto done;
    }
    if ((st = read_lines("--prompts", z->prompts, &tmpl_buf, &tmpl, &n_tmpl))) goto done;
    emb_zeroshot_params zp = emb_zeroshot_default_params();
    zp.model = f->model;
    zp.tokenizer = z->tokenizer;
    zp.classes = (const char *const *)cls;
    zp.n_classes = n_cls;
    zp.templates = (const char *const *)tmpl;
    zp.n_templates = n_tmpl;
    zp.clip = f->clip;
    zp.clip.n_threads = pp->n_threads;
    emb_zeroshot r;
    st = emb_clip_zeroshot_dataset(ds, vec, &zp, &r);
    if (st) goto done;
    bool adopt = !labelled && z->classes;
    char *p = emb__out_path(out_dir, "zero_shot.csv");
    st = p ? emb_zeroshot_write_csv(p, ds, &r) : EMB_E_NOMEM;
    free(p);
    if (!st && adopt) st = adopt_labels(out_dir, ds, &r);
    if (st) { emb_zeroshot_free(&r); goto done; }
    /* labelled data: a third label-issue estimate (not when the labels are the zero-shot ones) */
    if (labelled && (st = label_probs(pp, ds, &r, s, p_label, params_error))) { emb_zeroshot_free(&r); goto done; }
    emb_summary_set_number(s, "zero_shot.classes", r.n_classes);
    emb_summary_set_number(s, "zero_shot.templates", n_tmpl ? n_tmpl : 1);
    emb_summary_set_number(s, "zero_shot.logit_scale", r.logit_scale);
    emb_summary_set_number(s, "zero_shot.labelled", (double)r.n_labelled);
    if (r.n_labelled) emb_summary_set_number(s, "zero_shot.accuracy", (double)r.n_correct / (double)r.n_labelled);
    emb_summary_set_bool(s, "zero_shot.labels_from_zero_shot", adopt);
    if (labelled) add_confusion(s, ds, &r);
    emb_summary_set_number(s, "timings.zero_shot_s", emb_now() - t0);
    if (r.n_labelled) emb__log(pp, "zero-shot: %d classes, accuracy %.4f on %lld labelled items", r.n_classes,
                              (double)r.n_correct / (double)r.n_labelled, (long long)r.n_labelled);
    else emb__log(pp, "zero-shot: %d classes%s", r.n_classes, adopt ? ", taken as the labels" : "");
    emb_zeroshot_free(&r);
done:
    free(cls); free(cls_buf); free(tmpl); free(tmpl_buf);
    return st;
}

static bool parse_int(const char *s, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return false;
    *out = v;
    return true;
}

/* Cluster ids of OUT/clusters.csv (index,cluster,...) into cl (n); the number of clusters, 0 if none, -1 on a bad file. */
static int read_clusters(const char *out_dir, int64_t n, int32_t *cl) {
    char *p = emb__out_path(out_dir, "clusters.csv");
    FILE *f = p ? fopen(p, "rb") : NULL;
    free(p);
    if (!f) return 0;
    char **fl;
    int nf, k = 0, rc = 0;
    int64_t rows = 0;
    for (int64_t i = 0; i < n; i++) cl[i] = -1;
    for (int r; (r = emb_csv_read_record(f, &fl, &nf)) == 1; emb_csv_record_free(fl, nf)) {
        if (rows++ == 0) continue;   /* the header */
        long idx, id;
        if (nf < 2 || !parse_int(fl[0], 0, n - 1, &idx) || !parse_int(fl[1], -1, INT32_MAX - 1, &id)) { rc = -1; continue; }
        cl[idx] = (int32_t)id;
        if (id + 1 > k) k = (int)id + 1;
    }
    fclose(f);
    return rc < 0 ? -1 : k;
}

emb_status emb__stage_cluster_names(const char *out_dir, const emb_analyze_params *pp, const emb_dataset *ds,
                                    const emb_matf *vec, emb_summary *s, bool *params_error) {
    const emb_zeroshot_opts *z = &pp->zeroshot;
    const emb_features_opts *f = &pp->features;
    if (!z->vocabulary && !z->on) return EMB_OK;
    if (strcmp(f->kind, "clip") || ds->source == EMB_SOURCE_VECTORS)
        return params_fail(params_error, "--vocabulary needs --features clip on images");
    double t0 = emb_now();
    int32_t *cl = malloc(sizeof(int32_t) * (size_t)(ds->n ? ds->n : 1));
    if (!cl) return emb__fail(EMB_E_NOMEM, "cluster names: out of memory");
    int nk = read_clusters(out_dir, ds->n, cl), n_names = 0, n_tmpl = 0;
    emb_status rc = EMB_OK;
    char *nbuf = NULL, *tbuf = NULL, **names = NULL, **tmpl = NULL, *cls_buf = NULL;
    if (nk <= 0) {
        if (nk < 0) emb__warn(pp, "cluster names: clusters.csv is not as the cluster stage wrote it; no names");
        goto done;
    }
    if (z->vocabulary) rc = read_lines("--vocabulary", z->vocabulary, &nbuf, &names, &n_names);
    else if (z->classes) n_names = split_list(cls_buf = strdup(z->classes), ',', &names);
    else { names = ds->class_names; n_names = ds->n_classes; }
    if (rc) goto done;
    if (n_names < 1) { emb__log(pp, "cluster names: no class names or --vocabulary: no names"); goto done; }
    if ((rc = read_lines("--prompts", z->prompts, &tbuf, &tmpl, &n_tmpl))) goto done;
    emb_clip_params cp = f->clip;
    cp.n_threads = pp->n_threads;
    emb_clip_text *tm = NULL;
    emb_clip_tokenizer *tok = NULL;
    char dir[4096];
    const char *slash = strrchr(f->model, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - f->model) : 1, slash ? f->model : ".");
    size_t E = (size_t)vec->cols;
    float *nv = malloc(sizeof(float) * (size_t)n_names * E), *sim = malloc(sizeof(float) * (size_t)nk), *mg = malloc(sizeof(float) * (size_t)nk);
    int32_t *best = malloc(sizeof(int32_t) * (size_t)nk), *second = malloc(sizeof(int32_t) * (size_t)nk);
    emb_status st = nv && sim && mg && best && second ? EMB_OK : EMB_E_NOMEM;
    if (!st) st = emb_clip_text_load(f->model, &cp, &tm);
    if (!st) st = emb_clip_tokenizer_load(z->tokenizer ? z->tokenizer : dir, &tok);
    if (!st) st = emb_clip_zeroshot_classes(tm, tok, (const char *const *)names, n_names, (const char *const *)tmpl, n_tmpl, nv);
    if (!st) st = emb_clip_cluster_names(vec, cl, nk, nv, n_names, best, second, sim, mg);
    emb_outfile o;
    char *p = emb__out_path(out_dir, "cluster_names.csv");
    if (!st && !p) st = EMB_E_NOMEM;
    if (!st) st = emb_outfile_open(&o, p);
    if (!st) {
        fprintf(o.f, "cluster,name,similarity,margin,runner_up\n");
        for (int k = 0; k < nk; k++) {
            if (best[k] < 0) continue;
            fprintf(o.f, "%d,", k);
            emb_csv_field(o.f, names[best[k]]);
            fprintf(o.f, ",%.6f,%.6f,", sim[k], mg[k]);
            emb_csv_field(o.f, second[k] >= 0 ? names[second[k]] : "");
            fputc('\n', o.f);
        }
        st = emb_outfile_commit(&o);
    }
    free(p);
    if (!st) {
        emb_summary_set_string(s, "cluster_names.from", z->vocabulary ? z->vocabulary : "class prompts");
        for (int k = 0; k < nk; k++) {
            if (best[k] < 0) continue;
            char key[64];
            snprintf(key, sizeof key, "cluster_names.clusters.%d.name", k);
            emb_summary_set_string(s, key, names[best[k]]);
            snprintf(key, sizeof key, "cluster_names.clusters.%d.similarity", k);
            emb_summary_set_number(s, key, sim[k]);
            snprintf(key, sizeof key, "cluster_names.clusters.%d.margin", k);
            emb_summary_set_number(s, key, mg[k]);
        }
        emb_summary_set_number(s, "timings.cluster_names_s", emb_now() - t0);
        emb__log(pp, "cluster names: %d clusters named from %d names", nk, n_names);
    }
    emb_clip_text_free(tm);
    emb_clip_tokenizer_free(tok);
    free(nv); free(sim); free(mg); free(best); free(second);
    if (st) rc = st;
done:
    if (names != ds->class_names) free(names);
    free(nbuf); free(tbuf); free(tmpl); free(cls_buf); free(cl);
    return rc;
}

#define SEARCH_TOP 10   /* results kept per --queries text */

emb_status emb__stage_searches(const char *out_dir, const emb_analyze_params *pp, const emb_dataset *ds,
                               const emb_matf *vec, emb_summary *s, bool *params_error) {
    const emb_zeroshot_opts *z = &pp->zeroshot;
    const emb_features_opts *f = &pp->features;
    if (!z->queries) return EMB_OK;
    if (strcmp(f->kind, "clip") || ds->source == EMB_SOURCE_VECTORS)
        return params_fail(params_error, "--queries needs --features clip on images");
    double t0 = emb_now();
    char *buf = NULL, **q = NULL;
    int nq = 0;
    emb_status rc = read_lines("--queries", z->queries, &buf, &q, &nq);
    if (rc) return rc;
    emb_clip_params cp = f->clip;
    cp.n_threads = pp->n_threads;
    emb_knn r = {0};
    emb_status st = emb_clip_search(vec, f->model, z->tokenizer, (const char *const *)q, nq, NULL, SEARCH_TOP, &cp, &r);
    emb_outfile o;
    char *p = emb__out_path(out_dir, "searches.csv");
    if (!st && !p) st = EMB_E_NOMEM;
    if (!st) st = emb_outfile_open(&o, p);
    if (!st) {
        fprintf(o.f, "query,rank,index,path,similarity\n");
        for (int i = 0; i < nq; i++)
            for (int j = 0; j < r.k && r.idx[(size_t)i * r.k + j] >= 0; j++) {
                int32_t it = r.idx[(size_t)i * r.k + j];
                double sim = 1.0 - r.dist[(size_t)i * r.k + j];
                emb_csv_field(o.f, q[i]);
                fprintf(o.f, ",%d,%d,", j + 1, it);
                emb_csv_field(o.f, ds->path[it]);
                fprintf(o.f, ",%.6f\n", sim);
                char key[96];
                snprintf(key, sizeof key, "searches.%d.query", i);
                emb_summary_set_string(s, key, q[i]);
                snprintf(key, sizeof key, "searches.%d.results.%d.index", i, j);
                emb_summary_set_number(s, key, it);
                snprintf(key, sizeof key, "searches.%d.results.%d.path", i, j);
                emb_summary_set_string(s, key, ds->path[it]);
                snprintf(key, sizeof key, "searches.%d.results.%d.similarity", i, j);
                emb_summary_set_number(s, key, sim);
            }
        st = emb_outfile_commit(&o);
    }
    free(p);
    emb_knn_free(&r);
    free(q);
    free(buf);
    if (st) return st;
    emb_summary_set_number(s, "timings.searches_s", emb_now() - t0);
    emb__log(pp, "searches: %d queries, top %d each, searches.csv", nq, SEARCH_TOP);
    return EMB_OK;
}

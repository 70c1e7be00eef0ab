/* clip_zeroshot.c - zero-shot labels of a dataset's CLIP image vectors
 * (Radford et al. 2021, sec. 3.1): the text tower embeds every class name in
 * the prompt templates (emb_clip_zeroshot_classes), each image gets the
 * class of highest logit_scale x cosine and its softmax probability
 * (emb_clip_zeroshot); against the dataset's labels (matched by name,
 * case-insensitively): accuracy and a confusion matrix; zero_shot.csv. */
#include "clip_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

emb_zeroshot_params emb_zeroshot_default_params(void) {
    emb_zeroshot_params p;
    memset(&p, 0, sizeof p);
    p.clip = emb_clip_default_params();
    return p;
}

void emb_zeroshot_free(emb_zeroshot *z) {
    if (!z) return;
    for (int c = 0; z->classes && c < z->n_classes; c++) free(z->classes[c]);
    free(z->classes); free(z->pred); free(z->prob); free(z->prob_all); free(z->label_class); free(z->confusion);
    memset(z, 0, sizeof *z);
}

/* The model's folder (tokenizer files beside the weights) into out. */
static void folder_of(const char *path, char *out, size_t cap) {
    const char *slash = strrchr(path, '/');
    snprintf(out, cap, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
}

emb_status emb_clip_zeroshot_dataset(const emb_dataset *ds, const emb_matf *vec, const emb_zeroshot_params *p, emb_zeroshot *out) {
    EMB__NEED_F32(vec, "zero-shot");
    if (!ds || !vec || !p || !out || vec->rows != ds->n) return emb__fail(EMB_E_INVALID, "emb_clip_zeroshot_dataset: bad arguments");
    const char *const *classes = p->classes;
    int nc = p->n_classes;
    if (nc <= 0) { classes = (const char *const *)ds->class_names; nc = ds->n_classes; }
    if (nc < 2) return emb__fail(EMB_E_INVALID, "zero-shot labels need at least two class names: the data has %d classes (give --classes a,b,c)", nc);
    memset(out, 0, sizeof *out);
    emb_clip_text *tm = NULL;
    emb_clip_tokenizer *tok = NULL;
    char dir[4096];
    if (!p->tokenizer) folder_of(p->model, dir, sizeof dir);
    emb_status st = emb_clip_text_load(p->model, &p->clip, &tm);
    if (!st) st = emb_clip_tokenizer_load(p->tokenizer ? p->tokenizer : dir, &tok);
    float *cv = NULL;
    if (!st && emb_clip_text_info_get(tm).dim != vec->cols)
        st = emb__fail(EMB_E_INVALID, "%s: the text tower gives %d-dimensional vectors, the images have %lld: not the model they were embedded with",
                       p->model, emb_clip_text_info_get(tm).dim, (long long)vec->cols);
    if (!st && !(cv = malloc(sizeof(float) * (size_t)nc * vec->cols))) st = emb__fail(EMB_E_NOMEM, "out of memory");
    if (!st) st = emb_clip_zeroshot_classes(tm, tok, classes, nc, p->templates, p->n_templates, cv);
    if (st) goto done;
    out->n = ds->n;
    out->n_classes = nc;
    out->logit_scale = emb_clip_text_info_get(tm).logit_scale;
    out->classes = calloc((size_t)nc, sizeof *out->classes);
    out->pred = malloc(sizeof(int32_t) * (size_t)(ds->n ? ds->n : 1));
    out->prob = malloc(sizeof(float) * (size_t)(ds->n ? ds->n : 1));
    out->prob_all = malloc(sizeof(float) * (size_t)(ds->n ? ds->n : 1) * nc);
    out->n_label_classes = ds->n_classes;
    out->label_class = malloc(sizeof(int32_t) * (size_t)(ds->n_classes ? ds->n_classes : 1));
    out->confusion = calloc((size_t)(ds->n_classes ? ds->n_classes : 1) * nc, sizeof(int64_t));
    if (!out->classes || !out->pred || !out->prob || !out->prob_all || !out->label_class || !out->confusion) { st = emb__fail(EMB_E_NOMEM, "out of memory"); goto done; }
    for (int c = 0; c < nc; c++)
        if (!(out->classes[c] = emb__strdup(classes[c]))) { st = emb__fail(EMB_E_NOMEM, "out of memory"); goto done; }
    for (int l = 0; l < ds->n_classes; l++) {   /* dataset class -> zero-shot class of the same name */
        out->label_class[l] = -1;
        for (int c = 0; c < nc && out->label_class[l] < 0; c++)
            if (!strcasecmp(ds->class_names[l], classes[c])) out->label_class[l] = c;
    }
    st = emb_clip_zeroshot(vec, cv, nc, out->logit_scale, out->pred, out->prob, out->prob_all);
    if (st) goto done;
    for (int64_t i = 0; i < ds->n; i++) {
        int32_t l = ds->label ? ds->label[i] : -1;
        if (l < 0 || l >= ds->n_classes) continue;
        out->confusion[(size_t)l * nc + out->pred[i]]++;
        if (out->label_class[l] < 0) continue;
        out->n_labelled++;
        out->n_correct += out->label_class[l] == out->pred[i];
    }
done:
    free(cv);
    emb_clip_text_free(tm);
    emb_clip_tokenizer_free(tok);
    if (st) emb_zeroshot_free(out);
    return st;
}

emb_status emb_zeroshot_write_csv(const char *path, const emb_dataset *ds, const emb_zeroshot *z) {
    emb_outfile o;
    emb_status st = emb_outfile_open(&o, path);
    if (st) return st;
    fprintf(o.f, "index,path,label,predicted,probability,agrees\n");
    for (int64_t i = 0; i < z->n; i++) {
        int32_t l = ds->label ? ds->label[i] : -1;
        bool known = l >= 0 && l < ds->n_classes;
        fprintf(o.f, "%lld,", (long long)i);
        emb_csv_field(o.f, ds->path[i]);
        fputc(',', o.f);
        emb_csv_field(o.f, known ? ds->class_names[l] : "");
        fputc(',', o.f);
        emb_csv_field(o.f, z->classes[z->pred[i]]);
        /* agrees: empty when the item has no label, or one no class is named like */
        const char *ag = !known || z->label_class[l] < 0 ? "" : z->label_class[l] == z->pred[i] ? "1" : "0";
        fprintf(o.f, ",%.6f,%s\n", z->prob[i], ag);
    }
    if (ferror(o.f)) { emb_outfile_abort(&o); return emb__fail(EMB_E_IO, "%s: write failed", path); }
    return emb_outfile_commit(&o);
}

emb_status emb_zeroshot_label_probs(const emb_zeroshot *z, const emb_dataset *ds, float *out) {
    if (!z || !ds || !out || z->n != ds->n || z->n_label_classes != ds->n_classes || !z->prob_all)
        return emb__fail(EMB_E_INVALID, "emb_zeroshot_label_probs: not the zero-shot labels of this dataset");
    int C = ds->n_classes, K = z->n_classes;
    for (int l = 0; l < C; l++)
        if (z->label_class[l] < 0)
            return emb__fail(EMB_E_INVALID, "zero-shot: no class is named '%s' (a dataset class): no zero-shot estimate for its items",
                             ds->class_names[l]);
    for (int64_t i = 0; i < z->n; i++)
        for (int l = 0; l < C; l++) out[(size_t)i * C + l] = z->prob_all[(size_t)i * K + z->label_class[l]];
    return EMB_OK;
}

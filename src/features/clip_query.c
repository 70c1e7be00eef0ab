/* clip_query.c - what CLIP's two towers do together: zero-shot labels
 * (Radford et al. 2021, sec. 3.1.2: each class name put into prompt
 * templates, the text vectors of one class averaged and renormalised
 * ("prompt ensembling", sec. 3.1.4), softmax of logit_scale x cosine over
 * the classes), one image file's vector for `embscope search --image`, and
 * the model a results folder was made with (summary.json parameters.model),
 * and names for clusters (the nearest text to the mean of their members). */
#include "clip_internal.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZS_MAX_PROMPT 4096   /* bytes of one filled-in template */

/* template with its first "{}" replaced by name into out (cap bytes). */
static bool fill(const char *tmpl, const char *name, char *out, size_t cap) {
    const char *hole = strstr(tmpl, "{}");
    if (!hole) return false;
    int n = snprintf(out, cap, "%.*s%s%s", (int)(hole - tmpl), tmpl, name, hole + 2);
    return n >= 0 && (size_t)n < cap;
}

emb_status emb_clip_zeroshot_classes(const emb_clip_text *m, const emb_clip_tokenizer *tok, const char *const *classes, int n_classes,
                                     const char *const *templates, int n_templates, float *out) {
    static const char *const def[1] = {EMB_CLIP_DEFAULT_TEMPLATE};
    if (!m || !tok || !classes || n_classes < 1 || !out || n_templates < 0 || (n_templates && !templates))
        return emb__fail(EMB_E_INVALID, "emb_clip_zeroshot_classes: bad arguments");
    if (!n_templates) { templates = def; n_templates = 1; }
    for (int t = 0; t < n_templates; t++)
        if (!strstr(templates[t], "{}")) return emb__fail(EMB_E_INVALID, "prompt template %d ('%.80s') has no {} for the class name", t + 1, templates[t]);
    const int E = emb_clip_text_info_get(m).dim;
    char **texts = calloc((size_t)n_templates, sizeof *texts);
    float *v = malloc(sizeof(float) * (size_t)n_templates * E);
    emb_status st = texts && v ? EMB_OK : emb__fail(EMB_E_NOMEM, "out of memory");
    for (int t = 0; t < n_templates && !st; t++)
        if (!(texts[t] = malloc(ZS_MAX_PROMPT))) st = emb__fail(EMB_E_NOMEM, "out of memory");
    for (int c = 0; c < n_classes && !st; c++) {
        for (int t = 0; t < n_templates && !st; t++)
            if (!fill(templates[t], classes[c], texts[t], ZS_MAX_PROMPT))
                st = emb__fail(EMB_E_INVALID, "class '%.80s' in template %d is longer than %d bytes", classes[c], t + 1, ZS_MAX_PROMPT);
        if (!st) st = emb_clip_text_embed_strings(m, tok, (const char *const *)texts, n_templates, v);
        if (st) break;
        /* mean of the unit vectors, renormalised */
        float *o = out + (size_t)c * E;
        double s = 0;
        for (int i = 0; i < E; i++) {
            double a = 0;
            for (int t = 0; t < n_templates; t++) a += v[(size_t)t * E + i];
            o[i] = (float)(a / n_templates);
            s += (double)o[i] * o[i];
        }
        float inv = s > 0 ? (float)(1.0 / sqrt(s)) : 0.0f;
        for (int i = 0; i < E; i++) o[i] *= inv;
    }
    for (int t = 0; texts && t < n_templates; t++) free(texts[t]);
    free(texts);
    free(v);
    return st;
}

emb_status emb_clip_zeroshot(const emb_matf *images, const float *class_vec, int n_classes, float logit_scale, int32_t *pred,
                             float *prob, float *prob_all) {
    EMB__NEED_F32(images, "zero-shot");
    if (!images || !class_vec || n_classes < 1 || !pred || !(logit_scale > 0))
        return emb__fail(EMB_E_INVALID, "emb_clip_zeroshot: bad arguments");
    const int64_t n = images->rows, E = images->cols;
    double *lg = malloc(sizeof(double) * (size_t)n_classes);
    if (!lg) return emb__fail(EMB_E_NOMEM, "out of memory");
    for (int64_t i = 0; i < n; i++) {
        const float *x = images->data + (size_t)i * E;
        double nx = 0, best = -INFINITY, sum = 0;
        for (int64_t j = 0; j < E; j++) nx += (double)x[j] * x[j];
        nx = nx > 0 ? 1.0 / sqrt(nx) : 0;
        int arg = 0;
        for (int c = 0; c < n_classes; c++) {
            double d = 0;
            for (int64_t j = 0; j < E; j++) d += (double)x[j] * class_vec[(size_t)c * E + j];
            lg[c] = logit_scale * d * nx;
            if (lg[c] > best) { best = lg[c]; arg = c; }
        }
        for (int c = 0; c < n_classes; c++) sum += exp(lg[c] - best);
        pred[i] = arg;
        if (prob) prob[i] = (float)(1.0 / sum);
        if (prob_all) for (int c = 0; c < n_classes; c++) prob_all[(size_t)i * n_classes + c] = (float)(exp(lg[c] - best) / sum);
    }
    free(lg);
    return EMB_OK;
}

emb_status emb_clip_cluster_names(const emb_matf *images, const int32_t *cluster, int n_clusters, const float *name_vec, int n_names,
                                  int32_t *best, int32_t *second, float *sim, float *margin) {
    EMB__NEED_F32(images, "cluster names");
    if (!images || !cluster || n_clusters < 1 || !name_vec || n_names < 1 || !best || !sim || !margin)
        return emb__fail(EMB_E_INVALID, "emb_clip_cluster_names: bad arguments");
    const int64_t n = images->rows, E = images->cols;
    double *mean = calloc((size_t)n_clusters * E, sizeof(double));
    if (!mean) return emb__fail(EMB_E_NOMEM, "out of memory");
    for (int64_t i = 0; i < n; i++) {   /* the mean of each cluster's unit vectors */
        if (cluster[i] < 0 || cluster[i] >= n_clusters) continue;
        const float *x = images->data + (size_t)i * E;
        double nx = 0;
        for (int64_t j = 0; j < E; j++) nx += (double)x[j] * x[j];
        nx = nx > 0 ? 1.0 / sqrt(nx) : 0;
        for (int64_t j = 0; j < E; j++) mean[(size_t)cluster[i] * E + j] += x[j] * nx;
    }
    for (int c = 0; c < n_clusters; c++) {
        double *m = mean + (size_t)c * E, nm = 0;
        for (int64_t j = 0; j < E; j++) nm += m[j] * m[j];
        nm = nm > 0 ? 1.0 / sqrt(nm) : 0;
        double b1 = -INFINITY, b2 = -INFINITY;
        int i1 = -1, i2 = -1;
        for (int k = 0; k < n_names; k++) {
            double d = 0;
            for (int64_t j = 0; j < E; j++) d += m[j] * name_vec[(size_t)k * E + j];
            d *= nm;
            if (d > b1) { b2 = b1; i2 = i1; b1 = d; i1 = k; }
            else if (d > b2) { b2 = d; i2 = k; }
        }
        best[c] = nm > 0 ? i1 : -1;   /* an empty cluster gets no name */
        if (second) second[c] = nm > 0 ? i2 : -1;
        sim[c] = nm > 0 ? (float)b1 : 0.0f;
        margin[c] = nm > 0 && i2 >= 0 ? (float)(b1 - b2) : 0.0f;
    }
    free(mean);
    return EMB_OK;
}

emb_status emb_clip_embed_image_file(const emb_clip *m, const char *path, float *out) {
    if (!m || !path || !out) return emb__fail(EMB_E_INVALID, "emb_clip_embed_image_file: bad arguments");
    emb_image im;
    emb_status st = emb_image_load(path, &im);
    if (st) return st;
    int S = m->info.image_size;
    float *px = malloc(sizeof(float) * 3 * (size_t)S * S);
    emb_clip_ws *ws = emb_clip_ws_new(m, 1);
    st = px && ws ? emb_clip_preprocess(&im, S, NULL, px) : emb__fail(EMB_E_NOMEM, "out of memory");
    if (!st) st = emb_clip_embed(m, ws, px, 1, out);
    emb_image_free(&im);
    emb_clip_ws_free(ws);
    free(px);
    return st;
}

char *emb_clip_results_model(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    unsigned char *txt = NULL;
    size_t len = 0;
    if (emb__read_file(path, 64 << 20, &txt, &len)) return NULL;
    cJSON *root = cJSON_ParseWithLength((const char *)txt, len);
    free(txt);
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(root, "parameters");
    const cJSON *mo = cJSON_GetObjectItemCaseSensitive(p, "model");
    char *r = cJSON_IsString(mo) && mo->valuestring[0] ? emb__strdup(mo->valuestring) : NULL;
    cJSON_Delete(root);
    return r;
}

emb_status emb_clip_search(const emb_matf *items, const char *model, const char *tokenizer, const char *const *texts, int64_t n_texts,
                           const char *image, int k, const emb_clip_params *params, emb_knn *out) {
    EMB__NEED_F32(items, "search");
    if (!items || !model || !out || k < 1 || (!image && (n_texts < 1 || !texts)))
        return emb__fail(EMB_E_INVALID, "emb_clip_search: bad arguments");
    emb_clip_params cp = params ? *params : emb_clip_default_params();
    emb_matf q = {0};
    emb_status st;
    if (image) {
        emb_clip *m = NULL;
        if ((st = emb_clip_load(model, &cp, &m))) return st;
        st = emb_matf_alloc(&q, 1, m->info.dim);
        if (!st) st = emb_clip_embed_image_file(m, image, q.data);
        emb_clip_free(m);
    } else {
        emb_clip_text *tm = NULL;
        emb_clip_tokenizer *tok = NULL;
        char dir[4096];
        const char *slash = strrchr(model, '/');
        snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - model) : 1, slash ? model : ".");
        st = emb_clip_text_load(model, &cp, &tm);
        if (!st) st = emb_clip_tokenizer_load(tokenizer ? tokenizer : dir, &tok);
        if (!st) st = emb_matf_alloc(&q, n_texts, emb_clip_text_info_get(tm).dim);
        if (!st) st = emb_clip_text_embed_strings(tm, tok, texts, n_texts, q.data);
        emb_clip_tokenizer_free(tok);
        emb_clip_text_free(tm);
    }
    if (!st && q.cols != items->cols)
        st = emb__fail(EMB_E_INVALID, "%s gives %lld-dimensional vectors, the items have %lld: they were not embedded with this model",
                       model, (long long)q.cols, (long long)items->cols);
    if (!st) {
        emb_knn_params kp = emb_knn_default_params();
        kp.k = (int)(k < items->rows ? k : items->rows);
        kp.metric = EMB_METRIC_COSINE;
        kp.n_threads = cp.n_threads;
        st = emb_knn_query(items, &q, &kp, out);
    }
    emb_matf_free(&q);
    return st;
}

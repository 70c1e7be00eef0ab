/* summary.c - the analysis stage's counts and findings in summary.json. */
#include "analysis/analysis.h"
#include "io/io.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cJSON *item_json(const emb_dataset *ds, int64_t i) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "index", (double)i);
    if (ds && ds->path) cJSON_AddStringToObject(o, "path", ds->path[i]);
    if (ds && ds->split) cJSON_AddStringToObject(o, "split", emb_split_name((emb_split)ds->split[i]));
    if (ds && ds->label) cJSON_AddStringToObject(o, "label", emb__label_name(ds, i));
    return o;
}

typedef struct { float s; int64_t i; } score_item;
static int cmp_desc(const void *x, const void *y) {
    const score_item *a = x, *b = y;
    if (a->s != b->s) return a->s > b->s ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* Indices of the top scores (at most top), by descending score; -1 padded. */
static int64_t top_items(const float *score, int64_t n, const uint8_t *skip, int top, int64_t *out) {
    score_item *si = malloc(sizeof *si * (size_t)(n ? n : 1));
    if (!si) return -1;
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++) if (!skip || !skip[i]) si[m++] = (score_item){score[i], i};
    qsort(si, (size_t)m, sizeof *si, cmp_desc);
    int64_t t = m < top ? m : top;
    for (int64_t a = 0; a < t; a++) out[a] = si[a].i;
    free(si);
    return t;
}

static const char *split_key(int s) { return s == EMB_SPLIT_TRAIN ? "train" : s == EMB_SPLIT_VALID ? "valid" : s == EMB_SPLIT_TEST ? "test" : "none"; }

emb_status emb_summary_add_duplicates(emb_summary *s, const emb_dataset *ds, const emb_dups *d,
                                      const emb_leakage *lk, float threshold, int top) {
    return emb_summary_add_duplicates_at(s, NULL, ds, d, lk, threshold, top);
}

/* "<prefix>.<name>", or name alone without a prefix */
static const char *key_at(char *buf, size_t cap, const char *prefix, const char *name) {
    if (!prefix || !*prefix) return name;
    snprintf(buf, cap, "%s.%s", prefix, name);
    return buf;
}

emb_status emb_summary_add_duplicates_at(emb_summary *s, const char *prefix, const emb_dataset *ds, const emb_dups *d,
                                         const emb_leakage *lk, float threshold, int top) {
    char key[256];
    cJSON *o = cJSON_CreateObject();
    if (!o) return emb__fail(EMB_E_NOMEM, "out of memory");
    cJSON_AddNumberToObject(o, "threshold", threshold);
    cJSON_AddNumberToObject(o, "exact_sets", (double)d->n_exact_sets);
    cJSON_AddNumberToObject(o, "exact_extra_items", (double)d->n_exact_extra);
    cJSON_AddNumberToObject(o, "copy_pairs", (double)d->n_copy_pairs);
    cJSON_AddNumberToObject(o, "similar_pairs", (double)d->n_similar_pairs);
    cJSON_AddNumberToObject(o, "shifted_pairs", (double)d->n_shifted_pairs);
    /* the headline: exact + copy groups (sure); similar groups are possible duplicates */
    int64_t sure_groups = d->n_groups_kind[EMB_DUP_EXACT] + d->n_groups_kind[EMB_DUP_COPY];
    int64_t sure_items = d->n_items_kind[EMB_DUP_EXACT] + d->n_items_kind[EMB_DUP_COPY];
    cJSON_AddNumberToObject(o, "groups", (double)sure_groups);
    cJSON_AddNumberToObject(o, "items_in_groups", (double)sure_items);
    cJSON_AddNumberToObject(o, "removable_items", (double)(sure_items - sure_groups));
    cJSON *bk = cJSON_AddObjectToObject(o, "by_kind");
    for (int k = EMB_DUP_EXACT; k <= EMB_DUP_SIMILAR; k++) {
        cJSON *e = cJSON_AddObjectToObject(bk, emb_dup_kind_name((emb_dup_kind)k));
        cJSON_AddNumberToObject(e, "groups", (double)d->n_groups_kind[k]);
        cJSON_AddNumberToObject(e, "items", (double)d->n_items_kind[k]);
    }
    cJSON_AddNumberToObject(o, "widened_items", (double)d->n_widened);
    cJSON_AddNumberToObject(o, "widened_truncated", (double)d->n_widen_truncated);
    cJSON_AddNumberToObject(o, "unmerged_pairs", (double)d->n_unmerged_pairs);
    /* exact sets and groups within one split or across splits */
    int64_t ex_within[4] = {0}, ex_across = 0, gr_within[4] = {0}, gr_across = 0;
    uint8_t *seen = calloc((size_t)(d->n ? d->n : 1), 1);
    if (seen && ds && ds->split) {
        for (int64_t i = 0; i < d->n; i++) {
            int64_t r = d->exact_root[i];
            if (r == i || seen[r]) continue;
            seen[r] = 1;
            uint8_t sp = ds->split[r];
            bool across = false;
            for (int64_t j = r; j < d->n; j++)  /* members of r's set follow r */
                if (d->exact_root[j] == r && ds->split[j] != sp) { across = true; break; }
            if (across) ex_across++;
            else ex_within[sp < 4 ? sp : 0]++;
        }
        for (int64_t g = 0; g < d->n_groups; g++) {
            uint8_t sp = ds->split[d->item[d->start[g]]];
            bool across = false;
            for (int64_t a = d->start[g]; a < d->start[g + 1]; a++) across |= ds->split[d->item[a]] != sp;
            if (across) gr_across++;
            else gr_within[sp < 4 ? sp : 0]++;
        }
        cJSON *ew = cJSON_AddObjectToObject(o, "exact_sets_within_split"), *gw = cJSON_AddObjectToObject(o, "groups_within_split");
        for (int sp = 0; sp < 4; sp++) {
            if (ex_within[sp]) cJSON_AddNumberToObject(ew, split_key(sp), (double)ex_within[sp]);
            if (gr_within[sp]) cJSON_AddNumberToObject(gw, split_key(sp), (double)gr_within[sp]);
        }
        cJSON_AddNumberToObject(o, "exact_sets_across_splits", (double)ex_across);
        cJSON_AddNumberToObject(o, "groups_across_splits", (double)gr_across);
    }
    free(seen);
    /* largest groups */
    cJSON *big = cJSON_AddArrayToObject(o, "largest_groups");
    float *sz = malloc(sizeof(float) * (size_t)(d->n_groups ? d->n_groups : 1));
    int64_t *ti = malloc(sizeof(int64_t) * (size_t)(top > 0 ? top : 1));
    if (sz && ti) {
        for (int64_t g = 0; g < d->n_groups; g++) sz[g] = (float)(d->start[g + 1] - d->start[g]);
        int64_t t = top_items(sz, d->n_groups, NULL, top, ti);
        for (int64_t a = 0; a < t; a++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "group", (double)ti[a]);
            cJSON_AddNumberToObject(e, "size", sz[ti[a]]);
            cJSON_AddItemToObject(e, "representative", item_json(ds, d->item[d->start[ti[a]]]));
            cJSON_AddItemToArray(big, e);
        }
    }
    free(sz);
    free(ti);
    emb_status st = emb__summary_put(s, key_at(key, sizeof key, prefix, "duplicates"), o);
    if (st || !lk) return st;
    cJSON *l = cJSON_CreateObject();
    /* pairs of items in two splits: exact + copy (sure), similar apart */
    cJSON_AddNumberToObject(l, "pairs", (double)lk->n_sure);
    cJSON_AddNumberToObject(l, "items", (double)lk->n_items);
    cJSON_AddNumberToObject(l, "similar_pairs", (double)(lk->n_pairs - lk->n_sure));
    cJSON_AddNumberToObject(l, "groups", (double)lk->n_groups);
    cJSON *pairs = cJSON_AddObjectToObject(l, "split_pairs"), *sp = cJSON_AddObjectToObject(l, "similar_split_pairs");
    static const int st_[3][2] = {{EMB_SPLIT_TRAIN, EMB_SPLIT_TEST}, {EMB_SPLIT_TRAIN, EMB_SPLIT_VALID}, {EMB_SPLIT_VALID, EMB_SPLIT_TEST}};
    static const char *names[3] = {"train-test", "train-valid", "valid-test"};
    for (int q = 0; q < 3; q++) {
        int a = st_[q][0] < st_[q][1] ? st_[q][0] : st_[q][1], b = st_[q][0] < st_[q][1] ? st_[q][1] : st_[q][0];
        cJSON_AddNumberToObject(pairs, names[q], (double)lk->pairs[a][b]);
        cJSON_AddNumberToObject(sp, names[q], (double)lk->similar_pairs[a][b]);
    }
    return emb__summary_put(s, key_at(key, sizeof key, prefix, "leakage"), l);
}

emb_status emb_summary_add_outliers(emb_summary *s, const emb_dataset *ds, const float *score, int64_t n,
                                    emb_outlier_method method, const emb_outlier_rule *rule, int top) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "method", method == EMB_OUTLIER_LOF         ? "lof"
                                          : method == EMB_OUTLIER_HELLINGER ? "knn_mean_hellinger"
                                                                            : "knn_mean_distance");
    cJSON_AddNumberToObject(o, "ranked", (double)n);
    if (rule) {
        cJSON_AddNumberToObject(o, "flagged", (double)rule->n_flagged);
        char txt[160];
        snprintf(txt, sizeof txt, "score > Q3 + %g (Q3 - Q1) of the scores (upper IQR fence)", (double)rule->fence);
        cJSON_AddStringToObject(o, "rule", txt);
        cJSON_AddNumberToObject(o, "threshold", rule->threshold);
        cJSON_AddNumberToObject(o, "q1", rule->q1);
        cJSON_AddNumberToObject(o, "q3", rule->q3);
    }
    cJSON *arr = cJSON_AddArrayToObject(o, "top");
    int64_t *ti = malloc(sizeof(int64_t) * (size_t)(top > 0 ? top : 1));
    int64_t t = ti ? top_items(score, n, NULL, top, ti) : 0;
    for (int64_t a = 0; a < t; a++) {
        cJSON *e = item_json(ds, ti[a]);
        cJSON_AddNumberToObject(e, "score", score[ti[a]]);
        cJSON_AddItemToArray(arr, e);
    }
    free(ti);
    return emb__summary_put(s, "outliers", o);
}

typedef struct { float rate; int a, b; } conf_pair;
static int cmp_conf(const void *x, const void *y) {
    const conf_pair *p = x, *q = y;
    if (p->rate != q->rate) return p->rate > q->rate ? -1 : 1;
    return p->a != q->a ? p->a - q->a : p->b - q->b;
}

emb_status emb_summary_add_label_issues(emb_summary *s, const emb_dataset *ds, const emb_label_issues *li, int top) {
    int C = li->n_classes;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "flagged", (double)li->n_flagged);
    cJSON_AddStringToObject(o, "flag_rule", "confident learning: another class j has p_j >= t_j (mean p_j of the items labelled j) and the highest such p");
    cJSON *sig = cJSON_AddArrayToObject(o, "signals");
    if (li->knn_weight > 0) cJSON_AddItemToArray(sig, cJSON_CreateString("knn_vote"));
    if (li->knn_weight < 1) cJSON_AddItemToArray(sig, cJSON_CreateString("mlp_out_of_fold"));
    if (li->p_zero_shot_label) cJSON_AddItemToArray(sig, cJSON_CreateString("zero_shot"));
    cJSON_AddNumberToObject(o, "knn_weight", li->knn_weight);
    bool zs = li->p_zero_shot_label && li->zero_shot_weight > 0;
    const char *base = li->knn_weight <= 0 ? "classifier alone" : li->knn_weight >= 1 ? "kNN vote alone"
                       : "p = w p_knn + (1 - w) p_mlp, w = knn_weight";
    cJSON_AddStringToObject(o, "combination", !zs ? base
                            : li->knn_weight <= 0 ? "p = (1 - W) p_mlp + W p_zero_shot, W = zero_shot_weight"
                            : li->knn_weight >= 1 ? "p = (1 - W) p_knn + W p_zero_shot, W = zero_shot_weight"
                            : "p = (1 - W) (w p_knn + (1 - w) p_mlp) + W p_zero_shot, w = knn_weight, W = zero_shot_weight");
    cJSON *used = cJSON_AddArrayToObject(o, "combined_signals");   /* the signals in the ranking */
    if (li->knn_weight > 0) cJSON_AddItemToArray(used, cJSON_CreateString("knn_vote"));
    if (li->knn_weight < 1) cJSON_AddItemToArray(used, cJSON_CreateString("mlp_out_of_fold"));
    if (zs) cJSON_AddItemToArray(used, cJSON_CreateString("zero_shot"));
    if (li->p_zero_shot_label) {
        cJSON_AddNumberToObject(o, "zero_shot_weight", round(li->zero_shot_weight * 1e6) / 1e6);   /* 0.4, not 0.4000000059604645 */
        cJSON_AddBoolToObject(o, "zero_shot_combined", zs);
        cJSON_AddStringToObject(o, "zero_shot_reason", zs ? "zero_shot_weight > 0 set by the caller (not measured by embscope)"
                                : "not measured: needs real weights (embscope's benchmarks have only random-weight CLIP, so "
                                  "whether it improves the ranking is unknown); recorded as zero_shot_score in label_issues.csv");
    }
    cJSON *arr = cJSON_AddArrayToObject(o, "top");
    int64_t *ti = malloc(sizeof(int64_t) * (size_t)(top > 0 ? top : 1));
    uint8_t *skip = malloc((size_t)(li->n ? li->n : 1));
    int64_t t = 0;
    if (ti && skip) {
        for (int64_t i = 0; i < li->n; i++) skip[i] = ds->label[i] < 0;
        t = top_items(li->score, li->n, skip, top, ti);
    }
    for (int64_t a = 0; a < t; a++) {
        cJSON *e = item_json(ds, ti[a]);
        cJSON_AddStringToObject(e, "suggested", ds->class_names[li->suggested[ti[a]]]);
        cJSON_AddNumberToObject(e, "score", li->score[ti[a]]);
        cJSON_AddItemToArray(arr, e);
    }
    free(ti);
    free(skip);
    emb_status st = emb__summary_put(s, "label_issues", o);
    if (st) return st;
    cJSON *ov = cJSON_CreateObject(), *names = cJSON_AddArrayToObject(ov, "classes"), *mat = cJSON_AddArrayToObject(ov, "matrix");
    for (int a = 0; a < C; a++) {
        cJSON_AddItemToArray(names, cJSON_CreateString(ds->class_names[a]));
        cJSON *row = cJSON_CreateArray();
        for (int b = 0; b < C; b++) cJSON_AddItemToArray(row, cJSON_CreateNumber(li->overlap[(size_t)a * C + b]));
        cJSON_AddItemToArray(mat, row);
    }
    cJSON_AddStringToObject(ov, "matrix_meaning", "row a, column b: share of the k neighbours of class-a items labelled b");
    conf_pair *cp = malloc(sizeof *cp * (size_t)(C * (C - 1) / 2 + 1));
    cJSON *most = cJSON_AddArrayToObject(ov, "most_confused");
    if (cp) {
        int m = 0;
        for (int a = 0; a < C; a++)
            for (int b = a + 1; b < C; b++)
                cp[m++] = (conf_pair){0.5f * (li->overlap[(size_t)a * C + b] + li->overlap[(size_t)b * C + a]), a, b};
        qsort(cp, (size_t)m, sizeof *cp, cmp_conf);
        for (int r = 0; r < m && r < 10; r++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "a", ds->class_names[cp[r].a]);
            cJSON_AddStringToObject(e, "b", ds->class_names[cp[r].b]);
            cJSON_AddNumberToObject(e, "rate", cp[r].rate);
            cJSON_AddItemToArray(most, e);
        }
        free(cp);
    }
    return emb__summary_put(s, "class_overlap", ov);
}

emb_status emb_summary_add_image_issues(emb_summary *s, const emb_image_issues *q) {
    static const char *names[7] = {"dark", "light", "low_information", "blurry", "odd_size", "odd_aspect_ratio", "grayscale"};
    cJSON *o = cJSON_CreateObject();
    for (int b = 0; b < 7; b++) cJSON_AddNumberToObject(o, names[b], (double)q->counts[b]);
    cJSON_AddNumberToObject(o, "unreadable", (double)q->n_unreadable);
    cJSON_AddStringToObject(o, "reference", "CleanVision definitions and default thresholds");
    return emb__summary_put(s, "image_issues", o);
}

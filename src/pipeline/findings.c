/* findings.c - the findings of emb_analyze_run (and emb_stage_dups, the
 * `embscope dups` command): duplicates.csv, leakage.csv, outliers.csv,
 * label_issues.csv, image_issues.csv and their counts in summary.json. */
#include "pipeline/pipeline.h"

#include <stdlib.h>
#include <string.h>

emb_findings_opts emb_findings_default_opts(void) {
    emb_findings_opts a;
    memset(&a, 0, sizeof a);
    a.dup_threshold = -1;
    a.copy_threshold = -1;
    a.outlier_method = EMB_OUTLIER_AUTO;
    a.outlier_fence = -1;
    return a;
}

emb_status emb__stage_dups_write(const char *out_dir, const emb_analyze_params *c, const emb_dataset *ds,
                                 const emb_matf *x, const emb_knn *g, emb_summary *s, const emb__dups_outputs *o) {
    const emb_findings_opts *a = &c->findings;
    double t0 = emb_now();
    emb_dups_params dp = emb_dups_default_params();
    if (a->dup_threshold >= 0) dp.threshold = a->dup_threshold;
    else if (a->features && strcmp(a->features, "pixels")) dp.threshold = EMB_DUP_THRESHOLD_CLIP;
    if (a->copy_threshold >= 0) dp.copy_threshold = a->copy_threshold;
    else if (a->features && strcmp(a->features, "pixels")) dp.copy_threshold = EMB_DUP_COPY_THRESHOLD_CLIP;
    dp.img_w = a->img_w;
    dp.img_h = a->img_h;
    dp.img_c = a->img_c;
    dp.n_threads = c->n_threads;
    dp.progress = c->progress;
    emb_dups d;
    emb_leakage lk = {0};
    emb_status st = emb_dups_find(x, g, ds, &dp, &d);
    if (st) return st;
    char *p = emb__out_path(out_dir, o->dups_csv);
    st = p ? emb_dups_write_csv(p, ds, &d) : EMB_E_NOMEM;
    free(p);
    bool splits = false;
    for (int64_t i = 0; ds && ds->split && i < ds->n && !splits; i++) splits = ds->split[i] != EMB_SPLIT_NONE;
    if (!st && ds) st = emb_leakage_find(ds, &d, &lk);
    if (!st && ds) {
        p = emb__out_path(out_dir, o->leak_csv);
        st = p ? emb_leakage_write_csv(p, ds, &d, &lk) : EMB_E_NOMEM;
        free(p);
    }
    if (!st && s) st = emb_summary_add_duplicates_at(s, o->prefix, ds, &d, ds ? &lk : NULL, dp.threshold, 10);
    if (!st && s && !splits && !o->prefix)
        st = emb_summary_set_string(s, "stages_left_out.leakage", "no item has a split (train, valid, test): leakage.csv is empty");
    double dt = emb_now() - t0;
    if (!st && s && !o->prefix) emb_summary_set_number(s, "timings.duplicates_s", dt);
    if (!st)
        emb__log(c, "%s: %lld exact + %lld copy groups (%lld items), %lld similar groups (%lld copy + %lld similar pairs), "
                "%lld leak pairs across splits (+%lld similar), %.2f s", o->log_name,
                (long long)d.n_groups_kind[EMB_DUP_EXACT], (long long)d.n_groups_kind[EMB_DUP_COPY],
                (long long)(d.n_items_kind[EMB_DUP_EXACT] + d.n_items_kind[EMB_DUP_COPY]),
                (long long)d.n_groups_kind[EMB_DUP_SIMILAR], (long long)d.n_copy_pairs, (long long)d.n_similar_pairs,
                (long long)lk.n_sure, (long long)(lk.n_pairs - lk.n_sure), dt);
    emb_leakage_free(&lk);
    emb_dups_free(&d);
    return st;
}

/* Duplicates (+ leakage when ds has splits); writes duplicates.csv, leakage.csv. */
emb_status emb_stage_dups(const char *out_dir, const emb_analyze_params *c, const emb_dataset *ds,
                          const emb_matf *x, const emb_knn *g, emb_summary *s) {
    static const emb__dups_outputs o = {"duplicates.csv", "leakage.csv", NULL, "dups"};
    return emb__stage_dups_write(out_dir, c, ds, x, g, s, &o);
}

emb_status emb__stage_findings(const char *out_dir, const emb_analyze_params *c, const emb_dataset *ds,
                               const emb_matf *x, const emb_knn *g, const float *p_zero_shot, emb_summary *s) {
    const emb_findings_opts *a = &c->findings;
    emb_status rc = emb_stage_dups(out_dir, c, ds, x, g, s);
    if (rc) return rc;
    /* outliers */
    double t0 = emb_now();
    int64_t n = x->rows;
    float *score = malloc(sizeof(float) * (size_t)(n ? n : 1)), *pct = malloc(sizeof(float) * (size_t)(n ? n : 1));
    uint8_t *flag = malloc((size_t)(n ? n : 1));
    emb_outlier_rule rule;
    /* pixel vectors (an image dataset's pixels; not a .npy of unknown origin) */
    bool pixels = a->features && !strcmp(a->features, "pixels");
    emb_outlier_method om = a->outlier_method != EMB_OUTLIER_AUTO ? a->outlier_method
                            : pixels ? EMB_OUTLIER_HELLINGER : EMB_OUTLIER_KNN;
    emb_status st = score && pct && flag ? emb_outliers_score_x(g, x, om, score, pct) : EMB_E_NOMEM;
    float fence = a->outlier_fence >= 0 ? a->outlier_fence
                  : om == EMB_OUTLIER_LOF ? EMB_OUTLIER_FENCE_LOF
                  : om == EMB_OUTLIER_HELLINGER ? EMB_OUTLIER_FENCE_HELLINGER : EMB_OUTLIER_FENCE_KNN;
    if (!st) st = emb_outliers_flag(score, n, fence, flag, &rule);
    if (!st) {
        char *p = emb__out_path(out_dir, "outliers.csv");
        st = p ? emb_outliers_write_csv(p, ds, score, pct, flag, n) : EMB_E_NOMEM;
        free(p);
    }
    if (!st) st = emb_summary_add_outliers(s, ds, score, n, om, &rule, 10);
    free(score);
    free(pct);
    free(flag);
    if (st) return st;
    emb_summary_set_number(s, "timings.outliers_s", emb_now() - t0);
    emb__log(c, "outliers: %lld flagged (score > %.4g = Q3 + %g IQR)", (long long)rule.n_flagged, rule.threshold, (double)fence);
    /* label issues and class overlap */
    bool labelled = false;
    for (int64_t i = 0; ds->label && i < ds->n && !labelled; i++) labelled = ds->label[i] >= 0;
    if (labelled && ds->n_classes >= 2) {
        t0 = emb_now();
        emb_label_params lp = emb_label_default_params();
        lp.n_threads = c->n_threads;
        lp.seed = c->seed;
        lp.progress = c->progress;
        lp.p_zero_shot = p_zero_shot;
        lp.zero_shot_weight = (float)c->zeroshot.weight;
        emb_label_issues li;
        st = emb_label_issues_find(x, g, ds, &lp, &li);
        if (st) return st;
        char *p = emb__out_path(out_dir, "label_issues.csv");
        st = p ? emb_label_issues_write_csv(p, ds, &li) : EMB_E_NOMEM;
        free(p);
        if (!st) st = emb_summary_add_label_issues(s, ds, &li, 20);
        int64_t flagged = li.n_flagged;
        emb_label_issues_free(&li);
        if (st) return st;
        double dt = emb_now() - t0;
        emb_summary_set_number(s, "timings.label_issues_s", dt);
        emb__log(c, "label issues: %lld flagged, %.2f s", (long long)flagged, dt);
    } else {
        /* an unlabelled (or one-class) dataset: say what was left out and why */
        const char *why = !labelled ? "no item has a label (unlabelled dataset)" : "fewer than two classes";
        char msg[160];
        snprintf(msg, sizeof msg, "%s: label_issues.csv needs labels", why);
        emb_summary_set_string(s, "stages_left_out.label_issues", msg);
        snprintf(msg, sizeof msg, "%s: the class-overlap matrix needs two classes", why);
        emb_summary_set_string(s, "stages_left_out.class_overlap", msg);
        emb__log(c, "label issues, class overlap: left out (%s)", why);
    }
    /* image checks: image folders */
    if (ds->source == EMB_SOURCE_FOLDER) {
        t0 = emb_now();
        emb_image_issues q;
        st = emb_image_issues_find(ds, c->n_threads, &q);
        if (st) return st;
        char *p = emb__out_path(out_dir, "image_issues.csv");
        st = p ? emb_image_issues_write_csv(p, ds, &q) : EMB_E_NOMEM;
        free(p);
        if (!st) st = emb_summary_add_image_issues(s, &q);
        emb_image_issues_free(&q);
        if (st) return st;
        emb_summary_set_number(s, "timings.image_checks_s", emb_now() - t0);
    } else {
        emb_summary_set_string(s, "stages_left_out.image_checks", ds->source == EMB_SOURCE_IDX
                               ? "IDX images all share one size and format: image checks run on image folders"
                               : "the items are vectors, not images");
    }
    return EMB_OK;
}

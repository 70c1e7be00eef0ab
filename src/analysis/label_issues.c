/* label_issues.c - probably mislabelled items and class overlap.
 *
 * Two estimates of p(class | item):
 *  - kNN vote: the neighbours' labels weighted by similarity (cosine:
 *    max(cos, 0); Euclidean: 1 / (1 + d));
 *  - out-of-fold probabilities of a one-hidden-layer perceptron (mlp.c) on
 *    the standardised PCA components, by K-fold cross-validation so that no
 *    item is scored by a model that saw it (the folds train in parallel, one
 *    thread each: the same bytes at any thread count).
 * The combined p = w p_knn + (1 - w) p_cv (w = knn_weight; 1 skips the
 * classifier); a third estimate, CLIP's zero-shot probabilities, may be
 * given: p = (1 - W) (w p_knn + (1 - w) p_cv) + W p_zs. W defaults to 0
 * (kept for its zero_shot_score column only): whether it helps can only be
 * measured with real CLIP weights, and it has not been. Score = 1 -
 * p(given label), confident learning's self-confidence ranking; flagged = the confident joint puts the item off
 * the diagonal (Northcutt, Jiang, Chuang, JAIR 2021: class thresholds t_j =
 * mean p_j over items labelled j; the item's class is the argmax of p_j
 * among j with p_j >= t_j).
 * Why these: on planted flips (bench/analysis/labels.py) the perceptron's
 * probabilities beat the logistic regression used before (weak on pixels),
 * and the mean with the kNN vote beats either alone: the vote catches an
 * error inside another class's cluster, the classifier ranks the vote's
 * many ties (all k neighbours of another class). */
#include "analysis/analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The classifier's training length when epochs = 0, by measurement on planted
 * flips (bench/analysis/labels.py and the numpy prototype behind it): the
 * precision of its ranking stops improving after about 1,000 SGD steps of
 * 256 rows (MNIST 10k: 640 steps as good as 1,280; Fashion-MNIST 70k: 5
 * passes as good as 20), so the cost stays flat as n grows. */
#define LABEL_MLP_STEPS 1000
#define LABEL_MLP_MIN_EPOCHS 3
#define LABEL_MLP_MAX_EPOCHS 40

emb_label_params emb_label_default_params(void) {
    emb_label_params p;
    memset(&p, 0, sizeof p);
    p.cv_folds = 5;
    p.pca_dims = 50;
    p.hidden = 256;
    p.epochs = 0;
    p.l2 = 1e-4f;
    p.knn_weight = 0.5f;
    p.seed = 42;
    return p;
}

void emb_label_issues_free(emb_label_issues *li) {
    if (!li) return;
    free(li->p_knn);
    free(li->p_cv);
    free(li->p_zero_shot_label);
    free(li->score);
    free(li->suggested);
    free(li->flagged);
    free(li->overlap);
    memset(li, 0, sizeof *li);
}

static void knn_vote(const emb_knn *g, const int32_t *y, int C, float *p, int nt) {
    int k = g->k;
    #pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t i = 0; i < g->n; i++) {
        float *pi = p + (size_t)i * C;
        double acc[1024] = {0}, tot = 0;  /* C <= 1024, checked by the caller */
        for (int a = 0; a < k; a++) {
            int32_t j = g->idx[(size_t)i * k + a];
            if (j < 0 || y[j] < 0) continue;
            float d = g->dist[(size_t)i * k + a];
            double w = g->metric == EMB_METRIC_COSINE ? fmax(1.0 - d, 0.0) : 1.0 / (1.0 + d);
            acc[y[j]] += w;
            tot += w;
        }
        for (int c = 0; c < C; c++) pi[c] = tot > 0 ? (float)(acc[c] / tot) : 1.0f / C;
    }
}

/* Out-of-fold probabilities of the perceptron on standardised PCA features:
 * folds by a seeded shuffle (item at shuffled position r is in fold r mod K),
 * fold f's model seeded with seed + f + 1, the folds fitted in parallel. */
static emb_status cv_probs(const emb_matf *x, const int32_t *y, int C, const emb_label_params *prm, float *p) {
    int64_t n = x->rows;
    int nt = emb_threads_resolve(prm->n_threads);
    emb_pca_params pp = emb_pca_default_params();
    pp.n_components = prm->pca_dims;
    pp.n_threads = prm->n_threads;
    pp.seed = prm->seed;
    emb_matf z = {0};
    emb_progress_report(&prm->progress, "label_issues", 0.0, "PCA");
    emb_status st = emb_pca(x, &pp, &z, NULL);
    if (st) return st;
    emb_progress_report(&prm->progress, "label_issues", 0.0, "PCA done, training the folds");
    int D = (int)z.cols + 1;  /* + bias column */
    int folds = prm->cv_folds < 2 ? 2 : prm->cv_folds;
    float *F = emb__malloc(sizeof(float) * (size_t)n * D, "features");
    int64_t *perm = emb__malloc(sizeof(int64_t) * (size_t)n, "folds");
    if (!F || !perm) { st = EMB_E_NOMEM; goto done; }
    for (int64_t c = 0; c < z.cols; c++) {
        double s = 0, s2 = 0;
        for (int64_t i = 0; i < n; i++) { double v = z.data[(size_t)i * z.cols + c]; s += v; s2 += v * v; }
        double mean = s / n, sd = sqrt(fmax(s2 / n - mean * mean, 0));
        float inv = sd > 0 ? (float)(1.0 / sd) : 0.0f;
        for (int64_t i = 0; i < n; i++) F[(size_t)i * D + c] = (float)(z.data[(size_t)i * z.cols + c] - mean) * inv;
    }
    for (int64_t i = 0; i < n; i++) F[(size_t)i * D + D - 1] = 1.0f;
    emb_rng rng;
    emb_rng_seed(&rng, prm->seed);
    for (int64_t i = 0; i < n; i++) perm[i] = i;
    for (int64_t i = n - 1; i > 0; i--) {  /* Fisher-Yates */
        int64_t j = (int64_t)(emb_rng_uniform(&rng) * (double)(i + 1));
        int64_t t = perm[i]; perm[i] = perm[j]; perm[j] = t;
    }
    /* labelled rows of fold f: te = perm[r] with r % folds == f, tr = the others */
    int64_t m = 0;
    for (int64_t r = 0; r < n; r++) m += y[perm[r]] >= 0;
    emb__mlp_params mp = emb__mlp_default_params();
    mp.hidden = prm->hidden;
    /* auto: enough passes for LABEL_MLP_STEPS steps on the training rows of a fold */
    int64_t spe = ((m - m / folds) + mp.batch - 1) / mp.batch;
    int64_t ep = spe > 0 ? (LABEL_MLP_STEPS + spe - 1) / spe : 1;
    mp.epochs = prm->epochs > 0 ? prm->epochs : (int)(ep < LABEL_MLP_MIN_EPOCHS ? LABEL_MLP_MIN_EPOCHS : ep > LABEL_MLP_MAX_EPOCHS ? LABEL_MLP_MAX_EPOCHS : ep);
    mp.l2 = prm->l2;
    int done_folds = 0;
    #pragma omp parallel for num_threads(nt < folds ? nt : folds) schedule(dynamic, 1)
    for (int f = 0; f < folds; f++) {
        int64_t mt = 0, me = 0, *buf = malloc(sizeof(int64_t) * (size_t)(m ? m : 1)); /* train rows, then test rows */
        emb_status s1 = EMB_OK;
        if (!buf) s1 = emb__fail(EMB_E_NOMEM, "out of memory for fold %d", f);
        else {
            for (int64_t r = 0; r < n; r++) if (y[perm[r]] >= 0 && r % folds != f) buf[mt++] = perm[r];
            int64_t *te = buf + mt;
            for (int64_t r = 0; r < n; r++) if (y[perm[r]] >= 0 && r % folds == f) te[me++] = perm[r];
            s1 = emb__mlp_fit_predict(F, D, y, C, buf, mt, te, me, &mp, prm->seed + (uint64_t)f + 1, p);
        }
        free(buf);
        #pragma omp critical(emb_label_folds)
        {
            if (s1 && !st) st = s1;
            done_folds++;
            emb_progress_report(&prm->progress, "label_issues", (double)done_folds / folds, NULL);
        }
    }
done:
    emb_matf_free(&z);
    free(F); free(perm);
    return st;
}

emb_status emb_label_issues_find(const emb_matf *x, const emb_knn *g, const emb_dataset *ds,
                                 const emb_label_params *params, emb_label_issues *out) {
    emb_label_params prm = params ? *params : emb_label_default_params();
    memset(out, 0, sizeof *out);
    int64_t n = x->rows;
    if (!ds || !ds->label || ds->n != n || g->n != n) return emb__fail(EMB_E_INVALID, "label issues: need labels for every row");
    int C = ds->n_classes;
    if (C < 2 || C > 1024) return emb__fail(EMB_E_INVALID, "label issues: %d classes (need 2..1024)", C);
    const int32_t *y = ds->label;
    out->n = n;
    out->n_classes = C;
    out->knn_weight = prm.knn_weight < 0 ? 0 : prm.knn_weight > 1 ? 1 : prm.knn_weight;
    size_t nc = (size_t)n * C;
    out->p_knn = emb__malloc(sizeof(float) * nc, "label issues");
    out->p_cv = emb__calloc(nc, sizeof(float), "label issues");
    out->score = emb__calloc((size_t)n, sizeof(float), "label issues");
    out->suggested = emb__malloc(sizeof(int32_t) * (size_t)n, "label issues");
    out->flagged = emb__calloc((size_t)n, 1, "label issues");
    out->overlap = emb__calloc((size_t)C * C, sizeof(float), "label issues");
    float W = 0;
    if (prm.p_zero_shot) {
        W = out->zero_shot_weight = prm.zero_shot_weight < 0 ? 0 : prm.zero_shot_weight > 1 ? 1 : prm.zero_shot_weight;
        out->p_zero_shot_label = emb__calloc((size_t)n, sizeof(float), "label issues");
    }
    double *thr = calloc((size_t)C, sizeof(double)), *cnt = calloc((size_t)C, sizeof(double));
    emb_status st = EMB_OK;
    if (!out->p_knn || !out->p_cv || !out->score || !out->suggested || !out->flagged || !out->overlap || !thr || !cnt
        || (prm.p_zero_shot && !out->p_zero_shot_label)) {
        st = emb__fail(EMB_E_NOMEM, "out of memory");
        goto done;
    }
    emb_progress_report(&prm.progress, "label_issues", 0.0, "kNN vote");
    knn_vote(g, y, C, out->p_knn, emb_threads_resolve(prm.n_threads));
    float w = out->knn_weight;
    if (w < 1 && (st = cv_probs(x, y, C, &prm, out->p_cv))) goto done;
    /* combined p is formed on the fly: w p_knn + (1 - w) p_cv, and with W > 0
     * (1 - W) times that + W p_zs; W = 0 leaves out the term (the same bytes) */
    #define PCUR(i, c) (w * out->p_knn[(size_t)(i) * C + (c)] + (1 - w) * out->p_cv[(size_t)(i) * C + (c)])
    #define PCOMB(i, c) (W > 0 ? (1 - W) * PCUR(i, c) + W * prm.p_zero_shot[(size_t)(i) * C + (c)] : PCUR(i, c))
    for (int64_t i = 0; i < n; i++)
        if (y[i] >= 0) { thr[y[i]] += PCOMB(i, y[i]); cnt[y[i]] += 1; }
    for (int c = 0; c < C; c++) thr[c] = cnt[c] > 0 ? thr[c] / cnt[c] : 1.0;
    for (int64_t i = 0; i < n; i++) {
        int best = 0, conf = -1;
        float bp = -1, cp = -1;
        for (int c = 0; c < C; c++) {
            float pc = PCOMB(i, c);
            if (pc > bp) { bp = pc; best = c; }
            if (pc >= thr[c] && pc > cp) { cp = pc; conf = c; }
        }
        out->suggested[i] = best;
        if (y[i] < 0) continue;
        out->score[i] = 1.0f - PCOMB(i, y[i]);
        if (prm.p_zero_shot) out->p_zero_shot_label[i] = prm.p_zero_shot[(size_t)i * C + y[i]];
        if (conf >= 0 && conf != y[i]) { out->flagged[i] = 1; out->n_flagged++; }
    }
    #undef PCOMB
    #undef PCUR
    /* class overlap: where the neighbours of each class's items sit */
    for (int64_t i = 0; i < n; i++) {
        if (y[i] < 0) continue;
        for (int a = 0; a < g->k; a++) {
            int32_t j = g->idx[(size_t)i * g->k + a];
            if (j >= 0 && y[j] >= 0) out->overlap[(size_t)y[i] * C + y[j]] += 1;
        }
    }
    for (int a = 0; a < C; a++) {
        double s = 0;
        for (int b = 0; b < C; b++) s += out->overlap[(size_t)a * C + b];
        for (int b = 0; b < C; b++) out->overlap[(size_t)a * C + b] = s > 0 ? (float)(out->overlap[(size_t)a * C + b] / s) : 0;
    }
done:
    free(thr);
    free(cnt);
    if (st) emb_label_issues_free(out);
    return st;
}

typedef struct { float s; int64_t i; } score_item;
static int cmp_desc(const void *x, const void *y) {
    const score_item *a = x, *b = y;
    if (a->s != b->s) return a->s > b->s ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

emb_status emb_label_issues_write_csv(const char *path, const emb_dataset *ds, const emb_label_issues *li) {
    int64_t n = li->n, m = 0;
    int C = li->n_classes;
    score_item *si = emb__malloc(sizeof *si * (size_t)(n ? n : 1), "label issues");
    if (!si) return EMB_E_NOMEM;
    for (int64_t i = 0; i < n; i++) if (ds->label[i] >= 0) si[m++] = (score_item){li->score[i], i};
    qsort(si, (size_t)m, sizeof *si, cmp_desc);
    emb_outfile o;
    emb_status st = emb_outfile_open(&o, path);
    if (st) { free(si); return st; }
    fputs(li->p_zero_shot_label ? "rank,index,path,split,label,suggested,score,knn_score,cv_score,zero_shot_score,flagged\n"
                          : "rank,index,path,split,label,suggested,score,knn_score,cv_score,flagged\n", o.f);
    for (int64_t r = 0; r < m; r++) {
        int64_t i = si[r].i;
        int32_t y = ds->label[i];
        fprintf(o.f, "%lld,", (long long)r + 1);
        emb__csv_item(o.f, ds, i);
        fputc(',', o.f);
        emb_csv_field(o.f, ds->class_names[li->suggested[i]]);
        fprintf(o.f, ",%.6f,%.6f,%.6f,", li->score[i], 1.0f - li->p_knn[(size_t)i * C + y], 1.0f - li->p_cv[(size_t)i * C + y]);
        if (li->p_zero_shot_label) fprintf(o.f, "%.6f,", 1.0f - li->p_zero_shot_label[i]);
        fprintf(o.f, "%d\n", li->flagged[i]);
    }
    free(si);
    return emb_outfile_commit(&o);
}

/* label_issues.c - probably mislabelled items and class overlap.
 *
 * Two estimates of p(class | item), combined:
 *  - kNN vote: the neighbours' labels weighted by similarity (cosine:
 *    max(cos, 0); Euclidean: 1 / (1 + d));
 *  - out-of-fold probabilities of a cheap classifier: multinomial logistic
 *    regression on the standardised PCA components, trained by full-batch
 *    gradient descent with heavy-ball momentum (two SGEMMs a step), by
 *    K-fold cross-validation so that no item is scored by a model that saw it.
 * Score = 1 - p(given label), confident learning's self-confidence ranking;
 * flagged = the confident joint puts the item off the diagonal (Northcutt,
 * Jiang, Chuang, JAIR 2021: class thresholds t_j = mean p_j over items
 * labelled j; the item's class is the argmax of p_j among j with p_j >= t_j).
 * The kNN vote catches isolated errors inside another class's cluster; the
 * linear model catches errors in overlapping regions; neither alone is best. */
#include "analysis/analysis.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LR_STEP 1.0f        /* features are whitened: the softmax Hessian is <= I/2 */
#define LR_MOMENTUM 0.9f

emb_label_params emb_label_default_params(void) {
    emb_label_params p;
    memset(&p, 0, sizeof p);
    p.cv_folds = 5;
    p.pca_dims = 50;
    p.epochs = 150;
    p.l2 = 1e-4f;
    p.knn_weight = 0.5f;
    p.seed = 42;
    return p;
}

void emb_label_issues_free(emb_label_issues *li) {
    if (!li) return;
    free(li->p_knn);
    free(li->p_cv);
    free(li->score);
    free(li->suggested);
    free(li->flagged);
    free(li->overlap);
    memset(li, 0, sizeof *li);
}

static void knn_vote(const emb_knn *g, const int32_t *y, int C, float *p) {
    int k = g->k;
    #pragma omp parallel for schedule(static)
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

static void softmax_rows(float *z, int64_t m, int C) {
    #pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < m; r++) {
        float *zr = z + (size_t)r * C, mx = zr[0], s = 0;
        for (int c = 1; c < C; c++) mx = zr[c] > mx ? zr[c] : mx;
        for (int c = 0; c < C; c++) { zr[c] = expf(zr[c] - mx); s += zr[c]; }
        for (int c = 0; c < C; c++) zr[c] /= s;
    }
}

/* Train on rows tr (mt) of F (n, D) with labels y, predict rows te (me) into p. */
static emb_status fit_predict(const float *F, int D, const int32_t *y, int C, const int64_t *tr, int64_t mt,
                              const int64_t *te, int64_t me, const emb_label_params *prm, float *p) {
    float *X = emb__malloc(sizeof(float) * (size_t)mt * D, "classifier");
    float *P = emb__malloc(sizeof(float) * (size_t)(mt > me ? mt : me) * C, "classifier");
    float *W = emb__calloc((size_t)D * C, sizeof(float), "classifier");
    float *V = emb__calloc((size_t)D * C, sizeof(float), "classifier");
    float *G = emb__malloc(sizeof(float) * (size_t)D * C, "classifier");
    float *Xe = emb__malloc(sizeof(float) * (size_t)(me ? me : 1) * D, "classifier");
    emb_status st = EMB_OK;
    if (!X || !P || !W || !V || !G || !Xe) { st = EMB_E_NOMEM; goto done; }
    for (int64_t r = 0; r < mt; r++) memcpy(X + (size_t)r * D, F + (size_t)tr[r] * D, sizeof(float) * D);
    for (int e = 0; e < prm->epochs; e++) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)mt, C, D, 1.0f, X, D, W, C, 0.0f, P, C);
        softmax_rows(P, mt, C);
        for (int64_t r = 0; r < mt; r++) P[(size_t)r * C + y[tr[r]]] -= 1.0f;
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, D, C, (int)mt, 1.0f / (float)mt, X, D, P, C, 0.0f, G, C);
        for (int a = 0; a < D * C; a++) {
            bool bias = a / C == D - 1;
            float grad = G[a] + (bias ? 0.0f : prm->l2 * W[a]);
            V[a] = LR_MOMENTUM * V[a] - LR_STEP * grad;
            W[a] += V[a];
        }
    }
    for (int64_t r = 0; r < me; r++) memcpy(Xe + (size_t)r * D, F + (size_t)te[r] * D, sizeof(float) * D);
    if (me) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)me, C, D, 1.0f, Xe, D, W, C, 0.0f, P, C);
        softmax_rows(P, me, C);
        for (int64_t r = 0; r < me; r++) memcpy(p + (size_t)te[r] * C, P + (size_t)r * C, sizeof(float) * C);
    }
done:
    free(X); free(P); free(W); free(V); free(G); free(Xe);
    return st;
}

/* Out-of-fold probabilities of logistic regression on whitened PCA features. */
static emb_status cv_probs(const emb_matf *x, const int32_t *y, int C, const emb_label_params *prm, float *p) {
    int64_t n = x->rows;
    emb_pca_params pp = emb_pca_default_params();
    pp.n_components = prm->pca_dims;
    pp.n_threads = prm->n_threads;
    pp.seed = prm->seed;
    emb_matf z = {0};
    emb_status st = emb_pca(x, &pp, &z, NULL);
    if (st) return st;
    int D = (int)z.cols + 1;  /* + bias column */
    float *F = emb__malloc(sizeof(float) * (size_t)n * D, "features");
    int64_t *perm = emb__malloc(sizeof(int64_t) * (size_t)n, "folds"), *tr = emb__malloc(sizeof(int64_t) * (size_t)n, "folds"),
            *te = emb__malloc(sizeof(int64_t) * (size_t)n, "folds");
    if (!F || !perm || !tr || !te) { st = EMB_E_NOMEM; goto done; }
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
    int folds = prm->cv_folds < 2 ? 2 : prm->cv_folds;
    for (int f = 0; f < folds && !st; f++) {
        int64_t mt = 0, me = 0;
        for (int64_t r = 0; r < n; r++) {
            int64_t i = perm[r];
            if (y[i] < 0) continue;
            if (r % folds == f) te[me++] = i;
            else tr[mt++] = i;
        }
        st = fit_predict(F, D, y, C, tr, mt, te, me, prm, p);
        emb_progress_report(&prm->progress, "label_issues", (double)(f + 1) / folds, NULL);
    }
done:
    emb_matf_free(&z);
    free(F); free(perm); free(tr); free(te);
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
    size_t nc = (size_t)n * C;
    out->p_knn = emb__malloc(sizeof(float) * nc, "label issues");
    out->p_cv = emb__calloc(nc, sizeof(float), "label issues");
    out->score = emb__calloc((size_t)n, sizeof(float), "label issues");
    out->suggested = emb__malloc(sizeof(int32_t) * (size_t)n, "label issues");
    out->flagged = emb__calloc((size_t)n, 1, "label issues");
    out->overlap = emb__calloc((size_t)C * C, sizeof(float), "label issues");
    double *thr = calloc((size_t)C, sizeof(double)), *cnt = calloc((size_t)C, sizeof(double));
    emb_status st = EMB_OK;
    if (!out->p_knn || !out->p_cv || !out->score || !out->suggested || !out->flagged || !out->overlap || !thr || !cnt) {
        st = emb__fail(EMB_E_NOMEM, "out of memory");
        goto done;
    }
    knn_vote(g, y, C, out->p_knn);
    if ((st = cv_probs(x, y, C, &prm, out->p_cv))) goto done;
    float w = prm.knn_weight;
    /* combined p is formed on the fly: w p_knn + (1 - w) p_cv */
    #define PCOMB(i, c) (w * out->p_knn[(size_t)(i) * C + (c)] + (1 - w) * out->p_cv[(size_t)(i) * C + (c)])
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
        if (conf >= 0 && conf != y[i]) { out->flagged[i] = 1; out->n_flagged++; }
    }
    #undef PCOMB
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
    fputs("rank,index,path,split,label,suggested,score,knn_score,cv_score,flagged\n", o.f);
    for (int64_t r = 0; r < m; r++) {
        int64_t i = si[r].i;
        int32_t y = ds->label[i];
        fprintf(o.f, "%lld,", (long long)r + 1);
        emb__csv_item(o.f, ds, i);
        fputc(',', o.f);
        emb_csv_field(o.f, ds->class_names[li->suggested[i]]);
        fprintf(o.f, ",%.6f,%.6f,%.6f,%d\n", li->score[i], 1.0f - li->p_knn[(size_t)i * C + y],
                1.0f - li->p_cv[(size_t)i * C + y], li->flagged[i]);
    }
    free(si);
    return emb_outfile_commit(&o);
}

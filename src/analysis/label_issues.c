/* label_issues.c - probably mislabelled items and class overlap.
 *
 * Two estimates of p(class | item), combined:
 *  - kNN vote: the neighbours' labels weighted by similarity (cosine:
 *    max(cos, 0); Euclidean: 1 / (1 + d));
 *  - out-of-fold probabilities of a cheap classifier: multinomial logistic
 *    regression on the standardised PCA components, trained by full-batch
 *    gradient descent with heavy-ball momentum (one fused pass a step), by
 *    K-fold cross-validation so that no item is scored by a model that saw it.
 * Score = 1 - p(given label), confident learning's self-confidence ranking;
 * flagged = the confident joint puts the item off the diagonal (Northcutt,
 * Jiang, Chuang, JAIR 2021: class thresholds t_j = mean p_j over items
 * labelled j; the item's class is the argmax of p_j among j with p_j >= t_j).
 * The kNN vote catches isolated errors inside another class's cluster; the
 * linear model catches errors in overlapping regions; neither alone is best. */
#include "analysis/analysis.h"

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

/* ---- multinomial logistic regression, one fused pass per epoch.
 * The classes are padded to Cp (a multiple of 16) columns of zeros in W, so
 * the per-row loops over classes are whole vectors; the loops over features
 * accumulate in feature order in every lane, so no level, thread count or
 * vector width changes a sum (and ISO C does not contract a*b+c): the
 * probabilities are the same bytes everywhere. Rows go in fixed blocks of
 * LR_BLOCK, each block's gradient summed on its own and the blocks added in
 * order. Before: two SGEMMs a step with the BLAS (N = 10 columns, its worst
 * shape) and a separate softmax pass: 14.6 s of a 40.8 s Fashion-MNIST run. */
#define LR_BLOCK 512
#define LR_CPAD 16

/* The class loops run on GCC generic vectors of VW lanes: 16 (one zmm) at
 * AVX-512, 8 (one ymm; GCC splits 16-lane vectors badly there) at AVX2 and
 * in plain C. A lane is a class: every sum runs over features (or rows) in
 * the same order whatever the width, and the softmax denominator is added
 * class by class, so the width changes no byte. LR_KERNELS(suffix, target,
 * vector, int vector, width) makes one level's functions:
 *   lr_exp_S      e^x lane-wise, in place: x = n ln2 + r, |r| <= ln2 / 2,
 *                 Cephes' expf polynomial (about 1 ulp), 2^n put in the
 *                 exponent bits; x clamped to [-87, 88] (e^-87 ~ 1e-38);
 *   lr_probs_S    z[q] (Cp) = softmax(x_q W) for R <= LR_ROWS rows side by
 *                 side (their add chains overlap in the pipeline);
 *   lr_block_S    g (D, Cp) = sum over the block's rows of x_r (p_r -
 *                 onehot(y_r))^T, rows added in order. */
#define LR_ROWS 4
#define LR_KERNELS(S, TARGET, VT, VTI, VW)                                                                \
    TARGET static inline void lr_exp_##S(VT *xp) {                                                      \
        const VT zero = {0}, lo = zero - 87.0f, hi = zero + 88.0f;                                        \
        VT x = *xp;                                                                                       \
        VTI m = x < lo, ix, il, ih;                                                                       \
        memcpy(&ix, &x, sizeof ix); memcpy(&il, &lo, sizeof il); memcpy(&ih, &hi, sizeof ih);            \
        ix = (m & il) | (~m & ix);                                                                        \
        memcpy(&x, &ix, sizeof x);                                                                        \
        m = x > hi;                                                                                       \
        ix = (m & ih) | (~m & ix);                                                                        \
        memcpy(&x, &ix, sizeof x);                                                                        \
        VT t = x * 1.44269504088896341f;                                                                  \
        VTI neg = t < 0.0f;                                                                               \
        VT half = zero + 0.5f;                                                                            \
        VTI ihalf, imhalf;                                                                                \
        VT mhalf = zero - 0.5f;                                                                           \
        memcpy(&ihalf, &half, sizeof ihalf); memcpy(&imhalf, &mhalf, sizeof imhalf);                     \
        ihalf = (neg & imhalf) | (~neg & ihalf);                                                          \
        memcpy(&half, &ihalf, sizeof half);                                                               \
        VTI n = __builtin_convertvector(t + half, VTI); /* round half away from 0 */                    \
        VT nf = __builtin_convertvector(n, VT);                                                           \
        VT r = x - nf * 0.693359375f;                                                                     \
        r = r - nf * -2.12194440e-4f;                                                                     \
        VT p = zero + 1.9875691500e-4f;                                                                   \
        p = p * r + 1.3981999507e-3f;                                                                     \
        p = p * r + 8.3334519073e-3f;                                                                     \
        p = p * r + 4.1665795894e-2f;                                                                     \
        p = p * r + 1.6666665459e-1f;                                                                     \
        p = p * r + 5.0000001201e-1f;                                                                     \
        VT y = p * (r * r) + r + 1.0f;                                                                    \
        VTI e = (n + 127) << 23;                                                                          \
        VT scale;                                                                                         \
        memcpy(&scale, &e, sizeof scale);                                                                 \
        *xp = y * scale;                                                                                  \
    }                                                                                                     \
    TARGET static void lr_probs_##S(const float *x, int R, int D, const float *W, int C, int Cp,         \
                                    float (*z)[1024 + LR_CPAD]) {                                         \
        for (int c0 = 0; c0 < Cp; c0 += VW) {                                                             \
            VT acc[LR_ROWS] = {{0}};                                                                      \
            for (int d = 0; d < D; d++) {                                                                 \
                VT w;                                                                                     \
                memcpy(&w, W + (size_t)d * Cp + c0, sizeof w);                                            \
                for (int q = 0; q < R; q++) acc[q] += x[(size_t)q * D + d] * w;                           \
            }                                                                                             \
            for (int q = 0; q < R; q++) memcpy(z[q] + c0, &acc[q], sizeof(VT));                           \
        }                                                                                                 \
        for (int q = 0; q < R; q++) {                                                                     \
            float *zq = z[q], mx = zq[0], sum = 0;                                                        \
            for (int c = 1; c < C; c++) mx = zq[c] > mx ? zq[c] : mx;                                     \
            for (int c0 = 0; c0 < Cp; c0 += VW) {                                                         \
                VT v;                                                                                     \
                memcpy(&v, zq + c0, sizeof v);                                                            \
                v = v - mx;                                                                               \
                lr_exp_##S(&v);                                                                           \
                memcpy(zq + c0, &v, sizeof v);                                                            \
            }                                                                                             \
            for (int c = 0; c < C; c++) sum += zq[c];                                                     \
            float inv = 1.0f / sum;                                                                       \
            for (int c = 0; c < C; c++) zq[c] *= inv;                                                     \
            for (int c = C; c < Cp; c++) zq[c] = 0.0f;                                                    \
        }                                                                                                 \
    }                                                                                                     \
    TARGET static void lr_block_##S(const float *X, const int32_t *yt, int64_t r0, int64_t r1, int D,     \
                                    const float *W, int C, int Cp, float *g) {                            \
        float z[LR_ROWS][1024 + LR_CPAD];                                                                 \
        memset(g, 0, sizeof(float) * (size_t)D * Cp);                                                     \
        for (int64_t r = r0; r < r1; r += LR_ROWS) {                                                      \
            int R = r1 - r < LR_ROWS ? (int)(r1 - r) : LR_ROWS;                                           \
            const float *x = X + (size_t)r * D;                                                           \
            lr_probs_##S(x, R, D, W, C, Cp, z);                                                           \
            for (int q = 0; q < R; q++) z[q][yt[r + q]] -= 1.0f;                                          \
            for (int c0 = 0; c0 < Cp; c0 += VW) {                                                         \
                VT zq[LR_ROWS];                                                                           \
                for (int q = 0; q < R; q++) memcpy(&zq[q], z[q] + c0, sizeof(VT));                        \
                for (int d = 0; d < D; d++) {                                                             \
                    VT v;                                                                                 \
                    memcpy(&v, g + (size_t)d * Cp + c0, sizeof v);                                        \
                    for (int q = 0; q < R; q++) v += x[(size_t)q * D + d] * zq[q];                        \
                    memcpy(g + (size_t)d * Cp + c0, &v, sizeof v);                                        \
                }                                                                                         \
            }                                                                                             \
        }                                                                                                 \
    }

typedef float lr_v8 __attribute__((vector_size(32)));
typedef int32_t lr_v8i __attribute__((vector_size(32)));
LR_KERNELS(c, , lr_v8, lr_v8i, 8)
#ifdef EMB__X86
typedef float lr_v16 __attribute__((vector_size(64)));
typedef int32_t lr_v16i __attribute__((vector_size(64)));
LR_KERNELS(avx2, EMB__TARGET_AVX2, lr_v8, lr_v8i, 8)
LR_KERNELS(avx512, EMB__TARGET_AVX512, lr_v16, lr_v16i, 16)
#endif
typedef void (*lr_block_fn)(const float *, const int32_t *, int64_t, int64_t, int, const float *, int, int, float *);
typedef void (*lr_probs_fn)(const float *, int, int, const float *, int, int, float (*)[1024 + LR_CPAD]);

/* Train on rows tr (mt) of F (n, D) with labels y, predict rows te (me) into p. */
static emb_status fit_predict(const float *F, int D, const int32_t *y, int C, const int64_t *tr, int64_t mt,
                              const int64_t *te, int64_t me, const emb_label_params *prm, float *p) {
    int Cp = (C + LR_CPAD - 1) / LR_CPAD * LR_CPAD, nt = emb_threads_resolve(prm->n_threads);
    int64_t nb = (mt + LR_BLOCK - 1) / LR_BLOCK;
    size_t wsz = (size_t)D * Cp;
    float *X = emb__malloc(sizeof(float) * (size_t)mt * D, "classifier");
    int32_t *yt = emb__malloc(sizeof(int32_t) * (size_t)(mt ? mt : 1), "classifier");
    float *W = emb__calloc(wsz, sizeof(float), "classifier");
    float *V = emb__calloc(wsz, sizeof(float), "classifier");
    float *G = emb__malloc(sizeof(float) * wsz * (size_t)(nb ? nb : 1), "classifier");
    emb_status st = EMB_OK;
    if (!X || !yt || !W || !V || !G) { st = EMB_E_NOMEM; goto done; }
    lr_block_fn block = lr_block_c;
    lr_probs_fn probs = lr_probs_c;
#ifdef EMB__X86
    emb_cpu_level lv = emb_cpu_level_active();
    if (lv >= EMB_CPU_AVX512) { block = lr_block_avx512; probs = lr_probs_avx512; }
    else if (lv >= EMB_CPU_AVX2) { block = lr_block_avx2; probs = lr_probs_avx2; }
#endif
    for (int64_t r = 0; r < mt; r++) {
        memcpy(X + (size_t)r * D, F + (size_t)tr[r] * D, sizeof(float) * D);
        yt[r] = y[tr[r]];
    }
    float inv_m = 1.0f / (float)(mt ? mt : 1);
    for (int e = 0; e < prm->epochs; e++) {
        #pragma omp parallel num_threads(nt)
        {
            #pragma omp for schedule(dynamic, 1)
            for (int64_t b = 0; b < nb; b++)
                block(X, yt, b * LR_BLOCK, (b + 1) * LR_BLOCK < mt ? (b + 1) * LR_BLOCK : mt, D, W, C, Cp, G + (size_t)b * wsz);
            /* the blocks' gradients added in block order, then the momentum step */
            #pragma omp for schedule(static)
            for (size_t a = 0; a < wsz; a++) {
                float s = 0;
                for (int64_t b = 0; b < nb; b++) s += G[(size_t)b * wsz + a];
                bool bias = a / (size_t)Cp == (size_t)D - 1;
                float grad = s * inv_m + (bias ? 0.0f : prm->l2 * W[a]);
                V[a] = LR_MOMENTUM * V[a] - LR_STEP * grad;
                W[a] += V[a];
            }
        }
    }
    #pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t r = 0; r < me; r++) {
        float z[1][1024 + LR_CPAD];
        probs(F + (size_t)te[r] * D, 1, D, W, C, Cp, z);
        memcpy(p + (size_t)te[r] * C, z[0], sizeof(float) * C);
    }
done:
    free(X); free(yt); free(W); free(V); free(G);
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
    knn_vote(g, y, C, out->p_knn, emb_threads_resolve(prm.n_threads));
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

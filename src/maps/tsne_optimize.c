/* tsne_optimize.c - emb_tsne_run: affinities, initialisation and the gradient
 * descent of t-SNE as openTSNE runs it (Policar, Strazar & Zupan, openTSNE,
 * tsne.py: TSNE.fit, gradient_descent).
 *
 *   init   PCA of x to dims components, rescaled so column 0 has standard
 *          deviation 1e-4 (openTSNE initialization.rescale; Kobak & Berens 2019)
 *   phase 1  early exaggeration 12, momentum 0.5, 250 iterations
 *   phase 2  exaggeration 1, momentum 0.8, 750 iterations
 *   learning rate n / exaggeration of the phase (Belkina et al. 2019)
 *   gains  +0.2 where the step changes sign, else 0.8 g + min_gain (0.01)
 *   update u = momentum u - lr gains grad; each point's step clipped to norm 5
 *          (openTSNE max_step_norm); the map is re-centred after each step.
 * Gains and update carry over from phase 1 to phase 2 (openTSNE keeps its
 * optimizer object between the two optimize() calls). */
#include "core/internal.h"
#include "maps/tsne.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TSNE_INIT_STD 1e-4         /* openTSNE initialization.rescale */
#define TSNE_MIN_GAIN 0.01         /* openTSNE gradient_descent min_gain */
#define TSNE_GAIN_UP 0.2
#define TSNE_GAIN_DECAY 0.8
#define TSNE_KNN_PER_PERPLEXITY 3  /* k = 3 perplexity (van der Maaten 2014) */

emb_tsne_params emb_tsne_default_params(void) {
    emb_tsne_params p = {0};
    p.dims = 2;
    p.perplexity = 30;
    p.n_iter = 750;
    p.early_exaggeration_iter = 250;
    p.early_exaggeration = 12;      /* van der Maaten & Hinton 2008; openTSNE */
    p.exaggeration = 1;
    p.learning_rate = 0;            /* auto */
    p.momentum = 0.5;
    p.final_momentum = 0.8;
    p.theta = 0.5;                  /* van der Maaten 2014 */
    p.max_step_norm = 5;            /* openTSNE */
    p.method = EMB_TSNE_AUTO;
    p.seed = 42;
    return p;
}

static emb_status init_map(const emb_matf *x, const emb_tsne_params *p, double *y) {
    int64_t n = x->rows;
    int dims = p->dims;
    if (p->init) {
        for (int64_t i = 0; i < n * dims; i++) y[i] = p->init[i];
        return EMB_OK;
    }
    emb_matf pc = {0};
    emb_pca_params pp = emb_pca_default_params();
    pp.n_components = dims;
    pp.n_threads = p->n_threads;
    pp.seed = p->seed;
    emb_status st = x->cols >= dims ? emb_pca(x, &pp, &pc, NULL) : EMB_E_INVALID;
    if (st || pc.cols != dims) {
        /* fewer input dimensions than map dimensions: Gaussian noise */
        emb_matf_free(&pc);
        emb_rng r;
        emb_rng_seed(&r, p->seed);
        for (int64_t i = 0; i < n * dims; i++) y[i] = emb_rng_normal(&r);
    } else {
        for (int64_t i = 0; i < n * dims; i++) y[i] = pc.data[i];
        emb_matf_free(&pc);
    }
    double mean = 0, var = 0;
    for (int64_t i = 0; i < n; i++) mean += y[i * dims];
    mean /= (double)n;
    for (int64_t i = 0; i < n; i++) var += (y[i * dims] - mean) * (y[i * dims] - mean);
    double sd = sqrt(var / (double)n);
    double s = sd > 0 ? TSNE_INIT_STD / sd : 1;
    for (int64_t i = 0; i < n * dims; i++) y[i] *= s;
    return EMB_OK;
}

typedef struct {
    const emb_tsne_affinities *P;
    int64_t n;
    int dims;
    emb_tsne_method method;
    double theta;
    emb__tsne_fft *fft;
    int nth;       /* OpenMP threads of every parallel region */
    double *neg;   /* (n, dims) scratch */
    float *valf;   /* P's values in single precision (hot path), or NULL */
    float *yf;     /* (n, dims) + 4: the map in single precision, for valf's path */
    emb__tsne_bh *bh;   /* Barnes-Hut tree kept between iterations, or NULL */
    double *zrow;       /* (n) Barnes-Hut's per-point terms of Z */
    double sec_attr, sec_rep;
} grad_ctx;

/* The Barnes-Hut gradient's hot path in one parallel region: the tree is
 * built (serially, by the calling thread) while the other threads start on
 * the attractive rows, then every thread queries the tree. The tree build
 * is counted in the attractive seconds. */
static emb_status gradient_bh_overlap(grad_ctx *g, const double *y, double exaggeration, double *grad,
                                      double *z) {
    emb_status bst = EMB_OK;
    double t0 = emb_now(), ta = t0;
    int64_t nd = g->n * g->dims;
#pragma omp parallel num_threads(g->nth)
    {
        emb__tsne_map_to_float(y, nd, g->yf);
#pragma omp master
        bst = emb__tsne_bh_build(g->bh, y, g->n, g->dims);
        emb__tsne_attractive_f32_rows(g->P, g->valf, y, g->yf, g->dims, exaggeration, grad);
#pragma omp barrier
#pragma omp master
        ta = emb_now();
        if (!bst) emb__tsne_bh_forces(g->bh, g->theta, g->neg, g->zrow);
    }
    emb_status st = bst ? bst : emb__tsne_bh_finish(g->bh, g->zrow, z);
    g->sec_attr += ta - t0;
    g->sec_rep += emb_now() - ta;
    return st;
}

/* The attractive and repulsive terms one after the other (the KL
 * evaluation, the exact and FFT gradients, the double-precision path). */
static emb_status gradient_parts(grad_ctx *g, const double *y, double exaggeration, double *grad,
                                 double *kl_part, double *z) {
    double t0 = emb_now();
    if (!kl_part && g->valf && g->dims >= 2)
        emb__tsne_attractive_f32(g->P, g->valf, y, g->yf, g->dims, exaggeration, g->nth, grad);
    else
        emb__tsne_attractive(g->P, y, g->dims, exaggeration, g->nth, grad, kl_part);
    double t1 = emb_now();
    emb_status st = EMB_OK;
    if (g->method == EMB_TSNE_EXACT) emb__tsne_repulsive_exact(y, g->n, g->dims, g->nth, g->neg, z);
    else if (g->method == EMB_TSNE_BH) st = emb__tsne_bh_repulsive(g->bh, y, g->n, g->dims, g->theta, g->nth, g->neg, g->zrow, z);
    else st = emb__tsne_repulsive_fft(g->fft, y, g->n, g->dims, g->nth, g->neg, z);
    g->sec_attr += t1 - t0;
    g->sec_rep += emb_now() - t1;
    return st;
}

static emb_status gradient(grad_ctx *g, const double *y, double exaggeration, double *grad, double *kl) {
    double z = 0, kl_part = 0;
    emb_status st = !kl && g->valf && g->dims >= 2 && g->method == EMB_TSNE_BH
                        ? gradient_bh_overlap(g, y, exaggeration, grad, &z)
                        : gradient_parts(g, y, exaggeration, grad, kl ? &kl_part : NULL, &z);
    if (st) return st;
    double inv = 1.0 / z;
    int64_t nd = g->n * g->dims;
#pragma omp parallel for schedule(static) num_threads(g->nth)
    for (int64_t i = 0; i < nd; i++) grad[i] -= g->neg[i] * inv;
    if (kl) *kl = kl_part + log(z);
    return EMB_OK;
}

/* One phase of gradient descent; returns EMB_OK or the gradient's status. */
static emb_status descend(grad_ctx *g, const emb_tsne_params *p, double *y, double *update,
                          double *gains, double *grad, int n_iter, double exaggeration,
                          double momentum, int *done_iter, int total_iter) {
    int64_t n = g->n;
    int dims = g->dims;
    double lr = p->learning_rate > 0 ? p->learning_rate : (double)n / exaggeration;
    for (int it = 0; it < n_iter; it++) {
        emb_status st = gradient(g, y, exaggeration, grad, NULL);
        if (st) return st;
        double maxn2 = p->max_step_norm * p->max_step_norm;
#pragma omp parallel for schedule(static) num_threads(g->nth)
        for (int64_t i = 0; i < n; i++) {
            double s2 = 0;
            for (int64_t e = i * dims; e < (i + 1) * dims; e++) {
                bool flipped = (update[e] > 0) != (grad[e] > 0) || (update[e] == 0) != (grad[e] == 0);
                gains[e] = flipped ? gains[e] + TSNE_GAIN_UP : gains[e] * TSNE_GAIN_DECAY + TSNE_MIN_GAIN;
                update[e] = momentum * update[e] - lr * gains[e] * grad[e];
                s2 += update[e] * update[e];
            }
            if (p->max_step_norm > 0 && s2 > maxn2) {
                double f = p->max_step_norm / sqrt(s2);
                for (int c = 0; c < dims; c++) update[i * dims + c] *= f;
            }
            for (int c = 0; c < dims; c++) y[i * dims + c] += update[i * dims + c];
        }
        double mean[3] = {0, 0, 0};   /* serial: the same sum whatever the thread count */
        for (int64_t i = 0; i < n; i++)
            for (int c = 0; c < dims; c++) mean[c] += y[i * dims + c];
        for (int c = 0; c < dims; c++) mean[c] /= (double)n;
#pragma omp parallel for schedule(static) num_threads(g->nth)
        for (int64_t i = 0; i < n; i++)
            for (int c = 0; c < dims; c++) y[i * dims + c] -= mean[c];
        ++*done_iter;
        if (p->progress.fn && (*done_iter % 50 == 0 || *done_iter == total_iter))
            emb_progress_report(&p->progress, "tsne", (double)*done_iter / total_iter, NULL);
    }
    return EMB_OK;
}

/* Exact kNN for t-SNE's wide graphs (k = 3 perplexity = 90) below this many
 * points at d = 50: NN-descent's cost grows with k (Fashion-MNIST 70,000 x 50,
 * k = 90, 2 threads: exact blocked SGEMM 7.2 s wall / 10.5 CPU s, NN-descent
 * 30 s / 29 CPU s). Exact grows as n^2 d, NN-descent about as n (d + 616)
 * (knn_exact.c's cost model), so the bound is scaled to other d from there. */
#define TSNE_KNN_EXACT_MAX_N 150000.0

static bool knn_exact_cheaper(int64_t n, int64_t d, int k) {
    if (k < 45) return false;   /* narrow graphs: emb_knn_build's own choice */
    double exact_rel = (1.25e-11 * (double)d + 2.0e-9) / (1.25e-11 * 50 + 2.0e-9);
    double nnd_rel = ((double)d + 616.0) / (50 + 616.0);
    return (double)n <= TSNE_KNN_EXACT_MAX_N * nnd_rel / exact_rel;
}

static emb_status get_graph(const emb_matf *x, const emb_knn *g, const emb_tsne_params *p,
                            emb_knn *own, const emb_knn **use) {
    int k = (int)fmin((double)(x->rows - 1), floor(TSNE_KNN_PER_PERPLEXITY * p->perplexity));
    if (g && g->n == x->rows && g->k >= k) { *use = g; return EMB_OK; }
    emb_knn_params kp = emb_knn_default_params();
    kp.k = k;
    kp.metric = EMB_METRIC_EUCLIDEAN;
    if (knn_exact_cheaper(x->rows, x->cols, k)) kp.method = EMB_KNN_EXACT;
    kp.n_threads = p->n_threads;
    kp.seed = p->seed;
    kp.progress = p->progress;
    emb_status st = emb_knn_build(x, &kp, own);
    *use = own;
    return st;
}

emb_status emb_tsne_run(const emb_matf *x, const emb_knn *g, const emb_tsne_params *p,
                        emb_matf *out, emb_tsne_stats *stats) {
    EMB__NEED_F32(x, "t-SNE");
    emb_tsne_params def = emb_tsne_default_params();
    if (!p) p = &def;
    int64_t n = x->rows;
    int dims = p->dims;
    if (n < 4) return emb__fail(EMB_E_INVALID, "t-SNE: need at least 4 points, got %lld", (long long)n);
    if (dims < 1 || dims > 3) return emb__fail(EMB_E_INVALID, "t-SNE: dims %d is not 1, 2 or 3", dims);
    if (!(p->perplexity > 0) || p->perplexity >= (double)(n - 1))
        return emb__fail(EMB_E_INVALID, "t-SNE: perplexity %.3g must be in (0, n - 1 = %lld)",
                         p->perplexity, (long long)(n - 1));
    emb_tsne_method method = p->method;
    if (method == EMB_TSNE_AUTO)
        method = n <= TSNE_EXACT_MAX_N ? EMB_TSNE_EXACT : (dims == 2 && n >= TSNE_FFT_MIN_N) ? EMB_TSNE_FFT : EMB_TSNE_BH;
    if (method == EMB_TSNE_FFT && dims != 2)
        return emb__fail(EMB_E_UNSUPPORTED, "t-SNE: the FFT gradient is 2D only (asked for %dD)", dims);
    emb_status st = EMB_OK;
    emb_knn own = {0};
    const emb_knn *use = NULL;
    emb_tsne_affinities P = {0};
    grad_ctx gc = {0};
    gc.nth = emb_threads_resolve(p->n_threads);
    int32_t *perm = NULL;   /* new index -> input index, when renumbered */
    size_t nd = (size_t)n * dims;
    double *y = emb__malloc(nd * sizeof *y, "t-SNE map");
    double *update = emb__calloc(nd, sizeof *update, "t-SNE update");
    double *gains = emb__malloc(nd * sizeof *gains, "t-SNE gains");
    double *grad = emb__malloc(nd * sizeof *grad, "t-SNE gradient");
    gc.neg = emb__malloc(nd * sizeof *gc.neg, "t-SNE gradient");
    if (!y || !update || !gains || !grad || !gc.neg) { st = EMB_E_NOMEM; goto done; }
    double t0 = emb_now();
    if ((st = get_graph(x, g, p, &own, &use))) goto done;
    double tk = emb_now();
    int k = (int)fmin((double)(n - 1), floor(TSNE_KNN_PER_PERPLEXITY * p->perplexity));
    emb_knn view = *use;
    if (view.k > k) {
        /* use the first k neighbours of a wider graph */
        view.idx = malloc((size_t)n * k * sizeof *view.idx);
        view.dist = malloc((size_t)n * k * sizeof *view.dist);
        if (!view.idx || !view.dist) { free(view.idx); free(view.dist); st = emb__fail(EMB_E_NOMEM, "t-SNE: out of memory"); goto done; }
        for (int64_t i = 0; i < n; i++) {
            memcpy(view.idx + i * k, use->idx + i * use->k, (size_t)k * sizeof *view.idx);
            memcpy(view.dist + i * k, use->dist + i * use->k, (size_t)k * sizeof *view.dist);
        }
        view.k = k;
        st = emb_tsne_affinities_build(&view, p->perplexity, p->n_threads, &P, NULL);
        free(view.idx);
        free(view.dist);
    } else {
        st = emb_tsne_affinities_build(&view, p->perplexity, p->n_threads, &P, NULL);
    }
    if (st) goto done;
    emb_knn_free(&own);
    double t1 = emb_now();
    if ((st = init_map(x, p, y))) goto done;
    if (method != EMB_TSNE_EXACT && n >= TSNE_ORDER_MIN_N) {
        /* renumber the points for locality (tsne_order.c); mapped back below */
        perm = emb__malloc((size_t)n * sizeof *perm, "t-SNE order");
        int32_t *inv = emb__malloc((size_t)n * sizeof *inv, "t-SNE order");
        emb_tsne_affinities Pp;
        if (!perm || !inv) st = EMB_E_NOMEM;
        if (!st) st = emb__tsne_locality_order(&P, perm);
        if (!st) {
            for (int64_t r = 0; r < n; r++) inv[perm[r]] = (int32_t)r;
            st = emb__tsne_affinities_permute(&P, perm, inv, gc.nth, &Pp);
        }
        if (!st) {
            emb_tsne_affinities_free(&P);
            P = Pp;
            /* grad as scratch: y in the new order */
            for (int64_t r = 0; r < n; r++)
                for (int c = 0; c < dims; c++) grad[r * dims + c] = y[(int64_t)perm[r] * dims + c];
            memcpy(y, grad, nd * sizeof *y);
        }
        free(inv);
        if (st) goto done;
    }
    for (size_t e = 0; e < nd; e++) gains[e] = 1;
    gc.P = &P;
    gc.n = n;
    gc.dims = dims;
    gc.method = method;
    gc.theta = p->theta;
    if (method == EMB_TSNE_FFT && !(gc.fft = emb__tsne_fft_new())) { st = EMB_E_NOMEM; goto done; }
    if (method == EMB_TSNE_BH) {
        gc.bh = emb__tsne_bh_new();
        gc.zrow = malloc((size_t)n * sizeof *gc.zrow);
        if (!gc.bh || !gc.zrow) { st = emb__fail(EMB_E_NOMEM, "t-SNE: out of memory"); goto done; }
    }
    if (dims >= 2 && P.row_ptr[n] > 0) {
        gc.valf = malloc((size_t)P.row_ptr[n] * sizeof *gc.valf);
        gc.yf = malloc((nd + 4) * sizeof *gc.yf);
        if (!gc.yf) { free(gc.valf); gc.valf = NULL; }
        if (gc.valf)   /* NULL: the double path serves */
            for (int64_t e = 0; e < P.row_ptr[n]; e++) gc.valf[e] = (float)P.val[e];
    }
    int done_iter = 0, total = p->early_exaggeration_iter + p->n_iter;
    double t2 = emb_now();
    st = descend(&gc, p, y, update, gains, grad, p->early_exaggeration_iter, p->early_exaggeration,
                 p->momentum, &done_iter, total);
    double t3 = emb_now();
    if (!st)
        st = descend(&gc, p, y, update, gains, grad, p->n_iter, p->exaggeration, p->final_momentum,
                     &done_iter, total);
    double t4 = emb_now();
    double kl = NAN;
    if (!st) st = gradient(&gc, y, 1.0, grad, &kl);
    if (!st) st = emb_matf_alloc(out, n, dims);
    if (st) goto done;
    if (perm) {
        for (int64_t r = 0; r < n; r++)
            for (int c = 0; c < dims; c++) out->data[(int64_t)perm[r] * dims + c] = (float)y[r * dims + c];
    } else {
        for (size_t e = 0; e < nd; e++) out->data[e] = (float)y[e];
    }
    if (stats) {
        stats->kl = kl;
        stats->iterations = done_iter;
        stats->method = method;
        stats->k = k;
        stats->seconds_affinities = t1 - t0;
        stats->seconds_optimize = emb_now() - t1;
        stats->seconds_knn = tk - t0;
        stats->seconds_early = t3 - t2;
        stats->seconds_final = t4 - t3;
        stats->seconds_attractive = gc.sec_attr;
        stats->seconds_repulsive = gc.sec_rep;
        double fs[3];
        stats->fft_grid_max = emb__tsne_fft_seconds(gc.fft, fs);
        stats->seconds_fft_spread = fs[0];
        stats->seconds_fft_transform = fs[1];
        stats->seconds_fft_interp = fs[2];
    }
done:
    emb__tsne_fft_free(gc.fft);
    emb__tsne_bh_free(gc.bh);
    free(gc.zrow);
    emb_tsne_affinities_free(&P);
    emb_knn_free(&own);
    free(y);
    free(update);
    free(gains);
    free(grad);
    free(gc.neg);
    free(gc.valf);
    free(gc.yf);
    free(perm);
    return st;
}

/* umap_transform.c - new points placed in a fitted UMAP map, as umap-learn
 * 0.5's UMAP.transform (umap_.py transform, init_graph_transform;
 * layouts.py optimize_layout_euclidean with move_other = False):
 *   1. memberships of each new point's k training neighbours from
 *      smooth_knn_dist with local_connectivity - 1 (bipartite: no symmetrisation);
 *   2. initial position: the membership-weighted mean of the neighbours'
 *      positions (a neighbour with membership 1 gives its position);
 *   3. n_epochs of SGD in which only the new points move: edges sampled by
 *      weight (those under max / n_epochs dropped), negative samples drawn
 *      from the training map, learning rate learning_rate / 4.
 * The training map never moves, so each new point is optimised on its own:
 * points run in parallel, each with its own random stream seeded by the
 * point's index, and the result does not depend on the number of threads.
 * Known shortcut: umap-learn draws its negative samples from one stream in
 * edge order; the streams here differ (same distribution). */
#include "maps/umap.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#define UMAP_TRANSFORM_EPOCHS_SMALL 100   /* umap_.py transform: <= 10000 new points */
#define UMAP_TRANSFORM_EPOCHS_LARGE 30
#define UMAP_TRANSFORM_SMALL_MAX 10000
#define UMAP_TRANSFORM_LR_DIVISOR 4.0     /* self._initial_alpha / 4.0 */
#define UMAP_REPULSION_EPS 0.001          /* layouts.py: (0.001 + d^2) */

static inline float clip4(float v) {
    return v > UMAP_GRAD_CLIP ? UMAP_GRAD_CLIP : v < -UMAP_GRAD_CLIP ? -UMAP_GRAD_CLIP : v;
}

/* Memberships w (m, k) of the query graph q (0 for padded slots). */
static void memberships(const emb_knn *q, const emb_umap_params *p, float *w) {
    int k = q->k;
    double total = 0;
    int64_t count = 0;
    for (int64_t i = 0; i < q->n * k; i++)
        if (q->idx[i] >= 0) { total += q->dist[i]; count++; }
    double mean_all = count ? total / count : 0;
    float lc = p->local_connectivity - 1.0f > 0 ? p->local_connectivity - 1.0f : 0.0f;
    #pragma omp parallel for schedule(static) num_threads(emb_threads_resolve(p->n_threads))
    for (int64_t i = 0; i < q->n; i++) {
        const float *d = q->dist + i * k;
        const int32_t *id = q->idx + i * k;
        int mv = 0;
        while (mv < k && id[mv] >= 0) mv++;
        float sigma = 1, rho = 0;
        emb__umap_smooth_row(d, mv, 1, mv, log2((double)k), lc, mean_all, &sigma, &rho);
        for (int j = 0; j < k; j++) {
            float e = j < mv ? d[j] - rho : 0;
            w[i * k + j] = j >= mv ? 0.0f : (e <= 0 || sigma == 0) ? 1.0f : expf(-e / sigma);
        }
    }
}

/* init_graph_transform: weighted mean of the neighbours' positions. */
static void init_point(const float *map, int dims, const int32_t *id, const float *w, int k, float *y) {
    double sum = 0;
    for (int j = 0; j < k; j++) sum += w[j];
    for (int t = 0; t < dims; t++) y[t] = sum > 0 ? 0.0f : NAN;
    for (int j = 0; j < k && sum > 0; j++) {
        const float *o = map + (size_t)id[j] * dims;
        if (w[j] == 1.0f) {           /* umap-learn: a perfect match takes that position */
            memcpy(y, o, sizeof(float) * (size_t)dims);
            break;
        }
        for (int t = 0; t < dims; t++) y[t] += (float)(w[j] / sum) * o[t];
    }
}

typedef struct {
    const float *map;          /* (n, dims) training map, read only */
    int64_t n;
    int dims, k, n_epochs, nsr;
    double a, b, gamma, lr;
    float wmin, wmax;          /* edges under wmin are dropped; wmax sets the schedule */
} tf_ctx;

/* SGD of one new point y over its edges (umap-learn's loop, head only). */
static void optimise_point(const tf_ctx *c, const int32_t *id, const float *w, uint64_t seed, float *y) {
    float eps[1024], next[1024], next_neg[1024];
    int k = c->k < 1024 ? c->k : 1024;
    for (int j = 0; j < k; j++) {
        bool on = id[j] >= 0 && w[j] >= c->wmin && w[j] > 0;
        eps[j] = on ? (float)(c->wmax / w[j]) : INFINITY;    /* n_epochs / (n_epochs w / max) */
        next[j] = eps[j];
        next_neg[j] = c->nsr > 0 ? eps[j] / c->nsr : INFINITY;
    }
    emb_rng rng;
    emb_rng_seed(&rng, seed);
    float diff[64];
    int dims = c->dims < 64 ? c->dims : 64;
    for (int epoch = 0; epoch < c->n_epochs; epoch++) {
        double alpha = epoch == 0 ? c->lr : c->lr * (1.0 - (double)(epoch - 1) / c->n_epochs);
        for (int j = 0; j < k; j++) {
            if (!(next[j] <= epoch)) continue;
            const float *o = c->map + (size_t)id[j] * c->dims;
            double d2 = 0;
            for (int t = 0; t < dims; t++) { diff[t] = y[t] - o[t]; d2 += (double)diff[t] * diff[t]; }
            double gc = d2 > 0 ? -2.0 * c->a * c->b * pow(d2, c->b - 1.0) / (c->a * pow(d2, c->b) + 1.0) : 0;
            for (int t = 0; t < dims; t++) y[t] += (float)(clip4((float)(gc * diff[t])) * alpha);
            next[j] += eps[j];
            float eneg = eps[j] / c->nsr;
            int n_neg = c->nsr > 0 ? (int)((epoch - next_neg[j]) / eneg) : 0;
            for (int s = 0; s < n_neg; s++) {
                const float *r = c->map + (size_t)emb_rng_below(&rng, (uint32_t)c->n) * c->dims;
                double q2 = 0;
                for (int t = 0; t < dims; t++) { diff[t] = y[t] - r[t]; q2 += (double)diff[t] * diff[t]; }
                double rc = q2 > 0 ? 2.0 * c->gamma * c->b / ((UMAP_REPULSION_EPS + q2) * (c->a * pow(q2, c->b) + 1.0)) : 0;
                for (int t = 0; t < dims; t++)
                    y[t] += (float)((rc > 0 ? clip4((float)(rc * diff[t])) : UMAP_GRAD_CLIP) * alpha);
            }
            if (n_neg > 0) next_neg[j] += n_neg * eneg;
        }
    }
}

emb_status emb_umap_transform(const emb_knn *q, const emb_matf *map, const emb_umap_params *params,
                              emb_matf *out) {
    emb_umap_params p = params ? *params : emb_umap_default_params();
    memset(out, 0, sizeof *out);
    if (map->rows < 1 || map->rows > INT32_MAX || map->cols < 1 || map->cols > 64 || q->k < 1 || q->k > 1024)
        return emb__fail(EMB_E_INVALID, "UMAP transform: map %lld x %lld, %d neighbours per point",
                         (long long)map->rows, (long long)map->cols, q->k);
    for (int64_t i = 0; i < q->n * q->k; i++)
        if (q->idx[i] >= map->rows)
            return emb__fail(EMB_E_INVALID, "UMAP transform: neighbour %d of a map of %lld points",
                             q->idx[i], (long long)map->rows);
    double a = p.a, b = p.b;
    emb_status st = EMB_OK;
    if (a <= 0 || b <= 0) st = emb_umap_find_ab(p.spread, p.min_dist, &a, &b);
    int n_epochs = p.n_epochs > 0 ? p.n_epochs / 3
                 : q->n <= UMAP_TRANSFORM_SMALL_MAX ? UMAP_TRANSFORM_EPOCHS_SMALL : UMAP_TRANSFORM_EPOCHS_LARGE;
    float *w = st ? NULL : emb__malloc(sizeof(float) * (size_t)(q->n * q->k + 1), "UMAP transform memberships");
    if (!st && !w) st = EMB_E_NOMEM;
    if (!st) st = emb_matf_alloc(out, q->n, map->cols);
    if (st) { free(w); return st; }
    memberships(q, &p, w);
    float wmax = 0;
    for (int64_t i = 0; i < q->n * q->k; i++) wmax = fmaxf(wmax, w[i]);
    tf_ctx c = {map->data, map->rows, (int)map->cols, q->k, n_epochs, p.negative_sample_rate,
                a, b, p.repulsion_strength, p.learning_rate / UMAP_TRANSFORM_LR_DIVISOR,
                n_epochs > 0 ? wmax / n_epochs : 0, wmax};
    #pragma omp parallel for schedule(dynamic, 64) num_threads(emb_threads_resolve(p.n_threads))
    for (int64_t i = 0; i < q->n; i++) {
        float *y = out->data + (size_t)i * map->cols;
        init_point(map->data, (int)map->cols, q->idx + i * q->k, w + i * q->k, q->k, y);
        if (!isnan(y[0]))
            optimise_point(&c, q->idx + i * q->k, w + i * q->k, p.seed ^ (0x9e3779b97f4a7c15ull * (uint64_t)(i + 1)), y);
    }
    emb_progress_report(&p.progress, "umap transform", 1.0, NULL);
    free(w);
    return EMB_OK;
}

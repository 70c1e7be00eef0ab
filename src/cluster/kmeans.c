/* kmeans.c - k-means: k-means++ seeding (Arthur & Vassilvitskii 2007, with
 * the greedy local trials of scikit-learn's _kmeans_plusplus) and Lloyd's
 * iterations as scikit-learn's KMeans(algorithm="lloyd") runs them
 * (sklearn/cluster/_kmeans.py, _k_means_lloyd.pyx): assign each row to its
 * nearest centre, recompute the means, stop on stable labels or a small
 * centre shift, relocate emptied clusters to the farthest rows.
 *
 * Squared distances come blockwise as ||x||^2 - 2 x.c + ||c||^2, each row's
 * K dot products by the neighbour stage's per-level kernel (emb__dot: the
 * centres stay in cache, the rows are read once; a GEMM packed the rows
 * and padded K = 10 to its tile width: Fashion-MNIST 70k 4.9 -> 3.1-3.8 s,
 * the same clusters.csv), so each row's result is independent of the
 * thread count; the means
 * are summed in double per cluster in item order, so a seed gives the same
 * result at any thread count. */
#include "core/internal.h"
#include "neighbors/neighbors.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* Rows per distance block: (rows, k) floats of at most 16 MB, so that a
 * pass over 70,000 rows at k = 10 is one GEMM and one team (each OpenMP team
 * costs a hand-over, dear when the cores are shared). */
#define KMEANS_BLOCK_FLOATS (4 << 20)
#define KMEANS_BLOCK_MIN 256

emb_kmeans_params emb_kmeans_default_params(void) {
    return (emb_kmeans_params){.k = 10, .max_iter = 300, .tol = 1e-4, .seed = 42};
}

void emb_clusters_free(emb_clusters *c) {
    if (!c) return;
    free(c->cluster);
    free(c->probability);
    free(c->outlier);
    free(c->centers);
    free(c->dist);
    memset(c, 0, sizeof *c);
}

static double sqdist(const float *a, const float *b, int64_t d) {
    double s = 0;
    for (int64_t t = 0; t < d; t++) { double v = (double)a[t] - b[t]; s += v * v; }
    return s;
}

/* ----------------------------------------------------------- k-means++ */

/* First index whose cumulative weight exceeds r (weights >= 0): an item of
 * weight 0 is never drawn. */
static int64_t draw(const double *cum, int64_t n, double r) {
    int64_t lo = 0, hi = n - 1;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (cum[mid] > r) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

emb_status emb_kmeans_plusplus(const emb_matf *x, int k, uint64_t seed, int n_threads,
                               float *centers, int *k_found) {
    EMB__NEED_F32(x, "k-means++");
    int64_t n = x->rows, d = x->cols;
    if (n < 1 || d < 1 || k < 1) return emb__fail(EMB_E_INVALID, "k-means++: %lld rows, %lld columns, k = %d", (long long)n, (long long)d, k);
    int nth = emb_threads_resolve(n_threads);
    int trials = 2 + (int)log((double)k);   /* scikit-learn's n_local_trials */
    double *closest = emb__malloc(sizeof(double) * (size_t)n, "k-means++ distances");
    double *cum = emb__malloc(sizeof(double) * (size_t)n, "k-means++ sums");
    double *cand = emb__malloc(sizeof(double) * (size_t)n * trials, "k-means++ candidates");
    emb_status st = EMB_OK;
    if (!closest || !cum || !cand) { st = EMB_E_NOMEM; goto done; }
    emb_rng rng;
    emb_rng_seed(&rng, seed);
    int64_t first = (int64_t)(emb_rng_uniform(&rng) * (double)n);
    if (first >= n) first = n - 1;
    memcpy(centers, x->data + (size_t)first * d, sizeof(float) * (size_t)d);
    emb__simd_init();   /* D^2 in float with the SIMD kernel of this level (neighbors/simd.c) */
    #pragma omp parallel for schedule(static) num_threads(nth)
    for (int64_t i = 0; i < n; i++) closest[i] = emb__sqdist(x->data + (size_t)i * d, centers, d);
    int found = 1;
    while (found < k) {
        double pot = 0;
        for (int64_t i = 0; i < n; i++) { pot += closest[i]; cum[i] = pot; }
        if (!(pot > 0)) break;   /* every row sits on a centre: no distinct row left */
        int64_t ids[64];
        int nt = trials < 64 ? trials : 64;
        for (int t = 0; t < nt; t++) ids[t] = draw(cum, n, emb_rng_uniform(&rng) * pot);
        #pragma omp parallel for schedule(static) num_threads(nth)
        for (int64_t i = 0; i < n; i++)
            for (int t = 0; t < nt; t++) {
                double v = emb__sqdist(x->data + (size_t)i * d, x->data + (size_t)ids[t] * d, d);
                cand[(size_t)t * n + i] = v < closest[i] ? v : closest[i];
            }
        int best = 0;
        double best_pot = INFINITY;
        for (int t = 0; t < nt; t++) {
            double p = 0;
            for (int64_t i = 0; i < n; i++) p += cand[(size_t)t * n + i];
            if (p < best_pot) { best_pot = p; best = t; }
        }
        memcpy(centers + (size_t)found * d, x->data + (size_t)ids[best] * d, sizeof(float) * (size_t)d);
        memcpy(closest, cand + (size_t)best * n, sizeof(double) * (size_t)n);
        found++;
    }
    *k_found = found;
done:
    free(closest);
    free(cum);
    free(cand);
    return st;
}

/* --------------------------------------------------------------- Lloyd */

typedef struct {
    const emb_matf *x;
    const float *xn;     /* (n) ||x_i||^2 */
    int k, nth;
    int64_t block;       /* rows per block */
    float *dots;         /* (block, k) */
    float *cn;           /* (k) ||c||^2 */
} assign_ws;

/* label[i] = nearest centre, d2[i] = its squared distance (clamped >= 0);
 * ties go to the lower centre index. Returns the number of changed labels. */
static emb_status assign(assign_ws *w, const float *centers, int32_t *label, float *d2, int64_t *changed) {
    int64_t n = w->x->rows, d = w->x->cols;
    int k = w->k;
    for (int c = 0; c < k; c++) {
        double s = 0;
        for (int64_t t = 0; t < d; t++) s += (double)centers[(size_t)c * d + t] * centers[(size_t)c * d + t];
        w->cn[c] = (float)s;
    }
    int64_t ch = 0, bs = w->block;
    for (int64_t b0 = 0; b0 < n; b0 += bs) {
        int64_t bn = n - b0 < bs ? n - b0 : bs;
        #pragma omp parallel for schedule(static) reduction(+ : ch) num_threads(w->nth)
        for (int64_t r = 0; r < bn; r++) {
            /* row . centre for the k centres (they stay in cache): one pass
             * over the row data, no packing (K is small) */
            float *dr = w->dots + (size_t)r * k;
            const float *xr = w->x->data + (size_t)(b0 + r) * d;
            for (int c = 0; c < k; c++) dr[c] = emb__dot(xr, centers + (size_t)c * d, d);
            int best = 0;
            float bd = INFINITY;
            for (int c = 0; c < k; c++) {
                float v = w->xn[b0 + r] - 2.0f * dr[c] + w->cn[c];
                if (v < bd) { bd = v; best = c; }
            }
            if (label[b0 + r] != best) ch++;
            label[b0 + r] = best;
            d2[b0 + r] = bd > 0 ? bd : 0;
        }
    }
    *changed = ch;
    return EMB_OK;
}

typedef struct { float d2; int64_t i; } far_item;
static int cmp_far(const void *a, const void *b) {
    const far_item *p = a, *q = b;
    if (p->d2 != q->d2) return p->d2 > q->d2 ? -1 : 1;
    return p->i < q->i ? -1 : p->i > q->i;
}

/* New centres = means of the members, summed in double in item order per
 * cluster (one task each). Empty clusters take the rows farthest from their
 * centre, which leave their old cluster (scikit-learn's
 * _relocate_empty_clusters). order (n), start (k + 1): scratch. */
static emb_status update(const emb_matf *x, int k, int nth, int32_t *label, const float *d2,
                         int64_t *order, int64_t *start, float *centers) {
    int64_t n = x->rows, d = x->cols;
    memset(start, 0, sizeof(int64_t) * (size_t)(k + 1));
    for (int64_t i = 0; i < n; i++) start[label[i] + 1]++;
    int n_empty = 0;
    for (int c = 0; c < k; c++) n_empty += start[c + 1] == 0;
    if (n_empty) {
        far_item *f = emb__malloc(sizeof *f * (size_t)n, "k-means relocation");
        if (!f) return EMB_E_NOMEM;
        for (int64_t i = 0; i < n; i++) f[i] = (far_item){d2[i], i};
        qsort(f, (size_t)n, sizeof *f, cmp_far);
        int e = 0;
        for (int c = 0; c < k && e < n; c++) {
            if (start[c + 1]) continue;
            int64_t i = f[e++].i;
            if (start[label[i] + 1] <= 1) continue;   /* would empty its own cluster */
            start[label[i] + 1]--;
            label[i] = c;
            start[c + 1] = 1;
        }
        free(f);
    }
    for (int c = 0; c < k; c++) start[c + 1] += start[c];
    int64_t *fill = emb__malloc(sizeof(int64_t) * (size_t)k, "k-means fill");
    if (!fill) return EMB_E_NOMEM;
    memcpy(fill, start, sizeof(int64_t) * (size_t)k);
    for (int64_t i = 0; i < n; i++) order[fill[label[i]]++] = i;
    free(fill);
    /* one task per cluster: its member rows read whole, in item order */
    double *acc = emb__malloc(sizeof(double) * (size_t)d * nth, "k-means sums");
    if (!acc) return EMB_E_NOMEM;
    #pragma omp parallel for schedule(dynamic, 1) num_threads(nth)
    for (int c = 0; c < k; c++) {
        double *sum = acc + (size_t)omp_get_thread_num() * d;
        int64_t m = start[c + 1] - start[c];
        if (!m) continue;   /* left as it was (only when relocation had no row to give) */
        memset(sum, 0, sizeof(double) * (size_t)d);
        for (int64_t a = start[c]; a < start[c + 1]; a++) {
            const float *row = x->data + (size_t)order[a] * d;
            for (int64_t t = 0; t < d; t++) sum[t] += row[t];
        }
        for (int64_t t = 0; t < d; t++) centers[(size_t)c * d + t] = (float)(sum[t] / (double)m);
    }
    free(acc);
    return EMB_OK;
}

/* Mean per-column variance of x (scikit-learn's _tolerance), in double. */
static double mean_variance(const emb_matf *x) {
    int64_t n = x->rows, d = x->cols;
    double *m = calloc((size_t)d, sizeof *m), *v = calloc((size_t)d, sizeof *v), tot = 0;
    if (!m || !v) { free(m); free(v); return 0; }   /* tol 0: stop on stable labels only */
    for (int64_t i = 0; i < n; i++)
        for (int64_t t = 0; t < d; t++) m[t] += x->data[(size_t)i * d + t];
    for (int64_t t = 0; t < d; t++) m[t] /= (double)n;
    for (int64_t i = 0; i < n; i++)
        for (int64_t t = 0; t < d; t++) { double e = x->data[(size_t)i * d + t] - m[t]; v[t] += e * e; }
    for (int64_t t = 0; t < d; t++) tot += v[t] / (double)n;
    free(m);
    free(v);
    return tot / (double)d;
}

emb_status emb_kmeans_run(const emb_matf *x, const emb_kmeans_params *params, const float *init,
                          emb_clusters *out) {
    EMB__NEED_F32(x, "k-means");
    emb_kmeans_params p = params ? *params : emb_kmeans_default_params();
    int64_t n = x ? x->rows : 0, d = x ? x->cols : 0;
    if (!x || !x->data || n < 1 || d < 1) return emb__fail(EMB_E_INVALID, "k-means: no rows");
    if (p.k < 1) return emb__fail(EMB_E_INVALID, "k-means: k = %d (must be >= 1)", p.k);
    if (n > INT32_MAX) return emb__fail(EMB_E_INVALID, "k-means: %lld rows (at most 2^31 - 1)", (long long)n);
    int nth = emb_threads_resolve(p.n_threads);
    emb_clusters c = {0};
    c.n = n; c.d = d; c.method = "kmeans";
    int k = p.k;
    if (!init && k > n) k = (int)n;
    emb_status st = EMB_OK;
    int64_t *order = NULL, *start = NULL;
    float *xn = NULL, *old = NULL, *dots = NULL, *cn = NULL;
    c.centers = emb__malloc(sizeof(float) * (size_t)k * d, "k-means centres");
    c.cluster = emb__malloc(sizeof(int32_t) * (size_t)n, "k-means labels");
    c.dist = emb__malloc(sizeof(float) * (size_t)n, "k-means distances");
    c.probability = emb__malloc(sizeof(float) * (size_t)n, "k-means probabilities");
    c.outlier = emb__malloc(sizeof(float) * (size_t)n, "k-means outlier scores");
    order = emb__malloc(sizeof(int64_t) * (size_t)n, "k-means order");
    start = emb__malloc(sizeof(int64_t) * (size_t)(k + 1), "k-means starts");
    xn = emb__malloc(sizeof(float) * (size_t)n, "k-means norms");
    old = emb__malloc(sizeof(float) * (size_t)k * d, "k-means old centres");
    int64_t block = KMEANS_BLOCK_FLOATS / k;
    if (block < KMEANS_BLOCK_MIN) block = KMEANS_BLOCK_MIN;
    if (block > n) block = n;
    dots = emb__malloc(sizeof(float) * (size_t)block * k, "k-means dot products");
    cn = emb__malloc(sizeof(float) * (size_t)k, "k-means centre norms");
    if (!c.centers || !c.cluster || !c.dist || !c.probability || !c.outlier || !order || !start || !xn || !old || !dots || !cn) {
        st = EMB_E_NOMEM;
        goto done;
    }
    if (init) memcpy(c.centers, init, sizeof(float) * (size_t)k * d);
    else if ((st = emb_kmeans_plusplus(x, k, p.seed, nth, c.centers, &k))) goto done;
    c.k = k;
    #pragma omp parallel for schedule(static) num_threads(nth)
    for (int64_t i = 0; i < n; i++) {
        double s = 0;
        for (int64_t t = 0; t < d; t++) s += (double)x->data[(size_t)i * d + t] * x->data[(size_t)i * d + t];
        xn[i] = (float)s;
    }
    double tol = p.tol * mean_variance(x);
    assign_ws w = {x, xn, k, nth, block, dots, cn};
    for (int64_t i = 0; i < n; i++) c.cluster[i] = -1;
    float *d2 = c.dist;   /* squared until the end */
    for (int it = 0; it < p.max_iter; it++) {
        int64_t changed;
        if ((st = assign(&w, c.centers, c.cluster, d2, &changed))) goto done;
        memcpy(old, c.centers, sizeof(float) * (size_t)k * d);
        if ((st = update(x, k, nth, c.cluster, d2, order, start, c.centers))) goto done;
        c.n_iter = it + 1;
        if (it > 0 && changed == 0) { c.converged = true; break; }
        double shift = 0;
        for (size_t a = 0; a < (size_t)k * d; a++) { double e = (double)c.centers[a] - old[a]; shift += e * e; }
        emb_progress_report(&p.progress, "kmeans", -1, NULL);
        if (shift <= tol) { c.converged = true; break; }
    }
    int64_t changed;
    if ((st = assign(&w, c.centers, c.cluster, d2, &changed))) goto done;   /* labels of the final centres */
    /* exact distances (the GEMM form loses digits near 0), inertia, scores */
    #pragma omp parallel for schedule(static) num_threads(nth)
    for (int64_t i = 0; i < n; i++)
        d2[i] = (float)sqrt(sqdist(x->data + (size_t)i * d, c.centers + (size_t)c.cluster[i] * d, d));
    c.inertia = 0;
    for (int64_t i = 0; i < n; i++) c.inertia += (double)d2[i] * d2[i];
    for (int a = 0; a < k; a++) cn[a] = 0;
    for (int64_t i = 0; i < n; i++) if (d2[i] > cn[c.cluster[i]]) cn[c.cluster[i]] = d2[i];
    for (int64_t i = 0; i < n; i++) {
        float m = cn[c.cluster[i]];
        c.probability[i] = 1.0f;
        c.outlier[i] = m > 0 ? d2[i] / m : 0.0f;
    }
    *out = c;
    memset(&c, 0, sizeof c);   /* the caller owns it now */
done:
    emb_clusters_free(&c);
    free(order);
    free(start);
    free(xn);
    free(old);
    free(dots);
    free(cn);
    return st;
}

emb_status emb_clusters_write_csv(const char *path, const emb_clusters *c) {
    emb_outfile o;
    emb_status st = emb_outfile_open(&o, path);
    if (st) return st;
    /* %.9g: each float as written reads back the same, so the report's
     * ranking from this file equals the one summary.json was made with */
    fputs("index,cluster,probability,outlier_score,distance\n", o.f);
    for (int64_t i = 0; i < c->n; i++)
        fprintf(o.f, "%lld,%d,%.9g,%.9g,%.9g\n", (long long)i, c->cluster[i], c->probability[i], c->outlier[i],
                c->dist ? c->dist[i] : 0.0f);
    if (ferror(o.f)) { emb_outfile_abort(&o); return emb__fail(EMB_E_IO, "%s: write failed", path); }
    return emb_outfile_commit(&o);
}

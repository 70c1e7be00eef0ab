/* umap.c - UMAP (McInnes, Healy & Melville 2018) as umap-learn 0.5 does it:
 * find_ab_params, smooth_knn_dist, compute_membership_strengths and the
 * fuzzy union of umap_.py, then simplicial_set_embedding: weights below
 * max / n_epochs dropped, init (spectral scaled to 10 + N(0, 1e-4) noise),
 * every init rescaled to [0, 10] per axis, and the SGD of layouts.py
 * (umap_layout.c). The spectral layout is in spectral.c. */
#include "maps/umap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

emb_umap_params emb_umap_default_params(void) {
    emb_umap_params p;
    memset(&p, 0, sizeof p);
    p.n_components = 2;
    p.n_neighbors = 15;
    p.min_dist = 0.1f;
    p.spread = 1.0f;
    p.local_connectivity = 1.0f;
    p.set_op_mix_ratio = 1.0f;
    p.learning_rate = 1.0f;
    p.negative_sample_rate = 5;
    p.repulsion_strength = 1.0f;
    p.init = EMB_UMAP_INIT_SPECTRAL;
    p.seed = 42;
    return p;
}

void emb_umap_graph_free(emb_umap_graph *gr) {
    if (!gr) return;
    free(gr->indptr);
    free(gr->indices);
    free(gr->weights);
    memset(gr, 0, sizeof *gr);
}

/* ---- a, b: scipy.optimize.curve_fit (Levenberg-Marquardt) of
 * 1 / (1 + a x^(2b)) to y = 1 below min_dist, exp(-(x - min_dist)/spread)
 * above, on linspace(0, 3 spread, 300), starting from a = b = 1. */
#define UMAP_AB_POINTS 300

static double ab_cost(const double *x, const double *y, double a, double b) {
    double c = 0;
    for (int i = 0; i < UMAP_AB_POINTS; i++) {
        double r = 1.0 / (1.0 + a * pow(x[i], 2 * b)) - y[i];
        c += r * r;
    }
    return c;
}

emb_status emb_umap_find_ab(double spread, double min_dist, double *a_out, double *b_out) {
    if (!(spread > 0) || !(min_dist >= 0))
        return emb__fail(EMB_E_INVALID, "UMAP: spread (%g) must be > 0 and min_dist (%g) >= 0", spread, min_dist);
    double x[UMAP_AB_POINTS], y[UMAP_AB_POINTS];
    for (int i = 0; i < UMAP_AB_POINTS; i++) {
        x[i] = spread * 3.0 * i / (UMAP_AB_POINTS - 1);
        y[i] = x[i] < min_dist ? 1.0 : exp(-(x[i] - min_dist) / spread);
    }
    double a = 1, b = 1, lambda = 1e-3, cost = ab_cost(x, y, a, b);
    for (int it = 0; it < 1000; it++) {
        double jtj[3] = {0, 0, 0}, jtr[2] = {0, 0};   /* [aa, ab, bb] */
        for (int i = 0; i < UMAP_AB_POINTS; i++) {
            double u = x[i] > 0 ? pow(x[i], 2 * b) : 0.0, den = 1.0 + a * u;
            double r = 1.0 / den - y[i];
            double ja = -u / (den * den);
            double jb = x[i] > 0 ? -a * u * 2.0 * log(x[i]) / (den * den) : 0.0;
            jtj[0] += ja * ja; jtj[1] += ja * jb; jtj[2] += jb * jb;
            jtr[0] += ja * r; jtr[1] += jb * r;
        }
        double improved = 0;
        for (int tries = 0; tries < 50; tries++) {
            double m0 = jtj[0] * (1 + lambda), m2 = jtj[2] * (1 + lambda), m1 = jtj[1];
            double det = m0 * m2 - m1 * m1;
            if (det == 0) { lambda *= 10; continue; }
            double da = -(m2 * jtr[0] - m1 * jtr[1]) / det, db = -(m0 * jtr[1] - m1 * jtr[0]) / det;
            double c2 = ab_cost(x, y, a + da, b + db);
            if (c2 < cost) {
                improved = cost - c2;
                a += da; b += db; cost = c2;
                lambda = fmax(lambda / 10, 1e-12);
                break;
            }
            lambda *= 10;
        }
        if (improved <= 1e-15 * (cost + 1e-300)) break;
    }
    if (!isfinite(a) || !isfinite(b))
        return emb__fail(EMB_E_INVALID, "UMAP: could not fit a, b for spread %g, min_dist %g", spread, min_dist);
    *a_out = a;
    *b_out = b;
    return EMB_OK;
}

/* ---- smooth_knn_dist. Row i of umap-learn's distance matrix is
 * [0 (the item itself), d_1, ..., d_{m}] with m = n_neighbors - 1 columns
 * of g; we read it in that form without building it. */
static int cols_used(const emb_knn *g, int n_neighbors) {
    int m = n_neighbors - 1;
    return m < g->k ? m : g->k;
}

emb_status emb_umap_smooth_knn(const emb_knn *g, int n_neighbors, float local_connectivity,
                               float *sigma, float *rho) {
    if (n_neighbors < 2) return emb__fail(EMB_E_INVALID, "UMAP: n_neighbors must be >= 2 (got %d)", n_neighbors);
    int m = cols_used(g, n_neighbors);
    int64_t n = g->n;
    double target = log2((double)n_neighbors);
    /* np.mean over the whole (n, m + 1) matrix, self zeros included; padded
     * (missing) neighbours are left out. */
    double total = 0;
    int64_t count = 0;
    for (int64_t i = 0; i < n; i++) {
        count++;
        for (int j = 0; j < m; j++)
            if (g->idx[i * g->k + j] >= 0) { total += g->dist[i * g->k + j]; count++; }
    }
    double mean_all = count ? total / count : 0;
    #pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++) {
        const float *d = g->dist + i * g->k;
        const int32_t *id = g->idx + i * g->k;
        int mv = 0;                       /* valid (non-padded) columns */
        while (mv < m && id[mv] >= 0) mv++;
        /* umap-learn's row is the point itself (0) and then these */
        emb__umap_smooth_row(d, mv, 0, mv + 1, target, local_connectivity, mean_all, &sigma[i], &rho[i]);
    }
    return EMB_OK;
}

void emb__umap_smooth_row(const float *d, int cols, int psum_from, int mean_cols, double target,
                          float local_connectivity, double mean_all, float *sigma, float *rho) {
    int index = (int)floor(local_connectivity);
    double interp = local_connectivity - index;
    float nz[1024];                   /* the first nonzero distances */
    int n_nz = 0;
    double row_sum = 0;
    for (int j = 0; j < cols; j++) {
        row_sum += d[j];
        if (d[j] > 0 && n_nz < 1024) nz[n_nz++] = d[j];
    }
    float r = 0;
    if (n_nz >= local_connectivity) {
        if (index > 0) {
            r = nz[index - 1];
            if (interp > UMAP_SMOOTH_K_TOLERANCE) r += (float)(interp * (nz[index] - nz[index - 1]));
        } else if (n_nz > 0) {
            r = (float)(interp * nz[0]);
        }
    } else if (n_nz > 0) {
        r = nz[n_nz - 1];
    }
    double lo = 0, hi = INFINITY, mid = 1.0;
    for (int it = 0; it < UMAP_SMOOTH_K_ITER; it++) {
        double psum = 0;
        for (int j = psum_from; j < cols; j++) {   /* columns 1.. of umap-learn's row */
            float dd = d[j] - r;
            psum += dd > 0 ? exp(-(dd / mid)) : 1.0;
        }
        if (fabs(psum - target) < UMAP_SMOOTH_K_TOLERANCE) break;
        if (psum > target) {
            hi = mid;
            mid = (lo + hi) / 2.0;
        } else {
            lo = mid;
            if (hi == INFINITY) mid *= 2;
            else mid = (lo + hi) / 2.0;
        }
    }
    float s = (float)mid;
    if (r > 0) {
        double mean_i = row_sum / mean_cols;
        if (s < UMAP_MIN_K_DIST_SCALE * mean_i) s = (float)(UMAP_MIN_K_DIST_SCALE * mean_i);
    } else if (s < UMAP_MIN_K_DIST_SCALE * mean_all) {
        s = (float)(UMAP_MIN_K_DIST_SCALE * mean_all);
    }
    *sigma = s;
    *rho = r;
}

/* ---- compute_membership_strengths + fuzzy union. */

typedef struct { int32_t col; float w; } entry;

static int entry_cmp(const void *a, const void *b) {
    int32_t x = ((const entry *)a)->col, y = ((const entry *)b)->col;
    return (x > y) - (x < y);
}

emb_status emb_umap_graph_build(const emb_knn *g, const emb_umap_params *params,
                                emb_umap_graph *out, float *sigma_out, float *rho_out) {
    emb_umap_params p = params ? *params : emb_umap_default_params();
    memset(out, 0, sizeof *out);
    if (g->n < 1 || g->k < 1 || !g->idx || !g->dist) return emb__fail(EMB_E_INVALID, "UMAP: empty neighbour graph");
    if (g->n > INT32_MAX) return emb__fail(EMB_E_UNSUPPORTED, "UMAP: %lld items is more than 2^31", (long long)g->n);
    int64_t n = g->n;
    int m = cols_used(g, p.n_neighbors);
    emb_status st = EMB_OK;
    float *sigma = emb__malloc(sizeof(float) * n, "UMAP sigma"), *rho = emb__malloc(sizeof(float) * n, "UMAP rho");
    entry *fw = emb__malloc(sizeof(entry) * (size_t)n * m, "UMAP memberships");
    int64_t *fw_cnt = emb__calloc((size_t)n + 1, sizeof(int64_t), "UMAP rows");
    int64_t *tp_ptr = emb__calloc((size_t)n + 1, sizeof(int64_t), "UMAP transpose");
    entry *tp = emb__malloc(sizeof(entry) * (size_t)n * m, "UMAP transpose");
    int64_t *fill = NULL;
    if (!sigma || !rho || !fw || !fw_cnt || !tp_ptr || !tp) { st = EMB_E_NOMEM; goto done; }
    /* A graph with fewer columns than n_neighbors - 1 counts as n_neighbors = k + 1. */
    int nn = p.n_neighbors <= g->k + 1 ? p.n_neighbors : g->k + 1;
    int nt = emb_threads_resolve(p.n_threads);
    if ((st = emb_umap_smooth_knn(g, nn, p.local_connectivity, sigma, rho))) goto done;

    /* P: row i, its m memberships sorted by column; zeros dropped
     * (eliminate_zeros), duplicate columns kept once (the larger). */
    #pragma omp parallel for schedule(static) num_threads(nt)
    for (int64_t i = 0; i < n; i++) {
        entry *e = fw + i * m;
        int c = 0;
        for (int j = 0; j < m; j++) {
            int32_t col = g->idx[i * g->k + j];
            if (col < 0 || col == i) continue;
            float dd = g->dist[i * g->k + j] - rho[i];
            float w = (dd <= 0 || sigma[i] == 0) ? 1.0f : expf(-(dd / sigma[i]));
            if (w > 0) e[c++] = (entry){col, w};
        }
        qsort(e, (size_t)c, sizeof(entry), entry_cmp);
        int u = 0;
        for (int j = 0; j < c; j++) {
            if (u > 0 && e[u - 1].col == e[j].col) { if (e[j].w > e[u - 1].w) e[u - 1].w = e[j].w; continue; }
            e[u++] = e[j];
        }
        fw_cnt[i] = u;
    }
    /* P^T by counting sort: rows come out with ascending columns. */
    for (int64_t i = 0; i < n; i++)
        for (int j = 0; j < fw_cnt[i]; j++) tp_ptr[fw[i * m + j].col + 1]++;
    for (int64_t i = 0; i < n; i++) tp_ptr[i + 1] += tp_ptr[i];
    if (!(fill = emb__malloc(sizeof(int64_t) * n, "UMAP transpose"))) { st = EMB_E_NOMEM; goto done; }
    memcpy(fill, tp_ptr, sizeof(int64_t) * n);
    for (int64_t i = 0; i < n; i++)
        for (int j = 0; j < fw_cnt[i]; j++) {
            entry e = fw[i * m + j];
            tp[fill[e.col]++] = (entry){(int32_t)i, e.w};
        }
    /* Union: merge row i of P and of P^T. Two passes: count, then fill. */
    out->indptr = emb__calloc((size_t)n + 1, sizeof(int64_t), "UMAP graph");
    if (!out->indptr) { st = EMB_E_NOMEM; goto done; }
    double mix = p.set_op_mix_ratio;
    for (int pass = 0; pass < 2; pass++) {
        #pragma omp parallel for schedule(static) num_threads(nt)
        for (int64_t i = 0; i < n; i++) {
            const entry *a = fw + i * m, *b = tp + tp_ptr[i];
            int64_t na = fw_cnt[i], nb = tp_ptr[i + 1] - tp_ptr[i], ia = 0, ib = 0, c = 0;
            int64_t base = pass ? out->indptr[i] : 0;
            while (ia < na || ib < nb) {
                int32_t col;
                float wa = 0, wb = 0;
                if (ib >= nb || (ia < na && a[ia].col < b[ib].col)) { col = a[ia].col; wa = a[ia++].w; }
                else if (ia >= na || b[ib].col < a[ia].col) { col = b[ib].col; wb = b[ib++].w; }
                else { col = a[ia].col; wa = a[ia++].w; wb = b[ib++].w; }
                float prod = wa * wb;
                float w = (float)(mix * (wa + wb - prod) + (1.0 - mix) * prod);
                if (w == 0) continue;
                if (pass) { out->indices[base + c] = col; out->weights[base + c] = w; }
                c++;
            }
            if (!pass) out->indptr[i + 1] = c;
        }
        if (!pass) {
            for (int64_t i = 0; i < n; i++) out->indptr[i + 1] += out->indptr[i];
            out->nnz = out->indptr[n];
            out->indices = emb__malloc(sizeof(int32_t) * (out->nnz ? out->nnz : 1), "UMAP graph");
            out->weights = emb__malloc(sizeof(float) * (out->nnz ? out->nnz : 1), "UMAP graph");
            if (!out->indices || !out->weights) { st = EMB_E_NOMEM; goto done; }
        }
    }
    out->n = n;
    if (sigma_out) memcpy(sigma_out, sigma, sizeof(float) * n);
    if (rho_out) memcpy(rho_out, rho, sizeof(float) * n);
done:
    if (st) emb_umap_graph_free(out);
    free(sigma); free(rho); free(fw); free(fw_cnt); free(tp_ptr); free(tp); free(fill);
    return st;
}

/* ---- initialisation (simplicial_set_embedding). */

/* Scale so that max |x| = 10 and add N(0, 1e-4) noise (spectral, pca). */
static void init_expand_noise(emb_matf *e, emb_rng *rng) {
    size_t cnt = (size_t)e->rows * e->cols;
    float mx = 0;
    for (size_t i = 0; i < cnt; i++) mx = fmaxf(mx, fabsf(e->data[i]));
    double expansion = mx > 0 ? UMAP_INIT_EXTENT / mx : 1.0;
    for (size_t i = 0; i < cnt; i++)
        e->data[i] = (float)(e->data[i] * expansion) + (float)(UMAP_INIT_NOISE * emb_rng_normal(rng));
}

/* Every init: 10 (x - min) / (max - min) per axis. */
static void init_rescale(emb_matf *e) {
    for (int64_t c = 0; c < e->cols; c++) {
        float lo = INFINITY, hi = -INFINITY;
        for (int64_t i = 0; i < e->rows; i++) {
            float v = e->data[i * e->cols + c];
            lo = fminf(lo, v);
            hi = fmaxf(hi, v);
        }
        float range = hi - lo;
        for (int64_t i = 0; i < e->rows; i++) {
            float *v = &e->data[i * e->cols + c];
            *v = range > 0 ? (float)(10.0 * (*v - lo) / range) : 5.0f;
        }
    }
}

static emb_status cached_spectral(emb_umap_cache *c, const emb_umap_graph *gr, int dims, uint64_t seed,
                                  const emb_progress *progress, emb_matf *out, emb_umap_info *info, bool *dense);

static emb_status make_init(const emb_umap_graph *gr, const emb_matf *x, const emb_umap_params *p,
                            emb_rng *rng, emb_matf *out, emb_umap_info *info) {
    int dims = p->n_components;
    emb_status st;
    if (p->init == EMB_UMAP_INIT_RANDOM) {
        if ((st = emb_matf_alloc(out, gr->n, dims))) return st;
        for (size_t i = 0; i < (size_t)gr->n * dims; i++) out->data[i] = (float)(-10.0 + 20.0 * emb_rng_uniform(rng));
        info->init = "random";
    } else if (p->init == EMB_UMAP_INIT_PCA) {
        if (!x || x->rows != gr->n) return emb__fail(EMB_E_INVALID, "UMAP: PCA init needs the vectors (n = %lld)", (long long)gr->n);
        emb_pca_params pp = emb_pca_default_params();
        pp.n_components = dims;
        pp.n_threads = p->n_threads;
        pp.seed = p->seed;
        if (x->cols < dims || x->rows <= dims) return emb__fail(EMB_E_INVALID, "UMAP: PCA init needs more than %d rows and columns", dims);
        if ((st = emb_pca(x, &pp, out, NULL))) return st;
        init_expand_noise(out, rng);
        info->init = "pca";
    } else {
        bool dense = false;
        if (p->cache) st = cached_spectral(p->cache, gr, dims, p->seed, &p->progress, out, info, &dense);
        else st = emb__umap_spectral(gr, dims, p->seed, EMB__SPECTRAL_DEFAULTS, &p->progress, out, &info->n_graph_components, &dense);
        if (st) return st;
        init_expand_noise(out, rng);
        info->init = dense ? "spectral (dense)" : "spectral";
    }
    init_rescale(out);
    return EMB_OK;
}

/* Work that several maps of one kNN graph share (analyze's clustering
 * UMAP and its map): the pruned fuzzy graph, keyed by what makes it, and
 * the spectral layout of the widest map asked for. */
struct emb_umap_cache {
    int spectral_dims;
    bool has_graph;
    const emb_knn *g;
    int64_t g_n;
    int n_neighbors;
    float local_connectivity, set_op_mix_ratio;
    double cut;
    emb_umap_graph gr;
    int32_t *head;
    bool has_spec;
    uint64_t spec_seed;
    emb_matf spec;
    int spec_components;
    bool spec_dense;
};

emb_status emb_umap_cache_new(int spectral_dims, emb_umap_cache **out) {
    *out = NULL;
    if (spectral_dims < 0 || spectral_dims > 1000) return emb__fail(EMB_E_INVALID, "UMAP cache: spectral_dims %d not in 0..1000", spectral_dims);
    emb_umap_cache *c = emb__calloc(1, sizeof *c, "UMAP cache");
    if (!c) return EMB_E_NOMEM;
    c->spectral_dims = spectral_dims;
    *out = c;
    return EMB_OK;
}

static void cache_drop_graph(emb_umap_cache *c) {
    emb_umap_graph_free(&c->gr);
    free(c->head);
    c->head = NULL;
    c->has_graph = false;
    emb_matf_free(&c->spec);
    c->has_spec = false;
}

void emb_umap_cache_free(emb_umap_cache *c) {
    if (!c) return;
    cache_drop_graph(c);
    free(c);
}

/* The fuzzy graph with the edges below max / n_epochs dropped (they would
 * never be sampled; dropped before the spectral init, as umap-learn does),
 * and each edge's head (CSR order: heads ascending). */
static emb_status prepared_graph(const emb_knn *g, const emb_umap_params *p, int n_epochs,
                                 emb_umap_graph *gr, int32_t **head_out) {
    emb_status st;
    *head_out = NULL;
    if ((st = emb_umap_graph_build(g, p, gr, NULL, NULL))) return st;
    int64_t n = g->n;
    float wmax = 0;
    for (int64_t e = 0; e < gr->nnz; e++) wmax = fmaxf(wmax, gr->weights[e]);
    int default_epochs = n <= 10000 ? 500 : 200;
    double cut = (double)wmax / (n_epochs > 10 ? n_epochs : default_epochs);
    int64_t ne = 0, start = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t end = gr->indptr[i + 1];
        for (int64_t e = start; e < end; e++)
            if ((double)gr->weights[e] >= cut) { gr->indices[ne] = gr->indices[e]; gr->weights[ne] = gr->weights[e]; ne++; }
        start = end;
        gr->indptr[i + 1] = ne;
    }
    gr->nnz = ne;
    int32_t *head = emb__malloc(sizeof(int32_t) * (ne ? ne : 1), "UMAP edges");
    if (!head) { emb_umap_graph_free(gr); return EMB_E_NOMEM; }
    for (int64_t i = 0; i < n; i++)
        for (int64_t e = gr->indptr[i]; e < gr->indptr[i + 1]; e++) head[e] = (int32_t)i;
    *head_out = head;
    return EMB_OK;
}

/* The cut prepared_graph applies depends on n_epochs only through this. */
static int cut_epochs(int64_t n, int n_epochs) { return n_epochs > 10 ? n_epochs : (n <= 10000 ? 500 : 200); }

static bool cache_has_graph(const emb_umap_cache *c, const emb_knn *g, const emb_umap_params *p, int n_epochs) {
    return c && c->has_graph && c->g == g && c->g_n == g->n && c->n_neighbors == p->n_neighbors &&
           c->local_connectivity == p->local_connectivity && c->set_op_mix_ratio == p->set_op_mix_ratio &&
           c->cut == cut_epochs(g->n, n_epochs);
}

/* Spectral init from the cache: the first dims columns of the widest
 * layout asked for (eigenvectors 2..dims+1 either way; for a graph of
 * several components the meta layout is the wider one's). */
static emb_status cached_spectral(emb_umap_cache *c, const emb_umap_graph *gr, int dims, uint64_t seed,
                                  const emb_progress *progress, emb_matf *out, emb_umap_info *info, bool *dense) {
    emb_status st;
    int want = dims > c->spectral_dims ? dims : c->spectral_dims;
    if (!c->has_spec || c->spec_seed != seed || c->spec.cols < dims) {
        emb_matf_free(&c->spec);
        c->has_spec = false;
        if ((st = emb__umap_spectral(gr, want, seed, EMB__SPECTRAL_DEFAULTS, progress, &c->spec, &c->spec_components, &c->spec_dense))) return st;
        c->has_spec = true;
        c->spec_seed = seed;
    } else {
        info->shared_init = true;
    }
    if ((st = emb_matf_alloc(out, gr->n, dims))) return st;
    for (int64_t i = 0; i < gr->n; i++)
        memcpy(out->data + (size_t)i * dims, c->spec.data + (size_t)i * c->spec.cols, sizeof(float) * (size_t)dims);
    info->n_graph_components = c->spec_components;
    *dense = c->spec_dense;
    return EMB_OK;
}

emb_status emb_umap_run(const emb_knn *g, const emb_matf *x, const emb_umap_params *params,
                        emb_matf *out, emb_umap_info *info_out) {
    emb_umap_params p = params ? *params : emb_umap_default_params();
    emb_umap_info info;
    memset(&info, 0, sizeof info);
    memset(out, 0, sizeof *out);
    if (p.n_components < 1 || p.n_components > 1000) return emb__fail(EMB_E_INVALID, "UMAP: n_components %d not in 1..1000", p.n_components);
    if (p.negative_sample_rate < 0 || p.n_epochs < 0 || !(p.learning_rate > 0))
        return emb__fail(EMB_E_INVALID, "UMAP: negative_sample_rate, n_epochs must be >= 0 and learning_rate > 0");
    if (!(p.set_op_mix_ratio >= 0 && p.set_op_mix_ratio <= 1)) return emb__fail(EMB_E_INVALID, "UMAP: set_op_mix_ratio not in [0, 1]");
    if (g->n < 1) return emb__fail(EMB_E_INVALID, "UMAP: empty neighbour graph");
    emb_status st;
    double t0 = emb_now();
    info.a = p.a;
    info.b = p.b;
    if (!(p.a > 0 && p.b > 0) && (st = emb_umap_find_ab(p.spread, p.min_dist, &info.a, &info.b))) return st;
    int64_t n = g->n;
    info.n_epochs = p.n_epochs ? p.n_epochs : (n <= 10000 ? 500 : 200);
    emb_umap_cache *cache = p.cache;
    emb_umap_graph own = {0};
    int32_t *own_head = NULL;
    const emb_umap_graph *gr;
    const int32_t *head;
    if (cache_has_graph(cache, g, &p, info.n_epochs)) {
        info.shared_graph = true;
    } else if (cache) {
        cache_drop_graph(cache);
        if ((st = prepared_graph(g, &p, info.n_epochs, &cache->gr, &cache->head))) return st;
        cache->has_graph = true;
        cache->g = g;
        cache->g_n = g->n;
        cache->n_neighbors = p.n_neighbors;
        cache->local_connectivity = p.local_connectivity;
        cache->set_op_mix_ratio = p.set_op_mix_ratio;
        cache->cut = cut_epochs(g->n, info.n_epochs);
    } else if ((st = prepared_graph(g, &p, info.n_epochs, &own, &own_head))) {
        return st;
    }
    gr = cache ? &cache->gr : &own;
    head = cache ? cache->head : own_head;
    emb_progress_report(&p.progress, "umap", 0.02, "fuzzy graph");
    int64_t ne = gr->nnz;
    info.n_edges = ne;
    info.graph_s = emb_now() - t0;

    t0 = emb_now();
    emb_rng rng;
    emb_rng_seed(&rng, p.seed);
    info.n_graph_components = 1;
    if ((st = make_init(gr, x, &p, &rng, out, &info))) goto done;
    info.init_s = emb_now() - t0;
    emb_progress_report(&p.progress, "umap", 0.05, "initialised");

    t0 = emb_now();
    emb__umap_sgd s = {
        .n = n, .dim = p.n_components, .n_edges = ne, .head = head, .tail = gr->indices, .weight = gr->weights,
        .n_epochs = info.n_epochs, .a = info.a, .b = info.b, .gamma = p.repulsion_strength,
        .learning_rate = p.learning_rate, .negative_sample_rate = p.negative_sample_rate,
        .n_threads = p.n_threads, .seed = emb_rng_next(&rng), .progress = &p.progress,
    };
    if ((st = emb__umap_optimize(&s, out->data))) goto done;
    info.layout_s = emb_now() - t0;
    emb_progress_report(&p.progress, "umap", 1.0, NULL);
done:
    if (st) emb_matf_free(out);
    else if (info_out) *info_out = info;
    emb_umap_graph_free(&own);
    free(own_head);
    return st;
}

/* spectral.c - UMAP's spectral initialisation, umap-learn's spectral.py:
 * the eigenvectors of the normalised Laplacian L = I - D^-1/2 W D^-1/2 for
 * its 2nd .. (dims+1)th smallest eigenvalues, component by component.
 *
 * umap-learn asks ARPACK for which="SM" of L; we ask for the algebraically
 * largest ("LA") of N = D^-1/2 W D^-1/2 = I - L: the same eigenvectors, and
 * Lanczos converges on the large end in far fewer steps (uwot does the
 * same). Start vector all ones and tol 1e-4 as umap-learn, 1e-3 for a
 * component of more than SPECTRAL_LOOSE_MIN items (see there). Components of up
 * to UMAP_SPECTRAL_DENSE_MAX (1500) items are solved densely (LAPACKE_dsyevr),
 * those of more than UMAP_SPECTRAL_MULTILEVEL_MIN (200,000) by the multilevel
 * solver (spectral_multilevel.c: ARPACK's restarts grow with n there), with
 * ARPACK as its fallback.
 *
 * Several components (multi_component_layout): each is laid out in a box
 * around its point of a meta layout (+-e_i when there are at most 2 dims
 * components, else uniform in [0, 10)^dims as umap-learn does without data;
 * umap-learn places them by the spectral embedding of data centroids,
 * which needs the vectors: a labelled shortcut), scaled to half the
 * distance to the nearest other meta point. Components too small for an
 * eigenproblem, and any whose solver fails, get uniform noise in that box:
 * umap-learn's fallback. Never NaN. */
#include "maps/umap.h"

#include <arpack/arpack.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPECTRAL_TOL 1e-4           /* umap-learn's eigsh tol */
/* Components larger than this are solved to SPECTRAL_LOOSE_TOL. Measured
 * (bench/scale/RESULTS.md, 1M x 512 "spread" vectors, 2D, min_dist 0, the
 * clusters stage's map): the init took 77.8 s at 1e-4 and 29.6 s at 1e-3,
 * and the 10-NN label accuracy of the finished map was 0.9764 and 0.9780.
 * On Fashion-MNIST 70k the looser tol cost about 0.005 of accuracy, so
 * smaller components keep umap-learn's. */
#define SPECTRAL_LOOSE_MIN 500000
#define SPECTRAL_LOOSE_TOL 1e-3
#define SPECTRAL_MIN_NCV 32         /* Lanczos basis at least this large */

/* One component: its members (ascending) and their local numbers. */
typedef struct {
    const emb_umap_graph *gr;
    const int32_t *members;   /* (m) */
    const int32_t *local;     /* (n) global -> local index within its component */
    int64_t m;
    double *dinv;             /* (m) 1 / sqrt(degree) */
    /* N = D^-1/2 W D^-1/2 restricted to the component, local numbering. */
    int64_t *ptr;             /* (m + 1) */
    int32_t *col;             /* (nnz) */
    double *val;              /* (nnz) */
} component;

/* y = D^-1/2 W D^-1/2 x on one component. One thread: ARPACK calls this
 * a few hundred times, and on a loaded machine each parallel fork/join
 * cost more than it saved (Fashion-MNIST 70k: 1.0 s on one thread, 2.5 -
 * 4.5 s on two sharing the cores with other jobs). */
static void normalised_matvec(const emb__spec_graph *c, const double *x, double *y) {
    for (int64_t i = 0; i < c->m; i++) {
        double acc = 0;
        for (int64_t e = c->ptr[i]; e < c->ptr[i + 1]; e++) acc += c->val[e] * x[c->col[e]];
        y[i] = acc;
    }
}

/* Columns of vecs (m, nev) column-major, ascending eigenvalue of N: write the
 * nev - 1 non-trivial ones into out (m, dims) row-major, largest first. */
static void take_eigvecs(const double *vecs, int64_t m, int nev, float *out, int dims) {
    for (int c = 0; c < dims; c++) {
        const double *v = vecs + (size_t)(nev - 2 - c) * m;
        double big = 0;                        /* sign: largest |v| positive */
        for (int64_t i = 0; i < m; i++) if (fabs(v[i]) > fabs(big)) big = v[i];
        double sgn = big < 0 ? -1.0 : 1.0;
        for (int64_t i = 0; i < m; i++) out[i * dims + c] = (float)(sgn * v[i]);
    }
}

bool emb__spectral_dense(const emb__spec_graph *c, int dims, float *out) {
    int64_t m = c->m;
    int nev = dims + 1;
    double *A = calloc((size_t)m * m, sizeof(double)), *w = malloc(sizeof(double) * m);
    double *z = malloc(sizeof(double) * (size_t)m * nev);
    lapack_int *isuppz = malloc(sizeof(lapack_int) * 2 * (size_t)m), found = 0;
    bool ok = false;
    if (!A || !w || !z || !isuppz) goto done;
    for (int64_t li = 0; li < m; li++)
        for (int64_t e = c->ptr[li]; e < c->ptr[li + 1]; e++) A[li * m + c->col[e]] = c->val[e];
    /* Column-major z (m, nev): eigenvalues il..iu ascending. */
    lapack_int info = LAPACKE_dsyevr(LAPACK_COL_MAJOR, 'V', 'I', 'U', (lapack_int)m, A, (lapack_int)m, 0, 0,
                                     (lapack_int)(m - nev + 1), (lapack_int)m, 0.0, &found, w, z, (lapack_int)m, isuppz);
    if (info == 0 && found == nev) { take_eigvecs(z, m, nev, out, dims); ok = true; }
done:
    free(A); free(w); free(z); free(isuppz);
    return ok;
}

/* progress (NULL: none) gets ARPACK's products: a large component takes
 * minutes (10M items: about 10), with no fraction known in advance. */
bool emb__spectral_arpack(const emb__spec_graph *c, int dims, double tol, const emb_progress *progress, float *out) {
    a_int m = (a_int)c->m, nev = dims + 1;
    a_int ncv = 2 * nev + 1 > SPECTRAL_MIN_NCV ? 2 * nev + 1 : SPECTRAL_MIN_NCV;
    if (ncv > m) ncv = m;
    a_int lworkl = ncv * (ncv + 8), ido = 0, info = 1;   /* info 1: resid is the start vector */
    a_int iparam[11] = {0}, ipntr[11] = {0};
    iparam[0] = 1;                         /* exact shifts */
    iparam[2] = (a_int)(m * 5 < 100000 ? m * 5 : 100000);   /* umap-learn: maxiter 5 n */
    iparam[6] = 1;                         /* mode 1: A x = lambda x */
    double *resid = malloc(sizeof(double) * m), *V = malloc(sizeof(double) * (size_t)m * ncv);
    double *workd = malloc(sizeof(double) * 3 * (size_t)m), *workl = malloc(sizeof(double) * lworkl);
    double *d = malloc(sizeof(double) * nev), *Z = malloc(sizeof(double) * (size_t)m * nev);
    a_int *select = calloc((size_t)ncv, sizeof(a_int));
    bool ok = false;
    if (!resid || !V || !workd || !workl || !d || !Z || !select) goto done;
    for (a_int i = 0; i < m; i++) resid[i] = 1.0;
    for (int64_t products = 0;; products++) {
        dsaupd_c(&ido, "I", m, "LA", nev, tol, resid, ncv, V, m, iparam, ipntr, workd, workl, lworkl, &info);
        if (ido != 1 && ido != -1) break;
        normalised_matvec(c, workd + ipntr[0] - 1, workd + ipntr[1] - 1);
        if (progress && m > 100000 && products % 16 == 15) {
            char msg[96];
            snprintf(msg, sizeof msg, "spectral init: %lld products on %lld items", (long long)products + 1, (long long)m);
            emb_progress_report(progress, "umap", 0.02, msg);
        }
    }
    if (info != 0 || iparam[4] < nev) goto done;    /* error or not converged */
    dseupd_c(1, "A", select, d, Z, m, 0.0, "I", m, "LA", nev, tol, resid, ncv, V, m, iparam, ipntr,
             workd, workl, lworkl, &info);
    if (info != 0) goto done;
    /* d ascending; Z column-major (m, nev) in the same order. */
    for (size_t i = 0; i < (size_t)m * nev; i++) if (!isfinite(Z[i])) goto done;
    take_eigvecs(Z, m, (int)nev, out, dims);
    ok = true;
done:
    free(resid); free(V); free(workd); free(workl); free(d); free(Z); free(select);
    return ok;
}

/* Connected components by breadth-first search over the (symmetric) graph.
 * label (n) gets 0..count-1 in order of the smallest member. */
static int64_t components(const emb_umap_graph *gr, int32_t *label, int32_t *queue) {
    for (int64_t i = 0; i < gr->n; i++) label[i] = -1;
    int64_t count = 0;
    for (int64_t s = 0; s < gr->n; s++) {
        if (label[s] >= 0) continue;
        int64_t qh = 0, qt = 0;
        queue[qt++] = (int32_t)s;
        label[s] = (int32_t)count;
        while (qh < qt) {
            int32_t i = queue[qh++];
            for (int64_t e = gr->indptr[i]; e < gr->indptr[i + 1]; e++) {
                int32_t j = gr->indices[e];
                if (label[j] < 0) { label[j] = (int32_t)count; queue[qt++] = j; }
            }
        }
        count++;
    }
    return count;
}

/* Lay out one component into its rows of out; false if the solver failed
 * (or memory ran out: the caller falls back to noise). */
static bool layout_component(component *c, int dims, emb__spectral_opts opts, uint64_t seed,
                             const emb_progress *progress, float *buf, bool *used_dense) {
    for (int64_t li = 0; li < c->m; li++) {
        int32_t i = c->members[li];
        double deg = 0;
        for (int64_t e = c->gr->indptr[i]; e < c->gr->indptr[i + 1]; e++) deg += c->gr->weights[e];
        c->dinv[li] = deg > 0 ? 1.0 / sqrt(deg) : 0.0;
    }
    int64_t nnz = 0;
    for (int64_t li = 0; li < c->m; li++) nnz += c->gr->indptr[c->members[li] + 1] - c->gr->indptr[c->members[li]];
    c->ptr = malloc(sizeof(int64_t) * (c->m + 1));
    c->col = malloc(sizeof(int32_t) * (nnz ? nnz : 1));
    c->val = malloc(sizeof(double) * (nnz ? nnz : 1));
    bool ok = false;
    if (c->ptr && c->col && c->val) {
        c->ptr[0] = 0;
        for (int64_t li = 0, q = 0; li < c->m; li++) {
            int32_t i = c->members[li];
            for (int64_t e = c->gr->indptr[i]; e < c->gr->indptr[i + 1]; e++, q++) {
                int32_t lj = c->local[c->gr->indices[e]];
                c->col[q] = lj;
                c->val[q] = c->gr->weights[e] * c->dinv[li] * c->dinv[lj];
            }
            c->ptr[li + 1] = q;
        }
        emb__spec_graph g = {c->m, c->ptr, c->col, c->val, c->dinv};
        if (c->m <= opts.dense_max) { *used_dense = true; ok = emb__spectral_dense(&g, dims, buf); }
        else if (c->m > opts.multilevel_min && emb__spectral_multilevel(&g, dims, opts.coarsest, seed, progress, buf)) ok = true;
        else ok = emb__spectral_arpack(&g, dims, c->m > SPECTRAL_LOOSE_MIN ? SPECTRAL_LOOSE_TOL : SPECTRAL_TOL, progress, buf);
    }
    free(c->ptr); free(c->col); free(c->val);
    c->ptr = NULL; c->col = NULL; c->val = NULL;
    return ok;
}

emb_status emb_umap_spectral(const emb_umap_graph *gr, int dims, uint64_t seed,
                             emb_matf *out, int *n_components_out, bool *used_dense) {
    return emb__umap_spectral(gr, dims, seed, EMB__SPECTRAL_DEFAULTS, NULL, out, n_components_out, used_dense);
}

emb_status emb__umap_spectral(const emb_umap_graph *gr, int dims, uint64_t seed, emb__spectral_opts opts,
                              const emb_progress *progress, emb_matf *out, int *n_components_out, bool *used_dense) {
    int64_t n = gr->n;
    emb_status st;
    if (dims < 1) return emb__fail(EMB_E_INVALID, "spectral layout: dims %d", dims);
    if ((st = emb_matf_alloc(out, n, dims))) return st;
    int32_t *label = malloc(sizeof(int32_t) * n), *order = malloc(sizeof(int32_t) * n);
    int32_t *local = malloc(sizeof(int32_t) * n);
    int64_t *start = NULL;
    double *dinv = malloc(sizeof(double) * n), *meta = NULL;
    float *buf = malloc(sizeof(float) * (size_t)n * dims);
    bool dense = false;
    int64_t nc = 0;
    emb_rng rng;
    emb_rng_seed(&rng, seed ^ 0x5eed5eedull);
    if (!label || !order || !local || !dinv || !buf) { st = emb__fail(EMB_E_NOMEM, "spectral layout: out of memory"); goto done; }
    nc = components(gr, label, order);
    start = calloc((size_t)nc + 1, sizeof(int64_t));
    meta = calloc((size_t)nc * dims, sizeof(double));
    if (!start || !meta) { st = emb__fail(EMB_E_NOMEM, "spectral layout: out of memory"); goto done; }
    /* Members of each component, ascending, by counting sort. */
    for (int64_t i = 0; i < n; i++) start[label[i] + 1]++;
    for (int64_t c = 0; c < nc; c++) start[c + 1] += start[c];
    {
        int64_t *fill = malloc(sizeof(int64_t) * (nc ? nc : 1));
        if (!fill) { st = emb__fail(EMB_E_NOMEM, "spectral layout: out of memory"); goto done; }
        memcpy(fill, start, sizeof(int64_t) * nc);
        for (int64_t i = 0; i < n; i++) { local[i] = (int32_t)(fill[label[i]] - start[label[i]]); order[fill[label[i]]++] = (int32_t)i; }
        free(fill);
    }
    if (nc == 1) {
        component c = {gr, order, local, n, dinv, NULL, NULL, NULL};
        if (n > (int64_t)dims + 1 && layout_component(&c, dims, opts, seed, progress, buf, &dense)) {
            memcpy(out->data, buf, sizeof(float) * (size_t)n * dims);
        } else {   /* umap-learn: uniform in [-10, 10] when the solver fails */
            for (size_t i = 0; i < (size_t)n * dims; i++) out->data[i] = (float)(-10.0 + 20.0 * emb_rng_uniform(&rng));
        }
        goto done;
    }
    /* Meta layout of the components. */
    if (nc > 2 * (int64_t)dims) {
        for (size_t i = 0; i < (size_t)nc * dims; i++) meta[i] = 10.0 * emb_rng_uniform(&rng);
    } else {
        int64_t k = (nc + 1) / 2;
        for (int64_t c = 0; c < nc; c++) meta[c * dims + (c % k)] = c < k ? 1.0 : -1.0;
    }
    for (int64_t ci = 0; ci < nc; ci++) {
        double range = INFINITY;             /* half the distance to the nearest other meta point */
        for (int64_t cj = 0; cj < nc; cj++) {
            double d2 = 0;
            for (int t = 0; t < dims; t++) d2 += (meta[ci * dims + t] - meta[cj * dims + t]) * (meta[ci * dims + t] - meta[cj * dims + t]);
            if (d2 > 0 && sqrt(d2) < range) range = sqrt(d2);
        }
        range = isfinite(range) ? range / 2.0 : 1.0;
        component c = {gr, order + start[ci], local, start[ci + 1] - start[ci], dinv + start[ci], NULL, NULL, NULL};
        bool solved = false;
        if (c.m >= 2 * dims && c.m > dims + 1 && layout_component(&c, dims, opts, seed, progress, buf, &dense)) {
            float mx = 0;
            for (size_t i = 0; i < (size_t)c.m * dims; i++) mx = fmaxf(mx, fabsf(buf[i]));
            if (mx > 0) {
                double expansion = range / mx;
                for (int64_t li = 0; li < c.m; li++)
                    for (int t = 0; t < dims; t++)
                        out->data[(size_t)c.members[li] * dims + t] = (float)(buf[li * dims + t] * expansion + meta[ci * dims + t]);
                solved = true;
            }
        }
        if (!solved)
            for (int64_t li = 0; li < c.m; li++)
                for (int t = 0; t < dims; t++)
                    out->data[(size_t)c.members[li] * dims + t] = (float)(meta[ci * dims + t] + range * (2.0 * emb_rng_uniform(&rng) - 1.0));
    }
done:
    if (!st && n_components_out) *n_components_out = (int)nc;
    free(label); free(order); free(local); free(dinv); free(buf); free(start); free(meta);
    if (st) emb_matf_free(out);
    else if (used_dense) *used_dense = dense;
    return st;
}

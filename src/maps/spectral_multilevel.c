/* spectral_multilevel.c - the spectral initialisation of a large component by
 * multilevel refinement: ACE (Koren, Carmel and Harel, "ACE: A Fast Multiscale
 * Eigenvectors Computation for Drawing Huge Graphs", IEEE InfoVis 2002).
 *
 * The component's graph is coarsened level by level until a level has at
 * most `coarsest` items: each level's items are grouped into aggregates (a
 * seed with up to AGG_MAX - 1 of its most strongly connected free
 * neighbours, in a seeded random order; an item whose neighbours are all
 * taken joins its strongest neighbour's aggregate), and the coarse graph's
 * weights are the sums W_c = P^T W P, so that its degrees are the sums of
 * its members' degrees. The coarsest level is solved by ARPACK as the
 * one-level path (spectral.c). Each finer level then takes the coarse
 * generalised eigenvectors (W v = mu D v) piecewise constant over the
 * aggregates, and refines the block by subspace iteration with
 * S = (I + N) / 2, N = D^-1/2 W D^-1/2 (eigenvalues in [0, 1]; the trivial
 * eigenvector D^1/2 1 is projected out each step), orthonormalised by
 * Cholesky QR and finished by Rayleigh-Ritz. The interpolation error is
 * mostly of high frequency, which the smoothing steps damp fastest.
 *
 * Why: ARPACK's implicitly restarted Lanczos needs more restarts as the
 * spectral gap of a kNN graph shrinks with n (bench/scale/RESULTS.md: 613
 * products at 300k, ~30 s of the clusters stage at 1M). Here each level
 * costs a fixed number of block products, so the whole is O(nnz). */
#include "maps/umap.h"

#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ML_AGG_MAX 4        /* a seed and up to 3 free neighbours */
#define ML_MAX_LEVELS 40
#define ML_STALL 0.85       /* stop coarsening when a level keeps more than this share */
#define ML_EXTRA 3          /* block = dims + ML_EXTRA vectors */
#define ML_STEPS 24         /* smoothing steps per level */
#define ML_PAR_MIN 20000    /* rows from which a block product runs in parallel */

typedef struct {
    int64_t m;
    int64_t *ptr;
    int32_t *col;
    double *val;      /* N = D^-1/2 W D^-1/2 */
    double *dinv;     /* D^-1/2 */
    int32_t *agg;     /* (m) aggregate in the next coarser level */
    bool owned;       /* level 0 views the caller's arrays */
} ml_level;

static void level_free(ml_level *l) {
    if (l->owned) { free(l->ptr); free(l->col); free(l->val); free(l->dinv); }
    free(l->agg);
    memset(l, 0, sizeof *l);
}

/* Aggregates of lv into lv->agg; returns their count, -1 when out of memory. */
static int64_t aggregate(ml_level *lv, emb_rng *rng) {
    int64_t m = lv->m;
    int32_t *perm = malloc(sizeof(int32_t) * m);
    lv->agg = malloc(sizeof(int32_t) * m);
    if (!perm || !lv->agg) { free(perm); return -1; }
    for (int64_t i = 0; i < m; i++) { perm[i] = (int32_t)i; lv->agg[i] = -1; }
    for (int64_t i = m - 1; i > 0; i--) {
        int64_t j = (int64_t)emb_rng_below(rng, (uint32_t)(i + 1));
        int32_t t = perm[i]; perm[i] = perm[j]; perm[j] = t;
    }
    int32_t *agg = lv->agg;
    int64_t mc = 0;
    for (int64_t q = 0; q < m; q++) {
        int32_t i = perm[q];
        if (agg[i] >= 0) continue;
        int32_t a = (int32_t)mc;
        int took = 0;
        for (int r = 0; r < ML_AGG_MAX - 1; r++) {
            int32_t best = -1;
            double bv = 0;
            for (int64_t e = lv->ptr[i]; e < lv->ptr[i + 1]; e++) {
                int32_t j = lv->col[e];
                if (j != i && agg[j] < 0 && lv->val[e] > bv) { bv = lv->val[e]; best = j; }
            }
            if (best < 0) break;
            agg[best] = a;
            took++;
        }
        if (took == 0) {           /* every neighbour taken: join the strongest one's */
            int32_t best = -1;
            double bv = -1;
            for (int64_t e = lv->ptr[i]; e < lv->ptr[i + 1]; e++)
                if (lv->col[e] != i && lv->val[e] > bv) { bv = lv->val[e]; best = lv->col[e]; }
            if (best >= 0 && agg[best] >= 0) { agg[i] = agg[best]; continue; }
        }
        agg[i] = a;
        mc++;
    }
    free(perm);
    return mc;
}

/* The coarse level of fine (whose agg holds mc aggregates): W_c = P^T W P. */
static bool coarsen(const ml_level *fine, int64_t mc, ml_level *c) {
    int64_t m = fine->m, nnz = fine->ptr[m];
    memset(c, 0, sizeof *c);
    c->m = mc;
    c->owned = true;
    int64_t *start = calloc((size_t)mc + 1, sizeof(int64_t));
    int32_t *memb = malloc(sizeof(int32_t) * m), *pos = malloc(sizeof(int32_t) * mc);
    c->ptr = malloc(sizeof(int64_t) * (mc + 1));
    c->col = malloc(sizeof(int32_t) * (nnz ? nnz : 1));
    c->val = malloc(sizeof(double) * (nnz ? nnz : 1));
    c->dinv = malloc(sizeof(double) * mc);
    bool ok = start && memb && pos && c->ptr && c->col && c->val && c->dinv;
    if (ok) {
        for (int64_t i = 0; i < m; i++) start[fine->agg[i] + 1]++;
        for (int64_t a = 0; a < mc; a++) start[a + 1] += start[a];
        for (int64_t a = 0; a < mc; a++) pos[a] = (int32_t)start[a];
        for (int64_t i = 0; i < m; i++) memb[pos[fine->agg[i]]++] = (int32_t)i;
        for (int64_t a = 0; a < mc; a++) pos[a] = -1;
        int64_t q = 0;
        c->ptr[0] = 0;
        for (int64_t a = 0; a < mc; a++) {
            int64_t row = q;
            for (int64_t s = start[a]; s < start[a + 1]; s++) {
                int32_t i = memb[s];
                for (int64_t e = fine->ptr[i]; e < fine->ptr[i + 1]; e++) {
                    int32_t j = fine->col[e];
                    double den = fine->dinv[i] * fine->dinv[j];
                    if (den <= 0) continue;
                    double w = fine->val[e] / den;        /* W_ij */
                    int32_t b = fine->agg[j];
                    if (pos[b] < row) { pos[b] = (int32_t)q; c->col[q] = b; c->val[q] = w; q++; }
                    else c->val[pos[b]] += w;
                }
            }
            c->ptr[a + 1] = q;
            double deg = 0;
            for (int64_t e = row; e < q; e++) deg += c->val[e];
            c->dinv[a] = deg > 0 ? 1.0 / sqrt(deg) : 0.0;
        }
        for (int64_t a = 0; a < mc; a++)
            for (int64_t e = c->ptr[a]; e < c->ptr[a + 1]; e++) c->val[e] *= c->dinv[a] * c->dinv[c->col[e]];
        int32_t *col = realloc(c->col, sizeof(int32_t) * (q ? q : 1));
        double *val = realloc(c->val, sizeof(double) * (q ? q : 1));
        if (col) c->col = col;
        if (val) c->val = val;
    }
    free(start); free(memb); free(pos);
    if (!ok) level_free(c);
    return ok;
}

/* Y = S X = (X + N X) / 2 for a block X (m, p) row-major. */
static void block_smooth(const ml_level *lv, const double *X, double *Y, int p, double self) {
    int64_t m = lv->m;
    #pragma omp parallel for schedule(static) if (m >= ML_PAR_MIN)
    for (int64_t i = 0; i < m; i++) {
        double acc[16] = {0};
        for (int64_t e = lv->ptr[i]; e < lv->ptr[i + 1]; e++) {
            const double *x = X + (size_t)lv->col[e] * p;
            double v = lv->val[e];
            for (int t = 0; t < p; t++) acc[t] += v * x[t];
        }
        for (int t = 0; t < p; t++) Y[(size_t)i * p + t] = self * X[(size_t)i * p + t] + (1.0 - self) * acc[t];
    }
}

/* Project the unit vector u0 out of X's columns and orthonormalise them by
 * Cholesky QR; false when the block has lost rank. */
static bool orthonormalise(double *X, int64_t m, int p, const double *u0) {
    double c[16] = {0}, G[256] = {0};
    for (int64_t i = 0; i < m; i++) {
        const double *x = X + (size_t)i * p;
        for (int t = 0; t < p; t++) {
            c[t] += u0[i] * x[t];
            for (int s = 0; s <= t; s++) G[s * p + t] += x[s] * x[t];
        }
    }
    for (int t = 0; t < p; t++)
        for (int s = 0; s <= t; s++) G[s * p + t] -= c[s] * c[t];
    /* Row-major upper triangle: LAPACK's 'L' of the column-major view. */
    if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', p, G, p) != 0) return false;
    for (int t = 0; t < p; t++) if (!(G[t * p + t] > 1e-300)) return false;
    for (int64_t i = 0; i < m; i++) {
        double *x = X + (size_t)i * p, y[16];
        for (int t = 0; t < p; t++) {
            double v = x[t] - c[t] * u0[i];
            for (int s = 0; s < t; s++) v -= y[s] * G[s * p + t];
            y[t] = v / G[t * p + t];
        }
        memcpy(x, y, sizeof(double) * p);
    }
    return true;
}

/* Rayleigh-Ritz on the orthonormal block X: rotate it onto the Ritz vectors
 * of N, largest Ritz value first. Y is scratch (m, p). */
static bool rayleigh_ritz(const ml_level *lv, double *X, double *Y, int p) {
    int64_t m = lv->m;
    block_smooth(lv, X, Y, p, 0.0);              /* Y = N X */
    double H[256] = {0}, w[16];
    for (int64_t i = 0; i < m; i++)
        for (int t = 0; t < p; t++)
            for (int s = 0; s <= t; s++) H[s * p + t] += X[(size_t)i * p + s] * Y[(size_t)i * p + t];
    for (int t = 0; t < p; t++)
        for (int s = 0; s < t; s++) H[t * p + s] = H[s * p + t];
    if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', p, H, p, w) != 0) return false;
    /* H's columns: eigenvectors, ascending. */
    for (int64_t i = 0; i < m; i++) {
        double *x = X + (size_t)i * p, y[16];
        for (int t = 0; t < p; t++) {
            double v = 0;
            for (int s = 0; s < p; s++) v += x[s] * H[s * p + (p - 1 - t)];
            y[t] = v;
        }
        memcpy(x, y, sizeof(double) * p);
    }
    return true;
}

/* Refine the block X (lv->m, p) in place: steps smoothing steps, then
 * Rayleigh-Ritz. */
static bool refine(const ml_level *lv, double *X, int p, int steps) {
    int64_t m = lv->m;
    double *Y = malloc(sizeof(double) * (size_t)m * p), *u0 = malloc(sizeof(double) * m);
    bool ok = Y && u0;
    if (ok) {
        double norm = 0;
        for (int64_t i = 0; i < m; i++) { u0[i] = lv->dinv[i] > 0 ? 1.0 / lv->dinv[i] : 0.0; norm += u0[i] * u0[i]; }
        norm = sqrt(norm);
        for (int64_t i = 0; i < m; i++) u0[i] /= norm;
        ok = orthonormalise(X, m, p, u0);
        for (int s = 0; ok && s < steps; s++) {
            block_smooth(lv, X, Y, p, 0.5);
            memcpy(X, Y, sizeof(double) * (size_t)m * p);
            ok = orthonormalise(X, m, p, u0);
        }
        ok = ok && orthonormalise(X, m, p, u0) && rayleigh_ritz(lv, X, Y, p);
    }
    free(Y); free(u0);
    return ok;
}

bool emb__spectral_multilevel(const emb__spec_graph *g, int dims, int64_t coarsest, uint64_t seed,
                              const emb_progress *progress, float *out) {
    int p = dims + ML_EXTRA;
    if (p > 16 || coarsest < 4 * p) return false;
    ml_level lv[ML_MAX_LEVELS];
    memset(lv, 0, sizeof lv);
    lv[0] = (ml_level){g->m, (int64_t *)g->ptr, (int32_t *)g->col, (double *)g->val, (double *)g->dinv, NULL, false};
    emb_rng rng;
    emb_rng_seed(&rng, seed ^ 0xace0ace0ull);
    int nl = 1;
    bool ok = true;
    while (ok && lv[nl - 1].m > coarsest && nl < ML_MAX_LEVELS) {
        int64_t mc = aggregate(&lv[nl - 1], &rng);
        if (mc < 0) { ok = false; break; }
        if ((double)mc > ML_STALL * (double)lv[nl - 1].m) break;
        if (!coarsen(&lv[nl - 1], mc, &lv[nl])) { ok = false; break; }
        nl++;
    }
    /* The coarsest level, as the one-level path solves a component. */
    const ml_level *top = &lv[nl - 1];
    double *X = NULL;
    if (ok && top->m > p + 1) {
        float *f = malloc(sizeof(float) * (size_t)top->m * p);
        X = malloc(sizeof(double) * (size_t)top->m * p);
        emb__spec_graph tg = {top->m, top->ptr, top->col, top->val, top->dinv};
        ok = f && X && (top->m <= UMAP_SPECTRAL_DENSE_MAX ? emb__spectral_dense(&tg, p, f)
                                                          : emb__spectral_arpack(&tg, p, 1e-4, NULL, f));
        if (ok) for (size_t i = 0; i < (size_t)top->m * p; i++) X[i] = f[i];
        free(f);
    } else ok = false;
    /* Up the levels: prolong (v = D^-1/2 u piecewise constant), refine. */
    for (int l = nl - 2; ok && l >= 0; l--) {
        const ml_level *f = &lv[l], *c = &lv[l + 1];
        double *Xf = malloc(sizeof(double) * (size_t)f->m * p);
        if (!Xf) { ok = false; break; }
        for (int64_t i = 0; i < f->m; i++) {
            int32_t a = f->agg[i];
            double s = f->dinv[i] > 0 ? c->dinv[a] / f->dinv[i] : 0.0;
            for (int t = 0; t < p; t++) Xf[(size_t)i * p + t] = s * X[(size_t)a * p + t];
        }
        free(X);
        X = Xf;
        ok = refine(f, X, p, ML_STEPS);
        if (progress && g->m > 100000) {
            char msg[96];
            snprintf(msg, sizeof msg, "spectral init: level %d of %d (%lld items)", nl - 1 - l, nl - 1, (long long)f->m);
            emb_progress_report(progress, "umap", 0.02, msg);
        }
    }
    if (ok) {
        for (size_t i = 0; i < (size_t)g->m * p; i++) if (!isfinite(X[i])) { ok = false; break; }
    }
    if (ok) {       /* the dims leading vectors, sign: largest |v| positive */
        for (int t = 0; t < dims; t++) {
            double big = 0;
            for (int64_t i = 0; i < g->m; i++) if (fabs(X[(size_t)i * p + t]) > fabs(big)) big = X[(size_t)i * p + t];
            double sgn = big < 0 ? -1.0 : 1.0;
            for (int64_t i = 0; i < g->m; i++) out[i * dims + t] = (float)(sgn * X[(size_t)i * p + t]);
        }
    }
    free(X);
    for (int l = 0; l < nl; l++) level_free(&lv[l]);
    return ok;
}

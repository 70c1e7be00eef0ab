/* tsne_affinity.c - t-SNE input affinities P from a kNN graph.
 *
 * For each point i a Gaussian over its k neighbours, p_{j|i} proportional to
 * exp(-beta_i d_ij^2), with the precision beta_i found by Newton steps inside a bisection bracket so that
 * the row's Shannon entropy (nats) equals log(perplexity) (van der Maaten &
 * Hinton 2008, section 2; openTSNE's compute_gaussian_perplexity with its
 * tolerance and iteration cap). P = (P_cond + P_cond^T) / (2n), stored as a
 * symmetric CSR matrix with sorted columns. */
#include "core/internal.h"
#include "maps/tsne.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TSNE_PERPLEXITY_TOL 1e-10  /* |H - log perplexity| in nats at which the search stops */
#define TSNE_PERPLEXITY_MAX_ITER 200

/* One row: d2 (k) squared distances (ascending, NAN-free), out (k) p_{j|i}.
 * H(beta) = log S + beta E[d] falls monotonically with slope -beta Var[d]
 * (E, Var under p); Newton steps on that slope, kept inside the bisection
 * bracket [lo, hi] (a step leaving it bisects instead), reach the tolerance
 * in ~5 evaluations where plain bisection takes ~35. */
static void row_search(const double *d2, int k, double log_perp, double *out) {
    double d0 = d2[0];  /* shift by the nearest: invariant after normalising */
    double mean = 0;
    for (int j = 0; j < k; j++) mean += d2[j] - d0;
    mean /= k;
    double beta = mean > 0 ? 1.0 / mean : 1.0;
    double lo = 0, hi = INFINITY;
    for (int it = 0; it < TSNE_PERPLEXITY_MAX_ITER; it++) {
        double sum = 0, dsum = 0, d2sum = 0;
        for (int j = 0; j < k; j++) {
            double dj = d2[j] - d0, e = exp(-beta * dj);
            out[j] = e;
            sum += e;
            dsum += dj * e;
            d2sum += dj * dj * e;
        }
        double ed = dsum / sum, h = log(sum) + beta * ed;
        for (int j = 0; j < k; j++) out[j] /= sum;
        double diff = h - log_perp;
        if (fabs(diff) < TSNE_PERPLEXITY_TOL) break;
        if (diff > 0) lo = beta;   /* too flat: sharpen */
        else hi = beta;
        double slope = -beta * (d2sum / sum - ed * ed), next = NAN;
        if (slope < 0) next = beta - diff / slope;
        if (!(next > lo && next < hi))
            next = diff > 0 ? (isinf(hi) ? beta * 2 : (beta + hi) / 2)
                            : (lo == 0 ? beta / 2 : (beta + lo) / 2);
        beta = next;
    }
}

typedef struct { int32_t col; double val; } entry;
static int entry_cmp(const void *a, const void *b) {
    int32_t x = ((const entry *)a)->col, y = ((const entry *)b)->col;
    return (x > y) - (x < y);
}

emb_status emb_tsne_affinities_build(const emb_knn *g, double perplexity, int n_threads,
                                     emb_tsne_affinities *P, double **cond_out) {
    int64_t n = g->n;
    int k = g->k;
    if (n < 2 || k < 1) return emb__fail(EMB_E_INVALID, "t-SNE affinities: need n >= 2 and k >= 1");
    if (!(perplexity > 0) || perplexity >= k)
        return emb__fail(EMB_E_INVALID, "t-SNE affinities: perplexity %.3g must be in (0, k = %d)", perplexity, k);
    emb_status st = EMB_OK;
    double *cond = emb__malloc((size_t)n * k * sizeof *cond, "t-SNE conditional P");
    int64_t *cnt = emb__calloc((size_t)n + 1, sizeof *cnt, "t-SNE P rows");
    entry *ent = NULL;
    memset(P, 0, sizeof *P);
    if (!cond || !cnt) { st = EMB_E_NOMEM; goto done; }
    double log_perp = log(perplexity);
    int nt = emb_threads_resolve(n_threads);
    bool bad = false;
#pragma omp parallel for schedule(dynamic, 64) num_threads(nt)
    for (int64_t i = 0; i < n; i++) {
        double d2[1024], *buf = k <= 1024 ? d2 : malloc((size_t)k * sizeof *buf);
        if (!buf) { bad = true; continue; }
        int m = 0;
        for (int j = 0; j < k; j++) {
            if (g->idx[i * k + j] < 0) break;   /* padding comes last */
            double d = g->dist[i * k + j];
            buf[m++] = g->metric == EMB_METRIC_COSINE ? 2.0 * d : d * d;
        }
        double *row = cond + i * k;
        for (int j = 0; j < k; j++) row[j] = 0;
        if (m > 0) row_search(buf, m, log_perp, row);
        if (buf != d2) free(buf);
    }
    if (bad) { st = emb__fail(EMB_E_NOMEM, "t-SNE affinities: out of memory"); goto done; }
    /* symmetrise: each (i, j, c) adds c to (i, j) and to (j, i) */
    for (int64_t i = 0; i < n; i++)
        for (int j = 0; j < k; j++) {
            int32_t c = g->idx[i * k + j];
            if (c < 0 || c == i) continue;
            cnt[i + 1]++;
            cnt[c + 1]++;
        }
    for (int64_t i = 0; i < n; i++) cnt[i + 1] += cnt[i];
    ent = emb__malloc((size_t)cnt[n] * sizeof *ent, "t-SNE P entries");
    int64_t *fill = emb__malloc((size_t)n * sizeof *fill, "t-SNE P fill");
    if (!ent || !fill) { free(fill); st = EMB_E_NOMEM; goto done; }
    memcpy(fill, cnt, (size_t)n * sizeof *fill);
    for (int64_t i = 0; i < n; i++)
        for (int j = 0; j < k; j++) {
            int32_t c = g->idx[i * k + j];
            if (c < 0 || c == i) continue;
            double v = cond[i * k + j];
            ent[fill[i]++] = (entry){c, v};
            ent[fill[c]++] = (entry){(int32_t)i, v};
        }
    free(fill);
    /* sort each row, merge duplicates (at most two per pair: a + b = b + a) */
    P->n = n;
    P->row_ptr = emb__malloc((size_t)(n + 1) * sizeof *P->row_ptr, "t-SNE P");
    P->col = emb__malloc((size_t)cnt[n] * sizeof *P->col + 1, "t-SNE P");
    P->val = emb__malloc((size_t)cnt[n] * sizeof *P->val + 1, "t-SNE P");
    if (!P->row_ptr || !P->col || !P->val) { st = EMB_E_NOMEM; goto done; }
#pragma omp parallel for schedule(dynamic, 256) num_threads(nt)
    for (int64_t i = 0; i < n; i++) qsort(ent + cnt[i], (size_t)(cnt[i + 1] - cnt[i]), sizeof *ent, entry_cmp);
    int64_t nnz = 0;
    double scale = 1.0 / (2.0 * (double)n);
    for (int64_t i = 0; i < n; i++) {
        P->row_ptr[i] = nnz;
        for (int64_t e = cnt[i]; e < cnt[i + 1]; e++) {
            if (nnz > P->row_ptr[i] && P->col[nnz - 1] == ent[e].col) {
                P->val[nnz - 1] += ent[e].val * scale;
            } else {
                P->col[nnz] = ent[e].col;
                P->val[nnz] = ent[e].val * scale;
                nnz++;
            }
        }
    }
    P->row_ptr[n] = nnz;
    /* renormalise so that P sums to exactly 1 even with padded rows */
    double total = 0;
    for (int64_t e = 0; e < nnz; e++) total += P->val[e];
    if (total > 0)
        for (int64_t e = 0; e < nnz; e++) P->val[e] /= total;
    if (cond_out) { *cond_out = cond; cond = NULL; }
done:
    if (st) emb_tsne_affinities_free(P);
    free(cond);
    free(cnt);
    free(ent);
    return st;
}

void emb_tsne_affinities_free(emb_tsne_affinities *P) {
    if (!P) return;
    free(P->row_ptr);
    free(P->col);
    free(P->val);
    memset(P, 0, sizeof *P);
}

/* tsne_quality.h - map quality measures for the t-SNE tests (header-only,
 * static): leave-one-out k-NN label accuracy in the map and trustworthiness
 * (Venna & Kaski 2001, scikit-learn's sklearn.manifold.trustworthiness
 * definition, checked against scikit-learn in test_maps_tsne.c). */
#ifndef TSNE_QUALITY_H
#define TSNE_QUALITY_H

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Indices of the k nearest other rows of row i in the (n, d) float matrix
 * whose squared distances to i are d2 (n), ascending, ties by index. */
static inline void q_topk(const double *d2, int64_t n, int64_t i, int k, int64_t *out) {
    for (int a = 0; a < k; a++) out[a] = -1;
    for (int64_t j = 0; j < n; j++) {
        if (j == i) continue;
        int pos = k;
        while (pos > 0 && (out[pos - 1] < 0 || d2[j] < d2[out[pos - 1]])) pos--;
        if (pos >= k) continue;
        memmove(out + pos + 1, out + pos, (size_t)(k - pos - 1) * sizeof *out);
        out[pos] = j;
    }
}

/* Fraction of points whose label equals the majority label of their k
 * nearest neighbours in the map y (n, dims) (ties: smallest label). */
static inline double q_knn_accuracy(const float *y, int64_t n, int dims, const uint8_t *labels, int k) {
    int64_t good = 0;
#pragma omp parallel for reduction(+ : good) schedule(dynamic, 64)
    for (int64_t i = 0; i < n; i++) {
        double *d2 = malloc((size_t)n * sizeof *d2);
        int64_t nb[64];
        for (int64_t j = 0; j < n; j++) {
            double s = 0;
            for (int c = 0; c < dims; c++) { double t = (double)y[i * dims + c] - y[j * dims + c]; s += t * t; }
            d2[j] = s;
        }
        q_topk(d2, n, i, k, nb);
        int votes[256] = {0}, best = 0;
        for (int a = 0; a < k; a++) votes[labels[nb[a]]]++;
        for (int l = 1; l < 256; l++) if (votes[l] > votes[best]) best = l;
        good += best == labels[i];
        free(d2);
    }
    return (double)good / (double)n;
}

/* Trustworthiness of map y (n, dims) for data x (n, d), k neighbours:
 * 1 - 2 / (n k (2n - 3k - 1)) sum_i sum_{j in U_i} (r(i, j) - k), where U_i
 * are the map's k nearest neighbours of i that are not among its k nearest in
 * x and r(i, j) is the rank of j among i's neighbours in x (1 = nearest).
 * Distances in x by SGEMM in blocks of rows. */
static inline double q_trustworthiness(const float *x, int64_t n, int64_t d, const float *y, int dims, int k) {
    const int64_t B = 128;
    float *norm = malloc((size_t)n * sizeof *norm);
    float *g = malloc((size_t)B * n * sizeof *g);
    for (int64_t i = 0; i < n; i++) {
        double s = 0;
        for (int64_t c = 0; c < d; c++) s += (double)x[i * d + c] * x[i * d + c];
        norm[i] = (float)s;
    }
    double penalty = 0;
    for (int64_t b0 = 0; b0 < n; b0 += B) {
        int64_t nb = n - b0 < B ? n - b0 : B;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, (int)n, (int)d, 1.0f,
                    x + b0 * d, (int)d, x, (int)d, 0.0f, g, (int)n);
        double pen_block = 0;
#pragma omp parallel for reduction(+ : pen_block) schedule(dynamic, 8)
        for (int64_t r = 0; r < nb; r++) {
            int64_t i = b0 + r;
            double *dx = malloc((size_t)n * sizeof *dx), *dy = malloc((size_t)n * sizeof *dy);
            for (int64_t j = 0; j < n; j++) {
                dx[j] = (double)norm[i] + norm[j] - 2.0 * g[r * n + j];
                double s = 0;
                for (int c = 0; c < dims; c++) { double t = (double)y[i * dims + c] - y[j * dims + c]; s += t * t; }
                dy[j] = s;
            }
            dx[i] = -INFINITY;  /* self is rank 0 */
            int64_t ny[64];
            q_topk(dy, n, i, k, ny);
            for (int a = 0; a < k; a++) {
                int64_t j = ny[a];
                int64_t rank = 0;  /* points strictly closer than j in x, self excluded */
                for (int64_t t = 0; t < n; t++)
                    if (t != i && (dx[t] < dx[j] || (dx[t] == dx[j] && t < j))) rank++;
                rank += 1;
                if (rank > k) pen_block += (double)(rank - k);
            }
            free(dx);
            free(dy);
        }
        penalty += pen_block;
    }
    free(norm);
    free(g);
    return 1.0 - 2.0 / ((double)n * k * (2.0 * n - 3.0 * k - 1.0)) * penalty;
}

#endif

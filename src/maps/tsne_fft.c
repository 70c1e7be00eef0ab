/* tsne_fft.c - repulsive forces in 2D by polynomial interpolation on a grid
 * and FFT convolution (Linderman, Rachh, Hoskins, Steinerberger & Kluger,
 * "Fast interpolation-based t-SNE", Nature Methods 2019; FIt-SNE's
 * nbodyfft.cpp and openTSNE's _tsne.pyx follow the same scheme).
 *
 * The square [min, max]^2 around the map is cut into B x B boxes, B =
 * max(50, span) rounded up to an FFT-friendly size; each box holds 3 x 3
 * equispaced Lagrange nodes, so the nodes form one uniform m x m grid,
 * m = 3B, spacing h. With the kernel K(r) = 1 / (1 + r^2)^2 and the four
 * charges (1, y1, y2, |y|^2) of each point:
 *   1. spread each charge onto the 9 nodes of its box with the Lagrange weights;
 *   2. convolve each charge grid with K sampled on the grid (a Toeplitz
 *      product, embedded in a 2m x 2m circulant and done by real FFTs, FFTW3
 *      single precision);
 *   3. interpolate the 4 potentials phi back to the points with the same weights.
 * Then (FIt-SNE's compute_repulsive_forces):
 *   neg_i = y_i phi1_i - (phi2_i, phi3_i)      = sum_j w_ij^2 (y_i - y_j)
 *   Z     = sum_i [(1 + |y_i|^2) phi1_i - 2 y_i.(phi2_i, phi3_i) + phi4_i] - n
 * (w = (1 + r^2) K, and the j = i terms contribute K(0) = 1 each to Z and 0
 * to neg).
 *
 * Error: Lagrange interpolation on 3 nodes at t = 1/6, 1/2, 5/6 of a box of
 * width b has remainder |d^3K/dx^3| |(t-1/6)(t-1/2)(t-5/6)| b^3 / 3!, and
 * max_t |(t-1/6)(t-1/2)(t-5/6)| = 5/72 (at t = 0 or 1), max |d^3/dx^3 (1+x^2)^-2|
 * = 12.02 (numerically; a y offset only lowers it), so one axis errs by at
 * most eps1 = 12.02 * 5/72 / 6 * b^3 = 0.139 b^3 relative to K(0) = 1; spreading
 * and interpolating, two axes each, give about 4 eps1 = 0.56 b^3. With
 * B >= span boxes, b <= 1; in practice the error is ~30x below this bound
 * (test_maps_tsne.c). Single-precision FFTs add ~1e-6 relative.
 *
 * Spreading and interpolation run over points in parallel (interpolation) or
 * over the 4 charges (spreading), so results do not depend on thread count. */
#include "core/internal.h"
#include "maps/tsne.h"

#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define FFT_N_INTERP 3          /* Lagrange nodes per box and axis (FIt-SNE default) */
#define FFT_MIN_INTERVALS 50    /* FIt-SNE min_num_intervals */
#define FFT_INTERVALS_PER_UNIT 1.0 /* FIt-SNE intervals_per_integer */
#define FFT_N_TERMS 4

/* FFTW's planner is not thread-safe; executing plans is. */
static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;

struct emb__tsne_fft {
    int m;                      /* grid nodes per axis; 0 = not planned */
    float *kernel;              /* (2m, 2m) real */
    fftwf_complex *khat;        /* (2m, m + 1) */
    float *grid[FFT_N_TERMS];   /* (2m, 2m) real each */
    fftwf_complex *ghat[FFT_N_TERMS];
    fftwf_plan fwd;             /* full 2D r2c (the kernel) */
    fftwf_plan rows_fwd, cols_fwd, cols_inv, rows_inv; /* pruned passes for the charges */
};

emb__tsne_fft *emb__tsne_fft_new(void) {
    return emb__calloc(1, sizeof(emb__tsne_fft), "t-SNE FFT workspace");
}

static void release(emb__tsne_fft *w) {
    pthread_mutex_lock(&plan_lock);
    fftwf_plan *pl[5] = {&w->fwd, &w->rows_fwd, &w->cols_fwd, &w->cols_inv, &w->rows_inv};
    for (int i = 0; i < 5; i++)
        if (*pl[i]) fftwf_destroy_plan(*pl[i]);
    pthread_mutex_unlock(&plan_lock);
    fftwf_free(w->kernel);
    fftwf_free(w->khat);
    for (int t = 0; t < FFT_N_TERMS; t++) { fftwf_free(w->grid[t]); fftwf_free(w->ghat[t]); }
    memset(w, 0, sizeof *w);
}

void emb__tsne_fft_free(emb__tsne_fft *w) {
    if (!w) return;
    release(w);
    free(w);
}

static emb_status plan(emb__tsne_fft *w, int m) {
    if (w->m == m) return EMB_OK;
    release(w);
    size_t nr = (size_t)2 * m * 2 * m, nc = (size_t)2 * m * (m + 1);
    w->kernel = fftwf_malloc(nr * sizeof(float));
    w->khat = fftwf_malloc(nc * sizeof(fftwf_complex));
    bool ok = w->kernel && w->khat;
    for (int t = 0; t < FFT_N_TERMS; t++) {
        w->grid[t] = fftwf_malloc(nr * sizeof(float));
        w->ghat[t] = fftwf_malloc(nc * sizeof(fftwf_complex));
        ok = ok && w->grid[t] && w->ghat[t];
    }
    if (ok) {
        pthread_mutex_lock(&plan_lock);
        int len = 2 * m, mc = m + 1;
        w->fwd = fftwf_plan_dft_r2c_2d(len, len, w->kernel, w->khat, FFTW_ESTIMATE);
        /* A charge grid is zero outside its first m rows and columns, and only
         * the first m rows of the result are read: the row passes run on m
         * rows, the column passes on all m + 1 columns (saves 1/4). */
        w->rows_fwd = fftwf_plan_many_dft_r2c(1, &len, m, w->grid[0], NULL, 1, len, w->ghat[0], NULL, 1, mc, FFTW_ESTIMATE);
        w->cols_fwd = fftwf_plan_many_dft(1, &len, mc, w->ghat[0], NULL, mc, 1, w->ghat[0], NULL, mc, 1, FFTW_FORWARD, FFTW_ESTIMATE);
        w->cols_inv = fftwf_plan_many_dft(1, &len, mc, w->ghat[0], NULL, mc, 1, w->ghat[0], NULL, mc, 1, FFTW_BACKWARD, FFTW_ESTIMATE);
        w->rows_inv = fftwf_plan_many_dft_c2r(1, &len, m, w->ghat[0], NULL, 1, mc, w->grid[0], NULL, 1, len, FFTW_ESTIMATE);
        pthread_mutex_unlock(&plan_lock);
        ok = w->fwd && w->rows_fwd && w->cols_fwd && w->cols_inv && w->rows_inv;
    }
    if (!ok) {
        release(w);
        return emb__fail(EMB_E_NOMEM, "t-SNE FFT: out of memory for a %d x %d grid", m, m);
    }
    w->m = m;
    return EMB_OK;
}

/* Smallest B >= want that FFTW handles fast (FIt-SNE's allowed sizes, then
 * multiples of 16 above 200). */
static int round_boxes(double want) {
    static const int ok[] = {25, 36, 50, 55, 60, 65, 70, 75, 80, 85, 90, 96, 100, 110, 120, 130, 140, 150, 175, 200};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (ok[i] >= want) return ok[i];
    int b = (int)ceil(want);
    return (b + 15) / 16 * 16;
}

/* Lagrange weights of the 3 nodes (k + 1/2) / 3 at t in [0, 1]. */
static inline void lagrange3(double t, double wt[3]) {
    const double x0 = 1.0 / 6, x1 = 0.5, x2 = 5.0 / 6;
    wt[0] = (t - x1) * (t - x2) / ((x0 - x1) * (x0 - x2));
    wt[1] = (t - x0) * (t - x2) / ((x1 - x0) * (x1 - x2));
    wt[2] = (t - x0) * (t - x1) / ((x2 - x0) * (x2 - x1));
}

emb_status emb__tsne_repulsive_fft(emb__tsne_fft *w, const double *y, int64_t n, int dims,
                                   double *neg, double *z) {
    if (dims != 2) return emb__fail(EMB_E_UNSUPPORTED, "t-SNE FFT: 2D only");
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < 2 * n; i++) {
        if (y[i] < lo) lo = y[i];
        if (y[i] > hi) hi = y[i];
    }
    double span = hi - lo;
    if (!(span > 0)) span = 1e-6;
    int nb = round_boxes(fmax(FFT_MIN_INTERVALS, span / FFT_INTERVALS_PER_UNIT));
    int m = nb * FFT_N_INTERP, m2 = 2 * m;
    emb_status st = plan(w, m);
    if (st) return st;
    double box = span / nb, h = box / FFT_N_INTERP;
    int32_t *cell = malloc((size_t)n * 2 * sizeof *cell);
    double *wts = malloc((size_t)n * 6 * sizeof *wts);
    double *zrow = malloc((size_t)n * sizeof *zrow);
    if (!cell || !wts || !zrow) {
        free(cell); free(wts); free(zrow);
        return emb__fail(EMB_E_NOMEM, "t-SNE FFT: out of memory (n = %lld)", (long long)n);
    }
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++)
        for (int c = 0; c < 2; c++) {
            double u = (y[i * 2 + c] - lo) / box;
            int b = (int)u;
            if (b >= nb) b = nb - 1;
            if (b < 0) b = 0;
            cell[i * 2 + c] = b;
            lagrange3(u - b, wts + i * 6 + c * 3);
        }
    /* kernel on the circulant grid; index m is never reached by |i - j| < m */
#pragma omp parallel for schedule(static)
    for (int a = 0; a < m2; a++) {
        int da = a < m ? a : m2 - a;
        for (int b = 0; b < m2; b++) {
            int db = b < m ? b : m2 - b;
            double r2 = (double)da * da * h * h + (double)db * db * h * h;
            double k = 1.0 / (1.0 + r2);
            w->kernel[(size_t)a * m2 + b] = (a == m || b == m) ? 0.0f : (float)(k * k);
        }
    }
    fftwf_execute_dft_r2c(w->fwd, w->kernel, w->khat);
    float scale = 1.0f / ((float)m2 * (float)m2);
#pragma omp parallel for schedule(static, 1)
    for (int t = 0; t < FFT_N_TERMS; t++) {
        float *g = w->grid[t];
        fftwf_complex *gh = w->ghat[t];
        for (int a = 0; a < m; a++) memset(g + (size_t)a * m2, 0, (size_t)m * sizeof *g);
        for (int64_t i = 0; i < n; i++) {
            double q = t == 0 ? 1.0 : t == 1 ? y[i * 2] : t == 2 ? y[i * 2 + 1]
                                     : y[i * 2] * y[i * 2] + y[i * 2 + 1] * y[i * 2 + 1];
            const double *wx = wts + i * 6, *wy = wx + 3;
            int gx = cell[i * 2] * FFT_N_INTERP, gy = cell[i * 2 + 1] * FFT_N_INTERP;
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) g[(size_t)(gx + a) * m2 + gy + b] += (float)(q * wx[a] * wy[b]);
        }
        /* rows m..2m-1 are zero in, so zero out of the row pass; columns
         * m..2m-1 of the real rows are read by the row pass: zero them */
        for (int a = 0; a < m; a++) memset(g + (size_t)a * m2 + m, 0, (size_t)m * sizeof *g);
        fftwf_execute_dft_r2c(w->rows_fwd, g, gh);
        memset(gh + (size_t)m * (m + 1), 0, (size_t)m * (m + 1) * sizeof *gh);
        fftwf_execute_dft(w->cols_fwd, gh, gh);
        for (size_t e = 0; e < (size_t)m2 * (m + 1); e++) {
            float re = gh[e][0] * w->khat[e][0] - gh[e][1] * w->khat[e][1];
            float im = gh[e][0] * w->khat[e][1] + gh[e][1] * w->khat[e][0];
            gh[e][0] = re * scale;
            gh[e][1] = im * scale;
        }
        fftwf_execute_dft(w->cols_inv, gh, gh);
        fftwf_execute_dft_c2r(w->rows_inv, gh, g);
    }
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++) {
        const double *wx = wts + i * 6, *wy = wx + 3;
        int gx = cell[i * 2] * FFT_N_INTERP, gy = cell[i * 2 + 1] * FFT_N_INTERP;
        double phi[FFT_N_TERMS] = {0, 0, 0, 0};
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) {
                size_t at = (size_t)(gx + a) * m2 + gy + b;
                double wab = wx[a] * wy[b];
                for (int t = 0; t < FFT_N_TERMS; t++) phi[t] += wab * w->grid[t][at];
            }
        double y1 = y[i * 2], y2 = y[i * 2 + 1];
        neg[i * 2] = y1 * phi[0] - phi[1];
        neg[i * 2 + 1] = y2 * phi[0] - phi[2];
        zrow[i] = (1 + y1 * y1 + y2 * y2) * phi[0] - 2 * (y1 * phi[1] + y2 * phi[2]) + phi[3];
    }
    double sum = 0;
    for (int64_t i = 0; i < n; i++) sum += zrow[i];
    *z = sum - (double)n;
    free(cell);
    free(wts);
    free(zrow);
    return EMB_OK;
}

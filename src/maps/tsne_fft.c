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
 *      single precision; the kernel's spectrum is real and is the DCT-I of
 *      its (m + 1)^2 corner, computed beside the charges' spreading);
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
 * Spreading and transforms run in parallel over the 4 charges (and the
 * kernel), interpolation over points, so results do not depend on thread
 * count; FFTW_ESTIMATE plans keep runs bit-reproducible. */
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
#define FFT_PLAN_FLAGS FFTW_ESTIMATE
#define FFT_CHUNK 8             /* rows / columns per FFTW call */

/* FFTW's planner is not thread-safe; executing plans is. */
static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;

struct emb__tsne_fft {
    int m;                      /* grid nodes per axis; 0 = not planned */
    float *kdct;                /* (m + 1, m + 1): the kernel, then its DCT-I = its DFT */
    float *grid[FFT_N_TERMS];   /* (2m, 2m) real each */
    fftwf_complex *ghat[FFT_N_TERMS];
    float *pot;                 /* (m, m, 4): the 4 potentials interleaved per node */
    fftwf_plan kplan;           /* 2D REDFT00 of the kernel, in place */
    /* pruned passes for the charges, each over FFT_CHUNK rows or columns at a
     * time ([0]) and the remainder ([1]) */
    fftwf_plan rows_fwd[2], cols_fwd[2], cols_inv[2], rows_inv[2];
    int64_t cap;                /* points the per-point buffers hold */
    int32_t *cell;              /* (n, 2) box of each point */
    float *wts;                 /* (n, 6) Lagrange weights, 3 per axis */
    double *zrow;               /* (n) */
    double sec[3];              /* thread-seconds: spread, transforms, interpolation */
    int m_max;                  /* largest m planned */
};

emb__tsne_fft *emb__tsne_fft_new(void) {
    return emb__calloc(1, sizeof(emb__tsne_fft), "t-SNE FFT workspace");
}

static void release_plans(emb__tsne_fft *w) {
    pthread_mutex_lock(&plan_lock);
    if (w->kplan) fftwf_destroy_plan(w->kplan);
    for (int i = 0; i < 2; i++) {
        fftwf_plan *pl[4] = {&w->rows_fwd[i], &w->cols_fwd[i], &w->cols_inv[i], &w->rows_inv[i]};
        for (int j = 0; j < 4; j++) {
            if (*pl[j]) fftwf_destroy_plan(*pl[j]);
            *pl[j] = NULL;
        }
    }
    pthread_mutex_unlock(&plan_lock);
    fftwf_free(w->kdct);
    fftwf_free(w->pot);
    for (int t = 0; t < FFT_N_TERMS; t++) { fftwf_free(w->grid[t]); fftwf_free(w->ghat[t]); }
    w->kplan = NULL;
    w->kdct = w->pot = NULL;
    for (int t = 0; t < FFT_N_TERMS; t++) { w->grid[t] = NULL; w->ghat[t] = NULL; }
    w->m = 0;
}

void emb__tsne_fft_free(emb__tsne_fft *w) {
    if (!w) return;
    release_plans(w);
    free(w->cell);
    free(w->wts);
    free(w->zrow);
    free(w);
}

int emb__tsne_fft_seconds(const emb__tsne_fft *w, double sec[3]) {
    for (int i = 0; i < 3; i++) sec[i] = w ? w->sec[i] : 0;
    return w ? w->m_max : 0;
}

static emb_status plan(emb__tsne_fft *w, int m) {
    if (w->m == m) return EMB_OK;
    release_plans(w);
    size_t nr = (size_t)2 * m * 2 * m, nc = (size_t)2 * m * (m + 1);
    w->kdct = fftwf_malloc((size_t)(m + 1) * (m + 1) * sizeof(float));
    w->pot = fftwf_malloc((size_t)m * m * FFT_N_TERMS * sizeof(float));
    bool ok = w->kdct && w->pot;
    for (int t = 0; t < FFT_N_TERMS; t++) {
        w->grid[t] = fftwf_malloc(nr * sizeof(float));
        w->ghat[t] = fftwf_malloc(nc * sizeof(fftwf_complex));
        ok = ok && w->grid[t] && w->ghat[t];
    }
    if (ok) {
        pthread_mutex_lock(&plan_lock);
        int len = 2 * m, mc = m + 1;
        /* The kernel is even in both axes, so the DFT of its 2m x 2m
         * circulant embedding is real and equals the DCT-I (REDFT00) of its
         * (m + 1) x (m + 1) corner: 1/4 of the points of the full transform. */
        w->kplan = fftwf_plan_r2r_2d(mc, mc, w->kdct, w->kdct, FFTW_REDFT00, FFTW_REDFT00, FFT_PLAN_FLAGS);
        /* A charge grid is zero outside its first m rows and columns, and only
         * the first m rows of the result are read: the row passes run on m
         * rows, the column passes on all m + 1 columns (saves 1/4). */
        /* FFTW_ESTIMATE (deterministic, unlike MEASURE) picks much better
         * plans for a batch of FFT_CHUNK transforms than for all m at once
         * (m = 768: rows 6.8 -> 2.7 ms, strided columns 14.8 -> 9.5 ms);
         * chunk offsets are multiples of 64 bytes, so the plans' alignment holds. */
        for (int i = 0; i < 2; i++) {
            int hr = i == 0 ? FFT_CHUNK : m % FFT_CHUNK, hc = i == 0 ? FFT_CHUNK : mc % FFT_CHUNK;
            if (hr > 0) {
                w->rows_fwd[i] = fftwf_plan_many_dft_r2c(1, &len, hr, w->grid[0], NULL, 1, len, w->ghat[0], NULL, 1, mc, FFT_PLAN_FLAGS);
                w->rows_inv[i] = fftwf_plan_many_dft_c2r(1, &len, hr, w->ghat[0], NULL, 1, mc, w->grid[0], NULL, 1, len, FFT_PLAN_FLAGS);
                ok = ok && w->rows_fwd[i] && w->rows_inv[i];
            }
            if (hc > 0) {
                w->cols_fwd[i] = fftwf_plan_many_dft(1, &len, hc, w->ghat[0], NULL, mc, 1, w->ghat[0], NULL, mc, 1, FFTW_FORWARD, FFT_PLAN_FLAGS);
                w->cols_inv[i] = fftwf_plan_many_dft(1, &len, hc, w->ghat[0], NULL, mc, 1, w->ghat[0], NULL, mc, 1, FFTW_BACKWARD, FFT_PLAN_FLAGS);
                ok = ok && w->cols_fwd[i] && w->cols_inv[i];
            }
        }
        pthread_mutex_unlock(&plan_lock);
        ok = ok && w->kplan;
    }
    if (!ok) {
        release_plans(w);
        return emb__fail(EMB_E_NOMEM, "t-SNE FFT: out of memory for a %d x %d grid", m, m);
    }
    w->m = m;
    if (m > w->m_max) w->m_max = m;
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
static inline void lagrange3(double t, float wt[3]) {
    const double x0 = 1.0 / 6, x1 = 0.5, x2 = 5.0 / 6;
    wt[0] = (float)((t - x1) * (t - x2) / ((x0 - x1) * (x0 - x2)));
    wt[1] = (float)((t - x0) * (t - x2) / ((x1 - x0) * (x1 - x2)));
    wt[2] = (float)((t - x0) * (t - x1) / ((x2 - x0) * (x2 - x1)));
}

/* The row passes over m rows and the column passes over m + 1 columns,
 * FFT_CHUNK at a time. */
static void rows_r2c(const emb__tsne_fft *w, float *g, fftwf_complex *gh) {
    int m = w->m, len = 2 * m, mc = m + 1, r = 0;
    for (; r + FFT_CHUNK <= m; r += FFT_CHUNK) fftwf_execute_dft_r2c(w->rows_fwd[0], g + (size_t)r * len, gh + (size_t)r * mc);
    if (r < m) fftwf_execute_dft_r2c(w->rows_fwd[1], g + (size_t)r * len, gh + (size_t)r * mc);
}
static void rows_c2r(const emb__tsne_fft *w, fftwf_complex *gh, float *g) {
    int m = w->m, len = 2 * m, mc = m + 1, r = 0;
    for (; r + FFT_CHUNK <= m; r += FFT_CHUNK) fftwf_execute_dft_c2r(w->rows_inv[0], gh + (size_t)r * mc, g + (size_t)r * len);
    if (r < m) fftwf_execute_dft_c2r(w->rows_inv[1], gh + (size_t)r * mc, g + (size_t)r * len);
}
static void cols(const emb__tsne_fft *w, fftwf_plan const pl[2], fftwf_complex *gh) {
    int mc = w->m + 1, c = 0;
    for (; c + FFT_CHUNK <= mc; c += FFT_CHUNK) fftwf_execute_dft(pl[0], gh + c, gh + c);
    if (c < mc) fftwf_execute_dft(pl[1], gh + c, gh + c);
}

/* Task 0: the kernel on the (m + 1)^2 corner, scaled by the inverse FFT's
 * 1 / (2m)^2, and its DCT-I (index m is never reached by |i - j| < m). */
static void kernel_task(emb__tsne_fft *w, double h) {
    int m = w->m, mc = m + 1;
    float scale = 1.0f / ((float)(2 * m) * (float)(2 * m));
    for (int a = 0; a < mc; a++)
        for (int b = 0; b < mc; b++) {
            double r2 = ((double)a * a + (double)b * b) * h * h;
            double k = 1.0 / (1.0 + r2);
            w->kdct[(size_t)a * mc + b] = (a == m || b == m) ? 0.0f : (float)(k * k) * scale;
        }
    fftwf_execute_r2r(w->kplan, w->kdct, w->kdct);
}

/* Tasks 1..4: spread charge t onto its grid, forward transform. */
static void spread_task(emb__tsne_fft *w, int t, const double *y, int64_t n, double *sec) {
    double t0 = emb_now();
    int m = w->m, m2 = 2 * m;
    float *g = w->grid[t];
    fftwf_complex *gh = w->ghat[t];
    for (int a = 0; a < m; a++) memset(g + (size_t)a * m2, 0, (size_t)m2 * sizeof *g);
    const int32_t *cell = w->cell;
    const float *wts = w->wts;
    for (int64_t i = 0; i < n; i++) {
        float q = t == 0 ? 1.0f : t == 1 ? (float)y[i * 2] : t == 2 ? (float)y[i * 2 + 1]
                                : (float)(y[i * 2] * y[i * 2] + y[i * 2 + 1] * y[i * 2 + 1]);
        const float *wx = wts + i * 6, *wy = wx + 3;
        float *row = g + (size_t)cell[i * 2] * FFT_N_INTERP * m2 + cell[i * 2 + 1] * FFT_N_INTERP;
        for (int a = 0; a < 3; a++) {
            float qa = q * wx[a];
            for (int b = 0; b < 3; b++) row[(size_t)a * m2 + b] += qa * wy[b];
        }
    }
    double t1 = emb_now();
    /* rows m..2m-1 are zero in, so zero out of the row pass (not stored) */
    rows_r2c(w, g, gh);
    memset(gh + (size_t)m * (m + 1), 0, (size_t)m * (m + 1) * sizeof *gh);
    cols(w, w->cols_fwd, gh);
    double t2 = emb_now();
    sec[0] += t1 - t0;
    sec[1] += t2 - t1;
}

/* Multiply charge t's spectrum by the kernel's (real) and transform back. */
static void convolve_task(emb__tsne_fft *w, int t) {
    int m = w->m, m2 = 2 * m, mc = m + 1;
    fftwf_complex *gh = w->ghat[t];
    for (int u = 0; u < m2; u++) {
        const float *kr = w->kdct + (size_t)(u <= m ? u : m2 - u) * mc;
        fftwf_complex *gr = gh + (size_t)u * mc;
        for (int v = 0; v < mc; v++) { gr[v][0] *= kr[v]; gr[v][1] *= kr[v]; }
    }
    cols(w, w->cols_inv, gh);
    rows_c2r(w, gh, w->grid[t]);
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
    if (w->cap < n) {
        free(w->cell); free(w->wts); free(w->zrow);
        w->cell = malloc((size_t)n * 2 * sizeof *w->cell);
        w->wts = malloc((size_t)n * 6 * sizeof *w->wts);
        w->zrow = malloc((size_t)n * sizeof *w->zrow);
        w->cap = n;
        if (!w->cell || !w->wts || !w->zrow) {
            free(w->cell); free(w->wts); free(w->zrow);
            w->cell = NULL; w->wts = NULL; w->zrow = NULL; w->cap = 0;
            return emb__fail(EMB_E_NOMEM, "t-SNE FFT: out of memory (n = %lld)", (long long)n);
        }
    }
    double box = span / nb, h = box / FFT_N_INTERP;
    int32_t *cell = w->cell;
    float *wts = w->wts;
    double tsec[2] = {0, 0}, t0 = emb_now();
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
    /* the kernel transform runs beside the four charges' spreading */
#pragma omp parallel for schedule(dynamic, 1)
    for (int t = -1; t < FFT_N_TERMS; t++) {
        double sec[2] = {0, 0};
        if (t < 0) {
            double k0 = emb_now();
            kernel_task(w, h);
            sec[1] = emb_now() - k0;
        } else {
            spread_task(w, t, y, n, sec);
        }
#pragma omp critical(tsne_fft_sec)
        { tsec[0] += sec[0]; tsec[1] += sec[1]; }
    }
    double t1 = emb_now();
#pragma omp parallel for schedule(static, 1)
    for (int t = 0; t < FFT_N_TERMS; t++) convolve_task(w, t);
    /* the four potentials interleaved per node: one 16-byte read per node below */
#pragma omp parallel for schedule(static)
    for (int a = 0; a < m; a++)
        for (int b = 0; b < m; b++) {
            float *o = w->pot + ((size_t)a * m + b) * FFT_N_TERMS;
            for (int t = 0; t < FFT_N_TERMS; t++) o[t] = w->grid[t][(size_t)a * m2 + b];
        }
    double t2 = emb_now();
    double *zrow = w->zrow;
    const float *pot = w->pot;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++) {
        const float *wx = wts + i * 6, *wy = wx + 3;
        const float *p0 = pot + ((size_t)cell[i * 2] * FFT_N_INTERP * m + (size_t)cell[i * 2 + 1] * FFT_N_INTERP) * FFT_N_TERMS;
        double phi[FFT_N_TERMS] = {0, 0, 0, 0};
        for (int a = 0; a < 3; a++) {
            const float *pr = p0 + (size_t)a * m * FFT_N_TERMS;
            for (int b = 0; b < 3; b++) {
                double wab = (double)wx[a] * wy[b];
                for (int t = 0; t < FFT_N_TERMS; t++) phi[t] += wab * pr[b * FFT_N_TERMS + t];
            }
        }
        double y1 = y[i * 2], y2 = y[i * 2 + 1];
        neg[i * 2] = y1 * phi[0] - phi[1];
        neg[i * 2 + 1] = y2 * phi[0] - phi[2];
        zrow[i] = (1 + y1 * y1 + y2 * y2) * phi[0] - 2 * (y1 * phi[1] + y2 * phi[2]) + phi[3];
    }
    double sum = 0;
    for (int64_t i = 0; i < n; i++) sum += zrow[i];
    *z = sum - (double)n;
    double t3 = emb_now();
    w->sec[0] += tsec[0];
    w->sec[1] += tsec[1] + (t2 - t1) * 2;  /* convolve + pack: both threads */
    w->sec[2] += (t3 - t2) * 2;
    (void)t0;
    return EMB_OK;
}

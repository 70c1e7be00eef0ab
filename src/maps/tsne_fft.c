/* tsne_fft.c - repulsive forces in 2D by polynomial interpolation on a grid
 * and FFT convolution (Linderman, Rachh, Hoskins, Steinerberger & Kluger,
 * "Fast interpolation-based t-SNE", Nature Methods 2019; FIt-SNE's
 * nbodyfft.cpp and openTSNE's _tsne.pyx follow the same scheme).
 *
 * The square [min, max]^2 around the map is cut into B x B boxes, B =
 * max(50, span) rounded up to an FFT-friendly size (round_boxes); each box holds 3 x 3
 * equispaced Lagrange nodes, so the nodes form one uniform m x m grid,
 * m = 3B, spacing h. The repulsive term needs, for every point i,
 *   neg_i = sum_j K2(y_i - y_j) (y_i - y_j)   and   Z = sum_{i != j} K1(y_i - y_j)
 * with K1(r) = 1 / (1 + |r|^2), K2 = K1^2. FIt-SNE gets both from the one
 * kernel K2 convolved with four charges (1, y1, y2, |y|^2) and subtracts
 * (neg_i = y_i phi_1 - phi_(2,3)); here the coordinates go into the kernels
 * instead: ONE charge grid (the points' unit masses) is convolved with three
 * kernels,
 *   G1(r) = r_1 K2(r),  G2(r) = r_2 K2(r)  (odd in one axis)  and  K1(r),
 * so that neg_i = (phi_G1, phi_G2)(y_i) and Z = sum_i phi_K1(y_i) - n directly.
 * That is one forward transform instead of four and three inverse instead of
 * four, with no cancellation between large terms, for two more kernel
 * spectra per call.
 *   1. spread each point's unit mass onto the 9 nodes of its box with the
 *      Lagrange weights;
 *   2. convolve the grid with each kernel sampled on the grid (a Toeplitz
 *      product, embedded in a 2m x 2m circulant and done by real FFTs, FFTW3
 *      single precision). The kernels' spectra come from their (m + 1)^2
 *      corners: K1 is even in both axes, so its DFT is real and is the DCT-I
 *      (REDFT00) of the corner; G1 is odd along axis 1 and even along axis 2,
 *      so its DFT is -i times the DST-I (RODFT00) x DCT-I of the corner, and
 *      G2 the other way round (computed as the real or imaginary parts of
 *      r2c transforms of the even / odd extensions, kernel_pass);
 *   3. interpolate the 3 potentials back to the points with the same weights.
 *
 * Error: Lagrange interpolation on 3 nodes at t = 1/6, 1/2, 5/6 of a box of
 * width b has remainder |f'''| |(t-1/6)(t-1/2)(t-5/6)| b^3 / 3!, and
 * max_t |(t-1/6)(t-1/2)(t-5/6)| = 5/72 (at t = 0 or 1). Along one axis the
 * third derivatives are at most 4.67 (K1), 12.0 (G1 along r_1, G2 along r_2)
 * and 2.86 (G1 along r_2), all below the 12.02 of FIt-SNE's K2 (sympy, on a
 * grid), so its bound 4 * 12.02 * 5/72 / 6 * b^3 = 0.56 b^3 (two axes,
 * spreading and interpolating) holds here too, relative to K(0) = 1.
 * With B >= span boxes, b <= 1; in practice the error is far below this
 * bound (test_maps_tsne.c). Single-precision FFTs add ~1e-6 relative.
 *
 * Against FIt-SNE's four charges (measured): 25 vs 34 ms per gradient for
 * 70,000 points on a 720^2 grid (2 threads); on 6,000 points of a
 * Fashion-MNIST map, force rel. error 0.066 vs 0.040 and Z error 0.005 vs
 * 0.014; final Fashion-MNIST 70k map: exact KL 2.466 vs 2.461, 10-NN
 * accuracy 0.8436 vs 0.8435.
 *
 * Transforms run in parallel over rows or columns (FFT_CHUNK at a time),
 * spreading in one thread, interpolation over points: results do not depend
 * on the thread count; FFTW_ESTIMATE plans keep runs bit-reproducible. */
#include "core/internal.h"
#include "maps/tsne.h"

#include <fftw3.h>
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define FFT_N_INTERP 3          /* Lagrange nodes per box and axis (FIt-SNE default) */
#define FFT_MIN_INTERVALS 50    /* FIt-SNE min_num_intervals */
#define FFT_INTERVALS_PER_UNIT 1.0 /* FIt-SNE intervals_per_integer */
#define FFT_N_KERNELS 3         /* K1, G1, G2 */
#define FFT_POT_STRIDE 4        /* floats per node in pot: the 3 potentials + 1 pad (never read) */
#define FFT_PLAN_FLAGS FFTW_ESTIMATE
#define FFT_CHUNK 8             /* rows / columns per FFTW call */

/* FFTW's planner is not thread-safe; executing plans is. */
static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;

struct emb__tsne_fft {
    int m;                      /* grid nodes per axis; 0 = not planned */
    float *kspec[FFT_N_KERNELS];   /* kernel corners, then their spectra:
                                      K1 (m+1, m+1), G1 (m-1, m+1), G2 (m+1, m-1) */
    float *grid[FFT_N_KERNELS]; /* (m, 2m) real each: [0] the charges, then the potentials */
    fftwf_complex *ghat[FFT_N_KERNELS];   /* (2m, m + 1) each */
    float *pot;                 /* (m, m, FFT_POT_STRIDE): the potentials interleaved per node */
    /* pruned passes, each over FFT_CHUNK rows or columns at a time ([0])
     * and the remainder ([1]) */
    fftwf_plan rows_fwd[2], cols_fwd[2], cols_inv[2], rows_inv[2];
    float *kscr;                /* kernel_pass's scratch, kscr_floats(m) per thread */
    int kscr_threads;
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
    for (int i = 0; i < 2; i++) {
        fftwf_plan *pl[4] = {&w->rows_fwd[i], &w->cols_fwd[i], &w->cols_inv[i], &w->rows_inv[i]};
        for (int j = 0; j < 4; j++) {
            if (*pl[j]) fftwf_destroy_plan(*pl[j]);
            *pl[j] = NULL;
        }
    }
    pthread_mutex_unlock(&plan_lock);
    fftwf_free(w->pot);
    fftwf_free(w->kscr);
    w->pot = NULL;
    w->kscr = NULL;
    w->kscr_threads = 0;
    for (int t = 0; t < FFT_N_KERNELS; t++) {
        fftwf_free(w->kspec[t]); fftwf_free(w->grid[t]); fftwf_free(w->ghat[t]);
        w->kspec[t] = NULL; w->grid[t] = NULL; w->ghat[t] = NULL;
    }
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
    size_t nr = (size_t)m * 2 * m, nc = (size_t)2 * m * (m + 1);
    int mc = m + 1;
    w->pot = fftwf_malloc((size_t)m * m * FFT_POT_STRIDE * sizeof(float));
    bool ok = w->pot != NULL;
    for (int t = 0; t < FFT_N_KERNELS; t++) {
        w->kspec[t] = fftwf_malloc((size_t)mc * mc * sizeof(float));
        w->grid[t] = fftwf_malloc(nr * sizeof(float));
        w->ghat[t] = fftwf_malloc(nc * sizeof(fftwf_complex));
        ok = ok && w->kspec[t] && w->grid[t] && w->ghat[t];
    }
    if (ok) {
        pthread_mutex_lock(&plan_lock);
        int len = 2 * m;
        /* A charge grid is zero outside its first m rows and columns, and only
         * the first m rows and columns of a result are read: the row passes run
         * on m rows, the column passes on all m + 1 columns. FFTW_ESTIMATE
         * (deterministic, unlike MEASURE) picks much better plans for a batch
         * of FFT_CHUNK transforms than for all m at once; chunk offsets are
         * multiples of 64 bytes, so the plans' alignment holds. */
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
    }
    if (!ok) {
        release_plans(w);
        return emb__fail(EMB_E_NOMEM, "t-SNE FFT: out of memory for a %d x %d grid", m, m);
    }
    w->m = m;
    if (m > w->m_max) w->m_max = m;
    return EMB_OK;
}

/* Smallest B >= want that FFTW handles fast: FIt-SNE's allowed sizes up
 * to 200, then the next B with no prime factor above 7 (the transforms are
 * 6B long). Multiples of 16 were used before: 208 = 16 x 13 gave 1,248-point
 * transforms, 1.7x the time of 1,260-point ones (FFTW_ESTIMATE plans,
 * measured on this project's Xeon). */
static int round_boxes(double want) {
    static const int ok[] = {25, 36, 50, 55, 60, 65, 70, 75, 80, 85, 90, 96, 100, 110, 120, 130, 140, 150, 175, 200};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (ok[i] >= want) return ok[i];
    for (int b = (int)ceil(want);; b++) {
        int r = b;
        for (int f = 2; f <= 7; f++)
            while (r % f == 0) r /= f;
        if (r == 1) return b;
    }
}

/* Lagrange weights of the 3 nodes (k + 1/2) / 3 at t in [0, 1]. */
static inline void lagrange3(double t, float wt[3]) {
    const double x0 = 1.0 / 6, x1 = 0.5, x2 = 5.0 / 6;
    wt[0] = (float)((t - x1) * (t - x2) / ((x0 - x1) * (x0 - x2)));
    wt[1] = (float)((t - x0) * (t - x2) / ((x1 - x0) * (x1 - x2)));
    wt[2] = (float)((t - x0) * (t - x1) / ((x2 - x0) * (x2 - x1)));
}

/* Chunk c of a pass: rows [c FFT_CHUNK, ...) of m, or columns of m + 1. */
static int n_chunks(int len) { return (len + FFT_CHUNK - 1) / FFT_CHUNK; }
static void row_r2c(const emb__tsne_fft *w, const float *g, fftwf_complex *gh, int c) {
    int m = w->m, len = 2 * m, mc = m + 1, r = c * FFT_CHUNK;
    fftwf_execute_dft_r2c(w->rows_fwd[r + FFT_CHUNK <= m ? 0 : 1], (float *)g + (size_t)r * len, gh + (size_t)r * mc);
}
static void row_c2r(const emb__tsne_fft *w, fftwf_complex *gh, float *g, int c) {
    int m = w->m, len = 2 * m, mc = m + 1, r = c * FFT_CHUNK;
    fftwf_execute_dft_c2r(w->rows_inv[r + FFT_CHUNK <= m ? 0 : 1], gh + (size_t)r * mc, g + (size_t)r * len);
}
static void col_pass(const emb__tsne_fft *w, fftwf_plan const pl[2], fftwf_complex *gh, int c) {
    int mc = w->m + 1, c0 = c * FFT_CHUNK;
    fftwf_execute_dft(pl[c0 + FFT_CHUNK <= mc ? 0 : 1], gh + c0, gh + c0);
}

/* Row a (0..m) of the three kernels' corners, sampled at node offsets
 * (a h, b h) and scaled by the inverse FFT's 1 / (2m)^2; offset m is never
 * reached by |i - j| < m (zero). The odd axes of G1 and G2 start at offset 1
 * (the DST-I of 1..m-1; offsets 0 and m are zero). Their 2D r2r transforms
 * follow in kernel_pass. */
static void kernel_sample_row(emb__tsne_fft *w, int a, double h) {
    int m = w->m, mc = m + 1, ms = m - 1;
    float scale = 1.0f / ((float)(2 * m) * (float)(2 * m));
    float hh = (float)(h * h), ra = (float)(a * h), a2 = (float)a * (float)a;
    float *k0 = w->kspec[0] + (size_t)a * mc;
    float *k1 = (a >= 1 && a <= ms) ? w->kspec[1] + (size_t)(a - 1) * mc : NULL;
    float *k2 = w->kspec[2] + (size_t)a * ms;
    for (int b = 0; b < mc; b++) {
        float q = 1.0f / (1.0f + (a2 + (float)b * (float)b) * hh);
        float q2s = q * q * scale;
        bool edge = a == m || b == m;
        k0[b] = edge ? 0.0f : q * scale;
        if (k1) k1[b] = edge ? 0.0f : ra * q2s;
        if (b >= 1 && b <= ms) k2[b - 1] = a == m ? 0.0f : (float)(b * h) * q2s;
    }
}

/* Floats of kernel_pass's scratch per thread: FFT_CHUNK lines of 2m reals
 * and FFT_CHUNK of m + 1 complex, laid out as the rows_fwd plan's arrays (a
 * multiple of 16 floats, so each thread's block stays 64-byte aligned). */
static size_t kscr_floats(int m) {
    size_t f = (size_t)FFT_CHUNK * 2 * m + (size_t)FFT_CHUNK * 2 * (m + 1);
    return (f + 15) / 16 * 16;
}

/* Kernel t's corner: na rows of nb (odd axes hold offsets 1..m-1). */
static void kernel_dims(const emb__tsne_fft *w, int t, int *na, int *nb) {
    *na = t == 1 ? w->m - 1 : w->m + 1;
    *nb = t == 2 ? w->m - 1 : w->m + 1;
}

/* Chunk c of one pass of kernel t's 2D DCT-I / DST-I, in place: FFT_CHUNK
 * lines of the corner (rows = along axis 2 when !cols, else columns), each
 * extended to a 2m-periodic even (x[2m-j] = x[j]) or odd (x[2m-j] = -x[j],
 * x[0] = x[m] = 0) sequence and put through the charges' batched r2c plan:
 * the DCT-I (REDFT00) is the real part of the DFT, the DST-I (RODFT00) minus
 * the imaginary part. FFTW's own r2r codelets are scalar and take twice as
 * long as these vectorised r2c transforms. */
static void kernel_pass(const emb__tsne_fft *w, int t, bool cols, int c) {
    int m = w->m, m2 = 2 * m, mc = m + 1, na, nb;
    kernel_dims(w, t, &na, &nb);
    int lines = cols ? nb : na, len = cols ? na : nb, l0 = c * FFT_CHUNK;
    bool odd = cols ? t == 1 : t == 2;
    size_t step = cols ? (size_t)nb : 1, lstep = cols ? 1 : (size_t)nb;
    if (l0 >= lines) return;
    float *k = w->kspec[t];
    float *ext = w->kscr + (size_t)omp_get_thread_num() * kscr_floats(m);
    fftwf_complex *out = (fftwf_complex *)(ext + (size_t)FFT_CHUNK * m2);
    for (int q = 0; q < FFT_CHUNK; q++) {
        float *e = ext + (size_t)q * m2;
        if (l0 + q >= lines) { memset(e, 0, (size_t)m2 * sizeof *e); continue; }
        const float *x = k + (size_t)(l0 + q) * lstep;
        if (odd) {
            e[0] = e[m] = 0.0f;
            for (int j = 1; j < m; j++) { float v = x[(size_t)(j - 1) * step]; e[j] = v; e[m2 - j] = -v; }
        } else {
            for (int j = 0; j <= m; j++) e[j] = x[(size_t)j * step];
            for (int j = 1; j < m; j++) e[m2 - j] = e[j];
        }
    }
    fftwf_execute_dft_r2c(w->rows_fwd[0], ext, out);
    for (int q = 0; q < FFT_CHUNK && l0 + q < lines; q++) {
        float *x = k + (size_t)(l0 + q) * lstep;
        const fftwf_complex *o = out + (size_t)q * mc;
        if (odd) for (int j = 0; j < len; j++) x[(size_t)j * step] = -o[j + 1][1];
        else for (int j = 0; j < len; j++) x[(size_t)j * step] = o[j][0];
    }
}

/* The one charge grid: each point's unit mass on the 9 nodes of its box. */
static void spread(emb__tsne_fft *w, int64_t n) {
    int m = w->m, m2 = 2 * m;
    float *g = w->grid[0];
    memset(g, 0, (size_t)m * m2 * sizeof *g);
    const int32_t *cell = w->cell;
    const float *wts = w->wts;
    for (int64_t i = 0; i < n; i++) {
        const float *wx = wts + i * 6, *wy = wx + 3;
        float *row = g + (size_t)cell[i * 2] * FFT_N_INTERP * m2 + cell[i * 2 + 1] * FFT_N_INTERP;
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) row[(size_t)a * m2 + b] += wx[a] * wy[b];
    }
}

/* Spectrum row u (of 2m) times the three kernels' spectra: ghat[1] = G1,
 * ghat[2] = G2 from ghat[0], then ghat[0] *= K1 in place. */
static void multiply_row(emb__tsne_fft *w, int u) {
    int m = w->m, m2 = 2 * m, mc = m + 1, ms = m - 1;
    int uu = u <= m ? u : m2 - u;              /* |frequency| along axis 1 */
    float s1 = u < m ? 1.0f : -1.0f;           /* G1 is odd along axis 1 */
    const float *k1 = w->kspec[0] + (size_t)uu * mc;
    const float *g1 = (uu > 0 && uu < m) ? w->kspec[1] + (size_t)(uu - 1) * mc : NULL;
    const float *g2 = w->kspec[2] + (size_t)uu * ms;
    fftwf_complex *c0 = w->ghat[0] + (size_t)u * mc, *c1 = w->ghat[1] + (size_t)u * mc, *c2 = w->ghat[2] + (size_t)u * mc;
    for (int v = 0; v < mc; v++) {
        float re = c0[v][0], im = c0[v][1];
        /* times -i s g: (re + i im)(-i s g) = s g im - i s g re */
        float a = g1 ? s1 * g1[v] : 0.0f;
        c1[v][0] = a * im;
        c1[v][1] = -a * re;
        float b = (v > 0 && v < m) ? g2[v - 1] : 0.0f;
        c2[v][0] = b * im;
        c2[v][1] = -b * re;
        c0[v][0] = re * k1[v];
        c0[v][1] = im * k1[v];
    }
}

emb_status emb__tsne_repulsive_fft(emb__tsne_fft *w, const double *y, int64_t n, int dims, int nth,
                                   double *neg, double *z) {
    if (dims != 2) return emb__fail(EMB_E_UNSUPPORTED, "t-SNE FFT: 2D only");
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < 2 * n; i++) {
        if (y[i] < lo) lo = y[i];
        if (y[i] > hi) hi = y[i];
    }
    double span = hi - lo;
    if (!(span > 0)) span = 1e-6;
    int nb = round_boxes(fmax(FFT_MIN_INTERVALS, span * FFT_INTERVALS_PER_UNIT));
    double box = span / nb;
    int m = nb * FFT_N_INTERP, m2 = 2 * m, mc = m + 1;
    emb_status st = plan(w, m);
    if (st) return st;
    if (w->kscr_threads < nth) {   /* kernel_pass indexes it by omp_get_thread_num() < nth */
        fftwf_free(w->kscr);
        w->kscr = fftwf_malloc((size_t)nth * kscr_floats(m) * sizeof(float));
        w->kscr_threads = w->kscr ? nth : 0;
        if (!w->kscr) return emb__fail(EMB_E_NOMEM, "t-SNE FFT: out of memory for a %d x %d grid", m, m);
    }
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
    double h = box / FFT_N_INTERP;
    int32_t *cell = w->cell;
    float *wts = w->wts;
    double t0 = emb_now(), t_spread = 0;
#pragma omp parallel for schedule(static) num_threads(nth)
    for (int64_t i = 0; i < n; i++)
        for (int c = 0; c < 2; c++) {
            double u = (y[i * 2 + c] - lo) / box;
            int b = (int)u;
            if (b >= nb) b = nb - 1;
            if (b < 0) b = 0;
            cell[i * 2 + c] = b;
            lagrange3(u - b, wts + i * 6 + c * 3);
        }
    int rch = n_chunks(m), cch = n_chunks(mc);
#pragma omp parallel num_threads(nth)
    {
        /* the kernels are sampled beside the spreading */
#pragma omp for schedule(dynamic, 16)
        for (int a = -1; a < mc; a++) {
            if (a < 0) {
                double s0 = emb_now();
                spread(w, n);
                t_spread = emb_now() - s0;
            } else {
                kernel_sample_row(w, a, h);
            }
        }
        /* the kernels' row passes beside the charges' (kch >= rch chunks) */
        int kch = n_chunks(mc);
#pragma omp for schedule(dynamic, 4)
        for (int c = 0; c < (FFT_N_KERNELS + 1) * kch; c++) {
            if (c < kch) { if (c < rch) row_r2c(w, w->grid[0], w->ghat[0], c); }
            else kernel_pass(w, c / kch - 1, false, c % kch);
        }
#pragma omp for schedule(static)
        for (int c = 0; c < FFT_N_KERNELS * kch; c++) kernel_pass(w, c / kch, true, c % kch);
        /* rows m..2m-1 are zero in, so zero out of the row pass (not stored) */
#pragma omp single
        memset(w->ghat[0] + (size_t)m * mc, 0, (size_t)m * mc * sizeof(fftwf_complex));
#pragma omp for schedule(static)
        for (int c = 0; c < cch; c++) col_pass(w, w->cols_fwd, w->ghat[0], c);
#pragma omp for schedule(static)
        for (int u = 0; u < m2; u++) multiply_row(w, u);
#pragma omp for schedule(static)
        for (int c = 0; c < FFT_N_KERNELS * cch; c++) col_pass(w, w->cols_inv, w->ghat[c / cch], c % cch);
#pragma omp for schedule(static)
        for (int c = 0; c < FFT_N_KERNELS * rch; c++) row_c2r(w, w->ghat[c / rch], w->grid[c / rch], c % rch);
        /* the potentials interleaved per node: one 16-byte read per node below */
#pragma omp for schedule(static)
        for (int a = 0; a < m; a++)
            for (int b = 0; b < m; b++) {
                float *o = w->pot + ((size_t)a * m + b) * FFT_POT_STRIDE;
                for (int t = 0; t < FFT_N_KERNELS; t++) o[t] = w->grid[t][(size_t)a * m2 + b];
            }
    }
    double t2 = emb_now();
    double *zrow = w->zrow;
    const float *pot = w->pot;
#pragma omp parallel for schedule(static) num_threads(nth)
    for (int64_t i = 0; i < n; i++) {
        const float *wx = wts + i * 6, *wy = wx + 3;
        const float *p0 = pot + ((size_t)cell[i * 2] * FFT_N_INTERP * m + (size_t)cell[i * 2 + 1] * FFT_N_INTERP) * FFT_POT_STRIDE;
        double phi[FFT_N_KERNELS] = {0, 0, 0};
        for (int a = 0; a < 3; a++) {
            const float *pr = p0 + (size_t)a * m * FFT_POT_STRIDE;
            for (int b = 0; b < 3; b++) {
                double wab = (double)wx[a] * wy[b];
                for (int t = 0; t < FFT_N_KERNELS; t++) phi[t] += wab * pr[b * FFT_POT_STRIDE + t];
            }
        }
        zrow[i] = phi[0];
        neg[i * 2] = phi[1];
        neg[i * 2 + 1] = phi[2];
    }
    double sum = 0;
    for (int64_t i = 0; i < n; i++) sum += zrow[i];
    *z = sum - (double)n;   /* the j = i terms: K1(0) = 1 each */
    double t3 = emb_now();
    w->sec[0] += t_spread;
    w->sec[1] += (t2 - t0) * nth - t_spread;  /* thread-seconds: every thread of the team */
    w->sec[2] += (t3 - t2) * nth;
    return EMB_OK;
}

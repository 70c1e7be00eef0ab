/* tsne.h - pieces of the t-SNE stage shared inside src/maps/. */
#ifndef EMB_TSNE_PRIVATE_H
#define EMB_TSNE_PRIVATE_H

#include "embscope.h"
#include "emb_tsne.h"

#define TSNE_EXACT_MAX_N 1000   /* AUTO: exact gradient up to here */
#define TSNE_FFT_MIN_N 150000   /* AUTO: FFT for 2D from here; Barnes-Hut below. Fashion-MNIST PCA-50, 2 threads, AMD EPYC Zen 4, after the Morton-tree Barnes-Hut (bench/maps/RESULTS.md): 70k BH 26.8 s, KL 2.445, vs FFT 34.2 s, KL 2.462; 140k (70k + a jittered copy) BH 63.6 s vs FFT 66.9 s, descent 33.2 vs 36.8 s; the gap closes with n */
#define TSNE_ORDER_MIN_N 4000   /* BH and FFT: renumber the points for locality from here */

/* Each helper below runs its OpenMP regions on nth threads (num_threads
 * clauses: the process's OpenMP settings are never changed).
 *
 * Attractive term: pos (n, dims) = exaggeration sum_j p_ij q_ij (y_i - y_j).
 * When kl_part is not NULL it receives sum_ij p_ij log(p_ij / w_ij), where
 * w_ij = 1 / (1 + |y_i - y_j|^2) is the unnormalised q, so that
 * KL = kl_part + log Z (P sums to 1). */
void emb__tsne_attractive(const emb_tsne_affinities *P, const double *y, int dims,
                          double exaggeration, int nth, double *pos, double *kl_part);

/* The same (no KL, dims 2 or 3) over a copy of P's values in single
 * precision: 8 bytes per entry streamed instead of 12. The plain-C level
 * sums in double from y; the SIMD levels read yf (n * dims + 4 floats),
 * filled here with y in single precision (tsne_exact.c). */
void emb__tsne_attractive_f32(const emb_tsne_affinities *P, const float *val, const double *y,
                              float *yf, int dims, double exaggeration, int nth, double *pos);
/* Its two parts as orphaned work-sharing loops, for a caller's parallel
 * region (called outside one, they run serially): yf = y in float, with
 * the barrier at the end; then the rows, with no barrier. */
void emb__tsne_map_to_float(const double *y, int64_t nd, float *yf);
void emb__tsne_attractive_f32_rows(const emb_tsne_affinities *P, const float *val, const double *y,
                                   const float *yf, int dims, double exaggeration, double *pos);

/* A locality order of the points (tsne_order.c): perm (n) lists the old
 * index of each new one, Cuthill-McKee over P's graph. */
emb_status emb__tsne_locality_order(const emb_tsne_affinities *P, int32_t *perm);
/* out = P renumbered (new row r = old row perm[r]; inv = perm^-1). */
emb_status emb__tsne_affinities_permute(const emb_tsne_affinities *P, const int32_t *perm,
                                        const int32_t *inv, int nth, emb_tsne_affinities *out);

/* Repulsive term: neg (n, dims) = sum_j w_ij^2 (y_i - y_j) (unnormalised),
 * *z = sum_{i != j} w_ij. */
void emb__tsne_repulsive_exact(const double *y, int64_t n, int dims, int nth, double *neg, double *z);
emb_status emb__tsne_repulsive_bh(const double *y, int64_t n, int dims, double theta, int nth,
                                  double *neg, double *z);
/* The same in parts (tsne_bh.c), so that an optimiser can overlap the
 * serial tree build with other work and keep the tree's buffers between
 * iterations: _build (serial, in the calling thread: it may set the error
 * message), then _forces from every thread of a parallel region (orphaned
 * loop, no barrier: neg rows and zrow (n) per point), then, after a
 * barrier, _finish (*z, or EMB_E_NOMEM when a query ran out of memory). */
typedef struct emb__tsne_bh emb__tsne_bh;
emb__tsne_bh *emb__tsne_bh_new(void);
void emb__tsne_bh_free(emb__tsne_bh *b);
emb_status emb__tsne_bh_build(emb__tsne_bh *b, const double *y, int64_t n, int dims);
void emb__tsne_bh_forces(emb__tsne_bh *b, double theta, double *neg, double *zrow);
emb_status emb__tsne_bh_finish(emb__tsne_bh *b, const double *zrow, double *z);
/* The three in sequence on a kept tree (zrow: n doubles of scratch). */
emb_status emb__tsne_bh_repulsive(emb__tsne_bh *b, const double *y, int64_t n, int dims, double theta,
                                   int nth, double *neg, double *zrow, double *z);

/* FFT workspace: plans and grids, re-planned when the grid size changes.
 * Owned by one optimiser; not thread-safe. */
typedef struct emb__tsne_fft emb__tsne_fft;
emb__tsne_fft *emb__tsne_fft_new(void);
void emb__tsne_fft_free(emb__tsne_fft *w);
/* thread-seconds spent so far: spreading, transforms, interpolation;
 * returns the largest grid (nodes per axis) used */
int emb__tsne_fft_seconds(const emb__tsne_fft *w, double sec[3]);
emb_status emb__tsne_repulsive_fft(emb__tsne_fft *w, const double *y, int64_t n, int dims, int nth,
                                   double *neg, double *z);

#endif

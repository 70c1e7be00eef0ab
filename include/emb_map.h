/* emb_map.h - what a map (UMAP, t-SNE) is computed on: the vectors
 * themselves when they are narrow, their first 50 principal components when
 * they are wide, and the kNN graph of that input. Part of embscope.h.
 *
 * Usage (error handling shortened):
 *
 *     emb_map_input_params mp = emb_map_input_default_params();
 *     emb_matf pca = {0};
 *     const emb_matf *in;                      // x itself or &pca
 *     emb_map_input(&x, &mp, &pca, &in);
 *     emb_tsne_run(in, NULL, &tp, &map, NULL);
 *     emb_matf_free(&pca);                     // a no-op when x was used
 *
 * The rule is openTSNE's and FIt-SNE's practice, also what UMAP users do
 * with image vectors: PCA to 50 dimensions when D > 100 (100 dimensions
 * for a UMAP graph: EMB_MAP_UMAP_PCA_DIMS). The program
 * (`embscope map`, `analyze --map tsne`) and the Python package both call
 * these functions, so one input gives one map whichever front end runs it. */
#ifndef EMB_MAP_H
#define EMB_MAP_H

#include "emb_core.h"
#include "emb_neighbors.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EMB_MAP_PCA_ABOVE 100  /* PCA first when D > this (openTSNE / FIt-SNE practice) */
#define EMB_MAP_PCA_DIMS 50

/* The PCA before a UMAP graph may fit its components on this many rows
 * (emb_pca_params.fit_rows). Fashion-MNIST 70k x 784, 2 threads: the PCA
 * takes 0.36 s instead of 0.74 s, and the 2-D UMAP map's 10-NN label
 * accuracy stays where it was (0.7754 and 0.7766 against 0.7763 - 0.7779
 * over the same seeds with all rows). */
#define EMB_MAP_PCA_FIT_ROWS_FAST 20000

/* The PCA before a UMAP graph keeps this many components (t-SNE keeps
 * EMB_MAP_PCA_DIMS, openTSNE's choice). Fashion-MNIST 70k x 784, 2 threads,
 * 2-D map, four seeds each: 10-NN label accuracy 0.7749 on PCA-50, 0.7841 on
 * PCA-100, 0.7874 on PCA-120 (umap-learn on the raw 784: 0.7832-0.7852); the
 * neighbour graph took 1.6-1.8 s on PCA-50 and 1.75-2.0 s on PCA-100. */
#define EMB_MAP_UMAP_PCA_DIMS 100

typedef struct {
    int pca_above;         /* PCA when x->cols > this; default EMB_MAP_PCA_ABOVE */
    int pca_dims;          /* default EMB_MAP_PCA_DIMS */
    int64_t fit_rows;      /* PCA fitted on this many evenly spaced rows; 0 = all (default) */
    int n_threads;         /* 0 = all cores */
    uint64_t seed;         /* randomized PCA solver (very wide x); default 42 */
} emb_map_input_params;
emb_map_input_params emb_map_input_default_params(void);
/* The input of a UMAP graph, as `embscope map` and embscope.UMAP build it:
 * the defaults above with pca_dims EMB_MAP_UMAP_PCA_DIMS and fit_rows
 * EMB_MAP_PCA_FIT_ROWS_FAST. */
emb_map_input_params emb_map_input_umap_params(void);

/* The map's input for x (n, d): when d <= params->pca_above, *in = x and pca
 * is left zeroed; otherwise pca (n, pca_dims) is allocated with the first
 * principal components and *in = pca. Either way the caller calls
 * emb_matf_free(pca) when done with *in. params may be NULL (defaults).
 * Returns EMB_OK, EMB_E_INVALID or EMB_E_NOMEM. Thread-safe. */
emb_status emb_map_input(const emb_matf *x, const emb_map_input_params *params, emb_matf *pca,
                         const emb_matf **in);

/* The kNN graph of the map input of x (emb_map_input, then emb_knn_build
 * with knn). *out is allocated: free with emb_knn_free. Thread-safe. */
emb_status emb_map_graph(const emb_matf *x, const emb_map_input_params *params,
                         const emb_knn_params *knn, emb_knn *out);

#ifdef __cplusplus
}
#endif
#endif

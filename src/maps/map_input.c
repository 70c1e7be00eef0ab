/* map_input.c - the input of a map: PCA to 50 dimensions for wide vectors
 * (emb_map.h), and the kNN graph built on it. */
#include "emb_map.h"

#include "core/internal.h"

#include <string.h>

emb_map_input_params emb_map_input_default_params(void) {
    emb_map_input_params p;
    memset(&p, 0, sizeof p);
    p.pca_above = EMB_MAP_PCA_ABOVE;
    p.pca_dims = EMB_MAP_PCA_DIMS;
    p.seed = 42;
    return p;
}

emb_map_input_params emb_map_input_umap_params(void) {
    emb_map_input_params p = emb_map_input_default_params();
    p.pca_dims = EMB_MAP_UMAP_PCA_DIMS;
    p.fit_rows = EMB_MAP_PCA_FIT_ROWS_FAST;
    return p;
}

emb_status emb_map_input(const emb_matf *x, const emb_map_input_params *params, emb_matf *pca,
                         const emb_matf **in) {
    EMB__NEED_F32(x, "map input");
    emb_map_input_params p = params ? *params : emb_map_input_default_params();
    memset(pca, 0, sizeof *pca);
    *in = x;
    if (x->cols <= p.pca_above) return EMB_OK;
    emb_pca_params pp = emb_pca_default_params();
    pp.n_components = p.pca_dims;
    pp.n_threads = p.n_threads;
    pp.seed = p.seed;
    pp.fit_rows = p.fit_rows;
    emb_status st = emb_pca(x, &pp, pca, NULL);
    if (!st) *in = pca;
    return st;
}

emb_status emb_map_graph(const emb_matf *x, const emb_map_input_params *params,
                         const emb_knn_params *knn, emb_knn *out) {
    EMB__NEED_F32(x, "map graph");
    emb_matf pca;
    const emb_matf *in;
    emb_status st = emb_map_input(x, params, &pca, &in);
    if (!st) st = emb_knn_build(in, knn, out);
    emb_matf_free(&pca);
    return st;
}

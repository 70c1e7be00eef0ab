/* neighbors.h - helpers of the neighbours stage shared inside src/. */
#ifndef EMB_NEIGHBORS_PRIVATE_H
#define EMB_NEIGHBORS_PRIVATE_H

#include "embscope.h"

/* Allocate a graph with every slot empty (idx -1, dist INFINITY). */
emb_status emb__knn_alloc(emb_knn *g, int64_t n, int k, emb_metric metric);
/* Distance of two rows given their norms (cosine: 1 - cos, 1 for a zero row). */
float emb__knn_distance(const float *a, const float *b, int64_t d, emb_metric metric, float na, float nb);
emb_status emb__row_norms(const emb_matf *x, float **out);
/* Recompute the k distances of every row exactly and re-sort. */
void emb__knn_refine(const emb_matf *x, const float *norms, emb_knn *g);
emb_status emb__knn_exact_blocked(const emb_matf *x, int k, emb_metric metric,
                                  const emb_progress *progress, emb_knn *out);

#endif

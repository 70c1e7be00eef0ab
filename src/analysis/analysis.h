/* analysis.h - helpers of the analysis stage shared inside src/analysis. */
#ifndef EMB_ANALYSIS_PRIVATE_H
#define EMB_ANALYSIS_PRIVATE_H

#include "core/internal.h"

/* Label name of item i ("" when unlabelled), split name. */
const char *emb__label_name(const emb_dataset *ds, int64_t i);
/* Write "index,path,split,label" of item i (ds may be NULL: path empty). */
void emb__csv_item(FILE *f, const emb_dataset *ds, int64_t i);
#define EMB__DUPS_CSV_HEADER "group,index,path,split,label,similarity,kind,copy_score,group_kind\n"
void emb__dups_csv_group(FILE *f, const emb_dataset *ds, const emb_dups *d, int64_t gi);
/* The copy signature of one (h, w, c) image (dups.c) at the active SIMD
 * level: each channel 3x3-median filtered (edge repeated), centred, unit
 * norm. For tests. */
emb_status emb__copy_signature(const float *src, int w, int h, int c, float *dst);


/* One-hidden-layer perceptron (mlp.c): fit on rows tr (mt) of F (n, D), whose
 * last column is the constant 1, with labels y in [0, C); write the class
 * probabilities of rows te (me) into rows te of p (n, C). One thread; the
 * bytes depend on seed and the SIMD level only. */
typedef struct {
    int hidden;            /* hidden units; default 256 */
    int epochs;            /* passes over the training rows; default 20 */
    int batch;             /* rows per SGD step; default 256 */
    float lr;              /* first step size, cosine-decayed to 0; default 0.05 */
    float momentum;        /* default 0.9 */
    float l2;              /* weight decay (not on biases); default 1e-4 */
} emb__mlp_params;
emb__mlp_params emb__mlp_default_params(void);
emb_status emb__mlp_fit_predict(const float *F, int D, const int32_t *y, int C, const int64_t *tr, int64_t mt,
                                const int64_t *te, int64_t me, const emb__mlp_params *prm, uint64_t seed, float *p);

#endif

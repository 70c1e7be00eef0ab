/* analysis.h - helpers of the analysis stage shared inside src/analysis. */
#ifndef EMB_ANALYSIS_PRIVATE_H
#define EMB_ANALYSIS_PRIVATE_H

#include "core/internal.h"

/* Union-find over n items with path halving; the root of a set is its
 * smallest index (union links the larger root under the smaller). */
static inline int64_t emb__uf_find(int64_t *parent, int64_t i) {
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}
static inline void emb__uf_union(int64_t *parent, int64_t a, int64_t b) {
    a = emb__uf_find(parent, a);
    b = emb__uf_find(parent, b);
    if (a == b) return;
    if (a < b) parent[b] = a;
    else parent[a] = b;
}

/* Label name of item i ("" when unlabelled), split name. */
const char *emb__label_name(const emb_dataset *ds, int64_t i);
/* Write "index,path,split,label" of item i (ds may be NULL: path empty). */
void emb__csv_item(FILE *f, const emb_dataset *ds, int64_t i);
#define EMB__DUPS_CSV_HEADER "group,index,path,split,label,similarity,kind\n"
void emb__dups_csv_group(FILE *f, const emb_dataset *ds, const emb_dups *d, int64_t gi);

#endif

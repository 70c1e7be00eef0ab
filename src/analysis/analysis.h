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

#endif

/* leakage.c - duplicate groups that span splits (train/valid/test): the
 * same image seen in training and in evaluation inflates the scores. */
#include "analysis/analysis.h"

#include <stdlib.h>
#include <string.h>

emb_status emb_leakage_find(const emb_dataset *ds, const emb_dups *d, emb_leakage *out) {
    memset(out, 0, sizeof *out);
    if (!ds || ds->n != d->n) return emb__fail(EMB_E_INVALID, "leakage: dataset and duplicates differ in size");
    out->group_leaks = emb__calloc((size_t)(d->n_groups ? d->n_groups : 1), 1, "leakage");
    if (!out->group_leaks) return EMB_E_NOMEM;
    for (int64_t gi = 0; gi < d->n_groups; gi++) {
        bool in[4] = {false, false, false, false};
        for (int64_t a = d->start[gi]; a < d->start[gi + 1]; a++) {
            uint8_t s = ds->split ? ds->split[d->item[a]] : 0;
            in[s < 4 ? s : 0] = true;
        }
        int spans = 0;
        for (int s = EMB_SPLIT_TRAIN; s <= EMB_SPLIT_TEST; s++) spans += in[s];
        if (spans < 2) continue;
        out->group_leaks[gi] = 1;
        out->n_groups++;
        out->n_items += d->start[gi + 1] - d->start[gi];
        for (int s = EMB_SPLIT_TRAIN; s <= EMB_SPLIT_TEST; s++)
            for (int t = s + 1; t <= EMB_SPLIT_TEST; t++)
                if (in[s] && in[t]) out->pairs[s][t]++;
    }
    return EMB_OK;
}

void emb_leakage_free(emb_leakage *lk) {
    if (!lk) return;
    free(lk->group_leaks);
    memset(lk, 0, sizeof *lk);
}

emb_status emb_leakage_write_csv(const char *path, const emb_dataset *ds, const emb_dups *d,
                                 const emb_leakage *lk) {
    emb_outfile o;
    emb_status st = emb_outfile_open(&o, path);
    if (st) return st;
    fputs(EMB__DUPS_CSV_HEADER, o.f);
    for (int64_t gi = 0; gi < d->n_groups; gi++)
        if (lk->group_leaks[gi]) emb__dups_csv_group(o.f, ds, d, gi);
    return emb_outfile_commit(&o);
}

/* annot_sink.h - what the annotation harnesses (fuzz_coco.c, fuzz_yolo.c,
 * fuzz_voc.c) share: a dataset and box sink that looks for no files (every
 * image 64 x 48 unless the annotation says otherwise), and the invariants
 * every parse must keep: each item's crop lies inside its image, each item
 * has a class, each listed problem has a reason. */
#ifndef EMB_FUZZ_ANNOT_SINK_H
#define EMB_FUZZ_ANNOT_SINK_H

#include "io/io.h"

#include <stdlib.h>
#include <string.h>

static emb_dataset *annot_sink_new(emb__boxes *b) {
    emb_dataset *ds = calloc(1, sizeof *ds);
    if (!ds) return NULL;
    ds->box = malloc(4 * sizeof(int32_t));
    if (!ds->box) { free(ds); return NULL; }
    ds->source = EMB_SOURCE_FOLDER;
    emb__boxes_init(b, ds, "/nonexistent", 0.1);
    b->no_files = true;
    b->fixed_w = 64;
    b->fixed_h = 48;
    return ds;
}

/* Check the invariants, free everything; returns the number of issues. */
static int64_t annot_sink_done(emb__boxes *b, emb_dataset *ds) {
    emb__boxes_end(b);
    free(b->image);
    for (int64_t i = 0; i < ds->n; i++) {
        const int32_t *x = ds->box + 4 * i;
        if (x[0] < 0 || x[1] < 0 || x[2] <= 0 || x[3] <= 0) abort();
        if (x[0] > 1000000 - x[2] || x[1] > 1000000 - x[3]) abort();   /* inside an image of < 1e6 px a side */
        if (ds->label[i] < 0 || ds->label[i] >= ds->n_classes) abort();
        if (!ds->path[i] || !strstr(ds->path[i], "#box")) abort();
    }
    for (int64_t i = 0; i < ds->annot_issues.n; i++)
        if (!ds->annot_issues.reason[i] || !ds->annot_issues.reason[i][0]) abort();
    int64_t n = ds->annot_issues.n;
    emb_dataset_free(ds);
    return n;
}

#endif

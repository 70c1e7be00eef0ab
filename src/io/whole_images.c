/* whole_images.c - the images behind a detection export's boxes, as a
 * dataset of whole images: duplicates and split leakage are also looked for
 * between whole images (two splits that share a photo leak even when their
 * boxes differ), and the report draws each box on its image. One item per
 * distinct image file, in the order of its first box; an image's split is
 * its boxes' split (the readers give every box of an image its split). */
#include "core/internal.h"
#include "io/io.h"

#include <stdlib.h>
#include <string.h>

typedef struct { const char *path; int64_t row; } path_row;

static int cmp_path_row(const void *a, const void *b) {
    const path_row *p = a, *q = b;
    int c = strcmp(p->path, q->path);
    return c ? c : (p->row > q->row) - (p->row < q->row);
}

/* images' paths sorted, for lookups by path (malloc'd; NULL when out of memory) */
static path_row *sorted_paths(const emb_dataset *images) {
    path_row *pr = malloc(sizeof *pr * (size_t)(images->n ? images->n : 1));
    if (!pr) return NULL;
    for (int64_t i = 0; i < images->n; i++) pr[i] = (path_row){images->path[i], i};
    qsort(pr, (size_t)images->n, sizeof *pr, cmp_path_row);
    return pr;
}

emb_status emb_dataset_image_index(const emb_dataset *boxes, const emb_dataset *images, int64_t *image_of) {
    if (!boxes || !boxes->box) return emb__fail(EMB_E_INVALID, "image index: the dataset's items are not boxes");
    path_row *pr = sorted_paths(images);
    if (!pr) return emb__fail(EMB_E_NOMEM, "out of memory");
    emb_status st = EMB_OK;
    for (int64_t i = 0; i < boxes->n && !st; i++) {
        char *file = emb__box_file(boxes->path[i]);
        if (!file) { st = emb__fail(EMB_E_NOMEM, "out of memory"); break; }
        path_row key = {file, -1};
        int64_t lo = 0, hi = images->n;   /* first entry >= key */
        while (lo < hi) {
            int64_t mid = lo + (hi - lo) / 2;
            if (cmp_path_row(&pr[mid], &key) < 0) lo = mid + 1;
            else hi = mid;
        }
        image_of[i] = lo < images->n && !strcmp(pr[lo].path, file) ? pr[lo].row : -1;
        free(file);
    }
    free(pr);
    return st;
}

emb_status emb_dataset_whole_images(const emb_dataset *ds, emb_dataset **out) {
    if (!ds || !ds->box) return emb__fail(EMB_E_INVALID, "whole images: the dataset's items are not boxes (not a detection export)");
    emb_dataset *im = calloc(1, sizeof *im);
    if (!im) return emb__fail(EMB_E_NOMEM, "out of memory");
    im->source = EMB_SOURCE_FOLDER;
    im->layout = ds->layout;
    im->alpha_bg_set = ds->alpha_bg_set;
    memcpy(im->alpha_bg, ds->alpha_bg, 3);
    emb_status st = EMB_OK;
    int64_t n_files = 0;
    path_row *seen = malloc(sizeof *seen * (size_t)(ds->n ? ds->n : 1));
    if (!seen) { st = emb__fail(EMB_E_NOMEM, "out of memory"); goto done; }
    /* each box's image file, sorted: the first box of each file adds it */
    for (int64_t i = 0; i < ds->n; i++) {
        char *file = emb__box_file(ds->path[i]);
        if (!file) { st = emb__fail(EMB_E_NOMEM, "out of memory"); goto done; }
        seen[n_files++] = (path_row){file, i};
    }
    qsort(seen, (size_t)n_files, sizeof *seen, cmp_path_row);
    uint8_t *first = calloc((size_t)(ds->n ? ds->n : 1), 1);   /* 1 = box i is its image's first */
    if (!first) { st = emb__fail(EMB_E_NOMEM, "out of memory"); goto done; }
    for (int64_t a = 0; a < n_files; a++)
        if (a == 0 || strcmp(seen[a].path, seen[a - 1].path)) first[seen[a].row] = 1;
    for (int64_t i = 0; i < ds->n && !st; i++) {
        if (!first[i]) continue;
        char *file = emb__box_file(ds->path[i]);
        st = file ? emb__dataset_add(im, file, (emb_split)ds->split[i], -1, NULL) : emb__fail(EMB_E_NOMEM, "out of memory");
    }
    free(first);
    if (st) goto done;
    char why[160];
    snprintf(why, sizeof why, "the %lld distinct images of %lld %s boxes", (long long)im->n, (long long)ds->n,
             ds->layout ? ds->layout : "detection");
    if (!(im->layout_reason = emb__strdup(why))) { st = emb__fail(EMB_E_NOMEM, "out of memory"); goto done; }
    *out = im;
    im = NULL;
done:
    if (seen) for (int64_t a = 0; a < n_files; a++) free((char *)seen[a].path);
    free(seen);
    emb_dataset_free(im);
    return st;
}

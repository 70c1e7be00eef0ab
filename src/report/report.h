/* report.h - helpers of the report stage shared inside src/report. */
#ifndef EMB_REPORT_PRIVATE_H
#define EMB_REPORT_PRIVATE_H

#include "core/internal.h"

/* Thumbnails of n items packed into sprite sheets: item i sits in sheet
 * i / per_sheet, cell c = i % per_sheet at column c % cols, row c / cols. */
typedef struct {
    int size;                /* cell side, px */
    int cols, per_sheet;     /* cells per sheet row, cells per sheet */
    int n_sheets;
    unsigned char **data;    /* (n_sheets) encoded JPEG or PNG */
    size_t *len;             /* (n_sheets) bytes */
    bool *is_png;            /* (n_sheets) */
    uint8_t *missing;        /* (n) 1 = no image (cell left blank) */
    int32_t *geom;           /* (n, 3) whole-image cells of a box dataset (boxes[4i+2] <= 0):
                                the upright image's w, h and the file's EXIF orientation; else 0 */
    int64_t n_thumbs;        /* items with an image */
} emb__sprites;

/* Where emb_thumb_fit puts a w x h image in a side x side cell: at (ox, oy), tw x th px. */
void emb__thumb_place(int w, int h, int side, int *ox, int *oy, int *tw, int *th);
/* Decode every item's image (paths as in items.csv) into sprite sheets.
 * Items without an image are marked missing, never fatal. */
/* boxes: (n, 4) crop x, y, w, h of each item's image (detection exports), or
 * NULL; a box of width <= 0 is the whole image (its geometry in out->geom); images with alpha are composited over alpha_bg (boxes: the image,
 * before its crops are cut), and turned upright by their EXIF orientation. */
emb_status emb__sprites_make(char *const *paths, const int32_t *boxes, int64_t n, int size, int quality,
                             const uint8_t alpha_bg[3], int n_threads, const emb_progress *progress, emb__sprites *out);
void emb__sprites_free(emb__sprites *s);

/* Writers for the page: base64 of bytes, and a JSON string literal with
 * '<' escaped (so "</script>" cannot end the element holding the JSON). */
void emb__b64_write(FILE *f, const void *data, size_t len);
void emb__json_str(FILE *f, const char *s);
/* len bytes of JSON text as printed by cJSON, with '<' (only inside strings)
 * written as \u003c for the same reason. */
void emb__json_raw(FILE *f, const char *text, size_t len);

/* The clusters for the page (clusters.c): summary.json's "clusters" block
 * recomputed from OUT/clusters.csv, and each item's cluster id. */
typedef struct {
    struct cJSON *block;     /* as emb_summary_add_clusters makes it, or NULL: no panel */
    int32_t *item;           /* (n) cluster id per item, -1 = noise */
    int64_t n;
    char note[600];          /* why clusters.csv was not used, or "" */
} emb__report_clusters;

/* Read dir/clusters.csv for n items (ds: labels and paths, may be NULL;
 * summary: summary.json, for the method name, may be NULL). A missing or
 * bad file is not an error: out->block stays NULL (bad: out->note says
 * why). Returns EMB_OK or EMB_E_NOMEM. Free with emb__report_clusters_free. */
emb_status emb__report_clusters_load(const char *dir, const emb_dataset *ds, int64_t n, const struct cJSON *summary,
                                     emb__report_clusters *out);
/* ,"clusters_note":...,"clusters":{...block...,"item":"<base64 int32>"} (null when none). */
void emb__report_clusters_write(FILE *f, const emb__report_clusters *rc);
void emb__report_clusters_free(emb__report_clusters *rc);

/* The side folder "<page stem>_files/" (files.c): open makes it under a
 * temporary name; fopen/close or put write one file into it (put adds len
 * to *bytes); commit swaps it in for the previous one (call it just before
 * the page's own rename); free removes whatever was not committed.
 * remove_stale: the folder an earlier, split report left beside html_path
 * (only the files this code writes). */
typedef struct {
    char *final;             /* <page dir>/<stem>_files */
    char *tmp;               /* <final>.tmp.<pid>, NULL once committed */
    char *rel;               /* "<stem>_files": how the page names it */
} emb__report_files;
emb_status emb__report_files_open(const char *html_path, emb__report_files *rf);
FILE *emb__report_files_fopen(const emb__report_files *rf, const char *name);
emb_status emb__report_files_close(const emb__report_files *rf, const char *name, FILE *f);
emb_status emb__report_files_put(const emb__report_files *rf, const char *name, const void *data, size_t len,
                                 size_t *bytes);
emb_status emb__report_files_commit(emb__report_files *rf);
void emb__report_files_free(emb__report_files *rf);
void emb__report_files_remove_stale(const char *html_path);

#endif

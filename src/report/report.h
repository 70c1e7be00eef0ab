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
    int64_t n_thumbs;        /* items with an image */
} emb__sprites;

/* Decode every item's image (paths as in items.csv) into sprite sheets.
 * Items without an image are marked missing, never fatal. */
/* boxes: (n, 4) crop x, y, w, h of each item's image (detection exports), or
 * NULL; images with alpha are composited over alpha_bg (boxes: the image,
 * before its crops are cut), and turned upright by their EXIF orientation. */
emb_status emb__sprites_make(char *const *paths, const int32_t *boxes, int64_t n, int size, int quality,
                             const uint8_t alpha_bg[3], int n_threads, const emb_progress *progress, emb__sprites *out);
void emb__sprites_free(emb__sprites *s);

/* Writers for the page: base64 of bytes, and a JSON string literal with
 * '<' escaped (so "</script>" cannot end the element holding the JSON). */
void emb__b64_write(FILE *f, const void *data, size_t len);
void emb__json_str(FILE *f, const char *s);

#endif

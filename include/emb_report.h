/* emb_report.h - the report: one self-contained report.html made from the
 * files `embscope analyze` writes into its output folder. Part of embscope.h.
 *
 * Usage:
 *
 *     emb_report_params p = emb_report_default_params();
 *     emb_report_info info;
 *     if (emb_report_write("out", "out/report.html", &p, &info) != EMB_OK)
 *         fprintf(stderr, "%s\n", emb_errmsg());
 *
 * Every input file is optional (a missing one gives an empty panel):
 * items.csv, map.npy (N x 2 or N x 3; also map_3d.npy / map_2d.npy,
 * map3d.npy / map2d.npy), embeddings.npy (PCA-3 stands in for a missing
 * map), neighbors.npy, distances.npy, duplicates.csv, leakage.csv,
 * outliers.csv, label_issues.csv, image_issues.csv, skipped.csv,
 * summary.json. The page holds three.js (embedded in the library at build
 * time), the data and JPEG/PNG sprite sheets of thumbnails, so it opens
 * from disk with no network. Past a size budget (inline_max_bytes) the
 * sheets and the neighbours sit in a folder beside the page instead
 * (report.html -> report_files/), loaded on demand. */
#ifndef EMB_REPORT_H
#define EMB_REPORT_H

#include "emb_core.h"
#include "emb_io.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const char *title;       /* page title; NULL = "embscope report: <folder>" */
    int thumb_size;          /* thumbnail side in px; 0 = by N: 64 (N <= 5000),
                                48 (<= 20000), 32 (<= 50000), else 28 */
    int jpeg_quality;        /* sprite sheets' JPEG quality 1..100, 101 = PNG;
                                0 = 80 up to 20,000 items, else 70 */
    int max_neighbors;       /* neighbours per item kept for the page (default 8) */
    int64_t max_rows;        /* rows kept per findings table (default 2000); per-item
                                scores and groups are kept for every row */
    size_t inline_max_bytes; /* size budget of the one-file page: when the page
                                would pass it, the sprite sheets and the
                                neighbours go to "<page stem>_files/" beside it
                                (report.html -> report_files/), loaded on demand
                                by <img> and <script> elements (still opens from
                                file://); 0 = EMB_REPORT_INLINE_MAX (100 MB),
                                1 = always */
    int n_threads;           /* 0 = all cores */
    bool alpha_background_set;   /* thumbnails of images with alpha: composited */
    uint8_t alpha_background[3]; /* over this RGB when set, else over white */
    emb_progress progress;
} emb_report_params;
emb_report_params emb_report_default_params(void);
#define EMB_REPORT_INLINE_MAX ((size_t)100 * 1000 * 1000)   /* bytes */

/* What emb_report_write found and wrote. */
typedef struct {
    int64_t n_items;         /* rows of items.csv (0 if absent) */
    int map_dims;            /* 3, 2 or 0 (no map) */
    bool map_is_pca;         /* the map is PCA of embeddings.npy */
    bool has_map_2d;         /* a separate 2D map is on the page too */
    int thumb_size;          /* px, 0 = no thumbnails */
    int n_sheets;            /* sprite sheets */
    int64_t n_thumbs;        /* items with a decoded image */
    size_t bytes;            /* size of report.html */
    size_t files_bytes;      /* bytes in "<page stem>_files/", 0 = none (one page) */
    int64_t n_files;         /* files in it */
} emb_report_info;

/* Read the outputs in out_dir and write html_path atomically. info may be
 * NULL. Unreadable or inconsistent optional inputs (a map with the wrong
 * number of rows) are left out, never fatal. Returns EMB_OK, EMB_E_IO (the
 * page cannot be written), EMB_E_NOMEM. */
emb_status emb_report_write(const char *out_dir, const char *html_path,
                            const emb_report_params *params, emb_report_info *info);

/* ------------------------------------------------- item images by path */
/* Images of items named as items.csv names them: "<IDX images file>#<index>"
 * or an image file path. IDX files are loaded once and kept. Thread-safe. */
typedef struct emb_item_images emb_item_images;
emb_item_images *emb_item_images_new(void);          /* NULL when out of memory */
void emb_item_images_free(emb_item_images *c);       /* NULL is a no-op */
/* Images with alpha are composited over rgb (default white). Call before use. */
void emb_item_images_set_background(emb_item_images *c, const uint8_t rgb[3]);
/* Decode the item's image as RGB (alpha composited, freed; EXIF orientation applied). *out is owned by
 * the caller (emb_image_free). Returns EMB_E_IO / EMB_E_FORMAT with the path named. */
emb_status emb_item_image(emb_item_images *c, const char *path, emb_image *out);

/* Resize RGB8 (w, h) into a side x side cell: the image is scaled by box
 * (area) averaging to fit, keeps its aspect ratio and is centred on bg.
 * cell (side, side, 3) is written by the caller's stride (bytes per row). */
void emb_thumb_fit(const uint8_t *rgb, int w, int h, int side, uint8_t bg,
                   uint8_t *cell, size_t stride);

#ifdef __cplusplus
}
#endif
#endif

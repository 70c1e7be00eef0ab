/* sprites.c - thumbnails packed into sprite sheets (JPEG via TurboJPEG, or
 * PNG for tiny sheets where JPEG's overhead dominates), encoded in parallel
 * one sheet per task. Gray sheets are encoded as 1-channel images. */
#include "io/io.h"
#include "report/report.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#define SPRITE_SHEET_PX 2048   /* max sheet side: decodes fast in browsers */
#define THUMB_BG 240           /* neutral light gray behind letterboxed images */

void emb__sprites_free(emb__sprites *s) {
    if (!s) return;
    for (int i = 0; i < s->n_sheets; i++) free(s->data ? s->data[i] : NULL);
    free(s->data);
    free(s->len);
    free(s->is_png);
    free(s->missing);
    free(s->geom);
    memset(s, 0, sizeof *s);
}

/* Fill and encode one sheet holding items [i0, i0 + cnt). */
static emb_status make_sheet(emb_item_images *cache, char *const *paths, const int32_t *boxes, int64_t i0, int cnt,
                             const emb__sprites *s, int quality, const uint8_t alpha_bg[3], uint8_t *missing,
                             unsigned char **out, size_t *out_len, bool *is_png) {
    int T = s->size, cols = s->cols, rows = (cnt + cols - 1) / cols;
    int W = cols * T, H = rows * T;
    size_t stride = (size_t)W * 3;
    uint8_t *px = emb__malloc(stride * H, "sprite sheet");
    if (!px) return EMB_E_NOMEM;
    memset(px, THUMB_BG, stride * H);
    emb_image full = {0};   /* boxes: the last image decoded, for its next boxes */
    char *full_file = NULL;
    emb_status full_st = EMB_OK;
    for (int c = 0; c < cnt; c++) {
        emb_image img;
        uint8_t *cell = px + (size_t)(c / cols) * T * stride + (size_t)(c % cols) * T * 3;
        emb_status st = EMB_E_INVALID;
        if (paths[i0 + c] && boxes && boxes[4 * (i0 + c) + 2] <= 0) {
            /* a whole image of a box dataset (the report draws its boxes on
             * it): its geometry kept to place them */
            st = emb_image_load(paths[i0 + c], &img);
            if (st == EMB_OK) {
                int32_t *g = s->geom + 3 * (i0 + c);
                g[2] = img.orientation;
                emb_image_composite(&img, alpha_bg);
                if ((st = emb_image_orient(&img))) emb_image_free(&img);
                else { g[0] = img.w; g[1] = img.h; }
            }
        } else if (paths[i0 + c] && boxes) {
            char *f = emb__box_file(paths[i0 + c]);
            if (f && (!full_file || strcmp(f, full_file))) {
                emb_image_free(&full);
                free(full_file);
                full_file = f;
                f = NULL;
                full_st = emb_image_load(full_file, &full);
                if (!full_st) emb_image_composite(&full, alpha_bg);   /* once, before its crops are cut */
            }
            free(f);
            if (full_file && !full_st) st = emb__box_crop(&full, paths[i0 + c], boxes + 4 * (i0 + c), &img);
            /* the crop upright, as whole-image thumbnails are (boxes are in the stored pixels) */
            if (st == EMB_OK && (st = emb_image_orient(&img))) emb_image_free(&img);
        } else if (paths[i0 + c]) {
            st = emb_item_image(cache, paths[i0 + c], &img);
        }
        if (st != EMB_OK) { missing[i0 + c] = 1; continue; }
        emb_thumb_fit(img.rgb, img.w, img.h, T, THUMB_BG, cell, stride);
        emb_image_free(&img);
    }
    emb_image_free(&full);
    free(full_file);
    bool gray = true;
    for (size_t k = 0; gray && k < (size_t)W * H; k++) gray = px[3 * k] == px[3 * k + 1] && px[3 * k] == px[3 * k + 2];
    int ch = 3;
    if (gray) {
        for (size_t k = 0; k < (size_t)W * H; k++) px[k] = px[3 * k];
        ch = 1;
    }
    *is_png = quality > 100;   /* quality 101 = lossless */
    emb_status st = *is_png ? emb_image_encode_png(px, W, H, ch, out, out_len)
                            : emb_image_encode_jpeg(px, W, H, ch, quality, out, out_len);
    free(px);
    return st;
}

emb_status emb__sprites_make(char *const *paths, const int32_t *boxes, int64_t n, int size, int quality,
                             const uint8_t alpha_bg[3], int n_threads, const emb_progress *progress, emb__sprites *out) {
    memset(out, 0, sizeof *out);
    if (n <= 0 || size < 4) return EMB_OK;
    out->size = size;
    out->cols = SPRITE_SHEET_PX / size;
    out->per_sheet = out->cols * out->cols;
    out->n_sheets = (int)((n + out->per_sheet - 1) / out->per_sheet);
    out->data = calloc((size_t)out->n_sheets, sizeof *out->data);
    out->len = calloc((size_t)out->n_sheets, sizeof *out->len);
    out->is_png = calloc((size_t)out->n_sheets, sizeof *out->is_png);
    out->missing = calloc((size_t)n, 1);
    out->geom = boxes ? calloc((size_t)n * 3, sizeof(int32_t)) : NULL;
    emb_item_images *cache = emb_item_images_new();
    if (cache) emb_item_images_set_background(cache, alpha_bg);
    if (!out->data || !out->len || !out->is_png || !out->missing || (boxes && !out->geom) || !cache) {
        emb_item_images_free(cache);
        emb__sprites_free(out);
        return emb__fail(EMB_E_NOMEM, "out of memory for %lld thumbnails", (long long)n);
    }
    emb_status st = EMB_OK;
    int done = 0;
    #pragma omp parallel for schedule(dynamic, 1) num_threads(emb_threads_resolve(n_threads))
    for (int sh = 0; sh < out->n_sheets; sh++) {
        int64_t i0 = (int64_t)sh * out->per_sheet;
        int cnt = (int)(n - i0 < out->per_sheet ? n - i0 : out->per_sheet);
        emb_status s1 = make_sheet(cache, paths, boxes, i0, cnt, out, quality, alpha_bg, out->missing,
                                   &out->data[sh], &out->len[sh], &out->is_png[sh]);
        #pragma omp critical(emb_sprites)
        {
            if (s1 && !st) st = s1;
            done++;
            emb_progress_report(progress, "thumbnails", (double)done / out->n_sheets, NULL);
        }
    }
    emb_item_images_free(cache);
    if (st) { emb__sprites_free(out); return st; }
    for (int64_t i = 0; i < n; i++) out->n_thumbs += !out->missing[i];
    return EMB_OK;
}

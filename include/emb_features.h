/* emb_features.h - turning items into vectors. Part of embscope.h. */
#ifndef EMB_FEATURES_H
#define EMB_FEATURES_H

#include "emb_io.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Pixel brightness vectors, the classic MNIST approach.
 * IDX: the native h x w gray bytes / 255, row-major.
 * Folders: the decoded image in grayscale (Pillow's "L": ITU-R 601-2 luma
 * with its integer rounding) or RGB, resized to size x size by exact area
 * averaging (each output pixel is the mean of the input area it covers,
 * fractional pixels weighted by coverage), / 255. RGB vectors are
 * (size, size, 3) interleaved. */
typedef struct {
    int size;              /* side of the resized image (folders); default 32 */
    bool color;            /* RGB instead of gray (folders) */
    bool exif_orientation; /* rotate / mirror JPEGs by their EXIF orientation first (default off) */
    int n_threads;         /* 0 = all cores */
    emb_progress progress;
} emb_pixels_params;
emb_pixels_params emb_pixels_default_params(void);

/* Vectors for every readable item of ds. Items that cannot be decoded are
 * added to *skipped (path + reason) and removed from ds, so row i of *out is
 * item i of ds afterwards. Fills ds->pixel_hash and the source sizes.
 * *out is allocated (free with emb_matf_free). EMB_E_FORMAT when no item is
 * readable. */
emb_status emb_pixels_embed(emb_dataset *ds, const emb_pixels_params *params,
                            emb_matf *out, emb_skipped *skipped);

/* Pillow's RGB -> L: (R*19595 + G*38470 + B*7471 + 0x8000) >> 16. */
void emb_rgb_to_gray(const uint8_t *rgb, size_t n_pixels, uint8_t *gray);

/* Exact area-averaging resize of a (h, w, c) u8 image to (oh, ow, c) float
 * in [0, 1]. The naive reference and a fast separable version agree. */
emb_status emb_resize_area(const uint8_t *src, int w, int h, int c,
                           float *dst, int ow, int oh);

/* XXH3-64 of an image's size and bytes, for exact-duplicate detection. */
uint64_t emb_pixels_hash(const uint8_t *px, int w, int h, int c);

#ifdef __cplusplus
}
#endif
#endif

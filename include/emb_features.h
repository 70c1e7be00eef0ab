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

/* What an embedder learnt about the n items of the dataset it read. The
 * dataset itself is left as it was (embedders take it const), so one dataset
 * can be embedded twice, with other features or params; call
 * emb_dataset_apply_embedding() to drop the unreadable items from it and
 * store the hashes and sizes there, as the embed stage does.
 * Per-item arrays have n entries, indexed by item (not by kept row); an
 * item that was not kept has 0 in each of them. Arrays a source does not
 * have are NULL (IDX: img_w_src, img_h_src, transparent). */
typedef struct {
    int64_t n;             /* items of the embedded dataset (its ds->n) */
    emb_matf vectors;      /* (n_kept, d) row j = the j-th kept item, in item order; n_kept = vectors.rows */
    uint8_t *keep;         /* (n) 1 = item i was decoded and has a row in vectors, 0 = skipped */
    uint64_t *pixel_hash;  /* (n) XXH3-64 of item i's decoded pixels, as emb_dataset.pixel_hash; 0 = unknown */
    int32_t *img_w_src;    /* (n) decoded width in pixels (folders), or NULL */
    int32_t *img_h_src;    /* (n) decoded height in pixels (folders), or NULL */
    uint8_t *transparent;  /* (n) 1 = the file had transparent pixels (folders), or NULL */
} emb_embedding;
/* Releases every array of e and zeroes it; NULL is a no-op. */
void emb_embedding_free(emb_embedding *e);

/* The old in-place behaviour: store e's pixel_hash, img_w_src, img_h_src and
 * transparent in ds (replacing what ds had; arrays e lacks are left alone),
 * then keep only ds's items with e->keep[i], so item i of ds is row i of
 * e->vectors afterwards. e is not changed (the arrays are copied).
 * Returns EMB_OK, EMB_E_INVALID (e->n != ds->n: e is from another dataset)
 * or EMB_E_NOMEM (ds is then unchanged). */
emb_status emb_dataset_apply_embedding(emb_dataset *ds, const emb_embedding *e);

/* Vectors for every readable item of ds; ds is not modified. Items that
 * cannot be decoded have keep[i] = 0 in *out and are added to *skipped
 * (path + reason, in item order). On success *out is allocated (free with
 * emb_embedding_free); on failure it is empty, and *skipped still lists the
 * unreadable files. Returns EMB_OK, EMB_E_INVALID (params, a vectors
 * dataset), EMB_E_NOMEM, or EMB_E_FORMAT when no item is readable.
 * Thread-safe: two calls may read the same ds at once. */
emb_status emb_pixels_embed(const emb_dataset *ds, const emb_pixels_params *params,
                            emb_embedding *out, emb_skipped *skipped);

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

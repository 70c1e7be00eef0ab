/* decode.h - the image decoders behind emb_image_decode, one file per format
 * (decode_<format>.c), dispatched by magic bytes in decode.c. Each fills
 * out->rgb (h, w, 3) exactly as Pillow's Image.open(f).convert("RGB") and,
 * when the file has an alpha channel or a transparent colour, out->alpha
 * (h, w) as Pillow's convert("RGBA") gives it. On failure out holds nothing
 * (the dispatcher frees what a decoder left) and emb_errmsg() names the file. */
#ifndef EMB_IO_DECODE_H
#define EMB_IO_DECODE_H

#include "core/internal.h"

/* EMB_E_FORMAT for an empty image, EMB_E_UNSUPPORTED above EMB_IMAGE_MAX_PIXELS. */
emb_status emb__image_dims(const char *name, long long w, long long h);
/* Allocate out->rgb (and out->alpha when with_alpha) for w x h, not
 * initialised: the decoder writes every pixel before it returns EMB_OK. */
emb_status emb__image_alloc(emb_image *out, int w, int h, bool with_alpha, const char *name);

emb_status emb__decode_jpeg(const unsigned char *b, size_t len, const char *name, int min_side, emb_image *out);
emb_status emb__decode_png(const unsigned char *b, size_t len, const char *name, emb_image *out);
emb_status emb__decode_webp(const unsigned char *b, size_t len, const char *name, emb_image *out);
emb_status emb__decode_bmp(const unsigned char *b, size_t len, const char *name, emb_image *out);
emb_status emb__decode_tiff(const unsigned char *b, size_t len, const char *name, emb_image *out);
emb_status emb__decode_gif(const unsigned char *b, size_t len, const char *name, emb_image *out);
emb_status emb__decode_pnm(const unsigned char *b, size_t len, const char *name, emb_image *out);
emb_status emb__decode_avif(const unsigned char *b, size_t len, const char *name, emb_image *out);
emb_status emb__decode_heif(const unsigned char *b, size_t len, const char *name, emb_image *out);

/* EXIF orientation 1..8 of a TIFF-structured EXIF block (optionally after
 * "Exif\0\0"), 1 when absent or malformed (exif.c). */
int emb__exif_orientation(const unsigned char *exif, size_t n);

/* Run fn in a child process (fork) and copy its image back: a crash or hang
 * of a decoder library becomes EMB_E_FORMAT "<format> decoder crashed on
 * NAME" instead of the end of the program (isolate.c). Same result as fn. */
typedef emb_status (*emb__decoder_fn)(const unsigned char *b, size_t len, const char *name, emb_image *out);
emb_status emb__decode_isolated(emb__decoder_fn fn, const char *format, const unsigned char *b, size_t len,
                                const char *name, emb_image *out);

bool emb__is_avif(const unsigned char *b, size_t len);  /* ISO BMFF 'ftyp' with an AVIF brand */
bool emb__is_heif(const unsigned char *b, size_t len);  /* ... with a HEIC / HEIF brand */

#endif

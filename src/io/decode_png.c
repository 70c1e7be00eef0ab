/* decode_png.c - PNG via libpng to 8-bit RGB as Pillow's convert("RGB"):
 * palettes expanded, gray replicated, 16-bit samples reduced to the high
 * byte, no gamma correction. Alpha (RGBA, LA, and a tRNS chunk's palette
 * alphas or transparent colour) goes to out->alpha, as convert("RGBA").
 * Known difference: Pillow clips 16-bit grayscale to 255 (its I;16 -> L
 * conversion); we keep the high byte, which preserves the image.
 * An eXIf chunk's orientation goes to out->orientation. */
#include "io/decode.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct { const unsigned char *buf; size_t len, pos; } png_src;
typedef struct { jmp_buf jb; char msg[200]; } png_err;

static void png_read_cb(png_structp png, png_bytep dst, png_size_t n) {
    png_src *s = png_get_io_ptr(png);
    if (n > s->len - s->pos) png_error(png, "file is truncated");
    memcpy(dst, s->buf + s->pos, n);
    s->pos += n;
}
static void png_error_cb(png_structp png, png_const_charp msg) {
    png_err *e = png_get_error_ptr(png);
    snprintf(e->msg, sizeof e->msg, "%s", msg);
    longjmp(e->jb, 1);
}
static void png_warn_cb(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

/* The EXIF orientation of an eXIf chunk (PNG 1.5 extension; before or after
 * the image data, as Pillow reads both), 1 when none. The chunks are walked
 * in the bytes: libpng reports an eXIf after IDAT only from png_read_end,
 * which would make a file cut after its pixels an error. */
static int png_exif_orientation(const unsigned char *b, size_t len) {
    for (size_t p = 8; p + 12 <= len;) {
        size_t n = (size_t)b[p] << 24 | (size_t)b[p + 1] << 16 | (size_t)b[p + 2] << 8 | b[p + 3];
        if (n > len - p - 12) return 1;
        if (!memcmp(b + p + 4, "eXIf", 4)) return emb__exif_orientation(b + p + 8, n);
        if (!memcmp(b + p + 4, "IEND", 4)) return 1;
        p += 12 + n;
    }
    return 1;
}

emb_status emb__decode_png(const unsigned char *buf, size_t len, const char *name, emb_image *out) {
    png_src src = {buf, len, 0};
    png_err err;
    err.msg[0] = 0;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &err, png_error_cb, png_warn_cb);
    if (!png) return emb__fail(EMB_E_NOMEM, "%s: cannot start the PNG decoder", name);
    png_infop info = png_create_info_struct(png);
    /* volatile: modified between setjmp and a possible longjmp */
    unsigned char *volatile px = NULL;
    png_bytep *volatile rows = NULL;
    emb_status st = EMB_OK;
    if (!info) { st = emb__fail(EMB_E_NOMEM, "%s: out of memory", name); goto done; }
    if (setjmp(err.jb)) {
        st = emb__fail(EMB_E_FORMAT, "%s: corrupt PNG: %s", name, err.msg);
        goto done;
    }
    png_set_user_limits(png, 1u << 20, 1u << 20);
    png_set_read_fn(png, &src, png_read_cb);
    png_read_info(png, info);
    png_uint_32 w, h;
    int depth, ctype;
    png_get_IHDR(png, info, &w, &h, &depth, &ctype, NULL, NULL, NULL);
    if ((st = emb__image_dims(name, (long)w, (long)h))) goto done;
    int src_ch = png_get_channels(png, info);
    bool trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
    bool alpha = (ctype & PNG_COLOR_MASK_ALPHA) || trns;
    /* Pillow compares a 16-bit file's tRNS colour with 8-bit pixels: it
     * never matches, so such a colour makes nothing transparent */
    if (trns && ctype != PNG_COLOR_TYPE_PALETTE && depth == 16) alpha = false;
    if (ctype == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);     /* a tRNS chunk becomes an alpha channel */
        src_ch = 3;
    } else if (trns && alpha) {
        png_set_tRNS_to_alpha(png);
    }
    if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16) png_set_strip_16(png);          /* high byte, as Pillow */
    if (!alpha && (ctype & PNG_COLOR_MASK_ALPHA)) png_set_strip_alpha(png);
    if (ctype == PNG_COLOR_TYPE_GRAY || ctype == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int ch = alpha ? 4 : 3;
    if (png_get_rowbytes(png, info) != (size_t)w * ch)
        png_error(png, "unexpected row layout after conversion");
    px = emb__malloc((size_t)w * h * ch, "PNG pixels");
    rows = emb__malloc(sizeof(png_bytep) * h, "PNG rows");
    if (!px || !rows) { st = EMB_E_NOMEM; goto done; }
    for (png_uint_32 y = 0; y < h; y++) rows[y] = px + (size_t)y * w * ch;
    png_read_image(png, rows);
    if (alpha) {
        if ((st = emb__image_alloc(out, (int)w, (int)h, true, name))) goto done;
        for (size_t i = 0; i < (size_t)w * h; i++) {
            memcpy(out->rgb + 3 * i, px + 4 * i, 3);
            out->alpha[i] = px[4 * i + 3];
        }
    } else {
        out->rgb = px;
        px = NULL;
    }
    out->w = (int)w;
    out->h = (int)h;
    out->src_channels = src_ch;
    out->orientation = png_exif_orientation(buf, len);
done:
    png_destroy_read_struct(&png, info ? &info : NULL, NULL);
    free(px);
    free(rows);
    return st;
}

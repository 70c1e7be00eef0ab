/* decode.c - JPEG (libjpeg-turbo's TurboJPEG API), PNG (libpng) and WebP
 * (libwebp) to 8-bit RGB, matching Pillow's Image.open(f).convert("RGB"):
 * alpha is dropped (not composited), palettes expanded, gray replicated,
 * 16-bit samples reduced to the high byte, no gamma correction, JPEG with
 * the accurate integer DCT and fancy upsampling (Pillow's defaults).
 * Known difference: Pillow clips 16-bit grayscale to 255 (its I;16 -> L
 * conversion); we keep the high byte, which preserves the image. */
#include "core/internal.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>
#include <webp/decode.h>

void emb_image_free(emb_image *img) {
    if (!img) return;
    free(img->rgb);
    memset(img, 0, sizeof *img);
}

static emb_status check_dims(const char *name, long w, long h) {
    if (w <= 0 || h <= 0) return emb__fail(EMB_E_FORMAT, "%s: image has no pixels (%ldx%ld)", name, w, h);
    if ((long long)w * h > EMB_IMAGE_MAX_PIXELS)
        return emb__fail(EMB_E_UNSUPPORTED, "%s: image of %ldx%ld pixels is too large", name, w, h);
    return EMB_OK;
}

/* ------------------------------------------------------------ JPEG */
/* Walk the marker segments from SOI to the first SOFn and read the frame
 * size there. TurboJPEG's header call can report success with stale sizes on
 * a stream that ends before any frame header, so we check it ourselves.
 * Returns false when no complete SOFn segment precedes SOS or the end. */
static bool jpeg_frame_size(const unsigned char *b, size_t len, int *w, int *h) {
    size_t p = 2;                                   /* after FF D8 */
    while (p + 4 <= len) {
        if (b[p] != 0xff) return false;
        unsigned m = b[p + 1];
        if (m == 0xff) { p++; continue; }           /* fill byte */
        if (m == 0xd8 || (m >= 0xd0 && m <= 0xd7) || m == 0x01) { p += 2; continue; }
        if (m == 0xd9 || m == 0xda) return false;   /* EOI or SOS before a frame */
        size_t seg = (size_t)b[p + 2] << 8 | b[p + 3];
        if (seg < 2 || seg > len - p - 2) return false;
        bool sof = m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
        if (sof) {
            if (seg < 8) return false;
            *h = b[p + 5] << 8 | b[p + 6];
            *w = b[p + 7] << 8 | b[p + 8];
            return true;
        }
        p += 2 + seg;
    }
    return false;
}

/* The scaling factor M/8 (M <= 8) giving the smallest image whose shorter
 * side is >= min_side, when that is at most half the shorter side (only
 * large images are scaled); else the full size. */
static void jpeg_scaled_size(int w, int h, int min_side, int *sw, int *sh) {
    *sw = w;
    *sh = h;
    int short_side = w < h ? w : h, nf = 0;
    if (min_side <= 0 || short_side < 2 * min_side) return;
    tjscalingfactor *f = tjGetScalingFactors(&nf);
    for (int i = 0; f && i < nf; i++) {
        if (f[i].num >= f[i].denom) continue;
        int a = TJSCALED(w, f[i]), b = TJSCALED(h, f[i]);
        if ((a < b ? a : b) >= min_side && (long long)a * b < (long long)*sw * *sh) { *sw = a; *sh = b; }
    }
}

static emb_status decode_jpeg(const unsigned char *buf, size_t len, const char *name, int min_side, emb_image *out) {
    tjhandle tj = tjInitDecompress();
    if (!tj) return emb__fail(EMB_E_NOMEM, "%s: cannot start the JPEG decoder", name);
    int w = 0, h = 0, subsamp = 0, cs = 0, fw, fh;
    emb_status st = EMB_OK;
    unsigned char *px = NULL;
    if (!jpeg_frame_size(buf, len, &fw, &fh)) {
        st = emb__fail(EMB_E_FORMAT, "%s: corrupt JPEG: no frame header", name);
        goto done;
    }
    if (tjDecompressHeader3(tj, buf, (unsigned long)len, &w, &h, &subsamp, &cs) != 0) {
        st = emb__fail(EMB_E_FORMAT, "%s: corrupt JPEG: %s", name, tjGetErrorStr2(tj));
        goto done;
    }
    if (w != fw || h != fh) {
        st = emb__fail(EMB_E_FORMAT, "%s: corrupt JPEG: inconsistent frame header", name);
        goto done;
    }
    if ((st = check_dims(name, w, h))) goto done;
    int fullw = w, fullh = h;
    jpeg_scaled_size(fullw, fullh, min_side, &w, &h);
    bool cmyk = (cs == TJCS_CMYK || cs == TJCS_YCCK);
    int pf = cmyk ? TJPF_CMYK : TJPF_RGB, ps = tjPixelSize[pf];
    px = emb__malloc((size_t)w * h * ps, "JPEG pixels");
    if (!px) { st = EMB_E_NOMEM; goto done; }
    /* TJFLAG_STOPONWARNING: a truncated file is an error, not a grey tail.
     * A smaller w x h than the frame selects DCT scaling. */
    if (tjDecompress2(tj, buf, (unsigned long)len, px, w, 0, h, pf, TJFLAG_STOPONWARNING) != 0) {
        st = emb__fail(EMB_E_FORMAT, "%s: corrupt JPEG: %s", name, tjGetErrorStr2(tj));
        goto done;
    }
    if (cmyk) {
        /* Adobe CMYK JPEGs store inverted ink: libjpeg returns 255 - ink, so
         * R = C' * K' / 255 (as Pillow's CMYK -> RGB after "CMYK;I"). */
        unsigned char *rgb = emb__malloc((size_t)w * h * 3, "JPEG pixels");
        if (!rgb) { st = EMB_E_NOMEM; goto done; }
        for (size_t i = 0; i < (size_t)w * h; i++) {
            unsigned k = px[4 * i + 3];
            for (int c = 0; c < 3; c++) rgb[3 * i + c] = (unsigned char)((px[4 * i + c] * k + 127) / 255);
        }
        free(px);
        px = rgb;
    }
    out->rgb = px;
    px = NULL;
    out->w = w;
    out->h = h;
    out->full_w = fullw;
    out->full_h = fullh;
    out->src_channels = cs == TJCS_GRAY ? 1 : cmyk ? 4 : 3;
done:
    free(px);
    tjDestroy(tj);
    return st;
}

/* ------------------------------------------------------------ PNG */
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

static emb_status decode_png(const unsigned char *buf, size_t len, const char *name, emb_image *out) {
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
    if ((st = check_dims(name, (long)w, (long)h))) goto done;
    int src_ch = png_get_channels(png, info);
    if (ctype == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);
        src_ch = 3;
        /* palette_to_rgb also turns a tRNS chunk into an alpha channel */
        if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_strip_alpha(png);
    }
    if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16) png_set_strip_16(png);          /* high byte, as Pillow */
    if (ctype & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
    if (ctype == PNG_COLOR_TYPE_GRAY || ctype == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != (size_t)w * 3)
        png_error(png, "unexpected row layout after conversion");
    px = emb__malloc((size_t)w * h * 3, "PNG pixels");
    rows = emb__malloc(sizeof(png_bytep) * h, "PNG rows");
    if (!px || !rows) { st = EMB_E_NOMEM; goto done; }
    for (png_uint_32 y = 0; y < h; y++) rows[y] = px + (size_t)y * w * 3;
    png_read_image(png, rows);
    out->rgb = px;
    px = NULL;
    out->w = (int)w;
    out->h = (int)h;
    out->src_channels = src_ch;
done:
    png_destroy_read_struct(&png, info ? &info : NULL, NULL);
    free(px);
    free(rows);
    return st;
}

/* ------------------------------------------------------------ WebP */
static emb_status decode_webp(const unsigned char *buf, size_t len, const char *name, emb_image *out) {
    WebPBitstreamFeatures feat;
    if (WebPGetFeatures(buf, len, &feat) != VP8_STATUS_OK)
        return emb__fail(EMB_E_FORMAT, "%s: corrupt WebP header", name);
    if (feat.has_animation) return emb__fail(EMB_E_UNSUPPORTED, "%s: animated WebP is not supported", name);
    emb_status st = check_dims(name, feat.width, feat.height);
    if (st) return st;
    size_t n = (size_t)feat.width * feat.height * 3;
    unsigned char *px = emb__malloc(n, "WebP pixels");
    if (!px) return EMB_E_NOMEM;
    if (!WebPDecodeRGBInto(buf, len, px, n, feat.width * 3)) {
        free(px);
        return emb__fail(EMB_E_FORMAT, "%s: corrupt WebP data", name);
    }
    out->rgb = px;
    out->w = feat.width;
    out->h = feat.height;
    out->src_channels = feat.has_alpha ? 4 : 3;
    return EMB_OK;
}

emb_status emb_image_decode_scaled(const void *data, size_t len, const char *name, int min_side, emb_image *out) {
    const unsigned char *b = data;
    memset(out, 0, sizeof *out);
    emb_status st;
    if (len == 0) return emb__fail(EMB_E_FORMAT, "%s: empty file", name);
    if (len >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff) st = decode_jpeg(b, len, name, min_side, out);
    else if (len >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8)) st = decode_png(b, len, name, out);
    else if (len >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WEBP", 4)) st = decode_webp(b, len, name, out);
    else return emb__fail(EMB_E_FORMAT, "%s: not a JPEG, PNG or WebP image", name);
    if (st == EMB_OK && !out->full_w) {
        out->full_w = out->w;
        out->full_h = out->h;
    }
    return st;
}

emb_status emb_image_decode(const void *data, size_t len, const char *name, emb_image *out) {
    return emb_image_decode_scaled(data, len, name, 0, out);
}

emb_status emb_image_load_scaled(const char *path, int min_side, emb_image *out) {
    unsigned char *buf;
    size_t len;
    memset(out, 0, sizeof *out);
    emb_status st = emb__read_file(path, (size_t)1 << 31, &buf, &len);
    if (st) return st;
    st = emb_image_decode_scaled(buf, len, path, min_side, out);
    free(buf);
    return st;
}

emb_status emb_image_load(const char *path, emb_image *out) { return emb_image_load_scaled(path, 0, out); }

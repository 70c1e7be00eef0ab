/* decode.c - emb_image_decode: picks the decoder by the file's magic bytes
 * (never by its name) and holds what the decoders share: size checks,
 * allocation, and compositing of alpha over a background colour.
 * Formats (one file each, decode_<format>.c): JPEG, PNG, WebP, BMP, TIFF,
 * GIF, PNM, AVIF, HEIC/HEIF (in a child process: isolate.c, as libheif
 * 1.15 crashes on some corrupt files). Each matches Pillow's
 * Image.open(f).convert("RGB") (alpha dropped), and keeps the alpha that
 * convert("RGBA") would give in emb_image.alpha for emb_image_composite. */
#include "io/decode.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void emb_image_free(emb_image *img) {
    if (!img) return;
    free(img->rgb);
    free(img->alpha);
    memset(img, 0, sizeof *img);
}

emb_status emb__image_dims(const char *name, long long w, long long h) {
    if (w <= 0 || h <= 0) return emb__fail(EMB_E_FORMAT, "%s: image has no pixels (%lldx%lld)", name, w, h);
    if (w > EMB_IMAGE_MAX_PIXELS || h > EMB_IMAGE_MAX_PIXELS || w * h > EMB_IMAGE_MAX_PIXELS)
        return emb__fail(EMB_E_UNSUPPORTED, "%s: image of %lldx%lld pixels is too large", name, w, h);
    return EMB_OK;
}

emb_status emb__image_alloc(emb_image *out, int w, int h, bool with_alpha, const char *name) {
    /* malloc, not calloc: glibc serves a large calloc from fresh pages, and
     * their faults cost more than the decode (a 1024x768 PPM: 4.3 -> 0.2 ms) */
    size_t np = (size_t)w * h;
    out->rgb = malloc(np * 3);
    out->alpha = with_alpha ? malloc(np) : NULL;
    if (!out->rgb || (with_alpha && !out->alpha)) {
        free(out->rgb);
        free(out->alpha);
        out->rgb = out->alpha = NULL;
        return emb__fail(EMB_E_NOMEM, "%s: out of memory for %dx%d pixels", name, w, h);
    }
    out->w = w;
    out->h = h;
    return EMB_OK;
}

bool emb_image_has_transparency(const emb_image *img) {
    if (!img->alpha) return false;
    for (size_t i = 0; i < (size_t)img->w * img->h; i++)
        if (img->alpha[i] != 255) return true;
    return false;
}

/* out = (rgb * a + bg * (255 - a)) / 255 rounded, computed as Pillow's
 * BLEND / DIV255 (Image.paste(im, mask=alpha) onto a bg-filled image). */
void emb_image_composite(emb_image *img, const uint8_t bg[3]) {
    if (!img->alpha) return;
    for (size_t i = 0; i < (size_t)img->w * img->h; i++) {
        unsigned a = img->alpha[i];
        if (a == 255) continue;
        for (int c = 0; c < 3; c++) {
            unsigned t = img->rgb[3 * i + c] * a + bg[c] * (255 - a) + 128;
            img->rgb[3 * i + c] = (uint8_t)(((t >> 8) + t) >> 8);
        }
    }
    free(img->alpha);
    img->alpha = NULL;
}

/* Source pixel of output (u, v) per EXIF orientation (Pillow's
 * exif_transpose: 2 FLIP_LEFT_RIGHT, 3 ROTATE_180, 4 FLIP_TOP_BOTTOM,
 * 5 TRANSPOSE, 6 ROTATE_270, 7 TRANSVERSE, 8 ROTATE_90). */
static size_t orient_src(int o, size_t u, size_t v, size_t w, size_t h) {
    switch (o) {
    case 2: return v * w + (w - 1 - u);
    case 3: return (h - 1 - v) * w + (w - 1 - u);
    case 4: return (h - 1 - v) * w + u;
    case 5: return u * w + v;
    case 6: return (h - 1 - u) * w + v;
    case 7: return (h - 1 - u) * w + (w - 1 - v);
    case 8: return u * w + (w - 1 - v);
    default: return v * w + u;
    }
}

/* orient_src inverted on a rectangle: stored (x, y) goes to upright
 * 2 (w-1-x, y), 3 (w-1-x, h-1-y), 4 (x, h-1-y), 5 (y, x), 6 (h-1-y, x),
 * 7 (h-1-y, w-1-x), 8 (y, w-1-x). */
void emb__box_orient(int o, int w, int h, const int32_t *box, int32_t *out) {
    int32_t x = box[0], y = box[1], bw = box[2], bh = box[3];
    int32_t fx = w - x - bw, fy = h - y - bh;   /* the box's offsets from the right and bottom edges */
    switch (o) {
    case 2: out[0] = fx; out[1] = y; break;
    case 3: out[0] = fx; out[1] = fy; break;
    case 4: out[0] = x; out[1] = fy; break;
    case 5: out[0] = y; out[1] = x; break;
    case 6: out[0] = fy; out[1] = x; break;
    case 7: out[0] = fy; out[1] = fx; break;
    case 8: out[0] = y; out[1] = fx; break;
    default: out[0] = x; out[1] = y; break;
    }
    bool swap = o >= 5 && o <= 8;
    out[2] = swap ? bh : bw;
    out[3] = swap ? bw : bh;
}

emb_status emb_image_orient(emb_image *img) {
    int o = img->orientation;
    if (o < 2 || o > 8) { img->orientation = 1; return EMB_OK; }
    size_t w = (size_t)img->w, h = (size_t)img->h, np = w * h;
    size_t ow = o >= 5 ? h : w, oh = o >= 5 ? w : h;
    uint8_t *rgb = malloc(np * 3), *a = img->alpha ? malloc(np) : NULL;
    if (!rgb || (img->alpha && !a)) { free(rgb); free(a); return emb__fail(EMB_E_NOMEM, "out of memory rotating an image"); }
    for (size_t v = 0; v < oh; v++)
        for (size_t u = 0; u < ow; u++) {
            size_t s = orient_src(o, u, v, w, h), d = v * ow + u;
            memcpy(rgb + 3 * d, img->rgb + 3 * s, 3);
            if (a) a[d] = img->alpha[s];
        }
    free(img->rgb);
    free(img->alpha);
    img->rgb = rgb;
    img->alpha = a;
    img->w = (int)ow;
    img->h = (int)oh;
    if (o >= 5) { int t = img->full_w; img->full_w = img->full_h; img->full_h = t; }
    img->orientation = 1;
    return EMB_OK;
}

emb_status emb_color_parse(const char *s, uint8_t rgb[3]) {
    static const struct { const char *name; uint8_t v[3]; } NAMED[] = {
        {"white", {255, 255, 255}}, {"black", {0, 0, 0}}, {"gray", {128, 128, 128}}, {"grey", {128, 128, 128}},
    };
    for (size_t k = 0; k < sizeof NAMED / sizeof NAMED[0]; k++)
        if (s && !strcmp(s, NAMED[k].name)) { memcpy(rgb, NAMED[k].v, 3); return EMB_OK; }
    if (s && s[0] == '#' && strlen(s) == 7 && strspn(s + 1, "0123456789abcdefABCDEF") == 6) {
        unsigned long v = strtoul(s + 1, NULL, 16);
        rgb[0] = (uint8_t)(v >> 16);
        rgb[1] = (uint8_t)(v >> 8);
        rgb[2] = (uint8_t)v;
        return EMB_OK;
    }
    return emb__fail(EMB_E_INVALID, "'%s' is not a colour (white, black, gray or #rrggbb)", s ? s : "");
}

/* ISO BMFF: a 'ftyp' box first, its major and compatible brands after. */
static bool ftyp_has(const unsigned char *b, size_t len, const char *const *brands) {
    if (len < 16 || memcmp(b + 4, "ftyp", 4)) return false;
    size_t box = (size_t)b[0] << 24 | (size_t)b[1] << 16 | (size_t)b[2] << 8 | b[3];
    if (box < 16 || box > len) box = len < 64 ? len : 64;
    for (size_t p = 8; p + 4 <= box; p += 4) {
        if (p == 12) continue;                      /* minor version */
        for (int k = 0; brands[k]; k++)
            if (!memcmp(b + p, brands[k], 4)) return true;
    }
    return false;
}
bool emb__is_avif(const unsigned char *b, size_t len) {
    static const char *const AVIF[] = {"avif", "avis", NULL};
    return ftyp_has(b, len, AVIF);
}
bool emb__is_heif(const unsigned char *b, size_t len) {
    static const char *const HEIF[] = {"heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1", NULL};
    return !emb__is_avif(b, len) && ftyp_has(b, len, HEIF);
}

static bool is_pnm(const unsigned char *b, size_t len) {
    return len >= 3 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6' && isspace(b[2]);
}

emb_status emb_image_decode_scaled(const void *data, size_t len, const char *name, int min_side, emb_image *out) {
    const unsigned char *b = data;
    memset(out, 0, sizeof *out);
    emb_status st;
    if (len == 0) return emb__fail(EMB_E_FORMAT, "%s: empty file", name);
    if (len >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff) st = emb__decode_jpeg(b, len, name, min_side, out);
    else if (len >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8)) st = emb__decode_png(b, len, name, out);
    else if (len >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WEBP", 4)) st = emb__decode_webp(b, len, name, out);
    else if (len >= 2 && b[0] == 'B' && b[1] == 'M') st = emb__decode_bmp(b, len, name, out);
    else if (len >= 4 && (!memcmp(b, "II*\0", 4) || !memcmp(b, "MM\0*", 4) || !memcmp(b, "II+\0", 4) || !memcmp(b, "MM\0+", 4)))
        st = emb__decode_tiff(b, len, name, out);
    else if (len >= 6 && (!memcmp(b, "GIF87a", 6) || !memcmp(b, "GIF89a", 6))) st = emb__decode_gif(b, len, name, out);
    else if (is_pnm(b, len)) st = emb__decode_pnm(b, len, name, out);
    else if (emb__is_avif(b, len)) st = emb__decode_avif(b, len, name, out);
    else if (emb__is_heif(b, len)) st = emb__decode_isolated(emb__decode_heif, "HEIC", b, len, name, out);
    else return emb__fail(EMB_E_FORMAT, "%s: not an image in a known format (JPEG, PNG, WebP, BMP, TIFF, GIF, PNM, AVIF, HEIC)", name);
    if (st != EMB_OK) {
        emb_image_free(out);
        return st;
    }
    if (!out->full_w) {
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

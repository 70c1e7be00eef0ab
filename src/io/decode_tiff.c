/* decode_tiff.c - TIFF (first page) via libtiff, matching Pillow 9.4's
 * TiffImagePlugin + convert("RGB"):
 * - gray (min-is-black / min-is-white) 1, 2, 4, 8, 16 bits; palette 1-8
 *   bits (colour map entries' high byte, as Pillow's c // 256); RGB and
 *   CMYK 8 and 16 bits; contiguous or separate planes, strips or tiles;
 * - 16-bit samples keep their high byte (Pillow's ;16 unpackers). Known
 *   difference, as for PNG: Pillow clips 16-bit gray to 255; we keep the
 *   high byte;
 * - CMYK -> RGB as Pillow's cmyk2rgb: R = 255 - min(255, C + K) ... computed
 *   as nk - C * nk / 255 with nk = 255 - K, rounded as its MULDIV255;
 * - an extra sample: unassociated alpha (2) as is, associated alpha (1)
 *   un-premultiplied as Pillow's RGBa unpacker (v * 255 / a, clipped), an
 *   unspecified one (0) ignored (Pillow's RGBX);
 * - other layouts (YCbCr, JPEG-in-TIFF, Lab, ...) through libtiff's
 *   TIFFReadRGBAImage, which may differ from Pillow by rounding.
 * - the Orientation tag (274) is applied: Pillow 9.4's Image.open already
 *   gives TIFFs upright (its exif_transpose then applies the tag a second
 *   time, which we do not copy), so out->orientation is 1.
 * libtiff's messages go to this decode's error text, never to stderr. */
#include "io/decode.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

typedef struct { const unsigned char *b; size_t len, pos; char msg[200]; } tiff_src;

static tmsize_t t_read(thandle_t h, void *dst, tmsize_t n) {
    tiff_src *s = h;
    size_t k = (size_t)n < s->len - s->pos ? (size_t)n : s->len - s->pos;
    memcpy(dst, s->b + s->pos, k);
    s->pos += k;
    return (tmsize_t)k;
}
static tmsize_t t_write(thandle_t h, void *src, tmsize_t n) { (void)h; (void)src; (void)n; return 0; }
static toff_t t_seek(thandle_t h, toff_t off, int whence) {
    tiff_src *s = h;
    uint64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? s->pos : s->len;
    if (off > UINT64_MAX - base || base + off > s->len) return (toff_t)-1;
    s->pos = (size_t)(base + off);
    return s->pos;
}
static int t_close(thandle_t h) { (void)h; return 0; }
static toff_t t_size(thandle_t h) { return ((tiff_src *)h)->len; }
static int t_map(thandle_t h, void **base, toff_t *size) { (void)h; (void)base; (void)size; return 0; }
static void t_unmap(thandle_t h, void *base, toff_t size) { (void)h; (void)base; (void)size; }
static int t_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)module;
    tiff_src *s = user;
    if (!s->msg[0]) vsnprintf(s->msg, sizeof s->msg, fmt, ap);
    return 1;
}
static int t_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)user; (void)module; (void)fmt; (void)ap;
    return 1;
}

typedef struct {
    uint32_t w, h;
    uint16_t bps, spp, photometric, planar, n_extra, extra0, fmt;
    bool tiled;
    uint16_t *cmap[3];
} tiff_info;

static unsigned clip8(unsigned v) { return v > 255 ? 255 : v; }

/* One sample of row (8-bit scale): bits < 8 as Pillow's L;2 / L;4 / 1 scaling. */
static unsigned sample(const unsigned char *row, size_t i, int bps) {
    switch (bps) {
    case 16: return ((const uint16_t *)row)[i] >> 8;    /* libtiff swabbed it to host order */
    case 8: return row[i];
    default: {
        unsigned per = 8 / bps, v = row[i / per] >> (bps * (per - 1 - i % per)) & ((1u << bps) - 1);
        return v;                                        /* raw index / level */
    }
    }
}

/* Convert one decoded row (spp samples per pixel, contiguous) to RGB + alpha. */
static void tiff_row(const tiff_info *t, const unsigned char *row, uint8_t *rgb, uint8_t *alpha) {
    int bps = t->bps, spp = t->spp;
    /* fast paths, same bytes as the general loop below: 8-bit RGB, RGBA
     * (unassociated), min-is-black gray */
    if (bps == 8 && t->photometric == PHOTOMETRIC_RGB && (spp == 3 || (spp == 4 && alpha && t->extra0 == EXTRASAMPLE_UNASSALPHA))) {
        if (spp == 3) { memcpy(rgb, row, (size_t)t->w * 3); return; }
        for (uint32_t x = 0; x < t->w; x++) { memcpy(rgb + 3 * x, row + 4 * x, 3); alpha[x] = row[4 * x + 3]; }
        return;
    }
    if (bps == 8 && t->photometric == PHOTOMETRIC_MINISBLACK && spp == 1) {
        for (uint32_t x = 0; x < t->w; x++) rgb[3 * x] = rgb[3 * x + 1] = rgb[3 * x + 2] = row[x];
        return;
    }
    unsigned lmax = (1u << (bps < 8 ? bps : 8)) - 1;     /* gray level scale for bps < 8 */
    for (uint32_t x = 0; x < t->w; x++, rgb += 3) {
        size_t s0 = (size_t)x * spp;
        unsigned v[5] = {0, 0, 0, 0, 255};
        for (int c = 0; c < spp && c < 5; c++) v[c] = sample(row, s0 + c, bps);
        int color = t->photometric == PHOTOMETRIC_RGB ? 3 : t->photometric == PHOTOMETRIC_SEPARATED ? 4 : 1;
        unsigned a = spp > color && color != 4 && t->n_extra && t->extra0 != EXTRASAMPLE_UNSPECIFIED ? v[color] : 255;
        if (t->photometric == PHOTOMETRIC_PALETTE) {
            for (int c = 0; c < 3; c++) rgb[c] = (uint8_t)(t->cmap[c][v[0]] >> 8);
        } else if (t->photometric <= PHOTOMETRIC_MINISBLACK) {
            unsigned g = bps < 8 ? v[0] * 255 / lmax : v[0];
            if (t->photometric == PHOTOMETRIC_MINISWHITE) g = 255 - g;
            rgb[0] = rgb[1] = rgb[2] = (uint8_t)g;
        } else if (t->photometric == PHOTOMETRIC_SEPARATED) {
            unsigned nk = 255 - v[3];
            for (int c = 0; c < 3; c++) {
                unsigned tmp = v[c] * nk + 128;
                rgb[c] = (uint8_t)clip8(nk - (((tmp >> 8) + tmp) >> 8));
            }
        } else {
            for (int c = 0; c < 3; c++) rgb[c] = (uint8_t)v[c];
        }
        if (t->n_extra && t->extra0 == EXTRASAMPLE_ASSOCALPHA && t->photometric != PHOTOMETRIC_PALETTE) {
            for (int c = 0; c < 3; c++) rgb[c] = a ? (uint8_t)clip8(rgb[c] * 255 / a) : 0;
        }
        if (alpha) alpha[x] = (uint8_t)a;
    }
}

/* Layouts read sample by sample; anything else goes through TIFFReadRGBA. */
static bool tiff_direct(const tiff_info *t) {
    if (t->fmt != SAMPLEFORMAT_UINT && t->fmt != SAMPLEFORMAT_VOID) return false;
    if (t->tiled && (t->planar != PLANARCONFIG_CONTIG || t->bps < 8)) return false;
    switch (t->photometric) {
    case PHOTOMETRIC_MINISWHITE:
    case PHOTOMETRIC_MINISBLACK:
        return (t->bps == 1 || t->bps == 2 || t->bps == 4 || t->bps == 8 || t->bps == 16) && t->spp == 1 + t->n_extra && t->spp <= 2;
    case PHOTOMETRIC_PALETTE:
        return t->bps <= 8 && (8 % t->bps == 0) && t->spp == 1 && t->cmap[0];
    case PHOTOMETRIC_RGB:
        return (t->bps == 8 || t->bps == 16) && t->spp == 3 + t->n_extra && t->spp <= 4;
    case PHOTOMETRIC_SEPARATED:
        return (t->bps == 8 || t->bps == 16) && t->spp == 4 + t->n_extra && t->spp <= 5;
    default:
        return false;
    }
}

/* Interleave spp planes of one row (bps 8 or 16) into row. */
static void interleave(unsigned char *const *planes, int spp, int bps, uint32_t w, unsigned char *row) {
    size_t bytes = (size_t)bps / 8;
    for (uint32_t x = 0; x < w; x++)
        for (int c = 0; c < spp; c++) memcpy(row + ((size_t)x * spp + c) * bytes, planes[c] + x * bytes, bytes);
}

static emb_status tiff_read_direct(TIFF *tif, const tiff_info *t, const char *name, emb_image *out) {
    emb_status st = EMB_OK;
    tmsize_t line = TIFFScanlineSize(tif);
    size_t need = ((size_t)t->w * t->spp * t->bps + 7) / 8;
    if (t->planar == PLANARCONFIG_SEPARATE) need = ((size_t)t->w * t->bps + 7) / 8;
    if (line <= 0 || (size_t)line < need) return emb__fail(EMB_E_FORMAT, "%s: corrupt TIFF: bad scanline size", name);
    size_t rowb = ((size_t)t->w * t->spp * t->bps + 7) / 8;
    unsigned char *row = calloc(1, rowb + 8), *band = NULL, *planes[5] = {0};
    if (!row) return emb__fail(EMB_E_NOMEM, "%s: out of memory", name);
    if (TIFFIsTiled(tif)) {
        uint32_t tw = 0, th = 0;
        TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
        TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
        tmsize_t ts = TIFFTileSize(tif);
        size_t tile_row = ((size_t)tw * t->spp * t->bps + 7) / 8;
        if (!tw || !th || ts <= 0 || (size_t)ts < tile_row * th || t->planar != PLANARCONFIG_CONTIG || t->bps < 8) {
            st = emb__fail(EMB_E_UNSUPPORTED, "%s: TIFF tile layout not supported", name);
            goto done;
        }
        unsigned char *tile = malloc((size_t)ts);
        band = calloc((size_t)th, rowb + 8);
        if (!tile || !band) { free(tile); st = emb__fail(EMB_E_NOMEM, "%s: out of memory", name); goto done; }
        size_t px_bytes = (size_t)t->spp * t->bps / 8;
        for (uint32_t y0 = 0; y0 < t->h && !st; y0 += th) {
            for (uint32_t x0 = 0; x0 < t->w; x0 += tw) {
                if (TIFFReadTile(tif, tile, x0, y0, 0, 0) < 0) { st = EMB_E_FORMAT; break; }
                uint32_t cw = t->w - x0 < tw ? t->w - x0 : tw;
                for (uint32_t r = 0; r < th && y0 + r < t->h; r++)
                    memcpy(band + r * (rowb + 8) + x0 * px_bytes, tile + r * tile_row, cw * px_bytes);
            }
            for (uint32_t r = 0; !st && r < th && y0 + r < t->h; r++) {
                size_t y = y0 + r;
                tiff_row(t, band + r * (rowb + 8), out->rgb + y * t->w * 3, out->alpha ? out->alpha + y * t->w : NULL);
            }
        }
        free(tile);
        goto done;
    }
    if (t->planar == PLANARCONFIG_SEPARATE) {
        if (t->bps < 8) { st = emb__fail(EMB_E_UNSUPPORTED, "%s: TIFF of separate planes below 8 bits", name); goto done; }
        for (int c = 0; c < t->spp; c++)
            if (!(planes[c] = malloc((size_t)line))) { st = emb__fail(EMB_E_NOMEM, "%s: out of memory", name); goto done; }
    }
    if (t->planar != PLANARCONFIG_SEPARATE) {
        /* whole strips at a time (libtiff's codecs run faster on a strip than
         * row by row); every strip's size checked against the rows it holds */
        uint32_t rps = 0;
        TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rps);
        if (rps == 0 || rps > t->h) rps = t->h;
        tmsize_t ss = TIFFStripSize(tif);
        uint32_t n_strips = TIFFNumberOfStrips(tif);
        if (ss <= 0 || (size_t)ss < (size_t)line * rps || n_strips < (t->h - 1) / rps + 1) {
            st = emb__fail(EMB_E_FORMAT, "%s: corrupt TIFF: strips do not cover the image", name);
            goto done;
        }
        if (!(band = malloc((size_t)ss))) { st = emb__fail(EMB_E_NOMEM, "%s: out of memory", name); goto done; }
        for (uint32_t s0 = 0, y0 = 0; y0 < t->h; s0++, y0 += rps) {
            uint32_t rows = t->h - y0 < rps ? t->h - y0 : rps;
            if (TIFFReadEncodedStrip(tif, s0, band, (tmsize_t)line * rows) < (tmsize_t)line * rows) { st = EMB_E_FORMAT; goto done; }
            for (uint32_t r = 0; r < rows; r++) {
                size_t y = (size_t)y0 + r;
                tiff_row(t, band + (size_t)r * line, out->rgb + y * t->w * 3, out->alpha ? out->alpha + y * t->w : NULL);
            }
        }
        goto done;
    }
    for (uint32_t y = 0; y < t->h; y++) {
        for (int c = 0; c < t->spp; c++)
            if (TIFFReadScanline(tif, planes[c], y, (uint16_t)c) < 0) { st = EMB_E_FORMAT; goto done; }
        interleave(planes, t->spp, t->bps, t->w, row);
        tiff_row(t, row, out->rgb + (size_t)y * t->w * 3, out->alpha ? out->alpha + (size_t)y * t->w : NULL);
    }
done:
    free(row);
    free(band);
    for (int c = 0; c < 5; c++) free(planes[c]);
    return st;
}

/* libtiff's RGBA interface (YCbCr, JPEG, Lab, odd depths). */
static emb_status tiff_read_rgba(TIFF *tif, const tiff_info *t, const char *name, int orientation, emb_image *out) {
    uint32_t *px = malloc((size_t)t->w * t->h * 4);
    if (!px) return emb__fail(EMB_E_NOMEM, "%s: out of memory", name);
    /* asked for the file's own orientation, libtiff flips nothing: the
     * pixels as stored, as the direct path gives them (the caller turns
     * both upright) */
    if (!TIFFReadRGBAImageOriented(tif, t->w, t->h, px, orientation, 1)) {
        free(px);
        return EMB_E_FORMAT;
    }
    for (size_t i = 0; i < (size_t)t->w * t->h; i++) {
        out->rgb[3 * i] = (uint8_t)TIFFGetR(px[i]);
        out->rgb[3 * i + 1] = (uint8_t)TIFFGetG(px[i]);
        out->rgb[3 * i + 2] = (uint8_t)TIFFGetB(px[i]);
        if (out->alpha) out->alpha[i] = (uint8_t)TIFFGetA(px[i]);
    }
    free(px);
    return EMB_OK;
}

emb_status emb__decode_tiff(const unsigned char *b, size_t len, const char *name, emb_image *out) {
    tiff_src src = {b, len, 0, ""};
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts) return emb__fail(EMB_E_NOMEM, "%s: cannot start the TIFF decoder", name);
    TIFFOpenOptionsSetErrorHandlerExtR(opts, t_error, &src);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, t_warning, &src);
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts, (tmsize_t)EMB_IMAGE_MAX_PIXELS * 8);
    /* "rm": read, no memory mapping (we hand libtiff the bytes) */
    TIFF *tif = TIFFClientOpenExt(name, "rm", &src, t_read, t_write, t_seek, t_close, t_size, t_map, t_unmap, opts);
    TIFFOpenOptionsFree(opts);
    if (!tif) return emb__fail(EMB_E_FORMAT, "%s: corrupt TIFF: %s", name, src.msg[0] ? src.msg : "cannot read the header");
    tiff_info t;
    memset(&t, 0, sizeof t);
    uint16_t *extra = NULL;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &t.w);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &t.h);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &t.bps);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &t.spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &t.planar);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &t.fmt);
    TIFFGetFieldDefaulted(tif, TIFFTAG_EXTRASAMPLES, &t.n_extra, &extra);
    if (t.n_extra && extra) t.extra0 = extra[0];
    t.tiled = TIFFIsTiled(tif) != 0;
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &t.photometric))
        t.photometric = t.spp >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
    if (t.photometric == PHOTOMETRIC_PALETTE)
        TIFFGetField(tif, TIFFTAG_COLORMAP, &t.cmap[0], &t.cmap[1], &t.cmap[2]);
    emb_status st = emb__image_dims(name, t.w, t.h);
    if (st) goto done;
    bool direct = tiff_direct(&t);
    bool alpha = t.n_extra && (t.extra0 == EXTRASAMPLE_ASSOCALPHA || t.extra0 == EXTRASAMPLE_UNASSALPHA) &&
                 (t.photometric == PHOTOMETRIC_RGB || t.photometric <= PHOTOMETRIC_MINISBLACK || !direct);
    if ((st = emb__image_alloc(out, (int)t.w, (int)t.h, alpha, name))) goto done;
    out->src_channels = t.photometric == PHOTOMETRIC_SEPARATED ? 4 : t.photometric == PHOTOMETRIC_PALETTE ? 3
                        : t.photometric <= PHOTOMETRIC_MINISBLACK ? (alpha ? 2 : 1) : alpha ? 4 : 3;
    uint16_t orientation = ORIENTATION_TOPLEFT;
    TIFFGetFieldDefaulted(tif, TIFFTAG_ORIENTATION, &orientation);
    if (orientation < 1 || orientation > 8) orientation = ORIENTATION_TOPLEFT;
    st = direct ? tiff_read_direct(tif, &t, name, out) : tiff_read_rgba(tif, &t, name, orientation, out);
    out->orientation = orientation;
    if (st == EMB_OK) st = emb_image_orient(out);   /* upright, as Pillow opens it; orientation 1 */
    if (st == EMB_E_FORMAT)
        st = emb__fail(EMB_E_FORMAT, "%s: corrupt TIFF: %s", name, src.msg[0] ? src.msg : "cannot decode the pixels");
done:
    TIFFClose(tif);
    return st;
}

/* decode_jpeg.c - JPEG via libjpeg-turbo's TurboJPEG API to 8-bit RGB, as
 * Pillow's Image.open(f).convert("RGB"): the accurate integer DCT and fancy
 * upsampling (Pillow's defaults); Adobe CMYK / YCCK converted as Pillow's
 * "CMYK;I" -> RGB. Optional DCT scaling for large photos (--fast-decode). */
#include "io/decode.h"

#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

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

/* EXIF orientation (tag 0x0112 of IFD0 in an APP1 "Exif" segment before
 * the frame), 1..8; 1 when absent or malformed. Every offset is checked. */
static int jpeg_exif_orientation(const unsigned char *b, size_t len) {
    size_t p = 2;
    while (p + 4 <= len && b[p] == 0xff) {
        unsigned m = b[p + 1];
        if (m == 0xd8 || m == 0x01 || (m >= 0xd0 && m <= 0xd7) || m == 0xff) { p += m == 0xff ? 1 : 2; continue; }
        if (m == 0xda || m == 0xd9 || (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc)) return 1;
        size_t seg = (size_t)b[p + 2] << 8 | b[p + 3];
        if (seg < 2 || seg > len - p - 2) return 1;
        const unsigned char *e = b + p + 4;
        size_t n = seg - 2;
        if (m == 0xe1 && n >= 14 && !memcmp(e, "Exif\0\0", 6)) return emb__exif_orientation(e, n);
        p += 2 + seg;
    }
    return 1;
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

emb_status emb__decode_jpeg(const unsigned char *buf, size_t len, const char *name, int min_side, emb_image *out) {
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
    if ((st = emb__image_dims(name, w, h))) goto done;
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
    out->orientation = jpeg_exif_orientation(buf, len);
done:
    free(px);
    tjDestroy(tj);
    return st;
}


/* decode_webp.c - still WebP (lossy, lossless, with alpha) via libwebp, as
 * Pillow's convert("RGB") (which decodes with the same library); the alpha
 * plane goes to out->alpha, an EXIF chunk's orientation to out->orientation.
 * Animated WebP is refused. */
#include "io/decode.h"

#include <stdlib.h>
#include <string.h>
#include <webp/decode.h>

/* The EXIF orientation of the RIFF container's "EXIF" chunk (extended
 * format, after VP8X), 1 when none. Chunks: FourCC, little-endian size,
 * data padded to an even length. */
static int webp_exif_orientation(const unsigned char *b, size_t len) {
    for (size_t p = 12; p + 8 <= len;) {
        size_t n = (size_t)b[p + 4] | (size_t)b[p + 5] << 8 | (size_t)b[p + 6] << 16 | (size_t)b[p + 7] << 24;
        if (n > len - p - 8) return 1;
        if (!memcmp(b + p, "EXIF", 4)) return emb__exif_orientation(b + p + 8, n);
        p += 8 + n + (n & 1);
    }
    return 1;
}

emb_status emb__decode_webp(const unsigned char *buf, size_t len, const char *name, emb_image *out) {
    WebPBitstreamFeatures feat;
    if (WebPGetFeatures(buf, len, &feat) != VP8_STATUS_OK)
        return emb__fail(EMB_E_FORMAT, "%s: corrupt WebP header", name);
    if (feat.has_animation) return emb__fail(EMB_E_UNSUPPORTED, "%s: animated WebP is not supported", name);
    emb_status st = emb__image_dims(name, feat.width, feat.height);
    if (st) return st;
    size_t np = (size_t)feat.width * feat.height;
    if (!feat.has_alpha) {
        unsigned char *px = emb__malloc(np * 3, "WebP pixels");
        if (!px) return EMB_E_NOMEM;
        if (!WebPDecodeRGBInto(buf, len, px, np * 3, feat.width * 3)) {
            free(px);
            return emb__fail(EMB_E_FORMAT, "%s: corrupt WebP data", name);
        }
        out->rgb = px;
    } else {
        /* RGBA (not premultiplied), as Pillow asks libwebp for */
        unsigned char *px = emb__malloc(np * 4, "WebP pixels");
        if (!px) return EMB_E_NOMEM;
        if (!WebPDecodeRGBAInto(buf, len, px, np * 4, feat.width * 4)) {
            free(px);
            return emb__fail(EMB_E_FORMAT, "%s: corrupt WebP data", name);
        }
        st = emb__image_alloc(out, feat.width, feat.height, true, name);
        if (st == EMB_OK)
            for (size_t i = 0; i < np; i++) {
                memcpy(out->rgb + 3 * i, px + 4 * i, 3);
                out->alpha[i] = px[4 * i + 3];
            }
        free(px);
        if (st) return st;
    }
    out->w = feat.width;
    out->h = feat.height;
    out->src_channels = feat.has_alpha ? 4 : 3;
    out->orientation = webp_exif_orientation(buf, len);
    return EMB_OK;
}

/* decode_heif.c - HEIC / HEIF (the primary image) via libheif (libde265
 * behind it), converted to 8-bit interleaved RGB(A) by libheif with the
 * file's transformations (rotation, mirror, crop) applied, as pillow-heif
 * does. Pillow 9.4 itself cannot read HEIC: the tests compare with the
 * image that was encoded (see tests/test_io_formats.c).
 *
 * Size limit: libheif 1.15 limits each side, not the pixel count, and checks
 * the 'ispe' size when reading but a grid image's own output size only when
 * decoding; a 635-byte file can carry a 16x16 'ispe' and a 34438x34320 grid
 * (1.2 G pixels, 3.9 GB and 15 s before our check after the decode could
 * refuse it). So the side limit is HEIF_MAX_SIDE, whose square is
 * EMB_IMAGE_MAX_PIXELS: no decode can then ask for more pixels than any
 * other format may have. A HEIC wider or taller than that is refused. */
#include "io/decode.h"

#include <libheif/heif.h>
#include <stdlib.h>
#include <string.h>

#define HEIF_MAX_SIDE 16384
_Static_assert((long long)HEIF_MAX_SIDE * HEIF_MAX_SIDE == EMB_IMAGE_MAX_PIXELS, "HEIF side limit squared is the pixel limit");

static emb_status heif_fail(struct heif_error e, const char *name) {
    if (e.code == heif_error_Memory_allocation_error && e.subcode == heif_suberror_Security_limit_exceeded)
        return emb__fail(EMB_E_UNSUPPORTED, "%s: HEIF image larger than %d pixels on a side: %s", name, HEIF_MAX_SIDE,
                         e.message);
    return emb__fail(e.code == heif_error_Unsupported_filetype || e.code == heif_error_Unsupported_feature
                         ? EMB_E_UNSUPPORTED : EMB_E_FORMAT, "%s: corrupt HEIF: %s", name, e.message);
}

emb_status emb__decode_heif(const unsigned char *b, size_t len, const char *name, emb_image *out) {
    struct heif_context *ctx = heif_context_alloc();
    if (!ctx) return emb__fail(EMB_E_NOMEM, "%s: cannot start the HEIF decoder", name);
    struct heif_image_handle *hd = NULL;
    struct heif_image *img = NULL;
    emb_status st = EMB_OK;
    heif_context_set_maximum_image_size_limit(ctx, HEIF_MAX_SIDE);
    struct heif_error e = heif_context_read_from_memory_without_copy(ctx, b, len, NULL);
    if (e.code == heif_error_Ok) e = heif_context_get_primary_image_handle(ctx, &hd);
    if (e.code != heif_error_Ok) {
        st = heif_fail(e, name);
        goto done;
    }
    if ((st = emb__image_dims(name, heif_image_handle_get_width(hd), heif_image_handle_get_height(hd)))) goto done;
    bool alpha = heif_image_handle_has_alpha_channel(hd) != 0;
    e = heif_decode_image(hd, &img, heif_colorspace_RGB, alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB, NULL);
    if (e.code != heif_error_Ok) {
        st = heif_fail(e, name);
        goto done;
    }
    int w = heif_image_get_width(img, heif_channel_interleaved), h = heif_image_get_height(img, heif_channel_interleaved);
    int stride = 0;
    const uint8_t *p = heif_image_get_plane_readonly(img, heif_channel_interleaved, &stride);
    if (!p || (st = emb__image_dims(name, w, h))) {
        if (!st) st = emb__fail(EMB_E_FORMAT, "%s: corrupt HEIF: no pixels decoded", name);
        goto done;
    }
    if ((st = emb__image_alloc(out, w, h, alpha, name))) goto done;
    int ch = alpha ? 4 : 3;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            memcpy(out->rgb + 3 * i, p + (size_t)y * stride + ch * x, 3);
            if (alpha) out->alpha[i] = p[(size_t)y * stride + ch * x + 3];
        }
    out->src_channels = ch;
done:
    heif_image_release(img);
    heif_image_handle_release(hd);
    heif_context_free(ctx);
    return st;
}

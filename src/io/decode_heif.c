/* decode_heif.c - HEIC / HEIF (the primary image) via libheif (libde265
 * behind it), converted to 8-bit interleaved RGB(A) by libheif with the
 * file's transformations (rotation, mirror, crop) applied, as pillow-heif
 * does. Pillow 9.4 itself cannot read HEIC: the tests compare with the
 * image that was encoded (see tests/test_io_formats.c). */
#include "io/decode.h"

#include <libheif/heif.h>
#include <stdlib.h>
#include <string.h>

emb_status emb__decode_heif(const unsigned char *b, size_t len, const char *name, emb_image *out) {
    struct heif_context *ctx = heif_context_alloc();
    if (!ctx) return emb__fail(EMB_E_NOMEM, "%s: cannot start the HEIF decoder", name);
    struct heif_image_handle *hd = NULL;
    struct heif_image *img = NULL;
    emb_status st = EMB_OK;
    heif_context_set_maximum_image_size_limit(ctx, 1 << 16);
    struct heif_error e = heif_context_read_from_memory_without_copy(ctx, b, len, NULL);
    if (e.code == heif_error_Ok) e = heif_context_get_primary_image_handle(ctx, &hd);
    if (e.code != heif_error_Ok) {
        st = emb__fail(e.code == heif_error_Unsupported_filetype || e.code == heif_error_Unsupported_feature
                           ? EMB_E_UNSUPPORTED : EMB_E_FORMAT, "%s: corrupt HEIF: %s", name, e.message);
        goto done;
    }
    if ((st = emb__image_dims(name, heif_image_handle_get_width(hd), heif_image_handle_get_height(hd)))) goto done;
    bool alpha = heif_image_handle_has_alpha_channel(hd) != 0;
    e = heif_decode_image(hd, &img, heif_colorspace_RGB, alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB, NULL);
    if (e.code != heif_error_Ok) {
        st = emb__fail(EMB_E_FORMAT, "%s: corrupt HEIF: %s", name, e.message);
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

/* encode.c - PNG (libpng simplified API) and JPEG (TurboJPEG) encoders for
 * thumbnails and test images. channels: 1 (gray), 3 (RGB) or 4 (RGBA, PNG). */
#include "core/internal.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

emb_status emb_image_encode_png(const uint8_t *px, int w, int h, int channels,
                                unsigned char **out, size_t *out_len) {
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = (png_uint_32)w;
    img.height = (png_uint_32)h;
    img.format = channels == 1 ? PNG_FORMAT_GRAY : channels == 4 ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB;
    png_alloc_size_t size = 0;
    if (!png_image_write_to_memory(&img, NULL, &size, 0, px, 0, NULL))
        return emb__fail(EMB_E_INVALID, "PNG encode failed: %s", img.message);
    unsigned char *buf = emb__malloc(size, "PNG buffer");
    if (!buf) return EMB_E_NOMEM;
    if (!png_image_write_to_memory(&img, buf, &size, 0, px, 0, NULL)) {
        free(buf);
        return emb__fail(EMB_E_INVALID, "PNG encode failed: %s", img.message);
    }
    *out = buf;
    *out_len = size;
    return EMB_OK;
}

emb_status emb_image_encode_jpeg(const uint8_t *px, int w, int h, int channels,
                                 int quality, unsigned char **out, size_t *out_len) {
    if (channels != 1 && channels != 3) return emb__fail(EMB_E_INVALID, "JPEG encode: %d channels", channels);
    tjhandle tj = tjInitCompress();
    if (!tj) return emb__fail(EMB_E_NOMEM, "cannot start the JPEG encoder");
    unsigned char *buf = NULL;
    unsigned long len = 0;
    int r = tjCompress2(tj, px, w, 0, h, channels == 1 ? TJPF_GRAY : TJPF_RGB, &buf, &len,
                        channels == 1 ? TJSAMP_GRAY : TJSAMP_420, quality, 0);
    emb_status st = EMB_OK;
    if (r != 0) st = emb__fail(EMB_E_INVALID, "JPEG encode failed: %s", tjGetErrorStr2(tj));
    else {
        *out = malloc(len);
        if (!*out) st = emb__fail(EMB_E_NOMEM, "out of memory");
        else { memcpy(*out, buf, len); *out_len = len; }
    }
    tjFree(buf);
    tjDestroy(tj);
    return st;
}

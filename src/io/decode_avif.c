/* decode_avif.c - AVIF (AV1 still image, first frame of a sequence) via
 * libavif (with dav1d / libaom / libgav1 behind it), YUV -> RGB with
 * libavif's defaults (the file's matrix coefficients and range, 8 bits), as
 * pillow-avif-plugin does; alpha to out->alpha. Pillow 9.4 itself cannot read
 * AVIF: the tests compare with the image that was encoded (see
 * tests/test_io_formats.c). */
#include "io/decode.h"

#include <avif/avif.h>
#include <stdlib.h>
#include <string.h>

emb_status emb__decode_avif(const unsigned char *b, size_t len, const char *name, emb_image *out) {
    avifDecoder *dec = avifDecoderCreate();
    if (!dec) return emb__fail(EMB_E_NOMEM, "%s: cannot start the AVIF decoder", name);
    dec->maxThreads = 1;              /* the caller parallelises over files */
    /* libaom when present: dav1d (libavif's first choice) logs corrupt
     * streams to stderr, which a library must not do */
    if (avifCodecName(AVIF_CODEC_CHOICE_AOM, AVIF_CODEC_FLAG_CAN_DECODE)) dec->codecChoice = AVIF_CODEC_CHOICE_AOM;
    dec->imageSizeLimit = (uint32_t)EMB_IMAGE_MAX_PIXELS;
    dec->ignoreExif = dec->ignoreXMP = AVIF_TRUE;
    emb_status st = EMB_OK;
    avifRGBImage rgb;
    memset(&rgb, 0, sizeof rgb);
    avifResult r = avifDecoderSetIOMemory(dec, b, len);
    if (r == AVIF_RESULT_OK) r = avifDecoderParse(dec);
    if (r == AVIF_RESULT_OK) {
        if ((st = emb__image_dims(name, dec->image->width, dec->image->height))) goto done;
        r = avifDecoderNextImage(dec);
    }
    if (r != AVIF_RESULT_OK) {
        st = emb__fail(EMB_E_FORMAT, "%s: corrupt AVIF: %s", name, avifResultToString(r));
        goto done;
    }
    avifImage *im = dec->image;
    bool alpha = im->alphaPlane != NULL;
    avifRGBImageSetDefaults(&rgb, im);
    rgb.format = alpha ? AVIF_RGB_FORMAT_RGBA : AVIF_RGB_FORMAT_RGB;
    rgb.depth = 8;
    avifRGBImageAllocatePixels(&rgb);
    if (!rgb.pixels) { st = emb__fail(EMB_E_NOMEM, "%s: out of memory", name); goto done; }
    if ((r = avifImageYUVToRGB(im, &rgb)) != AVIF_RESULT_OK) {
        st = emb__fail(EMB_E_FORMAT, "%s: corrupt AVIF: %s", name, avifResultToString(r));
        goto done;
    }
    if ((st = emb__image_alloc(out, (int)im->width, (int)im->height, alpha, name))) goto done;
    int ch = alpha ? 4 : 3;
    for (uint32_t y = 0; y < im->height; y++) {
        const uint8_t *src = rgb.pixels + (size_t)y * rgb.rowBytes;
        for (uint32_t x = 0; x < im->width; x++) {
            size_t i = (size_t)y * im->width + x;
            memcpy(out->rgb + 3 * i, src + ch * x, 3);
            if (alpha) out->alpha[i] = src[ch * x + 3];
        }
    }
    out->src_channels = im->yuvFormat == AVIF_PIXEL_FORMAT_YUV400 ? (alpha ? 2 : 1) : ch;
done:
    if (rgb.pixels) avifRGBImageFreePixels(&rgb);
    avifDecoderDestroy(dec);
    return st;
}

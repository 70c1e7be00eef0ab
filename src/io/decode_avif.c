/* decode_avif.c - AVIF (AV1 still image, first frame of a sequence) via
 * libavif (with dav1d / libaom / libgav1 behind it), YUV -> RGB with
 * libavif's defaults (the file's matrix coefficients and range, 8 bits), as
 * pillow-avif-plugin does; alpha to out->alpha. The file's irot / imir
 * (rotation, mirror) are applied, as libheif applies them to a HEIC (clap,
 * the crop, is not). Pillow 9.4 itself cannot read
 * AVIF: the tests compare with the image that was encoded (see
 * tests/test_io_formats.c). */
#include "io/decode.h"

#include <avif/avif.h>
#include <stdlib.h>
#include <string.h>

/* The EXIF orientation (1..8) equal to the image's irot (angle x 90 degrees
 * anti-clockwise) then imir (mode 0: top and bottom exchanged, 1: left and
 * right), HEIF's order; the inverse of libavif's
 * avifImageExtractExifOrientationToIrotImir. */
static int avif_orientation(const avifImage *im) {
    static const int BY_ANGLE[4][3] = {   /* [angle][no mirror, mode 0, mode 1] */
        {1, 4, 2}, {8, 5, 7}, {3, 2, 4}, {6, 7, 5}};
    int angle = im->transformFlags & AVIF_TRANSFORM_IROT ? im->irot.angle & 3 : 0;
    int mirror = im->transformFlags & AVIF_TRANSFORM_IMIR ? 1 + (im->imir.mode & 1) : 0;
    return BY_ANGLE[angle][mirror];
}

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
    out->orientation = avif_orientation(im);
    st = emb_image_orient(out);   /* upright, as libheif gives HEIC; orientation 1 */
done:
    if (rgb.pixels) avifRGBImageFreePixels(&rgb);
    avifDecoderDestroy(dec);
    return st;
}

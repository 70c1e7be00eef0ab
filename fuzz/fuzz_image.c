/* fuzz_image.c - libFuzzer target for the image decoders (emb_image_decode:
 * JPEG, PNG, WebP, BMP, TIFF, GIF, PNM, AVIF, HEIC): any bytes must give an
 * RGB8 image of w x h (with an alpha plane of w x h or none) or an error
 * status naming the input. fuzz_bmp.c, fuzz_tiff.c, ... include this file
 * with FUZZ_ACCEPT set to their format's magic bytes, so that each decoder
 * gets its own corpus and time. Build and run: scripts/fuzz.sh. */
#include "embscope.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef FUZZ_ACCEPT
#define FUZZ_ACCEPT(d, n) 1
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!FUZZ_ACCEPT(data, size)) return -1;   /* -1: not added to the corpus */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    emb_image img;
    if (emb_image_decode(buf, size, "fuzz.img", &img) == EMB_OK) {
        if (img.w <= 0 || img.h <= 0 || !img.rgb) abort();
        /* read every byte (ASan checks the buffers' sizes); past 2^22
         * pixels, a tiny file claiming a huge canvas (GIF, BMP RLE), only
         * a sample, so that the decoder, not this check, is what is timed */
        size_t np = (size_t)img.w * img.h, step = np > (1u << 22) ? 4099 : 1;
        volatile unsigned sum = img.rgb[np * 3 - 1] + (img.alpha ? img.alpha[np - 1] : 0);
        for (size_t i = 0; i < np * 3; i += step) sum += img.rgb[i];
        for (size_t i = 0; img.alpha && i < np; i += step) sum += img.alpha[i];
        (void)sum;
        static const uint8_t bg[3] = {255, 0, 128};
        if (np <= (1u << 22)) emb_image_composite(&img, bg);
        else { free(img.alpha); img.alpha = NULL; }
        if (img.alpha) abort();
        /* the pixel-vector path behind it: gray + area resize */
        uint8_t *gray = np <= (1u << 22) ? malloc(np) : NULL;
        float out[8 * 8];
        if (gray) {
            emb_rgb_to_gray(img.rgb, np, gray);
            if (emb_resize_area(gray, img.w, img.h, 1, out, 8, 8) == EMB_OK)
                for (int i = 0; i < 64; i++) if (!(out[i] >= 0 && out[i] <= 1.0001f)) abort();
        }
        free(gray);
        emb_image_free(&img);
    } else if (!strstr(emb_errmsg(), "fuzz.img")) {
        abort();                                   /* every message names the file */
    } else if (strstr(emb_errmsg(), "decoder crashed on") && strstr(emb_errmsg(), "(exit status 1)")) {
        /* HEIC decodes in a child (src/io/isolate.c): a crash inside
         * libheif (not instrumented) kills it by a signal, and libFuzzer's
         * malloc limit there exits it with 71: clean errors. ASan finding a
         * bug in instrumented code (ours) exits it with ASan's status 1. */
        abort();
    }
    free(buf);
    return 0;
}

/* test_io_formats.c - BMP, TIFF, GIF and PNM decoding against Pillow, AVIF
 * and HEIC against the images encoded, alpha of every format (PNG RGBA, LA,
 * tRNS; WebP; BMP, TIFF, GIF) and its compositing, bad files.
 * ref: tests/ref/formats_pil.py (run at test time; Pillow 9.4's
 * Image.open(f).convert("RGB"), convert("RGBA")'s alpha, and
 * Image.new("RGB", size, bg).paste(rgb, mask=alpha) for the composite):
 * every file's pixels identical byte for byte, alpha identical, composite
 * identical. Pillow 9.4 cannot read AVIF or HEIC: a lossless AVIF (identity
 * matrix, 4:4:4) written with libavif must decode to the same bytes, and
 * with irot / imir (all 12 pairs) to the bytes turned as HEIF says; a HEIC
 * written with libheif/x265 at quality 90 within a mean |diff| of 4 (3.1 measured);
 * one written with irot/imir (orientation 6) comes out turned, as
 * exif_transpose would; libheif 1.15's own crash on a corrupt HEIC
 * (tests/data/corrupt/) is a clean error (the decode runs in a child).
 * EXIF orientation 1..8 in JPEG, PNG (eXIf), WebP (EXIF): emb_image_orient
 * against Pillow's ImageOps.exif_transpose (exact; JPEG within 1); TIFF's
 * tag (plain and JPEG-compressed) applied at decode as Pillow's Image.open.
 * Every truncation of every file either fails with the file's name in the
 * message or decodes to the same pixels (data past the first page/frame).
 * Exits 77 (skipped) when Pillow or numpy is missing. */
/* ctest-labels: unit */
#include "check.h"
#include "embscope.h"
#include "io/decode.h"

#include <avif/avif.h>
#include <libheif/heif.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t BG[3] = {0x33, 0x66, 0xcc};   /* formats_pil.py's BG */

/* LeakSanitizer: libx265 (the HEIC encoder this test writes with, not a
 * decoder of ours) keeps a few allocations for the process. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libx265.so\n"; }

static bool same(const uint8_t *a, const uint8_t *b, size_t n, const char *what, const char *name) {
    size_t nd = 0, first = 0;
    int worst = 0;
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) {
            if (!nd++) first = i;
            int d = abs((int)a[i] - b[i]);
            if (d > worst) worst = d;
        }
    if (nd) fprintf(stderr, "  %s %s: %zu of %zu bytes differ, max %d, first at %zu (%d vs Pillow %d)\n", name, what, nd, n,
                    worst, first, a[first], b[first]);
    return nd == 0;
}

static void check_one(const char *name, int w, int h, int has_alpha) {
    char *p = check_tmp_path(name), ref[300];
    emb_image img;
    emb_status st = emb_image_load(p, &img);
    if (!CHECK_EQ(EMB_OK, st)) { fprintf(stderr, "  %s: %s\n", name, emb_errmsg()); free(p); return; }
    size_t np = (size_t)w * h, len;
    if (CHECK(img.w == w && img.h == h)) {
        snprintf(ref, sizeof ref, "%s.rgb", p);
        uint8_t *rgb = check_read_file(ref, &len);
        if (CHECK(rgb && len == np * 3)) CHECK(same(img.rgb, rgb, np * 3, "RGB", name));
        free(rgb);
        if (has_alpha) {
            snprintf(ref, sizeof ref, "%s.a", p);
            uint8_t *a = check_read_file(ref, &len);
            if (!CHECK(img.alpha != NULL)) fprintf(stderr, "  %s: no alpha decoded\n", name);
            else if (CHECK(a && len == np)) CHECK(same(img.alpha, a, np, "alpha", name));
            free(a);
            snprintf(ref, sizeof ref, "%s.comp", p);
            uint8_t *comp = check_read_file(ref, &len);
            emb_image_composite(&img, BG);
            CHECK(img.alpha == NULL);
            if (CHECK(comp && len == np * 3)) CHECK(same(img.rgb, comp, np * 3, "composite", name));
            free(comp);
        } else if (!CHECK(!emb_image_has_transparency(&img))) {
            fprintf(stderr, "  %s: transparency where Pillow sees none\n", name);
        }
    }
    /* every truncation: an error naming the file, or the same pixels */
    void *buf = check_read_file(p, &len);
    emb_image full, m;
    size_t bad = 0;
    if (CHECK(emb_image_decode(buf, len, name, &full) == EMB_OK)) {
        for (size_t cut = 0; cut < len; cut += len / 60 + 1) {
            if (emb_image_decode(buf, cut, name, &m) == EMB_OK) {
                bad += !(m.w == full.w && m.h == full.h && !memcmp(m.rgb, full.rgb, np * 3));
                emb_image_free(&m);
            } else if (!strstr(emb_errmsg(), name)) bad++;
        }
        emb_image_free(&full);
    }
    if (!CHECK_EQ(0, bad)) fprintf(stderr, "  %s: %zu truncations decoded wrongly or gave no name\n", name, bad);
    free(buf);
    emb_image_free(&img);
    free(p);
}

/* An image with EXIF orientation o (JPEG APP1, PNG eXIf, WebP EXIF): as
 * stored, then emb_image_orient against Pillow's ImageOps.exif_transpose
 * (JPEG: the same libjpeg-turbo, within 1; else exact). TIFF (tag 274):
 * decoded upright with orientation 1, as Pillow 9.4's Image.open gives it. */
static void check_orient(const char *name, int w, int h, int w0, int h0) {
    char *p = check_tmp_path(name), ref[300];
    emb_image img;
    size_t len;
    if (!CHECK(emb_image_load(p, &img) == EMB_OK)) { free(p); return; }
    CHECK(img.w == w0 && img.h == h0);
    int o = strstr(name, ".tif") ? 1 : name[4] - '0';   /* TIFF: applied by the decoder, as Pillow opens it */
    CHECK_EQ(o, img.orientation);
    CHECK(emb_image_orient(&img) == EMB_OK);
    CHECK(img.orientation == 1);
    snprintf(ref, sizeof ref, "%s.orient", p);
    uint8_t *want = check_read_file(ref, &len);
    if (CHECK(img.w == w && img.h == h && want && len == (size_t)w * h * 3)) {
        int worst = 0, tol = strstr(name, "jpg") || strstr(name, "jpeg") ? 1 : 0;   /* lossless formats: exact */
        for (size_t i = 0; i < len; i++) if (abs(want[i] - img.rgb[i]) > worst) worst = abs(want[i] - img.rgb[i]);
        if (!CHECK(worst <= tol)) fprintf(stderr, "  %s: oriented pixels differ from exif_transpose by %d\n", name, worst);
    }
    free(want);
    emb_image_free(&img);
    free(p);
}

static void test_vs_pil(void) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s -c 'import numpy, PIL' 2>/dev/null", check_python());
    if (system(cmd) != 0) {
        fprintf(stderr, "SKIP: %s has no numpy/PIL (Debian python3-numpy python3-pil)\n", check_python());
        exit(77);
    }
    snprintf(cmd, sizeof cmd, "%s '%s/formats_pil.py' '%s'", check_python(), TEST_REF, check_tmpdir());
    int status;
    char *out = check_run(cmd, &status);
    if (!CHECK(out && status == 0)) { fprintf(stderr, "%s\n", out ? out : ""); free(out); return; }
    int n = 0, seen[5] = {0}, n_orient = 0;
    for (char *line = out; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        char name[128], mode[16];
        int w, h, a;
        int w0, h0;
        if (!strncmp(line, "versions:", 9)) fprintf(stderr, "ref %s\n", line);
        else if (sscanf(line, "orient %127s %d %d %d %d", name, &w, &h, &w0, &h0) == 5) { check_orient(name, w, h, w0, h0); n_orient++; }
        else if (sscanf(line, "%127s %d %d %15s %d", name, &w, &h, mode, &a) == 5) {
            check_one(name, w, h, a);
            n++;
            const char *ext = strrchr(name, '.');
            seen[0] += !strcmp(ext, ".bmp");
            seen[1] += !strcmp(ext, ".tif");
            seen[2] += !strcmp(ext, ".gif");
            seen[3] += !strcmp(ext, ".pbm") || !strcmp(ext, ".pgm") || !strcmp(ext, ".ppm");
            seen[4] += !strcmp(ext, ".png") || !strcmp(ext, ".webp");
        }
        line = nl ? nl + 1 : NULL;
    }
    fprintf(stderr, "compared %d files with Pillow (%d BMP, %d TIFF, %d GIF, %d PNM, %d PNG/WebP with alpha)\n", n, seen[0],
            seen[1], seen[2], seen[3], seen[4]);
    CHECK_EQ(8 * 5, n_orient);   /* JPEG, PNG, WebP, TIFF, JPEG-in-TIFF */
    CHECK(seen[0] >= 20 && seen[1] >= 20 && seen[2] >= 5 && seen[3] >= 8 && seen[4] >= 5);
    free(out);
}

/* A smooth test picture (lossy codecs' friend) with an alpha ramp. */
static void picture(uint8_t *px, int w, int h, int ch) {
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *p = px + ((size_t)y * w + x) * ch;
            p[0] = (uint8_t)(x * 255 / (w - 1));
            p[1] = (uint8_t)(y * 255 / (h - 1));
            p[2] = (uint8_t)(128 + 100 * sin(x * 0.2 + y * 0.1));
            if (ch == 4) p[3] = (uint8_t)(x < w / 4 ? 0 : x * 255 / (w - 1));
        }
}

/* HEIF's transformations done plainly on an RGB image (w, h): irot turns
 * angle x 90 degrees anti-clockwise, then imir mode 0 exchanges top and
 * bottom, mode 1 left and right (ISO/IEC 23008-12 6.5.10, 6.5.12). *w, *h
 * become the result's size. */
static void heif_transform(const uint8_t *src, int *w, int *h, int angle, int mirror, uint8_t *dst) {
    int W = *w, H = *h;
    uint8_t tmp[64 * 64 * 3];
    memcpy(tmp, src, (size_t)W * H * 3);
    for (int a = 0; a < angle; a++) {   /* (x, y) -> (y, W-1-x) in the H x W result */
        uint8_t t2[64 * 64 * 3];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) memcpy(t2 + 3 * ((size_t)(W - 1 - x) * H + y), tmp + 3 * ((size_t)y * W + x), 3);
        memcpy(tmp, t2, (size_t)W * H * 3);
        int t = W; W = H; H = t;
    }
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int sx = mirror == 2 ? W - 1 - x : x, sy = mirror == 1 ? H - 1 - y : y;   /* mirror: 0 none, 1 mode 0, 2 mode 1 */
            memcpy(dst + 3 * ((size_t)y * W + x), tmp + 3 * ((size_t)sy * W + sx), 3);
        }
    *w = W;
    *h = H;
}

/* A lossless AVIF written with every irot x imir combination: decoded
 * upright (the transformations applied, as libheif applies a HEIC's),
 * exactly as heif_transform turns the picture. */
static void avif_transformed(avifImage *im, const uint8_t *px, int w, int h) {
    int bad = 0;
    for (int angle = 0; angle < 4; angle++)
        for (int mirror = 0; mirror < 3; mirror++) {
            im->transformFlags = (angle ? AVIF_TRANSFORM_IROT : 0) | (mirror ? AVIF_TRANSFORM_IMIR : 0);
            im->irot.angle = (uint8_t)angle;
            im->imir.mode = (uint8_t)(mirror == 2);
            avifEncoder *enc = avifEncoderCreate();
            enc->minQuantizer = enc->maxQuantizer = AVIF_QUANTIZER_LOSSLESS;
            enc->speed = AVIF_SPEED_FASTEST;
            avifRWData data = AVIF_DATA_EMPTY;
            emb_image img;
            uint8_t want[64 * 64 * 3];
            int ww = w, wh = h;
            heif_transform(px, &ww, &wh, angle, mirror, want);
            if (avifEncoderWrite(enc, im, &data) != AVIF_RESULT_OK) bad++;
            else if (emb_image_decode(data.data, data.size, "turned.avif", &img) != EMB_OK) bad++;
            else {
                if (img.w != ww || img.h != wh || img.orientation > 1 || memcmp(img.rgb, want, (size_t)ww * wh * 3)) {
                    bad++;
                    fprintf(stderr, "  turned.avif irot %d imir %d: %dx%d, not as turned\n", angle, mirror - 1, img.w, img.h);
                }
                emb_image_free(&img);
            }
            avifRWDataFree(&data);
            avifEncoderDestroy(enc);
        }
    im->transformFlags = 0;
    CHECK_EQ(0, bad);
}

static void test_avif(void) {
    enum { W = 40, H = 24 };
    for (int ch = 3; ch <= 4; ch++) {
        uint8_t px[W * H * 4];
        picture(px, W, H, ch);
        avifImage *im = avifImageCreate(W, H, 8, AVIF_PIXEL_FORMAT_YUV444);
        im->matrixCoefficients = AVIF_MATRIX_COEFFICIENTS_IDENTITY;   /* lossless: Y = G, U = B, V = R */
        im->yuvRange = AVIF_RANGE_FULL;
        avifRGBImage rgb;
        avifRGBImageSetDefaults(&rgb, im);
        rgb.format = ch == 4 ? AVIF_RGB_FORMAT_RGBA : AVIF_RGB_FORMAT_RGB;
        rgb.depth = 8;
        rgb.pixels = px;
        rgb.rowBytes = W * ch;
        CHECK(avifImageRGBToYUV(im, &rgb) == AVIF_RESULT_OK);
        avifEncoder *enc = avifEncoderCreate();
        enc->minQuantizer = enc->maxQuantizer = AVIF_QUANTIZER_LOSSLESS;
        enc->minQuantizerAlpha = enc->maxQuantizerAlpha = AVIF_QUANTIZER_LOSSLESS;
        enc->speed = AVIF_SPEED_FASTEST;
        avifRWData data = AVIF_DATA_EMPTY;
        avifResult r = avifEncoderWrite(enc, im, &data);
        if (!CHECK(r == AVIF_RESULT_OK)) fprintf(stderr, "  avif encode: %s\n", avifResultToString(r));
        emb_image img;
        if (r == AVIF_RESULT_OK && CHECK(emb_image_decode(data.data, data.size, "lossless.avif", &img) == EMB_OK)) {
            CHECK(img.w == W && img.h == H);
            uint8_t want[W * H * 3], alpha[W * H];
            for (int i = 0; i < W * H; i++) {
                memcpy(want + 3 * i, px + ch * i, 3);
                alpha[i] = ch == 4 ? px[4 * i + 3] : 255;
            }
            CHECK(same(img.rgb, want, sizeof want, "RGB", "lossless.avif"));
            if (ch == 4 && CHECK(img.alpha != NULL)) CHECK(same(img.alpha, alpha, sizeof alpha, "alpha", "lossless.avif"));
            if (ch == 3) CHECK(img.alpha == NULL);
            if (ch == 3) avif_transformed(im, want, W, H);
            emb_image_free(&img);
            size_t bad = 0;
            for (size_t cut = 0; cut < data.size; cut += data.size / 30 + 1)
                if (emb_image_decode(data.data, cut, "cut.avif", &img) == EMB_OK) { bad++; emb_image_free(&img); }
                else bad += !strstr(emb_errmsg(), "cut.avif");
            CHECK_EQ(0, bad);
        }
        avifRWDataFree(&data);
        avifEncoderDestroy(enc);
        avifImageDestroy(im);
    }
}

static struct heif_error heif_write_cb(struct heif_context *ctx, const void *data, size_t size, void *user) {
    (void)ctx;
    avifRWData *d = user;   /* a growable byte buffer we already have */
    avifRWDataRealloc(d, d->size + size);
    memcpy(d->data + d->size - size, data, size);
    struct heif_error ok = {heif_error_Ok, heif_suberror_Unspecified, "ok"};
    return ok;
}

/* A HEIC on which libheif 1.15 itself segfaulted (found by fuzz_heif, kept
 * in fuzz/crashes/heif/) after 2-3 s of writing memory for a 26725x27000
 * grid: decoded in a child process (src/io/isolate.c), it must give a clean
 * error naming the file, and the process goes on; decode_heif.c's side
 * limit now refuses it before the decode (isolated_crash below keeps the
 * crash path tested). Then 12 decodes at once on OpenMP threads, the good
 * file (good, n: its pixels are want) and one of the bad file: each gets
 * its own answer. */
static void heic_isolation(const uint8_t *good, size_t n, const emb_image *want) {
    const char *path = TEST_DATA "/corrupt/libheif115-segv.heic";
    size_t blen;
    uint8_t *bad = check_read_file(path, &blen);
    if (!CHECK(bad != NULL)) return;
    emb_image img;
    emb_status st = emb_image_load(path, &img);
    CHECK(st != EMB_OK);   /* decode_heif.c's side limit refuses it before libheif 1.15 can die on it */
    if (st) {
        fprintf(stderr, "  libheif115-segv.heic: %s\n", emb_errmsg());
        CHECK_CONTAINS(emb_errmsg(), path);
    }
    CHECK(img.rgb == NULL && img.alpha == NULL);
    /* Under AddressSanitizer the decodes run one at a time: GCC 12's libasan
     * does not lock its allocator around fork(), so a child forked while
     * another thread is inside malloc or free can wait forever on that lock.
     * Seen in CI on the ASan build only: the loop waited out
     * ISOLATE_TIMEOUT_S and one of the 12 answers was wrong; rerun by hand,
     * one run of three also waited 120 s. glibc's malloc takes its locks
     * across fork(), so the other builds keep the 4 threads. */
#if defined(__SANITIZE_ADDRESS__)
    const int decode_threads = 1;
#else
    const int decode_threads = 4;
#endif
    int wrong = 0;
    #pragma omp parallel for num_threads(decode_threads) reduction(+ : wrong)
    for (int k = 0; k < 12; k++) {
        emb_image im;
        int w = 0;
        if (k == 5) {
            w = emb_image_decode(bad, blen, "bad.heic", &im) == EMB_OK || !strstr(emb_errmsg(), "bad.heic");
        } else if (emb_image_decode(good, n, "good.heic", &im) == EMB_OK) {
            w = im.w != want->w || im.h != want->h || memcmp(im.rgb, want->rgb, (size_t)im.w * im.h * 3);
            emb_image_free(&im);
        } else {
            w = 1;
        }
        if (w) fprintf(stderr, "  decode %d of 12 (%s): %s\n", k, k == 5 ? "bad.heic" : "good.heic", emb_errmsg());
        wrong += w;
    }
    CHECK_EQ(0, wrong);
    free(bad);
}

/* A decoder that dies by a signal in the child (as libheif 1.15 does on
 * fuzz/crashes/heif/, which the side limit now refuses first): the caller
 * gets EMB_E_FORMAT naming the format, the file and the signal, no pixels,
 * and goes on. */
static emb_status crashing_decoder(const unsigned char *b, size_t len, const char *name, emb_image *out) {
    (void)b, (void)len, (void)name, (void)out;
    raise(SIGSEGV);
    return EMB_OK;
}

static void isolated_crash(void) {
    static const unsigned char bytes[16] = {0};
    emb_image img;
    emb_status st = emb__decode_isolated(crashing_decoder, "TEST", bytes, sizeof bytes, "crash.bin", &img);
    CHECK_EQ(EMB_E_FORMAT, st);
    CHECK_CONTAINS(emb_errmsg(), "TEST decoder crashed on crash.bin");
    CHECK(img.rgb == NULL && img.alpha == NULL);
    fprintf(stderr, "  crashing decoder: %s\n", emb_errmsg());
}

/* fuzz_heif's find: 635 bytes whose primary item is a grid with a 16x16
 * 'ispe' but a 34438x34320 output. libheif 1.15 checks the grid's size only
 * when decoding, and its limit is per side: with the old limit (65536) the
 * decode wrote 1.2 G pixels (3.9 GB) before our own size check saw them.
 * The side limit of 16384 (whose square is EMB_IMAGE_MAX_PIXELS) must
 * refuse it as too large, naming the file, with no pixels kept. */
static void heic_grid_too_large(void) {
    const char *path = TEST_DATA "/corrupt/heif-grid-34438x34320.heic";
    emb_image img;
    emb_status st = emb_image_load(path, &img);
    CHECK_EQ(EMB_E_UNSUPPORTED, st);
    if (st) {
        fprintf(stderr, "  heif-grid-34438x34320.heic: %s\n", emb_errmsg());
        CHECK_CONTAINS(emb_errmsg(), path);
        CHECK_CONTAINS(emb_errmsg(), "larger than 16384 pixels on a side");
    }
    CHECK(img.rgb == NULL && img.alpha == NULL);
}

/* A HEIC written with libheif's image_orientation 6 (irot + imir boxes):
 * libheif applies them at decode, so the image comes out upright (48 x 64),
 * as ImageOps.exif_transpose would turn the picture for orientation 6 (our
 * emb_image_orient, tested against Pillow above), with orientation 1. */
static void heic_transformed(struct heif_image *im, struct heif_encoder *enc, const uint8_t *px, int w, int h) {
    struct heif_context *ctx = heif_context_alloc();   /* its own file: this image is the primary one */
    struct heif_encoding_options *opt = heif_encoding_options_alloc();
    opt->image_orientation = heif_orientation_rotate_90_cw;
    CHECK(heif_context_encode_image(ctx, im, enc, opt, NULL).code == heif_error_Ok);
    heif_encoding_options_free(opt);
    struct heif_writer wr = {1, heif_write_cb};
    avifRWData data = AVIF_DATA_EMPTY;
    CHECK(heif_context_write(ctx, &wr, &data).code == heif_error_Ok);
    emb_image got, want;
    memset(&want, 0, sizeof want);
    if (CHECK(emb_image_decode(data.data, data.size, "rot.heic", &got) == EMB_OK)) {
        CHECK(got.w == h && got.h == w && got.orientation <= 1);
        want.w = w;
        want.h = h;
        want.rgb = malloc((size_t)w * h * 3);
        want.alpha = NULL;
        want.orientation = 6;
        memcpy(want.rgb, px, (size_t)w * h * 3);
        if (CHECK(emb_image_orient(&want) == EMB_OK) && got.w == want.w && got.h == want.h) {
            double sum = 0;
            for (size_t i = 0; i < (size_t)w * h * 3; i++) sum += fabs((double)got.rgb[i] - want.rgb[i]);
            fprintf(stderr, "  rot.heic (irot/imir of orientation 6): mean |diff| %.2f to the turned picture\n", sum / (w * h * 3));
            CHECK(sum / (w * h * 3) < 4.0);
        }
        emb_image_free(&want);
        emb_image_free(&got);
    }
    avifRWDataFree(&data);
    heif_context_free(ctx);
}

static void test_heic(void) {
    enum { W = 64, H = 48 };
    for (int ch = 3; ch <= 4; ch++) {
        struct heif_context *ctx = heif_context_alloc();
        struct heif_encoder *enc = NULL;
        if (heif_context_get_encoder_for_format(ctx, heif_compression_HEVC, &enc).code != heif_error_Ok) {
            fprintf(stderr, "SKIP part: libheif has no HEVC encoder here; HEIC decoding untested\n");
            heif_context_free(ctx);
            return;
        }
        heif_encoder_set_lossy_quality(enc, 90);
        struct heif_image *im = NULL;
        heif_image_create(W, H, heif_colorspace_RGB, ch == 4 ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB, &im);
        heif_image_add_plane(im, heif_channel_interleaved, W, H, 8);
        int stride;
        uint8_t *plane = heif_image_get_plane(im, heif_channel_interleaved, &stride);
        uint8_t px[W * H * 4];
        picture(px, W, H, ch);
        for (int y = 0; y < H; y++) memcpy(plane + (size_t)y * stride, px + (size_t)y * W * ch, (size_t)W * ch);
        CHECK(heif_context_encode_image(ctx, im, enc, NULL, NULL).code == heif_error_Ok);
        struct heif_writer wr = {1, heif_write_cb};
        avifRWData data = AVIF_DATA_EMPTY;
        CHECK(heif_context_write(ctx, &wr, &data).code == heif_error_Ok);
        emb_image img;
        if (CHECK(emb_image_decode(data.data, data.size, "q90.heic", &img) == EMB_OK)) {
            CHECK(img.w == W && img.h == H);
            double sum = 0, asum = 0;
            for (int i = 0; i < W * H; i++) {
                for (int c = 0; c < 3; c++) sum += fabs((double)img.rgb[3 * i + c] - px[ch * i + c]);
                if (ch == 4 && img.alpha) asum += fabs((double)img.alpha[i] - px[4 * i + 3]);
            }
            double mad = sum / (W * H * 3);
            fprintf(stderr, "  q90.heic (%s): mean |diff| %.2f\n", ch == 4 ? "RGBA" : "RGB", mad);
            CHECK(mad < 4.0);
            if (ch == 4) CHECK(img.alpha != NULL && asum / (W * H) < 4.0);
            if (ch == 3) heic_isolation(data.data, data.size, &img);
            if (ch == 3) heic_grid_too_large();
            if (ch == 3) isolated_crash();
            if (ch == 3) heic_transformed(im, enc, px, W, H);
            emb_image_free(&img);
            size_t bad = 0;
            for (size_t cut = 0; cut < data.size; cut += data.size / 30 + 1)
                if (emb_image_decode(data.data, cut, "cut.heic", &img) == EMB_OK) { bad++; emb_image_free(&img); }
                else bad += !strstr(emb_errmsg(), "cut.heic");
            CHECK_EQ(0, bad);
        }
        avifRWDataFree(&data);
        heif_image_release(im);
        heif_encoder_release(enc);
        heif_context_free(ctx);
    }
}

static void expect_bad(const char *name, const void *data, size_t len, emb_status want) {
    emb_image img;
    emb_status st = emb_image_decode(data, len, name, &img);
    if (!CHECK_EQ(want, st)) fprintf(stderr, "  %s: %s\n", name, st ? emb_errmsg() : "decoded");
    if (st) CHECK_CONTAINS(emb_errmsg(), name);
    CHECK(img.rgb == NULL && img.alpha == NULL);
    emb_image_free(&img);
}

static void put32(uint8_t *p, uint32_t v) { for (int k = 0; k < 4; k++) p[k] = (uint8_t)(v >> 8 * k); }

static void test_bad(void) {
    /* a valid 2x2 24-bit BMP, then lies about it */
    uint8_t bmp[14 + 40 + 16] = {'B', 'M'};
    put32(bmp + 2, sizeof bmp);
    put32(bmp + 10, 54);
    put32(bmp + 14, 40);
    put32(bmp + 18, 2);
    put32(bmp + 22, 2);
    bmp[26] = 1;
    bmp[28] = 24;
    emb_image img;
    CHECK(emb_image_decode(bmp, sizeof bmp, "ok.bmp", &img) == EMB_OK);
    emb_image_free(&img);
    uint8_t b2[sizeof bmp];
    memcpy(b2, bmp, sizeof bmp); put32(b2 + 18, 1u << 30); put32(b2 + 22, 1u << 30);
    expect_bad("huge.bmp", b2, sizeof b2, EMB_E_UNSUPPORTED);
    memcpy(b2, bmp, sizeof bmp); put32(b2 + 18, 3);
    expect_bad("short_rows.bmp", b2, sizeof b2, EMB_E_FORMAT);
    memcpy(b2, bmp, sizeof bmp); put32(b2 + 10, 0xfffffff0u);
    expect_bad("offset.bmp", b2, sizeof b2, EMB_E_FORMAT);
    memcpy(b2, bmp, sizeof bmp); put32(b2 + 14, 41);
    expect_bad("header_size.bmp", b2, sizeof b2, EMB_E_FORMAT);
    memcpy(b2, bmp, sizeof bmp); b2[28] = 8; put32(b2 + 46, 300);
    expect_bad("palette.bmp", b2, sizeof b2, EMB_E_FORMAT);
    memcpy(b2, bmp, sizeof bmp); b2[28] = 7;
    expect_bad("bits.bmp", b2, sizeof b2, EMB_E_FORMAT);
    memcpy(b2, bmp, sizeof bmp); put32(b2 + 18, 0);
    expect_bad("zero_width.bmp", b2, sizeof b2, EMB_E_FORMAT);
    memcpy(b2, bmp, sizeof bmp); b2[28] = 8; put32(b2 + 30, 1); put32(b2 + 46, 1);   /* RLE8 that never ends */
    put32(b2 + 10, 58);
    expect_bad("rle_short.bmp", b2, sizeof b2, EMB_E_FORMAT);
    memcpy(b2 + 58, "\x02\x07\x00\x01", 4);                                        /* a row, then end of bitmap */
    expect_bad("rle_early_end.bmp", b2, sizeof b2, EMB_E_FORMAT);
    expect_bad("bm_only.bmp", "BM", 2, EMB_E_FORMAT);
    const char *pnm[] = {"P6\n2 2\n0\n\0\0\0\0\0\0\0\0\0\0\0\0", "P5 2 2 255\n\1\2\3", "P2 2 1 10\n5 11\n",
                         "P3 1 1 255\n1 2\n", "P1 2 2\n0 1 2 0\n", "P6 99999999999 1 255\n", "P4 8 2\n\1"};
    for (size_t k = 0; k < sizeof pnm / sizeof pnm[0]; k++) {
        char name[32];
        snprintf(name, sizeof name, "bad%zu.pnm", k);
        size_t len = k == 0 ? 20 : strlen(pnm[k]);
        expect_bad(name, pnm[k], len, EMB_E_FORMAT);
    }
    expect_bad("garbage.tif", "II*\0\x08\0\0\0\xff\xff", 10, EMB_E_FORMAT);
    expect_bad("garbage.gif", "GIF89a\x02\0\x02\0\0\0\0,junk", 17, EMB_E_FORMAT);
    expect_bad("garbage.avif", "\0\0\0\x18" "ftypavif\0\0\0\0avifmif1", 24, EMB_E_FORMAT);
    expect_bad("garbage.heic", "\0\0\0\x18" "ftypheic\0\0\0\0heicmif1", 24, EMB_E_FORMAT);
    expect_bad("text.bmp", "hello", 5, EMB_E_FORMAT);
}

/* The same icon at 64 and 40 px, with different junk under its transparent
 * pixels: composited over white, their 16x16 gray vectors agree (cosine >
 * 0.99); with alpha dropped (as convert("RGB") does) they do not. */
static double icon_cosine(bool composite) {
    float v[2][16 * 16];
    for (int k = 0; k < 2; k++) {
        int s = k ? 40 : 64;
        uint8_t *px = malloc((size_t)s * s * 4), *gray = malloc((size_t)s * s);
        uint32_t seed = 12345u + 777u * k;
        for (int y = 0; y < s; y++)
            for (int x = 0; x < s; x++) {
                uint8_t *p = px + ((size_t)y * s + x) * 4;
                double dx = (x + 0.5) / s - 0.5, dy = (y + 0.5) / s - 0.5, r = sqrt(dx * dx + dy * dy);
                bool in = r < 0.3 && !(fabs(dx) < 0.08 && dy < 0.1);   /* a ring with a notch */
                seed = seed * 1664525u + 1013904223u;
                /* junk under the transparent pixels: dark at 64 px, light at 40 */
                uint8_t junk = (uint8_t)(k ? 160 + (seed >> 27) : (seed >> 27));
                p[0] = in ? 200 : junk;
                p[1] = in ? 30 : (uint8_t)(junk ^ 16);
                p[2] = in ? 40 : junk;
                p[3] = in ? 255 : 0;
            }
        unsigned char *png = NULL;
        size_t len = 0;
        CHECK(emb_image_encode_png(px, s, s, 4, &png, &len) == EMB_OK);
        emb_image img;
        if (CHECK(png && emb_image_decode(png, len, "icon.png", &img) == EMB_OK)) {
            CHECK(emb_image_has_transparency(&img));
            uint8_t white[3] = {255, 255, 255};
            if (composite) emb_image_composite(&img, white);
            emb_rgb_to_gray(img.rgb, (size_t)s * s, gray);
            CHECK(emb_resize_area(gray, s, s, 1, v[k], 16, 16) == EMB_OK);
            emb_image_free(&img);
        }
        free(png);
        free(px);
        free(gray);
    }
    double dot = 0, n0 = 0, n1 = 0;
    for (int i = 0; i < 256; i++) { dot += v[0][i] * v[1][i]; n0 += v[0][i] * v[0][i]; n1 += v[1][i] * v[1][i]; }
    return dot / sqrt(n0 * n1);
}

static void test_icon(void) {
    double with = icon_cosine(true), without = icon_cosine(false);
    fprintf(stderr, "icon 64 px vs 40 px: cosine %.4f composited over white, %.4f with alpha dropped\n", with, without);
    CHECK(with > 0.99);
    CHECK(without < 0.95);
    uint8_t c[3];
    CHECK(emb_color_parse("#3366cc", c) == EMB_OK && c[0] == 0x33 && c[1] == 0x66 && c[2] == 0xcc);
    CHECK(emb_color_parse("black", c) == EMB_OK && c[0] == 0 && c[2] == 0);
    CHECK(emb_color_parse("#12345", c) == EMB_E_INVALID);
    CHECK(emb_color_parse("blue-ish", c) == EMB_E_INVALID);
}

int main(void) {
    test_bad();
    test_icon();
    test_avif();
    test_heic();
    test_vs_pil();
    return check_exit();
}

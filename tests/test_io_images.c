/* test_io_images.c - image decoding against PIL and the area resize against
 * numpy.
 * ref: tests/ref/images_pil.py (PIL's Image.open(f).convert("RGB"), run at
 * test time): PNG and lossless WebP identical byte for byte, JPEG within +-1
 * per channel; the area resize against numpy (np.kron upsample by
 * out/gcd(in, out), then the mean of blocks of in/gcd(in, out), in float64).
 * Bad input (truncated JPEG/PNG/WebP, text named .png, zero bytes) gives
 * EMB_E_FORMAT with the path in the message. */
/* ctest-labels: unit
 * ctest-levels: all */
#include "check.h"
#include "embscope.h"
#include "features/features.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    int tol;            /* max abs difference per channel from PIL */
    int src_channels;   /* emb_image.src_channels expected */
} image_case;

static const image_case CASES[] = {
    {"rgb.png", 0, 3}, {"rgba.png", 0, 4}, {"gray.png", 0, 1}, {"gray_alpha.png", 0, 2},
    {"gray1.png", 0, 1}, {"palette.png", 0, 3}, {"palette4.png", 0, 3},
    {"palette_trns.png", 0, 3}, {"palette_trns_all.png", 0, 3}, {"rgb_trns.png", 0, 3},
    {"rgb16.png", 0, 3}, {"rgba16.png", 0, 4}, {"gray16.png", 0, 1},
    {"rgb.jpg", 1, 3}, {"rgb444.jpg", 1, 3}, {"rgb422.jpg", 1, 3}, {"progressive.jpg", 1, 3},
    {"gray.jpg", 1, 1}, {"cmyk.jpg", 1, 4},
    {"lossless.webp", 0, 3}, {"lossless_rgba.webp", 0, 4},
    /* lossy WebP: libwebp on both sides, but PIL decodes to RGBA/RGB through
     * its own path; the same library gives the same pixels */
    {"lossy.webp", 0, 3},
};

static void test_decode_vs_pil(void) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s '%s/images_pil.py' '%s'", check_python(), TEST_REF, check_tmpdir());
    int status;
    char *out = check_run(cmd, &status);
    if (!CHECK(out && status == 0)) { fprintf(stderr, "%s\n", out ? out : ""); free(out); return; }
    char *v = strstr(out, "versions:");
    if (v) fprintf(stderr, "ref %s", v);
    for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++) {
        const image_case *c = &CASES[k];
        char *p = check_tmp_path(c->name), ref_name[256];
        snprintf(ref_name, sizeof ref_name, "%s.rgb", c->name);
        char *rp = check_tmp_path(ref_name);
        int w = 0, h = 0;
        char *line = strstr(out, c->name);
        CHECK(line && sscanf(line + strlen(c->name), " %d %d", &w, &h) == 2);
        size_t rlen;
        uint8_t *ref = check_read_file(rp, &rlen);
        emb_image img;
        emb_status st = emb_image_load(p, &img);
        if (!CHECK_EQ(EMB_OK, st)) fprintf(stderr, "  %s: %s\n", c->name, emb_errmsg());
        if (st == EMB_OK && CHECK(ref && rlen == (size_t)w * h * 3)) {
            CHECK_EQ(w, img.w);
            CHECK_EQ(h, img.h);
            if (!CHECK_EQ(c->src_channels, img.src_channels)) fprintf(stderr, "  in %s\n", c->name);
            if (img.w == w && img.h == h) {
                int worst = 0;
                size_t n_diff = 0;
                for (size_t i = 0; i < rlen; i++) {
                    int d = abs((int)img.rgb[i] - ref[i]);
                    if (d > worst) worst = d;
                    n_diff += d != 0;
                }
                if (!CHECK(worst <= c->tol))
                    fprintf(stderr, "  %s: max diff %d (allowed %d), %zu of %zu bytes differ\n", c->name, worst, c->tol, n_diff, rlen);
            }
        }
        /* the same bytes from memory (the path the fuzzer takes) */
        size_t len;
        void *buf = check_read_file(p, &len);
        emb_image m;
        if (st == EMB_OK && CHECK(emb_image_decode(buf, len, c->name, &m) == EMB_OK)) {
            CHECK(m.w == img.w && m.h == img.h && !memcmp(m.rgb, img.rgb, (size_t)m.w * m.h * 3));
            emb_image_free(&m);
        }
        /* every truncation of the file: never a crash, never OK with garbage */
        if (st == EMB_OK) {
            size_t bad = 0;
            /* a PNG cut inside its IEND chunk still holds the whole image */
            size_t end = strstr(c->name, ".png") ? len - 12 : len;
            for (size_t cut = 0; cut < end; cut += (len / 40) + 1) {
                emb_status s2 = emb_image_decode(buf, cut, c->name, &m);
                if (s2 == EMB_OK) { bad++; emb_image_free(&m); }
                else if (!strstr(emb_errmsg(), c->name)) bad++;
            }
            if (!CHECK_EQ(0, bad)) fprintf(stderr, "  %s: %zu truncations decoded or gave no name\n", c->name, bad);
        }
        free(buf);
        emb_image_free(&img);
        free(ref);
        free(p);
        free(rp);
    }
    free(out);
}

static void expect_format(const char *name, const void *data, size_t len) {
    char *p = check_tmp_path(name);
    CHECK(check_write_file(p, data, len));
    emb_image img;
    emb_status st = emb_image_load(p, &img);
    if (!CHECK_EQ(EMB_E_FORMAT, st)) fprintf(stderr, "  %s: %s\n", name, emb_errmsg());
    CHECK_CONTAINS(emb_errmsg(), p);
    CHECK(img.rgb == NULL);
    emb_image_free(&img);
    free(p);
}

static void test_bad(void) {
    /* a real JPEG cut in half, made by embscope's own encoder */
    enum { W = 64, H = 48 };
    uint8_t px[W * H * 3];
    for (int i = 0; i < W * H * 3; i++) px[i] = (uint8_t)(i * 31 + (i >> 7));
    unsigned char *jpg = NULL, *png = NULL;
    size_t jlen = 0, plen = 0;
    CHECK(emb_image_encode_jpeg(px, W, H, 3, 90, &jpg, &jlen) == EMB_OK);
    CHECK(emb_image_encode_png(px, W, H, 3, &png, &plen) == EMB_OK);
    emb_image img;
    if (CHECK(jpg && emb_image_decode(jpg, jlen, "enc.jpg", &img) == EMB_OK)) {
        CHECK(img.w == W && img.h == H);
        emb_image_free(&img);
    }
    if (CHECK(png && emb_image_decode(png, plen, "enc.png", &img) == EMB_OK)) {
        CHECK(img.w == W && img.h == H && !memcmp(img.rgb, px, sizeof px));  /* lossless round trip */
        emb_image_free(&img);
    }
    if (jpg) expect_format("truncated.jpg", jpg, jlen / 2);
    if (jpg) expect_format("header_only.jpg", jpg, 200);
    if (png) expect_format("truncated.png", png, plen - 20);
    if (png) {
        png[plen / 2] ^= 0x55;  /* IDAT CRC no longer matches */
        expect_format("crc.png", png, plen);
    }
    const char *text = "this is not an image, just text\n";
    expect_format("text.png", text, strlen(text));
    expect_format("text.jpg", text, strlen(text));
    expect_format("zero.png", "", 0);
    expect_format("zero.jpg", "", 0);
    expect_format("magic_only.png", "\x89PNG\r\n\x1a\n", 8);
    expect_format("magic_only.jpg", "\xff\xd8\xff", 3);
    expect_format("riff_only.webp", "RIFF\x10\x00\x00\x00WEBPVP8 ", 16);
    /* an IHDR that claims 2^31 x 2^31 pixels */
    static const unsigned char big_png[] = {
        0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
        0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 8, 2, 0, 0, 0, 0x5e, 0x63, 0x2a, 0x83};
    char *p = check_tmp_path("big.png");
    CHECK(check_write_file(p, big_png, sizeof big_png));
    emb_status st = emb_image_load(p, &img);
    CHECK(st == EMB_E_FORMAT || st == EMB_E_UNSUPPORTED);
    CHECK_CONTAINS(emb_errmsg(), p);
    free(p);
    p = check_tmp_path("does-not-exist.png");
    CHECK_EQ(EMB_E_IO, emb_image_load(p, &img));
    CHECK_CONTAINS(emb_errmsg(), p);
    free(p);
    free(jpg);
    free(png);
}

/* Area resize and gray conversion against numpy / PIL. */
typedef struct { int w, h, c, ow, oh; } resize_case;
static const resize_case RESIZES[] = {
    {100, 75, 1, 32, 32},   /* down, non-integer ratios */
    {64, 64, 1, 32, 32},    /* down, integer */
    {37, 23, 1, 32, 32},    /* up in y, down in x */
    {5, 3, 1, 11, 7},       /* up, non-integer */
    {1, 1, 1, 3, 3},        /* a single pixel */
    {50, 41, 3, 13, 17},    /* RGB */
    {7, 300, 3, 32, 32},    /* RGB, tall and thin */
    {1024, 768, 1, 32, 32}, /* the benchmark's case */
};

static void test_resize(void) {
    char *src_p = check_tmp_path("resize_src"), *ref_p = check_tmp_path("resize_ref"), *spec_p = check_tmp_path("resize_spec");
    size_t nr = sizeof RESIZES / sizeof RESIZES[0];
    FILE *spec = fopen(spec_p, "w");
    FILE *src = fopen(src_p, "wb");
    uint8_t *imgs[16];
    emb_rng rng;
    emb_rng_seed(&rng, 99);
    for (size_t k = 0; k < nr; k++) {
        const resize_case *r = &RESIZES[k];
        size_t n = (size_t)r->w * r->h * r->c;
        imgs[k] = malloc(n);
        for (size_t i = 0; i < n; i++) imgs[k][i] = (uint8_t)emb_rng_below(&rng, 256);
        fwrite(imgs[k], 1, n, src);
        fprintf(spec, "%d %d %d %d %d\n", r->w, r->h, r->c, r->ow, r->oh);
    }
    fclose(src);
    fclose(spec);
    char script[2048];
    snprintf(script, sizeof script,
             "%s -c 'import numpy as np, math\n"
             "src=open(\"%s\",\"rb\").read(); off=0; out=[]\n"
             "for line in open(\"%s\"):\n"
             "  w,h,c,ow,oh=map(int,line.split()); n=w*h*c\n"
             "  a=np.frombuffer(src,np.uint8,n,off).reshape(h,w,c).astype(np.float64); off+=n\n"
             "  gy,gx=math.gcd(h,oh),math.gcd(w,ow)\n"
             "  up=np.stack([np.kron(a[:,:,k],np.ones((oh//gy,ow//gx))) for k in range(c)],-1)\n"
             "  out.append((up.reshape(oh,h//gy,ow,w//gx,c).mean(axis=(1,3))/255).ravel())\n"
             "np.concatenate(out).tofile(\"%s\")'",
             check_python(), src_p, spec_p, ref_p);
    int status;
    char *o = check_run(script, &status);
    if (!CHECK(status == 0)) fprintf(stderr, "%s\n", o ? o : "");
    free(o);
    size_t rlen;
    double *ref = check_read_file(ref_p, &rlen);
    size_t off = 0;
    for (size_t k = 0; k < nr && ref; k++) {
        const resize_case *r = &RESIZES[k];
        size_t n = (size_t)r->ow * r->oh * r->c;
        float *got = malloc(n * sizeof(float)), *want = malloc(n * sizeof(float));
        CHECK(off + n <= rlen / 8);
        for (size_t i = 0; i < n && off + i < rlen / 8; i++) want[i] = (float)ref[off + i];
        off += n;
        CHECK(emb_resize_area(imgs[k], r->w, r->h, r->c, got, r->ow, r->oh) == EMB_OK);
        if (!CHECK_CLOSE_F32(want, got, n, 0, 2e-6))
            fprintf(stderr, "  resize %dx%dx%d -> %dx%d\n", r->w, r->h, r->c, r->ow, r->oh);
        CHECK(emb__resize_area_naive(imgs[k], r->w, r->h, r->c, got, r->ow, r->oh) == EMB_OK);
        if (!CHECK_CLOSE_F32(want, got, n, 0, 2e-6))
            fprintf(stderr, "  naive resize %dx%dx%d -> %dx%d\n", r->w, r->h, r->c, r->ow, r->oh);
        free(got);
        free(want);
    }
    CHECK(ref && off == rlen / 8);
    /* fast (columns first, vectorised) against naive (rows first) on random
     * shapes, up and down: the same value to float rounding */
    size_t bad = 0;
    for (int t = 0; t < 200; t++) {
        int w = 1 + (int)emb_rng_below(&rng, 150), h = 1 + (int)emb_rng_below(&rng, 150);
        int ow = 1 + (int)emb_rng_below(&rng, 48), oh = 1 + (int)emb_rng_below(&rng, 48), c = t % 2 ? 3 : 1;
        uint8_t *img = malloc((size_t)w * h * c);
        float *a = malloc(sizeof(float) * (size_t)ow * oh * c), *b = malloc(sizeof(float) * (size_t)ow * oh * c);
        for (size_t i = 0; i < (size_t)w * h * c; i++) img[i] = (uint8_t)emb_rng_below(&rng, 256);
        CHECK(emb_resize_area(img, w, h, c, a, ow, oh) == EMB_OK);
        CHECK(emb__resize_area_naive(img, w, h, c, b, ow, oh) == EMB_OK);
        for (size_t i = 0; i < (size_t)ow * oh * c; i++) bad += !(fabsf(a[i] - b[i]) <= 1e-6f);
        free(img); free(a); free(b);
    }
    CHECK_EQ(0, bad);
    /* a constant image stays constant (weights sum to 1) */
    uint8_t flat[9 * 13];
    memset(flat, 200, sizeof flat);
    float fo[5 * 7];
    CHECK(emb_resize_area(flat, 9, 13, 1, fo, 5, 7) == EMB_OK);
    float fw[5 * 7];
    for (int i = 0; i < 35; i++) fw[i] = 200.0f / 255.0f;
    CHECK_CLOSE_F32(fw, fo, 35, 0, 1e-6);
    CHECK_EQ(EMB_E_INVALID, emb_resize_area(flat, 0, 13, 1, fo, 5, 7));
    CHECK_EQ(EMB_E_INVALID, emb_resize_area(flat, 9, 13, 1, fo, 0, 7));
    for (size_t k = 0; k < nr; k++) free(imgs[k]);
    free(ref);
    free(src_p); free(ref_p); free(spec_p);
}

/* Gray conversion: Pillow's convert("L") on every (r, g, b) in a grid. */
static void test_gray(void) {
    enum { N = 64 * 64 * 64 };
    uint8_t *rgb = malloc(N * 3), *gray = malloc(N);
    for (int i = 0; i < N; i++) {
        rgb[3 * i] = (uint8_t)((i >> 12) * 4 + 3);
        rgb[3 * i + 1] = (uint8_t)(((i >> 6) & 63) * 4 + 1);
        rgb[3 * i + 2] = (uint8_t)((i & 63) * 4 + 2);
    }
    char *sp = check_tmp_path("gray_src"), *rp = check_tmp_path("gray_ref");
    CHECK(check_write_file(sp, rgb, N * 3));
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "%s -c 'from PIL import Image; open(\"%s\",\"wb\").write(Image.frombytes(\"RGB\",(%d,1),open(\"%s\",\"rb\").read()).convert(\"L\").tobytes())'",
             check_python(), rp, N, sp);
    int status;
    free(check_run(cmd, &status));
    size_t len;
    uint8_t *ref = check_read_file(rp, &len);
    emb_rgb_to_gray(rgb, N, gray);
    if (CHECK(ref && len == N)) {
        size_t bad = 0;
        for (int i = 0; i < N; i++) bad += ref[i] != gray[i];
        CHECK_EQ(0, bad);
    }
    free(ref); free(rgb); free(gray); free(sp); free(rp);
}

int main(void) {
    test_decode_vs_pil();
    test_bad();
    test_resize();
    test_gray();
    return check_exit();
}

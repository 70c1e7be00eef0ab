/* test_analysis_signature.c - the copy signature of the duplicate search
 * (3x3 median filter with the edge repeated, centred, unit norm) against
 * scipy.ndimage.median_filter(mode="nearest") in float64
 * (tests/ref/median_signature_ref.py), at every SIMD level: gray and RGB
 * images, widths that are and are not multiples of 8, 1-pixel-wide and
 * 1-pixel-high images, ties (values on a coarse grid), negative values and
 * a flat image (all zero). Skips (77) without scipy.
 * ctest-levels: all */
#include "check.h"
#include "analysis/analysis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { int n, h, w, c, grid; } shape;

/* -1: the reference is missing (skip), else the number of failed images. */
static int run_case(const shape *s, uint64_t seed) {
    size_t d = (size_t)s->h * s->w * s->c, total = d * (size_t)s->n;
    float *x = malloc(sizeof(float) * total), *want = malloc(sizeof(float) * total), *got = malloc(sizeof(float) * total);
    emb_rng r;
    emb_rng_seed(&r, seed);
    for (size_t t = 0; t < total; t++) {
        double u = emb_rng_uniform(&r);
        x[t] = s->grid ? (float)((int)(u * s->grid) - s->grid / 4) / (float)s->grid : (float)(u - 0.25);
    }
    for (size_t t = 0; t < d; t++) x[t] = 0.5f;   /* image 0 is flat */
    char *in = check_tmp_path("in.f32"), *out = check_tmp_path("out.f32");
    check_write_file(in, x, sizeof(float) * total);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s/median_signature_ref.py %s %s %d %d %d %d", check_python(), TEST_REF, in, out,
             s->n, s->h, s->w, s->c);
    int status = 0;
    free(check_run(cmd, &status));
    int bad = -1;
    size_t len = 0;
    float *ref = status == 0 ? check_read_file(out, &len) : NULL;
    if (status != 0 && status != 77) CHECK(!"median_signature_ref.py failed");
    if (ref && CHECK(len == sizeof(float) * total)) {
        memcpy(want, ref, len);
        bad = 0;
        for (int i = 0; i < s->n; i++) {
            CHECK_EQ(EMB_OK, emb__copy_signature(x + i * d, s->w, s->h, s->c, got + i * d));
            if (!CHECK_CLOSE_F32(want + i * d, got + i * d, d, 0, 2e-6)) bad++;
        }
        for (size_t t = 0; t < d; t++) CHECK_EQ(0, got[t] != 0.0f);   /* the flat image */
    }
    free(ref);
    free(in), free(out), free(x), free(want), free(got);
    return bad;
}

int main(void) {
    static const shape cases[] = {
        {12, 28, 28, 1, 8},   /* Fashion-MNIST's shape, many ties */
        {8, 32, 32, 3, 0},    /* RGB, width a multiple of 8 */
        {8, 9, 13, 3, 5},     /* RGB, odd sizes, ties */
        {6, 1, 7, 1, 0},      /* one row */
        {6, 6, 1, 1, 4},      /* one column */
        {4, 2, 2, 3, 0},
    };
    int ran = 0;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int bad = run_case(&cases[k], 100 + k);
        if (bad < 0) continue;
        ran++;
        CHECK_EQ(0, bad);
    }
    /* a bad shape is refused */
    float one = 0;
    CHECK(emb__copy_signature(&one, 0, 1, 1, &one) != EMB_OK);
    if (!ran) {
        printf("SKIP: scipy is not installed (python3-scipy): no reference\n");
        check_exit();
        return 77;
    }
    return check_exit();
}

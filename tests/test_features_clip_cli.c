/* test_features_clip_cli.c - `embscope embed/analyze --features clip` on a
 * folder of PNGs: the vectors written equal PyTorch's (tests/ref/
 * make_clip_ref.py: PIL preprocessing + the tiny tower), the unreadable file
 * is listed in skipped.csv, bf16 vectors are within cosine 0.999.
 * ctest-labels: unit */
#include "check.h"
#include "embscope.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *NAMES[6] = {"exact_32x32", "grad_200x150", "noise_31x45", "noise_64x40", "noise_97x61", "stripes_37x300"};

int main(void) {
    const char *tmp = check_tmpdir();
    char cmd[8192], path[2048];
    int status;
    snprintf(cmd, sizeof cmd, "mkdir -p %s/data/all && cp %s/clip/pre/*.png %s/data/all/ && echo nope > %s/data/all/zz_bad.jpg",
             tmp, TEST_DATA, tmp, tmp);
    free(check_run(cmd, &status));
    CHECK(status == 0);
    const char *prec[2] = {"f32", "bf16"};
    emb_npy ref;
    snprintf(path, sizeof path, "%s/clip/pre/ref_images.npy", TEST_DATA);
    CHECK(emb_npy_open(path, false, &ref) == EMB_OK);
    const float *rv = ref.data;
    for (int p = 0; p < 2; p++) {
        snprintf(cmd, sizeof cmd, "%s embed %s/data -o %s/out_%s --features clip --precision %s --batch 4 "
                 "--model %s/clip/openai/model.f32.safetensors --quiet 2>&1", EMB_BIN, tmp, tmp, prec[p], prec[p], TEST_DATA);
        char *log = check_run(cmd, &status);
        CHECK_EQ(0, status);
        free(log);
        emb_matf v = {0};
        snprintf(path, sizeof path, "%s/out_%s/embeddings.npy", tmp, prec[p]);
        CHECK(emb_npy_load_f32(path, &v) == EMB_OK);
        CHECK_EQ(6, v.rows);
        CHECK_EQ(32, v.cols);
        if (v.rows == 6 && v.cols == 32) {
            if (p == 0) CHECK_CLOSE_F32(rv, v.data, 6 * 32, 1e-4, 1e-6);
            for (int i = 0; i < 6; i++) {
                double ab = 0;
                for (int k = 0; k < 32; k++) ab += (double)rv[i * 32 + k] * v.data[i * 32 + k];
                CHECK(ab >= 0.999);
            }
        }
        emb_matf_free(&v);
        snprintf(cmd, sizeof cmd, "cat %s/out_%s/skipped.csv %s/out_%s/items.csv", tmp, prec[p], tmp, prec[p]);
        char *txt = check_run(cmd, &status);
        CHECK_CONTAINS(txt, "zz_bad.jpg,");
        for (int i = 0; i < 6; i++) CHECK_CONTAINS(txt, NAMES[i]);
        free(txt);
    }
    /* analyze runs the later stages on the CLIP vectors */
    snprintf(cmd, sizeof cmd, "%s analyze %s/data -o %s/an --features clip --model %s/clip/hf/model.f16.safetensors --quiet 2>&1",
             EMB_BIN, tmp, tmp, TEST_DATA);
    free(check_run(cmd, &status));
    CHECK_EQ(0, status);
    snprintf(cmd, sizeof cmd, "cat %s/an/summary.json", tmp);
    char *sum = check_run(cmd, &status);
    CHECK_CONTAINS(sum, "\"clip\"");
    free(sum);
    /* a pickle is refused with the hint */
    snprintf(cmd, sizeof cmd, "%s embed %s/data -o %s/bad --features clip --model %s/weights.bin 2>&1", EMB_BIN, tmp, tmp, tmp);
    char *err = check_run(cmd, &status);
    CHECK(status != 0);
    CHECK_CONTAINS(err, "safetensors");
    free(err);
    emb_npy_close(&ref);
    return check_exit();
}

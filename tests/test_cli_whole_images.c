/* test_cli_whole_images.c - duplicates and split leakage between the whole
 * images of a detection export. The fixture (tests/ref/make_shared_images.py,
 * PIL) is a COCO export whose train and valid splits share one image byte
 * for byte and whose test split holds a JPEG re-encode of a train image,
 * each with other boxes than its twin: `embscope analyze` must list both
 * pairs in image_leakage.csv, both groups (exact, copy) in
 * image_duplicates.csv with index = the row of images.csv, and count them
 * in summary.json's whole_images; no box crop is a duplicate of another.
 * The library's view: one item per image in the order of its first box,
 * the boxes' split, each box's image row. A dataset that is not a
 * detection export writes none of the files and says why. The report:
 * each box item's image (a sprite cell after the items') and its rectangle
 * in that cell are in the page data, against PIL's sizes; past the size
 * budget (--inline-max 0) those cells leave the page with the sheets; a
 * box is turned with its image's EXIF orientation as the thumbnail is.
 * ref: tests/ref/make_shared_images.py check (prints "name expected got").
 * ctest-labels: cli */
#include "check.h"
#include "embscope.h"
#include "io/io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool exists(const char *dir, const char *name) {
    char p[1400];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct stat sb;
    return stat(p, &sb) == 0;
}

/* emb__box_orient (the report turns a box as the thumbnail is turned)
 * against emb_image_orient itself: a 7 x 5 image with one box's pixels
 * marked, turned by each EXIF orientation; the marked pixels' extent must be
 * the turned box. */
static void test_box_orient(void) {
    const int W = 7, H = 5;
    const int32_t box[4] = {1, 2, 4, 2};
    for (int o = 1; o <= 8; o++) {
        emb_image img = {0};
        img.w = img.full_w = W;
        img.h = img.full_h = H;
        img.orientation = o;
        img.rgb = calloc((size_t)W * H * 3, 1);
        if (!CHECK(img.rgb)) return;
        for (int y = box[1]; y < box[1] + box[3]; y++)
            for (int x = box[0]; x < box[0] + box[2]; x++) img.rgb[3 * (y * W + x)] = 255;
        if (!CHECK(emb_image_orient(&img) == EMB_OK)) { emb_image_free(&img); return; }
        int x0 = img.w, y0 = img.h, x1 = -1, y1 = -1;
        for (int y = 0; y < img.h; y++)
            for (int x = 0; x < img.w; x++)
                if (img.rgb[3 * (y * img.w + x)]) {
                    if (x < x0) x0 = x;
                    if (y < y0) y0 = y;
                    if (x > x1) x1 = x;
                    if (y > y1) y1 = y;
                }
        int32_t got[4];
        emb__box_orient(o, W, H, box, got);
        if (!(CHECK_EQ(x0, got[0]) && CHECK_EQ(y0, got[1]) && CHECK_EQ(x1 - x0 + 1, got[2]) && CHECK_EQ(y1 - y0 + 1, got[3])))
            fprintf(stderr, "  orientation %d\n", o);
        emb_image_free(&img);
    }
}

static void test_view(const char *root) {
    char data[1200];
    snprintf(data, sizeof data, "%s/shared", root);
    emb_dataset *ds = NULL, *im = NULL;
    if (!CHECK(emb_dataset_open(data, NULL, &ds) == EMB_OK)) return;
    CHECK(ds->box != NULL);
    CHECK_EQ(9, ds->n);
    if (CHECK(emb_dataset_whole_images(ds, &im) == EMB_OK)) {
        CHECK_EQ(7, im->n);
        CHECK(im->box == NULL);
        CHECK(im->source == EMB_SOURCE_FOLDER);
        int64_t *of = malloc(sizeof(int64_t) * (size_t)ds->n);
        if (CHECK(of) && CHECK(emb_dataset_image_index(ds, im, of) == EMB_OK)) {
            int64_t next = 0;   /* rows appear in the order of their first box */
            for (int64_t i = 0; i < ds->n; i++) {
                if (!CHECK(of[i] >= 0 && of[i] < im->n)) break;
                if (of[i] == next) next++;
                else CHECK(of[i] < next);
                /* same file, same split */
                CHECK(!strncmp(ds->path[i], im->path[of[i]], strlen(im->path[of[i]])));
                CHECK(!strncmp(ds->path[i] + strlen(im->path[of[i]]), "#box", 4));
                CHECK_EQ(ds->split[i], im->split[of[i]]);
            }
            CHECK_EQ(7, next);
        }
        for (int64_t j = 0; j < im->n; j++) CHECK_EQ(-1, im->label[j]);
        /* a row the view lacks (filtered out by the embed stage) maps to -1 */
        uint8_t *keep = malloc((size_t)im->n);
        if (keep) {
            memset(keep, 1, (size_t)im->n);
            keep[0] = 0;
            CHECK(emb_dataset_filter(im, keep) == EMB_OK);
            if (of && CHECK(emb_dataset_image_index(ds, im, of) == EMB_OK)) {
                int64_t missing = 0;
                for (int64_t i = 0; i < ds->n; i++) missing += of[i] < 0;
                CHECK(missing >= 1);
            }
            free(keep);
        }
        free(of);
        emb_dataset_free(im);
    }
    /* not a detection export: refused, with the reason */
    emb_dataset_params dp = emb_dataset_default_params();
    dp.layout = EMB_LAYOUT_FLAT;
    emb_dataset *flat = NULL;
    snprintf(data, sizeof data, "%s/shared/train", root);
    if (CHECK(emb_dataset_open(data, &dp, &flat) == EMB_OK)) {
        im = NULL;
        CHECK(emb_dataset_whole_images(flat, &im) == EMB_E_INVALID);
        CHECK(im == NULL);
        CHECK_CONTAINS(emb_errmsg(), "not boxes");
        emb_dataset_free(flat);
    }
    emb_dataset_free(ds);
}

int main(void) {
    char root[1024], cmd[4096];
    snprintf(root, sizeof root, "%s/data", check_tmpdir());
    snprintf(cmd, sizeof cmd, "%s '%s/make_shared_images.py' make '%s' 2>&1", check_python(), TEST_REF, root);
    int status;
    char *o = check_run(cmd, &status);
    if (!CHECK_EQ(0, status)) { fprintf(stderr, "%s\n", o ? o : ""); free(o); return check_exit(); }
    free(o);
    test_box_orient();
    test_view(root);

    /* analyze: the box stages, then the whole images */
    char out[1200];
    snprintf(out, sizeof out, "%s/an", check_tmpdir());
    snprintf(cmd, sizeof cmd, "'%s' analyze '%s/shared' -o '%s' --threads 2 --map none --clusters none -k 3 --pixels-size 16 2>&1",
             EMB_BIN, root, out);
    char *log = check_run(cmd, &status);
    if (!CHECK_EQ(0, status)) fprintf(stderr, "%s\n", log ? log : "");
    CHECK_CONTAINS(log, "whole images: 7 images of 9 boxes");
    free(log);
    snprintf(cmd, sizeof cmd, "%s '%s/make_shared_images.py' check '%s' '%s'", check_python(), TEST_REF, root, out);
    CHECK_EQ(26, check_ref_lines(cmd, "whole images", true));
    /* the report: each box's image (a sprite cell after the items') and its
     * rectangle in that cell, in the page data */
    snprintf(cmd, sizeof cmd, "%s '%s/make_shared_images.py' check_report '%s'", check_python(), TEST_REF, out);
    CHECK_EQ(8, check_ref_lines(cmd, "report box images", true));
    /* past the size budget the extra cells leave with the sheets */
    snprintf(cmd, sizeof cmd, "'%s' report '%s' --inline-max 0 --quiet 2>&1", EMB_BIN, out);
    log = check_run(cmd, &status);
    if (!CHECK_EQ(0, status)) fprintf(stderr, "%s\n", log ? log : "");
    free(log);
    char rp[1300];
    snprintf(rp, sizeof rp, "%s/report.html", out);
    char *page = check_read_text(rp);
    CHECK(page && !strstr(page, "data:image/"));
    CHECK_CONTAINS(page, "\"box_images\":{\"first\":9,\"n\":7,");
    free(page);
    CHECK(exists(out, "report_files/sheet-0.jpg") || exists(out, "report_files/sheet-0.png"));
    snprintf(cmd, sizeof cmd, "%s '%s/make_shared_images.py' check_report '%s'", check_python(), TEST_REF, out);
    CHECK_EQ(8, check_ref_lines(cmd, "split report box images", true));

    /* an image folder (the train split's images, flat): no whole-image files */
    snprintf(out, sizeof out, "%s/flat", check_tmpdir());
    snprintf(cmd, sizeof cmd, "'%s' analyze '%s/shared/train' --layout flat -o '%s' --threads 2 --map none --clusters none -k 2 --pixels-size 8 2>&1",
             EMB_BIN, root, out);
    log = check_run(cmd, &status);
    if (!CHECK_EQ(0, status)) fprintf(stderr, "%s\n", log ? log : "");
    free(log);
    CHECK(exists(out, "duplicates.csv"));
    CHECK(!exists(out, "images.csv"));
    CHECK(!exists(out, "image_duplicates.csv"));
    CHECK(!exists(out, "image_leakage.csv"));
    char sp[1300];
    snprintf(sp, sizeof sp, "%s/summary.json", out);
    char *summary = check_read_text(sp);
    CHECK_CONTAINS(summary, "\"whole_images\":");   /* in stages_left_out */
    CHECK_CONTAINS(summary, "not a detection export");
    free(summary);
    snprintf(sp, sizeof sp, "%s/report.html", out);
    char *flat_page = check_read_text(sp);
    CHECK_CONTAINS(flat_page, "\"box_images\":null");
    free(flat_page);
    return check_exit();
}

/* test_io_annotations.c - detection exports through `embscope embed`: COCO
 * JSON (Roboflow's <split>/_annotations.coco.json), YOLO (data.yaml +
 * <split>/images, <split>/labels; a malformed data.yaml), Pascal VOC (an
 * .xml beside each image; the original Annotations/ + JPEGImages/). The
 * fixtures (tests/ref/make_annotations.py, PIL) plant bad annotations of
 * every kind: each must be listed in annotation_issues.csv with no other
 * line, each good box must be an item with its label, split and crop, and
 * the crops' pixel vectors must match PIL's crop + exact area resize; an
 * image smaller than its JSON says is skipped with the reason. Then
 * `embscope analyze` on the COCO boxes runs every stage; CLIP vectors of
 * boxes are the same bytes at batch 32 and at batch 3 without overlap.
 * ref: tests/ref/make_annotations.py check (prints "name expected got").
 * ctest-labels: cli */
#include "check.h"
#include "embscope.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIZE 8   /* --pixels-size: small crops, exact area resize */

/* Run the reference check and assert each "name expected got" line. */
static void check_lines(const char *cmd, int want_lines, const char *what) {
    CHECK_EQ(want_lines, check_ref_lines(cmd, what, true));
}

static void embed_and_check(const char *root, const char *name, double margin) {
    char out[1200], cmd[4096];
    snprintf(out, sizeof out, "%s/out_%s_%g", check_tmpdir(), name, margin);
    snprintf(cmd, sizeof cmd, "'%s' embed '%s/%s' -o '%s' --threads 2 --pixels-size %d --pixels-color --box-margin %g 2>&1",
             EMB_BIN, root, name, out, SIZE, margin);
    int status;
    char *log = check_run(cmd, &status);
    if (!CHECK_EQ(0, status)) fprintf(stderr, "  %s: %s\n", name, log ? log : "");
    free(log);
    snprintf(cmd, sizeof cmd, "%s '%s/make_annotations.py' check '%s' %s '%s' %g %d", check_python(), TEST_REF, root, name,
             out, margin, SIZE);
    check_lines(cmd, 9, name);
    /* items.csv's crops read back (the report reads them to cut thumbnails) */
    char items[1300];
    snprintf(items, sizeof items, "%s/items.csv", out);
    emb_dataset *ds = NULL;
    if (CHECK(emb_items_read(items, &ds) == EMB_OK)) {
        CHECK(ds->box != NULL);
        for (int64_t i = 0; ds->box && i < ds->n; i++)
            if (!CHECK(ds->box[4 * i + 2] > 0 && ds->box[4 * i + 3] > 0 && strstr(ds->path[i], "#box"))) break;
        emb_dataset_free(ds);
    }
}

/* Boxes of an image with alpha (the merge of data-formats and data-layouts):
 * a 4x4 RGBA PNG, left half opaque red, right half transparent; a COCO
 * .json with one box per half. The crops' vectors are composited over the
 * dataset's background (white, or black when set), each box's transparency
 * flag is its own half's, and emb_dataset_image composites a box too. */
static void test_boxes_alpha(void) {
    uint8_t px[4 * 4 * 4];
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++) {
            uint8_t *q = px + 4 * (y * 4 + x);
            q[0] = 200; q[1] = 10; q[2] = 20; q[3] = x < 2 ? 255 : 0;
        }
    unsigned char *png = NULL;
    size_t len = 0;
    if (!CHECK(emb_image_encode_png(px, 4, 4, 4, &png, &len) == EMB_OK)) return;
    char *img = check_tmp_path("alpha_boxes/a.png"), *json = check_tmp_path("alpha_boxes/ann.json");
    char mk[2200];
    snprintf(mk, sizeof mk, "mkdir -p '%s/alpha_boxes'", check_tmpdir());
    int status;
    free(check_run(mk, &status));
    CHECK(check_write_file(img, png, len));
    free(png);
    const char *j = "{\"images\":[{\"id\":1,\"file_name\":\"a.png\",\"width\":4,\"height\":4}],"
                    "\"annotations\":[{\"id\":1,\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,2,4]},"
                    "{\"id\":2,\"image_id\":1,\"category_id\":1,\"bbox\":[2,0,2,4]}],"
                    "\"categories\":[{\"id\":1,\"name\":\"thing\"}]}";
    CHECK(check_write_file(json, j, strlen(j)));
    for (int black = 0; black < 2; black++) {
        emb_dataset *ds = NULL;
        if (!CHECK(emb_dataset_open(json, NULL, &ds) == EMB_OK)) break;
        if (!CHECK_EQ(2, ds->n) || !CHECK(ds->box != NULL)) { emb_dataset_free(ds); break; }
        if (black) { ds->alpha_bg_set = true; memset(ds->alpha_bg, 0, 3); }
        emb_pixels_params pp = emb_pixels_default_params();
        pp.size = 2;
        pp.color = true;
        pp.n_threads = 1;
        emb_embedding e;
        emb_skipped sk;
        memset(&sk, 0, sizeof sk);
        if (CHECK(emb_pixels_embed(ds, &pp, &e, &sk) == EMB_OK) && CHECK_EQ(2, e.vectors.rows)) {
            const emb_matf m = e.vectors;
            CHECK(e.transparent && e.transparent[0] == 0 && e.transparent[1] == 1);
            /* box 0: opaque red either way; box 1: the background */
            CHECK(fabsf(m.data[0] - 200 / 255.0f) < 1e-5f && fabsf(m.data[1] - 10 / 255.0f) < 1e-5f);
            float want = black ? 0.0f : 1.0f;
            for (int k = 0; k < 12; k++)
                if (!CHECK(fabsf(m.data[12 + k] - want) < 1e-5f)) break;
            emb_image im;
            if (CHECK(emb_dataset_image(ds, 1, &im) == EMB_OK)) {
                CHECK(im.w == 2 && im.h == 4 && im.alpha == NULL && im.rgb[0] == (black ? 0 : 255));
                emb_image_free(&im);
            }
            emb_embedding_free(&e);
        }
        emb_skipped_free(&sk);
        emb_dataset_free(ds);
    }
    free(img);
    free(json);
}

int main(void) {
    char root[1024], cmd[4096];
    snprintf(root, sizeof root, "%s/data", check_tmpdir());
    snprintf(cmd, sizeof cmd, "%s '%s/make_annotations.py' make '%s' 2>&1", check_python(), TEST_REF, root);
    int status;
    char *o = check_run(cmd, &status);
    if (!CHECK_EQ(0, status)) { fprintf(stderr, "%s\n", o ? o : ""); free(o); return check_exit(); }
    free(o);
    test_boxes_alpha();
    embed_and_check(root, "coco", 0);
    embed_and_check(root, "coco", 0.25);
    embed_and_check(root, "yolo", 0);
    embed_and_check(root, "yolo", 0.1);
    embed_and_check(root, "yolo_badyaml", 0);
    embed_and_check(root, "voc", 0);
    embed_and_check(root, "voc_classic", 0);

    /* the library: layout and reason of a COCO export */
    char data[1200];
    snprintf(data, sizeof data, "%s/coco", root);
    emb_dataset *ds = NULL;
    if (CHECK(emb_dataset_open(data, NULL, &ds) == EMB_OK)) {
        CHECK(ds->box != NULL);
        CHECK(ds->layout && !strcmp(ds->layout, "coco"));
        CHECK_CONTAINS(ds->layout_reason, "COCO");
        emb_dataset_free(ds);
    }
    /* a COCO .json given as DATA: its images are beside it */
    snprintf(data, sizeof data, "%s/coco/valid/_annotations.coco.json", root);
    if (CHECK(emb_dataset_open(data, NULL, &ds) == EMB_OK)) {
        CHECK_EQ(4, ds->n);   /* lies.png's box too: the reader trusts the JSON's size */
        CHECK_EQ(1, ds->annot_issues.n);   /* one object labelled cat and dog */
        if (ds->annot_issues.n) CHECK_CONTAINS(ds->annot_issues.reason[0], "labelled twice");
        emb_dataset_free(ds);
    }
    /* the original COCO layout: annotations/instances_val2017.json, images in val2017/ */
    snprintf(data, sizeof data, "%s/coco_orig", root);
    if (CHECK(emb_dataset_open(data, NULL, &ds) == EMB_OK)) {
        CHECK_EQ(1, ds->n);
        CHECK_EQ(0, ds->annot_issues.n);
        if (ds->n) {
            CHECK_CONTAINS(ds->path[0], "/val2017/000000000139.png#box0");
            CHECK_EQ(EMB_SPLIT_VALID, ds->split[0]);
            CHECK(!strcmp(ds->class_names[ds->label[0]], "person"));
        }
        emb_dataset_free(ds);
    }
    /* CLIP on boxes: an image's boxes are claimed and decoded together;
     * the vectors must not depend on the batch size or the overlap */
    for (int v = 0; v < 2; v++) {
        snprintf(cmd, sizeof cmd, "'%s' embed '%s/coco' -o '%s/clip%d' --threads 2 --quiet --features clip --model '%s/clip/hf/model.f32.safetensors' %s 2>&1",
                 EMB_BIN, root, check_tmpdir(), v, TEST_DATA, v ? "--batch 3 --no-overlap" : "--batch 32");
        char *l = check_run(cmd, &status);
        if (!CHECK_EQ(0, status)) fprintf(stderr, "%s\n", l ? l : "");
        free(l);
    }
    char *c0 = check_tmp_path("clip0/embeddings.npy"), *c1 = check_tmp_path("clip1/embeddings.npy");
    size_t l0 = 0, l1 = 0;
    void *b0 = check_read_file(c0, &l0), *b1 = check_read_file(c1, &l1);
    CHECK(l0 > 128 && l0 == l1 && b0 && b1 && !memcmp(b0, b1, l0));
    free(b0); free(b1); free(c0); free(c1);
    /* every stage runs on the boxes */
    snprintf(cmd, sizeof cmd, "'%s' analyze '%s/coco' -o '%s/an' --threads 2 --map umap --dims 2 -k 3 --pixels-size %d 2>&1",
             EMB_BIN, root, check_tmpdir(), SIZE);
    char *log = check_run(cmd, &status);
    if (!CHECK_EQ(0, status)) fprintf(stderr, "%s\n", log ? log : "");
    free(log);
    snprintf(cmd, sizeof cmd, "%s -c \"import json,os; d='%s/an'; s=json.load(open(d+'/summary.json')); ds=s['dataset']; "
             "print('layout_coco', 1, int(ds['layout']=='coco')); print('boxes', 1, int(ds['items_are']=='boxes')); "
             "print('items', 9, ds['items']); print('annotation_issues', 10, ds['annotation_issues']); "
             "print('splits', 2, len(ds['splits'])); "
             "[print('has_'+f.replace('.','_'), 1, int(os.path.getsize(d+'/'+f) > 0)) for f in "
             "['report.html','label_issues.csv','image_issues.csv','duplicates.csv','outliers.csv','leakage.csv','map.npy','annotation_issues.csv']]; "
             "print('no_left_out_label_issues', 0, int('label_issues' in s.get('stages_left_out', {})))\"",
             check_python(), check_tmpdir());
    check_lines(cmd, 14, "analyze coco");
    return check_exit();
}

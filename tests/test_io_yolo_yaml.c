/* test_io_yolo_yaml.c - a YOLO data.yaml's splits and names
 * (src/io/yolo_yaml.c, yolo_splits.c), on exports made here:
 *   Ultralytics: path: ds; train: a .txt list ("./" lines relative to the
 *     list, others to path, one missing), val: a folder, test: a folder that
 *     does not exist; names as a map;
 *   Roboflow: no path; train: ../part1/images (found without the "../"),
 *     val: [part2/images, part3/images] (a list), names as a list; folder
 *     names that are no split, so the splits can only come from the yaml;
 *   a path: that does not exist (read from the yaml's folder, listed), an
 *     image in two splits (kept in the first, listed), a split outside DATA.
 * Each image's split and label are checked, and each listed issue.
 * ref: the fixture itself (which image is in which split is written here).
 * ctest-labels: unit */
#include "check.h"
#include "embscope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *png;
static size_t png_len;

static void put(const char *root, const char *rel, const char *text) {
    char p[2048], dir[2100];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    snprintf(dir, sizeof dir, "mkdir -p \"$(dirname '%s')\"", p);
    int status;
    free(check_run(dir, &status));
    CHECK(text ? check_write_file(p, text, strlen(text)) : check_write_file(p, png, png_len));
}

/* The split and label of the item whose path ends with "/<suffix>#box0". */
static void expect(const emb_dataset *ds, const char *suffix, emb_split split, const char *label) {
    char want[512];
    snprintf(want, sizeof want, "/%s#box0", suffix);
    for (int64_t i = 0; i < ds->n; i++) {
        size_t a = strlen(ds->path[i]), b = strlen(want);
        if (a < b || strcmp(ds->path[i] + a - b, want)) continue;
        if (!CHECK_EQ(split, ds->split[i])) fprintf(stderr, "  %s\n", suffix);
        if (!CHECK(ds->label[i] >= 0 && !strcmp(ds->class_names[ds->label[i]], label)))
            fprintf(stderr, "  %s: label %s, expected %s\n", suffix, ds->label[i] >= 0 ? ds->class_names[ds->label[i]] : "-", label);
        return;
    }
    CHECK(!"item found");
    fprintf(stderr, "  no item %s\n", want);
}

/* The issue (where, reason) listed in ds, once. */
static void expect_issue(const emb_dataset *ds, const char *where, const char *reason) {
    int hits = 0;
    for (int64_t i = 0; i < ds->annot_issues.n; i++)
        hits += !strcmp(ds->annot_issues.where[i], where) && strstr(ds->annot_issues.reason[i], reason);
    if (!CHECK_EQ(1, hits)) fprintf(stderr, "  issue %s: %s\n", where, reason);
}

static emb_dataset *open_ds(const char *root, int64_t n_items, int64_t n_issues) {
    emb_dataset *ds = NULL;
    if (!CHECK(emb_dataset_open(root, NULL, &ds) == EMB_OK)) { fprintf(stderr, "  %s\n", emb_errmsg()); return NULL; }
    CHECK(ds->layout && !strcmp(ds->layout, "yolo"));
    CHECK_EQ(n_items, ds->n);
    if (!CHECK_EQ(n_issues, ds->annot_issues.n))
        for (int64_t i = 0; i < ds->annot_issues.n; i++)
            fprintf(stderr, "  issue %s %s: %s\n", ds->annot_issues.file[i], ds->annot_issues.where[i], ds->annot_issues.reason[i]);
    return ds;
}

static void ultralytics(void) {
    char *root = check_tmp_path("ultra");
    put(root, "data.yaml", "path: ds\ntrain: lists/train.txt\nval: images/v\ntest: images/nowhere\n"
                           "names:\n  0: cat\n  1: dog\n");
    put(root, "ds/lists/train.txt", "./../images/t/1.png\nimages/t/2.png\n\n./../images/t/missing.png\n");
    const char *imgs[] = {"ds/images/t/1.png", "ds/images/t/2.png", "ds/images/t/3.png", "ds/images/v/4.png"};
    for (int k = 0; k < 4; k++) {
        put(root, imgs[k], NULL);
        char lab[256];
        snprintf(lab, sizeof lab, "ds/labels/%s", strstr(imgs[k], "images/") + 7);
        strcpy(strrchr(lab, '.'), ".txt");
        put(root, lab, k % 2 ? "1 0.5 0.5 0.5 0.5\n" : "0 0.5 0.5 0.5 0.5\n");
    }
    emb_dataset *ds = open_ds(root, 4, 2);
    if (ds) {
        expect(ds, "ds/images/t/1.png", EMB_SPLIT_TRAIN, "cat");
        expect(ds, "ds/images/t/2.png", EMB_SPLIT_TRAIN, "dog");
        expect(ds, "ds/images/t/3.png", EMB_SPLIT_NONE, "cat");   /* not listed: no split */
        expect(ds, "ds/images/v/4.png", EMB_SPLIT_VALID, "dog");
        expect_issue(ds, "train", "lists 1 images not found in DATA (the first: ./../images/t/missing.png)");
        expect_issue(ds, "test", "'images/nowhere' not found");
        emb_dataset_free(ds);
    }
    free(root);
}

static void roboflow(void) {
    char *root = check_tmp_path("robo");
    put(root, "data.yaml", "train: ../part1/images\nval:\n  - part2/images\n  - part3/images\ntest: ../part1/images/b.png\n"
                           "nc: 2\nnames: ['cat', 'dog']\n");
    const char *imgs[] = {"part1/images/a.png", "part1/images/b.png", "part2/images/c.png", "part3/images/d.png"};
    for (int k = 0; k < 4; k++) {
        put(root, imgs[k], NULL);
        char lab[256];
        snprintf(lab, sizeof lab, "%s", imgs[k]);
        memcpy(strstr(lab, "images/"), "labels", 6);
        strcpy(strrchr(lab, '.'), ".txt");
        put(root, lab, k == 3 ? "1 0.5 0.5 0.5 0.5\n" : "0 0.5 0.5 0.5 0.5\n");
    }
    emb_dataset *ds = open_ds(root, 4, 1);   /* b.png in train and test: kept in train, listed */
    if (ds) {
        expect(ds, "part1/images/a.png", EMB_SPLIT_TRAIN, "cat");
        expect(ds, "part1/images/b.png", EMB_SPLIT_TRAIN, "cat");
        expect(ds, "part2/images/c.png", EMB_SPLIT_VALID, "cat");
        expect(ds, "part3/images/d.png", EMB_SPLIT_VALID, "dog");
        expect_issue(ds, "test", "'../part1/images/b.png': 1 images are already in another split");
        emb_dataset_free(ds);
    }
    /* the same with a path: that is not there, a folder in two splits, and one outside DATA */
    put(root, "data.yaml", "path: ../../datasets/robo\ntrain: part1/images\nval: [part2/images, part1/images]\n"
                           "test: /\nnames: ['cat', 'dog']\n");
    ds = open_ds(root, 4, 3);
    if (ds) {
        expect(ds, "part1/images/a.png", EMB_SPLIT_TRAIN, "cat");
        expect(ds, "part2/images/c.png", EMB_SPLIT_VALID, "cat");
        expect(ds, "part3/images/d.png", EMB_SPLIT_NONE, "dog");
        expect_issue(ds, "path", "'../../datasets/robo' not found: paths read relative to data.yaml's folder");
        expect_issue(ds, "val", "'part1/images': 2 images are already in another split (kept there)");
        expect_issue(ds, "test", "'/' is outside DATA (not read)");
        emb_dataset_free(ds);
    }
    /* a split that is not a path */
    put(root, "data.yaml", "train: {a: 1}\nnames: ['cat', 'dog']\n");
    ds = open_ds(root, 4, 1);
    if (ds) {
        expect_issue(ds, "splits", "'train' is not a path or a list of paths");
        expect(ds, "part1/images/a.png", EMB_SPLIT_NONE, "cat");
        emb_dataset_free(ds);
    }
    free(root);
}

int main(void) {
    uint8_t px[8 * 8 * 3];
    for (int i = 0; i < 8 * 8 * 3; i++) px[i] = (uint8_t)(i * 5);
    unsigned char *enc = NULL;
    if (!CHECK(emb_image_encode_png(px, 8, 8, 3, &enc, &png_len) == EMB_OK)) return check_exit();
    png = (char *)enc;
    ultralytics();
    roboflow();
    free(png);
    return check_exit();
}

/* test_io_folders.c - a flat folder of images is an unlabelled dataset: its
 * image files (any case of .jpg .jpeg .png .webp) are the items, sorted by
 * name, label -1, no split; other files (README.txt, labels.csv) are not
 * items. Loose images beside class folders join as unlabelled items. The
 * program's analyze runs on a flat folder (it said "no items found"): every
 * stage that needs no labels, no label_issues.csv, summary.json counts the
 * items as unlabelled.
 * ctest-labels: cli */
#include "check.h"
#include "embscope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Write a w x h PNG (or JPEG) of a gradient with seed-dependent colours. */
static void write_image(const char *dir, const char *name, int seed, bool jpeg) {
    enum { W = 24, H = 20 };
    uint8_t rgb[W * H * 3];
    for (int i = 0; i < W * H; i++)
        for (int c = 0; c < 3; c++) rgb[3 * i + c] = (uint8_t)((i % W) * (5 + seed) + (i / W) * (3 + c) + 40 * c + 17 * seed);
    unsigned char *buf = NULL;
    size_t len = 0;
    CHECK((jpeg ? emb_image_encode_jpeg(rgb, W, H, 3, 95, &buf, &len) : emb_image_encode_png(rgb, W, H, 3, &buf, &len)) == EMB_OK);
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    CHECK(check_write_file(p, buf, len));
    free(buf);
}

static void mkdir_p(const char *dir) {
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    free(check_run(cmd, NULL));
}

int main(void) {
    char flat[900], mixed[900], p[1100], cmd[4096];
    snprintf(flat, sizeof flat, "%s/flat", check_tmpdir());
    mkdir_p(flat);
    const char *names[] = {"b.png", "a.JPG", "c.jpeg", "d.png", "e.PNG", "f.jpg"};
    for (int i = 0; i < 6; i++) write_image(flat, names[i], i, strstr(names[i], "pg") || strstr(names[i], "PG") || strstr(names[i], "peg"));
    snprintf(p, sizeof p, "%s/README.txt", flat);
    CHECK(check_write_file(p, "not an image\n", 13));
    snprintf(p, sizeof p, "%s/labels.csv", flat);
    CHECK(check_write_file(p, "path,label\n", 11));
    emb_dataset *ds = NULL;
    if (CHECK(emb_dataset_open(flat, NULL, &ds) == EMB_OK)) {
        CHECK_EQ(6, ds->n);
        CHECK_EQ(0, ds->n_classes);
        const char *order[] = {"a.JPG", "b.png", "c.jpeg", "d.png", "e.PNG", "f.jpg"};   /* byte order of the names */
        for (int64_t i = 0; i < ds->n && i < 6; i++) {
            CHECK_EQ(-1, ds->label[i]);
            CHECK_EQ(EMB_SPLIT_NONE, ds->split[i]);
            if (!CHECK(strstr(ds->path[i], order[i]) != NULL)) fprintf(stderr, "  item %lld: %s\n", (long long)i, ds->path[i]);
        }
        emb_dataset_free(ds);
    }
    /* class folders with a loose image beside them */
    snprintf(mixed, sizeof mixed, "%s/mixed", check_tmpdir());
    snprintf(p, sizeof p, "%s/cat", mixed);
    mkdir_p(p);
    write_image(p, "1.png", 1, false);
    write_image(p, "2.png", 2, false);
    snprintf(p, sizeof p, "%s/dog", mixed);
    mkdir_p(p);
    write_image(p, "3.png", 3, false);
    write_image(mixed, "loose.png", 4, false);
    if (CHECK(emb_dataset_open(mixed, NULL, &ds) == EMB_OK)) {
        CHECK_EQ(4, ds->n);
        CHECK_EQ(2, ds->n_classes);
        int unl = 0;
        for (int64_t i = 0; i < ds->n; i++) unl += ds->label[i] < 0;
        CHECK_EQ(1, unl);
        emb_dataset_free(ds);
    }
    /* the program on the flat folder */
    int status = 0;
    snprintf(cmd, sizeof cmd, "%s analyze '%s' -o '%s/out' --threads 2 --map none -k 3 2>&1", EMB_BIN, flat, check_tmpdir());
    char *log = check_run(cmd, &status);
    if (!CHECK_EQ(0, status)) fprintf(stderr, "%s\n", log ? log : "");
    free(log);
    snprintf(cmd, sizeof cmd, "%s -c \"import json,os; s=json.load(open('%s/out/summary.json')); d=s['dataset']; "
             "print(d['items'], d['unlabelled'], d['n_classes'], int(os.path.exists('%s/out/label_issues.csv')), "
             "int(os.path.exists('%s/out/duplicates.csv')))\"", check_python(), check_tmpdir(), check_tmpdir(), check_tmpdir());
    char *out = check_run(cmd, &status);
    CHECK_EQ(0, status);
    int items = -1, unl = -1, ncls = -1, has_li = -1, has_dups = -1;
    if (out) sscanf(out, "%d %d %d %d %d", &items, &unl, &ncls, &has_li, &has_dups);
    CHECK_EQ(6, items);
    CHECK_EQ(6, unl);
    CHECK_EQ(0, ncls);
    CHECK_EQ(0, has_li);
    CHECK_EQ(1, has_dups);
    free(out);
    return check_exit();
}

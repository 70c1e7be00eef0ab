/* test_cli_search.c - CLIP's text side from the program, against PyTorch
 * (tests/ref/make_clip_text_ref.py: the image and text towers of
 * tests/data/clip/full/model.safetensors in float64): `analyze --features
 * clip --zero-shot` on a labelled folder of the six test images gives
 * torch's predictions and probabilities (one template, and --prompts with
 * three averaged), summary.json's accuracy and confusion matrix from them;
 * --classes on an unlabelled folder makes the labels; `embscope search OUT
 * TEXT` and `--image FILE` rank the items by torch's cosines, table and
 * --json, and analyze --queries precomputes the same (searches.csv,
 * summary.json searches); --vocabulary names k-means clusters as torch's vectors do
 * (cluster_names.csv); errors (no text tower, no model recorded) are clear.
 * ctest-labels: cli */
#include "check.h"
#include "embscope.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_IMG 6
static const char *IMG[N_IMG] = {"exact_32x32", "grad_200x150", "noise_31x45", "noise_64x40", "noise_97x61", "stripes_37x300"};
#define CLASSES "dog,cat,red car,tree,bird,horse,snow,street"

static char *run(const char *args, int *status) {
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cd '%s' && %s %s 2>&1", check_tmpdir(), EMB_BIN, args);
    return check_run(cmd, status);
}

static int img_index(const char *path) {
    for (int i = 0; i < N_IMG; i++)
        if (strstr(path, IMG[i])) return i;
    return -1;
}

/* ref file lines "NAME CLASS PROB" (class with '_' for ' '). */
static void read_zs_ref(const char *name, char cls[N_IMG][32], double *prob) {
    char p[1024], line[256];
    snprintf(p, sizeof p, "%s/clip/full/%s", TEST_DATA, name);
    FILE *f = fopen(p, "r");
    CHECK(f != NULL);
    for (int k = 0; f && k < N_IMG && fgets(line, sizeof line, f); k++) {
        char n[64], c[32];
        double pr;
        if (sscanf(line, "%63s %31s %lf", n, c, &pr) != 3) continue;
        int i = img_index(n);
        for (char *q = c; *q; q++) if (*q == '_') *q = ' ';
        snprintf(cls[i], 32, "%s", c);
        prob[i] = pr;
    }
    if (f) fclose(f);
}

/* zero_shot.csv against the reference; returns the number that agree with the folder labels. */
static int check_zero_shot_csv(const char *dir, const char *ref_name) {
    char cls[N_IMG][32] = {{0}};
    double prob[N_IMG] = {0};
    read_zs_ref(ref_name, cls, prob);
    char p[1024];
    snprintf(p, sizeof p, "%s/%s/zero_shot.csv", check_tmpdir(), dir);
    FILE *f = fopen(p, "r");
    if (!CHECK(f != NULL)) return -1;
    char **fl;
    int nf, rows = 0, agree = 0;
    CHECK(emb_csv_read_record(f, &fl, &nf) == 1);
    CHECK_EQ(6, nf);
    if (nf == 6) CHECK(!strcmp(fl[0], "index") && !strcmp(fl[3], "predicted") && !strcmp(fl[5], "agrees"));
    emb_csv_record_free(fl, nf);
    while (emb_csv_read_record(f, &fl, &nf) == 1) {
        rows++;
        int i = nf == 6 ? img_index(fl[1]) : -1;
        if (CHECK(i >= 0)) {
            if (strcmp(cls[i], fl[3])) fprintf(stderr, "%s: %s predicted '%s', PyTorch '%s'\n", dir, IMG[i], fl[3], cls[i]);
            CHECK(!strcmp(cls[i], fl[3]));
            CHECK_CLOSE(prob[i], atof(fl[4]), 1e-4, 1e-6);
            bool same = !strcmp(fl[2], fl[3]);
            CHECK(!strcmp(fl[5], same ? "1" : "0"));
            agree += same;
        }
        emb_csv_record_free(fl, nf);
    }
    fclose(f);
    CHECK_EQ(N_IMG, rows);
    return agree;
}

/* cluster_names.csv of tmp/cn against the names computed here from torch's vectors and cn/clusters.csv */
static void check_cluster_names(void) {
    static const char *VOCAB[4] = {"dog", "cat", "snow", "bird"};
    double img[N_IMG][32], voc[4][32];
    char p[1024];
    for (int w = 0; w < 2; w++) {
        snprintf(p, sizeof p, "%s/clip/full/%s", TEST_DATA, w ? "vocab_vectors.txt" : "image_vectors.txt");
        FILE *f = fopen(p, "r");
        for (int i = 0; f && i < (w ? 4 : N_IMG); i++)
            for (int j = 0; j < 32; j++) CHECK(fscanf(f, "%lf", w ? &voc[i][j] : &img[i][j]) == 1);
        if (f) fclose(f);
    }
    /* items.csv order -> image name order; cluster of each item */
    int cl[N_IMG], img_of[N_IMG];
    snprintf(p, sizeof p, "%s/cn/items.csv", check_tmpdir());
    FILE *f = fopen(p, "r");
    char **fl;
    int nf, row = 0;
    while (f && emb_csv_read_record(f, &fl, &nf) == 1) {
        if (row > 0 && row <= N_IMG && nf >= 2) img_of[row - 1] = img_index(fl[1]);
        row++;
        emb_csv_record_free(fl, nf);
    }
    if (f) fclose(f);
    snprintf(p, sizeof p, "%s/cn/clusters.csv", check_tmpdir());
    f = fopen(p, "r");
    row = 0;
    while (f && emb_csv_read_record(f, &fl, &nf) == 1) {
        if (row > 0 && row <= N_IMG && nf >= 2) cl[atoi(fl[0])] = atoi(fl[1]);
        row++;
        emb_csv_record_free(fl, nf);
    }
    if (f) fclose(f);
    snprintf(p, sizeof p, "%s/cn/cluster_names.csv", check_tmpdir());
    f = fopen(p, "r");
    if (!CHECK(f != NULL)) return;
    CHECK(emb_csv_read_record(f, &fl, &nf) == 1);
    emb_csv_record_free(fl, nf);
    int named = 0;
    while (emb_csv_read_record(f, &fl, &nf) == 1) {
        int k = atoi(fl[0]);
        double m[32] = {0}, nm = 0, best = -2, second = -2;
        int bi = -1;
        for (int i = 0; i < N_IMG; i++)
            if (cl[i] == k) { double n2 = 0; for (int j = 0; j < 32; j++) n2 += img[img_of[i]][j] * img[img_of[i]][j];
                              for (int j = 0; j < 32; j++) m[j] += img[img_of[i]][j] / sqrt(n2); }
        for (int j = 0; j < 32; j++) nm += m[j] * m[j];
        for (int v = 0; v < 4; v++) {
            double d = 0, nv = 0;
            for (int j = 0; j < 32; j++) { d += m[j] * voc[v][j]; nv += voc[v][j] * voc[v][j]; }
            d /= sqrt(nm * nv);
            if (d > best) { second = best; best = d; bi = v; } else if (d > second) second = d;
        }
        CHECK(nf == 5 && !strcmp(fl[1], VOCAB[bi]));
        CHECK_CLOSE(best, atof(fl[2]), 1e-4, 1e-5);
        CHECK_CLOSE(best - second, atof(fl[3]), 1e-3, 1e-4);
        named++;
        emb_csv_record_free(fl, nf);
    }
    fclose(f);
    CHECK_EQ(2, named);
}

int main(void) {
    char cmd[4096], model[1024];
    snprintf(model, sizeof model, "%s/clip/full/model.safetensors", TEST_DATA);
    /* a labelled folder: three images in snow/, three in bird/ */
    snprintf(cmd, sizeof cmd, "cd '%s' && mkdir -p data/snow data/bird flat && for i in exact_32x32 grad_200x150 noise_31x45; do "
             "cp %s/clip/pre/$i.png data/snow/; done && for i in noise_64x40 noise_97x61 stripes_37x300; do cp %s/clip/pre/$i.png data/bird/; done "
             "&& cp data/*/*.png flat/", check_tmpdir(), TEST_DATA, TEST_DATA);
    CHECK_EQ(0, system(cmd));
    int st = 0;
    snprintf(cmd, sizeof cmd, "cd '%s' && printf 'a photo of a dog.\\n' > queries.txt", check_tmpdir());
    CHECK_EQ(0, system(cmd));
    snprintf(cmd, sizeof cmd, "analyze data --features clip --model %s -o zs -k 3 --map none --clusters none --quiet "
             "--zero-shot --classes '" CLASSES "' --queries queries.txt", model);
    char *log = run(cmd, &st);
    if (!CHECK_EQ(0, st)) fprintf(stderr, "%s\n", log);
    free(log);
    int agree = check_zero_shot_csv("zs", "zeroshot.txt");
    CHECK_EQ(3, agree);   /* torch: every image "snow" */
    char p[1024];
    snprintf(p, sizeof p, "%s/zs/summary.json", check_tmpdir());
    char *js = check_read_text(p);
    CHECK(js != NULL);
    if (js) {
        CHECK_CONTAINS(js, "\"accuracy\":\t0.5");
        CHECK_CONTAINS(js, "\"labels\":\t[\"bird\", \"snow\"]");
        CHECK_CONTAINS(js, "\"counts\":\t[[0, 0, 0, 0, 0, 0, 3, 0], [0, 0, 0, 0, 0, 0, 3, 0]]");
        CHECK_CONTAINS(js, "\"model\":");
    }
    free(js);

    /* three templates averaged: other predictions */
    snprintf(p, sizeof p, "%s/prompts.txt", check_tmpdir());
    const char *tm = "a photo of a {}.\n\na drawing of the {}\n{}!\n";
    check_write_file(p, tm, strlen(tm));
    snprintf(cmd, sizeof cmd, "analyze data --features clip --model %s -o ens -k 3 --map none --clusters none --quiet "
             "--prompts prompts.txt --classes '" CLASSES "'", model);
    log = run(cmd, &st);
    if (!CHECK_EQ(0, st)) fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ(3, check_zero_shot_csv("ens", "zeroshot_ens.txt"));   /* bird x 5 (3 in bird/), red car */

    /* unlabelled: the zero-shot labels become the labels */
    snprintf(cmd, sizeof cmd, "analyze flat --features clip --model %s -o un -k 3 --map none --clusters none --quiet "
             "--classes '" CLASSES "'", model);
    log = run(cmd, &st);
    if (!CHECK_EQ(0, st)) fprintf(stderr, "%s\n", log);
    free(log);
    snprintf(p, sizeof p, "%s/un/items.csv", check_tmpdir());
    char *items = check_read_text(p);
    CHECK(items && strstr(items, ",snow\n"));
    free(items);
    snprintf(p, sizeof p, "%s/un/summary.json", check_tmpdir());
    js = check_read_text(p);
    CHECK(js && strstr(js, "\"labels_from_zero_shot\":\ttrue"));
    free(js);

    /* search by text: the model recorded in summary.json; the reference's order and cosines */
    double sim_t[N_IMG], sim_i[N_IMG];
    {
        snprintf(p, sizeof p, "%s/clip/full/search.txt", TEST_DATA);
        FILE *f = fopen(p, "r");
        char n[64];
        double a, b;
        while (f && fscanf(f, "%63s %lf %lf", n, &a, &b) == 3) { int i = img_index(n); if (i >= 0) { sim_t[i] = a; sim_i[i] = b; } }
        if (f) fclose(f);
    }
    for (int mode = 0; mode < 2; mode++) {
        snprintf(cmd, sizeof cmd, mode ? "search zs --image data/snow/exact_32x32.png -k 6 --json" : "search zs 'a photo of a dog.' -k 6 --json");
        char *out = run(cmd, &st);
        CHECK_EQ(0, st);
        double prev = 2;
        int found = 0;
        for (char *q = out ? strstr(out, "\"similarity\": ") : NULL; q; q = strstr(q + 1, "\"similarity\": ")) {
            double s = atof(q + 14);
            char *path = strstr(q, "\"path\": \""), one[512] = "";
            if (path) sscanf(path + 9, "%511[^\"]", one);
            int i = img_index(one);
            if (!CHECK(i >= 0)) break;
            CHECK_CLOSE(mode ? sim_i[i] : sim_t[i], s, 1e-4, 1e-5);
            CHECK(s <= prev);
            prev = s;
            found++;
        }
        CHECK_EQ(N_IMG, found);
        if (out && mode == 0) CHECK_CONTAINS(out, "\"query\": \"a photo of a dog.\"");
        free(out);
    }
    /* --queries at analyze time: searches.csv, the same cosines */
    snprintf(p, sizeof p, "%s/zs/searches.csv", check_tmpdir());
    FILE *sf = fopen(p, "r");
    int srows = 0;
    if (CHECK(sf != NULL)) {
        char **fl;
        int nf;
        CHECK(emb_csv_read_record(sf, &fl, &nf) == 1);
        emb_csv_record_free(fl, nf);
        while (emb_csv_read_record(sf, &fl, &nf) == 1) {
            int i = nf == 5 ? img_index(fl[3]) : -1;
            if (CHECK(i >= 0)) { CHECK(!strcmp(fl[0], "a photo of a dog.")); CHECK_CLOSE(sim_t[i], atof(fl[4]), 1e-4, 1e-5); }
            srows++;
            emb_csv_record_free(fl, nf);
        }
        fclose(sf);
    }
    CHECK_EQ(N_IMG, srows);
    snprintf(p, sizeof p, "%s/zs/summary.json", check_tmpdir());
    js = check_read_text(p);
    CHECK(js && strstr(js, "\"searches\":"));
    free(js);

    log = run("search zs 'a red car' -k 2", &st);   /* the table */
    CHECK_EQ(0, st);
    if (log) { CHECK_CONTAINS(log, "rank    index similarity"); CHECK_CONTAINS(log, "   2 "); CHECK(!strstr(log, "   3 ")); }
    free(log);

    /* cluster names: k-means into 2, each cluster's mean of torch's image vectors against torch's vocabulary vectors */
    snprintf(p, sizeof p, "%s/vocab.txt", check_tmpdir());
    check_write_file(p, "dog\ncat\n\nsnow\nbird\n", 18);
    snprintf(cmd, sizeof cmd, "analyze data --features clip --model %s -o cn -k 3 --map none --clusters kmeans:2 --quiet --vocabulary vocab.txt", model);
    log = run(cmd, &st);
    if (!CHECK_EQ(0, st)) fprintf(stderr, "%s\n", log);
    free(log);
    check_cluster_names();

    /* errors: an image-only model has no text tower; a folder made without --model records none */
    snprintf(cmd, sizeof cmd, "search zs 'a dog' --model %s/clip/hf/model.f32.safetensors", TEST_DATA);
    log = run(cmd, &st);
    CHECK(st != 0);
    if (log) CHECK_CONTAINS(log, "no CLIP text tower");
    free(log);
    log = run("analyze data -o px -k 3 --map none --clusters none --quiet", &st);
    free(log);
    log = run("search px 'a dog'", &st);
    CHECK_EQ(1, st);
    if (log) CHECK_CONTAINS(log, "records no CLIP model");
    free(log);
    log = run("analyze data -o px2 -k 3 --map none --clusters none --quiet --zero-shot", &st);
    CHECK_EQ(1, st);
    if (log) CHECK_CONTAINS(log, "--zero-shot needs --features clip");
    free(log);
    return check_exit();
}

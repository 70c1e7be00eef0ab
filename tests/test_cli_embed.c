/* test_cli_embed.c - `embscope embed` on image folders (DATA/<class>/ and
 * DATA/<split>/<class>/) of mixed JPEG/PNG/WebP with corrupt files, checked
 * file by file: items.csv order, splits and labels, skipped.csv with reasons,
 * embeddings.npy against PIL + numpy (tests/ref/folder_ref.py: convert("L")
 * or "RGB", exact area resize by np.kron/block mean, / 255); empty and
 * all-corrupt folders exit 2; usage errors exit 1; --help exits 0 for every
 * command. */
/* ctest-labels: unit */
#include "check.h"
#include "embscope.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ITEMS 128
typedef struct {
    int n, n_bad;
    char *path[MAX_ITEMS], *split[MAX_ITEMS], *cls[MAX_ITEMS];
    char *bad[MAX_ITEMS];
} expected;

/* Run embscope with args; returns exit status, output (stdout+stderr) in *out. */
static int run_emb(const char *args, char **out) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", EMB_BIN, args);
    int status;
    char *o = check_run(cmd, &status);
    if (out) *out = o; else free(o);
    return status;
}

static void parse_listing(char *text, const char *layout, expected *e) {
    memset(e, 0, sizeof *e);
    char *save, *line = strtok_r(text, "\n", &save);
    char kind[8], lay[16], split[16], cls[64], path[1024];
    for (; line; line = strtok_r(NULL, "\n", &save)) {
        if (sscanf(line, "%7s %15s %15s %63s %1023s", kind, lay, split, cls, path) != 5 || strcmp(lay, layout)) continue;
        if (!strcmp(kind, "bad")) e->bad[e->n_bad++] = strdup(path);
        else {
            e->path[e->n] = strdup(path);
            e->split[e->n] = strdup(strcmp(split, "-") ? split : "");
            e->cls[e->n] = strdup(cls);
            e->n++;
        }
    }
}
static void free_expected(expected *e) {
    for (int i = 0; i < e->n; i++) { free(e->path[i]); free(e->split[i]); free(e->cls[i]); }
    for (int i = 0; i < e->n_bad; i++) free(e->bad[i]);
}

/* Compare OUT/embeddings.npy with the PIL/numpy reference for OUT/items.csv. */
static void check_vectors(const char *out, int size, int color) {
    char cmd[2048], *items = malloc(strlen(out) + 32), *emb = malloc(strlen(out) + 32), *ref = malloc(strlen(out) + 32);
    sprintf(items, "%s/items.csv", out);
    sprintf(emb, "%s/embeddings.npy", out);
    sprintf(ref, "%s/ref.npy", out);
    snprintf(cmd, sizeof cmd, "%s '%s/folder_ref.py' ref '%s' %d %d '%s'", check_python(), TEST_REF, items, size, color, ref);
    int status;
    free(check_run(cmd, &status));
    CHECK_EQ(0, status);
    emb_matf a = {0}, b = {0};
    if (CHECK(emb_npy_load_f32(emb, &a) == EMB_OK) && CHECK(emb_npy_load_f32(ref, &b) == EMB_OK)) {
        CHECK_EQ(b.rows, a.rows);
        CHECK_EQ((int64_t)size * size * (color ? 3 : 1), a.cols);
        CHECK_EQ(b.cols, a.cols);
        if (a.rows == b.rows && a.cols == b.cols) {
            /* PNG and WebP decode identically to PIL; JPEG within +-1 per
             * channel, so a resized mean is within 1/255 */
            CHECK_CLOSE_F32(b.data, a.data, (size_t)(a.rows * a.cols), 0, 1.0 / 255 + 1e-6);
            double worst = 0;
            for (int64_t i = 0; i < a.rows * a.cols; i++) worst = fmax(worst, fabs(a.data[i] - b.data[i]));
            fprintf(stderr, "  %s: %lld x %lld, max |embscope - PIL/numpy| = %.3g\n", out, (long long)a.rows, (long long)a.cols, worst);
        }
    }
    emb_matf_free(&a);
    emb_matf_free(&b);
    free(items); free(emb); free(ref);
}

static void check_layout(const char *data_root, const char *listing, const char *layout,
                         const char *const *classes, int n_classes) {
    expected e;
    char *copy = strdup(listing);
    parse_listing(copy, layout, &e);
    free(copy);
    CHECK(e.n > 10 && e.n_bad >= 3);
    char data[1024], out[1024], args[8192], *txt;
    snprintf(data, sizeof data, "%s/%s", data_root, layout);
    snprintf(out, sizeof out, "%s/out_%s", check_tmpdir(), layout);
    snprintf(args, sizeof args, "embed '%s' -o '%s' --threads 2", data, out);
    int rc = run_emb(args, &txt);
    if (!CHECK_EQ(0, rc)) fprintf(stderr, "%s\n", txt);
    free(txt);

    /* classes: sorted by name, whatever the split they first appear in */
    emb_dataset *ds = NULL;
    if (CHECK(emb_dataset_open(data, NULL, &ds) == EMB_OK)) {
        CHECK_EQ(n_classes, ds->n_classes);
        for (int c = 0; c < n_classes && c < ds->n_classes; c++) CHECK(!strcmp(classes[c], ds->class_names[c]));
        CHECK_EQ(e.n + e.n_bad, ds->n);  /* listed, not yet decoded */
        emb_dataset_free(ds);
    }

    /* items.csv: the readable files, in order, with split and class */
    char p[1100];
    snprintf(p, sizeof p, "%s/items.csv", out);
    emb_dataset *it = NULL;
    if (CHECK(emb_items_read(p, &it) == EMB_OK)) {
        CHECK_EQ(e.n, it->n);
        for (int i = 0; i < e.n && i < it->n; i++) {
            if (!CHECK(!strcmp(e.path[i], it->path[i]))) fprintf(stderr, "  row %d: %s, expected %s\n", i, it->path[i], e.path[i]);
            CHECK(!strcmp(e.split[i], emb_split_name((emb_split)it->split[i])));
            CHECK(it->label[i] >= 0 && !strcmp(e.cls[i], it->class_names[it->label[i]]));
        }
        emb_dataset_free(it);
    }

    /* skipped.csv: exactly the corrupt files, each with its reason */
    snprintf(p, sizeof p, "%s/skipped.csv", out);
    FILE *f = fopen(p, "rb");
    char **fl;
    int nf, rows = 0, found = 0;
    while (f && emb_csv_read_record(f, &fl, &nf) == 1) {
        if (rows++ == 0) { CHECK(nf == 2 && !strcmp(fl[0], "path")); emb_csv_record_free(fl, nf); continue; }
        if (CHECK_EQ(2, nf)) {
            for (int b = 0; b < e.n_bad; b++) if (!strcmp(e.bad[b], fl[0])) found++;
            const char *why = strstr(fl[0], "truncated.jpg") ? "JPEG" : strstr(fl[0], "zero") ? "empty file"
                            : "not an image in a known format";
            if (!CHECK(strstr(fl[1], why) != NULL)) fprintf(stderr, "  %s: reason '%s', expected '%s'\n", fl[0], fl[1], why);
            CHECK(strstr(fl[1], fl[0]) == NULL);  /* the reason does not repeat the path */
        }
        emb_csv_record_free(fl, nf);
    }
    if (f) fclose(f);
    CHECK_EQ(e.n_bad + 1, rows);
    CHECK_EQ(e.n_bad, found);

    /* embeddings.npy: row i = item i, against PIL + numpy */
    check_vectors(out, 32, 0);

    /* RGB, another size, one thread: also against the reference */
    char out2[1100];
    snprintf(out2, sizeof out2, "%s_rgb", out);
    snprintf(args, sizeof args, "embed '%s' -o '%s' --pixels-size 7 --pixels-color --threads 1 --quiet", data, out2);
    CHECK_EQ(0, run_emb(args, NULL));
    check_vectors(out2, 7, 1);

    /* same bytes with 1 and 2 threads; no temporary files left */
    char out3[1100];
    snprintf(out3, sizeof out3, "%s_t1", out);
    snprintf(args, sizeof args, "embed '%s' -o '%s' --threads 1 --quiet", data, out3);
    CHECK_EQ(0, run_emb(args, NULL));
    snprintf(args, sizeof args, "cmp '%s/embeddings.npy' '%s/embeddings.npy' && cmp '%s/items.csv' '%s/items.csv' && ls -a '%s' '%s' | grep -c '[.]tmp[.]'",
             out, out3, out, out3, out, out3);
    int status;
    char *o = check_run(args, &status);
    CHECK(o && atoi(o) == 0 && status == 1);  /* grep -c found 0 lines: status 1 */
    free(o);
    free_expected(&e);
}

static void test_errors(const char *root) {
    char args[2048], *txt;
    /* an empty dataset folder, a folder of only corrupt files, a missing path */
    snprintf(args, sizeof args, "embed '%s/empty' -o '%s/out_empty'", root, check_tmpdir());
    CHECK_EQ(2, run_emb(args, &txt));
    CHECK_CONTAINS(txt, "no items found");
    free(txt);
    snprintf(args, sizeof args, "embed '%s/allbad' -o '%s/out_allbad'", root, check_tmpdir());
    CHECK_EQ(2, run_emb(args, &txt));
    CHECK_CONTAINS(txt, "no readable image");
    free(txt);
    char p[1024];
    snprintf(p, sizeof p, "%s/out_allbad/skipped.csv", check_tmpdir());
    FILE *f = fopen(p, "r");
    int lines = 0, ch;
    while (f && (ch = fgetc(f)) != EOF) lines += ch == '\n';
    if (f) fclose(f);
    CHECK_EQ(3, lines);   /* header + the two corrupt files */
    snprintf(args, sizeof args, "embed '%s/no-such-dir' -o '%s/out_x'", root, check_tmpdir());
    CHECK_EQ(2, run_emb(args, &txt));
    CHECK_CONTAINS(txt, "no-such-dir");
    free(txt);
    snprintf(args, sizeof args, "analyze '%s/empty' -o '%s/out_empty2'", root, check_tmpdir());
    CHECK_EQ(2, run_emb(args, NULL));

    /* usage errors exit 1 */
    const char *usage[] = {
        "", "frobnicate", "embed", "embed DATA", "embed -o OUT", "embed A B -o OUT",
        "embed DATA -o OUT --no-such-option", "embed DATA -o OUT --threads abc",
        "embed DATA -o OUT --pixels-size 0", "embed DATA -o OUT --pixels-size 5000",
        "embed DATA -o OUT --features nope", "analyze DATA -o OUT -k 0", "analyze", "neighbors",
        "embed DATA -o OUT --layout nested", "analyze DATA -o OUT --layout auto", "embed DATA -o OUT --box-margin -1",
        "analyze DATA -o OUT --box-margin x",
    };
    for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++) {
        int rc = run_emb(usage[i], &txt);
        if (!CHECK_EQ(1, rc)) fprintf(stderr, "  embscope %s -> %d: %s\n", usage[i], rc, txt);
        free(txt);
    }
    /* --help on the program and on every command it lists */
    CHECK_EQ(0, run_emb("--help", &txt));
    char *cmds = txt ? strstr(txt, "commands:") : NULL;
    int n_cmds = 0;
    if (CHECK(cmds != NULL)) {
        char *save, *line = strtok_r(cmds, "\n", &save);
        while ((line = strtok_r(NULL, "\n", &save)) && line[0] == ' ') {
            char name[64];
            if (sscanf(line, " %63s", name) != 1) continue;
            char a[128], *h;
            snprintf(a, sizeof a, "%s --help", name);
            int rc = run_emb(a, &h);
            if (!CHECK_EQ(0, rc)) fprintf(stderr, "  embscope %s -> %d\n", a, rc);
            if (strcmp(name, "version")) CHECK_CONTAINS(h, "usage: embscope");
            free(h);
            snprintf(a, sizeof a, "%s -h", name);
            CHECK_EQ(0, run_emb(a, NULL));
            n_cmds++;
        }
    }
    CHECK(n_cmds >= 3);
    free(txt);
}

int main(void) {
    char *root = check_tmp_path("data");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s '%s/folder_ref.py' make '%s'", check_python(), TEST_REF, root);
    int status;
    char *listing = check_run(cmd, &status);
    if (CHECK(listing && status == 0)) {
        static const char *flat[] = {"bird", "cat", "dog"};
        static const char *split[] = {"ant", "bird", "cat", "dog"};
        check_layout(root, listing, "flat", flat, 3);
        check_layout(root, listing, "split", split, 4);
        test_errors(root);
    }
    free(listing);
    free(root);
    return check_exit();
}

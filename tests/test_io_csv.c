/* test_io_csv.c - items.csv and skipped.csv round trips with hostile paths
 * (commas, quotes, CR/LF, unicode, leading/trailing spaces), checked against
 * embscope's own reader and Python's csv module (the independent RFC 4180
 * reference), plus malformed files. */
/* ctest-labels: unit */
#include "check.h"
#include "embscope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *PATHS[] = {
    "plain/a.jpg",
    "with,comma/b.png",
    "with \"quotes\"/c.webp",
    "\"starts with a quote.jpg",
    "line\nbreak/d.jpg",
    "crlf\r\nbreak/e.jpg",
    "unicode/\xc3\xa9t\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e/\xf0\x9f\x90\x88.png",
    " leading and trailing spaces ",
    ",\",\"\",\n,",
    "/data/mnist/t10k-images-idx3-ubyte.gz#9999",
};
#define N_ITEMS (int)(sizeof PATHS / sizeof PATHS[0])
static const char *CLASSES[] = {"cat", "dog, big", "\"quoted\" class", "\xc3\xa9l\xc3\xa8ve"};

static emb_dataset *make_dataset(void) {
    emb_dataset *ds = calloc(1, sizeof *ds);
    ds->source = EMB_SOURCE_FOLDER;
    ds->n = N_ITEMS;
    ds->path = calloc(N_ITEMS, sizeof(char *));
    ds->split = calloc(N_ITEMS, 1);
    ds->label = calloc(N_ITEMS, sizeof(int32_t));
    for (int c = 0; c < 4; c++) CHECK_EQ(c, emb_dataset_class(ds, CLASSES[c]));
    for (int i = 0; i < N_ITEMS; i++) {
        ds->path[i] = strdup(PATHS[i]);
        ds->split[i] = (uint8_t)(i % 4);                 /* none, train, valid, test */
        ds->label[i] = i % 5 == 4 ? -1 : (int32_t)(i % 4);  /* some unlabelled */
    }
    return ds;
}

static void test_items(void) {
    emb_dataset *ds = make_dataset();
    char *p = check_tmp_path("items.csv");
    CHECK(emb_items_write(p, ds) == EMB_OK);
    emb_dataset *back = NULL;
    if (CHECK(emb_items_read(p, &back) == EMB_OK)) {
        CHECK_EQ(N_ITEMS, back->n);
        CHECK_EQ(EMB_SOURCE_VECTORS, back->source);
        for (int i = 0; i < N_ITEMS && i < back->n; i++) {
            if (!CHECK(!strcmp(PATHS[i], back->path[i]))) fprintf(stderr, "  item %d: '%s' came back as '%s'\n", i, PATHS[i], back->path[i]);
            CHECK_EQ(ds->split[i], back->split[i]);
            int32_t l = back->label[i];
            if (ds->label[i] < 0) CHECK_EQ(-1, l);
            else CHECK(l >= 0 && l < back->n_classes && !strcmp(back->class_names[l], CLASSES[ds->label[i]]));
        }
        emb_dataset_free(back);
    }
    /* Python's csv module reads the same records */
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "%s -c 'import csv,sys; r=list(csv.reader(open(\"%s\",newline=\"\",encoding=\"utf-8\")));"
             "sys.stdout.buffer.write(repr(r).encode(\"unicode_escape\"))'", check_python(), p);
    int status;
    char *out = check_run(cmd, &status);
    CHECK(out && status == 0);
    /* the expected Python value, built here the same way */
    char *exp = malloc(1 << 16);
    size_t k = 0;
    k += (size_t)sprintf(exp + k, "[['index', 'path', 'split', 'label']");
    for (int i = 0; i < N_ITEMS; i++) {
        k += (size_t)sprintf(exp + k, ", ['%d', ", i);
        /* Python's repr: single quotes unless the string holds one; escapes \n \r */
        const char *s = PATHS[i];
        bool dq = strchr(s, '\'') != NULL;
        exp[k++] = dq ? '"' : '\'';
        for (; *s; s++) {
            if (*s == '\n') { exp[k++] = '\\'; exp[k++] = 'n'; }
            else if (*s == '\r') { exp[k++] = '\\'; exp[k++] = 'r'; }
            else exp[k++] = *s;
        }
        exp[k++] = dq ? '"' : '\'';
        const char *lab = ds->label[i] < 0 ? "" : CLASSES[ds->label[i]];
        k += (size_t)sprintf(exp + k, ", '%s', '%s']", emb_split_name((emb_split)ds->split[i]), lab);
    }
    k += (size_t)sprintf(exp + k, "]");
    exp[k] = 0;
    /* compare after the same unicode_escape step on our side: do it by
     * asking Python to escape our expected text too */
    char *ep = check_tmp_path("expected.txt");
    CHECK(check_write_file(ep, exp, k));
    snprintf(cmd, sizeof cmd, "%s -c 'import sys; sys.stdout.buffer.write(open(\"%s\",encoding=\"utf-8\").read().encode(\"unicode_escape\"))'", check_python(), ep);
    char *exp_esc = check_run(cmd, &status);
    /* unicode_escape doubles backslashes: apply to both sides equally */
    if (!CHECK(out && exp_esc && !strcmp(out, exp_esc))) fprintf(stderr, "  python: %s\n  wanted: %s\n", out, exp_esc);
    free(out); free(exp); free(exp_esc); free(ep);
    emb_dataset_free(ds);
    free(p);
}

static void test_skipped(void) {
    emb_skipped s = {0};
    for (int i = 0; i < N_ITEMS; i++) CHECK(emb_skipped_add(&s, PATHS[i], i % 2 ? "corrupt JPEG: premature end, \"data\"" : "empty file") == EMB_OK);
    char *p = check_tmp_path("skipped.csv");
    CHECK(emb_skipped_write(p, &s) == EMB_OK);
    FILE *f = fopen(p, "rb");
    char **fl;
    int nf, r, rec = 0;
    while (f && (r = emb_csv_read_record(f, &fl, &nf)) == 1) {
        if (rec == 0) CHECK(nf == 2 && !strcmp(fl[0], "path") && !strcmp(fl[1], "reason"));
        else if (CHECK_EQ(2, nf) && rec <= N_ITEMS) {
            CHECK(!strcmp(fl[0], PATHS[rec - 1]));
            CHECK(!strcmp(fl[1], (rec - 1) % 2 ? "corrupt JPEG: premature end, \"data\"" : "empty file"));
        }
        emb_csv_record_free(fl, nf);
        rec++;
    }
    CHECK_EQ(N_ITEMS + 1, rec);
    if (f) fclose(f);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s -c 'import csv; r=list(csv.reader(open(\"%s\",newline=\"\",encoding=\"utf-8\"))); print(len(r), r[3][0] == \"with \\\"quotes\\\"/c.webp\", r[5][0] == \"line\\nbreak/d.jpg\", r[6][1])'",
             check_python(), p);
    int status;
    char *out = check_run(cmd, &status);
    CHECK_CONTAINS(out, "11 True True corrupt JPEG: premature end, \"data\"");
    free(out);
    emb_skipped_free(&s);
    free(p);
}

static void expect_bad(const char *name, const char *text, emb_status want) {
    char *p = check_tmp_path(name);
    CHECK(check_write_file(p, text, strlen(text)));
    emb_dataset *ds = NULL;
    emb_status st = emb_items_read(p, &ds);
    if (!CHECK_EQ(want, st)) fprintf(stderr, "  %s\n", name);
    if (st == EMB_OK) emb_dataset_free(ds);
    else CHECK_CONTAINS(emb_errmsg(), p);
    free(p);
}

static void test_reader(void) {
    /* CRLF line ends (Excel), a quoted empty label, a blank last line */
    char *p = check_tmp_path("crlf.csv");
    const char *t = "index,path,split,label\r\n0,a.jpg,train,cat\r\n1,\"b,1.jpg\",test,\"\"\r\n2,c.jpg,,dog\r\n\r\n";
    CHECK(check_write_file(p, t, strlen(t)));
    emb_dataset *ds = NULL;
    if (CHECK(emb_items_read(p, &ds) == EMB_OK)) {
        CHECK_EQ(3, ds->n);
        CHECK(!strcmp(ds->path[1], "b,1.jpg"));
        CHECK_EQ(EMB_SPLIT_TEST, ds->split[1]);
        CHECK_EQ(-1, ds->label[1]);
        CHECK_EQ(EMB_SPLIT_NONE, ds->split[2]);
        CHECK_EQ(2, ds->n_classes);
        CHECK(!strcmp(ds->class_names[ds->label[2]], "dog"));
        emb_dataset_free(ds);
    }
    free(p);
    expect_bad("empty.csv", "", EMB_E_FORMAT);
    expect_bad("header.csv", "idx,file,split,label\n0,a,,\n", EMB_E_FORMAT);
    expect_bad("unterminated.csv", "index,path,split,label\n0,\"a.jpg,train,cat\n", EMB_E_FORMAT);
    expect_bad("few_fields.csv", "index,path,split,label\n0,a.jpg\n", EMB_E_FORMAT);
    expect_bad("index_gap.csv", "index,path,split,label\n0,a.jpg,,\n2,b.jpg,,\n", EMB_E_FORMAT);
    p = check_tmp_path("missing.csv");
    CHECK_EQ(EMB_E_IO, emb_items_read(p, &ds));
    free(p);
}

int main(void) {
    test_items();
    test_skipped();
    test_reader();
    return check_exit();
}

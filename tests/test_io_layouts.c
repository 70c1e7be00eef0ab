/* test_io_layouts.c - image folders in every layout (flat, class/,
 * split/class/, recursive at any depth, recursive below split folders),
 * symlinks (a link loop, a second link to a folder, a link to a folder
 * outside DATA, a link to a file), non-image and hidden files, forced
 * layouts (--layout), label CSVs (path,label,split and Roboflow's one-hot
 * _classes.csv, given or found in a split folder), each item's path, split and label against the listing of
 * tests/ref/make_layouts.py; then `embscope analyze` on every layout (flat
 * and unlabelled, class, class relabelled by a CSV, split-class, recursive): the
 * layout and its reason, the stages left out and the CSV's problems in the
 * files written.
 * ctest-labels: cli */
#include "check.h"
#include "embscope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINES 64
static char *exp_ds[MAX_LINES], *exp_rel[MAX_LINES], *exp_split[MAX_LINES], *exp_label[MAX_LINES];
static int n_exp;
static char root[1024];

static const char *rel_of(const char *path, const char *ds) {
    size_t l = strlen(root);
    if (strncmp(path, root, l) || path[l] != '/') return path;
    path += l + 1;
    l = strlen(ds);
    return !strncmp(path, ds, l) && path[l] == '/' ? path + l + 1 : path;
}

static const char *label_of(const emb_dataset *ds, int64_t i) {
    return ds->label[i] >= 0 ? ds->class_names[ds->label[i]] : "-";
}
static const char *split_of(const emb_dataset *ds, int64_t i) {
    return ds->split[i] ? emb_split_name((emb_split)ds->split[i]) : "-";
}

/* Open DATA/<name> (with a forced layout / labels) and compare every item. */
static emb_dataset *open_ds(const char *name, emb_layout lay, const char *labels) {
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", root, name);
    emb_dataset_params dp = emb_dataset_default_params();
    dp.layout = lay;
    dp.labels_csv = labels;
    emb_dataset *ds = NULL;
    if (!CHECK(emb_dataset_open(p, &dp, &ds) == EMB_OK)) { fprintf(stderr, "  %s: %s\n", name, emb_errmsg()); return NULL; }
    return ds;
}

static void compare(const char *name, const emb_dataset *ds, const char *layout) {
    if (!ds) return;
    int want = 0;
    for (int e = 0; e < n_exp; e++) want += !strcmp(exp_ds[e], name);
    if (!CHECK_EQ(want, ds->n)) fprintf(stderr, "  %s\n", name);
    if (!CHECK(ds->layout && !strcmp(ds->layout, layout))) fprintf(stderr, "  %s: layout %s, expected %s\n", name, ds->layout, layout);
    CHECK(ds->layout_reason && ds->layout_reason[0]);
    int64_t i = 0;
    for (int e = 0; e < n_exp && i < ds->n; e++) {
        if (strcmp(exp_ds[e], name)) continue;
        const char *r = rel_of(ds->path[i], name);
        if (!CHECK(!strcmp(r, exp_rel[e]) && !strcmp(split_of(ds, i), exp_split[e]) && !strcmp(label_of(ds, i), exp_label[e])))
            fprintf(stderr, "  %s item %lld: %s %s %s, expected %s %s %s\n", name, (long long)i, r, split_of(ds, i),
                    label_of(ds, i), exp_rel[e], exp_split[e], exp_label[e]);
        i++;
    }
}

static int64_t find(const emb_dataset *ds, const char *name, const char *rel) {
    for (int64_t i = 0; i < ds->n; i++) if (!strcmp(rel_of(ds->path[i], name), rel)) return i;
    return -1;
}

static char *run_py(const char *code) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s -c \"%s\"", check_python(), code);
    int status;
    char *o = check_run(cmd, &status);
    CHECK_EQ(0, status);
    return o;
}

static void analyze(const char *name, const char *extra, const char *out) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' analyze '%s/%s' -o '%s/%s' --threads 2 --map none -k 3 %s 2>&1", EMB_BIN, root, name,
             check_tmpdir(), out, extra);
    int status;
    char *log = check_run(cmd, &status);
    if (!CHECK_EQ(0, status)) fprintf(stderr, "%s\n", log ? log : "");
    free(log);
}

int main(void) {
    snprintf(root, sizeof root, "%s/data", check_tmpdir());
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && %s '%s/make_layouts.py' '%s'", root, check_python(), TEST_REF, root);
    int status;
    char *listing = check_run(cmd, &status);
    if (!CHECK_EQ(0, status)) { free(listing); return check_exit(); }
    char *save, *line = strtok_r(listing, "\n", &save);
    for (; line && n_exp < MAX_LINES; line = strtok_r(NULL, "\n", &save)) {
        char a[64], b[256], c[256], d[64], e[64];
        if (sscanf(line, "%63s %63s %255s %63s %63s", a, d, b, c, e) != 5 || strcmp(a, "item")) continue;
        exp_ds[n_exp] = strdup(d); exp_rel[n_exp] = strdup(b); exp_split[n_exp] = strdup(c); exp_label[n_exp] = strdup(e);
        n_exp++;
    }
    free(listing);
    CHECK_EQ(20, n_exp);

    /* detected layouts */
    static const char *const DS[][2] = {{"flat", "flat"}, {"class", "class"}, {"split", "split-class"},
                                        {"recursive", "recursive"}, {"split_deep", "recursive"}};
    for (int k = 0; k < 5; k++) {
        emb_dataset *ds = open_ds(DS[k][0], EMB_LAYOUT_AUTO, NULL);
        compare(DS[k][0], ds, DS[k][1]);
        emb_dataset_free(ds);
    }
    /* forced layouts */
    emb_dataset *ds = open_ds("class", EMB_LAYOUT_FLAT, NULL);
    if (ds) {
        CHECK_EQ(1, ds->n);
        CHECK_EQ(0, strcmp(rel_of(ds->path[0], "class"), "loose.png"));
        CHECK_CONTAINS(ds->layout_reason, "--layout flat");
        CHECK_CONTAINS(ds->layout_reason, "4 images outside this layout left out");
        emb_dataset_free(ds);
    }
    if ((ds = open_ds("recursive", EMB_LAYOUT_CLASS, NULL))) {
        CHECK_EQ(3, ds->n);   /* cat/2.png, dog/link.png, top.png */
        CHECK(find(ds, "recursive", "dog/a/b/c/3.png") < 0);
        CHECK(strcmp(ds->layout, "class") == 0);
        emb_dataset_free(ds);
    }
    /* a label CSV over class folders: path,label,split; the CSV's labels replace the folders' */
    char csv[1200];
    snprintf(csv, sizeof csv, "%s/labels.csv", root);
    if ((ds = open_ds("class", EMB_LAYOUT_AUTO, csv))) {
        int64_t i;
        CHECK((i = find(ds, "class", "cat/1.png")) >= 0 && !strcmp(label_of(ds, i), "dog") && ds->split[i] == EMB_SPLIT_TRAIN);
        CHECK((i = find(ds, "class", "dog/3.png")) >= 0 && !strcmp(label_of(ds, i), "cat") && ds->split[i] == EMB_SPLIT_NONE);
        CHECK((i = find(ds, "class", "loose.png")) >= 0 && !strcmp(label_of(ds, i), "bird") && ds->split[i] == EMB_SPLIT_TEST);
        CHECK((i = find(ds, "class", "cat/2.png")) >= 0 && ds->label[i] == -1 && ds->split[i] == EMB_SPLIT_VALID);
        CHECK((i = find(ds, "class", "bird/9.png")) >= 0 && ds->label[i] == -1);   /* not in the CSV */
        CHECK_EQ(1, ds->n_labels_unlisted);
        CHECK_EQ(3, ds->n_classes);
        CHECK_EQ(1, ds->annot_issues.n);
        if (ds->annot_issues.n) { CHECK_CONTAINS(ds->annot_issues.reason[0], "nope.png"); CHECK_CONTAINS(ds->annot_issues.where[0], "line 5"); }
        emb_dataset_free(ds);
    }
    /* Roboflow's one-hot _classes.csv, file names relative to its folder */
    snprintf(csv, sizeof csv, "%s/roboflow/train/_classes.csv", root);
    if ((ds = open_ds("roboflow", EMB_LAYOUT_AUTO, csv))) {
        int64_t i;
        CHECK_EQ(3, ds->n);
        CHECK(!strcmp(ds->layout, "split-class"));
        CHECK((i = find(ds, "roboflow", "train/x.png")) >= 0 && !strcmp(label_of(ds, i), "cat") && ds->split[i] == EMB_SPLIT_TRAIN);
        CHECK((i = find(ds, "roboflow", "train/y.png")) >= 0 && !strcmp(label_of(ds, i), "dog"));
        CHECK((i = find(ds, "roboflow", "train/z.png")) >= 0 && ds->label[i] == -1);
        CHECK_EQ(1, ds->annot_issues.n);
        if (ds->annot_issues.n) CHECK_CONTAINS(ds->annot_issues.reason[0], "several classes (cat, dog)");
        emb_dataset_free(ds);
    }

    /* ... and found without --labels: DATA/<split>/_classes.csv labels the items */
    if ((ds = open_ds("roboflow", EMB_LAYOUT_AUTO, NULL))) {
        int64_t i;
        CHECK((i = find(ds, "roboflow", "train/x.png")) >= 0 && !strcmp(label_of(ds, i), "cat"));
        CHECK((i = find(ds, "roboflow", "train/y.png")) >= 0 && !strcmp(label_of(ds, i), "dog"));
        CHECK(ds->labels_file && strstr(ds->labels_file, "_classes.csv"));
        CHECK_CONTAINS(ds->layout_reason, "labels from");
        emb_dataset_free(ds);
    }

    /* --labels none: folders that are not classes */
    {
        char p[1200];
        snprintf(p, sizeof p, "%s/recursive", root);
        emb_dataset_params dp = emb_dataset_default_params();
        dp.unlabelled = true;
        if (CHECK(emb_dataset_open(p, &dp, &ds) == EMB_OK)) {
            CHECK_EQ(5, ds->n);
            CHECK_EQ(0, ds->n_classes);
            for (int64_t i = 0; i < ds->n; i++) CHECK_EQ(-1, ds->label[i]);
            emb_dataset_free(ds);
        }
    }

    /* the program: an unlabelled folder runs every stage that needs no labels */
    analyze("flat", "", "an_flat");
    char code[3000];
    snprintf(code, sizeof code, "import json,os; d='%s/an_flat'; s=json.load(open(d+'/summary.json')); "
             "l=s.get('stages_left_out', {}); print(s['dataset']['layout'], int('label_issues' in l), int('class_overlap' in l), "
             "int('leakage' in l), int(os.path.exists(d+'/label_issues.csv')), int(os.path.exists(d+'/report.html')), "
             "int(os.path.exists(d+'/outliers.csv')), int(os.path.exists(d+'/image_issues.csv')))", check_tmpdir());
    char *o = run_py(code);
    CHECK_CONTAINS(o, "flat 1 1 1 0 1 1 1");
    free(o);
    /* class folders relabelled by a CSV */
    snprintf(cmd, sizeof cmd, "--labels '%s/labels.csv'", root);
    analyze("class", cmd, "an_class");
    snprintf(code, sizeof code, "import json,csv; d='%s/an_class'; s=json.load(open(d+'/summary.json'))['dataset']; "
             "r=list(csv.DictReader(open(d+'/annotation_issues.csv'))); "
             "print(s['layout'], s['labels_unlisted'], s['n_classes'], len(r), r[0]['where'], int(s['labels_file'].endswith('labels.csv')))",
             check_tmpdir());
    o = run_py(code);
    CHECK_CONTAINS(o, "class 1 3 1 line 5 1");
    free(o);
    /* split-class and plain class folders: labelled and split, nothing left out but what needs more */
    analyze("split", "", "an_split");
    snprintf(code, sizeof code, "import json,os; d='%s/an_split'; s=json.load(open(d+'/summary.json')); ds=s['dataset']; "
             "l=s.get('stages_left_out', {}); print(ds['layout'], ds['items'], len(ds['splits']), int('leakage' in l), "
             "int('label_issues' in l), int(os.path.exists(d+'/label_issues.csv')))", check_tmpdir());
    o = run_py(code);
    CHECK_CONTAINS(o, "split-class 5 3 0 0 1");
    free(o);
    analyze("class", "", "an_class_plain");
    snprintf(code, sizeof code, "import json; s=json.load(open('%s/an_class_plain/summary.json')); ds=s['dataset']; "
             "l=s.get('stages_left_out', {}); print(ds['layout'], ds['items'], ds['n_classes'], ds['unlabelled'], "
             "int('leakage' in l), int('label_issues' in l))", check_tmpdir());
    o = run_py(code);
    CHECK_CONTAINS(o, "class 5 3 1 1 0");
    free(o);
    /* recursive: the layout and why */
    analyze("recursive", "", "an_rec");
    snprintf(code, sizeof code, "import json; s=json.load(open('%s/an_rec/summary.json'))['dataset']; "
             "print(s['layout'], s['items'], s['n_classes'], '|', s['layout_reason'])", check_tmpdir());
    o = run_py(code);
    CHECK_CONTAINS(o, "recursive 5 2 |");
    CHECK_CONTAINS(o, "first folder");
    free(o);
    for (int e = 0; e < n_exp; e++) { free(exp_ds[e]); free(exp_rel[e]); free(exp_split[e]); free(exp_label[e]); }
    return check_exit();
}

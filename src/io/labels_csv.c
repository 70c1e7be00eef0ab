/* labels_csv.c - `--labels FILE`: the labels (and splits) of a dataset's
 * items from a CSV, replacing those of the folders. Two shapes:
 *   path,label[,split]           (a header naming the columns, or none)
 *   filename, cat, dog, ...      one-hot, as labelling tools export a
 *                                classification (Roboflow's _classes.csv)
 * A row's path is looked up relative to DATA, then relative to the CSV's
 * own folder, then by file name alone when that is unique. Items the CSV
 * does not list are unlabelled; rows that name no item, one-hot rows with
 * several classes and unknown splits are listed in annotation_issues.csv. */
#include "core/internal.h"
#include "io/io.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct { const char *key; int64_t item; } entry;

static int cmp_entry(const void *a, const void *b) { return strcmp(((const entry *)a)->key, ((const entry *)b)->key); }

static char *trim(char *s) {
    while (isspace((unsigned char)*s)) s++;
    size_t l = strlen(s);
    while (l && isspace((unsigned char)s[l - 1])) s[--l] = 0;
    return s;
}

static int column(char **h, int n, const char *const *names) {
    for (int i = 0; i < n; i++)
        for (const char *const *k = names; *k; k++)
            if (!strcasecmp(trim(h[i]), *k)) return i;
    return -1;
}

static const char *base_name(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* -1 none, -2 ambiguous (file-name lookup only) */
static int64_t lookup(const entry *v, int64_t n, const char *key) {
    entry k = {key, 0};
    const entry *e = n ? bsearch(&k, v, (size_t)n, sizeof *v, cmp_entry) : NULL;
    if (!e) return -1;
    if ((e > v && !strcmp(e[-1].key, key)) || (e + 1 < v + n && !strcmp(e[1].key, key))) return -2;
    return e->item;
}

typedef struct {
    emb_dataset *ds;
    entry *rel, *base;       /* (n) sorted by key */
    const char *csv_dir;     /* the CSV's folder relative to DATA, or NULL */
    char csv_dir_buf[1024];
} finder;

static int64_t find_item(const finder *f, const char *path) {
    int64_t n = f->ds->n;
    while (!strncmp(path, "./", 2)) path += 2;
    int64_t i = lookup(f->rel, n, path);
    if (i >= 0) return i;
    if (f->csv_dir && f->csv_dir[0]) {
        char *p = emb_path_join(f->csv_dir, path);
        i = p ? lookup(f->rel, n, p) : -1;
        free(p);
        if (i >= 0) return i;
    }
    return strchr(path, '/') ? -1 : lookup(f->base, n, path);
}

static emb_status build_finder(emb_dataset *ds, const char *root, const char *csv, finder *f) {
    memset(f, 0, sizeof *f);
    f->ds = ds;
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/') rl--;
    f->rel = malloc(sizeof(entry) * (size_t)(ds->n ? ds->n : 1));
    f->base = malloc(sizeof(entry) * (size_t)(ds->n ? ds->n : 1));
    if (!f->rel || !f->base) return emb__fail(EMB_E_NOMEM, "out of memory");
    for (int64_t i = 0; i < ds->n; i++) {
        const char *p = ds->path[i];
        if (!strncmp(p, root, rl) && p[rl] == '/') p += rl + 1;
        f->rel[i] = (entry){p, i};
        f->base[i] = (entry){base_name(p), i};
    }
    qsort(f->rel, (size_t)ds->n, sizeof(entry), cmp_entry);
    qsort(f->base, (size_t)ds->n, sizeof(entry), cmp_entry);
    if (!strncmp(csv, root, rl) && csv[rl] == '/') {
        snprintf(f->csv_dir_buf, sizeof f->csv_dir_buf, "%s", csv + rl + 1);
        char *s = strrchr(f->csv_dir_buf, '/');
        if (s) { *s = 0; f->csv_dir = f->csv_dir_buf; }
    }
    return EMB_OK;
}

static bool is_one(const char *s) { return !strcmp(s, "1") || !strcmp(s, "1.0") || !strcasecmp(s, "true"); }
static bool is_zero(const char *s) { return !strcmp(s, "0") || !strcmp(s, "0.0") || !strcasecmp(s, "false") || !*s; }

static emb_status apply_row(emb_dataset *ds, const finder *fd, const char *csv, long line, char **fl, int nf,
                            int c_path, int c_label, int c_split, char **hdr, int nh, uint8_t *listed) {
    char where[32];
    snprintf(where, sizeof where, "line %ld", line);
    emb_annot_issues *iss = &ds->annot_issues;
    if (c_path >= nf) return emb_annot_issues_add(iss, csv, where, "row without a path");
    const char *path = trim(fl[c_path]);
    int64_t i = find_item(fd, path);
    if (i == -2) return emb_annot_issues_add(iss, csv, where, "file name matches several items: give the path from DATA");
    if (i < 0) {
        char why[1200];
        snprintf(why, sizeof why, "%s: no such image in DATA", path);
        return emb_annot_issues_add(iss, csv, where, why);
    }
    listed[i] = 1;
    if (c_split >= 0 && c_split < nf && trim(fl[c_split])[0]) {
        emb_split s = emb_split_parse(trim(fl[c_split]));
        if (s == EMB_SPLIT_NONE) {
            emb_status st = emb_annot_issues_add(iss, csv, where, "unknown split (train, valid, test)");
            if (st) return st;
        }
        ds->split[i] = (uint8_t)s;
    }
    if (c_label >= 0) {
        const char *l = c_label < nf ? trim(fl[c_label]) : "";
        ds->label[i] = l[0] ? emb_dataset_class(ds, l) : -1;
        return l[0] && ds->label[i] < 0 ? EMB_E_NOMEM : EMB_OK;
    }
    /* one-hot */
    int hit = -1, hits = 0;
    char names[512] = "";
    for (int c = 0; c < nh && c < nf; c++) {
        if (c == c_path || c == c_split) continue;
        const char *v = trim(fl[c]);
        if (is_one(v)) {
            hits++;
            hit = c;
            size_t l = strlen(names);
            snprintf(names + l, sizeof names - l, "%s%s", l ? ", " : "", trim(hdr[c]));
        } else if (!is_zero(v)) {
            return emb_annot_issues_add(iss, csv, where, "one-hot value is not 0 or 1");
        }
    }
    ds->label[i] = -1;
    if (hits > 1) {
        char why[600];
        snprintf(why, sizeof why, "several classes (%s): left unlabelled", names);
        return emb_annot_issues_add(iss, csv, where, why);
    }
    if (hits == 1 && (ds->label[i] = emb_dataset_class(ds, trim(hdr[hit]))) < 0) return EMB_E_NOMEM;
    return EMB_OK;
}

/* One CSV's rows into ds; listed[i] marks the items it names. */
static emb_status apply_one(emb_dataset *ds, const char *root, const char *csv, uint8_t *listed) {
    FILE *f = fopen(csv, "rb");
    if (!f) return emb__fail(EMB_E_IO, "%s: cannot open: %s", csv, strerror(errno));
    finder fd = {0};
    emb_status st = build_finder(ds, root, csv, &fd);
    char **hdr = NULL;
    int nh = 0;
    int r = st ? -1 : emb_csv_read_record(f, &hdr, &nh);
    if (!st && r != 1) st = emb__fail(EMB_E_FORMAT, "%s: empty or malformed CSV", csv);
    static const char *const PATH[] = {"path", "filename", "file_name", "file", "image", "image_path", "filepath", NULL};
    static const char *const LABEL[] = {"label", "class", "category", "class_name", "label_name", NULL};
    static const char *const SPLIT[] = {"split", "subset", NULL};
    int c_path = 0, c_label = 1, c_split = 2;
    bool header = false;
    if (!st) {
        int cp = column(hdr, nh, PATH), cl = column(hdr, nh, LABEL), cs = column(hdr, nh, SPLIT);
        header = cp >= 0;
        if (header) { c_path = cp; c_label = cl; c_split = cs; }
        if (header && cl < 0 && nh - 1 - (cs >= 0) < 1)
            st = emb__fail(EMB_E_FORMAT, "%s: no label column (label, class) and no one-hot class columns", csv);
        if (!header && nh < 2) st = emb__fail(EMB_E_FORMAT, "%s: expected path,label[,split]", csv);
        if (!header && nh < 3) c_split = -1;
    }
    long line = 1;
    if (!st && !header) st = apply_row(ds, &fd, csv, line, hdr, nh, c_path, c_label, c_split, hdr, nh, listed);
    char **fl;
    int nf;
    while (!st && (r = emb_csv_read_record(f, &fl, &nf)) == 1) {
        line++;
        if (!(nf == 1 && !trim(fl[0])[0]))
            st = apply_row(ds, &fd, csv, line, fl, nf, c_path, c_label, c_split, hdr, nh, listed);
        emb_csv_record_free(fl, nf);
    }
    if (!st && r < 0) st = emb__fail(EMB_E_FORMAT, "%s: malformed CSV after line %ld", csv, line);
    if (hdr) emb_csv_record_free(hdr, nh);
    free(fd.rel);
    free(fd.base);
    fclose(f);
    return st;
}

emb_status emb__labels_apply(emb_dataset *ds, const char *root, const char *const *csvs, int n_csv) {
    uint8_t *listed = calloc((size_t)(ds->n ? ds->n : 1), 1);
    if (!listed) return emb__fail(EMB_E_NOMEM, "out of memory");
    /* the CSVs' labels replace the folders' */
    for (int32_t c = 0; c < ds->n_classes; c++) free(ds->class_names[c]);
    ds->n_classes = 0;
    for (int64_t i = 0; i < ds->n; i++) ds->label[i] = -1;
    emb_status st = EMB_OK;
    size_t names = 1;
    for (int k = 0; k < n_csv && !st; k++) {
        st = apply_one(ds, root, csvs[k], listed);
        names += strlen(csvs[k]) + 2;
    }
    if (!st) st = emb__dataset_sort_classes(ds);
    ds->n_labels_unlisted = 0;
    for (int64_t i = 0; !st && i < ds->n; i++) ds->n_labels_unlisted += !listed[i];
    free(ds->labels_file);
    if (!st && !(ds->labels_file = malloc(names))) st = emb__fail(EMB_E_NOMEM, "out of memory");
    if (!st) {
        ds->labels_file[0] = 0;
        for (int k = 0; k < n_csv; k++) {
            if (k) strcat(ds->labels_file, ", ");
            strcat(ds->labels_file, csvs[k]);
        }
    }
    free(listed);
    return st;
}

/* yolo_splits.c - the splits a YOLO data.yaml names (yolo_yaml.c parses it)
 * resolved to the files of DATA, as Ultralytics resolves them
 * (ultralytics/data/utils.py check_det_dataset, img2label_paths):
 *   - the root is "path", relative to the yaml's folder (absolute as is);
 *     without "path", or when it does not exist here, the yaml's folder;
 *   - each of train / val / test is a folder (every image under it), a .txt
 *     with one image a line ("./x.jpg" relative to the .txt's folder, other
 *     relative paths to the root), or one image; relative to the root, and
 *     when that does not exist and it starts with "../", without it (what
 *     Roboflow writes: "train: ../train/images" beside train/).
 * Paths are compared after realpath, so links and "a/../b" resolve. A file
 * named by two splits keeps the first (train, then valid, then test) and the
 * overlap is listed: the same image in two splits is leakage. */
#include "core/internal.h"
#include "io/io.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct { const char *rel; int64_t i; } file_ref;

typedef struct {
    const char *root, *yaml_rel;
    char *root_real, *base;            /* realpath of root, of the dataset root */
    const emb__files *f;
    file_ref *order;                   /* f's files sorted by rel, for lookup */
    emb_split *split_of;
    emb_annot_issues *iss;
} resolver;

static const char *const KEY[3] = {"train", "val", "test"};
static const emb_split SPLIT[3] = {EMB_SPLIT_TRAIN, EMB_SPLIT_VALID, EMB_SPLIT_TEST};

static int cmp_ref(const void *a, const void *b) { return strcmp(((const file_ref *)a)->rel, ((const file_ref *)b)->rel); }

static char *join(const char *dir, const char *p) { return p[0] == '/' ? emb__strdup(p) : emb_path_join(dir, p); }

/* p relative to the root (malloc'd; "" for the root), or NULL when p does
 * not exist or is outside it (*outside says which). */
static char *rel_of(const resolver *r, const char *p, bool *outside) {
    char real[PATH_MAX];
    *outside = false;
    if (!realpath(p, real)) return NULL;
    size_t n = strlen(r->root_real);
    if (strncmp(real, r->root_real, n) || (real[n] && real[n] != '/' && strcmp(r->root_real, "/"))) {
        *outside = true;
        return NULL;
    }
    return emb__strdup(real[n] == '/' ? real + n + 1 : real + n);
}

static int64_t find_file(const resolver *r, const char *rel) {
    int64_t lo = 0, hi = r->f->n - 1;
    while (lo <= hi) {
        int64_t m = (lo + hi) / 2, c = strcmp(r->order[m].rel, rel);
        if (!c) return r->order[m].i;
        if (c < 0) lo = m + 1; else hi = m - 1;
    }
    return -1;
}

/* Give file i split s; true when it had another one already. */
static bool assign(resolver *r, int64_t i, emb_split s) {
    if (r->split_of[i] == EMB_SPLIT_NONE) { r->split_of[i] = s; return false; }
    return r->split_of[i] != s;
}

/* An issue of data.yaml's key: "'entry' what" (what: a literal). */
static emb_status note(resolver *r, const char *key, const char *entry, const char *what) {
    char why[1200];
    snprintf(why, sizeof why, "'%s' %s", entry, what);
    return emb_annot_issues_add(r->iss, r->yaml_rel, key, why);
}

static emb_status note_twice(resolver *r, int k, const char *entry, long long twice) {
    char why[1200];
    snprintf(why, sizeof why, "'%s': %lld images are already in another split (kept there)", entry, twice);
    return emb_annot_issues_add(r->iss, r->yaml_rel, KEY[k], why);
}

/* The images of a .txt list (txt: its full path). */
static emb_status from_list(resolver *r, int k, const char *txt, const char *entry) {
    char *buf = NULL, *dir = emb__strdup(txt);
    size_t len;
    emb_status st = dir ? emb__read_text(txt, &buf, &len) : EMB_E_NOMEM;
    if (st) { free(dir); return st == EMB_E_NOMEM ? st : note(r, KEY[k], entry, "cannot be read"); }
    *strrchr(dir, '/') = 0;
    long long missing = 0, twice = 0;
    char first[512] = "";
    for (char *line = buf, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        size_t l = strlen(line);
        while (l && (line[l - 1] == '\r' || line[l - 1] == ' ' || line[l - 1] == '\t')) line[--l] = 0;
        while (*line == ' ' || *line == '\t') line++;
        if (!*line) continue;
        char *p = !strncmp(line, "./", 2) ? emb_path_join(dir, line + 2) : join(r->base, line);
        bool outside;
        char *rel = p ? rel_of(r, p, &outside) : NULL;
        int64_t i = rel ? find_file(r, rel) : -1;
        if (i >= 0 && emb__image_name(rel)) twice += assign(r, i, SPLIT[k]);
        else if (!missing++) snprintf(first, sizeof first, "%s", line);
        free(rel);
        free(p);
    }
    free(buf);
    free(dir);
    if (missing) {
        char why[1200];
        snprintf(why, sizeof why, "'%s' lists %lld images not found in DATA (the first: %s)", entry, missing, first);
        if ((st = emb_annot_issues_add(r->iss, r->yaml_rel, KEY[k], why))) return st;
    }
    return twice ? note_twice(r, k, entry, twice) : EMB_OK;
}

/* One entry of split k: a folder, a list, or an image. */
static emb_status from_entry(resolver *r, int k, const char *entry) {
    char *p = join(r->base, entry);
    struct stat sb;
    if (p && stat(p, &sb) && !strncmp(entry, "../", 3)) { free(p); p = join(r->base, entry + 3); }
    if (!p) return EMB_E_NOMEM;
    bool outside;
    char *rel = rel_of(r, p, &outside);
    emb_status st = EMB_OK;
    if (!rel) st = note(r, KEY[k], entry, outside ? "is outside DATA (not read)" : "not found");
    else if (!stat(p, &sb) && S_ISDIR(sb.st_mode)) {
        size_t n = strlen(rel);
        long long seen = 0, twice = 0;
        for (int64_t i = 0; i < r->f->n; i++) {
            const char *fr = r->f->rel[i];
            if ((n && (strncmp(fr, rel, n) || fr[n] != '/')) || !emb__image_name(fr)) continue;
            seen++;
            twice += assign(r, i, SPLIT[k]);
        }
        if (!seen) st = note(r, KEY[k], entry, "holds no image");
        else if (twice) st = note_twice(r, k, entry, twice);
    } else if (emb__image_name(rel)) {
        int64_t i = find_file(r, rel);
        if (i >= 0 && assign(r, i, SPLIT[k])) st = note_twice(r, k, entry, 1);
    } else {
        st = from_list(r, k, p, entry);
    }
    free(rel);
    free(p);
    return st;
}

emb_status emb__yolo_splits_apply(const char *root, const char *yaml_rel, const emb__yolo_yaml_splits *ys,
                                  const emb__files *f, emb_split *split_of, emb_annot_issues *iss) {
    resolver r = {.root = root, .yaml_rel = yaml_rel, .f = f, .split_of = split_of, .iss = iss};
    for (int64_t i = 0; i < f->n; i++) split_of[i] = EMB_SPLIT_NONE;
    char real[PATH_MAX], *yaml = emb_path_join(root, yaml_rel);
    emb_status st = EMB_OK;
    r.order = malloc(sizeof(file_ref) * (size_t)(f->n ? f->n : 1));
    if (!yaml || !r.order || !realpath(root, real) || !(r.root_real = emb__strdup(real))) {
        st = yaml && r.order ? emb__fail(EMB_E_IO, "%s: cannot resolve the folder", root) : EMB_E_NOMEM;
        goto done;
    }
    for (int64_t i = 0; i < f->n; i++) r.order[i] = (file_ref){f->rel[i], i};
    qsort(r.order, (size_t)f->n, sizeof(file_ref), cmp_ref);
    char *slash = strrchr(yaml, '/');
    if (slash) *slash = 0;   /* the yaml's folder */
    char *base = ys->path ? join(yaml, ys->path) : NULL;
    struct stat sb;
    if (base && (stat(base, &sb) || !S_ISDIR(sb.st_mode))) {
        st = note(&r, "path", ys->path, "not found: paths read relative to data.yaml's folder");
        free(base);
        base = NULL;
    }
    r.base = base ? base : emb__strdup(yaml);
    if (!r.base && !st) st = EMB_E_NOMEM;
    for (int k = 0; k < 3 && !st; k++)
        for (int e = 0; e < ys->n[k] && !st; e++) st = from_entry(&r, k, ys->entry[k][e]);
done:
    free(yaml);
    free(r.order);
    free(r.root_real);
    free(r.base);
    return st;
}

/* scan.c - an image folder as a dataset: walk it (symlinks followed, each
 * directory once by device + inode, so a link loop ends), detect its layout
 * and give each image its split and label:
 *
 *   flat         DATA/<image>                    unlabelled
 *   class        DATA/<class>/<image>            label = the folder
 *   split-class  DATA/<split>/<class>/<image>    split in train/valid/test
 *   recursive    DATA/[<split>/]<class>/.../<image>, any depth:
 *                label = the first folder (below the split folder, if any)
 *
 * Images directly in DATA (or directly in a split folder) are unlabelled
 * items in every layout. Detection exports (COCO, YOLO, Pascal VOC) are
 * recognised here too and read by coco.c, yolo.c, voc.c (one item per box).
 * Only files with an image extension (dataset.c's list) are items. */
#include "core/internal.h"
#include "io/io.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define WALK_MAX_DEPTH 64   /* deeper than any real dataset; stops pathological trees */

typedef struct { dev_t dev; ino_t ino; } dir_id;
typedef struct { dir_id *v; int64_t n, cap; } dir_set;

static bool seen_dir(dir_set *s, const struct stat *sb) {
    for (int64_t i = 0; i < s->n; i++)
        if (s->v[i].dev == sb->st_dev && s->v[i].ino == sb->st_ino) return true;
    return false;
}

static emb_status push(void ***v, int64_t *n, int64_t *cap, size_t elem) {
    if (*n < *cap) return EMB_OK;
    int64_t c = *cap ? 2 * *cap : 64;
    void *p = realloc(*v, elem * (size_t)c);
    if (!p) return emb__fail(EMB_E_NOMEM, "out of memory listing files");
    *v = p;
    *cap = c;
    return EMB_OK;
}

static int cmp_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Links to directories wait until every real directory has been read, so a
 * link never takes a folder's place (alias -> cat would otherwise label cat's
 * images "alias"); each is then read unless its target was. */
typedef struct { char **rel; int *depth; int64_t n, cap; } pending;

static emb_status defer(pending *p, const char *rel, int depth) {
    if (p->n == p->cap) {
        int64_t cap = p->cap ? 2 * p->cap : 16;
        char **r = realloc(p->rel, sizeof(char *) * (size_t)cap);
        if (r) p->rel = r;
        int *d = realloc(p->depth, sizeof(int) * (size_t)cap);
        if (d) p->depth = d;
        if (!r || !d) return emb__fail(EMB_E_NOMEM, "out of memory");
        p->cap = cap;
    }
    if (!(p->rel[p->n] = emb__strdup(rel))) return emb__fail(EMB_E_NOMEM, "out of memory");
    p->depth[p->n++] = depth;
    return EMB_OK;
}

/* Every directory below rel; the files are sorted afterwards. */
static emb_status walk_dir(const char *root, const char *rel, int depth, dir_set *seen, pending *links, emb__files *out) {
    char *full = rel[0] ? emb_path_join(root, rel) : emb__strdup(root);
    if (!full) return emb__fail(EMB_E_NOMEM, "out of memory");
    DIR *d = opendir(full);
    if (!d) {
        emb_status st = emb__fail(EMB_E_IO, "%s: cannot open directory: %s", full, strerror(errno));
        free(full);
        return st;
    }
    char **names = NULL;
    int64_t n = 0, cap = 0;
    emb_status st = EMB_OK;
    struct dirent *e;
    while ((e = readdir(d)) && !st) {
        if (e->d_name[0] == '.') continue;
        if ((st = push((void ***)&names, &n, &cap, sizeof(char *)))) break;
        if (!(names[n] = emb__strdup(e->d_name))) { st = EMB_E_NOMEM; break; }
        n++;
    }
    closedir(d);
    if (n) qsort(names, (size_t)n, sizeof(char *), cmp_name);
    for (int64_t i = 0; i < n && !st; i++) {
        char *r = rel[0] ? emb_path_join(rel, names[i]) : emb__strdup(names[i]);
        char *p = r ? emb_path_join(root, r) : NULL;
        struct stat sb, lsb;
        if (!r || !p) st = emb__fail(EMB_E_NOMEM, "out of memory");
        else if (stat(p, &sb) != 0 || lstat(p, &lsb) != 0) { /* a dangling link: not a file */ }
        else if (S_ISDIR(sb.st_mode) && S_ISLNK(lsb.st_mode)) {
            if (depth < WALK_MAX_DEPTH) st = defer(links, r, depth + 1);
        } else if (S_ISDIR(sb.st_mode)) {
            if (depth < WALK_MAX_DEPTH && !seen_dir(seen, &sb)) {
                if (!(st = push((void ***)&seen->v, &seen->n, &seen->cap, sizeof(dir_id)))) {
                    seen->v[seen->n++] = (dir_id){sb.st_dev, sb.st_ino};
                    st = walk_dir(root, r, depth + 1, seen, links, out);
                }
            }
        } else if (S_ISREG(sb.st_mode)) {
            if (!(st = push((void ***)&out->rel, &out->n, &out->cap, sizeof(char *)))) {
                out->rel[out->n++] = r;
                r = NULL;
            }
        }
        free(r);
        free(p);
    }
    for (int64_t i = 0; i < n; i++) free(names[i]);
    free(names);
    free(full);
    return st;
}

/* Path order of a depth-first walk with names sorted in each directory:
 * '/' ends a component, so "a/x" comes before "a-b/x". */
static int cmp_walk(const void *pa, const void *pb) {
    const unsigned char *a = *(const unsigned char *const *)pa, *b = *(const unsigned char *const *)pb;
    for (; *a && *a == *b; a++, b++) {}
    int ca = *a == '/' ? 1 : *a, cb = *b == '/' ? 1 : *b;
    return ca - cb;
}

emb_status emb__walk(const char *root, emb__files *out) {
    memset(out, 0, sizeof *out);
    dir_set seen = {0};
    pending links = {0};
    struct stat sb;
    emb_status st = EMB_OK;
    if (stat(root, &sb) != 0) return emb__fail(EMB_E_IO, "%s: %s", root, strerror(errno));
    if (!(st = push((void ***)&seen.v, &seen.n, &seen.cap, sizeof(dir_id)))) {
        seen.v[seen.n++] = (dir_id){sb.st_dev, sb.st_ino};
        st = walk_dir(root, "", 0, &seen, &links, out);
    }
    /* then the links to directories, first found first (they may add more) */
    for (int64_t i = 0; i < links.n && !st; i++) {
        char *p = emb_path_join(root, links.rel[i]);
        if (!p) { st = emb__fail(EMB_E_NOMEM, "out of memory"); break; }
        if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode) && !seen_dir(&seen, &sb) &&
            !(st = push((void ***)&seen.v, &seen.n, &seen.cap, sizeof(dir_id)))) {
            seen.v[seen.n++] = (dir_id){sb.st_dev, sb.st_ino};
            st = walk_dir(root, links.rel[i], links.depth[i], &seen, &links, out);
        }
        free(p);
    }
    for (int64_t i = 0; i < links.n; i++) free(links.rel[i]);
    free(links.rel);
    free(links.depth);
    free(seen.v);
    if (!st && out->n) qsort(out->rel, (size_t)out->n, sizeof(char *), cmp_walk);
    if (st) emb__files_free(out);
    return st;
}

void emb__files_free(emb__files *f) {
    for (int64_t i = 0; i < f->n; i++) free(f->rel[i]);
    free(f->rel);
    memset(f, 0, sizeof *f);
}

/* Folders above the file: "a/b/c.jpg" -> 2. */
static int depth_of(const char *rel) {
    int d = 0;
    for (const char *p = rel; *p; p++) d += *p == '/';
    return d;
}

/* Component k of rel, copied into buf ("" if there is none). */
static const char *component(const char *rel, int k, char *buf, size_t cap) {
    const char *p = rel;
    for (int i = 0; i < k && p; i++) { p = strchr(p, '/'); if (p) p++; }
    if (!p) { buf[0] = 0; return buf; }
    size_t len = strcspn(p, "/");
    if (len >= cap) len = cap - 1;
    memcpy(buf, p, len);
    buf[len] = 0;
    return buf;
}

emb_split emb__path_split(const char *rel) {
    char c[256];
    for (int k = 0; k < depth_of(rel); k++) {
        emb_split s = emb_split_parse(component(rel, k, c, sizeof c));
        if (s != EMB_SPLIT_NONE) return s;
    }
    return EMB_SPLIT_NONE;
}

/* What the images' places say: deepest image, and whether every first-level
 * folder that holds images (at any depth) is named like a split. */
typedef struct { int max_depth; int64_t n_images, n_top, n_split_top, n_root; } shape;

static shape shape_of(const emb__files *f) {
    shape s = {0};
    char prev[256] = "", c[256];
    for (int64_t i = 0; i < f->n; i++) {
        const char *r = f->rel[i];
        if (!emb__image_name(r)) continue;
        int d = depth_of(r);
        s.n_images++;
        if (d > s.max_depth) s.max_depth = d;
        if (d == 0) { s.n_root++; continue; }
        component(r, 0, c, sizeof c);
        if (strcmp(c, prev)) {    /* the walk groups files by first folder */
            s.n_top++;
            s.n_split_top += emb_split_parse(c) != EMB_SPLIT_NONE;
            snprintf(prev, sizeof prev, "%s", c);
        }
    }
    return s;
}

static emb_layout detect(const shape *s, char *why, size_t cap) {
    bool splits = s->n_top > 0 && s->n_split_top == s->n_top;
    if (s->max_depth == 0) {
        snprintf(why, cap, "%lld images directly in DATA and none in folders: an unlabelled dataset", (long long)s->n_images);
        return EMB_LAYOUT_FLAT;
    }
    if (splits && s->max_depth <= 2) {
        snprintf(why, cap, "every first-level folder with images is a split (train, valid, test): DATA/<split>/<class>/<image>");
        return EMB_LAYOUT_SPLIT_CLASS;
    }
    if (!splits && s->max_depth == 1) {
        snprintf(why, cap, "images one folder deep in %lld folders: DATA/<class>/<image>, the folder is the class", (long long)s->n_top);
        return EMB_LAYOUT_CLASS;
    }
    snprintf(why, cap, "images up to %d folders deep: recursive, the label is the first folder%s", s->max_depth,
             splits ? " below the split folder" : "");
    return EMB_LAYOUT_RECURSIVE;
}

/* Split and label of one image under a folder layout; false = not an item
 * of this layout (too deep, or outside the split folders). */
static bool place(emb_layout lay, bool splits, const char *rel, emb_split *sp, char *label, size_t cap) {
    int d = depth_of(rel);
    char c0[256];
    component(rel, 0, c0, sizeof c0);
    emb_split s0 = d > 0 ? emb_split_parse(c0) : EMB_SPLIT_NONE;
    *sp = EMB_SPLIT_NONE;
    label[0] = 0;
    switch (lay) {
    case EMB_LAYOUT_FLAT: return d == 0;
    case EMB_LAYOUT_CLASS:
        if (d == 1) component(rel, 0, label, cap);
        return d <= 1;
    case EMB_LAYOUT_SPLIT_CLASS:
        if (d == 0) return true;
        if (s0 == EMB_SPLIT_NONE || d > 2) return false;
        *sp = s0;
        if (d == 2) component(rel, 1, label, cap);
        return true;
    default:  /* recursive */
        if (splits && s0 != EMB_SPLIT_NONE) {
            *sp = s0;
            if (d >= 2) component(rel, 1, label, cap);
        } else if (d >= 1) {
            snprintf(label, cap, "%s", c0);
        }
        return true;
    }
}

static emb_status open_images(const char *root, const emb__files *f, emb_layout lay, bool forced, emb_dataset *ds) {
    shape s = shape_of(f);
    char why[512];
    emb_layout found = detect(&s, why, sizeof why);
    if (!forced) lay = found;
    bool splits = s.n_top > 0 && s.n_split_top == s.n_top;
    int64_t outside = 0;
    emb_status st = EMB_OK;
    /* split by split (train, valid, test, then none), each in walk order */
    static const emb_split ORDER[4] = {EMB_SPLIT_TRAIN, EMB_SPLIT_VALID, EMB_SPLIT_TEST, EMB_SPLIT_NONE};
    int32_t last_c = -1;
    for (int64_t q = 0; q < 4 * f->n && !st; q++) {
        const char *r = f->rel[q % f->n];
        if (!emb__image_name(r)) continue;
        emb_split sp;
        char label[256];
        bool in = place(lay, splits, r, &sp, label, sizeof label);
        if (!in) { outside += q < f->n; continue; }
        if (sp != ORDER[q / f->n]) continue;
        int32_t c = -1;
        if (label[0] && last_c >= 0 && !strcmp(label, ds->class_names[last_c])) c = last_c;   /* folders come together */
        else if (label[0] && (c = emb_dataset_class(ds, label)) < 0) return emb__fail(EMB_E_NOMEM, "out of memory");
        if (c >= 0) last_c = c;
        char *p = emb_path_join(root, r);
        if (!p) return emb__fail(EMB_E_NOMEM, "out of memory");
        st = emb__dataset_add(ds, p, sp, c, NULL);
    }
    if (!st) st = emb__dataset_sort_classes(ds);
    char full[768];
    if (forced)
        snprintf(full, sizeof full, "--layout %s (detected: %s)", emb_layout_name(lay), why);
    else
        snprintf(full, sizeof full, "%s", why);
    if (outside) {
        size_t l = strlen(full);
        snprintf(full + l, sizeof full - l, "; %lld images outside this layout left out", (long long)outside);
    }
    ds->layout = emb_layout_name(lay);
    if (!st && !(ds->layout_reason = emb__strdup(full))) st = EMB_E_NOMEM;
    return st;
}

static emb_status open_boxes(const char *root, const emb__files *f, emb_layout lay, bool forced,
                             const emb_dataset_params *p, emb_dataset *ds) {
    emb__boxes b;
    emb__boxes_init(&b, ds, root, p->box_margin);
    if (!(ds->box = malloc(sizeof(int32_t) * 4))) return emb__fail(EMB_E_NOMEM, "out of memory");
    emb_status st = lay == EMB_LAYOUT_COCO ? emb__coco_open(root, f, &b)
                  : lay == EMB_LAYOUT_YOLO ? emb__yolo_open(root, f, &b)
                  : emb__voc_open(root, f, &b);
    if (!st) st = emb__boxes_end(&b);
    free(b.image);
    if (!st) st = emb__dataset_sort_classes(ds);
    char why[512];
    snprintf(why, sizeof why, "%s%s: %lld boxes in %lld images, one item per box (%lld annotation problems listed)",
             forced ? "--layout " : "",
             lay == EMB_LAYOUT_COCO ? "COCO JSON (images, annotations, categories)"
             : lay == EMB_LAYOUT_YOLO ? "YOLO (images/ with labels/*.txt, class names from data.yaml)"
             : "Pascal VOC (an .xml per image)",
             (long long)ds->n, (long long)b.n_images, (long long)ds->annot_issues.n);
    ds->layout = emb_layout_name(lay);
    if (!st && !(ds->layout_reason = emb__strdup(why))) st = EMB_E_NOMEM;
    return st;
}

emb_status emb__open_folder(const char *root, const emb_dataset_params *p, emb_dataset *ds) {
    ds->source = EMB_SOURCE_FOLDER;
    struct stat sb;
    if (stat(root, &sb) == 0 && S_ISREG(sb.st_mode)) {
        /* DATA is a COCO .json: its images are beside it */
        char *dir = emb__strdup(root), *slash = dir ? strrchr(dir, '/') : NULL;
        if (!dir) return EMB_E_NOMEM;
        if (slash) *slash = 0; else strcpy(dir, ".");
        emb__files one = {0};
        const char *base = slash ? slash + 1 : root;
        char *b = emb__strdup(base);
        emb_status st = b ? EMB_OK : EMB_E_NOMEM;
        if (!st) { one.rel = &b; one.n = 1; st = open_boxes(dir, &one, EMB_LAYOUT_COCO, false, p, ds); }
        free(b);
        free(dir);
        return st;
    }
    emb__files f;
    emb_status st = emb__walk(root, &f);
    if (st) return st;
    emb_layout lay = p->layout;
    bool forced = lay != EMB_LAYOUT_AUTO;
    if (!forced) {
        if (emb__coco_detect(root, &f)) lay = EMB_LAYOUT_COCO;
        else if (emb__yolo_detect(root, &f)) lay = EMB_LAYOUT_YOLO;
        else if (emb__voc_detect(root, &f)) lay = EMB_LAYOUT_VOC;
    }
    if (lay == EMB_LAYOUT_COCO || lay == EMB_LAYOUT_YOLO || lay == EMB_LAYOUT_VOC)
        st = open_boxes(root, &f, lay, forced, p, ds);
    else
        st = open_images(root, &f, lay, forced, ds);
    emb__files_free(&f);
    return st;
}

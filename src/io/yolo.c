/* yolo.c - YOLO detection exports (Ultralytics / Roboflow "YOLOv5-v8"):
 * images under a folder named images/ and, for each, a text file at the
 * same place under labels/ ("train/images/a.jpg" -> "train/labels/a.txt";
 * also "images/train/a.jpg" -> "labels/train/a.txt"). Each line is
 * "class cx cy w h", normalised to the image's width and height (a polygon
 * "class x1 y1 x2 y2 ..." of a segmentation export gives its bounding box).
 * Class names come from data.yaml's "names" (a list, or a map index: name),
 * and the splits from its train / val / test (yolo_yaml.c reads it,
 * yolo_splits.c finds what they name); without a data.yaml the class is its
 * index and the split the first folder's name. An image
 * without a label file has no boxes (a background image); a label file
 * without an image is listed. */
#include "core/internal.h"
#include "io/io.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcasecmp(s + a - b, suf);
}

/* ------------------------------------------------------------ label files (.txt) */
#define YOLO_MAX_TOKENS 4096   /* a polygon of 2047 points */

emb_status emb__yolo_labels(const char *text, size_t len, char *const *names, int n_names, emb__boxes *b) {
    emb_status st = EMB_OK;
    size_t pos = 0;
    double *v = malloc(sizeof(double) * YOLO_MAX_TOKENS);
    if (!v) return emb__fail(EMB_E_NOMEM, "out of memory");
    for (long line = 1; pos < len && !st; line++) {
        size_t e = pos;
        while (e < len && text[e] != '\n') e++;
        char buf[65536];
        size_t raw = e - pos, l = raw < sizeof buf - 1 ? raw : sizeof buf - 1;
        memcpy(buf, text + pos, l);
        buf[l] = 0;
        pos = e + 1;
        int nt = 0;
        bool bad = raw > l;   /* longer than any real line */
        char *s = buf, *end;
        while (!bad) {
            while (*s == ' ' || *s == '\t' || *s == '\r') s++;
            if (!*s) break;
            if (nt == YOLO_MAX_TOKENS) { bad = true; break; }
            errno = 0;
            v[nt++] = strtod(s, &end);
            if (end == s || errno) bad = true;
            s = end;
        }
        if (!nt && !bad) continue;   /* blank line */
        char where[64];
        snprintf(where, sizeof where, "line %ld", line);
        if (bad || (nt != 5 && (nt < 7 || nt % 2 == 0)) || !(v[0] >= 0 && v[0] < 1e9 && v[0] == (double)(long)v[0])) {
            st = emb__boxes_reject(b, where, "malformed line: expected 'class cx cy w h' (or a polygon 'class x1 y1 ...')");
            continue;
        }
        long c = (long)v[0];
        char idx[32];
        snprintf(idx, sizeof idx, "%ld", c);
        const char *cat = names ? (c >= 0 && c < n_names ? names[c] : NULL) : (c >= 0 ? idx : NULL);
        double cx, cy, w, h;
        if (nt == 5) { cx = v[1]; cy = v[2]; w = v[3]; h = v[4]; }
        else {   /* polygon: its bounding box */
            double x0 = v[1], x1 = v[1], y0 = v[2], y1 = v[2];
            for (int q = 1; q + 1 < nt; q += 2) {
                if (v[q] < x0) x0 = v[q];
                if (v[q] > x1) x1 = v[q];
                if (v[q + 1] < y0) y0 = v[q + 1];
                if (v[q + 1] > y1) y1 = v[q + 1];
            }
            cx = (x0 + x1) / 2; cy = (y0 + y1) / 2; w = x1 - x0; h = y1 - y0;
        }
        if (!cat) {
            char why[96];
            snprintf(why, sizeof why, "unknown class %ld (data.yaml names %d)", c, n_names);
            st = emb__boxes_reject(b, where, why);
            continue;
        }
        if (w <= 0 || h <= 0) { st = emb__boxes_add(b, 0, 0, w, h, cat, where); continue; }
        int W, H;
        if (!emb__boxes_size(b, &W, &H)) continue;
        st = emb__boxes_add(b, (cx - w / 2) * W, (cy - h / 2) * H, w * W, h * H, cat, where);
    }
    free(v);
    if (!st) st = emb__boxes_end(b);
    return st;
}

/* ------------------------------------------------------------ the folder */
/* "x/images/y/a.jpg" -> "x/labels/y/a.txt" (the last images/ component), or NULL. */
static char *label_of(const char *img) {
    const char *hit = NULL;
    for (const char *p = img; (p = strstr(p, "images/")); p++)
        if (p == img || p[-1] == '/') hit = p;
    const char *dot = strrchr(img, '.');
    if (!hit || !dot || dot < hit) return NULL;
    size_t pre = (size_t)(hit - img), mid = (size_t)(dot - (hit + 6));
    char *out = malloc(pre + 6 + mid + 5);
    if (!out) return NULL;
    memcpy(out, img, pre);
    memcpy(out + pre, "labels", 6);
    memcpy(out + pre + 6, hit + 6, mid);
    memcpy(out + pre + 6 + mid, ".txt", 5);
    return out;
}

static bool in_labels(const char *rel) {
    return ends_with(rel, ".txt") && (!strncmp(rel, "labels/", 7) || strstr(rel, "/labels/"));
}

static bool is_yaml(const char *rel) { return !strchr(rel, '/') && (ends_with(rel, ".yaml") || ends_with(rel, ".yml")); }

bool emb__yolo_detect(const char *root, const emb__files *f) {
    (void)root;
    bool yaml = false, labels = false, images = false;
    for (int64_t i = 0; i < f->n; i++) {
        const char *r = f->rel[i];
        if (!strcmp(r, "data.yaml") || !strcmp(r, "data.yml")) yaml = true;
        labels |= in_labels(r);
        if (!images && emb__image_name(r)) { char *l = label_of(r); images = l != NULL; free(l); }
    }
    return images && (labels || yaml);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

emb_status emb__yolo_open(const char *root, const emb__files *f, emb__boxes *b) {
    emb_annot_issues *iss = &b->ds->annot_issues;
    char **names = NULL;
    int nn = 0;
    emb_status st = EMB_OK;
    emb_split *split_of = calloc((size_t)(f->n ? f->n : 1), sizeof *split_of);   /* EMB_SPLIT_NONE: not named */
    if (!split_of) return emb__fail(EMB_E_NOMEM, "out of memory");
    /* class names: data.yaml, else the first *.yaml in DATA with names;
     * splits: data.yaml's train / val / test */
    for (int pass = 0; pass < 2 && !names && !st; pass++)
        for (int64_t i = 0; i < f->n && !names && !st; i++) {
            const char *r = f->rel[i];
            if (pass == 0 ? strcmp(r, "data.yaml") && strcmp(r, "data.yml") : !is_yaml(r)) continue;
            char *p = emb_path_join(root, r), *buf = NULL;
            size_t len;
            if (!p) { free(split_of); return EMB_E_NOMEM; }
            emb_status rs = emb__read_text(p, &buf, &len);
            free(p);
            if (!rs) rs = emb__yolo_names(buf, len, r, &names, &nn);
            if (rs != EMB_E_NOMEM && pass == 0) {
                if (rs) st = emb_annot_issues_add(iss, r, "names", emb_errmsg());
                emb__yolo_yaml_splits ys = {0};
                emb_status ss = buf ? emb__yolo_splits_parse(buf, len, r, &ys) : EMB_E_IO;
                if (!st && !ss) st = emb__yolo_splits_apply(root, r, &ys, f, split_of, iss);
                else if (!st && ss == EMB_E_NOMEM) st = ss;
                else if (!st && !rs && ss == EMB_E_FORMAT) st = emb_annot_issues_add(iss, r, "splits", emb_errmsg());
                emb__yolo_splits_free(&ys);
            }
            free(buf);
            if (rs == EMB_E_NOMEM) { free(split_of); return rs; }
        }
    /* label files, sorted for lookup; used[] marks those with an image */
    char **txt = malloc(sizeof(char *) * (size_t)(f->n ? f->n : 1));
    int64_t nt = 0;
    if (!txt) st = EMB_E_NOMEM;
    for (int64_t i = 0; i < f->n && !st; i++) if (in_labels(f->rel[i])) txt[nt++] = f->rel[i];
    if (!st && nt) qsort(txt, (size_t)nt, sizeof(char *), cmp_str);
    uint8_t *used = calloc((size_t)(nt ? nt : 1), 1);
    if (!used) st = EMB_E_NOMEM;
    for (int64_t i = 0; i < f->n && !st; i++) {
        const char *r = f->rel[i];
        if (!emb__image_name(r)) continue;
        char *l = label_of(r);
        if (!l) continue;
        char **hit = nt ? bsearch(&l, txt, (size_t)nt, sizeof(char *), cmp_str) : NULL;
        if (hit) {
            used[hit - txt] = 1;
            char *p = emb_path_join(root, l), *buf = NULL;
            size_t len;
            st = p ? emb__read_text(p, &buf, &len) : EMB_E_NOMEM;
            free(p);
            emb_split sp = split_of[i] != EMB_SPLIT_NONE ? split_of[i] : emb__path_split(r);
            if (!st) st = emb__boxes_image(b, *hit, r, 0, 0, sp);
            if (!st) st = emb__yolo_labels(buf, len, names, nn, b);
            free(buf);
        }
        free(l);
    }
    for (int64_t i = 0; i < nt && !st; i++)
        if (!used[i]) st = emb_annot_issues_add(iss, txt[i], "", "missing image file: no image at the same place under images/");
    free(used);
    free(txt);
    free(split_of);
    for (int i = 0; i < nn; i++) free(names[i]);
    free(names);
    return st;
}

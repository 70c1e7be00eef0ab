/* yolo.c - YOLO detection exports (Ultralytics / Roboflow "YOLOv5-v8"):
 * images under a folder named images/ and, for each, a text file at the
 * same place under labels/ ("train/images/a.jpg" -> "train/labels/a.txt";
 * also "images/train/a.jpg" -> "labels/train/a.txt"). Each line is
 * "class cx cy w h", normalised to the image's width and height (a polygon
 * "class x1 y1 x2 y2 ..." of a segmentation export gives its bounding box).
 * Class names come from data.yaml's "names" (a list, or a map index: name),
 * read with libyaml; without a data.yaml the class is its index. An image
 * without a label file has no boxes (a background image); a label file
 * without an image is listed. */
#include "core/internal.h"
#include "io/io.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

static bool ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcasecmp(s + a - b, suf);
}

/* ------------------------------------------------------------ data.yaml */
static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *m, const char *key) {
    if (!m || m->type != YAML_MAPPING_NODE) return NULL;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(d, p->key);
        if (k && k->type == YAML_SCALAR_NODE && !strcmp((const char *)k->data.scalar.value, key))
            return yaml_document_get_node(d, p->value);
    }
    return NULL;
}

#define YOLO_MAX_CLASSES 100000  /* a names map with a larger index is not a class list */

static emb_status set_name(char ***names, int *n, long idx, const char *v) {
    if (idx < 0 || idx >= YOLO_MAX_CLASSES) return emb__fail(EMB_E_FORMAT, "class index %ld out of range", idx);
    if (idx >= *n) {
        char **nv = realloc(*names, sizeof(char *) * (size_t)(idx + 1));
        if (!nv) return emb__fail(EMB_E_NOMEM, "out of memory");
        for (long i = *n; i <= idx; i++) nv[i] = NULL;
        *names = nv;
        *n = (int)idx + 1;
    }
    free((*names)[idx]);
    return ((*names)[idx] = emb__strdup(v)) ? EMB_OK : EMB_E_NOMEM;
}

emb_status emb__yolo_names(const char *text, size_t len, const char *name, char ***names_out, int *n_out) {
    yaml_parser_t p;
    yaml_document_t d;
    *names_out = NULL;
    *n_out = 0;
    if (!yaml_parser_initialize(&p)) return emb__fail(EMB_E_NOMEM, "out of memory");
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    if (!yaml_parser_load(&p, &d)) {
        emb_status st = emb__fail(EMB_E_FORMAT, "%s: malformed YAML: %s (line %zu)", name,
                                  p.problem ? p.problem : "?", p.problem_mark.line + 1);
        yaml_parser_delete(&p);
        return st;
    }
    char **names = NULL;
    int n = 0;
    emb_status st = EMB_OK;
    yaml_node_t *v = map_get(&d, yaml_document_get_root_node(&d), "names");
    if (!v) st = emb__fail(EMB_E_FORMAT, "%s: no 'names' list", name);
    else if (v->type == YAML_SEQUENCE_NODE) {
        long i = 0;
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top && !st; it++, i++) {
            yaml_node_t *e = yaml_document_get_node(&d, *it);
            if (!e || e->type != YAML_SCALAR_NODE) st = emb__fail(EMB_E_FORMAT, "%s: names[%ld] is not a name", name, i);
            else st = set_name(&names, &n, i, (const char *)e->data.scalar.value);
        }
    } else if (v->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top && !st; q++) {
            yaml_node_t *k = yaml_document_get_node(&d, q->key), *e = yaml_document_get_node(&d, q->value);
            char *end = NULL;
            long idx = k && k->type == YAML_SCALAR_NODE ? strtol((const char *)k->data.scalar.value, &end, 10) : -1;
            if (!end || *end || !e || e->type != YAML_SCALAR_NODE) st = emb__fail(EMB_E_FORMAT, "%s: names is not index: name", name);
            else st = set_name(&names, &n, idx, (const char *)e->data.scalar.value);
        }
    } else st = emb__fail(EMB_E_FORMAT, "%s: 'names' is not a list", name);
    for (int i = 0; !st && i < n; i++)
        if (!names[i]) st = emb__fail(EMB_E_FORMAT, "%s: class %d has no name", name, i);
    yaml_document_delete(&d);
    yaml_parser_delete(&p);
    if (st) { for (int i = 0; i < n; i++) free(names[i]); free(names); return st; }
    *names_out = names;
    *n_out = n;
    return EMB_OK;
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
    /* class names: data.yaml, else the first *.yaml in DATA with names */
    for (int pass = 0; pass < 2 && !names && !st; pass++)
        for (int64_t i = 0; i < f->n && !names && !st; i++) {
            const char *r = f->rel[i];
            if (pass == 0 ? strcmp(r, "data.yaml") && strcmp(r, "data.yml") : !is_yaml(r)) continue;
            char *p = emb_path_join(root, r), *buf = NULL;
            size_t len;
            if (!p) return EMB_E_NOMEM;
            emb_status rs = emb__read_text(p, &buf, &len);
            free(p);
            if (!rs) rs = emb__yolo_names(buf, len, r, &names, &nn);
            free(buf);
            if (rs == EMB_E_NOMEM) return rs;
            if (rs && pass == 0) st = emb_annot_issues_add(iss, r, "names", emb_errmsg());
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
            if (!st) st = emb__boxes_image(b, *hit, r, 0, 0, emb__path_split(r));
            if (!st) st = emb__yolo_labels(buf, len, names, nn, b);
            free(buf);
        }
        free(l);
    }
    for (int64_t i = 0; i < nt && !st; i++)
        if (!used[i]) st = emb_annot_issues_add(iss, txt[i], "", "missing image file: no image at the same place under images/");
    free(used);
    free(txt);
    for (int i = 0; i < nn; i++) free(names[i]);
    free(names);
    return st;
}

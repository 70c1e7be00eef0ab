/* voc.c - Pascal VOC annotations (Everingham et al., IJCV 2010, devkit
 * format): one XML per image,
 *   <annotation><filename/><size><width/><height/></size>
 *     <object><name/><bndbox><xmin/><ymin/><xmax/><ymax/></bndbox></object>...
 * read with expat. The image is the file beside the XML with the same stem
 * (Roboflow's "Pascal VOC" export, LabelImg), else <filename> in the XML's
 * folder, or in JPEGImages/ for the original Annotations/ + JPEGImages/
 * layout. Box = (xmin, ymin) to (xmax, ymax) in pixels. */
#include "core/internal.h"
#include "io/io.h"

#include <expat.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define VOC_MAX_DEPTH 32
#define VOC_TEXT_MAX 1024

typedef struct {
    char name[VOC_TEXT_MAX];
    double v[4];             /* xmin, ymin, xmax, ymax */
    unsigned have;           /* bit k: v[k] was given and is a number */
    bool has_box;
} voc_object;

typedef struct {
    char stack[VOC_MAX_DEPTH][32];
    int depth;
    char text[VOC_TEXT_MAX];
    size_t tlen;
    bool root_ok, too_deep;
    char filename[VOC_TEXT_MAX];
    double w, h;
    voc_object *obj;
    int n_obj, cap_obj;
    voc_object cur;
    bool nomem;
} voc_state;

static bool at(const voc_state *s, int depth, const char *name) {
    return s->depth == depth + 1 && !strcmp(s->stack[depth], name);
}

static void XMLCALL on_start(void *u, const XML_Char *el, const XML_Char **attr) {
    (void)attr;
    voc_state *s = u;
    if (s->depth == 0) s->root_ok = !strcmp(el, "annotation");
    if (s->depth >= VOC_MAX_DEPTH) { s->too_deep = true; s->depth++; return; }
    snprintf(s->stack[s->depth], sizeof s->stack[0], "%s", el);
    s->depth++;
    s->tlen = 0;
    s->text[0] = 0;
    if (s->depth == 2 && !strcmp(el, "object")) memset(&s->cur, 0, sizeof s->cur);
}

static void XMLCALL on_text(void *u, const XML_Char *t, int len) {
    voc_state *s = u;
    size_t room = sizeof s->text - 1 - s->tlen, l = (size_t)len < room ? (size_t)len : room;
    memcpy(s->text + s->tlen, t, l);
    s->tlen += l;
    s->text[s->tlen] = 0;
}

static bool number(const char *t, double *v) {
    char *end;
    *v = strtod(t, &end);
    if (end == t) return false;
    while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r') end++;
    return !*end;
}

/* The element's text without surrounding white space. */
static const char *trimmed(voc_state *s) {
    char *t = s->text;
    while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r') t++;
    size_t l = strlen(t);
    while (l && (t[l - 1] == ' ' || t[l - 1] == '\t' || t[l - 1] == '\n' || t[l - 1] == '\r')) t[--l] = 0;
    return t;
}

static void XMLCALL on_end(void *u, const XML_Char *el) {
    voc_state *s = u;
    (void)el;
    if (s->depth > VOC_MAX_DEPTH) { s->depth--; return; }
    const char *t = trimmed(s);
    static const char *const K[4] = {"xmin", "ymin", "xmax", "ymax"};
    if (s->depth == 2 && at(s, 1, "filename")) snprintf(s->filename, sizeof s->filename, "%s", t);
    else if (s->depth == 3 && !strcmp(s->stack[1], "size") && at(s, 2, "width")) { if (!number(t, &s->w)) s->w = 0; }
    else if (s->depth == 3 && !strcmp(s->stack[1], "size") && at(s, 2, "height")) { if (!number(t, &s->h)) s->h = 0; }
    else if (s->depth == 3 && !strcmp(s->stack[1], "object") && at(s, 2, "name")) snprintf(s->cur.name, sizeof s->cur.name, "%s", t);
    else if (s->depth == 3 && !strcmp(s->stack[1], "object") && at(s, 2, "bndbox")) s->cur.has_box = true;
    else if (s->depth == 4 && !strcmp(s->stack[1], "object") && !strcmp(s->stack[2], "bndbox")) {
        for (int k = 0; k < 4; k++)
            if (!strcmp(s->stack[3], K[k]) && number(t, &s->cur.v[k])) s->cur.have |= 1u << k;
    } else if (s->depth == 2 && at(s, 1, "object")) {
        if (s->n_obj == s->cap_obj) {
            int cap = s->cap_obj ? 2 * s->cap_obj : 16;
            voc_object *o = realloc(s->obj, sizeof *o * (size_t)cap);
            if (!o) { s->nomem = true; s->depth--; return; }
            s->obj = o;
            s->cap_obj = cap;
        }
        s->obj[s->n_obj++] = s->cur;
    }
    s->depth--;
    s->tlen = 0;
    s->text[0] = 0;
}

emb_status emb__voc_parse(const char *text, size_t len, const char *xml_rel, const char *image_rel,
                          const char *img_dir_rel, emb_split split, emb__boxes *b) {
    emb_annot_issues *iss = &b->ds->annot_issues;
    voc_state *s = calloc(1, sizeof *s);
    XML_Parser p = s ? XML_ParserCreate(NULL) : NULL;
    if (!p) { free(s); return emb__fail(EMB_E_NOMEM, "out of memory"); }
    XML_SetUserData(p, s);
    XML_SetElementHandler(p, on_start, on_end);
    XML_SetCharacterDataHandler(p, on_text);
    emb_status st = EMB_OK;
    if (len > (size_t)INT32_MAX || XML_Parse(p, text, (int)len, 1) == XML_STATUS_ERROR) {
        char why[256];
        snprintf(why, sizeof why, "malformed XML: %s at line %lu", XML_ErrorString(XML_GetErrorCode(p)),
                 (unsigned long)XML_GetCurrentLineNumber(p));
        st = emb_annot_issues_add(iss, xml_rel, "", why);
    } else if (s->nomem) {
        st = emb__fail(EMB_E_NOMEM, "out of memory");
    } else if (!s->root_ok) {
        st = emb_annot_issues_add(iss, xml_rel, "", "not a Pascal VOC annotation (root element is not <annotation>)");
    } else if (!image_rel && !s->filename[0]) {
        st = emb_annot_issues_add(iss, xml_rel, "", "no image beside the XML and no <filename>");
    } else {
        char *rel = image_rel ? emb__strdup(image_rel)
                  : img_dir_rel && img_dir_rel[0] ? emb_path_join(img_dir_rel, s->filename) : emb__strdup(s->filename);
        if (!rel) st = EMB_E_NOMEM;
        int W = s->w >= 1 && s->w < 1e6 ? (int)s->w : 0, H = s->h >= 1 && s->h < 1e6 ? (int)s->h : 0;
        if (!st) st = emb__boxes_image(b, xml_rel, rel, W, H, split);
        free(rel);
        for (int i = 0; i < s->n_obj && !st; i++) {
            const voc_object *o = &s->obj[i];
            char where[64];
            snprintf(where, sizeof where, "object %d", i + 1);
            if (!o->has_box || o->have != 15u)
                st = emb__boxes_reject(b, where, "object without a complete <bndbox> (xmin, ymin, xmax, ymax)");
            else if (!o->name[0])
                st = emb__boxes_reject(b, where, "object without a <name> (unknown category)");
            else
                st = emb__boxes_add(b, o->v[0], o->v[1], o->v[2] - o->v[0], o->v[3] - o->v[1], o->name, where);
        }
        if (!st) st = emb__boxes_end(b);
    }
    XML_ParserFree(p);
    free(s->obj);
    free(s);
    return st;
}

/* ------------------------------------------------------------ the folder */
static bool is_xml(const char *r) {
    size_t n = strlen(r);
    return n > 4 && !strcasecmp(r + n - 4, ".xml");
}
static bool in_annotations(const char *r) { return !strncmp(r, "Annotations/", 12) || strstr(r, "/Annotations/"); }

/* Path without its extension, compared with another's. */
static int stem_cmp(const char *a, const char *b) {
    const char *da = strrchr(a, '.'), *db = strrchr(b, '.');
    size_t la = da && da > strrchr(a, '/') ? (size_t)(da - a) : strlen(a);
    size_t lb = db && db > strrchr(b, '/') ? (size_t)(db - b) : strlen(b);
    size_t m = la < lb ? la : lb;
    int c = strncmp(a, b, m);
    return c ? c : (la > lb) - (la < lb);
}
static int cmp_stem(const void *x, const void *y) { return stem_cmp(*(char *const *)x, *(char *const *)y); }

typedef struct { char **v; int64_t n; } images_by_stem;

static emb_status index_images(const emb__files *f, images_by_stem *ix) {
    ix->v = malloc(sizeof(char *) * (size_t)(f->n ? f->n : 1));
    ix->n = 0;
    if (!ix->v) return emb__fail(EMB_E_NOMEM, "out of memory");
    for (int64_t i = 0; i < f->n; i++) if (emb__image_name(f->rel[i])) ix->v[ix->n++] = f->rel[i];
    if (ix->n) qsort(ix->v, (size_t)ix->n, sizeof(char *), cmp_stem);
    return EMB_OK;
}

static const char *beside(const images_by_stem *ix, const char *xml) {
    const char *k = xml;
    char **hit = ix->n ? bsearch(&k, ix->v, (size_t)ix->n, sizeof(char *), cmp_stem) : NULL;
    return hit ? *hit : NULL;
}

bool emb__voc_detect(const char *root, const emb__files *f) {
    (void)root;
    images_by_stem ix;
    if (index_images(f, &ix)) return false;
    bool yes = false;
    for (int64_t i = 0; i < f->n && !yes; i++)
        yes = is_xml(f->rel[i]) && (in_annotations(f->rel[i]) || beside(&ix, f->rel[i]));
    free(ix.v);
    return yes;
}

/* The original layout's splits: <base>/ImageSets/Main/{train,val,test}.txt
 * list image stems (one per line) beside <base>/Annotations/. */
typedef struct { char *stem; emb_split split; } stem_split;
typedef struct { stem_split *v; int64_t n, cap; char base[1024]; bool loaded; } image_sets;

static int cmp_stem_split(const void *a, const void *b) {
    return strcmp(((const stem_split *)a)->stem, ((const stem_split *)b)->stem);
}

static emb_status load_sets(const char *root, const char *base, image_sets *s) {
    static const struct { const char *file; emb_split split; } SETS[] = {
        {"train.txt", EMB_SPLIT_TRAIN}, {"val.txt", EMB_SPLIT_VALID}, {"test.txt", EMB_SPLIT_TEST}};
    snprintf(s->base, sizeof s->base, "%s", base);
    s->loaded = true;
    for (size_t k = 0; k < sizeof SETS / sizeof SETS[0]; k++) {
        char rel[1200];
        snprintf(rel, sizeof rel, "%s%sImageSets/Main/%s", base, base[0] ? "/" : "", SETS[k].file);
        char *p = emb_path_join(root, rel), *buf = NULL;
        size_t len;
        if (!p) return emb__fail(EMB_E_NOMEM, "out of memory");
        emb_status st = emb__read_text(p, &buf, &len);
        free(p);
        if (st) continue;   /* no such list */
        for (char *save, *line = strtok_r(buf, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
            line[strcspn(line, " \t")] = 0;   /* "2008_000008  1" in the per-class lists */
            if (!line[0]) continue;
            if (s->n == s->cap) {
                int64_t cap = s->cap ? 2 * s->cap : 256;
                stem_split *v = realloc(s->v, sizeof *v * (size_t)cap);
                if (!v) { free(buf); return emb__fail(EMB_E_NOMEM, "out of memory"); }
                s->v = v;
                s->cap = cap;
            }
            if (!(s->v[s->n].stem = emb__strdup(line))) { free(buf); return EMB_E_NOMEM; }
            s->v[s->n++].split = SETS[k].split;
        }
        free(buf);
    }
    if (s->n) qsort(s->v, (size_t)s->n, sizeof *s->v, cmp_stem_split);
    return EMB_OK;
}

static emb_split set_split(const image_sets *s, const char *xml_rel) {
    const char *base = strrchr(xml_rel, '/');
    base = base ? base + 1 : xml_rel;
    char stem[512];
    snprintf(stem, sizeof stem, "%s", base);
    char *dot = strrchr(stem, '.');
    if (dot) *dot = 0;
    stem_split key = {stem, EMB_SPLIT_NONE};
    const stem_split *hit = s->n ? bsearch(&key, s->v, (size_t)s->n, sizeof key, cmp_stem_split) : NULL;
    return hit ? hit->split : EMB_SPLIT_NONE;
}

emb_status emb__voc_open(const char *root, const emb__files *f, emb__boxes *b) {
    images_by_stem ix;
    image_sets sets = {0};
    emb_status st = index_images(f, &ix);
    for (int64_t i = 0; i < f->n && !st; i++) {
        const char *r = f->rel[i];
        if (!is_xml(r)) continue;
        const char *img = beside(&ix, r);
        char dir[1024];
        snprintf(dir, sizeof dir, "%s", r);
        char *slash = strrchr(dir, '/');
        if (slash) *slash = 0; else dir[0] = 0;
        if (!img && !in_annotations(r)) continue;   /* some other XML */
        emb_split split = emb__path_split(r);
        if (!img) {   /* .../Annotations/x.xml -> .../JPEGImages/<filename>, split from ImageSets/Main */
            char *a = strstr(dir, "Annotations"), rest[1024];
            char base[1024];
            snprintf(base, sizeof base, "%.*s", a > dir ? (int)(a - dir - 1) : 0, dir);
            if (!sets.loaded || strcmp(base, sets.base)) {
                for (int64_t q = 0; q < sets.n; q++) free(sets.v[q].stem);
                sets.n = 0;
                if ((st = load_sets(root, base, &sets))) break;
            }
            if (split == EMB_SPLIT_NONE) split = set_split(&sets, r);
            snprintf(rest, sizeof rest, "%s", a + 11);
            size_t pre = (size_t)(a - dir);
            snprintf(dir + pre, sizeof dir - pre, "JPEGImages%.*s", (int)(sizeof dir - pre > 11 ? sizeof dir - pre - 11 : 0), rest);
        }
        char *p = emb_path_join(root, r), *buf = NULL;
        size_t len;
        if (!p) { st = EMB_E_NOMEM; break; }
        st = emb__read_text(p, &buf, &len);
        free(p);
        if (st) { st = emb_annot_issues_add(&b->ds->annot_issues, r, "", emb_errmsg()); continue; }
        st = emb__voc_parse(buf, len, r, img, dir, split, b);
        free(buf);
    }
    for (int64_t q = 0; q < sets.n; q++) free(sets.v[q].stem);
    free(sets.v);
    free(ix.v);
    return st;
}

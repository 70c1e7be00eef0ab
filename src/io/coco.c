/* coco.c - COCO detection JSON (cocodataset.org/#format-data): "images"
 * (id, file_name, width, height), "annotations" (image_id, category_id,
 * bbox [x, y, width, height] in pixels from the top-left corner, or, when
 * there is no bbox, the extent of "segmentation": coco_segm.c) and
 * "categories" (id, name). Roboflow exports one <split>/_annotations.coco.json
 * beside that split's images; the original COCO keeps
 * annotations/instances_<split>.json beside <split>/. Each box is an item;
 * what cannot be used is listed (boxes.c), never fatal. */
#include "core/internal.h"
#include "io/io.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static bool ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

static bool is_coco_object(const cJSON *j) {
    return cJSON_IsObject(j) && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "images")) &&
           cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "annotations")) &&
           cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "categories"));
}

/* A number field as a double; false when absent or not a number. */
static bool num(const cJSON *o, const char *k, double *v) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsNumber(x)) return false;
    *v = x->valuedouble;
    return true;
}

typedef struct { double id; const char *name; } cat_t;
typedef struct { double id; const char *file; int w, h; } img_t;
typedef struct { int64_t img, pos; } ann_ref;   /* image index, position in "annotations" */

static int cmp_ref(const void *a, const void *b) {
    const ann_ref *x = a, *y = b;
    if (x->img != y->img) return x->img < y->img ? -1 : 1;
    return (x->pos > y->pos) - (x->pos < y->pos);
}
static int cmp_img_id(const void *a, const void *b) {
    double x = ((const img_t *)a)->id, y = ((const img_t *)b)->id;
    return (x > y) - (x < y);
}

static int64_t find_img(const img_t *v, int64_t n, double id) {
    int64_t lo = 0, hi = n - 1;
    while (lo <= hi) {
        int64_t m = (lo + hi) / 2;
        if (v[m].id == id) return m;
        if (v[m].id < id) lo = m + 1; else hi = m - 1;
    }
    return -1;
}

static const char *find_cat(const cat_t *v, int64_t n, double id) {
    for (int64_t i = 0; i < n; i++) if (v[i].id == id) return v[i].name;
    return NULL;
}

/* The image's path from the root: beside the JSON; for the original COCO
 * (annotations/instances_val2017.json) in val2017/ beside annotations/. */
static char *image_path(const emb__boxes *b, const char *json_rel, const char *file) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", json_rel);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0; else dir[0] = 0;
    char *beside = dir[0] ? emb_path_join(dir, file) : emb__strdup(file);
    if (b->no_files || !beside) return beside;
    char *full = emb_path_join(b->root, beside);
    FILE *f = full ? fopen(full, "rb") : NULL;
    free(full);
    if (f) { fclose(f); return beside; }
    const char *base = strrchr(json_rel, '/');
    base = base ? base + 1 : json_rel;
    if (!strncmp(base, "instances_", 10)) {
        char sub[512];
        snprintf(sub, sizeof sub, "%s", base + 10);
        if (ends_with(sub, ".json")) sub[strlen(sub) - 5] = 0;
        char *up = strrchr(dir, '/');
        if (up) *up = 0;
        char *sd = up ? emb_path_join(dir, sub) : emb__strdup(sub);
        char *alt = sd ? emb_path_join(sd, file) : NULL;
        char *af = alt ? emb_path_join(b->root, alt) : NULL;
        free(sd);
        f = af ? fopen(af, "rb") : NULL;
        free(af);
        if (f) { fclose(f); free(beside); return alt; }
        free(alt);
    }
    return beside;   /* listed as missing by the sink */
}

/* bbox [x, y, width, height] into x; false when absent or not 4 numbers. */
static bool bbox_of(const cJSON *bb, double x[4]) {
    bool ok = cJSON_IsArray(bb) && cJSON_GetArraySize(bb) == 4;
    for (int q = 0; ok && q < 4; q++) {
        const cJSON *e = cJSON_GetArrayItem(bb, q);
        ok = cJSON_IsNumber(e);
        if (ok) x[q] = e->valuedouble;
    }
    return ok;
}

static emb_status read_images(const cJSON *arr, const char *json_rel, emb__boxes *b, img_t **out, int64_t *n_out) {
    int64_t n = cJSON_GetArraySize(arr), m = 0;
    img_t *v = emb__calloc((size_t)(n ? n : 1), sizeof *v, "COCO images");
    if (!v) return EMB_E_NOMEM;
    int64_t i = 0;
    emb_status st = EMB_OK;
    for (const cJSON *it = arr->child; it && !st; it = it->next, i++) {
        double id, w = 0, h = 0;
        const cJSON *fn = cJSON_GetObjectItemCaseSensitive(it, "file_name");
        char where[64];
        snprintf(where, sizeof where, "images[%lld]", (long long)i);
        if (!cJSON_IsObject(it) || !num(it, "id", &id) || !cJSON_IsString(fn) || !fn->valuestring[0]) {
            st = emb_annot_issues_add(&b->ds->annot_issues, json_rel, where, "image without a numeric id or a file_name");
            continue;
        }
        num(it, "width", &w);
        num(it, "height", &h);
        v[m++] = (img_t){id, fn->valuestring, w >= 1 && w < 1e6 ? (int)w : 0, h >= 1 && h < 1e6 ? (int)h : 0};
    }
    if (st) { free(v); return st; }
    qsort(v, (size_t)m, sizeof *v, cmp_img_id);
    *out = v;
    *n_out = m;
    return EMB_OK;
}

emb_status emb__coco_parse(const char *text, size_t len, const char *json_rel, emb_split split, emb__boxes *b) {
    emb_annot_issues *iss = &b->ds->annot_issues;
    cJSON *j = cJSON_ParseWithLength(text, len);
    if (!j) return emb_annot_issues_add(iss, json_rel, "", "malformed JSON");
    if (!is_coco_object(j)) {
        cJSON_Delete(j);
        return emb_annot_issues_add(iss, json_rel, "", "not COCO: expected arrays images, annotations, categories");
    }
    const cJSON *cats = cJSON_GetObjectItemCaseSensitive(j, "categories"),
                *anns = cJSON_GetObjectItemCaseSensitive(j, "annotations");
    int64_t nc = cJSON_GetArraySize(cats), na = cJSON_GetArraySize(anns), ni = 0, nr = 0;
    cat_t *cv = emb__calloc((size_t)(nc ? nc : 1), sizeof *cv, "COCO categories");
    ann_ref *refs = emb__calloc((size_t)(na ? na : 1), sizeof *refs, "COCO annotations");
    const cJSON **av = emb__calloc((size_t)(na ? na : 1), sizeof *av, "COCO annotations");
    img_t *iv = NULL;
    emb_status st = cv && refs && av ? EMB_OK : EMB_E_NOMEM;
    int64_t k = 0;
    for (const cJSON *c = cats ? cats->child : NULL; c && !st; c = c->next) {
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");
        double id;
        if (cJSON_IsObject(c) && num(c, "id", &id) && cJSON_IsString(nm) && nm->valuestring[0]) cv[k++] = (cat_t){id, nm->valuestring};
        else st = emb_annot_issues_add(iss, json_rel, "categories", "category without a numeric id or a name");
    }
    nc = k;
    if (!st) st = read_images(cJSON_GetObjectItemCaseSensitive(j, "images"), json_rel, b, &iv, &ni);
    /* annotations grouped by image (stable), so each image's boxes come together */
    int64_t pos = 0;
    for (const cJSON *a = anns->child; a && !st; a = a->next, pos++) {
        av[pos] = a;
        double iid;
        char where[64];
        snprintf(where, sizeof where, "annotations[%lld]", (long long)pos);
        int64_t im = cJSON_IsObject(a) && num(a, "image_id", &iid) ? find_img(iv, ni, iid) : -1;
        if (im < 0) st = emb_annot_issues_add(iss, json_rel, where, "annotation of an unknown image_id");
        else refs[nr++] = (ann_ref){im, pos};
    }
    if (!st) qsort(refs, (size_t)nr, sizeof *refs, cmp_ref);
    for (int64_t r = 0; r < nr && !st; r++) {
        if (r == 0 || refs[r].img != refs[r - 1].img) {
            const img_t *im = &iv[refs[r].img];
            char *rel = image_path(b, json_rel, im->file);
            if (!rel) { st = EMB_E_NOMEM; break; }
            st = emb__boxes_image(b, json_rel, rel, im->w, im->h, split);
            free(rel);
            if (st) break;
        }
        const cJSON *a = av[refs[r].pos], *bb = cJSON_GetObjectItemCaseSensitive(a, "bbox");
        double ann_id, cid, x[4];
        char where[64];
        if (num(a, "id", &ann_id)) snprintf(where, sizeof where, "annotation id %.0f", ann_id);
        else snprintf(where, sizeof where, "annotations[%lld]", (long long)refs[r].pos);
        const cJSON *seg = cJSON_GetObjectItemCaseSensitive(a, "segmentation");
        if (!bb && seg) {   /* segmentation only: its extent is the box */
            char why[128];
            if (!emb__coco_segm_box(seg, iv[refs[r].img].w, iv[refs[r].img].h, x, why, sizeof why)) {
                st = emb__boxes_reject(b, where, why);
                continue;
            }
        } else if (!bbox_of(bb, x)) {
            st = emb__boxes_reject(b, where, bb ? "bbox is not [x, y, width, height]" : "no bbox and no segmentation");
            continue;
        }
        const char *cat = num(a, "category_id", &cid) ? find_cat(cv, nc, cid) : NULL;
        if (!cat) {
            char why[96];
            if (num(a, "category_id", &cid)) snprintf(why, sizeof why, "unknown category_id %.0f (not in categories)", cid);
            else snprintf(why, sizeof why, "no numeric category_id");
            st = emb__boxes_reject(b, where, why);
            continue;
        }
        st = emb__boxes_add(b, x[0], x[1], x[2], x[3], cat, where);
    }
    if (!st) st = emb__boxes_end(b);
    free(cv);
    free(refs);
    free(av);
    free(iv);
    cJSON_Delete(j);
    return st;
}

static bool named_coco(const char *rel) {
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    return ends_with(base, ".coco.json") || (!strncmp(base, "instances_", 10) && ends_with(base, ".json"));
}

#define COCO_ANY_JSON_DEPTH 2   /* other .json files are read only this near DATA (not per-image sidecars) */

/* A .json whose text names the three arrays (cheap test before parsing). */
static bool looks_coco(const char *root, const char *rel) {
    if (!ends_with(rel, ".json")) return false;
    if (named_coco(rel)) return true;
    int depth = 0;
    for (const char *c = rel; *c; c++) depth += *c == '/';
    if (depth >= COCO_ANY_JSON_DEPTH) return false;
    char *p = emb_path_join(root, rel), *buf = NULL;
    size_t len;
    bool yes = false;
    if (p && !emb__read_text(p, &buf, &len)) {
        yes = strstr(buf, "\"images\"") && strstr(buf, "\"annotations\"") && strstr(buf, "\"categories\"");
        if (yes) {
            cJSON *j = cJSON_ParseWithLength(buf, len);
            yes = is_coco_object(j);
            cJSON_Delete(j);
        }
    }
    free(buf);
    free(p);
    return yes;
}

bool emb__coco_detect(const char *root, const emb__files *f) {
    for (int64_t i = 0; i < f->n; i++) if (looks_coco(root, f->rel[i])) return true;
    return false;
}

/* A split from the JSON's folders, else from its name (instances_val2017). */
static emb_split json_split(const char *rel) {
    emb_split s = emb__path_split(rel);
    if (s != EMB_SPLIT_NONE) return s;
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    if (strstr(base, "train")) return EMB_SPLIT_TRAIN;
    if (strstr(base, "val")) return EMB_SPLIT_VALID;
    if (strstr(base, "test")) return EMB_SPLIT_TEST;
    return EMB_SPLIT_NONE;
}

emb_status emb__coco_open(const char *root, const emb__files *f, emb__boxes *b) {
    emb_status st = EMB_OK;
    for (int64_t i = 0; i < f->n && !st; i++) {
        const char *rel = f->rel[i];
        if (!looks_coco(root, rel) && !(f->n == 1 && ends_with(rel, ".json"))) continue;
        char *p = emb_path_join(root, rel), *buf = NULL;
        size_t len;
        if (!p) return EMB_E_NOMEM;
        st = emb__read_text(p, &buf, &len);
        free(p);
        if (st) { st = emb_annot_issues_add(&b->ds->annot_issues, rel, "", emb_errmsg()); continue; }
        st = emb__coco_parse(buf, len, rel, json_split(rel), b);
        free(buf);
    }
    return st;
}

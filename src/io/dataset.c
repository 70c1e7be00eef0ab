/* dataset.c - open a dataset (IDX, image folder or .npy vectors) as a list
 * of items with path, split and label. See emb_io.h for the layouts. */
#include "core/internal.h"
#include "io/io.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* Fashion-MNIST's classes (Xiao, Rasul & Vollgraf 2017, README). */
static const char *FASHION_CLASSES = "T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot";

emb_dataset_params emb_dataset_default_params(void) {
    emb_dataset_params p;
    memset(&p, 0, sizeof p);
    return p;
}

const char *emb_layout_name(emb_layout l) {
    static const char *const NAMES[] = {"auto", "flat", "class", "split-class", "recursive", "coco", "yolo", "voc"};
    return (unsigned)l < sizeof NAMES / sizeof NAMES[0] ? NAMES[l] : "";
}

emb_layout emb_layout_parse(const char *s) {
    for (int l = EMB_LAYOUT_AUTO; l <= EMB_LAYOUT_VOC; l++)
        if (!strcmp(s, emb_layout_name((emb_layout)l))) return (emb_layout)l;
    return (emb_layout)-1;
}

const char *emb_split_name(emb_split s) {
    switch (s) {
    case EMB_SPLIT_TRAIN: return "train";
    case EMB_SPLIT_VALID: return "valid";
    case EMB_SPLIT_TEST: return "test";
    default: return "";
    }
}

emb_split emb_split_parse(const char *s) {
    if (!strcasecmp(s, "train") || !strcasecmp(s, "training")) return EMB_SPLIT_TRAIN;
    if (!strcasecmp(s, "valid") || !strcasecmp(s, "val") || !strcasecmp(s, "validation")) return EMB_SPLIT_VALID;
    if (!strcasecmp(s, "test") || !strcasecmp(s, "testing")) return EMB_SPLIT_TEST;
    return EMB_SPLIT_NONE;
}

void emb_dataset_free(emb_dataset *ds) {
    if (!ds) return;
    for (int64_t i = 0; i < ds->n; i++) free(ds->path ? ds->path[i] : NULL);
    for (int32_t c = 0; c < ds->n_classes; c++) free(ds->class_names[c]);
    free(ds->path);
    free(ds->split);
    free(ds->label);
    free(ds->class_names);
    free(ds->pixels);
    free(ds->vectors_path);
    free(ds->pixel_hash);
    free(ds->img_w_src);
    free(ds->img_h_src);
    free(ds->transparent);
    free(ds->box);
    free(ds->layout_reason);
    free(ds->labels_file);
    emb_annot_issues_free(&ds->annot_issues);
    free(ds);
}

int32_t emb_dataset_class(emb_dataset *ds, const char *name) {
    for (int32_t c = 0; c < ds->n_classes; c++)
        if (!strcmp(ds->class_names[c], name)) return c;
    char **nc = realloc(ds->class_names, sizeof(char *) * (size_t)(ds->n_classes + 1));
    if (!nc) return -1;
    ds->class_names = nc;
    if (!(nc[ds->n_classes] = emb__strdup(name))) return -1;
    return ds->n_classes++;
}

/* Grow the item arrays to hold n items. */
static emb_status reserve(emb_dataset *ds, int64_t n) {
    char **p = realloc(ds->path, sizeof(char *) * (size_t)n);
    if (p) ds->path = p;
    uint8_t *s = realloc(ds->split, (size_t)n);
    if (s) ds->split = s;
    int32_t *l = realloc(ds->label, sizeof(int32_t) * (size_t)n);
    if (l) ds->label = l;
    if (!p || !s || !l) return emb__fail(EMB_E_NOMEM, "out of memory listing %lld items", (long long)n);
    if (ds->box) {
        int32_t *b = realloc(ds->box, sizeof(int32_t) * 4 * (size_t)n);
        if (!b) return emb__fail(EMB_E_NOMEM, "out of memory listing %lld boxes", (long long)n);
        ds->box = b;
    }
    return EMB_OK;
}

emb_status emb_dataset_filter(emb_dataset *ds, const uint8_t *keep) {
    int64_t j = 0;
    size_t px = (size_t)ds->img_h * ds->img_w;
    for (int64_t i = 0; i < ds->n; i++) {
        if (!keep[i]) { free(ds->path[i]); continue; }
        ds->path[j] = ds->path[i];
        ds->split[j] = ds->split[i];
        ds->label[j] = ds->label[i];
        if (ds->pixels) memmove(ds->pixels + (size_t)j * px, ds->pixels + (size_t)i * px, px);
        if (ds->pixel_hash) ds->pixel_hash[j] = ds->pixel_hash[i];
        if (ds->img_w_src) ds->img_w_src[j] = ds->img_w_src[i];
        if (ds->img_h_src) ds->img_h_src[j] = ds->img_h_src[i];
        if (ds->transparent) ds->transparent[j] = ds->transparent[i];
        if (ds->box) memmove(ds->box + 4 * j, ds->box + 4 * i, 4 * sizeof(int32_t));
        j++;
    }
    ds->n = j;
    return EMB_OK;
}

const uint8_t *emb_dataset_alpha_bg(const emb_dataset *ds) {
    static const uint8_t WHITE[3] = {255, 255, 255};
    return ds->alpha_bg_set ? ds->alpha_bg : WHITE;
}

emb_status emb_dataset_image(const emb_dataset *ds, int64_t i, emb_image *out) {
    memset(out, 0, sizeof *out);
    if (i < 0 || i >= ds->n) return emb__fail(EMB_E_INVALID, "item %lld out of range", (long long)i);
    if (ds->box) return emb__box_image(ds->path[i], ds->box + 4 * i, emb_dataset_alpha_bg(ds), out);
    if (ds->source == EMB_SOURCE_IDX) {
        size_t np = (size_t)ds->img_w * ds->img_h;
        out->rgb = emb__malloc(np * 3, "image");
        if (!out->rgb) return EMB_E_NOMEM;
        const uint8_t *g = ds->pixels + (size_t)i * np;
        for (size_t k = 0; k < np; k++) out->rgb[3 * k] = out->rgb[3 * k + 1] = out->rgb[3 * k + 2] = g[k];
        out->w = out->full_w = ds->img_w;
        out->h = out->full_h = ds->img_h;
        out->src_channels = 1;
        return EMB_OK;
    }
    if (ds->source == EMB_SOURCE_FOLDER) {
        emb_status st = emb_image_load(ds->path[i], out);
        if (!st) emb_image_composite(out, emb_dataset_alpha_bg(ds));
        return st;
    }
    return emb__fail(EMB_E_UNSUPPORTED, "item %lld: a vectors dataset has no images", (long long)i);
}

static bool is_dir(const char *p) {
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}
static bool is_file(const char *p) {
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}
static bool ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcasecmp(s + a - b, suf);
}
static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of a directory's entries (no hidden ones). */
static emb_status list_dir(const char *dir, char ***names, int *n) {
    DIR *d = opendir(dir);
    if (!d) return emb__fail(EMB_E_IO, "%s: cannot open directory: %s", dir, strerror(errno));
    char **v = NULL;
    int cnt = 0, cap = 0;
    struct dirent *e;
    emb_status st = EMB_OK;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (cnt == cap) {
            cap = cap ? 2 * cap : 64;
            char **nv = realloc(v, sizeof(char *) * (size_t)cap);
            if (!nv) { st = emb__fail(EMB_E_NOMEM, "out of memory listing %s", dir); break; }
            v = nv;
        }
        if (!(v[cnt] = emb__strdup(e->d_name))) { st = EMB_E_NOMEM; break; }
        cnt++;
    }
    closedir(d);
    if (st) { for (int i = 0; i < cnt; i++) free(v[i]); free(v); return st; }
    if (cnt) qsort(v, (size_t)cnt, sizeof(char *), cmp_str);
    *names = v;
    *n = cnt;
    return EMB_OK;
}
static void free_names(char **v, int n) {
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
}

/* ------------------------------------------------------------ IDX */
static bool is_idx_images(const char *name) {
    return strstr(name, "images-idx3-ubyte") || strstr(name, "images.idx3-ubyte");
}

/* "train-images-idx3-ubyte.gz" -> "train-labels-idx1-ubyte[.gz]" if present. */
static char *find_labels(const char *images) {
    char *p = emb__strdup(images);
    if (!p) return NULL;
    char *s = strstr(p, "images-idx3");
    if (!s) s = strstr(p, "images.idx3");
    if (!s) { free(p); return NULL; }
    memcpy(s, "labels", 6);
    memcpy(s + 7, "idx1", 4);
    if (is_file(p)) return p;
    size_t n = strlen(p);
    if (n > 3 && !strcmp(p + n - 3, ".gz")) {
        p[n - 3] = 0;
        if (is_file(p)) return p;
    } else {
        char *q = malloc(n + 4);
        if (q) {
            memcpy(q, p, n);
            memcpy(q + n, ".gz", 4);
            if (is_file(q)) { free(p); return q; }
            free(q);
        }
    }
    free(p);
    return NULL;
}

static emb_split idx_split(const char *path) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (!strncmp(base, "train", 5)) return EMB_SPLIT_TRAIN;
    if (!strncmp(base, "t10k", 4) || !strncmp(base, "test", 4)) return EMB_SPLIT_TEST;
    return EMB_SPLIT_NONE;
}

static emb_status add_idx_file(emb_dataset *ds, const char *images) {
    emb_idx im = {0}, lb = {0};
    char *labels = find_labels(images);
    emb_status st = emb_idx_load(images, &im);
    if (st) goto done;
    if (im.ndim != 3) { st = emb__fail(EMB_E_FORMAT, "%s: IDX images must be 3-D (n, rows, cols), got %d-D", images, im.ndim); goto done; }
    if (im.dims[1] == 0 || im.dims[2] == 0 || im.dims[1] > 4096 || im.dims[2] > 4096) {
        st = emb__fail(EMB_E_FORMAT, "%s: IDX image size %lldx%lld is not supported", images, (long long)im.dims[2], (long long)im.dims[1]);
        goto done;
    }
    if (ds->n > 0 && (im.dims[1] != ds->img_h || im.dims[2] != ds->img_w)) {
        st = emb__fail(EMB_E_FORMAT, "%s: images are %lldx%lld, other files hold %dx%d", images,
                       (long long)im.dims[2], (long long)im.dims[1], ds->img_w, ds->img_h);
        goto done;
    }
    if (labels) {
        if ((st = emb_idx_load(labels, &lb))) goto done;
        if (lb.ndim != 1 || lb.dims[0] != im.dims[0]) {
            st = emb__fail(EMB_E_FORMAT, "%s: %lld labels for %lld images in %s", labels,
                           (long long)lb.dims[0], (long long)im.dims[0], images);
            goto done;
        }
    }
    int64_t n0 = ds->n, n = im.dims[0];
    ds->img_h = (int)im.dims[1];
    ds->img_w = (int)im.dims[2];
    size_t px = (size_t)ds->img_h * ds->img_w;
    if ((st = reserve(ds, n0 + n))) goto done;
    uint8_t *np = realloc(ds->pixels, px * (size_t)(n0 + n));
    if (!np) { st = emb__fail(EMB_E_NOMEM, "%s: out of memory", images); goto done; }
    ds->pixels = np;
    memcpy(ds->pixels + px * (size_t)n0, im.data, px * (size_t)n);
    emb_split sp = idx_split(images);
    size_t plen = strlen(images) + 24;
    for (int64_t i = 0; i < n; i++) {
        char *p = malloc(plen);
        if (!p) { st = emb__fail(EMB_E_NOMEM, "out of memory"); break; }
        snprintf(p, plen, "%s#%lld", images, (long long)i);
        ds->path[n0 + i] = p;
        ds->split[n0 + i] = (uint8_t)sp;
        ds->label[n0 + i] = lb.data ? lb.data[i] : -1;
        ds->n = n0 + i + 1;
    }
done:
    free(labels);
    emb_idx_free(&im);
    emb_idx_free(&lb);
    return st;
}

/* Class names for IDX labels 0..max: given names, Fashion-MNIST's when the
 * path says fashion, else the digits themselves. */
static emb_status idx_classes(emb_dataset *ds, const char *path, const char *given) {
    int32_t maxl = -1;
    for (int64_t i = 0; i < ds->n; i++) if (ds->label[i] > maxl) maxl = ds->label[i];
    const char *names = given;
    if (!names) {
        char low[4096];
        size_t k = 0;
        for (; path[k] && k < sizeof low - 1; k++) low[k] = (char)tolower((unsigned char)path[k]);
        low[k] = 0;
        if (strstr(low, "fashion") && maxl <= 9) names = FASHION_CLASSES;
    }
    const char *p = names;
    for (int32_t c = 0; c <= maxl; c++) {
        char buf[256];
        if (p && *p) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            if (len >= sizeof buf) len = sizeof buf - 1;
            memcpy(buf, p, len);
            buf[len] = 0;
            p = e ? e + 1 : p + strlen(p);
        } else snprintf(buf, sizeof buf, "%d", c);
        if (emb_dataset_class(ds, buf) != c)
            return emb__fail(EMB_E_INVALID, "class name '%s' repeats or is out of memory", buf);
    }
    return EMB_OK;
}

static emb_status open_idx(const char *path, const emb_dataset_params *pp, emb_dataset *ds) {
    ds->source = EMB_SOURCE_IDX;
    emb_status st = EMB_OK;
    if (is_dir(path)) {
        char **names;
        int n;
        if ((st = list_dir(path, &names, &n))) return st;
        /* train first, then test, then the rest: the sort puts t10k before train. */
        for (int pass = 0; pass < 3 && !st; pass++)
            for (int i = 0; i < n && !st; i++) {
                if (!is_idx_images(names[i])) continue;
                emb_split s = idx_split(names[i]);
                if ((pass == 0) != (s == EMB_SPLIT_TRAIN) || (pass == 1) != (s == EMB_SPLIT_TEST)) continue;
                char *full = emb_path_join(path, names[i]);
                if (!full) { st = emb__fail(EMB_E_NOMEM, "out of memory"); break; }
                emb_progress_report(&pp->progress, "load", -1, full);
                st = add_idx_file(ds, full);
                free(full);
            }
        free_names(names, n);
    } else {
        st = add_idx_file(ds, path);
    }
    if (!st) st = idx_classes(ds, path, pp->class_names);
    return st;
}

/* ------------------------------------------------------------ folders (scan.c) */
/* A file name ending in one of the image extensions embscope decodes. */
static bool image_name(const char *name) {
    static const char *const EXT[] = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif",
                                      ".pnm", ".pbm", ".pgm", ".ppm", ".avif", ".heic", ".heif"};
    size_t n = strlen(name);
    for (size_t e = 0; e < sizeof EXT / sizeof EXT[0]; e++) {
        size_t m = strlen(EXT[e]);
        if (n > m && !strcasecmp(name + n - m, EXT[e])) return true;
    }
    return false;
}

/* ------------------------------------------------------------ vectors */
static emb_status open_vectors(const char *path, emb_dataset **out) {
    emb_npy a;
    emb_status st = emb_npy_open(path, true, &a);
    if (st) return st;
    int64_t n = a.ndim >= 1 ? a.shape[0] : 0;
    emb_npy_close(&a);
    /* items.csv beside the vectors gives paths, splits and labels. */
    char *dir = emb__strdup(path);
    if (!dir) return EMB_E_NOMEM;
    char *slash = strrchr(dir, '/');
    if (slash) slash[1] = 0; else strcpy(dir, "./");
    char *items = emb_path_join(dir, "items.csv");
    free(dir);
    emb_dataset *ds = NULL;
    if (items && is_file(items)) {
        st = emb_items_read(items, &ds);
        if (!st && ds->n != n) {
            st = emb__fail(EMB_E_FORMAT, "%s has %lld rows but %s has %lld vectors", items, (long long)ds->n, path, (long long)n);
            emb_dataset_free(ds);
        }
        free(items);
        if (st) return st;
    } else {
        free(items);
        ds = calloc(1, sizeof *ds);
        if (!ds || (st = reserve(ds, n > 0 ? n : 1))) { free(ds); return st ? st : emb__fail(EMB_E_NOMEM, "out of memory"); }
        size_t plen = strlen(path) + 24;
        for (int64_t i = 0; i < n; i++) {
            ds->path[i] = malloc(plen);
            if (!ds->path[i]) { ds->n = i; emb_dataset_free(ds); return emb__fail(EMB_E_NOMEM, "out of memory"); }
            snprintf(ds->path[i], plen, "%s#%lld", path, (long long)i);
            ds->split[i] = EMB_SPLIT_NONE;
            ds->label[i] = -1;
            ds->n = i + 1;
        }
    }
    ds->source = EMB_SOURCE_VECTORS;
    if (!(ds->vectors_path = emb__strdup(path))) { emb_dataset_free(ds); return EMB_E_NOMEM; }
    *out = ds;
    return EMB_OK;
}

/* Roboflow's classification exports keep their labels in a one-hot
 * _classes.csv beside the images: DATA/_classes.csv or DATA/<split>/_classes.csv.
 * Found, they label the items (as --labels would); the layout's reason says so. */
static emb_status classes_csv(const char *root, emb_dataset *ds) {
    char **names;
    int n;
    emb_status st = list_dir(root, &names, &n);
    if (st) return st;
    char *found[8];
    int nf = 0;
    for (int i = -1; i < n && nf < 8 && !st; i++) {
        if (i >= 0 && emb_split_parse(names[i]) == EMB_SPLIT_NONE) continue;
        char *dir = i < 0 ? emb__strdup(root) : emb_path_join(root, names[i]);
        char *p = dir ? emb_path_join(dir, "_classes.csv") : NULL;
        free(dir);
        if (!p) st = emb__fail(EMB_E_NOMEM, "out of memory");
        else if (is_file(p)) found[nf++] = p;
        else free(p);
    }
    free_names(names, n);
    if (!st && nf) st = emb__labels_apply(ds, root, (const char *const *)found, nf);
    if (!st && nf && ds->layout_reason) {
        size_t len = strlen(ds->layout_reason) + strlen(ds->labels_file) + 64;
        char *r = malloc(len);
        if (!r) st = emb__fail(EMB_E_NOMEM, "out of memory");
        else {
            snprintf(r, len, "%s; labels from %s (one-hot, as Roboflow exports)", ds->layout_reason, ds->labels_file);
            free(ds->layout_reason);
            ds->layout_reason = r;
        }
    }
    for (int k = 0; k < nf; k++) free(found[k]);
    return st;
}

emb_status emb_dataset_open(const char *path, const emb_dataset_params *params, emb_dataset **out) {
    emb_dataset_params pp = params ? *params : emb_dataset_default_params();
    struct stat sb;
    if (stat(path, &sb) != 0) return emb__fail(EMB_E_IO, "%s: %s", path, strerror(errno));
    if (S_ISREG(sb.st_mode) && ends_with(path, ".npy")) {
        emb_status st = open_vectors(path, out);
        if (!st) (*out)->layout = "vectors";
        return st;
    }
    emb_dataset *ds = calloc(1, sizeof *ds);
    if (!ds) return emb__fail(EMB_E_NOMEM, "out of memory");
    emb_status st;
    bool idx = S_ISREG(sb.st_mode) && !ends_with(path, ".json");
    if (S_ISDIR(sb.st_mode) && pp.layout == EMB_LAYOUT_AUTO) {
        char **names;
        int n;
        if ((st = list_dir(path, &names, &n))) { free(ds); return st; }
        for (int i = 0; i < n; i++) idx |= is_idx_images(names[i]);
        free_names(names, n);
    }
    if (idx) {
        st = open_idx(path, &pp, ds);
        ds->layout = "idx";
    } else {
        st = emb__open_folder(path, &pp, ds);
    }
    if (!st && pp.labels_csv) st = emb__labels_apply(ds, path, &pp.labels_csv, 1);
    else if (!st && !pp.unlabelled && ds->source == EMB_SOURCE_FOLDER && !ds->box) st = classes_csv(path, ds);
    if (!st && pp.unlabelled) {
        for (int64_t i = 0; i < ds->n; i++) ds->label[i] = -1;
        for (int32_t c = 0; c < ds->n_classes; c++) free(ds->class_names[c]);
        ds->n_classes = 0;
    }
    if (!st && ds->n == 0)
        st = emb__fail(EMB_E_FORMAT, "%s: no items found (expected IDX files, DATA/<images>, DATA/<class>/<images>, "
                       "DATA/<split>/<class>/<images>, a COCO, YOLO or Pascal VOC export, or a .npy)%s%s", path,
                       ds->annot_issues.n ? "; annotation problems: " : "",
                       ds->annot_issues.n ? ds->annot_issues.reason[0] : "");
    if (st) { emb_dataset_free(ds); return st; }
    *out = ds;
    return EMB_OK;
}

/* Shared with scan.c and the annotation readers: the image-extension test
 * above, the item arrays, class order. */
bool emb__image_name(const char *name) { return image_name(name); }

emb_status emb__dataset_add(emb_dataset *ds, char *path, emb_split sp, int32_t label, const int32_t *box) {
    emb_status st = reserve(ds, ds->n + 1);
    if (st) { free(path); return st; }
    ds->path[ds->n] = path;
    ds->split[ds->n] = (uint8_t)sp;
    ds->label[ds->n] = label;
    if (ds->box) memcpy(ds->box + 4 * ds->n, box, 4 * sizeof(int32_t));
    ds->n++;
    return EMB_OK;
}

emb_status emb__dataset_sort_classes(emb_dataset *ds) {
    int32_t nc = ds->n_classes;
    if (nc < 2) return EMB_OK;
    char **sorted = malloc(sizeof(char *) * (size_t)nc);
    int32_t *remap = malloc(sizeof(int32_t) * (size_t)nc);
    if (!sorted || !remap) { free(sorted); free(remap); return emb__fail(EMB_E_NOMEM, "out of memory"); }
    memcpy(sorted, ds->class_names, sizeof(char *) * (size_t)nc);
    qsort(sorted, (size_t)nc, sizeof(char *), cmp_str);
    for (int32_t c = 0; c < nc; c++)
        for (int32_t k = 0; k < nc; k++) if (sorted[k] == ds->class_names[c]) remap[c] = k;
    for (int64_t i = 0; i < ds->n; i++) if (ds->label[i] >= 0) ds->label[i] = remap[ds->label[i]];
    memcpy(ds->class_names, sorted, sizeof(char *) * (size_t)nc);
    free(sorted);
    free(remap);
    return EMB_OK;
}

/* ------------------------------------------------------------ skipped */
emb_status emb_skipped_add(emb_skipped *s, const char *path, const char *reason) {
    if (s->n == s->cap) {
        int64_t cap = s->cap ? 2 * s->cap : 16;
        char **p = realloc(s->path, sizeof(char *) * (size_t)cap);
        if (p) s->path = p;
        char **r = realloc(s->reason, sizeof(char *) * (size_t)cap);
        if (r) s->reason = r;
        if (!p || !r) return emb__fail(EMB_E_NOMEM, "out of memory");
        s->cap = cap;
    }
    s->path[s->n] = emb__strdup(path);
    s->reason[s->n] = emb__strdup(reason);
    if (!s->path[s->n] || !s->reason[s->n]) {
        free(s->path[s->n]);
        free(s->reason[s->n]);
        return EMB_E_NOMEM;
    }
    s->n++;
    return EMB_OK;
}

void emb_skipped_free(emb_skipped *s) {
    if (!s) return;
    for (int64_t i = 0; i < s->n; i++) { free(s->path[i]); free(s->reason[i]); }
    free(s->path);
    free(s->reason);
    memset(s, 0, sizeof *s);
}

const char *emb_dataset_layout(const emb_dataset *ds) { return ds ? ds->layout : NULL; }

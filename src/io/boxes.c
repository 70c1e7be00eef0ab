/* boxes.c - detection exports as items: each box of an image becomes one
 * item "<image>#box<k>", its crop (with an optional margin) decoded on
 * demand. The readers (coco.c, yolo.c, voc.c) hand boxes to this sink,
 * which checks them and lists every bad one in annotation_issues.csv:
 * missing image, zero or negative size, box outside the image (dropped) or
 * past its edge (clipped, kept), unknown category; two boxes of one image
 * with IoU >= BOX_DUP_IOU are listed as duplicates, or as one object
 * labelled twice when their classes differ (both kept). */
#include "core/internal.h"
#include "io/io.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <turbojpeg.h>
#include <webp/decode.h>

#define BOX_DUP_IOU 0.9     /* duplicate boxes: intersection over union at least this */
#define BOX_EDGE_SLACK 1.0  /* px a box may pass the image's edge before it is listed */

/* ------------------------------------------------------------ issues */
emb_status emb_annot_issues_add(emb_annot_issues *a, const char *file, const char *where, const char *reason) {
    if (a->n == a->cap) {
        int64_t cap = a->cap ? 2 * a->cap : 16;
        char **f = realloc(a->file, sizeof(char *) * (size_t)cap);
        if (f) a->file = f;
        char **w = realloc(a->where, sizeof(char *) * (size_t)cap);
        if (w) a->where = w;
        char **r = realloc(a->reason, sizeof(char *) * (size_t)cap);
        if (r) a->reason = r;
        if (!f || !w || !r) return emb__fail(EMB_E_NOMEM, "out of memory");
        a->cap = cap;
    }
    a->file[a->n] = emb__strdup(file ? file : "");
    a->where[a->n] = emb__strdup(where ? where : "");
    a->reason[a->n] = emb__strdup(reason ? reason : "");
    if (!a->file[a->n] || !a->where[a->n] || !a->reason[a->n]) {
        free(a->file[a->n]); free(a->where[a->n]); free(a->reason[a->n]);
        return emb__fail(EMB_E_NOMEM, "out of memory");
    }
    a->n++;
    return EMB_OK;
}

void emb_annot_issues_free(emb_annot_issues *a) {
    if (!a) return;
    for (int64_t i = 0; i < a->n; i++) { free(a->file[i]); free(a->where[i]); free(a->reason[i]); }
    free(a->file);
    free(a->where);
    free(a->reason);
    memset(a, 0, sizeof *a);
}

emb_status emb_annot_issues_write(const char *path, const emb_annot_issues *a) {
    emb_outfile o;
    emb_status st = emb_outfile_open(&o, path);
    if (st) return st;
    fputs("file,where,reason\n", o.f);
    for (int64_t i = 0; i < a->n; i++) {
        emb_csv_field(o.f, a->file[i]);
        fputc(',', o.f);
        emb_csv_field(o.f, a->where[i]);
        fputc(',', o.f);
        emb_csv_field(o.f, a->reason[i]);
        fputc('\n', o.f);
    }
    return emb_outfile_commit(&o);
}

/* ------------------------------------------------------------ files */
emb_status emb__read_text(const char *path, char **buf, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return emb__fail(EMB_E_IO, "%s: cannot open: %s", path, strerror(errno));
    char *b = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (cap - n < 65536) {
            cap = cap ? 2 * cap : 65536 * 2;
            char *nb = realloc(b, cap + 1);
            if (!nb) { free(b); fclose(f); return emb__fail(EMB_E_NOMEM, "%s: out of memory", path); }
            b = nb;
        }
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (r == 0) break;
    }
    bool err = ferror(f);
    fclose(f);
    if (err) { free(b); return emb__fail(EMB_E_IO, "%s: read error", path); }
    b[n] = 0;
    *buf = b;
    *len = n;
    return EMB_OK;
}

static uint32_t be32(const unsigned char *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

#define IMAGE_HEADER_BYTES (512 * 1024)   /* holds a JPEG's SOF past large EXIF / ICC segments */

/* The first max bytes of a file (malloc'd). */
static emb_status read_prefix(const char *path, size_t max, char **buf, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return emb__fail(EMB_E_IO, "%s: cannot open: %s", path, strerror(errno));
    char *b = malloc(max);
    if (!b) { fclose(f); return emb__fail(EMB_E_NOMEM, "%s: out of memory", path); }
    *len = fread(b, 1, max, f);
    fclose(f);
    *buf = b;
    return EMB_OK;
}

emb_status emb__image_size(const char *path, int *w, int *h) {
    char *buf = NULL;
    size_t len = 0;
    /* the header only (YOLO needs every image's size: reading whole files
     * would double the embed stage's reads); whole file when that fails */
    emb_status st = read_prefix(path, IMAGE_HEADER_BYTES, &buf, &len);
    if (st) return st;
    const unsigned char *u = (const unsigned char *)buf;
    *w = *h = 0;
    if (len >= 24 && !memcmp(u, "\x89PNG\r\n\x1a\n", 8) && !memcmp(u + 12, "IHDR", 4)) {
        *w = (int)be32(u + 16);
        *h = (int)be32(u + 20);
    } else if (len >= 3 && u[0] == 0xFF && u[1] == 0xD8) {
        tjhandle tj = tjInitDecompress();
        int sub, cs;
        if (tj && tjDecompressHeader3(tj, u, (unsigned long)len, w, h, &sub, &cs) != 0) *w = *h = 0;
        if (tj) tjDestroy(tj);
    } else if (len >= 12 && !memcmp(u, "RIFF", 4) && !memcmp(u + 8, "WEBP", 4)) {
        if (!WebPGetInfo(u, len, w, h)) *w = *h = 0;
    }
    free(buf);
    if (*w <= 0 || *h <= 0) {   /* other formats, or a header we could not read: decode */
        emb_image img;
        st = emb_image_load(path, &img);
        if (!st) { *w = img.w; *h = img.h; emb_image_free(&img); }
    }
    return st;
}

char *emb__box_file(const char *item) {
    const char *h = strstr(item, "#box"), *n;
    while (h && (n = strstr(h + 1, "#box"))) h = n;
    size_t len = h ? (size_t)(h - item) : strlen(item);
    char *f = malloc(len + 1);
    if (f) { memcpy(f, item, len); f[len] = 0; }
    return f;
}

emb_status emb__box_crop(const emb_image *full, const char *item_path, const int32_t *box, emb_image *out) {
    memset(out, 0, sizeof *out);
    int x = box[0], y = box[1], w = box[2], h = box[3];
    if (x < 0 || y < 0 || w <= 0 || h <= 0 || x > full->w - w || y > full->h - h)
        return emb__fail(EMB_E_FORMAT, "%s: box %d,%d %dx%d is outside the %dx%d image", item_path, x, y, w, h, full->w, full->h);
    out->rgb = emb__malloc((size_t)w * h * 3, "box crop");
    if (!out->rgb) return EMB_E_NOMEM;
    for (int r = 0; r < h; r++)
        memcpy(out->rgb + (size_t)r * w * 3, full->rgb + ((size_t)(y + r) * full->w + x) * 3, (size_t)w * 3);
    out->w = out->full_w = w;
    out->h = out->full_h = h;
    out->src_channels = full->src_channels;
    out->orientation = full->orientation;   /* the crop is as stored: emb_image_orient turns it upright */
    return EMB_OK;
}

bool emb__box_transparent(const emb_image *full, const int32_t *box) {
    if (!full->alpha) return false;
    int x0 = box[0] < 0 ? 0 : box[0], y0 = box[1] < 0 ? 0 : box[1];
    int64_t x1 = (int64_t)box[0] + box[2], y1 = (int64_t)box[1] + box[3];
    if (x1 > full->w) x1 = full->w;
    if (y1 > full->h) y1 = full->h;
    for (int64_t y = y0; y < y1; y++)
        for (int64_t x = x0; x < x1; x++)
            if (full->alpha[(size_t)y * full->w + x] != 255) return true;
    return false;
}

emb_status emb__box_image(const char *item_path, const int32_t *box, const uint8_t *bg, emb_image *out) {
    memset(out, 0, sizeof *out);
    char *file = emb__box_file(item_path);
    if (!file) return emb__fail(EMB_E_NOMEM, "out of memory");
    emb_image full;
    emb_status st = emb_image_load(file, &full);
    free(file);
    if (st) return st;
    if (bg) emb_image_composite(&full, bg);
    st = emb__box_crop(&full, item_path, box, out);
    emb_image_free(&full);
    return st;
}

bool emb__same_image(const emb_dataset *ds, int64_t i, int64_t k) {
    if (!ds->box) return false;
    const char *a = strrchr(ds->path[i], '#'), *b = strrchr(ds->path[k], '#');
    return a && b && a - ds->path[i] == b - ds->path[k] && !strncmp(ds->path[i], ds->path[k], (size_t)(a - ds->path[i]));
}

int64_t emb__file_groups(const emb_dataset *ds, int64_t *first) {
    int64_t g = 0;
    for (int64_t i = 0; i < ds->n; i++)
        if (!(i > 0 && emb__same_image(ds, i - 1, i))) first[g++] = i;
    first[g] = ds->n;
    return g;
}

/* ------------------------------------------------------------ the sink */
void emb__boxes_init(emb__boxes *b, emb_dataset *ds, const char *root, double margin) {
    memset(b, 0, sizeof *b);
    b->ds = ds;
    b->root = root;
    b->margin = margin > 0 ? margin : 0;
}

static emb_status issue(emb__boxes *b, const char *where, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static emb_status issue(emb__boxes *b, const char *where, const char *fmt, ...) {
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return emb_annot_issues_add(&b->ds->annot_issues, b->ann_file, where, why);
}

static double iou(const int32_t *a, const int32_t *c) {
    double x0 = fmax(a[0], c[0]), y0 = fmax(a[1], c[1]);
    double x1 = fmin(a[0] + a[2], c[0] + c[2]), y1 = fmin(a[1] + a[3], c[1] + c[3]);
    double in = x1 > x0 && y1 > y0 ? (x1 - x0) * (y1 - y0) : 0;
    double un = (double)a[2] * a[3] + (double)c[2] * c[3] - in;
    return un > 0 ? in / un : 0;
}

emb_status emb__boxes_end(emb__boxes *b) {
    if (!b->image) return EMB_OK;
    emb_dataset *ds = b->ds;
    emb_status st = EMB_OK;
    /* duplicate boxes: IoU >= BOX_DUP_IOU (all pairs: an image has few
     * boxes); of one class a repeated annotation, of two a conflict */
    for (int64_t i = b->first; i < ds->n && !st; i++)
        for (int64_t j = i + 1; j < ds->n && !st; j++) {
            double v = iou(ds->box + 4 * i, ds->box + 4 * j);
            if (v < BOX_DUP_IOU) continue;
            const char *hi = strrchr(ds->path[i], '#'), *hj = strrchr(ds->path[j], '#');
            char where[64];
            snprintf(where, sizeof where, "%s", hj ? hj + 1 : "");
            if (ds->label[i] == ds->label[j])
                st = issue(b, where, "%s: duplicate box: IoU %.3f with %s (both kept)", b->image, v, hi ? hi + 1 : "");
            else
                st = issue(b, where, "%s: the same object labelled twice: IoU %.3f with %s, %s vs %s (both kept)", b->image, v,
                           hi ? hi + 1 : "", ds->class_names[ds->label[j]], ds->class_names[ds->label[i]]);
        }
    free(b->image);
    b->image = NULL;
    return st;
}

emb_status emb__boxes_image(emb__boxes *b, const char *ann_file, const char *image_rel, int w, int h, emb_split split) {
    emb_status st = emb__boxes_end(b);
    if (st) return st;
    if (!(b->image = emb__strdup(image_rel))) return EMB_E_NOMEM;
    b->ann_file = ann_file;
    b->split = split;
    b->w = w > 0 ? w : 0;
    b->h = h > 0 ? h : 0;
    b->state = 0;
    b->k = 0;
    b->first = b->ds->n;
    b->n_images++;
    return EMB_OK;
}

bool emb__boxes_size(emb__boxes *b, int *w, int *h) {
    if (b->state == 0) {
        b->state = 1;
        if (b->no_files) {
            if (!b->w || !b->h) { b->w = b->fixed_w; b->h = b->fixed_h; }
        } else {
            char *p = emb_path_join(b->root, b->image);
            struct stat sb;
            if (!p) b->state = -1;
            else if (stat(p, &sb) != 0 || !S_ISREG(sb.st_mode)) {
                b->state = -1;
                issue(b, b->image, "missing image file %s", b->image);
            } else if (!b->w || !b->h) {
                if (emb__image_size(p, &b->w, &b->h)) {
                    b->state = -1;
                    issue(b, b->image, "cannot read the image's size: %s", emb_errmsg());
                }
            }
            free(p);
        }
    }
    *w = b->w;
    *h = b->h;
    return b->state > 0;
}

emb_status emb__boxes_reject(emb__boxes *b, const char *where, const char *reason) {
    b->n_boxes_seen++;
    b->k++;
    return b->image ? issue(b, where, "%s: %s", b->image, reason) : issue(b, where, "%s", reason);
}

emb_status emb__boxes_add(emb__boxes *b, double x, double y, double w, double h, const char *category, const char *where) {
    b->n_boxes_seen++;
    if (!b->image) return EMB_OK;
    int k = b->k++;   /* the box's place among its image's annotations, dropped ones included */
    if (!category) return issue(b, where, "%s: unknown category", b->image);
    if (!(isfinite(x) && isfinite(y) && isfinite(w) && isfinite(h)))
        return issue(b, where, "%s: box coordinates are not numbers", b->image);
    if (w <= 0 || h <= 0) return issue(b, where, "%s: zero or negative size (%g x %g)", b->image, w, h);
    int W, H;
    if (!emb__boxes_size(b, &W, &H)) return EMB_OK;   /* listed once per image */
    if (x >= W || y >= H || x + w <= 0 || y + h <= 0)
        return issue(b, where, "%s: box %g,%g %gx%g is outside the %dx%d image", b->image, x, y, w, h, W, H);
    if (x < -BOX_EDGE_SLACK || y < -BOX_EDGE_SLACK || x + w > W + BOX_EDGE_SLACK || y + h > H + BOX_EDGE_SLACK) {
        emb_status st = issue(b, where, "%s: box %g,%g %gx%g passes the edge of the %dx%d image (clipped, kept)",
                              b->image, x, y, w, h, W, H);
        if (st) return st;
    }
    double mx = b->margin * w, my = b->margin * h;
    double x0 = fmax(0, floor(x - mx)), y0 = fmax(0, floor(y - my));
    double x1 = fmin(W, ceil(x + w + mx)), y1 = fmin(H, ceil(y + h + my));
    if (x1 - x0 < 1 || y1 - y0 < 1) return issue(b, where, "%s: box is less than a pixel inside the image", b->image);
    int32_t box[4] = {(int32_t)x0, (int32_t)y0, (int32_t)(x1 - x0), (int32_t)(y1 - y0)};
    int32_t c = emb_dataset_class(b->ds, category);
    if (c < 0) return emb__fail(EMB_E_NOMEM, "out of memory");
    char *img = emb_path_join(b->root, b->image);
    size_t len = img ? strlen(img) + 24 : 0;
    char *p = img ? malloc(len) : NULL;
    if (p) snprintf(p, len, "%s#box%d", img, k);
    free(img);
    if (!p) return emb__fail(EMB_E_NOMEM, "out of memory");
    return emb__dataset_add(b->ds, p, b->split, c, box);
}

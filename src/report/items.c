/* items.c - an item's image from its items.csv path ("<IDX file>#<index>"
 * or an image file), and the box-filter thumbnail resize. IDX files are
 * loaded once (emb_idx_load) and indexed afterwards. */
#include "core/internal.h"
#include "report/report.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
    char *path;
    emb_idx idx;
    emb_status st;          /* status of the load, kept so a bad file fails fast */
} idx_entry;

struct emb_item_images {
    pthread_mutex_t lock;
    idx_entry *idx;
    int n_idx, cap_idx;
    uint8_t bg[3];          /* images with alpha are composited over it */
};

emb_item_images *emb_item_images_new(void) {
    emb_item_images *c = calloc(1, sizeof *c);
    if (!c) { emb__fail(EMB_E_NOMEM, "out of memory"); return NULL; }
    pthread_mutex_init(&c->lock, NULL);
    memset(c->bg, 255, 3);
    return c;
}

void emb_item_images_set_background(emb_item_images *c, const uint8_t rgb[3]) { memcpy(c->bg, rgb, 3); }

void emb_item_images_free(emb_item_images *c) {
    if (!c) return;
    for (int i = 0; i < c->n_idx; i++) { free(c->idx[i].path); emb_idx_free(&c->idx[i].idx); }
    free(c->idx);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* The IDX file at path, loaded on first use. Caller holds the lock. */
static emb_status get_idx(emb_item_images *c, const char *path, const emb_idx **out) {
    for (int i = 0; i < c->n_idx; i++)
        if (!strcmp(c->idx[i].path, path)) {
            *out = &c->idx[i].idx;
            return c->idx[i].st ? emb__fail(c->idx[i].st, "%s: could not be loaded", path) : EMB_OK;
        }
    if (c->n_idx == c->cap_idx) {
        int cap = c->cap_idx ? 2 * c->cap_idx : 4;
        idx_entry *v = realloc(c->idx, sizeof *v * (size_t)cap);
        if (!v) return emb__fail(EMB_E_NOMEM, "out of memory");
        c->idx = v;
        c->cap_idx = cap;
    }
    idx_entry *e = &c->idx[c->n_idx];
    memset(e, 0, sizeof *e);
    if (!(e->path = emb__strdup(path))) return EMB_E_NOMEM;
    e->st = emb_idx_load(path, &e->idx);
    if (!e->st && e->idx.ndim != 3) e->st = emb__fail(EMB_E_FORMAT, "%s: not an IDX images file (%d-D)", path, e->idx.ndim);
    c->n_idx++;
    *out = &e->idx;
    return e->st;
}

static bool is_file(const char *p) {
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

emb_status emb_item_image(emb_item_images *c, const char *path, emb_image *out) {
    memset(out, 0, sizeof *out);
    const char *hash = strrchr(path, '#');
    /* A file whose name holds '#' is itself an image; "<file>#<digits>" is IDX. */
    if (!hash || hash[1] == 0 || strspn(hash + 1, "0123456789") != strlen(hash + 1) || is_file(path)) {
        emb_status st = emb_image_load(path, out);
        if (!st) emb_image_composite(out, c->bg);
        if (!st) st = emb_image_orient(out);   /* thumbnails upright, as a viewer shows them */
        if (st) emb_image_free(out);
        return st;
    }
    size_t plen = (size_t)(hash - path);
    char *file = emb__malloc(plen + 1, "path");
    if (!file) return EMB_E_NOMEM;
    memcpy(file, path, plen);
    file[plen] = 0;
    long long i = atoll(hash + 1);
    pthread_mutex_lock(&c->lock);
    const emb_idx *a = NULL;
    emb_status st = get_idx(c, file, &a);
    pthread_mutex_unlock(&c->lock);
    free(file);
    if (st) return st;
    if (i >= a->dims[0]) return emb__fail(EMB_E_FORMAT, "%s: index %lld beyond the file's %lld images", path, i, (long long)a->dims[0]);
    int h = (int)a->dims[1], w = (int)a->dims[2];
    size_t np = (size_t)w * h;
    if (!(out->rgb = emb__malloc(np * 3, "image"))) return EMB_E_NOMEM;
    const uint8_t *g = a->data + (size_t)i * np;
    for (size_t k = 0; k < np; k++) out->rgb[3 * k] = out->rgb[3 * k + 1] = out->rgb[3 * k + 2] = g[k];
    out->w = w;
    out->h = h;
    out->src_channels = 1;
    return EMB_OK;
}

/* Box filter: output pixel (x, y) averages the source rectangle it covers,
 * with fractional edge weights (exact area averaging, as PIL's BOX). */
void emb__thumb_place(int w, int h, int side, int *ox, int *oy, int *tw, int *th) {
    double s = (double)side / (w > h ? w : h);   /* scale, <= or > 1 */
    *tw = (int)(w * s + 0.5);
    *th = (int)(h * s + 0.5);
    if (*tw < 1) *tw = 1;
    if (*th < 1) *th = 1;
    *ox = (side - *tw) / 2;
    *oy = (side - *th) / 2;
}

void emb_thumb_fit(const uint8_t *rgb, int w, int h, int side, uint8_t bg,
                   uint8_t *cell, size_t stride) {
    int ox, oy, tw, th;
    emb__thumb_place(w, h, side, &ox, &oy, &tw, &th);
    for (int y = 0; y < side; y++) memset(cell + (size_t)y * stride, bg, (size_t)side * 3);
    double fx = (double)w / tw, fy = (double)h / th;   /* source px per target px */
    for (int y = 0; y < th; y++) {
        double y0 = y * fy, y1 = y0 + fy;
        for (int x = 0; x < tw; x++) {
            double x0 = x * fx, x1 = x0 + fx, acc[3] = {0, 0, 0}, wsum = 0;
            for (int sy = (int)y0; sy < h && sy < y1; sy++) {
                double wy = (sy + 1 < y1 ? sy + 1 : y1) - (sy > y0 ? sy : y0);
                for (int sx = (int)x0; sx < w && sx < x1; sx++) {
                    double wx = (sx + 1 < x1 ? sx + 1 : x1) - (sx > x0 ? sx : x0);
                    const uint8_t *p = rgb + ((size_t)sy * w + sx) * 3;
                    for (int ch = 0; ch < 3; ch++) acc[ch] += wx * wy * p[ch];
                    wsum += wx * wy;
                }
            }
            uint8_t *q = cell + (size_t)(oy + y) * stride + (size_t)(ox + x) * 3;
            for (int ch = 0; ch < 3; ch++) q[ch] = (uint8_t)(acc[ch] / wsum + 0.5);
        }
    }
}

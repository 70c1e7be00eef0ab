/* coco_segm.c - the box of a COCO annotation that has a "segmentation" but
 * no "bbox": the extent of its polygons, or of its run-length mask, as
 * pycocotools computes them (cocodataset.org/#format-data; pycocotools'
 * maskApi.c: rleFrString for compressed counts, rleToBbox for the box).
 *   polygons: [[x1, y1, x2, y2, ...], ...], each at least 3 points; the box
 *     is min / max of the coordinates (x, y, max x - min x, max y - min y);
 *   RLE: {"size": [h, w], "counts": [n0, n1, ...] or "compressed string"},
 *     runs of 0s then 1s alternating, in column-major order (pixel p is at
 *     column p / h, row p % h); the box covers the 1 pixels (w = last column
 *     - first column + 1, as rleToBbox).
 * Untrusted input: every count is checked, the runs must cover exactly
 * h x w pixels, and a mask of another size than the image is refused. */
#include "core/internal.h"
#include "io/io.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEGM_MAX_SIDE 1000000.0   /* a mask side beyond this is not an image's (and h * w fits 2^40) */

static bool fail(char *why, size_t cap, const char *msg) {
    snprintf(why, cap, "%s", msg);
    return false;
}

static bool polygons_extent(const cJSON *seg, double box[4], char *why, size_t cap) {
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    if (!cJSON_GetArraySize(seg)) return fail(why, cap, "segmentation has no polygon");
    for (const cJSON *poly = seg->child; poly; poly = poly->next) {
        int n = cJSON_GetArraySize(poly);
        if (!cJSON_IsArray(poly) || n < 6 || n % 2)
            return fail(why, cap, "segmentation polygon is not [x1, y1, x2, y2, x3, y3, ...]");
        int q = 0;
        for (const cJSON *e = poly->child; e; e = e->next, q++) {
            if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble))
                return fail(why, cap, "segmentation polygon has a coordinate that is not a number");
            double v = e->valuedouble;
            if (q % 2) { y0 = fmin(y0, v); y1 = fmax(y1, v); }
            else { x0 = fmin(x0, v); x1 = fmax(x1, v); }
        }
    }
    box[0] = x0;
    box[1] = y0;
    box[2] = x1 - x0;
    box[3] = y1 - y0;
    return true;
}

/* One count of a compressed RLE string at *p (pycocotools' rleFrString:
 * 5 bits a character from '0', 0x20 = more follow, 0x10 in the last = negative). */
static bool leb_next(const char **p, long long *out) {
    long long x = 0;
    int k = 0;
    for (;;) {
        int c = (unsigned char)**p - 48;
        if (c < 0 || c > 63 || k > 8) return false;   /* not a count character, or over 45 bits */
        x |= (long long)(c & 0x1f) << (5 * k);
        (*p)++;
        k++;
        if (!(c & 0x20)) {
            if (c & 0x10) x -= (long long)1 << (5 * k);   /* sign extension */
            break;
        }
    }
    *out = x;
    return true;
}

/* rleToBbox's box of the 1 pixels, one (0s, 1s) pair of runs at a time. */
typedef struct { long long h, pos, ones, xs, ys, xe, ye; } rle_box;

static void rle_pair(rle_box *r, long long zeros, long long ones) {
    r->pos += zeros;
    if (ones > 0) {
        long long first = r->pos, last = r->pos + ones - 1, x0 = first / r->h, x1 = last / r->h;
        if (x0 < r->xs) r->xs = x0;
        if (x1 > r->xe) r->xe = x1;
        long long y0 = x1 > x0 ? 0 : first % r->h, y1 = x1 > x0 ? r->h - 1 : last % r->h;   /* wraps a column */
        if (y0 < r->ys) r->ys = y0;
        if (y1 > r->ye) r->ye = y1;
    }
    r->pos += ones;
    r->ones += ones;
}

/* The next count of "counts" (a list, or the compressed string at *s), or
 * RLE_END, RLE_BAD_STRING, RLE_NEGATIVE (or not an integer). n: counts read
 * so far; prev: the last two. */
enum { RLE_END = -1, RLE_BAD_STRING = -2, RLE_NEGATIVE = -3 };
static long long rle_next(const cJSON **e, const char **s, long long n, long long prev[2]) {
    long long c;
    if (*s) {
        if (!**s) return RLE_END;
        if (!leb_next(s, &c)) return RLE_BAD_STRING;
        if (n > 2) c += prev[0];   /* from the 4th on: a delta to the count 2 before (rleFrString) */
    } else {
        if (!*e) return RLE_END;
        double v = (*e)->valuedouble;
        c = cJSON_IsNumber(*e) && v == floor(v) && v >= 0 && v <= 1e15 ? (long long)v : RLE_NEGATIVE;
        *e = (*e)->next;
    }
    prev[0] = prev[1];
    prev[1] = c;
    return c < 0 ? RLE_NEGATIVE : c;
}

static bool rle_extent(const cJSON *seg, int img_w, int img_h, double box[4], char *why, size_t cap) {
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(seg, "size"),
                *counts = cJSON_GetObjectItemCaseSensitive(seg, "counts");
    const cJSON *sh = cJSON_GetArrayItem(size, 0), *sw = cJSON_GetArrayItem(size, 1);
    if (!cJSON_IsArray(size) || cJSON_GetArraySize(size) != 2 || !cJSON_IsNumber(sh) || !cJSON_IsNumber(sw) ||
        !(sh->valuedouble >= 1 && sh->valuedouble <= SEGM_MAX_SIDE) ||
        !(sw->valuedouble >= 1 && sw->valuedouble <= SEGM_MAX_SIDE) || sh->valuedouble != floor(sh->valuedouble) ||
        sw->valuedouble != floor(sw->valuedouble))
        return fail(why, cap, "segmentation RLE has no size [height, width]");
    long long h = (long long)sh->valuedouble, w = (long long)sw->valuedouble, total = h * w;
    if ((img_w && img_w != w) || (img_h && img_h != h)) {
        snprintf(why, cap, "segmentation RLE is %lldx%lld, the image %dx%d", w, h, img_w, img_h);
        return false;
    }
    const char *s = cJSON_IsString(counts) ? counts->valuestring : NULL;
    const cJSON *e = cJSON_IsArray(counts) ? counts->child : NULL;
    if (!s && !cJSON_IsArray(counts)) return fail(why, cap, "segmentation RLE counts is not a list or a string");
    rle_box r = {.h = h, .xs = w, .ys = h, .xe = -1, .ye = -1};
    long long n = 0, sum = 0, zeros = 0, prev[2] = {0, 0}, c;
    while ((c = rle_next(&e, &s, n, prev)) != RLE_END) {
        if (c == RLE_BAD_STRING) return fail(why, cap, "segmentation RLE counts string is malformed");
        if (c == RLE_NEGATIVE) return fail(why, cap, "segmentation RLE counts are not all integers >= 0");
        if (c > total - sum) return fail(why, cap, "segmentation RLE counts cover more than height x width");
        sum += c;
        if (n++ % 2 == 0) zeros = c;
        else rle_pair(&r, zeros, c);
    }
    if (sum != total) return fail(why, cap, "segmentation RLE counts do not cover height x width");
    if (!r.ones) return fail(why, cap, "segmentation RLE mask is empty");
    box[0] = (double)r.xs;
    box[1] = (double)r.ys;
    box[2] = (double)(r.xe - r.xs + 1);
    box[3] = (double)(r.ye - r.ys + 1);
    return true;
}

bool emb__coco_segm_box(const void *segmentation, int img_w, int img_h, double box[4], char *why, size_t cap) {
    const cJSON *seg = segmentation;
    if (cJSON_IsArray(seg)) return polygons_extent(seg, box, why, cap);
    if (cJSON_IsObject(seg)) return rle_extent(seg, img_w, img_h, box, why, cap);
    return fail(why, cap, "segmentation is not polygons or an RLE mask");
}

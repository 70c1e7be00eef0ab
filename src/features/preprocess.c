/* preprocess.c - CLIP's reference preprocessing (openai/CLIP clip.py
 * _transform: Resize(S, BICUBIC), CenterCrop(S), ToTensor, Normalize).
 * The resize reproduces Pillow's src/libImaging/Resample.c for 8-bit images
 * bit for bit: precompute_coeffs (bicubic a = -0.5, support 2 x scale when
 * shrinking), coefficients rounded to PRECISION_BITS = 22 fixed point, each
 * pass rounds (+ 1 << 21) and clamps to 0..255, horizontal pass first over
 * the rows the vertical pass needs. */
#include "core/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PIL_PRECISION_BITS (32 - 8 - 2)   /* Resample.c */
#define PIL_BICUBIC_SUPPORT 2.0
#define PIL_BICUBIC_A (-0.5)

static double bicubic_filter(double x) {
    if (x < 0.0) x = -x;
    if (x < 1.0) return ((PIL_BICUBIC_A + 2.0) * x - (PIL_BICUBIC_A + 3.0)) * x * x + 1;
    if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * PIL_BICUBIC_A;
    return 0.0;
}

/* Fixed-point coefficients for out_size outputs over in_size inputs (box
 * [0, in_size)). bounds (out, 2): first input, count; kk (out, ksize). */
static int precompute_coeffs(int in_size, int out_size, int **bounds_out, int32_t **kk_out) {
    double scale = (double)in_size / out_size, filterscale = scale < 1.0 ? 1.0 : scale;
    double support = PIL_BICUBIC_SUPPORT * filterscale;
    int ksize = (int)ceil(support) * 2 + 1;
    double *w = malloc(sizeof(double) * (size_t)ksize);
    int32_t *kk = calloc((size_t)out_size * ksize, sizeof *kk);
    int *bounds = malloc(sizeof(int) * 2 * (size_t)out_size);
    if (!w || !kk || !bounds) { free(w); free(kk); free(bounds); return 0; }
    for (int xx = 0; xx < out_size; xx++) {
        double center = (xx + 0.5) * scale, ww = 0.0, ss = 1.0 / filterscale;
        int xmin = (int)(center - support + 0.5), xmax = (int)(center + support + 0.5);
        if (xmin < 0) xmin = 0;
        if (xmax > in_size) xmax = in_size;
        xmax -= xmin;
        for (int x = 0; x < xmax; x++) {
            w[x] = bicubic_filter((x + xmin - center + 0.5) * ss);
            ww += w[x];
        }
        for (int x = 0; x < xmax; x++) {
            double k = ww != 0.0 ? w[x] / ww : w[x];
            kk[(size_t)xx * ksize + x] = k < 0 ? (int32_t)(-0.5 + k * (1 << PIL_PRECISION_BITS))
                                               : (int32_t)(0.5 + k * (1 << PIL_PRECISION_BITS));
        }
        bounds[2 * xx] = xmin;
        bounds[2 * xx + 1] = xmax;
    }
    free(w);
    *bounds_out = bounds;
    *kk_out = kk;
    return ksize;
}

static inline uint8_t clip8(int v) {
    v >>= PIL_PRECISION_BITS;   /* arithmetic shift: floor, as Pillow's table index */
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

emb_status emb_resize_bicubic_pil(const uint8_t *src, int w, int h, uint8_t *dst, int ow, int oh) {
    if (w <= 0 || h <= 0 || ow <= 0 || oh <= 0) return emb__fail(EMB_E_INVALID, "resize: bad size");
    int *bx = NULL, *by = NULL;
    int32_t *kx = NULL, *ky = NULL;
    uint8_t *tmp = NULL;
    emb_status st = EMB_OK;
    int ksx = precompute_coeffs(w, ow, &bx, &kx), ksy = precompute_coeffs(h, oh, &by, &ky);
    if (!ksx || !ksy) { st = emb__fail(EMB_E_NOMEM, "resize: out of memory"); goto done; }
    bool need_h = ow != w, need_v = oh != h;
    if (!need_h && !need_v) { memcpy(dst, src, (size_t)w * h * 3); goto done; }
    const uint8_t *vin = src;   /* input of the vertical pass */
    int row0 = 0;
    if (need_h) {
        /* only rows first..last used by the vertical pass (Pillow's ybox) */
        int first = need_v ? by[0] : 0, last = need_v ? by[2 * oh - 2] + by[2 * oh - 1] : h;
        uint8_t *hout = need_v ? (tmp = malloc((size_t)(last - first) * ow * 3)) : dst;
        if (!hout) { st = emb__fail(EMB_E_NOMEM, "resize: out of memory"); goto done; }
        for (int y = first; y < last; y++) {
            const uint8_t *row = src + (size_t)y * w * 3;
            uint8_t *o = hout + (size_t)(y - first) * ow * 3;
            for (int xx = 0; xx < ow; xx++) {
                const int32_t *k = kx + (size_t)xx * ksx;
                const uint8_t *p = row + (size_t)bx[2 * xx] * 3;
                int s0 = 1 << (PIL_PRECISION_BITS - 1), s1 = s0, s2 = s0;
                for (int x = 0; x < bx[2 * xx + 1]; x++) {
                    s0 += p[3 * x] * k[x];
                    s1 += p[3 * x + 1] * k[x];
                    s2 += p[3 * x + 2] * k[x];
                }
                o[3 * xx] = clip8(s0);
                o[3 * xx + 1] = clip8(s1);
                o[3 * xx + 2] = clip8(s2);
            }
        }
        vin = hout;
        row0 = first;
    }
    if (need_v) {
        int vw = need_h ? ow : w;   /* == ow */
        for (int yy = 0; yy < oh; yy++) {
            const int32_t *k = ky + (size_t)yy * ksy;
            int ymin = by[2 * yy] - row0, ymax = by[2 * yy + 1];
            uint8_t *o = dst + (size_t)yy * vw * 3;
            for (int xx = 0; xx < vw * 3; xx++) {
                int s = 1 << (PIL_PRECISION_BITS - 1);
                for (int y = 0; y < ymax; y++) s += vin[(size_t)(y + ymin) * vw * 3 + xx] * k[y];
                o[xx] = clip8(s);
            }
        }
    }
done:
    free(bx); free(by); free(kx); free(ky); free(tmp);
    return st;
}

/* Python's round() for x.5 cases: half to even. */
static int round_half_even(double x) {
    double r = nearbyint(x);   /* default rounding mode: to nearest, ties to even */
    return (int)r;
}

emb_status emb_clip_preprocess(const emb_image *img, int size, uint8_t *crop, float *out) {
    if (size <= 0 || img->w <= 0 || img->h <= 0) return emb__fail(EMB_E_INVALID, "preprocess: bad size");
    int w = img->w, h = img->h, rw, rh;
    /* torchvision _compute_resized_output_size: short -> size, long -> int(size * long / short) */
    if (w <= h) { rw = size; rh = (int)((double)size * h / w); }
    else { rh = size; rw = (int)((double)size * w / h); }
    if ((int64_t)rw * rh > EMB_IMAGE_MAX_PIXELS)
        return emb__fail(EMB_E_FORMAT, "a %d x %d image resized to %d x %d is too large (aspect ratio)", w, h, rw, rh);
    uint8_t *res = malloc((size_t)rw * rh * 3);
    if (!res) return emb__fail(EMB_E_NOMEM, "preprocess: out of memory");
    emb_status st = emb_resize_bicubic_pil(img->rgb, w, h, res, rw, rh);
    if (st) { free(res); return st; }
    /* torchvision center_crop: top = int(round((h - S) / 2.0)) (images are >= S here) */
    int top = round_half_even((rh - size) / 2.0), left = round_half_even((rw - size) / 2.0);
    static const float mean[3] = {EMB_CLIP_MEAN_R, EMB_CLIP_MEAN_G, EMB_CLIP_MEAN_B};
    static const float stdv[3] = {EMB_CLIP_STD_R, EMB_CLIP_STD_G, EMB_CLIP_STD_B};
    size_t plane = (size_t)size * size;
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++) {
            const uint8_t *p = res + ((size_t)(y + top) * rw + (x + left)) * 3;
            for (int c = 0; c < 3; c++) {
                /* ToTensor: v / 255 in float32; Normalize: (t - mean) / std */
                float t = (float)p[c] / 255.0f;
                out[c * plane + (size_t)y * size + x] = (t - mean[c]) / stdv[c];
                if (crop) crop[((size_t)y * size + x) * 3 + c] = p[c];
            }
        }
    free(res);
    return EMB_OK;
}

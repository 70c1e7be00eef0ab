/* quality.c - image checks with CleanVision's definitions and default
 * thresholds (cleanlab/cleanvision: issue_managers/image_property.py,
 * image_property_issue_manager.py, size_issue_manager.py):
 *  dark:      score = 99th percentile of per-pixel brightness
 *             sqrt(0.241 R^2 + 0.691 G^2 + 0.068 B^2) / 255 (gray: v / 255),
 *             issue when < 0.37;
 *  light:     score = 1 - 5th percentile, issue when < 0.05;
 *  low information: score = min(0.1 * entropy, 1), PIL Image.entropy() of the
 *             image's histogram in bits (RGB: the 768-bin histogram of the
 *             three bands), issue when < 0.3;
 *  blurry:    b = std of PIL's FIND_EDGES (3x3, centre 8, others -1) of the
 *             gray image with its longer side reduced to 64, over the
 *             interior pixels (PIL copies the borders unfiltered: a known
 *             difference, see edges_std),
 *             score = min(1 - exp(-0.01 b) + dark * (1 - dark score), 1),
 *             issue when < 0.17;
 *  odd aspect ratio: score = min(w/h, h/w), issue when < 0.35;
 *  odd size:  sqrt(w h) against the dataset's median, issue when more than
 *             5x larger or smaller (CleanVision's ratio 5.0; its score
 *             compares to the mean of width and height);
 *  grayscale: one channel in the file (PIL mode "L"), or R = G = B in every
 *             pixel; an issue only in a dataset that is mostly colour.
 * Known difference: CleanVision reduces the image for blurriness with PIL's
 * default (bicubic) resize of the RGB image; here the gray image is reduced
 * by exact area averaging. */
#include "analysis/analysis.h"
#include "io/io.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CV_DARK_THRESHOLD 0.37f
#define CV_LIGHT_THRESHOLD 0.05f
#define CV_LOW_INFO_THRESHOLD 0.3f
#define CV_LOW_INFO_FACTOR 0.1f
#define CV_BLURRY_THRESHOLD 0.17f
#define CV_BLURRY_FACTOR 0.01f
#define CV_BLURRY_MAX_RESOLUTION 64
#define CV_ASPECT_THRESHOLD 0.35f
#define CV_SIZE_RATIO 5.0f

/* k-th smallest of v (n), partially reordering v (Hoare's quickselect). */
static float select_kth(float *v, size_t n, size_t k) {
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        float pivot = v[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i <= j) { float t = v[i]; v[i] = v[j]; v[j] = t; i++; if (j == 0) break; j--; }
        }
        if (k <= j) hi = j;
        else if (k >= i) lo = i;
        else return v[k];
    }
    return v[k];
}

/* np.percentile (linear interpolation) of v at q in [0, 100]. */
static float percentile(float *v, size_t n, double q) {
    double pos = q / 100.0 * (double)(n - 1);
    size_t k = (size_t)floor(pos);
    double frac = pos - (double)k;
    float a = select_kth(v, n, k);
    if (frac == 0 || k + 1 >= n) return a;
    /* the next order statistic is the minimum of the upper part */
    float b = v[k + 1];
    for (size_t t = k + 1; t < n; t++) b = v[t] < b ? v[t] : b;
    return (float)(a + frac * (b - a));
}

static double entropy_bits(const double *hist, int bins) {
    double tot = 0, e = 0;
    for (int b = 0; b < bins; b++) tot += hist[b];
    for (int b = 0; b < bins; b++)
        if (hist[b] > 0) { double p = hist[b] / tot; e -= p * log2(p); }
    return e;
}

/* std of PIL's FIND_EDGES of a gray u8 image over the interior pixels
 * (PIL copies the border pixels unfiltered; counting them adds the image's
 * own brightness to the edge variance, so that a constant or blurred image
 * of mean brightness above ~75 never scores as blurry). */
static double edges_std(const uint8_t *g, int w, int h) {
    if (w < 3 || h < 3) return 0;
    double s = 0, s2 = 0;
    for (int y = 1; y < h - 1; y++)
        for (int x = 1; x < w - 1; x++) {
            double v;
            {
                int acc = 8 * g[(size_t)y * w + x];
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                        if (dy || dx) acc -= g[(size_t)(y + dy) * w + x + dx];
                v = acc < 0 ? 0 : acc > 255 ? 255 : acc;
            }
            s += v;
            s2 += v * v;
        }
    double m = (double)(w - 2) * (h - 2), mean = s / m;
    return sqrt(fmax(s2 / m - mean * mean, 0));
}

void emb_image_props_compute(const emb_image *img, emb_image_props *out) {
    memset(out, 0, sizeof *out);
    int w = img->w, h = img->h;
    size_t np = (size_t)w * h;
    out->w = w;
    out->h = h;
    out->aspect = w < h ? (float)w / h : (float)h / w;
    bool gray_src = img->src_channels <= 2, equal = true;
    for (size_t i = 0; i < np && equal; i++)
        equal = img->rgb[3 * i] == img->rgb[3 * i + 1] && img->rgb[3 * i] == img->rgb[3 * i + 2];
    out->gray = gray_src || equal;
    float *br = malloc(sizeof(float) * (np ? np : 1));
    uint8_t *gray = malloc(np ? np : 1);
    double hist[768] = {0};
    if (!br || !gray) { free(br); free(gray); return; }
    for (size_t i = 0; i < np; i++) {
        const uint8_t *p = img->rgb + 3 * i;
        if (gray_src) {
            br[i] = p[0] / 255.0f;
            hist[p[0]] += 1;
        } else {
            br[i] = (float)(sqrt(0.241 * p[0] * p[0] + 0.691 * p[1] * p[1] + 0.068 * p[2] * p[2]) / 255.0);
            hist[p[0]] += 1;
            hist[256 + p[1]] += 1;
            hist[512 + p[2]] += 1;
        }
    }
    out->entropy = (float)entropy_bits(hist, gray_src ? 256 : 768);
    out->brightness_p99 = percentile(br, np, 99);
    out->brightness_p5 = percentile(br, np, 5);
    emb_rgb_to_gray(img->rgb, np, gray);
    int mx = w > h ? w : h;
    if (mx > CV_BLURRY_MAX_RESOLUTION) {
        double ratio = (double)mx / CV_BLURRY_MAX_RESOLUTION;
        int ow = (int)floor(w / ratio), oh = (int)floor(h / ratio);
        if (ow < 1) ow = 1;
        if (oh < 1) oh = 1;
        float *rs = malloc(sizeof(float) * (size_t)ow * oh);
        uint8_t *g2 = malloc((size_t)ow * oh);
        if (rs && g2 && emb_resize_area(gray, w, h, 1, rs, ow, oh) == EMB_OK) {
            for (size_t i = 0; i < (size_t)ow * oh; i++) g2[i] = (uint8_t)lrintf(rs[i] * 255.0f);
            out->blurriness = (float)edges_std(g2, ow, oh);
        }
        free(rs);
        free(g2);
    } else out->blurriness = (float)edges_std(gray, w, h);
    free(br);
    free(gray);
}

void emb_image_issues_free(emb_image_issues *q) {
    if (!q) return;
    free(q->props);
    free(q->issues);
    free(q->dark_score);
    free(q->light_score);
    free(q->low_info_score);
    free(q->blurry_score);
    free(q->size_score);
    memset(q, 0, sizeof *q);
}

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

emb_status emb_image_issues_find(const emb_dataset *ds, int n_threads, emb_image_issues *out) {
    memset(out, 0, sizeof *out);
    int64_t n = ds->n;
    size_t nn = (size_t)(n ? n : 1);
    out->n = n;
    out->props = emb__calloc(nn, sizeof *out->props, "image checks");
    out->issues = emb__calloc(nn, sizeof(uint32_t), "image checks");
    out->dark_score = emb__calloc(nn, sizeof(float), "image checks");
    out->light_score = emb__calloc(nn, sizeof(float), "image checks");
    out->low_info_score = emb__calloc(nn, sizeof(float), "image checks");
    out->blurry_score = emb__calloc(nn, sizeof(float), "image checks");
    out->size_score = emb__calloc(nn, sizeof(float), "image checks");
    uint8_t *ok = emb__calloc(nn, 1, "image checks");
    float *sizes = emb__malloc(sizeof(float) * nn, "image checks");
    if (!out->props || !out->issues || !out->dark_score || !out->light_score || !out->low_info_score ||
        !out->blurry_score || !out->size_score || !ok || !sizes) {
        free(ok); free(sizes);
        emb_image_issues_free(out);
        return EMB_E_NOMEM;
    }
    int64_t *first = emb__malloc(sizeof(int64_t) * (nn + 1), "image checks");
    if (!first) { free(ok); free(sizes); emb_image_issues_free(out); return EMB_E_NOMEM; }
    int64_t n_groups = emb__file_groups(ds, first);
    /* boxes of one image (detection exports) decode it once */
    #pragma omp parallel for schedule(dynamic, 8) num_threads(emb_threads_resolve(n_threads))
    for (int64_t g = 0; g < n_groups; g++) {
        emb_image img, full;
        char *file = ds->box ? emb__box_file(ds->path[first[g]]) : NULL;
        bool have_full = file && emb_image_load(file, &full) == EMB_OK;
        free(file);
        if (have_full) emb_image_composite(&full, emb_dataset_alpha_bg(ds));   /* once, as emb_dataset_image */
        for (int64_t i = first[g]; i < first[g + 1]; i++) {
            if (ds->box ? !have_full || emb__box_crop(&full, ds->path[i], ds->box + 4 * i, &img) != EMB_OK
                        : emb_dataset_image(ds, i, &img) != EMB_OK) continue;
            emb_image_props_compute(&img, &out->props[i]);
            emb_image_free(&img);
            ok[i] = 1;
        }
        if (have_full) emb_image_free(&full);
    }
    free(first);
    int64_t m = 0, n_color = 0;
    for (int64_t i = 0; i < n; i++) {
        if (!ok[i]) { out->n_unreadable++; continue; }
        sizes[m++] = sqrtf((float)out->props[i].w * (float)out->props[i].h);
        n_color += !out->props[i].gray;
    }
    qsort(sizes, (size_t)m, sizeof(float), cmp_float);
    float median = m ? (m % 2 ? sizes[m / 2] : 0.5f * (sizes[m / 2 - 1] + sizes[m / 2])) : 1;
    bool mostly_color = 2 * n_color > m;
    for (int64_t i = 0; i < n; i++) {
        if (!ok[i]) continue;
        const emb_image_props *p = &out->props[i];
        uint32_t is = 0;
        out->dark_score[i] = p->brightness_p99;
        out->light_score[i] = 1.0f - p->brightness_p5;
        out->low_info_score[i] = fminf(CV_LOW_INFO_FACTOR * p->entropy, 1.0f);
        bool dark = out->dark_score[i] < CV_DARK_THRESHOLD;
        float blur = 1.0f - expf(-CV_BLURRY_FACTOR * p->blurriness);
        out->blurry_score[i] = fminf(blur + (dark ? 1.0f - out->dark_score[i] : 0.0f), 1.0f);
        float r = sqrtf((float)p->w * (float)p->h) / median;
        out->size_score[i] = r > 1 ? 1 / r : r;
        if (dark) is |= EMB_IMG_DARK;
        if (out->light_score[i] < CV_LIGHT_THRESHOLD) is |= EMB_IMG_LIGHT;
        if (out->low_info_score[i] < CV_LOW_INFO_THRESHOLD) is |= EMB_IMG_LOW_INFO;
        if (out->blurry_score[i] < CV_BLURRY_THRESHOLD) is |= EMB_IMG_BLURRY;
        if (out->size_score[i] < 1.0f / CV_SIZE_RATIO) is |= EMB_IMG_ODD_SIZE;
        if (p->aspect < CV_ASPECT_THRESHOLD) is |= EMB_IMG_ODD_ASPECT;
        if (mostly_color && p->gray) is |= EMB_IMG_GRAYSCALE;
        out->issues[i] = is;
        for (int b = 0; b < 7; b++) out->counts[b] += (is >> b) & 1;
    }
    free(ok);
    free(sizes);
    return EMB_OK;
}

static const char *ISSUE_NAMES[7] = {"dark", "light", "low_information", "blurry", "odd_size", "odd_aspect_ratio", "grayscale"};

emb_status emb_image_issues_write_csv(const char *path, const emb_dataset *ds, const emb_image_issues *q) {
    emb_outfile o;
    emb_status st = emb_outfile_open(&o, path);
    if (st) return st;
    fputs("index,path,split,label,issues,dark_score,light_score,low_information_score,blurry_score,"
          "size_score,aspect_ratio,width,height\n", o.f);
    for (int64_t i = 0; i < q->n; i++) {
        if (!q->issues[i]) continue;
        emb__csv_item(o.f, ds, i);
        fputc(',', o.f);
        char buf[160] = "";
        for (int b = 0; b < 7; b++)
            if ((q->issues[i] >> b) & 1) {
                if (buf[0]) strcat(buf, ";");
                strcat(buf, ISSUE_NAMES[b]);
            }
        emb_csv_field(o.f, buf);
        const emb_image_props *p = &q->props[i];
        fprintf(o.f, ",%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%d,%d\n", q->dark_score[i], q->light_score[i],
                q->low_info_score[i], q->blurry_score[i], q->size_score[i], p->aspect, p->w, p->h);
    }
    return emb_outfile_commit(&o);
}

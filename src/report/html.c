/* html.c - emb_report_write: gather whatever the other stages wrote into
 * the output folder and write one self-contained report.html.
 *
 * The page is web/report.html (embedded at build time, see web/embed.cmake)
 * with its markers replaced:
 *   <!--EMB:TITLE-->  the title, HTML-escaped
 *   <!--EMB:HEAD-->   the page's CSS
 *   <!--EMB:DATA-->   <script type="application/json" id="emb-data"> with the
 *                     items, the map(s), the neighbours, the clusters
 *                     (clusters.c), the sprite sheets, the findings tables
 *                     and summary.json
 *   <!--EMB:APP-->    web/app.js bundled with three.js (esbuild, at build time),
 *                     a classic script: it runs as soon as the parser reaches it
 *   <!--EMB:SHEETS--> the sprite sheets as data: URLs, one
 *                     <script type="text/plain" id="emb-sheet-K"> each, after
 *                     the app so that the map works while they are parsed
 * Binary arrays (labels, splits, map coordinates, neighbours, scores) travel
 * as base64 of little-endian int32 / uint8 / float32: the page reads them
 * into typed arrays.
 *
 * Past the size budget (params.inline_max_bytes, 100 MB) the sheets leave
 * the page for report_files/sheet-K.jpg and the neighbours for
 * report_files/knn-B.js, 65,536 items each (files.c); the page loads a sheet with an <img> when
 * a thumbnail on it is first shown, and the neighbours with a <script> when
 * an item of its block is first pinned. A 1M-item Fashion-MNIST report is then a ~60 MB
 * page and ~450 MB of sheets (bench/report/RESULTS.md). */
#include "io/io.h"
#include "report/report.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

extern const char emb__asset_three_version[];
#define ASSET(name) extern const unsigned char emb__asset_##name[]; extern const size_t emb__asset_##name##_len;
ASSET(page_html) ASSET(page_js) ASSET(page_css)

/* Findings tables: file name and the key the page knows it by. */
static const char *TABLES[][2] = {
    {"duplicates.csv", "duplicates"}, {"leakage.csv", "leakage"}, {"outliers.csv", "outliers"},
    {"label_issues.csv", "label_issues"}, {"image_issues.csv", "image_issues"}, {"skipped.csv", "skipped"},
    {"annotation_issues.csv", "annotation_issues"},
};
#define N_TABLES (sizeof TABLES / sizeof TABLES[0])

static const uint8_t WHITE[3] = {255, 255, 255};
#define KNN_BLOCK 65536   /* items per neighbours file past the budget: ~5 MB at k = 8 */

emb_report_params emb_report_default_params(void) {
    emb_report_params p;
    memset(&p, 0, sizeof p);
    p.jpeg_quality = 0;
    p.max_neighbors = 8;
    p.max_rows = 2000;
    return p;
}

/* ------------------------------------------------------------ writers */
void emb__b64_write(FILE *f, const void *data, size_t len) {
    static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const uint8_t *p = data;
    char buf[4096];
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < len ? p[i + 2] : 0);
        buf[o++] = A[v >> 18 & 63];
        buf[o++] = A[v >> 12 & 63];
        buf[o++] = i + 1 < len ? A[v >> 6 & 63] : '=';
        buf[o++] = i + 2 < len ? A[v & 63] : '=';
        if (o + 4 > sizeof buf) { fwrite(buf, 1, o, f); o = 0; }
    }
    fwrite(buf, 1, o, f);
}

void emb__json_str(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\') { fputc('\\', f); fputc(*p, f); }
        else if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&') fprintf(f, "\\u%04x", *p);
        else fputc(*p, f);
    }
    fputc('"', f);
}

void emb__json_raw(FILE *f, const char *text, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (text[i] == '<') fputs("\\u003c", f);
        else fputc(text[i], f);
}

static void html_escape(FILE *f, const char *s) {
    for (; *s; s++) {
        if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else if (*s == '&') fputs("&amp;", f);
        else if (*s == '"') fputs("&quot;", f);
        else fputc(*s, f);
    }
}

/* ------------------------------------------------------------ inputs */
typedef struct {
    emb_dataset *ds;          /* items.csv, or NULL */
    int32_t *class_order;     /* (n_classes) page class c = ds class class_order[c] */
    emb_matf map, map2d;      /* (n, 3|2), (n, 2); rows 0 when absent */
    bool map_is_pca;
    emb_npy nbr, dist;        /* (n, k) */
    int k;                    /* neighbours kept, 0 = none */
    cJSON *summary;
    char *summary_text;       /* summary.json as parsed and reprinted, or NULL */
    emb__sprites sprites;
    /* detection exports: the whole images (emb_dataset_whole_images, the rows
     * of images.csv) as sprite cells n + j, and each box on its image */
    emb_dataset *images;
    int64_t *image_of;        /* (n) item's image row, -1 = none */
    float *box_rect;          /* (n, 4) the box in its image's cell: x, y, w, h in cell px */
    emb__report_clusters clusters;
    bool split;               /* sheets and neighbours in files (below), not in the page */
    emb__report_files files;
    size_t files_bytes;
    int64_t n_files;
} inputs;

static char *in_path(const char *dir, const char *name) { return emb_path_join(dir, name); }

static bool exists(const char *dir, const char *name) {
    char *p = in_path(dir, name);
    FILE *f = p ? fopen(p, "rb") : NULL;
    if (f) fclose(f);
    free(p);
    return f != NULL;
}

/* Load dir/name as (rows, cols) float32 when it has want_rows rows and
 * cols in [2, 3] (want_rows < 0: any). */
static bool load_map(const char *dir, const char *name, int64_t want_rows, emb_matf *out) {
    char *p = in_path(dir, name);
    emb_matf m = {0};
    bool ok = p && emb_npy_load_f32(p, &m) == EMB_OK && (m.cols == 2 || m.cols == 3) &&
              (want_rows < 0 || m.rows == want_rows);
    free(p);
    if (!ok) { emb_matf_free(&m); return false; }
    *out = m;
    return true;
}

static void load_maps(const char *dir, int64_t n, inputs *in) {
    static const char *M3[] = {"map_3d.npy", "map3d.npy", "map.npy"};
    static const char *M2[] = {"map_2d.npy", "map2d.npy", "map.npy"};
    for (size_t i = 0; i < 3 && !in->map.rows; i++)
        if (load_map(dir, M3[i], n, &in->map) && in->map.cols != 3) {
            if (!strcmp(M3[i], "map.npy")) { in->map2d = in->map; memset(&in->map, 0, sizeof in->map); }
            else emb_matf_free(&in->map);
        }
    for (size_t i = 0; i < 3 && !in->map2d.rows; i++)
        if (load_map(dir, M2[i], in->map.rows ? in->map.rows : n, &in->map2d) && in->map2d.cols != 2)
            emb_matf_free(&in->map2d);
    if (!in->map.rows && in->map2d.rows) { in->map = in->map2d; memset(&in->map2d, 0, sizeof in->map2d); }
    if (in->map.rows) return;
    /* No map yet: PCA to 3 dimensions of the embeddings stands in. */
    char *p = in_path(dir, "embeddings.npy");
    emb_npy_vectors v;   /* mapped; float16 as it is (the PCA reads half rows) */
    if (p && emb_npy_vectors_open_ex(p, true, &v) == EMB_OK) {
        const emb_matf *e = &v.m;
        if ((n < 0 || e->rows == n) && e->rows >= 3 && e->cols >= 3) {
            emb_pca_params pp = emb_pca_default_params();
            pp.n_components = 3;
            if (emb_pca(e, &pp, &in->map, NULL) == EMB_OK) in->map_is_pca = true;
        }
        emb_npy_vectors_close(&v);
    }
    free(p);
}

static void load_knn(const char *dir, int64_t n, int max_k, inputs *in) {
    char *pi = in_path(dir, "neighbors.npy"), *pd = in_path(dir, "distances.npy");
    if (pi && emb_npy_open(pi, true, &in->nbr) == EMB_OK && in->nbr.dtype == EMB_DT_I32 &&
        in->nbr.ndim == 2 && in->nbr.shape[0] == n && in->nbr.shape[1] > 0) {
        in->k = (int)(in->nbr.shape[1] < max_k ? in->nbr.shape[1] : max_k);
        if (!(pd && emb_npy_open(pd, true, &in->dist) == EMB_OK && in->dist.dtype == EMB_DT_F32 &&
              in->dist.ndim == 2 && in->dist.shape[0] == n && in->dist.shape[1] == in->nbr.shape[1]))
            emb_npy_close(&in->dist);
    } else emb_npy_close(&in->nbr);
    free(pi);
    free(pd);
}

static void load_summary(const char *dir, inputs *in) {
    char *p = in_path(dir, "summary.json");
    unsigned char *buf = NULL;
    size_t len = 0;
    if (p && emb__read_file(p, 256u << 20, &buf, &len) == EMB_OK) {
        in->summary = cJSON_ParseWithLength((const char *)buf, len);
        if (in->summary) in->summary_text = cJSON_PrintUnformatted(in->summary);
    }
    free(buf);
    free(p);
}

/* Classes in the order summary.json's dataset.class_names gives (the
 * dataset's label order), then any others in order of appearance. */
static emb_status order_classes(inputs *in) {
    emb_dataset *ds = in->ds;
    if (!(in->class_order = emb__calloc((size_t)ds->n_classes + 1, sizeof(int32_t), "classes"))) return EMB_E_NOMEM;
    uint8_t *used = emb__calloc((size_t)ds->n_classes + 1, 1, "classes");
    if (!used) return EMB_E_NOMEM;
    int m = 0;
    cJSON *names = cJSON_GetObjectItem(cJSON_GetObjectItem(in->summary, "dataset"), "class_names");
    cJSON *it;
    cJSON_ArrayForEach(it, names) {
        if (!cJSON_IsString(it)) continue;
        for (int32_t c = 0; c < ds->n_classes; c++)
            if (!used[c] && !strcmp(ds->class_names[c], it->valuestring)) { used[c] = 1; in->class_order[m++] = c; }
    }
    for (int32_t c = 0; c < ds->n_classes; c++)
        if (!used[c]) in->class_order[m++] = c;
    free(used);
    return EMB_OK;
}

/* ------------------------------------------------------------ the data */
/* A CSV as {"columns":[...],"rows":[[...]],"total":n}; the path column is
 * left out when an index column lets the page look the path up. With a
 * 'flagged' column only flagged rows count (label_issues.csv ranks every
 * item). The page colours items by a per-item score or group: with an index
 * column, every row's 'score' and 'group' go into item_score (f32, NaN =
 * none) and item_group (i32, -1 = none), base64, even past max_rows. */
static void write_table(FILE *f, const char *path, int64_t n_items, bool have_items, int64_t max_rows) {
    FILE *in = fopen(path, "rb");
    char **fl = NULL;
    int nf = 0;
    if (!in || emb_csv_read_record(in, &fl, &nf) != 1) {
        if (in) fclose(in);
        fputs("null", f);
        return;
    }
    int drop = -1, c_index = -1, c_score = -1, c_group = -1, c_flag = -1;
    for (int j = 0; j < nf; j++) {
        if (!strcmp(fl[j], "index")) c_index = j;
        if (!strcmp(fl[j], "score")) c_score = j;
        if (!strcmp(fl[j], "group")) c_group = j;
        if (!strcmp(fl[j], "flagged")) c_flag = j;
    }
    for (int j = 0; j < nf; j++)
        if (have_items && c_index >= 0 && !strcmp(fl[j], "path")) drop = j;
    int ncol = nf;
    float *score = c_index >= 0 && c_score >= 0 && n_items > 0 ? malloc(sizeof(float) * (size_t)n_items) : NULL;
    int32_t *group = c_index >= 0 && c_group >= 0 && n_items > 0 ? malloc(sizeof(int32_t) * (size_t)n_items) : NULL;
    for (int64_t i = 0; i < n_items; i++) {
        if (score) score[i] = NAN;
        if (group) group[i] = -1;
    }
    fputs("{\"columns\":[", f);
    for (int j = 0, first = 1; j < nf; j++) {
        if (j == drop) continue;
        if (!first) fputc(',', f);
        first = 0;
        emb__json_str(f, fl[j]);
    }
    emb_csv_record_free(fl, nf);
    fputs("],\"rows\":[", f);
    int64_t total = 0, in_file = 0;
    while (emb_csv_read_record(in, &fl, &nf) == 1) {
        if (!(nf == 1 && !fl[0][0])) {
            in_file++;
            long long i = c_index >= 0 && c_index < nf ? atoll(fl[c_index]) : -1;
            if (i >= 0 && i < n_items) {
                if (score && c_score < nf) score[i] = strtof(fl[c_score], NULL);
                if (group && c_group < nf) group[i] = (int32_t)atol(fl[c_group]);
            }
            bool keep = c_flag < 0 || (c_flag < nf && fl[c_flag][0] && strcmp(fl[c_flag], "0") && strcmp(fl[c_flag], "false"));
            if (keep && total < max_rows) {
                fputs(total ? ",[" : "[", f);
                for (int j = 0, first = 1; j < ncol; j++) {
                    if (j == drop) continue;
                    if (!first) fputc(',', f);
                    first = 0;
                    emb__json_str(f, j < nf ? fl[j] : "");
                }
                fputc(']', f);
            }
            total += keep;
        }
        emb_csv_record_free(fl, nf);
    }
    fclose(in);
    fprintf(f, "],\"total\":%lld,\"rows_in_file\":%lld,\"path_dropped\":%s", (long long)total, (long long)in_file,
            drop >= 0 ? "true" : "false");
    if (score) { fputs(",\"item_score\":\"", f); emb__b64_write(f, score, sizeof(float) * (size_t)n_items); fputc('"', f); }
    if (group) { fputs(",\"item_group\":\"", f); emb__b64_write(f, group, sizeof(int32_t) * (size_t)n_items); fputc('"', f); }
    fputc('}', f);
    free(score);
    free(group);
}

static void write_f32(FILE *f, const emb_matf *m) {
    fprintf(f, "{\"rows\":%lld,\"dims\":%lld,\"b64\":\"", (long long)m->rows, (long long)m->cols);
    emb__b64_write(f, m->data, sizeof(float) * (size_t)m->rows * (size_t)m->cols);
    fputs("\"}", f);
}

/* Paths as a table of folders (up to the last '/' or '#') and names. */
static emb_status write_paths(FILE *f, const emb_dataset *ds) {
    int64_t n = ds->n, nd = 0, cap = 0;
    char **dirs = NULL;
    int32_t *di = emb__malloc(sizeof(int32_t) * (size_t)(n ? n : 1), "paths");
    if (!di) return EMB_E_NOMEM;
    emb_status st = EMB_OK;
    fputs("\"path_name\":[", f);
    for (int64_t i = 0; i < n; i++) {
        const char *p = ds->path[i], *cut = NULL;
        for (const char *q = p; *q; q++)
            if (*q == '/' || *q == '#') cut = q + 1;
        size_t dl = cut ? (size_t)(cut - p) : 0;
        int64_t d = nd - 1;   /* items come grouped by folder: try the last one first */
        if (!(d >= 0 && strlen(dirs[d]) == dl && !strncmp(dirs[d], p, dl)))
            for (d = 0; d < nd && !(strlen(dirs[d]) == dl && !strncmp(dirs[d], p, dl)); d++) {}
        if (d == nd) {
            if (nd == cap) {
                cap = cap ? 2 * cap : 16;
                char **v = realloc(dirs, sizeof(char *) * (size_t)cap);
                if (!v) { st = emb__fail(EMB_E_NOMEM, "out of memory"); break; }
                dirs = v;
            }
            if (!(dirs[nd] = malloc(dl + 1))) { st = emb__fail(EMB_E_NOMEM, "out of memory"); break; }
            memcpy(dirs[nd], p, dl);
            dirs[nd++][dl] = 0;
        }
        di[i] = (int32_t)d;
        if (i) fputc(',', f);
        emb__json_str(f, p + dl);
    }
    fputs("],\"path_dirs\":[", f);
    for (int64_t d = 0; d < nd; d++) {
        if (d) fputc(',', f);
        emb__json_str(f, dirs[d]);
        free(dirs[d]);
    }
    free(dirs);
    fputs("],\"path_dir\":\"", f);   /* (n) int32 index into path_dirs */
    emb__b64_write(f, di, sizeof(int32_t) * (size_t)n);
    fputc('"', f);
    free(di);
    return st;
}

/* {"k":K,"idx":"<b64 (m, K) int32>","dist":"<b64 (m, K) float32>"|null}: the
 * first K = in->k neighbours of items [i0, i0 + m). */
static emb_status write_knn(FILE *f, const inputs *in, int64_t i0, int64_t m) {
    int64_t K = in->nbr.shape[1];
    size_t cnt = (size_t)m * (size_t)in->k;
    int32_t *idx = emb__malloc(cnt * 4 + 4, "neighbours");
    float *dist = emb__malloc(cnt * 4 + 4, "neighbours");
    if (!idx || !dist) { free(idx); free(dist); return EMB_E_NOMEM; }
    const int32_t *ni = (const int32_t *)in->nbr.data + i0 * K;
    const float *nd = in->dist.data ? (const float *)in->dist.data + i0 * K : NULL;
    for (int64_t i = 0; i < m; i++)
        for (int j = 0; j < in->k; j++) {
            idx[i * in->k + j] = ni[i * K + j];
            dist[i * in->k + j] = nd ? nd[i * K + j] : -1.0f;
        }
    fprintf(f, "{\"k\":%d,\"idx\":\"", in->k);
    emb__b64_write(f, idx, cnt * 4);
    fputs("\",\"dist\":", f);
    if (nd) { fputc('"', f); emb__b64_write(f, dist, cnt * 4); fputc('"', f); }
    else fputs("null", f);
    fputs("}", f);
    free(idx);
    free(dist);
    return EMB_OK;
}

/* ,"box_images":{...} for a detection export whose whole images have cells
 * (else null): sprite cell of image j = first + j, each item's image row
 * (int32, -1 = none) and box in that cell (float32 x, y, w, h in cell px),
 * the images whose cell is blank. */
static void write_box_images(FILE *f, const inputs *in, int64_t n) {
    fputs(",\"box_images\":", f);
    const emb__sprites *s = &in->sprites;
    if (!in->images || !in->box_rect || !s->n_sheets) { fputs("null", f); return; }
    int64_t m = in->images->n;
    int32_t *item = malloc(sizeof(int32_t) * (size_t)(n ? n : 1));
    if (!item) { fputs("null", f); return; }
    for (int64_t i = 0; i < n; i++) item[i] = (int32_t)in->image_of[i];
    fprintf(f, "{\"first\":%lld,\"n\":%lld,\"item\":\"", (long long)n, (long long)m);
    emb__b64_write(f, item, sizeof(int32_t) * (size_t)n);
    fputs("\",\"rect\":\"", f);
    emb__b64_write(f, in->box_rect, sizeof(float) * 4 * (size_t)n);
    fputs("\",\"missing\":[", f);
    for (int64_t j = 0, k = 0; j < m; j++)
        if (s->missing[n + j]) fprintf(f, k++ ? ",%lld" : "%lld", (long long)j);
    fputs("]}", f);
    free(item);
}

/* Each box in its whole image's cell: turned as the thumbnail is (EXIF),
 * scaled and centred as emb_thumb_fit places the image. */
static emb_status place_boxes(inputs *in) {
    int64_t n = in->ds->n;
    const emb__sprites *s = &in->sprites;
    if (!(in->box_rect = malloc(sizeof(float) * 4 * (size_t)(n ? n : 1)))) return emb__fail(EMB_E_NOMEM, "out of memory");
    for (int64_t i = 0; i < n; i++) {
        float *r = in->box_rect + 4 * i;
        int64_t j = in->image_of[i];
        const int32_t *g = j >= 0 ? s->geom + 3 * (n + j) : NULL;
        if (!g || s->missing[n + j] || g[0] <= 0 || g[1] <= 0) {
            r[0] = r[1] = r[2] = r[3] = 0;
            in->image_of[i] = -1;   /* no thumbnail to draw it on */
            continue;
        }
        int o = g[2], uw = g[0], uh = g[1];
        bool swap = o >= 5 && o <= 8;
        int32_t b[4];
        emb__box_orient(o, swap ? uh : uw, swap ? uw : uh, in->ds->box + 4 * i, b);
        int ox, oy, tw, th;
        emb__thumb_place(uw, uh, s->size, &ox, &oy, &tw, &th);
        double kx = (double)tw / uw, ky = (double)th / uh;
        r[0] = (float)(ox + b[0] * kx);
        r[1] = (float)(oy + b[1] * ky);
        r[2] = (float)(b[2] * kx);
        r[3] = (float)(b[3] * ky);
    }
    return EMB_OK;
}


static emb_status write_data(FILE *f, const char *dir, const char *title, const emb_report_params *p, inputs *in) {
    emb_dataset *ds = in->ds;
    int64_t n = ds ? ds->n : in->map.rows;
    fputs("{\"title\":", f);
    emb__json_str(f, title);
    fprintf(f, ",\"n\":%lld,\"three\":\"%s\",\"embscope\":\"%s\"", (long long)n, emb__asset_three_version, emb_version());
    if (in->split) {   /* the side folder, relative to the page */
        fputs(",\"files_dir\":", f);
        emb__json_str(f, in->files.rel);
    }
    if (ds) {
        fputs(",\"classes\":[", f);
        int32_t *page_of = emb__malloc(sizeof(int32_t) * ((size_t)ds->n_classes + 1), "classes");
        if (!page_of) return EMB_E_NOMEM;
        for (int32_t c = 0; c < ds->n_classes; c++) {
            page_of[in->class_order[c]] = c;
            if (c) fputc(',', f);
            emb__json_str(f, ds->class_names[in->class_order[c]]);
        }
        int32_t *lab = emb__malloc(sizeof(int32_t) * (size_t)(n ? n : 1), "labels");
        uint8_t *spl = emb__malloc((size_t)(n ? n : 1), "splits");
        if (!lab || !spl) { free(page_of); free(lab); free(spl); return EMB_E_NOMEM; }
        for (int64_t i = 0; i < n; i++) {
            lab[i] = ds->label[i] >= 0 ? page_of[ds->label[i]] : -1;
            spl[i] = (uint8_t)ds->split[i];
        }
        free(page_of);
        fputs("],\"label\":\"", f);   /* (n) int32, -1 = none */
        emb__b64_write(f, lab, sizeof(int32_t) * (size_t)n);
        fputs("\",\"splits\":[\"\",\"train\",\"valid\",\"test\"],\"split\":\"", f);   /* (n) uint8 */
        emb__b64_write(f, spl, (size_t)n);
        fputs("\",", f);
        free(lab);
        free(spl);
        emb_status st = write_paths(f, ds);
        if (st) return st;
    }
    fputs(",\"map\":", f);
    if (in->map.rows) {
        write_f32(f, &in->map);
        fprintf(f, ",\"map_is_pca\":%s", in->map_is_pca ? "true" : "false");
    } else fputs("null", f);
    fputs(",\"map2d\":", f);
    if (in->map2d.rows) write_f32(f, &in->map2d);
    else fputs("null", f);
    fputs(",\"knn\":", f);
    if (in->k && in->split)   /* items [b * block, (b + 1) * block) in <files_dir>/knn-<b>.js */
        fprintf(f, "{\"k\":%d,\"block\":%d,\"n_files\":%lld}", in->k, KNN_BLOCK, (long long)((n + KNN_BLOCK - 1) / KNN_BLOCK));
    else if (in->k) {
        emb_status st = write_knn(f, in, 0, n);
        if (st) return st;
    } else fputs("null", f);
    emb__report_clusters_write(f, &in->clusters);
    fputs(",\"thumbs\":", f);
    emb__sprites *s = &in->sprites;
    if (s->n_sheets) {
        fprintf(f, "{\"size\":%d,\"cols\":%d,\"per_sheet\":%d,\"n_sheets\":%d,\"missing\":[",
                s->size, s->cols, s->per_sheet, s->n_sheets);
        for (int64_t i = 0, m = 0; i < n; i++)
            if (s->missing[i]) fprintf(f, m++ ? ",%lld" : "%lld", (long long)i);
        fputc(']', f);
        if (in->split) {   /* sheet K is <files_dir>/sheet-K.<ext[K]> */
            fputs(",\"ext\":[", f);
            for (int i = 0; i < s->n_sheets; i++) fprintf(f, i ? ",\"%s\"" : "\"%s\"", s->is_png[i] ? "png" : "jpg");
            fputc(']', f);
        }
        fputc('}', f);
    } else fputs("null", f);
    write_box_images(f, in, n);
    fputs(",\"tables\":{", f);
    for (size_t t = 0; t < N_TABLES; t++) {
        char *tp = in_path(dir, TABLES[t][0]);
        fprintf(f, "%s\"%s\":", t ? "," : "", TABLES[t][1]);
        if (tp) write_table(f, tp, n, ds != NULL, p->max_rows);
        else fputs("null", f);
        free(tp);
    }
    fputs("},\"files\":{", f);
    static const char *FILES[] = {"items.csv", "embeddings.npy", "neighbors.npy", "distances.npy", "map.npy",
                                  "summary.json", "clusters.csv", "duplicates.csv", "leakage.csv", "outliers.csv",
                                  "label_issues.csv", "image_issues.csv", "skipped.csv", "annotation_issues.csv"};
    for (size_t i = 0; i < sizeof FILES / sizeof FILES[0]; i++)
        fprintf(f, "%s\"%s\":%s", i ? "," : "", FILES[i], exists(dir, FILES[i]) ? "true" : "false");
    fputs("},\"summary\":", f);
    if (in->summary_text) emb__json_raw(f, in->summary_text, strlen(in->summary_text));
    else fputs("null", f);
    fputs("}", f);
    return EMB_OK;
}


/* Sprites for the items, and for a detection export also one cell per
 * whole image after them (the report draws a box on its image). */
static emb_status make_sprites(inputs *in, const emb_report_params *p, int size, int quality) {
    const uint8_t *bg = p->alpha_background_set ? p->alpha_background : WHITE;
    emb_dataset *ds = in->ds;
    if (!ds->box) return emb__sprites_make(ds->path, NULL, ds->n, size, quality, bg, p->n_threads, &p->progress, &in->sprites);
    emb_status st = emb_dataset_whole_images(ds, &in->images);
    if (st) return st;
    int64_t n = ds->n, m = in->images->n;
    char **paths = malloc(sizeof(char *) * (size_t)(n + m));
    int32_t *boxes = calloc((size_t)(n + m) * 4, sizeof(int32_t));   /* whole images: width 0 */
    in->image_of = malloc(sizeof(int64_t) * (size_t)n);
    if (!paths || !boxes || !in->image_of) st = emb__fail(EMB_E_NOMEM, "out of memory");
    if (!st) st = emb_dataset_image_index(ds, in->images, in->image_of);
    if (!st) {
        memcpy(paths, ds->path, sizeof(char *) * (size_t)n);
        memcpy(paths + n, in->images->path, sizeof(char *) * (size_t)m);
        memcpy(boxes, ds->box, sizeof(int32_t) * 4 * (size_t)n);
        st = emb__sprites_make(paths, boxes, n + m, size, quality, bg, p->n_threads, &p->progress, &in->sprites);
    }
    if (!st && in->sprites.n_sheets) {
        st = place_boxes(in);
        in->sprites.n_thumbs = 0;   /* items with a thumbnail, as for other datasets: the image cells apart */
        for (int64_t i = 0; i < n; i++) in->sprites.n_thumbs += !in->sprites.missing[i];
    }
    free(paths);
    free(boxes);
    return st;
}

/* ------------------------------------------------------------ the page */
static emb_status write_page(FILE *f, const char *dir, const char *title, const emb_report_params *p, inputs *in) {
    const char *t = (const char *)emb__asset_page_html, *end = t + emb__asset_page_html_len;
    emb_status st = EMB_OK;
    while (t < end && !st) {
        const char *m = strstr(t, "<!--EMB:");
        if (!m || m >= end) { fwrite(t, 1, (size_t)(end - t), f); break; }
        fwrite(t, 1, (size_t)(m - t), f);
        const char *close = strstr(m, "-->");
        if (!close) break;
        size_t kl = (size_t)(close - m - 8);
        const char *key = m + 8;
        if (kl == 5 && !strncmp(key, "TITLE", 5)) html_escape(f, title);
        else if (kl == 4 && !strncmp(key, "HEAD", 4)) {
            fputs("<style>\n", f);
            fwrite(emb__asset_page_css, 1, emb__asset_page_css_len, f);
            fputs("</style>\n", f);
        } else if (kl == 4 && !strncmp(key, "DATA", 4)) {
            fputs("<script type=\"application/json\" id=\"emb-data\">", f);
            st = write_data(f, dir, title, p, in);
            fputs("</script>\n", f);
        } else if (kl == 3 && !strncmp(key, "APP", 3)) {
            fputs("<script>\n", f);
            fwrite(emb__asset_page_js, 1, emb__asset_page_js_len, f);
            fputs("</script>\n", f);
        } else if (kl == 6 && !strncmp(key, "SHEETS", 6)) {
            const emb__sprites *s = &in->sprites;
            for (int i = 0; i < s->n_sheets && !in->split; i++) {
                fprintf(f, "<script type=\"text/plain\" id=\"emb-sheet-%d\">data:image/%s;base64,", i, s->is_png[i] ? "png" : "jpeg");
                emb__b64_write(f, s->data[i], s->len[i]);
                fputs("</script>\n", f);
            }
        }
        t = close + 3;
    }
    return st;
}

static void inputs_free(inputs *in) {
    emb_dataset_free(in->ds);
    free(in->class_order);
    emb_matf_free(&in->map);
    emb_matf_free(&in->map2d);
    emb_npy_close(&in->nbr);
    emb_npy_close(&in->dist);
    cJSON_Delete(in->summary);
    free(in->summary_text);
    emb__sprites_free(&in->sprites);
    emb_dataset_free(in->images);
    free(in->image_of);
    free(in->box_rect);
    emb__report_clusters_free(&in->clusters);
    emb__report_files_free(&in->files);
}

/* Base64 length of len bytes. */
static size_t b64_len(size_t len) { return (len + 2) / 3 * 4; }

/* Decide whether the page would pass the budget: its big parts are the
 * sheets, the neighbours, the maps and the per-item arrays (labels, splits,
 * folders, scores: about 40 bytes an item with the names). When it would,
 * write the sheets and the neighbours into the side folder instead. */
static emb_status maybe_split(const char *html_path, int64_t n, size_t budget, inputs *in) {
    const emb__sprites *s = &in->sprites;
    size_t sheets = 0;
    for (int i = 0; i < s->n_sheets; i++) sheets += b64_len(s->len[i]);
    size_t est = sheets + (in->k ? 2 * b64_len((size_t)n * (size_t)in->k * 4) : 0) +
                 b64_len(4 * (size_t)(in->map.rows * in->map.cols + in->map2d.rows * in->map2d.cols)) + (size_t)n * 40;
    if (est <= budget || (!s->n_sheets && !in->k)) return EMB_OK;
    emb_status st = emb__report_files_open(html_path, &in->files);
    if (st) return st;
    in->split = true;
    char name[64];
    for (int i = 0; i < s->n_sheets && !st; i++) {
        snprintf(name, sizeof name, "sheet-%d.%s", i, s->is_png[i] ? "png" : "jpg");
        st = emb__report_files_put(&in->files, name, s->data[i], s->len[i], &in->files_bytes);
        in->n_files++;
    }
    /* The neighbours in blocks of KNN_BLOCK items, each a classic script
     * (a page opened from file:// may load those): a pin loads one block. */
    for (int64_t b = 0; !st && b * KNN_BLOCK < (in->k ? n : 0); b++) {
        snprintf(name, sizeof name, "knn-%lld.js", (long long)b);
        FILE *f = emb__report_files_fopen(&in->files, name);
        if (!f) return EMB_E_IO;
        fprintf(f, "(window.embReportFiles = window.embReportFiles || {})[\"knn-%lld\"] = ", (long long)b);
        int64_t i0 = b * KNN_BLOCK;
        st = write_knn(f, in, i0, n - i0 < KNN_BLOCK ? n - i0 : KNN_BLOCK);
        fputs(";\n", f);
        in->files_bytes += (size_t)ftell(f);
        in->n_files++;
        emb_status st2 = emb__report_files_close(&in->files, name, f);
        if (!st) st = st2;
    }
    return st;
}

/* Thumbnail side for n items: 64 px for small sets down to 28 px at 50k+,
 * never larger than the first image (no upscaling MNIST's 28 px); 0 when
 * none of the first 16 items has an image (a vectors-only dataset). */
static int auto_thumb_size(const emb_dataset *ds) {
    int64_t n = ds->n;
    int s = n <= 5000 ? 64 : n <= 20000 ? 48 : n <= 50000 ? 32 : 28, found = 0;
    emb_item_images *c = emb_item_images_new();
    emb_image img;
    for (int64_t i = 0; c && i < n && i < 16; i++)
        if ((ds->box ? emb_dataset_image(ds, i, &img) : emb_item_image(c, ds->path[i], &img)) == EMB_OK) {
            int m = img.w > img.h ? img.w : img.h;
            if (m < s) s = m < 16 ? 16 : m;
            emb_image_free(&img);
            found = 1;
            break;
        }
    emb_item_images_free(c);
    return found ? s : 0;
}

emb_status emb_report_write(const char *out_dir, const char *html_path,
                            const emb_report_params *params, emb_report_info *info) {
    emb_report_params p = params ? *params : emb_report_default_params();
    if (p.max_neighbors <= 0) p.max_neighbors = 8;
    if (p.max_rows <= 0) p.max_rows = 2000;
    inputs in;
    memset(&in, 0, sizeof in);
    emb_status st = EMB_OK;
    char title[512];
    if (p.title) snprintf(title, sizeof title, "%s", p.title);
    else {
        const char *base = strrchr(out_dir, '/');
        base = base && base[1] ? base + 1 : out_dir;
        snprintf(title, sizeof title, "embscope report: %s", base);
    }
    emb_progress_report(&p.progress, "report", 0.0, "reading inputs");
    load_summary(out_dir, &in);
    char *ip = in_path(out_dir, "items.csv");
    if (ip && emb_items_read(ip, &in.ds) != EMB_OK) in.ds = NULL;
    free(ip);
    if (in.ds && (st = order_classes(&in))) goto done;
    int64_t n = in.ds ? in.ds->n : -1;
    load_maps(out_dir, n, &in);
    if (n < 0) n = in.map.rows;
    load_knn(out_dir, n, p.max_neighbors, &in);
    if ((st = emb__report_clusters_load(out_dir, in.ds, n, in.summary, &in.clusters))) goto done;
    if (in.ds && in.ds->n) {
        int size = p.thumb_size > 0 ? p.thumb_size : auto_thumb_size(in.ds);
        /* q 70 keeps 70,000 Fashion-MNIST thumbnails at ~21 MB of base64 (q 80: 26 MB) */
        int quality = p.jpeg_quality > 0 ? p.jpeg_quality : in.ds->n <= 20000 ? 80 : 70;
        if (size) st = make_sprites(&in, &p, size, quality);
        if (st) goto done;
    }
    if ((st = maybe_split(html_path, n, p.inline_max_bytes ? p.inline_max_bytes : EMB_REPORT_INLINE_MAX, &in))) goto done;
    emb_outfile o;
    if ((st = emb_outfile_open(&o, html_path))) goto done;
    st = write_page(o.f, out_dir, title, &p, &in);
    long bytes = ftell(o.f);
    if (!st && ferror(o.f)) st = emb__fail(EMB_E_IO, "%s: write failed", html_path);
    if (!st && in.split) st = emb__report_files_commit(&in.files);   /* the folder first, then the page */
    if (st) emb_outfile_abort(&o);
    else st = emb_outfile_commit(&o);
    if (!st && !in.split) emb__report_files_remove_stale(html_path);   /* an earlier split report's folder */
    if (!st && info) {
        info->n_items = in.ds ? in.ds->n : 0;
        info->map_dims = (int)in.map.cols;
        info->map_is_pca = in.map_is_pca;
        info->has_map_2d = in.map2d.rows > 0;
        info->thumb_size = in.sprites.size;
        info->n_sheets = in.sprites.n_sheets;
        info->n_thumbs = in.sprites.n_thumbs;
        info->bytes = (size_t)bytes;
        info->files_bytes = in.files_bytes;
        info->n_files = in.n_files;
    }
    emb_progress_report(&p.progress, "report", 1.0, NULL);
done:
    inputs_free(&in);
    return st;
}

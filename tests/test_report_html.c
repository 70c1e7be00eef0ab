/* test_report_html.c - emb_report_write on a fixture output folder made
 * here: the page's embedded JSON must give back exactly the inputs (labels
 * in summary.json's class order, map coordinates, neighbours, tables), the
 * sprite sheet must hold each item's pixels in its cell (PNG sheets: exact;
 * the 2x box reduction checked against a hand computation), markup in the
 * data must not end the script element, the clusters come from clusters.csv
 * (ids per item, sizes, majority labels, purity, representatives; a bad file
 * gives no clusters and a note, none gives null), an empty folder still
 * gives a page, and past the size budget the sheets and the neighbours go
 * to <stem>_files/ beside the page: the same sheet bytes as the one-file
 * page holds, knn-0.js with the same neighbours, the folder swapped in whole
 * and removed again when a later page fits the budget. */
/* ctest-labels: unit */
#include "check.h"
#include "embscope.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { N_IDX = 10, H = 10, W = 8, N = 12, K = 5 };

static char *path_in(const char *dir, const char *name) { return emb_path_join(dir, name); }

static void write_text(const char *dir, const char *name, const char *text) {
    char *p = path_in(dir, name);
    CHECK(check_write_file(p, text, strlen(text)));
    free(p);
}

static uint8_t idx_px(int i, int y, int x) { return (uint8_t)(i * 23 + y * 11 + x * 5); }
static uint8_t png_px(int y, int x, int ch) { return (uint8_t)(x * 12 + y * 7 + ch * 60); }

/* The fixture: 10 IDX items, one 20x10 PNG file, one missing file. */
static void make_fixture(const char *dir, float *map3, float *map2, int32_t *nbr, float *dist) {
    uint8_t idx[16 + N_IDX * H * W] = {0, 0, 8, 3, 0, 0, 0, N_IDX, 0, 0, 0, H, 0, 0, 0, W};
    for (int i = 0; i < N_IDX; i++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) idx[16 + (i * H + y) * W + x] = idx_px(i, y, x);
    char *ip = path_in(dir, "imgs-idx3-ubyte");
    CHECK(check_write_file(ip, idx, sizeof idx));
    uint8_t rgb[10 * 20 * 3];
    for (int y = 0; y < 10; y++)
        for (int x = 0; x < 20; x++)
            for (int c = 0; c < 3; c++) rgb[(y * 20 + x) * 3 + c] = png_px(y, x, c);
    unsigned char *png;
    size_t png_len;
    CHECK(emb_image_encode_png(rgb, 20, 10, 3, &png, &png_len) == EMB_OK);
    char *pp = path_in(dir, "wide.png");
    CHECK(check_write_file(pp, png, png_len));
    free(png);
    static const char *LAB[N] = {"a", "b", "c", "a", "b", "c", "a", "b", "c", "a", "b", "c"};
    char *csv = malloc(8192), *o = csv;
    o += sprintf(o, "index,path,split,label\n");
    for (int i = 0; i < N_IDX; i++) o += sprintf(o, "%d,%s#%d,%s,%s\n", i, ip, i, i < 8 ? "train" : "test", LAB[i]);
    o += sprintf(o, "10,%s,test,%s\n11,%s/missing.png,test,%s\n", pp, LAB[10], dir, LAB[11]);
    write_text(dir, "items.csv", csv);
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < 3; j++) map3[i * 3 + j] = (float)(i * 0.37 - j * 1.5);
        for (int j = 0; j < 2; j++) map2[i * 2 + j] = (float)(i * -0.21 + j);
        for (int j = 0; j < K; j++) { nbr[i * K + j] = (i + j + 1) % N; dist[i * K + j] = 0.1f * (float)(j + 1) + 0.01f * (float)i; }
    }
    char *p;
    CHECK(emb_npy_write_f32(p = path_in(dir, "map.npy"), map3, N, 3) == EMB_OK); free(p);
    CHECK(emb_npy_write_f32(p = path_in(dir, "map_2d.npy"), map2, N, 2) == EMB_OK); free(p);
    int64_t shape[2] = {N, K};
    CHECK(emb_npy_write(p = path_in(dir, "neighbors.npy"), EMB_DT_I32, nbr, 2, shape) == EMB_OK); free(p);
    CHECK(emb_npy_write(p = path_in(dir, "distances.npy"), EMB_DT_F32, dist, 2, shape) == EMB_OK); free(p);
    sprintf(csv, "group,index,path,split,label,similarity,kind\n0,1,%s#1,train,b,1,exact\n0,4,%s#4,train,b,1,exact\n"
                 "1,2,%s#2,train,c,1,near\n1,9,%s#9,test,a,0.97,near\n", ip, ip, ip, ip);
    write_text(dir, "duplicates.csv", csv);
    write_text(dir, "label_issues.csv", "rank,index,path,split,label,suggested,score,knn_score,cv_score,flagged\n"
                                        "1,5,x,train,c,a,0.9,0.8,0.7,1\n2,0,x,train,a,b,0.5,0.4,0.3,0\n3,7,x,train,b,a,0.25,0.2,0.1,0\n");
    write_text(dir, "skipped.csv", "path,reason\n/x/bad.jpg,\"truncated </script><b>, \"\"quoted\"\"\"\n");
    write_text(dir, "summary.json", "{\"dataset\":{\"class_names\":[\"c\",\"a\",\"b\"]},"
                                    "\"analysis\":{\"class_overlap\":{\"matrix\":[[0,1,2],[1,0,3],[2,3,0]]}}}");
    free(csv);
    free(ip);
    free(pp);
}

/* The text between <script type="application/json" id="emb-data"> and </script>. */
static cJSON *page_data(const char *html_path, char **html_out) {
    unsigned char *buf = NULL;
    FILE *f = fopen(html_path, "rb");
    if (!CHECK(f != NULL)) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)len + 1);
    CHECK(fread(buf, 1, (size_t)len, f) == (size_t)len);
    buf[len] = 0;
    fclose(f);
    const char *tag = "id=\"emb-data\">";
    char *a = strstr((char *)buf, tag), *b = a ? strstr(a, "</script>") : NULL;
    cJSON *j = NULL;
    if (CHECK(a && b)) j = cJSON_ParseWithLength(a + strlen(tag), (size_t)(b - a - strlen(tag)));
    CHECK(j != NULL);
    *html_out = (char *)buf;
    return j;
}

static size_t b64_decode(const char *s, unsigned char *out) {
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (; *s && *s != '='; s++) {
        const char *A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", *p = strchr(A, *s);
        if (!p) break;
        acc = acc << 6 | (uint32_t)(p - A);
        if ((bits += 6) >= 8) { bits -= 8; out[n++] = (unsigned char)(acc >> bits); }
    }
    return n;
}
static void *b64_field(cJSON *o, const char *key, size_t *len) {
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, key));
    if (!CHECK(s != NULL)) return NULL;
    unsigned char *out = malloc(strlen(s));
    *len = b64_decode(s, out);
    return out;
}

static int count(const char *hay, const char *needle) {
    int c = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++) c++;
    return c;
}

static void test_fixture(void) {
    char dir[512], html[600];
    snprintf(dir, sizeof dir, "%s/out", check_tmpdir());
    CHECK(emb_mkdirs(dir) == EMB_OK);
    float map3[N * 3], map2[N * 2], dist[N * K];
    int32_t nbr[N * K];
    make_fixture(dir, map3, map2, nbr, dist);
    snprintf(html, sizeof html, "%s/report.html", dir);
    emb_report_params p = emb_report_default_params();
    p.thumb_size = 10;
    p.jpeg_quality = 101;   /* PNG sheets: lossless, so cells compare exactly */
    p.max_neighbors = 3;
    p.title = "fixture <&>";
    emb_report_info info;
    if (!CHECK(emb_report_write(dir, html, &p, &info) == EMB_OK)) { fprintf(stderr, "%s\n", emb_errmsg()); return; }
    CHECK_EQ(N, info.n_items);
    CHECK_EQ(3, info.map_dims);
    CHECK(info.has_map_2d && !info.map_is_pca);
    CHECK_EQ(N - 1, info.n_thumbs);
    CHECK_EQ(1, info.n_sheets);
    char *text = NULL;
    cJSON *d = page_data(html, &text);
    if (!d) return;
    CHECK_CONTAINS(text, "<title>fixture &lt;&amp;&gt;</title>");
    /* Three script elements (data, app, one sheet): markup in the data is escaped. */
    CHECK_EQ(3, count(text, "</script>"));
    CHECK_EQ(N, cJSON_GetNumberValue(cJSON_GetObjectItem(d, "n")));
    cJSON *cl = cJSON_GetObjectItem(d, "classes");
    CHECK_EQ(3, cJSON_GetArraySize(cl));
    CHECK(!strcmp(cJSON_GetArrayItem(cl, 0)->valuestring, "c") && !strcmp(cJSON_GetArrayItem(cl, 1)->valuestring, "a"));
    /* items.csv labels a,b,c,... in summary.json's order c=0, a=1, b=2 */
    /* labels (int32), splits (uint8) and folders (int32) as base64 typed arrays */
    size_t len;
    int32_t want_label[N], want_split[N], *got_label = b64_field(d, "label", &len);
    CHECK_EQ(N * sizeof(int32_t), len);
    uint8_t *got_split = b64_field(d, "split", &len);
    CHECK_EQ(N, len);
    int32_t *pd = b64_field(d, "path_dir", &len);
    CHECK_EQ(N * sizeof(int32_t), len);
    if (!got_label || !got_split || !pd) return;
    int32_t split32[N];
    for (int i = 0; i < N; i++) {
        want_label[i] = (int32_t[]){1, 2, 0}[i % 3];
        want_split[i] = i < 8 ? EMB_SPLIT_TRAIN : EMB_SPLIT_TEST;
        split32[i] = got_split[i];
    }
    CHECK_EQ_I32(want_label, got_label, N);
    CHECK_EQ_I32(want_split, split32, N);
    /* paths: folder table + names rebuild items.csv's paths */
    cJSON *pn = cJSON_GetObjectItem(d, "path_name"), *dirs = cJSON_GetObjectItem(d, "path_dirs");
    char rebuilt[1024];
    CHECK(pd[3] >= 0 && pd[3] < cJSON_GetArraySize(dirs));
    snprintf(rebuilt, sizeof rebuilt, "%s%s", cJSON_GetArrayItem(dirs, pd[3])->valuestring, cJSON_GetArrayItem(pn, 3)->valuestring);
    char want_path[1024];
    snprintf(want_path, sizeof want_path, "%s/imgs-idx3-ubyte#3", dir);
    CHECK(!strcmp(rebuilt, want_path));
    free(got_label);
    free(got_split);
    free(pd);
    float *m = b64_field(cJSON_GetObjectItem(d, "map"), "b64", &len);
    CHECK_EQ(sizeof map3, len);
    if (m) CHECK_CLOSE_F32(map3, m, N * 3, 0, 0);
    free(m);
    m = b64_field(cJSON_GetObjectItem(d, "map2d"), "b64", &len);
    CHECK_EQ(sizeof map2, len);
    if (m) CHECK_CLOSE_F32(map2, m, N * 2, 0, 0);
    free(m);
    cJSON *kn = cJSON_GetObjectItem(d, "knn");
    CHECK_EQ(3, cJSON_GetNumberValue(cJSON_GetObjectItem(kn, "k")));
    int32_t want_nb[N * 3], *got_nb = b64_field(kn, "idx", &len);
    float want_d[N * 3], *got_d = b64_field(kn, "dist", &len);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < 3; j++) { want_nb[i * 3 + j] = nbr[i * K + j]; want_d[i * 3 + j] = dist[i * K + j]; }
    if (got_nb) CHECK_EQ_I32(want_nb, got_nb, N * 3);
    if (got_d) CHECK_CLOSE_F32(want_d, got_d, N * 3, 0, 0);
    free(got_nb);
    free(got_d);
    /* tables: duplicates without the path column; skipped keeps its markup */
    cJSON *tb = cJSON_GetObjectItem(d, "tables"), *du = cJSON_GetObjectItem(tb, "duplicates");
    CHECK_EQ(4, cJSON_GetNumberValue(cJSON_GetObjectItem(du, "total")));
    CHECK_EQ(6, cJSON_GetArraySize(cJSON_GetObjectItem(du, "columns")));
    CHECK(!strcmp(cJSON_GetArrayItem(cJSON_GetArrayItem(cJSON_GetObjectItem(du, "rows"), 3), 4)->valuestring, "0.97"));
    cJSON *sk = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(tb, "skipped"), "rows"), 0);
    CHECK(!strcmp(cJSON_GetArrayItem(sk, 1)->valuestring, "truncated </script><b>, \"quoted\""));
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(tb, "outliers")));
    /* per-item groups and scores for colouring the map, for every row */
    int32_t want_g[N] = {-1, 0, 1, -1, 0, -1, -1, -1, -1, 1, -1, -1}, *got_g = b64_field(du, "item_group", &len);
    CHECK_EQ(sizeof want_g, len);
    if (got_g) CHECK_EQ_I32(want_g, got_g, N);
    free(got_g);
    cJSON *li = cJSON_GetObjectItem(tb, "label_issues");   /* only flagged rows are listed */
    CHECK_EQ(1, cJSON_GetNumberValue(cJSON_GetObjectItem(li, "total")));
    CHECK_EQ(3, cJSON_GetNumberValue(cJSON_GetObjectItem(li, "rows_in_file")));
    CHECK_EQ(1, cJSON_GetArraySize(cJSON_GetObjectItem(li, "rows")));
    float *sc = b64_field(li, "item_score", &len);
    CHECK_EQ(N * sizeof(float), len);
    if (sc) {
        CHECK(sc[5] == 0.9f && sc[0] == 0.5f && sc[7] == 0.25f);
        int nan = 0;
        for (int i = 0; i < N; i++) nan += sc[i] != sc[i];
        CHECK_EQ(N - 3, nan);
    }
    free(sc);
    cJSON *ov = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "summary"), "analysis"), "class_overlap");
    CHECK_EQ(3, cJSON_GetArrayItem(cJSON_GetArrayItem(cJSON_GetObjectItem(ov, "matrix"), 1), 2)->valuedouble);
    /* thumbnails: decode the sheet, compare cells */
    cJSON *th = cJSON_GetObjectItem(d, "thumbs");
    CHECK_EQ(10, cJSON_GetNumberValue(cJSON_GetObjectItem(th, "size")));
    int cols = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(th, "cols"));
    CHECK_EQ(1, cJSON_GetArraySize(cJSON_GetObjectItem(th, "missing")));
    CHECK_EQ(11, cJSON_GetArrayItem(cJSON_GetObjectItem(th, "missing"), 0)->valuedouble);
    CHECK_EQ(1, cJSON_GetNumberValue(cJSON_GetObjectItem(th, "n_sheets")));
    const char *tag = "<script type=\"text/plain\" id=\"emb-sheet-0\">";
    char *sheet = strstr(text, tag);
    if (!CHECK(sheet != NULL)) return;
    sheet += strlen(tag);
    *strstr(sheet, "</script>") = 0;
    CHECK(!strncmp(sheet, "data:image/png;base64,", 22));
    unsigned char *png = malloc(strlen(sheet));
    size_t png_len = b64_decode(sheet + 22, png);
    emb_image img;
    if (CHECK(emb_image_decode(png, png_len, "sheet", &img) == EMB_OK)) {
        CHECK_EQ(cols * 10, img.w);
        CHECK_EQ(10, img.h);
        long bad = 0;
        for (int i = 0; i < N_IDX; i++)   /* 8 x 10 IDX image centred in a 10 px cell: columns 1..8 */
            for (int y = 0; y < 10; y++)
                for (int x = 0; x < 10; x++) {
                    int want = x >= 1 && x <= 8 ? idx_px(i, y, x - 1) : 240;
                    bad += img.rgb[(y * img.w + i * 10 + x) * 3 + 1] != want;
                }
        CHECK_EQ(0, bad);
        bad = 0;   /* 20 x 10 PNG halved by 2 x 2 averaging into rows 2..6 (hand computation) */
        for (int y = 0; y < 10; y++)
            for (int x = 0; x < 10; x++)
                for (int c = 0; c < 3; c++) {
                    int want = 240;
                    if (y >= 2 && y < 7) {
                        int sy = 2 * (y - 2), sx = 2 * x;
                        want = (png_px(sy, sx, c) + png_px(sy, sx + 1, c) + png_px(sy + 1, sx, c) + png_px(sy + 1, sx + 1, c) + 2) / 4;
                    }
                    bad += img.rgb[(y * img.w + 100 + x) * 3 + c] != want;
                }
        CHECK_EQ(0, bad);
        bad = 0;   /* the missing item's cell is blank */
        for (int y = 0; y < 10; y++)
            for (int x = 0; x < 30; x++) bad += img.rgb[(y * img.w + 110 + x) * 3] != 240;
        CHECK_EQ(0, bad);
        emb_image_free(&img);
    }
    free(png);
    cJSON_Delete(d);
    free(text);
}

static unsigned char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long l = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)l + 1);
    *len = fread(b, 1, (size_t)l, f);
    b[*len] = 0;
    fclose(f);
    return b;
}

static bool is_file(const char *p) {
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static bool is_dir(const char *p) {
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* The fixture again with a budget of 1 byte: split.html + split_files/. */
static void test_split(void) {
    char dir[512], html[600], one[600], fdir[700], path[800];
    snprintf(dir, sizeof dir, "%s/out", check_tmpdir());
    snprintf(html, sizeof html, "%s/split.html", dir);
    snprintf(one, sizeof one, "%s/report.html", dir);   /* test_fixture's one-file page */
    snprintf(fdir, sizeof fdir, "%s/split_files", dir);
    emb_report_params p = emb_report_default_params();
    p.thumb_size = 10;
    p.jpeg_quality = 101;
    p.max_neighbors = 3;
    p.inline_max_bytes = 1;
    emb_report_info info;
    if (!CHECK(emb_report_write(dir, html, &p, &info) == EMB_OK)) { fprintf(stderr, "%s\n", emb_errmsg()); return; }
    CHECK_EQ(2, info.n_files);   /* sheet-0.png, knn-0.js */
    char *text = NULL, *text1 = NULL;
    cJSON *d = page_data(html, &text), *d1 = page_data(one, &text1);
    if (!d || !d1) return;
    CHECK(!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(d, "files_dir")), "split_files"));
    CHECK(strstr(text, "id=\"emb-sheet-") == NULL);   /* no sheet left in the page */
    CHECK_EQ(2, count(text, "</script>"));
    cJSON *ext = cJSON_GetObjectItem(cJSON_GetObjectItem(d, "thumbs"), "ext");
    CHECK(cJSON_GetArraySize(ext) == 1 && !strcmp(cJSON_GetArrayItem(ext, 0)->valuestring, "png"));
    cJSON *kn = cJSON_GetObjectItem(d, "knn");
    CHECK_EQ(3, cJSON_GetNumberValue(cJSON_GetObjectItem(kn, "k")));
    CHECK_EQ(65536, cJSON_GetNumberValue(cJSON_GetObjectItem(kn, "block")));
    CHECK_EQ(1, cJSON_GetNumberValue(cJSON_GetObjectItem(kn, "n_files")));
    /* sheet-0.png: the bytes the one-file page carries as its data: URL */
    const char *tag = "id=\"emb-sheet-0\">data:image/png;base64,";
    char *b = strstr(text1, tag);
    size_t len = 0, flen = 0;
    snprintf(path, sizeof path, "%s/sheet-0.png", fdir);
    unsigned char *file = read_all(path, &flen);
    if (CHECK(b && file)) {
        b += strlen(tag);
        *strstr(b, "</script>") = 0;
        unsigned char *want = malloc(strlen(b));
        len = b64_decode(b, want);
        CHECK(len == flen && !memcmp(want, file, len));
        free(want);
    }
    free(file);
    /* knn-0.js: a classic script assigning the neighbours the one-file page holds */
    snprintf(path, sizeof path, "%s/knn-0.js", fdir);
    char *js = (char *)read_all(path, &flen);
    const char *head = "(window.embReportFiles = window.embReportFiles || {})[\"knn-0\"] = ";
    if (CHECK(js && !strncmp(js, head, strlen(head)) && flen > strlen(head) + 2 && !strcmp(js + flen - 2, ";\n"))) {
        cJSON *k = cJSON_ParseWithLength(js + strlen(head), flen - strlen(head) - 2), *k1 = cJSON_GetObjectItem(d1, "knn");
        CHECK(k != NULL);
        CHECK(!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(k, "idx")), cJSON_GetStringValue(cJSON_GetObjectItem(k1, "idx"))));
        CHECK(!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(k, "dist")), cJSON_GetStringValue(cJSON_GetObjectItem(k1, "dist"))));
        cJSON_Delete(k);
    }
    free(js);
    snprintf(path, sizeof path, "%s.tmp.%ld", fdir, (long)getpid());
    CHECK(!is_dir(path));   /* the temporary folder was renamed */
    cJSON_Delete(d);
    cJSON_Delete(d1);
    free(text);
    free(text1);
    /* a folder holding a file of the user's is not replaced: EMB_E_IO naming it, the page kept */
    snprintf(path, sizeof path, "%s/mine.txt", fdir);
    CHECK(check_write_file(path, "x", 1));
    CHECK(emb_report_write(dir, html, &p, NULL) == EMB_E_IO);
    CHECK_CONTAINS(emb_errmsg(), "split_files");
    CHECK_CONTAINS(emb_errmsg(), "holds files of its own");
    size_t hl = 0;
    unsigned char *h = read_all(html, &hl);
    CHECK(h && strstr((char *)h, "\"files_dir\":\"split_files\"") != NULL);
    free(h);
    snprintf(path, sizeof path, "%s/sheet-0.png", fdir);
    CHECK(is_file(path));   /* and its folder */
    snprintf(path, sizeof path, "%s/mine.txt", fdir);
    remove(path);
    /* within the budget again: one file, and the earlier folder removed */
    p.inline_max_bytes = 0;
    CHECK(emb_report_write(dir, html, &p, &info) == EMB_OK);
    CHECK_EQ(0, info.n_files);
    CHECK(!is_dir(fdir));
}

/* clusters.csv beside the fixture: the page's clusters block, by hand. */
static void test_clusters(void) {
    char dir[512], html[600];
    snprintf(dir, sizeof dir, "%s/out", check_tmpdir());
    snprintf(html, sizeof html, "%s/report_clusters.html", dir);
    static const int32_t CL[N] = {0, 0, 1, 1, -1, 0, 1, 2, 2, 0, -1, 2};
    char csv[1024], *o = csv;
    o += sprintf(o, "index,cluster,probability,outlier_score\n");
    for (int i = 0; i < N; i++) o += sprintf(o, "%d,%d,%s,%g\n", i, CL[i], CL[i] < 0 ? "0" : "1", i == 9 ? 0.0 : 0.01 * (i + 1));
    write_text(dir, "clusters.csv", csv);
    emb_report_params p = emb_report_default_params();
    p.thumb_size = 10;
    CHECK(emb_report_write(dir, html, &p, NULL) == EMB_OK);
    char *text = NULL;
    cJSON *d = page_data(html, &text), *c = cJSON_GetObjectItem(d, "clusters");
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(d, "clusters_note")));
    CHECK_EQ(3, cJSON_GetNumberValue(cJSON_GetObjectItem(c, "k")));
    CHECK_EQ(2, cJSON_GetNumberValue(cJSON_GetObjectItem(c, "noise")));
    size_t len = 0;
    int32_t *item = b64_field(c, "item", &len);
    CHECK_EQ(sizeof CL, len);
    if (item) CHECK_EQ_I32(CL, item, N);
    free(item);
    /* labels a b c a b c ...: cluster 0 = {0 a, 1 b, 5 c, 9 a}, 1 = {2 c, 3 a, 6 a}, 2 = {7 b, 8 c, 11 c} */
    static const int SIZE[3] = {4, 3, 3};
    static const char *MAJOR[3] = {"a", "a", "c"};
    static const double PURITY[3] = {0.5, 2.0 / 3, 2.0 / 3};
    static const int REP[3][4] = {{9, 0, 1, 5}, {2, 3, 6, -1}, {7, 8, 11, -1}};
    cJSON *arr = cJSON_GetObjectItem(c, "clusters");
    CHECK_EQ(3, cJSON_GetArraySize(arr));
    for (int g = 0; g < 3 && g < cJSON_GetArraySize(arr); g++) {
        cJSON *e = cJSON_GetArrayItem(arr, g), *r = cJSON_GetObjectItem(e, "representatives");
        CHECK_EQ(SIZE[g], cJSON_GetNumberValue(cJSON_GetObjectItem(e, "size")));
        CHECK(!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "majority_label")), MAJOR[g]));
        CHECK_CLOSE(PURITY[g], cJSON_GetNumberValue(cJSON_GetObjectItem(e, "purity")), 1e-12, 0);
        CHECK_EQ(SIZE[g], cJSON_GetArraySize(r));
        for (int q = 0; q < SIZE[g]; q++) CHECK_EQ(REP[g][q], cJSON_GetNumberValue(cJSON_GetArrayItem(r, q)));
    }
    cJSON_Delete(d);
    free(text);
    /* a row short: no clusters, a note naming the file and the reason */
    *strrchr(csv, '\n') = 0;
    *(strrchr(csv, '\n') + 1) = 0;
    write_text(dir, "clusters.csv", csv);
    CHECK(emb_report_write(dir, html, &p, NULL) == EMB_OK);
    d = page_data(html, &text);
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(d, "clusters")));
    const char *note = cJSON_GetStringValue(cJSON_GetObjectItem(d, "clusters_note"));
    CHECK(note != NULL);
    if (note) CHECK_CONTAINS(note, "clusters.csv: 11 rows for 12 items");
    cJSON_Delete(d);
    free(text);
    char *cp = path_in(dir, "clusters.csv");
    remove(cp);
    free(cp);
}

/* No inputs at all: a page with empty panels, no error. */
static void test_empty(void) {
    char dir[512], html[600];
    snprintf(dir, sizeof dir, "%s/empty", check_tmpdir());
    CHECK(emb_mkdirs(dir) == EMB_OK);
    snprintf(html, sizeof html, "%s/report.html", dir);
    emb_report_info info;
    CHECK(emb_report_write(dir, html, NULL, &info) == EMB_OK);
    CHECK_EQ(0, info.n_items);
    CHECK_EQ(0, info.map_dims);
    char *text = NULL;
    cJSON *d = page_data(html, &text);
    if (!d) return;
    CHECK_EQ(0, cJSON_GetNumberValue(cJSON_GetObjectItem(d, "n")));
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(d, "map")) && cJSON_IsNull(cJSON_GetObjectItem(d, "thumbs")));
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(d, "clusters")) && cJSON_IsNull(cJSON_GetObjectItem(d, "clusters_note")));
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "tables"), "duplicates")));
    CHECK_CONTAINS(text, "\n<script>\n");   /* the app, a classic script */
    CHECK(strstr(text, "<script type=\"text/plain\"") == NULL);   /* no sheets */
    cJSON_Delete(d);
    free(text);
    /* the page cannot be written: EMB_E_IO, message names the path */
    CHECK(emb_report_write(dir, "/nonexistent-dir/report.html", NULL, NULL) == EMB_E_IO);
    CHECK_CONTAINS(emb_errmsg(), "/nonexistent-dir/report.html");
}

/* Item images by path: IDX "<file>#<i>" and a plain file; a bad index fails. */
static void test_item_images(void) {
    char dir[512];
    snprintf(dir, sizeof dir, "%s/out", check_tmpdir());
    emb_item_images *c = emb_item_images_new();
    char p[700];
    emb_image img;
    snprintf(p, sizeof p, "%s/imgs-idx3-ubyte#7", dir);
    if (CHECK(emb_item_image(c, p, &img) == EMB_OK)) {
        CHECK(img.w == W && img.h == H);
        CHECK_EQ(idx_px(7, 3, 5), img.rgb[(3 * W + 5) * 3 + 2]);
        emb_image_free(&img);
    }
    snprintf(p, sizeof p, "%s/imgs-idx3-ubyte#10", dir);
    CHECK(emb_item_image(c, p, &img) == EMB_E_FORMAT);
    CHECK_CONTAINS(emb_errmsg(), "imgs-idx3-ubyte#10");
    snprintf(p, sizeof p, "%s/wide.png", dir);
    if (CHECK(emb_item_image(c, p, &img) == EMB_OK)) {
        CHECK(img.w == 20 && img.h == 10);
        emb_image_free(&img);
    }
    emb_item_images_free(c);
}

int main(void) {
    test_fixture();
    test_split();
    test_clusters();
    test_item_images();
    test_empty();
    return check_exit();
}

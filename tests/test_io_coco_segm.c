/* test_io_coco_segm.c - COCO annotations with a "segmentation" and no
 * "bbox" (src/io/coco_segm.c): the box is the segmentation's extent, from
 * polygons, an uncompressed RLE and a compressed RLE string; with a bbox the
 * bbox is used. The mask is drawn here and run-length encoded here, the
 * string by a transcription of pycocotools' rleToString (maskApi.c), so the
 * reader is checked against an independent encoder and the mask's own
 * extent. Every malformed segmentation is listed in annot_issues with its
 * reason and the good boxes are kept. ref: the mask (exact integer boxes).
 * ctest-labels: unit */
#include "check.h"
#include "embscope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { W = 20, H = 10 };

/* Mask: rows 2..5 of columns 3..8, and the pixel (row 7, column 12):
 * extent x 3..12, y 2..7 -> box 3, 2, 10, 6. */
static int mask_at(int x, int y) { return (x >= 3 && x <= 8 && y >= 2 && y <= 5) || (x == 12 && y == 7); }

/* Column-major runs (0s first), as COCO's RLE; returns the count of runs. */
static int mask_rle(unsigned *cnts) {
    int m = 0, cur = 0;
    unsigned run = 0;
    for (int x = 0; x < W; x++)
        for (int y = 0; y < H; y++) {
            if (mask_at(x, y) != cur) { cnts[m++] = run; run = 0; cur = !cur; }
            run++;
        }
    cnts[m++] = run;
    return m;
}

/* pycocotools' rleToString, transcribed: counts from the 4th are deltas to
 * the one two before, 5 bits a character from '0', 0x20 = more follow. */
static void rle_to_string(const unsigned *cnts, int m, char *s) {
    int p = 0;
    for (int i = 0; i < m; i++) {
        long x = (long)cnts[i];
        if (i > 2) x -= (long)cnts[i - 2];
        int more = 1;
        while (more) {
            char c = (char)(x & 0x1f);
            x >>= 5;
            more = (c & 0x10) ? x != -1 : x != 0;
            if (more) c |= 0x20;
            s[p++] = (char)(c + 48);
        }
    }
    s[p] = 0;
}

static const struct { const char *seg; int box[4]; } GOOD[] = {
    {"\"segmentation\":[[3,2,9,2,9,6,3,6]]", {3, 2, 6, 4}},
    {"\"segmentation\":[[1,1,2,1,2,2],[15,8,16,8,16,9.5]]", {1, 1, 15, 9}},   /* y to 9.5: the crop ends at 10 */
    {"\"segmentation\":{\"size\":[10,20],\"counts\":%LIST%}", {3, 2, 10, 6}},
    {"\"segmentation\":{\"size\":[10,20],\"counts\":\"%STRING%\"}", {3, 2, 10, 6}},
    {"\"bbox\":[4,4,2,2],\"segmentation\":[[0,0,19,0,19,9]]", {4, 4, 2, 2}},   /* the bbox wins */
};
static const struct { const char *seg, *reason; } BAD[] = {
    {"\"segmentation\":[[3,2,9,2,9]]", "polygon is not [x1, y1"},
    {"\"segmentation\":[[3,2,\"9\",2,9,6]]", "not a number"},
    {"\"segmentation\":[]", "no polygon"},
    {"\"segmentation\":{\"size\":[10,20],\"counts\":[5,10]}", "do not cover"},
    {"\"segmentation\":{\"size\":[10,20],\"counts\":[150,100]}", "cover more than"},
    {"\"segmentation\":{\"size\":[10,20],\"counts\":[5,-3,198]}", "not all integers >= 0"},
    {"\"segmentation\":{\"size\":[10,30],\"counts\":[300]}", "is 30x10, the image 20x10"},
    {"\"segmentation\":{\"size\":[10,20],\"counts\":[200]}", "empty"},
    {"\"segmentation\":{\"size\":[10,20],\"counts\":\"0P\"}", "string is malformed"},   /* ends mid-count */
    {"\"segmentation\":{\"size\":[10,20],\"counts\":\"0~\"}", "string is malformed"},   /* not a count character */
    {"\"segmentation\":{\"counts\":[200]}", "no size"},
    {"\"segmentation\":{\"size\":[10,20],\"counts\":{}}", "not a list or a string"},
    {"\"segmentation\":\"3 2 9 2\"", "not polygons or an RLE mask"},
    {"\"area\":4", "no bbox and no segmentation"},
};
#define N_GOOD (int)(sizeof GOOD / sizeof GOOD[0])
#define N_BAD (int)(sizeof BAD / sizeof BAD[0])

/* s with the first %KEY% replaced by val, into out. */
static void subst(const char *s, const char *key, const char *val, char *out, size_t cap) {
    const char *at = strstr(s, key);
    if (!at) { snprintf(out, cap, "%s", s); return; }
    snprintf(out, cap, "%.*s%s%s", (int)(at - s), s, val, at + strlen(key));
}

int main(void) {
    unsigned cnts[W * H + 1];
    int m = mask_rle(cnts);
    char list[4096] = "[", str[4096], *json = malloc(1 << 16), seg[8192], tmp[8192];
    for (int i = 0; i < m; i++) snprintf(list + strlen(list), sizeof list - strlen(list), "%s%u", i ? "," : "", cnts[i]);
    strcat(list, "]");
    rle_to_string(cnts, m, str);
    fprintf(stderr, "mask RLE %s, compressed \"%s\"\n", list, str);

    uint8_t px[W * H * 3];
    for (int i = 0; i < W * H; i++) px[3 * i] = px[3 * i + 1] = px[3 * i + 2] = (uint8_t)(i * 7);
    unsigned char *png = NULL;
    size_t len = 0;
    if (!CHECK(emb_image_encode_png(px, W, H, 3, &png, &len) == EMB_OK)) return check_exit();
    char *img = check_tmp_path("a.png"), *path = check_tmp_path("segm.json");
    CHECK(check_write_file(img, png, len));
    free(png);
    int p = snprintf(json, 1 << 16, "{\"images\":[{\"id\":1,\"file_name\":\"a.png\",\"width\":%d,\"height\":%d}],"
                                    "\"categories\":[{\"id\":1,\"name\":\"thing\"}],\"annotations\":[", W, H);
    /* good and bad interleaved (each in its order): bad ones must not disturb the good */
    for (int k = 0, g = 0, b = 0; g < N_GOOD || b < N_BAD; k++) {
        const char *src = (k % 2 == 0 && g < N_GOOD) || b >= N_BAD ? GOOD[g++].seg : BAD[b++].seg;
        subst(src, "%LIST%", list, tmp, sizeof tmp);
        subst(tmp, "%STRING%", str, seg, sizeof seg);
        p += snprintf(json + p, (size_t)(1 << 16) - (size_t)p, "%s{\"id\":%d,\"image_id\":1,\"category_id\":1,%s}",
                      k ? "," : "", 100 + k, seg);
    }
    snprintf(json + p, (size_t)(1 << 16) - (size_t)p, "]}");
    CHECK(check_write_file(path, json, strlen(json)));

    emb_dataset *ds = NULL;
    if (CHECK(emb_dataset_open(path, NULL, &ds) == EMB_OK)) {
        CHECK(ds->box != NULL);
        if (CHECK_EQ(N_GOOD, ds->n) && ds->box)
            for (int g = 0; g < N_GOOD; g++) {
                if (!CHECK_EQ_I32(GOOD[g].box, ds->box + 4 * g, 4)) fprintf(stderr, "  good %d: %s\n", g, GOOD[g].seg);
                CHECK_CONTAINS(ds->path[g], "a.png#box");
            }
        /* + 1: GOOD[2] and GOOD[3] are one mask, listed as a duplicate box (both kept) */
        if (CHECK_EQ(N_BAD + 1, ds->annot_issues.n)) {
            CHECK_CONTAINS(ds->annot_issues.reason[N_BAD], "duplicate box");
            for (int b = 0; b < N_BAD; b++) {
                if (!CHECK(strstr(ds->annot_issues.reason[b], BAD[b].reason) != NULL))
                    fprintf(stderr, "  bad %d %s: got '%s'\n", b, BAD[b].seg, ds->annot_issues.reason[b]);
                CHECK_CONTAINS(ds->annot_issues.where[b], "annotation id");
            }
        }
        emb_dataset_free(ds);
    }
    free(json);
    free(img);
    free(path);
    return check_exit();
}

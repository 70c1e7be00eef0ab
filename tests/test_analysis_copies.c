/* test_analysis_copies.c - duplicate kinds (exact / copy / similar) on
 * planted copies and look-alikes, leakage in every split direction, and the
 * same results at 1 and 2 threads.
 *
 * Data (16 x 16 gray images, built here): 12 "designs", each a smooth
 * random field; 10 items per design = the design plus a small smooth
 * variation of its own (look-alikes: raw cosine to one another >= 0.985,
 * as garments of one silhouette, but different items). Planted copies of
 * some items: darkened x0.7, quantised to 32 levels, salt-and-pepper (3 pixels, 1%),
 * moved by 1 px (the edge column repeated); and apart, copies moved by 1-2 px with zero fill, and
 * copies blurred by a Gaussian of sigma 0.8 and 1.0 px (written here, not the library's). The
 * reference is the construction: every planted copy is
 * a COPY of its source, no two look-alikes are COPY. Asserted as counts.
 * ctest-labels: unit
 * ctest-levels: all */
#include "check.h"
#include "embscope.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define W 16
#define D (W * W)
#define NDES 12
#define PER 10
#define NBASE (NDES * PER)
#define NCOPY 4   /* transforms */
#define NSRC 12   /* sources of planted copies: item 0 .. of designs, one each */
#define N (NBASE + NSRC * NCOPY)
#ifndef LOOK_SMOOTH
#define LOOK_SMOOTH 0.12
#define LOOK_DETAIL 0.08
#endif

/* A smooth random field in [0, 1]: a sum of 6 Gaussian bumps. */
static void smooth_field(emb_rng *r, float *img, float amp) {
    for (int b = 0; b < 6; b++) {
        double cy = emb_rng_uniform(r) * W, cx = emb_rng_uniform(r) * W, s = 1.5 + 2.5 * emb_rng_uniform(r);
        double a = amp * (0.3 + 0.7 * emb_rng_uniform(r));
        for (int y = 0; y < W; y++)
            for (int x = 0; x < W; x++) img[y * W + x] += (float)(a * exp(-((y - cy) * (y - cy) + (x - cx) * (x - cx)) / (2 * s * s)));
    }
}

static double cos_rows(const float *x, int i, int j) {
    double s = 0, a = 0, b = 0;
    for (int t = 0; t < D; t++) { s += x[i * D + t] * x[j * D + t]; a += x[i * D + t] * x[i * D + t]; b += x[j * D + t] * x[j * D + t]; }
    return s / sqrt(a * b);
}

static int src_of[N];    /* planted copy -> source item, else -1 */

static void make_data(emb_matf *x) {
    emb_rng r;
    emb_rng_seed(&r, 16);
    emb_matf_alloc(x, N, D);
    memset(x->data, 0, sizeof(float) * N * D);
    for (int i = 0; i < N; i++) src_of[i] = -1;
    float design[D];
    for (int dsg = 0; dsg < NDES; dsg++) {
        for (int t = 0; t < D; t++) design[t] = 0.4f;
        smooth_field(&r, design, 0.5f);
        for (int m = 0; m < PER; m++) {
            float *v = x->data + (size_t)(dsg * PER + m) * D;
            memcpy(v, design, sizeof design);
            smooth_field(&r, v, LOOK_SMOOTH);   /* the item's own shape */
            for (int t = 0; t < D; t++) {       /* and texture */
                v[t] += (float)(LOOK_DETAIL * emb_rng_uniform(&r));
                v[t] = v[t] > 1 ? 1 : v[t];
            }
        }
    }
    for (int s = 0; s < NSRC; s++) {
        int src = s * PER;   /* item 0 of each design */
        const float *a = x->data + (size_t)src * D;
        for (int c = 0; c < NCOPY; c++) {
            int i = NBASE + s * NCOPY + c;
            float *v = x->data + (size_t)i * D;
            src_of[i] = src;
            for (int t = 0; t < D; t++) {
                if (c == 0) v[t] = 0.7f * a[t];
                else if (c == 1) v[t] = roundf(a[t] * 31) / 31;
                else if (c == 2) v[t] = a[t];
                else { int y = t / W, xx = t % W; v[t] = a[y * W + (xx >= 1 ? xx - 1 : 0)]; }  /* edge column repeated */
            }
            if (c == 2)   /* salt and pepper: 3 pixels (1%) set to 0 or 1 */
                for (int q = 0; q < 3; q++) v[emb_rng_below(&r, D)] = q % 2 ? 1.0f : 0.0f;
        }
    }
}

static void run_dups(const emb_matf *x, int threads, emb_knn *g, emb_dups *d) {
    emb_knn_params kp = emb_knn_default_params();
    kp.k = 15;
    kp.n_threads = 1;
    CHECK(emb_knn_build(x, &kp, g) == EMB_OK);   /* exact at this size */
    emb_dups_params dp = emb_dups_default_params();
    dp.img_w = dp.img_h = W;
    dp.img_c = 1;
    dp.n_threads = threads;
    CHECK(emb_dups_find(x, g, NULL, &dp, d) == EMB_OK);
}

static bool pair_kind(const emb_dups *d, int a, int b, int *kind) {
    if (a > b) { int t = a; a = b; b = t; }
    for (int64_t q = 0; q < d->n_pairs; q++)
        if (d->pairs[q].a == a && d->pairs[q].b == b) { *kind = d->pairs[q].kind; return true; }
    return false;
}

static void test_planted(void) {
    emb_matf x;
    make_data(&x);
    /* preconditions: look-alikes are cosine-alike (the old criterion's false alarms) */
    int alike = 0, pairs = 0;
    for (int dsg = 0; dsg < NDES; dsg++)
        for (int a = 0; a < PER; a++)
            for (int b = a + 1; b < PER; b++) { pairs++; alike += cos_rows(x.data, dsg * PER + a, dsg * PER + b) >= 0.985; }
    printf("look-alike pairs with raw cosine >= 0.985: %d of %d\n", alike, pairs);
    CHECK(alike >= pairs / 2);
    emb_knn g;
    emb_dups d;
    run_dups(&x, 2, &g, &d);
    /* recall: every planted copy is a COPY pair with its source and in its copy group */
    int found = 0, grouped = 0, in_copy_group = 0;
    for (int i = NBASE; i < N; i++) {
        int k = 0;
        bool ok = pair_kind(&d, i, src_of[i], &k) && k == EMB_DUP_COPY;
        if (!ok) printf("  copy %d (transform %d) of %d: %s\n", i, (i - NBASE) % NCOPY, src_of[i], k ? emb_dup_kind_name((emb_dup_kind)k) : "not found");
        found += ok;
        grouped += d.group[i] >= 0 && d.group[i] == d.group[src_of[i]] && d.group_kind[d.group[i]] == EMB_DUP_COPY;
        in_copy_group += d.group[i] >= 0 && d.group_kind[d.group[i]] == EMB_DUP_COPY;
    }
    /* precision: no COPY pair between two different items */
    int copy_pairs = 0, false_copies = 0, similar_alike = 0;
    for (int64_t q = 0; q < d.n_pairs; q++) {
        int a = d.pairs[q].a, b = d.pairs[q].b;
        int ra = src_of[a] >= 0 ? src_of[a] : a, rb = src_of[b] >= 0 ? src_of[b] : b;
        if (d.pairs[q].kind == EMB_DUP_COPY) { copy_pairs++; false_copies += ra != rb; }
        else similar_alike += ra != rb;
    }
    /* purity: a copy group holds one family (a source and its copies) */
    int impure = 0;
    for (int64_t gi = 0; gi < d.n_groups; gi++) {
        if (d.group_kind[gi] != EMB_DUP_COPY) continue;
        int f0 = -1;
        for (int64_t a = d.start[gi]; a < d.start[gi + 1]; a++) {
            int i = (int)d.item[a], f = src_of[i] >= 0 ? src_of[i] : i;
            if (f0 < 0) f0 = f;
            impure += f != f0;
        }
    }
    printf("planted: %d/%d copy pairs found, %d in copy groups, %d grouped with their source; %d copy pairs, %d between "
           "different items; %d similar look-alike pairs; copy groups %lld (%lld items), similar groups %lld\n",
           found, N - NBASE, in_copy_group, grouped, copy_pairs, false_copies, similar_alike,
           (long long)d.n_groups_kind[EMB_DUP_COPY], (long long)d.n_items_kind[EMB_DUP_COPY], (long long)d.n_groups_kind[EMB_DUP_SIMILAR]);
    CHECK_EQ(N - NBASE, found);
    /* a copy left out of its family's copy group (not a copy of every member)
     * stays a COPY pair, but is not put in a group of copies */
    CHECK(in_copy_group >= (N - NBASE) * 3 / 4);
    /* complete linkage: a moved copy and a noised copy of one source need not be
     * copies of each other, so a family may split in two copy groups */
    CHECK(grouped >= (N - NBASE) * 3 / 4);
    CHECK_EQ(0, false_copies);
    CHECK_EQ(0, impure);
    CHECK(similar_alike > 0);        /* look-alikes are reported, as similar */
    CHECK(d.n_groups_kind[EMB_DUP_COPY] >= NSRC && d.n_groups_kind[EMB_DUP_COPY] <= 2 * NSRC);
    CHECK_EQ(0, d.n_groups_kind[EMB_DUP_EXACT]);
    CHECK(d.n_groups_kind[EMB_DUP_SIMILAR] > 0);
    /* groups are ordered by kind: copy groups before similar ones */
    for (int64_t gi = 1; gi < d.n_groups; gi++) CHECK(d.group_kind[gi - 1] <= d.group_kind[gi]);
    /* with the copy criterion off, nothing is a copy and the groups are the old ones */
    emb_dups d2;
    emb_dups_params dp = emb_dups_default_params();
    dp.img_w = dp.img_h = W;
    dp.img_c = 1;
    dp.copy_threshold = dp.copy_shift_threshold = 2;
    CHECK(emb_dups_find(&x, &g, NULL, &dp, &d2) == EMB_OK);
    CHECK_EQ(0, d2.n_copy_pairs);
    CHECK_EQ(0, d2.n_groups_kind[EMB_DUP_COPY]);
    emb_dups_free(&d2);

    /* the same at 1 thread: pairs, groups, kinds */
    emb_knn g1;
    emb_dups d1;
    run_dups(&x, 1, &g1, &d1);
    CHECK_EQ(d.n_pairs, d1.n_pairs);
    CHECK_EQ(d.n_groups, d1.n_groups);
    bool same = d.n_pairs == d1.n_pairs;
    for (int64_t q = 0; same && q < d.n_pairs; q++)
        same = d.pairs[q].a == d1.pairs[q].a && d.pairs[q].b == d1.pairs[q].b && d.pairs[q].kind == d1.pairs[q].kind &&
               d.pairs[q].similarity == d1.pairs[q].similarity && d.pairs[q].copy_score == d1.pairs[q].copy_score;
    CHECK(same);
    for (int i = 0; i < N; i++) same &= d.group[i] == d1.group[i] && d.kind[i] == d1.kind[i] && d.similarity[i] == d1.similarity[i];
    CHECK(same);
    emb_dups_free(&d1);
    emb_knn_free(&g1);
    emb_dups_free(&d);
    emb_knn_free(&g);
    emb_matf_free(&x);
}

/* Leakage from pairs in every direction: source in train and copy in test,
 * source in test and copy in train, valid with train and with test; an
 * exact set across three splits; a similar (look-alike) leak counted apart. */
static void test_leakage_directions(void) {
    emb_matf x;
    make_data(&x);
    /* an exact set across three splits: items 105, 108, 109 of design 10 (not a source) */
    memcpy(x.data + 108 * D, x.data + 105 * D, sizeof(float) * D);
    memcpy(x.data + 109 * D, x.data + 105 * D, sizeof(float) * D);
    emb_knn g;
    emb_dups d;
    run_dups(&x, 2, &g, &d);
    emb_dataset *ds = calloc(1, sizeof *ds);
    ds->n = N;
    ds->split = calloc(N, 1);
    for (int i = 0; i < N; i++) ds->split[i] = EMB_SPLIT_TRAIN;
    /* planted families s: source s*PER; copies NBASE + s*4 + c */
    int fam_src_split[6] = {EMB_SPLIT_TRAIN, EMB_SPLIT_TEST, EMB_SPLIT_VALID, EMB_SPLIT_VALID, EMB_SPLIT_TEST, EMB_SPLIT_TRAIN};
    int fam_copy_split[6] = {EMB_SPLIT_TEST, EMB_SPLIT_TRAIN, EMB_SPLIT_TRAIN, EMB_SPLIT_TEST, EMB_SPLIT_VALID, EMB_SPLIT_VALID};
    for (int s = 0; s < 6; s++) {
        ds->split[s * PER] = (uint8_t)fam_src_split[s];
        for (int c = 0; c < NCOPY; c++) ds->split[NBASE + s * NCOPY + c] = (uint8_t)fam_copy_split[s];
    }
    ds->split[105] = EMB_SPLIT_TRAIN;
    ds->split[108] = EMB_SPLIT_VALID;
    ds->split[109] = EMB_SPLIT_TEST;
    emb_leakage lk;
    CHECK(emb_leakage_find(ds, &d, &lk) == EMB_OK);
    /* kinds in summary.json: the headline counts exact + copy, by_kind all three */
    emb_summary *sm = emb_summary_new();
    CHECK(emb_summary_add_duplicates(sm, ds, &d, &lk, 0.985f, 5) == EMB_OK);
    int64_t sure_items = d.n_items_kind[EMB_DUP_EXACT] + d.n_items_kind[EMB_DUP_COPY];
    CHECK_EQ(sure_items, (int64_t)emb_summary_get_number(sm, "duplicates.items_in_groups", -1));
    CHECK_EQ(d.n_groups_kind[EMB_DUP_EXACT] + d.n_groups_kind[EMB_DUP_COPY], (int64_t)emb_summary_get_number(sm, "duplicates.groups", -1));
    CHECK_EQ(d.n_groups_kind[EMB_DUP_SIMILAR], (int64_t)emb_summary_get_number(sm, "duplicates.by_kind.similar.groups", -1));
    CHECK_EQ(1, (int64_t)emb_summary_get_number(sm, "duplicates.by_kind.exact.groups", -1));
    CHECK_EQ(27, (int64_t)emb_summary_get_number(sm, "leakage.pairs", -1));
    CHECK_EQ(9, (int64_t)emb_summary_get_number(sm, "leakage.split_pairs.valid-test", -1));
    emb_summary_free(sm);
    /* kinds in duplicates.csv and leakage.csv */
    char path[700];
    snprintf(path, sizeof path, "%s/dups.csv", check_tmpdir());
    CHECK(emb_dups_write_csv(path, ds, &d) == EMB_OK);
    size_t len = 0;
    char *txt = check_read_text(path);   /* NUL-terminated: the loop below uses strchr */
    int rows_kind[4] = {0};
    if (CHECK(txt != NULL)) {
        CHECK(!strncmp(txt, "group,index,path,split,label,similarity,kind,copy_score,group_kind\n", 67));
        for (char *line = strchr(txt, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
            const char *end = strchr(line + 1, '\n'), *comma = line;
            for (const char *q = line + 1; q < end; q++) if (*q == ',') comma = q;
            for (int k = 1; k <= 3; k++)
                if ((size_t)(end - comma - 1) == strlen(emb_dup_kind_name((emb_dup_kind)k)) &&
                    !strncmp(comma + 1, emb_dup_kind_name((emb_dup_kind)k), (size_t)(end - comma - 1))) rows_kind[k]++;
        }
    }
    free(txt);
    CHECK_EQ(d.n_items_kind[EMB_DUP_EXACT], rows_kind[EMB_DUP_EXACT]);
    CHECK_EQ(d.n_items_kind[EMB_DUP_COPY], rows_kind[EMB_DUP_COPY]);
    CHECK_EQ(d.n_items_kind[EMB_DUP_SIMILAR], rows_kind[EMB_DUP_SIMILAR]);
    snprintf(path, sizeof path, "%s/leakage.csv", check_tmpdir());
    CHECK(emb_leakage_write_csv(path, ds, &d, &lk) == EMB_OK);
    txt = check_read_file(path, &len);
    int lines = 0;
    for (size_t q = 0; txt && q < len; q++) lines += txt[q] == '\n';
    CHECK_EQ(1 + 2 * lk.n_pairs, lines);   /* header + two rows per leak pair */
    free(txt);
    /* every planted copy leaks, in its direction */
    int leaked = 0;
    for (int s = 0; s < 6; s++)
        for (int c = 0; c < NCOPY; c++) {
            int i = NBASE + s * NCOPY + c, hit = 0;
            for (int64_t q = 0; q < lk.n_pairs; q++) {
                const emb_leak_pair *e = &lk.leaks[q];
                if (((e->a == i && e->b == s * PER) || (e->b == i && e->a == s * PER)) && e->kind == EMB_DUP_COPY) hit = 1;
            }
            leaked += hit;
        }
    /* the exact set: 105-108 (train-valid), 105-109 (train-test), 108-109 (valid-test) */
    int ex = 0;
    for (int64_t q = 0; q < lk.n_pairs; q++)
        if (lk.leaks[q].kind == EMB_DUP_EXACT &&
            ((lk.leaks[q].a == 105 && lk.leaks[q].b == 108) || (lk.leaks[q].a == 105 && lk.leaks[q].b == 109) ||
             (lk.leaks[q].a == 108 && lk.leaks[q].b == 109))) ex++;
    printf("leakage: %d of %d planted copies leak as copies, %d of 3 exact pairs; sure %lld (train-test %lld, train-valid %lld, "
           "valid-test %lld), similar %lld\n", leaked, 6 * NCOPY, ex, (long long)lk.n_sure,
           (long long)lk.pairs[EMB_SPLIT_TRAIN][EMB_SPLIT_TEST], (long long)lk.pairs[EMB_SPLIT_TRAIN][EMB_SPLIT_VALID],
           (long long)lk.pairs[EMB_SPLIT_VALID][EMB_SPLIT_TEST], (long long)(lk.n_pairs - lk.n_sure));
    CHECK_EQ(6 * NCOPY, leaked);
    CHECK_EQ(3, ex);
    /* sure pairs per direction: families 0, 1 train-test (8), 2 train-valid (4), 3, 4 valid-test (8), 5 train-valid (4),
     * plus the exact set's 3; copies of one source are copies of one another, in one split, so no more */
    CHECK_EQ(8 + 1, lk.pairs[EMB_SPLIT_TRAIN][EMB_SPLIT_TEST]);
    CHECK_EQ(8 + 1, lk.pairs[EMB_SPLIT_TRAIN][EMB_SPLIT_VALID]);
    CHECK_EQ(8 + 1, lk.pairs[EMB_SPLIT_VALID][EMB_SPLIT_TEST]);
    CHECK_EQ(27, lk.n_sure);
    CHECK(lk.n_pairs > lk.n_sure);   /* look-alikes of the moved sources leak as similar */
    for (int64_t q = 1; q < lk.n_pairs; q++) CHECK(lk.leaks[q - 1].kind <= lk.leaks[q].kind);
    emb_leakage_free(&lk);
    emb_dataset_free(ds);
    emb_dups_free(&d);
    emb_knn_free(&g);
    emb_matf_free(&x);
}

/* Copies moved by 1-2 px with zero fill, of items that fill the frame (the
 * designs' background is 0.4 everywhere): what moves out of the frame is
 * lost, so the shifted cosine over the whole frame falls below the
 * threshold (asserted), and the copy test must take the overlap only (the
 * raw cosine over it, and the signatures' correlation away from the median
 * filter's edges). Items: per design its item 0 (the source), LA
 * look-alikes and the source moved (fewer look-alikes than test_planted's:
 * ten look-alikes of a smooth field sit closer to one another in the
 * centred candidate space than a 2-px move of it does, and crowd the
 * default 10 candidates). Reference: the construction, every moved item a
 * COPY of its source, no COPY between two different items. */
static void test_moved_zero_fill(void) {
    emb_matf base;
    make_data(&base);
    enum { LA = 3, PERM = LA + 2, NX = NDES * PERM };
    static const int mv[NDES][2] = {{2, -1}, {-2, 2}, {0, 2}, {1, -2}, {-1, 0}, {2, 2}, {0, -2}, {-2, -1}, {1, 1}, {2, 0}, {-1, 2}, {-2, -2}};
    emb_matf x;
    emb_matf_alloc(&x, NX, D);
    int full_below = 0;
    for (int s = 0; s < NDES; s++) {
        float *row = x.data + (size_t)s * PERM * D;   /* source, look-alikes, moved copy */
        memcpy(row, base.data + (size_t)s * PER * D, sizeof(float) * (LA + 1) * D);
        const float *a = row;
        float *v = row + (size_t)(LA + 1) * D;
        int dy = mv[s][0], dx = mv[s][1];
        for (int y = 0; y < W; y++)
            for (int xx = 0; xx < W; xx++) {
                int sy = y - dy, sx = xx - dx;
                v[y * W + xx] = sy >= 0 && sy < W && sx >= 0 && sx < W ? a[sy * W + sx] : 0.0f;
            }
        full_below += emb_shifted_cosine(a, v, W, W, 1, 2) < 0.985f;
    }
    printf("moved with zero fill: %d of %d below 0.985 by the whole-frame shifted cosine\n", full_below, NDES);
    CHECK(full_below >= NDES / 2);   /* the case the overlap test is for */
    emb_knn g;
    emb_dups d;
    run_dups(&x, 2, &g, &d);
    int found = 0, false_copies = 0;
    for (int s = 0; s < NDES; s++) {
        int k = 0, src = s * PERM, moved = src + LA + 1;
        bool ok = pair_kind(&d, moved, src, &k) && k == EMB_DUP_COPY;
        if (!ok) printf("  moved copy of %d by (%d, %d): %s\n", src, mv[s][0], mv[s][1], k ? emb_dup_kind_name((emb_dup_kind)k) : "not found");
        found += ok;
    }
    for (int64_t q = 0; q < d.n_pairs; q++) {
        int a = d.pairs[q].a, b = d.pairs[q].b;
        int ra = a % PERM == LA + 1 ? a - LA - 1 : a, rb = b % PERM == LA + 1 ? b - LA - 1 : b;
        false_copies += d.pairs[q].kind == EMB_DUP_COPY && ra != rb;
    }
    printf("moved with zero fill: %d/%d copy pairs found, %d copy pairs between different items\n", found, NDES, false_copies);
    /* the whole-frame test found 0 of 12; one move here (design 1's) is not
     * among its source's 10 candidates in the centred space, which this
     * test does not measure */
    CHECK(found >= NDES - 1);
    CHECK_EQ(0, false_copies);
    emb_dups_free(&d);
    emb_knn_free(&g);
    emb_matf_free(&x);
    emb_matf_free(&base);
}

/* Blurred copies (low-pass filtered, as a resize does): a Gaussian of
 * sigma 0.8 and 1.0 px (edge repeated, radius 3) of each source, written
 * here. Each must be a COPY of its source by the blurred-signature test
 * (and not without it), and still no COPY between two look-alikes. */
static void blur_ref(const float *a, float sigma, float *out) {
    float k[7], sum = 0, tmp[D];
    for (int t = -3; t <= 3; t++) sum += k[t + 3] = expf(-0.5f * (float)(t * t) / (sigma * sigma));
    for (int t = 0; t < 7; t++) k[t] /= sum;
    for (int y = 0; y < W; y++)
        for (int x = 0; x < W; x++) {
            float acc = 0;
            for (int t = -3; t <= 3; t++) { int xx = x + t < 0 ? 0 : x + t >= W ? W - 1 : x + t; acc += k[t + 3] * a[y * W + xx]; }
            tmp[y * W + x] = acc;
        }
    for (int y = 0; y < W; y++)
        for (int x = 0; x < W; x++) {
            float acc = 0;
            for (int t = -3; t <= 3; t++) { int yy = y + t < 0 ? 0 : y + t >= W ? W - 1 : y + t; acc += k[t + 3] * tmp[yy * W + x]; }
            out[y * W + x] = acc;
        }
}

static void test_blurred(void) {
    emb_matf base;
    make_data(&base);
    enum { NB = NBASE + 2 * NSRC };
    emb_matf x;
    emb_matf_alloc(&x, NB, D);
    memcpy(x.data, base.data, sizeof(float) * NBASE * D);
    for (int s = 0; s < NSRC; s++) {
        blur_ref(x.data + (size_t)s * PER * D, 0.8f, x.data + (size_t)(NBASE + 2 * s) * D);
        blur_ref(x.data + (size_t)s * PER * D, 1.0f, x.data + (size_t)(NBASE + 2 * s + 1) * D);
    }
    emb_knn_params kp = emb_knn_default_params();
    kp.k = 15;
    emb_knn g;
    CHECK(emb_knn_build(&x, &kp, &g) == EMB_OK);
    emb_dups_params dp = emb_dups_default_params();
    dp.img_w = dp.img_h = W;
    dp.img_c = 1;
    for (int on = 1; on >= 0; on--) {
        if (!on) dp.copy_blur_threshold = 2;   /* the blurred test off */
        emb_dups d;
        CHECK(emb_dups_find(&x, &g, NULL, &dp, &d) == EMB_OK);
        int found = 0, false_copies = 0;
        for (int s = 0; s < NSRC; s++)
            for (int v = 0; v < 2; v++) {
                int i = NBASE + 2 * s + v, k = 0, a = s * PER, b = i;
                found += pair_kind(&d, a, b, &k) && k == EMB_DUP_COPY;
            }
        for (int64_t q = 0; q < d.n_pairs; q++)
            if (d.pairs[q].kind == EMB_DUP_COPY && d.pairs[q].a < NBASE && d.pairs[q].b < NBASE) false_copies++;
        printf("blurred copies (test %s): %d of %d COPY pairs with their source, %d COPY pairs between look-alikes\n",
               on ? "on" : "off", found, 2 * NSRC, false_copies);
        CHECK_EQ(0, false_copies);
        if (on) CHECK_EQ(2 * NSRC, found);
        else CHECK(found < 2 * NSRC);       /* 14: the smooth designs keep most of their detail */
        emb_dups_free(&d);
    }
    emb_knn_free(&g);
    emb_matf_free(&x);
    emb_matf_free(&base);
}

int main(void) {
    test_planted();
    test_leakage_directions();
    test_moved_zero_fill();
    test_blurred();
    return check_exit();
}

/* test_analysis_unit.c - the analysis stage on small inputs against
 * independent references: duplicate groups against brute force over all
 * pairs (with a group larger than k, so widening must find it, and a chain
 * A~B~C~D~E that must not merge into one group; blobs of 40 copies with
 * k = 4, whose pairs must all be found), the shifted
 * cosine against a direct translation, LOF against scikit-learn's
 * LocalOutlierFactor, the image properties against PIL (CleanVision's
 * formulas; edges over the interior), synthetic dark/bright/blurred/constant images flagged and clean
 * ones not, and `embscope dups` output.
 * ctest-labels: unit
 * ctest-levels: all */
#include "check.h"
#include "core/internal.h"   /* emb__f32_to_f16 */
#include "neighbors/neighbors.h"
#include "embscope.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void normal_rows(emb_rng *r, float *x, int n, int d) {
    for (int i = 0; i < n * d; i++) x[i] = (float)emb_rng_normal(r);
}

static double cos_rows(const float *x, int d, int i, int j) {
    double s = 0, a = 0, b = 0;
    for (int t = 0; t < d; t++) { s += (double)x[i * d + t] * x[j * d + t]; a += (double)x[i * d + t] * x[i * d + t]; b += (double)x[j * d + t] * x[j * d + t]; }
    return s / sqrt(a * b);
}

typedef struct { double s; int i, j; } ref_pair;
static int cmp_ref_pair(const void *x, const void *y) {
    const ref_pair *a = x, *b = y;
    return a->s != b->s ? (a->s > b->s ? -1 : 1) : a->i != b->i ? a->i - b->i : a->j - b->j;
}

/* Reference grouping from all N^2 cosines: pairs >= thr by descending
 * cosine; two groups merge when every cross pair is >= thr (complete
 * linkage cut at thr). grp[i] = smallest member of i's group. */
static void ref_groups(const float *x, int n, int d, double thr, int *grp) {
    ref_pair *pr = malloc(sizeof *pr * (size_t)n * n);
    int np = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double c = cos_rows(x, d, i, j);
            if (c >= thr) pr[np++] = (ref_pair){c, i, j};
        }
    qsort(pr, (size_t)np, sizeof *pr, cmp_ref_pair);
    for (int i = 0; i < n; i++) grp[i] = i;
    for (int q = 0; q < np; q++) {
        int gi = grp[pr[q].i], gj = grp[pr[q].j];
        if (gi == gj) continue;
        bool ok = true;
        for (int u = 0; u < n && ok; u++)
            for (int v = 0; v < n && ok; v++)
                if (grp[u] == gi && grp[v] == gj) ok = cos_rows(x, d, u, v) >= thr;
        if (!ok) continue;
        int lo = gi < gj ? gi : gj, hi = gi < gj ? gj : gi;
        for (int u = 0; u < n; u++) if (grp[u] == hi) grp[u] = lo;
    }
    free(pr);
}

/* The kNN graph of x (k neighbours, default method) and its duplicates at thr. */
static void knn_and_dups(const emb_matf *x, int k, float thr, emb_knn *g, emb_dups *d) {
    emb_knn_params kp = emb_knn_default_params();
    kp.k = k;
    CHECK(emb_knn_build(x, &kp, g) == EMB_OK);
    emb_dups_params dp = emb_dups_default_params();
    dp.threshold = thr;
    CHECK(emb_dups_find(x, g, NULL, &dp, d) == EMB_OK);
}

static void test_dups_brute_force(void) {
    enum { N = 300, D = 16, K = 3 };
    emb_rng r;
    emb_rng_seed(&r, 1);
    emb_matf x;
    emb_matf_alloc(&x, N, D);
    normal_rows(&r, x.data, N, D);
    for (int i = 1; i < 12; i++)   /* a group of 12 (> k): jittered copies of row 0 */
        for (int t = 0; t < D; t++) x.data[i * D + t] = x.data[t] + 0.01f * (float)emb_rng_normal(&r);
    for (int t = 0; t < D; t++) { x.data[20 * D + t] = x.data[21 * D + t]; x.data[22 * D + t] = x.data[21 * D + t]; }  /* exact */
    for (int t = 0; t < D; t++) x.data[30 * D + t] = 2.0f * x.data[31 * D + t] + 0.02f * (float)emb_rng_normal(&r);  /* near, scaled */
    /* a chain A~B~C~D~E (rows 40..44) on an arc: neighbours at cosine 0.998,
     * 0.996, 0.994, 0.992 (>= 0.99), two steps apart below 0.99. Union-find
     * would make one group of 5; copies of one image are {A, B}, {C, D}. */
    {
        float u[D], v[D];
        double nu = 0, uv = 0, nv = 0;
        for (int t = 0; t < D; t++) { u[t] = (float)emb_rng_normal(&r); v[t] = (float)emb_rng_normal(&r); }
        for (int t = 0; t < D; t++) nu += (double)u[t] * u[t];
        for (int t = 0; t < D; t++) u[t] /= (float)sqrt(nu);
        for (int t = 0; t < D; t++) uv += (double)u[t] * v[t];
        for (int t = 0; t < D; t++) v[t] -= (float)uv * u[t];
        for (int t = 0; t < D; t++) nv += (double)v[t] * v[t];
        for (int t = 0; t < D; t++) v[t] /= (float)sqrt(nv);
        const double step[4] = {0.998, 0.996, 0.994, 0.992};
        double phi = 0;
        for (int c = 0; c < 5; c++) {
            if (c) phi += acos(step[c - 1]);
            for (int t = 0; t < D; t++) x.data[(40 + c) * D + t] = (float)(3.0 * (cos(phi) * u[t] + sin(phi) * v[t]));
        }
    }
    CHECK(cos_rows(x.data, D, 40, 41) >= 0.99 && cos_rows(x.data, D, 41, 42) >= 0.99);
    CHECK(cos_rows(x.data, D, 40, 42) < 0.99 && cos_rows(x.data, D, 42, 44) < 0.99);
    emb_knn g;
    emb_dups d;
    knn_and_dups(&x, K, 0.99f, &g, &d);
    int grp[N];
    ref_groups(x.data, N, D, 0.99, grp);
    int agree = 1, in_groups = 0, clique = 1;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            bool ref = grp[i] == grp[j];
            bool got = i == j || (d.group[i] >= 0 && d.group[i] == d.group[j]);
            agree &= ref == got;
            if (i != j && got) clique &= cos_rows(x.data, D, i, j) >= 0.99;
        }
    for (int i = 0; i < N; i++) in_groups += d.group[i] >= 0;
    CHECK(agree);
    CHECK(clique);   /* every two members of a group are duplicates */
    CHECK_EQ(12 + 3 + 2 + 4, in_groups);
    CHECK_EQ(5, d.n_groups);
    /* the chain: {A, B} and {C, D}; E alone; A and C never together */
    CHECK(d.group[40] >= 0 && d.group[40] == d.group[41]);
    CHECK(d.group[42] >= 0 && d.group[42] == d.group[43] && d.group[42] != d.group[40]);
    CHECK_EQ(-1, d.group[44]);
    CHECK_EQ(2, d.n_unmerged_pairs);   /* B~C and D~E */
    CHECK(d.n_widened >= 1);
    CHECK_EQ(2, d.n_exact_extra);
    CHECK_EQ(20, d.exact_root[22]);
    CHECK_EQ(20, d.exact_root[21]);
    CHECK_EQ(2, (d.kind[20] == EMB_DUP_EXACT) + (d.kind[21] == EMB_DUP_EXACT) + (d.kind[22] == EMB_DUP_EXACT));
    /* each group: representative first with similarity 1, members >= 0.99 to it */
    for (int64_t gi = 0; gi < d.n_groups; gi++) {
        CHECK_CLOSE(1.0, d.similarity[d.item[d.start[gi]]], 0, 1e-6);
        for (int64_t a = d.start[gi] + 1; a < d.start[gi + 1]; a++) CHECK(d.similarity[d.item[a]] >= 0.99f);
    }
    emb_dups_free(&d);
    emb_knn_free(&g);
    emb_matf_free(&x);
}

/* Widening through the graph: blobs of 40 jittered copies each (far more
 * than k = 4), 1,000 background rows. Every pair of the blob is >= the
 * threshold, so the range search must reach all of a blob from the rows of
 * the members it finds: the pairs must be exactly brute force's. */
static void test_dups_widen_blobs(void) {
    enum { NB = 5, M = 40, BG = 1000, N = NB * M + BG, D = 24, K = 4 };
    emb_rng r;
    emb_rng_seed(&r, 7);
    emb_matf x;
    emb_matf_alloc(&x, N, D);
    normal_rows(&r, x.data, N, D);
    for (int b = 0; b < NB; b++)
        for (int m = 1; m < M; m++)
            for (int t = 0; t < D; t++)
                x.data[(b * M + m) * D + t] = x.data[b * M * D + t] + 0.03f * (float)emb_rng_normal(&r);
    emb_knn g;
    emb_dups d;
    knn_and_dups(&x, K, 0.99f, &g, &d);
    int64_t ref = 0, got_ok = 0;
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++) ref += cos_rows(x.data, D, i, j) >= 0.99;
    for (int64_t a = 0; a < d.n_pairs; a++) got_ok += cos_rows(x.data, D, d.pairs[a].a, d.pairs[a].b) >= 0.99 - 1e-6;
    CHECK(ref >= NB * M * (M - 1) / 2);
    CHECK_EQ(ref, d.n_pairs);
    CHECK_EQ(d.n_pairs, got_ok);
    CHECK(d.n_widened >= NB);
    CHECK_EQ(0, d.n_widen_truncated);
    printf("widen blobs: %lld pairs (brute force %lld), %lld widened\n", (long long)d.n_pairs, (long long)ref, (long long)d.n_widened);
    emb_dups_free(&d);
    emb_knn_free(&g);
    emb_matf_free(&x);
}

/* Pixel vectors with shifts: B = A moved 1 px (shifted cosine 1) joins A's
 * group, the pair marked shifted; C = A moved 1 px plus noise, shifted cosine between
 * threshold and shift_threshold (and plain cosine below threshold), stays out. */
static void test_dups_shift_threshold(void) {
    enum { N = 60, W = 12, D = W * W };
    emb_rng r;
    emb_rng_seed(&r, 11);
    emb_matf x;
    emb_matf_alloc(&x, N, D);
    memset(x.data, 0, sizeof(float) * N * D);
    for (int i = 0; i < N; i++)
        for (int y = 2; y < W - 2; y++)
            for (int c = 2; c < W - 2; c++) x.data[i * D + y * W + c] = (float)emb_rng_uniform(&r);
    float *A = x.data, *B = x.data + D, *C = x.data + 2 * D;
    for (int y = 0; y < W; y++)
        for (int c = 1; c < W; c++) { B[y * W + c] = A[y * W + c - 1]; C[y * W + c] = A[y * W + c - 1]; }
    for (int y = 0; y < W; y++) B[y * W] = C[y * W] = 0;
    /* noise on C until its shifted cosine to A is in [0.986, 0.994] */
    float sc = 1;
    for (int it = 0; it < 200 && !(sc >= 0.986f && sc <= 0.994f); it++) {
        for (int y = 3; y < W - 1; y++)
            for (int c = 3; c < W - 1; c++) C[y * W + c] = A[y * W + c - 1] + (float)(0.04 * (1 + it / 10) * emb_rng_normal(&r));
        sc = emb_shifted_cosine(A, C, W, W, 1, 2);
    }
    CHECK(sc >= 0.986f && sc <= 0.994f);
    CHECK(cos_rows(x.data, D, 0, 2) < 0.985);
    CHECK_CLOSE(1.0, emb_shifted_cosine(A, B, W, W, 1, 2), 0, 1e-5);
    emb_knn g;
    emb_knn_params kp = emb_knn_default_params();
    kp.k = 5;
    CHECK(emb_knn_build(&x, &kp, &g) == EMB_OK);
    emb_dups_params dp = emb_dups_default_params();
    dp.img_w = dp.img_h = W;
    dp.img_c = 1;
    emb_dups d;
    CHECK(emb_dups_find(&x, &g, NULL, &dp, &d) == EMB_OK);
    CHECK(d.group[0] >= 0 && d.group[0] == d.group[1]);
    /* the pair was matched by a translation (kinds are exact / copy / similar now) */
    int found01 = 0;
    for (int64_t q = 0; q < d.n_pairs; q++) found01 += d.pairs[q].a == 0 && d.pairs[q].b == 1 && d.pairs[q].shifted;
    CHECK_EQ(1, found01);
    CHECK(d.kind[0] != EMB_DUP_EXACT && d.kind[1] != EMB_DUP_EXACT);
    CHECK_EQ(-1, d.group[2]);
    CHECK_EQ(1, d.n_groups);
    emb_dups_free(&d);
    /* with shift_threshold at the threshold, C is similar to A: with the copy
     * kind off, C joins A's group; with it on, A and B are a sure group of
     * copies, which a merely similar item does not join (the pair A~C is kept) */
    dp.shift_threshold = dp.threshold;
    CHECK(emb_dups_find(&x, &g, NULL, &dp, &d) == EMB_OK);
    CHECK(d.group[0] >= 0 && d.group_kind[d.group[0]] == EMB_DUP_COPY);
    CHECK_EQ(-1, d.group[2]);
    int found02 = 0;
    for (int64_t q = 0; q < d.n_pairs; q++) found02 += d.pairs[q].a == 0 && d.pairs[q].b == 2 && d.pairs[q].kind == EMB_DUP_SIMILAR;
    CHECK_EQ(1, found02);
    emb_dups_free(&d);
    dp.copy_threshold = dp.copy_shift_threshold = 2;
    CHECK(emb_dups_find(&x, &g, NULL, &dp, &d) == EMB_OK);
    CHECK(d.group[2] >= 0 && d.group[2] == d.group[0]);
    emb_dups_free(&d);
    emb_knn_free(&g);
    emb_matf_free(&x);
}

static void test_shifted_cosine(void) {
    enum { W = 9, H = 7 };
    emb_rng r;
    emb_rng_seed(&r, 2);
    float a[W * H], b[W * H];
    for (int i = 0; i < W * H; i++) a[i] = (float)emb_rng_uniform(&r);
    /* b = a moved down 1, left 2, zero fill: best shift recovers the overlap */
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int sy = y - 1, sx = x + 2;
            b[y * W + x] = sy >= 0 && sx < W ? a[sy * W + sx] : 0;
        }
    double s = 0, na = 0, nb = 0;
    for (int i = 0; i < W * H; i++) { s += b[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
    double expect = s / sqrt(na * nb);   /* overlap dot = |b|^2 */
    CHECK_CLOSE(expect, emb_shifted_cosine(a, b, W, H, 1, 2), 1e-5, 1e-6);
    CHECK(emb_shifted_cosine(a, b, W, H, 1, 1) < expect - 1e-3);  /* shift 2 needed */
}

static void test_lof_sklearn(void) {
    enum { N = 200, D = 3, K = 10 };
    emb_rng r;
    emb_rng_seed(&r, 3);
    emb_matf x;
    emb_matf_alloc(&x, N, D);
    normal_rows(&r, x.data, N, D);
    for (int t = 0; t < D; t++) x.data[(N - 1) * D + t] = 6.0f;
    char path[512];
    snprintf(path, sizeof path, "%s/lof.npy", check_tmpdir());
    CHECK(emb_npy_write_f32(path, x.data, N, D) == EMB_OK);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s -c \"import numpy as np; from sklearn.neighbors import LocalOutlierFactor as L; "
             "x=np.load('%s').astype(np.float64); m=L(n_neighbors=%d, algorithm='brute').fit(x); "
             "print(' '.join('%%.6f'%%v for v in -m.negative_outlier_factor_))\"", check_python(), path, K);
    int status;
    char *out = check_run(cmd, &status);
    if (!CHECK(status == 0 && out /* the scikit-learn LOF reference ran */)) { free(out); emb_matf_free(&x); return; }
    emb_knn g;
    CHECK(emb_knn_exact_naive(&x, K, EMB_METRIC_EUCLIDEAN, &g) == EMB_OK);
    float score[N], pct[N], ref[N];
    CHECK(emb_outliers_score(&g, EMB_OUTLIER_LOF, score, pct) == EMB_OK);
    char *s = out;
    for (int i = 0; i < N; i++) ref[i] = strtof(s, &s);
    CHECK_CLOSE_F32(ref, score, N, 1e-4, 1e-5);
    CHECK_CLOSE(100.0 * (N - 1) / N, pct[N - 1], 1e-6, 1e-4);
    free(out);
    emb_knn_free(&g);
    emb_matf_free(&x);
}

/* Synthetic images written as PNG into DIR/<class>/, opened as a folder dataset. */
static void put_png(const char *dir, const char *name, const uint8_t *rgb, int w, int h, int ch) {
    unsigned char *png;
    size_t len;
    uint8_t *px = malloc((size_t)w * h * ch);
    for (int i = 0; i < w * h; i++)
        for (int c = 0; c < ch; c++) px[i * ch + c] = rgb[i * 3 + c];
    CHECK(emb_image_encode_png(px, w, h, ch, &png, &len) == EMB_OK);
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    CHECK(check_write_file(p, png, len));
    free(png);
    free(px);
}

static void test_image_checks(void) {
    enum { W = 64, H = 56 };
    char dir[512];
    snprintf(dir, sizeof dir, "%s/imgs/a", check_tmpdir());
    CHECK(emb_mkdirs(dir) == EMB_OK);
    emb_rng r;
    emb_rng_seed(&r, 4);
    uint8_t *img = malloc(W * H * 3), *tmp = malloc(W * H * 3);
    /* clean: a colour texture of random blocks with sharp edges */
    for (int k = 0; k < 4; k++) {
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                for (int c = 0; c < 3; c++)
                    img[(y * W + x) * 3 + c] = (uint8_t)((((x / 6 + k) * 37 + (y / 5) * 91 + c * 53) % 251) ^ (uint8_t)emb_rng_below(&r, 32));
        char nm[32];
        snprintf(nm, sizeof nm, "clean%d.png", k);
        put_png(dir, nm, img, W, H, 3);
    }
    /* blurred: the clean texture box-blurred (radius 6) */
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int c = 0; c < 3; c++) {
                int s = 0, m = 0;
                for (int dy = -6; dy <= 6; dy++)
                    for (int dx = -6; dx <= 6; dx++) {
                        int yy = y + dy, xx = x + dx;
                        if (yy >= 0 && yy < H && xx >= 0 && xx < W) { s += img[(yy * W + xx) * 3 + c]; m++; }
                    }
                tmp[(y * W + x) * 3 + c] = (uint8_t)(s / m);
            }
    put_png(dir, "blurred.png", tmp, W, H, 3);
    for (int i = 0; i < W * H * 3; i++) tmp[i] = img[i] / 8;           /* dark */
    put_png(dir, "dark.png", tmp, W, H, 3);
    for (int i = 0; i < W * H * 3; i++) tmp[i] = (uint8_t)(250 + img[i] % 6);  /* bright */
    put_png(dir, "light.png", tmp, W, H, 3);
    for (int i = 0; i < W * H * 3; i++) tmp[i] = 128;                  /* constant */
    put_png(dir, "constant.png", tmp, W, H, 3);
    put_png(dir, "gray.png", img, W, H, 1);                            /* grayscale */
    free(img);
    free(tmp);
    char root[512];
    snprintf(root, sizeof root, "%s/imgs", check_tmpdir());
    emb_dataset *ds;
    CHECK(emb_dataset_open(root, NULL, &ds) == EMB_OK);
    emb_image_issues q;
    CHECK(emb_image_issues_find(ds, 0, &q) == EMB_OK);
    for (int64_t i = 0; i < ds->n; i++) {
        const char *b = strrchr(ds->path[i], '/') + 1;
        uint32_t is = q.issues[i];
        printf("%-14s issues 0x%02x dark %.3f light %.3f lowinfo %.3f blurry %.3f\n", b, is, q.dark_score[i],
               q.light_score[i], q.low_info_score[i], q.blurry_score[i]);
        if (!strncmp(b, "clean", 5)) CHECK_EQ(0, is);
        if (!strcmp(b, "dark.png")) CHECK(is & EMB_IMG_DARK);
        if (!strcmp(b, "light.png")) CHECK(is & EMB_IMG_LIGHT);
        if (!strcmp(b, "blurred.png")) CHECK_EQ(EMB_IMG_BLURRY, is);
        if (!strcmp(b, "constant.png")) CHECK((is & EMB_IMG_LOW_INFO) && (is & EMB_IMG_BLURRY));
        if (!strcmp(b, "gray.png")) CHECK(is & EMB_IMG_GRAYSCALE);
    }
    /* properties against PIL with CleanVision's formulas */
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "%s -c \"\nimport numpy as np, glob, os\nfrom PIL import Image, ImageFilter, ImageStat\n"
             "for p in sorted(glob.glob('%s/a/*.png')):\n"
             "  im=Image.open(p); a=np.asarray(im).astype(int)\n"
             "  b=a/255.0 if a.ndim==2 else np.sqrt(0.241*a[:,:,0]**2+0.691*a[:,:,1]**2+0.068*a[:,:,2]**2)/255\n"
             "  e=im.convert('L').filter(ImageFilter.FIND_EDGES)\n"
             "  print(os.path.basename(p), np.percentile(b,99), np.percentile(b,5), im.entropy(), np.asarray(e)[1:-1,1:-1].astype(float).std())\n\"",
             check_python(), root);
    int status;
    char *out = check_run(cmd, &status);
    if (status == 0 && out) {
        char *line = strtok(out, "\n");
        int rows = 0;
        while (line) {
            char name[64];
            float p99, p5, ent, blur;
            if (sscanf(line, "%63s %f %f %f %f", name, &p99, &p5, &ent, &blur) == 5)
                for (int64_t i = 0; i < ds->n; i++)
                    if (!strcmp(strrchr(ds->path[i], '/') + 1, name)) {
                        const emb_image_props *pp = &q.props[i];
                        CHECK_CLOSE(p99, pp->brightness_p99, 1e-4, 1e-4);
                        CHECK_CLOSE(p5, pp->brightness_p5, 1e-4, 1e-4);
                        CHECK_CLOSE(ent, pp->entropy, 1e-4, 1e-4);
                        if (W <= 64 && H <= 64) CHECK_CLOSE(blur, pp->blurriness, 1e-3, 1e-3);
                        rows++;
                    }
            line = strtok(NULL, "\n");
        }
        CHECK_EQ(ds->n, rows);
    } else CHECK(!"the PIL image property reference did not run");
    free(out);
    emb_image_issues_free(&q);
    emb_dataset_free(ds);
}

static void test_cli_dups(void) {
    enum { N = 50, D = 8 };
    emb_rng r;
    emb_rng_seed(&r, 5);
    float x[N * D];
    normal_rows(&r, x, N, D);
    memcpy(x + 7 * D, x + 3 * D, sizeof(float) * D);
    char vp[600], cmd[2048], csvp[600];
    snprintf(vp, sizeof vp, "%s/v.npy", check_tmpdir());
    CHECK(emb_npy_write_f32(vp, x, N, D) == EMB_OK);
    snprintf(cmd, sizeof cmd, "%s dups %s -k 5 -o %s/dout --quiet", EMB_BIN, vp, check_tmpdir());
    int status;
    free(check_run(cmd, &status));
    CHECK_EQ(0, status);
    snprintf(csvp, sizeof csvp, "cat %s/dout/duplicates.csv", check_tmpdir());
    char *txt = check_run(csvp, &status);
    CHECK(txt != NULL);
    if (txt) {
        CHECK_CONTAINS(txt, "group,index,path,split,label,similarity,kind,copy_score,group_kind\n0,3,");
        CHECK_CONTAINS(txt, "0,7,,,,1.000000,exact,1.000000,exact");
    }
    free(txt);
}

/* `embscope dups --storage f16` on a float16 file reads the half rows as
 * they are; the groups and kinds are those of the widened run (default
 * storage), and of a brute-force count of the pairs at the threshold. 600
 * rows of 64: 40 planted near copies (cosine ~0.9995) and 20 exact ones. */
static void test_cli_dups_f16(void) {
    enum { N = 600, D = 64 };
    emb_rng r;
    emb_rng_seed(&r, 11);
    float *x = malloc(sizeof(float) * N * D), *w = malloc(sizeof(float) * N * D);
    uint16_t *h = malloc(sizeof(uint16_t) * N * D);
    normal_rows(&r, x, N, D);
    for (int i = 0; i < 60; i++)
        for (int j = 0; j < D; j++) x[(300 + i) * D + j] = x[i * D + j] + (i < 40 ? 0.03f * (float)emb_rng_normal(&r) : 0.0f);
    for (int i = 0; i < N * D; i++) { h[i] = emb__f32_to_f16(x[i]); w[i] = emb__f16_to_f32(h[i]); }
    int64_t pairs = 0;   /* brute force on the values the file holds */
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++) {
            double s = 0, a = 0, b = 0;
            for (int t = 0; t < D; t++) { s += (double)w[i * D + t] * w[j * D + t]; a += (double)w[i * D + t] * w[i * D + t]; b += (double)w[j * D + t] * w[j * D + t]; }
            pairs += s / sqrt(a * b) >= 0.985;
        }
    CHECK_EQ(60, pairs);
    char vp[600], cmd[2048];
    snprintf(vp, sizeof vp, "%s/vh.npy", check_tmpdir());
    int64_t shape[2] = {N, D};
    CHECK(emb_npy_write(vp, EMB_DT_F16, h, 2, shape) == EMB_OK);
    char *csv[2] = {NULL, NULL};
    for (int m = 0; m < 2; m++) {
        int status;
        snprintf(cmd, sizeof cmd, "%s dups %s -k 10 -o %s/dh%d --threads 2 %s 2>&1", EMB_BIN, vp, check_tmpdir(), m,
                 m ? "--storage f16" : "");
        char *o = check_run(cmd, &status);
        CHECK_EQ(0, status);
        if (m) CHECK_CONTAINS(o ? o : "", "float16 rows kept in half precision");
        free(o);
        /* group, index, kind, group kind: columns 1, 2, 7, 9 */
        snprintf(cmd, sizeof cmd, "cut -d, -f1,2,7,9 %s/dh%d/duplicates.csv", check_tmpdir(), m);
        csv[m] = check_run(cmd, &status);
    }
    if (CHECK(csv[0] && csv[1])) {
        CHECK(strcmp(csv[0], csv[1]) == 0);
        int rows = 0, exact = 0;
        for (const char *p = csv[1]; (p = strchr(p, '\n')); p++) rows++;
        for (const char *p = csv[1]; (p = strstr(p, ",exact,")); p++) exact++;
        printf("dups --storage f16: %d rows in groups (60 pairs planted), %d exact, same as widened: %d\n", rows - 1, exact,
               strcmp(csv[0], csv[1]) == 0);
        CHECK_EQ(120, rows - 1);   /* header excluded: 60 groups of two */
        CHECK_EQ(20, exact);       /* the copy row of each exact pair */
    }
    free(csv[0]); free(csv[1]);
    free(x); free(w); free(h);
}

int main(void) {
    test_dups_brute_force();
    test_dups_widen_blobs();
    test_dups_shift_threshold();
    test_shifted_cosine();
    test_lof_sklearn();
    test_image_checks();
    test_cli_dups();
    test_cli_dups_f16();
    return check_exit();
}

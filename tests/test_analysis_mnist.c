/* test_analysis_mnist.c - evaluation of the analysis stage with ground truth
 * planted in the MNIST test set (10,000 digits): 200 exact copies, 200 near
 * copies (Gaussian noise sigma 0.05, brightness x1.1, both), 100 copies
 * shifted by 1 px, 300 labels flipped, 50 uniform-noise images; every 4th
 * copy is placed in the train split (leakage). Noise images: salt noise. References: exact duplicates
 * by brute-force byte comparison of the images; the rest by construction.
 * ctest-labels: slow */
#include "check.h"
#include "embscope.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_EXACT 200
#define N_NEAR 200
#define N_SHIFT 100
#define N_FLIP 300
#define N_NOISE 50
#define D 784

static emb_dataset *ds_g;
static int cmp_img(const void *a, const void *b) {
    int64_t i = *(const int64_t *)a, j = *(const int64_t *)b;
    int c = memcmp(ds_g->pixels + i * D, ds_g->pixels + j * D, D);
    return c ? c : (i < j ? -1 : i > j);
}

static uint8_t clip_u8(double v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lrint(v)); }

int main(void) {
    emb_idx im = {0}, lb = {0};
    if (emb_idx_load(TEST_DATA "/mnist/t10k-images-idx3-ubyte.gz", &im) ||
        emb_idx_load(TEST_DATA "/mnist/t10k-labels-idx1-ubyte.gz", &lb)) {
        fprintf(stderr, "FAIL: MNIST test set not found under %s\n", TEST_DATA "/mnist");
        return 1;
    }
    int64_t n0 = im.dims[0];
    int64_t n = n0 + N_EXACT + N_NEAR + N_SHIFT + N_NOISE;
    emb_dataset *ds = calloc(1, sizeof *ds);
    ds->source = EMB_SOURCE_IDX;
    ds->n = n;
    ds->img_w = ds->img_h = 28;
    ds->pixels = malloc((size_t)n * D);
    ds->path = calloc((size_t)n, sizeof(char *));
    ds->split = calloc((size_t)n, 1);
    ds->label = calloc((size_t)n, sizeof(int32_t));
    ds->n_classes = 10;
    ds->class_names = calloc(10, sizeof(char *));
    for (int c = 0; c < 10; c++) { ds->class_names[c] = malloc(12); snprintf(ds->class_names[c], 12, "%d", c); }
    memcpy(ds->pixels, im.data, (size_t)n0 * D);
    int64_t *src = malloc(sizeof(int64_t) * (size_t)n);      /* family: source of a copy, else itself */
    int32_t *true_label = malloc(sizeof(int32_t) * (size_t)n);
    uint8_t *kind = calloc((size_t)n, 1);                   /* 1 exact 2 near 3 shifted 4 noise */
    for (int64_t i = 0; i < n0; i++) { ds->label[i] = true_label[i] = lb.data[i]; src[i] = i; ds->split[i] = EMB_SPLIT_TEST; }
    emb_rng rng;
    emb_rng_seed(&rng, 7);
    int64_t *perm = malloc(sizeof(int64_t) * (size_t)n0);
    for (int64_t i = 0; i < n0; i++) perm[i] = i;
    for (int64_t i = n0 - 1; i > 0; i--) { int64_t j = emb_rng_below(&rng, (uint32_t)i + 1), t = perm[i]; perm[i] = perm[j]; perm[j] = t; }
    int64_t p = 0, at = n0, n_train_copies = 0;
    for (int t = 0; t < N_EXACT + N_NEAR + N_SHIFT; t++, at++) {
        int64_t s = perm[p++];
        const uint8_t *a = ds->pixels + s * D;
        uint8_t *b = ds->pixels + at * D;
        src[at] = s;
        ds->label[at] = true_label[at] = ds->label[s];
        if (t < N_EXACT) { memcpy(b, a, D); kind[at] = 1; }
        else if (t < N_EXACT + N_NEAR) {
            int v = t % 3;  /* 0 noise, 1 brightness, 2 both */
            for (int q = 0; q < D; q++) {
                double x = a[q] / 255.0;
                if (v >= 1) x *= 1.1;
                if (v != 1) x += 0.05 * emb_rng_normal(&rng);
                b[q] = clip_u8(x * 255.0);
            }
            kind[at] = 2;
        } else {
            int dir = t % 4, dy = dir == 0 ? 1 : dir == 1 ? -1 : 0, dx = dir == 2 ? 1 : dir == 3 ? -1 : 0;
            for (int y = 0; y < 28; y++)
                for (int x = 0; x < 28; x++) {
                    int sy = y - dy, sx = x - dx;
                    b[y * 28 + x] = sy >= 0 && sy < 28 && sx >= 0 && sx < 28 ? a[sy * 28 + sx] : 0;
                }
            kind[at] = 3;
        }
        ds->split[at] = t % 4 == 0 ? EMB_SPLIT_TRAIN : EMB_SPLIT_TEST;
        n_train_copies += t % 4 == 0;
    }
    for (int t = 0; t < N_NOISE; t++, at++) {
        /* salt noise: 10% of the pixels at random levels. (Dense uniform noise
         * images are 0.75-cosine alike: 50 of them form a cluster larger
         * than k that no kNN-based score can call outlying.) */
        for (int q = 0; q < D; q++) ds->pixels[at * D + q] = emb_rng_below(&rng, 10) == 0 ? (uint8_t)emb_rng_below(&rng, 256) : 0;
        src[at] = at;
        ds->label[at] = true_label[at] = (int32_t)emb_rng_below(&rng, 10);
        ds->split[at] = EMB_SPLIT_TEST;
        kind[at] = 4;
    }
    uint8_t *flipped = calloc((size_t)n, 1);
    for (int t = 0; t < N_FLIP; t++) {
        int64_t s = perm[p++];
        ds->label[s] = (ds->label[s] + 1 + (int32_t)emb_rng_below(&rng, 9)) % 10;
        flipped[s] = 1;
    }
    for (int64_t i = 0; i < n; i++) { ds->path[i] = malloc(32); snprintf(ds->path[i], 32, "mnist#%lld", (long long)i); }

    emb_embedding e = {0};
    emb_skipped sk = {0};
    CHECK(emb_pixels_embed(ds, NULL, &e, &sk) == EMB_OK);
    CHECK(emb_dataset_apply_embedding(ds, &e) == EMB_OK);   /* ds->pixel_hash for the exact duplicates */
    emb_matf x = e.vectors;
    memset(&e.vectors, 0, sizeof e.vectors);
    emb_embedding_free(&e);
    emb_knn g = {0};
    emb_knn_params kp = emb_knn_default_params();
    double t0 = emb_now();
    CHECK(emb_knn_build(&x, &kp, &g) == EMB_OK);
    double t_knn = emb_now() - t0;

    /* ---- duplicates */
    emb_dups_params dp = emb_dups_default_params();
    dp.img_w = dp.img_h = 28;
    dp.img_c = 1;
    emb_dups d;
    t0 = emb_now();
    CHECK(emb_dups_find(&x, &g, ds, &dp, &d) == EMB_OK);
    double t_dups = emb_now() - t0;
    /* exact: brute-force byte comparison of the sorted images */
    ds_g = ds;
    int64_t *ord = malloc(sizeof(int64_t) * (size_t)n), *ref_root = malloc(sizeof(int64_t) * (size_t)n);
    for (int64_t i = 0; i < n; i++) ord[i] = i;
    qsort(ord, (size_t)n, sizeof(int64_t), cmp_img);
    for (int64_t r = 0; r < n; r++)
        ref_root[ord[r]] = r > 0 && !memcmp(ds->pixels + ord[r] * D, ds->pixels + ord[r - 1] * D, D) ? ref_root[ord[r - 1]] : ord[r];
    int64_t tp = 0, fp = 0, fn = 0, ref_extra = 0;
    for (int64_t i = 0; i < n; i++) {
        bool ref_dup = ref_root[i] != i, got_dup = d.exact_root[i] != i;
        ref_extra += ref_dup;
        if (got_dup && ref_dup && d.exact_root[i] == ref_root[i]) tp++;
        else { fp += got_dup; fn += ref_dup; }
    }
    printf("exact: reference %lld copies, found %lld (tp %lld fp %lld fn %lld)\n", (long long)ref_extra,
           (long long)d.n_exact_extra, (long long)tp, (long long)fp, (long long)fn);
    CHECK(ref_extra >= N_EXACT);
    CHECK_EQ(ref_extra, tp);  /* recall 1 */
    CHECK_EQ(0, fp);          /* precision 1 */
    /* near and shifted: recall = copy grouped with its source; precision over
     * the pairs reported (both ends of one planted family) */
    int64_t rec[4] = {0}, tot[4] = {0};
    float min_cos_near = 1;
    for (int64_t i = n0; i < n; i++) {
        if (kind[i] < 1 || kind[i] > 3) continue;
        tot[kind[i]]++;
        rec[kind[i]] += d.group[i] >= 0 && d.group[i] == d.group[src[i]];
        if (kind[i] == 2) {
            const float *a = x.data + i * D, *b = x.data + src[i] * D;
            double s = 0, na = 0, nb = 0;
            for (int q = 0; q < D; q++) { s += a[q] * b[q]; na += a[q] * a[q]; nb += b[q] * b[q]; }
            float c = (float)(s / sqrt(na * nb));
            if (c < min_cos_near) min_cos_near = c;
        }
    }
    int64_t pk[4] = {0}, pk_ok[4] = {0};
    for (int64_t a = 0; a < d.n_pairs; a++) {
        int k = d.pairs[a].kind;
        pk[k]++;
        pk_ok[k] += src[d.pairs[a].a] == src[d.pairs[a].b];
    }
    double rec_near = (double)rec[2] / tot[2], rec_shift = (double)rec[3] / tot[3];
    /* pairs by kind (copy: the precision-oriented criterion; similar: the rest) */
    double prec_copy = pk[EMB_DUP_COPY] ? (double)pk_ok[EMB_DUP_COPY] / pk[EMB_DUP_COPY] : 0;
    double prec_all = d.n_pairs ? (double)(pk_ok[EMB_DUP_COPY] + pk_ok[EMB_DUP_SIMILAR]) / d.n_pairs : 0;
    printf("near copies: recall %.3f (%lld/%lld), min cos of a near copy %.4f\n", rec_near,
           (long long)rec[2], (long long)tot[2], min_cos_near);
    printf("pairs: copy %lld (precision %.3f), similar %lld, all precision %.3f\n", (long long)pk[EMB_DUP_COPY], prec_copy,
           (long long)pk[EMB_DUP_SIMILAR], prec_all);
    printf("shifted: recall %.3f (%lld/%lld); groups %lld (exact %lld copy %lld similar %lld), widened %lld; knn %.1f s, dups %.1f s\n",
           rec_shift, (long long)rec[3], (long long)tot[3], (long long)d.n_groups, (long long)d.n_groups_kind[EMB_DUP_EXACT],
           (long long)d.n_groups_kind[EMB_DUP_COPY], (long long)d.n_groups_kind[EMB_DUP_SIMILAR], (long long)d.n_widened, t_knn, t_dups);
    CHECK(rec_near >= 0.95);
    CHECK(prec_copy >= 0.95);
    CHECK(prec_all >= 0.95);
    CHECK(rec_shift >= 0.90);
    CHECK_EQ(rec[1], tot[1]);

    /* ---- leakage: every copy placed in train leaks */
    emb_leakage lk;
    CHECK(emb_leakage_find(ds, &d, &lk) == EMB_OK);
    int64_t leak_found = 0;
    uint8_t *leaks = calloc((size_t)n, 1);
    for (int64_t q = 0; q < lk.n_pairs; q++) leaks[lk.leaks[q].a] = leaks[lk.leaks[q].b] = 1;
    for (int64_t i = n0; i < n; i++)
        if (kind[i] >= 1 && kind[i] <= 3 && ds->split[i] == EMB_SPLIT_TRAIN) leak_found += leaks[i];
    free(leaks);
    printf("leakage: %lld of %lld train copies in leak pairs; train-test pairs %lld sure + %lld similar\n", (long long)leak_found,
           (long long)n_train_copies, (long long)lk.pairs[EMB_SPLIT_TRAIN][EMB_SPLIT_TEST],
           (long long)lk.similar_pairs[EMB_SPLIT_TRAIN][EMB_SPLIT_TEST]);
    CHECK_EQ(n_train_copies, leak_found);
    CHECK(lk.pairs[EMB_SPLIT_TRAIN][EMB_SPLIT_TEST] + lk.similar_pairs[EMB_SPLIT_TRAIN][EMB_SPLIT_TEST] >= n_train_copies);
    CHECK_EQ(0, lk.pairs[EMB_SPLIT_TRAIN][EMB_SPLIT_VALID]);

    /* ---- outliers: the 50 noise images among the top 100 */
    float *score = malloc(sizeof(float) * (size_t)n), *pct = malloc(sizeof(float) * (size_t)n);
    for (int m = 0; m < 2; m++) {
        CHECK(emb_outliers_score(&g, m ? EMB_OUTLIER_LOF : EMB_OUTLIER_KNN, score, pct) == EMB_OK);
        int64_t hit = 0;
        for (int64_t i = 0; i < n; i++) if (kind[i] == 4 && pct[i] >= 100.0 * (n - 100) / n) hit++;
        printf("outliers (%s): recall@100 %.3f\n", m ? "LOF" : "kNN mean distance", (double)hit / N_NOISE);
        if (m == 0) CHECK((double)hit / N_NOISE >= 0.9);
    }

    /* ---- label issues: precision among the top 300 */
    emb_label_issues li;
    t0 = emb_now();
    CHECK(emb_label_issues_find(&x, &g, ds, NULL, &li) == EMB_OK);
    double t_li = emb_now() - t0;
    double prec[3];
    for (int v = 0; v < 3; v++) {
        for (int64_t i = 0; i < n; i++) {
            int32_t y = ds->label[i];
            score[i] = v == 0 ? li.score[i] : v == 1 ? 1 - li.p_knn[i * 10 + y] : 1 - li.p_cv[i * 10 + y];
            pct[i] = (float)i;
        }
        /* top 300 by score (ties by index) */
        int64_t hit = 0;
        uint8_t *taken = calloc((size_t)n, 1);
        for (int r = 0; r < N_FLIP; r++) {
            int64_t best = -1;
            for (int64_t i = 0; i < n; i++) if (!taken[i] && (best < 0 || score[i] > score[best])) best = i;
            taken[best] = 1;
            hit += flipped[best];
        }
        free(taken);
        prec[v] = (double)hit / N_FLIP;
    }
    int64_t fl_true = 0;
    for (int64_t i = 0; i < n; i++) fl_true += li.flagged[i] && flipped[i];
    printf("label issues: precision@300 combined %.3f, kNN vote %.3f, CV network %.3f; "
           "flagged %lld (%lld flipped); %.1f s\n", prec[0], prec[1], prec[2], (long long)li.n_flagged,
           (long long)fl_true, t_li);
    CHECK(prec[0] >= 0.85);
    /* overlap rows are distributions; 4-9 and 3-5 overlap more than 0-1 */
    double rs = 0;
    for (int b = 0; b < 10; b++) rs += li.overlap[b];
    CHECK_CLOSE(1.0, rs, 1e-5, 1e-5);
    CHECK(li.overlap[4 * 10 + 9] > li.overlap[0 * 10 + 1]);

    free(score); free(pct); free(ord); free(ref_root); free(src); free(true_label); free(kind); free(perm); free(flipped);
    emb_label_issues_free(&li);
    emb_leakage_free(&lk);
    emb_dups_free(&d);
    emb_knn_free(&g);
    emb_matf_free(&x);
    emb_skipped_free(&sk);
    emb_dataset_free(ds);
    emb_idx_free(&im);
    emb_idx_free(&lb);
    return check_exit();
}

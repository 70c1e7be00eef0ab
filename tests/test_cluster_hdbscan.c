/* test_cluster_hdbscan.c - HDBSCAN against R's dbscan::hdbscan() (Debian's
 * r-cran-dbscan, run here by Rscript; minPts = min_cluster_size =
 * min_samples): the same clusters up to renumbering, noise included, and
 * the same GLOSH scores within 1e-6, on blobs of several densities with
 * uniform noise in 2, 3 and 5 dimensions; one input gives the same bytes at
 * 1 and 2 threads; leaf selection and cluster_selection_epsilon on a
 * hierarchy built by hand (two pairs of blobs); edge cases: all points
 * identical, N < min_cluster_size, a chain with no split (only noise), one
 * blob (one cluster with allow_single_cluster). The R comparisons are
 * skipped visibly (77 when nothing else ran) without Rscript or dbscan.
 * The reference is tests/ref/hdbscan_r.R: dbscan's own functions, with its
 * Prim tree replaced by Kruskal's in the strict order embscope uses
 * (weight, lower row, higher row), because R's hdbscan() orders tied
 * weights by Prim's visits and its result changes with that order.
 * ctest-labels: unit */
#include "check.h"
#include "embscope.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* n points in d dimensions: blobs of different spreads plus a share of
 * uniform noise over the blobs' range. */
static emb_matf blobs_noise(int64_t n, int64_t d, int k, double noise_share, uint64_t seed) {
    emb_matf x = {0};
    emb_matf_alloc(&x, n, d);
    emb_rng r;
    emb_rng_seed(&r, seed);
    double c[16][8];
    for (int a = 0; a < k; a++)
        for (int t = 0; t < d; t++) c[a][t] = 20.0 * emb_rng_uniform(&r);
    for (int64_t i = 0; i < n; i++) {
        bool noise = emb_rng_uniform(&r) < noise_share;
        int a = (int)(i % k);
        double sd = 0.4 + 0.5 * a;   /* densities differ by cluster */
        for (int64_t t = 0; t < d; t++)
            x.data[i * d + t] = noise ? (float)(-3 + 26 * emb_rng_uniform(&r)) : (float)(c[a][t] + sd * emb_rng_normal(&r));
    }
    return x;
}

/* Rscript with dbscan (tests/ref/hdbscan_r.R calls its internals). */
static bool have_r_dbscan(void) {
    int status = 0;
    free(check_run("Rscript -e 'suppressMessages(library(dbscan))' >/dev/null 2>&1", &status));
    return status == 0;
}

/* Labels equal up to a one-to-one renumbering, noise (-1) equal. */
static bool same_partition(const int32_t *a, const int32_t *b, int64_t n, int ka, int kb) {
    if (ka != kb) return false;
    int32_t *ab = malloc(sizeof(int32_t) * (size_t)(ka + 1)), *ba = malloc(sizeof(int32_t) * (size_t)(kb + 1));
    for (int i = 0; i <= ka; i++) ab[i] = ba[i] = -2;
    bool ok = true;
    for (int64_t i = 0; i < n && ok; i++) {
        if ((a[i] < 0) != (b[i] < 0)) { ok = false; break; }
        if (a[i] < 0) continue;
        if (a[i] >= ka || b[i] >= kb) { ok = false; break; }
        if (ab[a[i]] == -2 && ba[b[i]] == -2) { ab[a[i]] = b[i]; ba[b[i]] = a[i]; }
        ok = ab[a[i]] == b[i] && ba[b[i]] == a[i];
    }
    free(ab);
    free(ba);
    return ok;
}

static void test_vs_r(int64_t n, int64_t d, int k, int min_pts, double noise, uint64_t seed) {
    emb_matf x = blobs_noise(n, d, k, noise, seed);
    char name[64];
    snprintf(name, sizeof name, "hdb_%lld_%lld_%d", (long long)n, (long long)d, min_pts);
    char *px = check_tmp_path(name);
    FILE *f = fopen(px, "w");
    for (int64_t i = 0; i < n; i++)
        for (int64_t t = 0; t < d; t++) fprintf(f, "%.17g%c", (double)x.data[i * d + t], t + 1 < d ? ',' : '\n');
    fclose(f);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "Rscript %s/hdbscan_r.R %s %d", TEST_REF, px, min_pts);
    int status = 0;
    char *outp = check_run(cmd, &status);
    CHECK_EQ(0, status);
    int32_t *rc = malloc(sizeof(int32_t) * (size_t)n);
    double *rg = malloc(sizeof(double) * (size_t)n);
    long ids[4096];   /* R's cluster ids (its tree's numbers), renumbered 0.. */
    int64_t got = 0;
    int rk = 0;
    for (char *s = outp; s && *s && got < n;) {
        char *end;
        long c = strtol(s, &end, 10);
        if (end == s) break;
        rg[got] = strtod(end, &s);
        int g = -1;
        for (int u = 0; u < rk && g < 0; u++) if (ids[u] == c) g = u;
        if (c != 0 && g < 0 && rk < 4096) { ids[rk] = c; g = rk++; }
        rc[got] = c == 0 ? -1 : g;
        got++;
        while (*s == '\n') s++;
    }
    CHECK_EQ(n, got);
    emb_hdbscan_params p = emb_hdbscan_default_params();
    p.min_cluster_size = p.min_samples = min_pts;
    p.n_threads = 2;
    emb_clusters cl;
    CHECK(emb_hdbscan_run(&x, &p, &cl) == EMB_OK);
    if (got == n) {
        bool same = same_partition(rc, cl.cluster, n, rk, cl.k);
        if (!same) printf("  %s: R found %d clusters, embscope %d\n", name, rk, cl.k);
        CHECK(same);
        double worst = 0;
        int64_t at = 0;
        for (int64_t i = 0; i < n; i++)
            if (fabs(rg[i] - cl.outlier[i]) > worst) { worst = fabs(rg[i] - cl.outlier[i]); at = i; }
        if (worst > 1e-6) {
            printf("  %s: GLOSH of point %lld: R %.9g, embscope %.9g\n", name, (long long)at, rg[at], cl.outlier[at]);
            int shown = 0;
            for (int64_t i = 0; i < n && shown < 12; i++)
                if (fabs(rg[i] - cl.outlier[i]) > 1e-6 || (rc[i] < 0) != (cl.cluster[i] < 0)) {
                    printf("    point %lld: R cluster %d GLOSH %.6f, embscope cluster %d GLOSH %.6f\n", (long long)i, rc[i], rg[i], cl.cluster[i], cl.outlier[i]);
                    shown++;
                }
        }
        CHECK(worst <= 1e-6);
        int64_t noise_n = 0;
        for (int64_t i = 0; i < n; i++) noise_n += cl.cluster[i] < 0;
        printf("  %s: %d clusters, %lld noise, GLOSH within %.2g of R\n", name, cl.k, (long long)noise_n, worst);
    }
    emb_clusters_free(&cl);
    free(rc);
    free(rg);
    free(outp);
    free(px);
    emb_matf_free(&x);
}

static int count_noise(const emb_clusters *c) {
    int m = 0;
    for (int64_t i = 0; i < c->n; i++) m += c->cluster[i] < 0;
    return m;
}

static void test_threads(void) {
    emb_matf x = blobs_noise(20000, 2, 7, 0.1, 99);
    emb_hdbscan_params p = emb_hdbscan_default_params();
    p.min_cluster_size = 30;
    p.min_samples = 10;
    emb_clusters a, b;
    p.n_threads = 1;
    CHECK(emb_hdbscan_run(&x, &p, &a) == EMB_OK);
    p.n_threads = 2;
    CHECK(emb_hdbscan_run(&x, &p, &b) == EMB_OK);
    CHECK_EQ(a.k, b.k);
    CHECK(!memcmp(a.cluster, b.cluster, sizeof(int32_t) * 20000));
    CHECK(!memcmp(a.outlier, b.outlier, sizeof(float) * 20000));
    CHECK(!memcmp(a.probability, b.probability, sizeof(float) * 20000));
    printf("  20000 points, 7 blobs: %d clusters, %d noise\n", a.k, count_noise(&a));
    CHECK(a.k >= 2 && a.k <= 12);
    emb_clusters_free(&a);
    emb_clusters_free(&b);
    emb_matf_free(&x);
}

/* Two pairs of tight blobs: A1, A2 close together, B1, B2 close together,
 * the pairs far apart. EOM picks the two pairs or the four blobs (by
 * stability); leaf always the four; epsilon above the pair gap merges each
 * pair; allow_single_cluster with a large epsilon gives one cluster. */
static void test_selection(void) {
    const double cx[4] = {0, 3, 100, 103};
    int64_t n = 400;
    emb_matf x = {0};
    emb_matf_alloc(&x, n, 2);
    emb_rng r;
    emb_rng_seed(&r, 5);
    for (int64_t i = 0; i < n; i++) {
        x.data[2 * i] = (float)(cx[i % 4] + 0.2 * emb_rng_normal(&r));
        x.data[2 * i + 1] = (float)(0.2 * emb_rng_normal(&r));
    }
    emb_hdbscan_params p = emb_hdbscan_default_params();
    p.min_cluster_size = 10;
    emb_clusters c;
    p.selection = EMB_HDBSCAN_LEAF;
    CHECK(emb_hdbscan_run(&x, &p, &c) == EMB_OK);
    CHECK_EQ(4, c.k);
    bool ok = true;   /* each blob one cluster */
    for (int64_t i = 4; i < n; i++)
        if (c.cluster[i] >= 0 && c.cluster[i % 4] >= 0) ok &= c.cluster[i] == c.cluster[i % 4];
    CHECK(ok);
    CHECK(count_noise(&c) < 20);
    emb_clusters_free(&c);
    p.cluster_selection_epsilon = 10;   /* the blobs of a pair are < 3 apart, the pairs ~100 */
    CHECK(emb_hdbscan_run(&x, &p, &c) == EMB_OK);
    CHECK_EQ(2, c.k);
    ok = true;
    for (int64_t i = 0; i < n; i++)
        if (c.cluster[i] >= 0) ok &= c.cluster[i] == (cx[i % 4] > 50 ? c.cluster[2] : c.cluster[0]);
    CHECK(ok && c.cluster[0] != c.cluster[2]);
    CHECK(count_noise(&c) == 0);
    emb_clusters_free(&c);
    p.cluster_selection_epsilon = 1000;
    CHECK(emb_hdbscan_run(&x, &p, &c) == EMB_OK);
    CHECK_EQ(2, c.k);   /* the root is not a cluster without allow_single_cluster */
    emb_clusters_free(&c);
    p.allow_single_cluster = true;
    CHECK(emb_hdbscan_run(&x, &p, &c) == EMB_OK);
    CHECK_EQ(1, c.k);
    CHECK(count_noise(&c) == 0);
    emb_clusters_free(&c);
    p = emb_hdbscan_default_params();
    p.min_cluster_size = 10;
    CHECK(emb_hdbscan_run(&x, &p, &c) == EMB_OK);   /* EOM: the 4 blobs are each far denser than their pair */
    CHECK(c.k == 4 || c.k == 2);
    for (int g = 0; g < c.k; g++) {
        int64_t m = 0;
        for (int64_t i = 0; i < n; i++) m += c.cluster[i] == g;
        CHECK(m >= 90);
    }
    for (int64_t i = 0; i < n; i++) CHECK(c.probability[i] >= 0 && c.probability[i] <= 1 && c.outlier[i] >= 0 && c.outlier[i] <= 1);
    emb_clusters_free(&c);
    emb_matf_free(&x);
}

static void test_edges(void) {
    emb_hdbscan_params p = emb_hdbscan_default_params();
    emb_clusters c;
    emb_matf x = {0};
    /* all points identical: no split ever, so noise; with allow_single one cluster */
    emb_matf_alloc(&x, 50, 3);
    for (int64_t i = 0; i < 150; i++) x.data[i] = 1.5f;
    CHECK(emb_hdbscan_run(&x, &p, &c) == EMB_OK);
    CHECK_EQ(0, c.k);
    CHECK_EQ(50, count_noise(&c));
    emb_clusters_free(&c);
    p.allow_single_cluster = true;
    CHECK(emb_hdbscan_run(&x, &p, &c) == EMB_OK);
    CHECK_EQ(1, c.k);
    CHECK_EQ(0, count_noise(&c));
    CHECK_CLOSE(1.0, c.probability[7], 0, 0);
    CHECK_CLOSE(0.0, c.outlier[7], 0, 0);
    emb_clusters_free(&c);
    emb_matf_free(&x);
    /* N < min_cluster_size: all noise */
    p = emb_hdbscan_default_params();
    p.min_cluster_size = 10;
    emb_matf_alloc(&x, 4, 2);
    for (int64_t i = 0; i < 8; i++) x.data[i] = (float)i;
    CHECK(emb_hdbscan_run(&x, &p, &c) == EMB_OK);
    CHECK_EQ(0, c.k);
    CHECK_EQ(4, count_noise(&c));
    emb_clusters_free(&c);
    emb_matf_free(&x);
    /* one point */
    emb_matf_alloc(&x, 1, 2);
    x.data[0] = x.data[1] = 0;
    CHECK(emb_hdbscan_run(&x, &p, &c) == EMB_OK);
    CHECK_EQ(0, c.k);
    emb_clusters_free(&c);
    emb_matf_free(&x);
    /* a chain 1, 2, 4, 8, ...: each merge adds one point, never a split: only noise */
    emb_matf_alloc(&x, 40, 1);
    for (int64_t i = 0; i < 40; i++) x.data[i] = (float)ldexp(1.0, (int)i);
    p.min_cluster_size = 5;
    CHECK(emb_hdbscan_run(&x, &p, &c) == EMB_OK);
    CHECK_EQ(0, c.k);
    CHECK_EQ(40, count_noise(&c));
    emb_clusters_free(&c);
    emb_matf_free(&x);
    /* one Gaussian blob, allow_single_cluster: one cluster holding most points */
    x = blobs_noise(500, 2, 1, 0.0, 3);
    p = emb_hdbscan_default_params();
    p.min_cluster_size = 25;
    p.allow_single_cluster = true;
    CHECK(emb_hdbscan_run(&x, &p, &c) == EMB_OK);
    CHECK(c.k >= 1);
    int64_t in0 = 0;
    for (int64_t i = 0; i < 500; i++) in0 += c.cluster[i] == 0;
    printf("  one blob, allow_single_cluster: %d clusters, %lld in the first\n", c.k, (long long)in0);
    if (c.k == 1) CHECK(in0 >= 400);
    emb_clusters_free(&c);
    emb_matf_free(&x);
    /* bad input */
    emb_matf_alloc(&x, 10, 2);
    for (int64_t i = 0; i < 20; i++) x.data[i] = (float)i;
    x.data[5] = NAN;
    CHECK(emb_hdbscan_run(&x, &p, &c) == EMB_E_INVALID);
    x.data[5] = 0;
    p.min_cluster_size = 1;
    CHECK(emb_hdbscan_run(&x, &p, &c) == EMB_E_INVALID);
    emb_matf_free(&x);
}

int main(void) {
    test_edges();
    test_selection();
    test_threads();
    if (!have_r_dbscan()) {
        printf("SKIP: the comparison with R's dbscan::hdbscan() (Rscript or r-cran-dbscan missing)\n");
        int rc = check_exit();
        return rc ? rc : 77;
    }
    test_vs_r(600, 2, 4, 5, 0.15, 1);
    test_vs_r(600, 2, 4, 10, 0.15, 2);
    test_vs_r(1500, 2, 6, 25, 0.10, 3);
    test_vs_r(1000, 3, 5, 8, 0.10, 4);
    test_vs_r(800, 5, 3, 15, 0.20, 5);
    test_vs_r(300, 2, 2, 4, 0.30, 6);
    return check_exit();
}

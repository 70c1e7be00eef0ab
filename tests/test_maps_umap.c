/* test_maps_umap.c - UMAP pieces against independent references:
 * a, b against umap-learn's find_ab_params (constants it returns) and
 * scipy's curve_fit run at test time; sigma, rho, the symmetrised graph and
 * the spectral layout against tests/ref/umap_fuzzy_ref.py (NumPy, written
 * from umap-learn's umap_.py / spectral.py, eigh for the eigenvectors);
 * ARPACK against the dense solver; the multilevel solver against ARPACK
 * at a tight tolerance and against the Laplacian's analytic eigenfunctions
 * on a rectangle; the fast SGD against the plain one;
 * reproducibility; no NaN with duplicates and disconnected graphs.
 * The SGD has a kernel per SIMD level: run at each.
 * ctest-labels: unit
 * ctest-levels: all */
#include "check.h"
#include "neighbors/neighbors.h"
#include "maps/umap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 300
#define D 8
#define NN 15

/* Three Gaussian blobs (centres 3 apart, unit variance); items 1..4 are
 * copies of item 0 (duplicates: distance 0). */
static void make_data(emb_matf *x, uint64_t seed, double sep) {
    emb_matf_alloc(x, N, D);
    emb_rng r;
    emb_rng_seed(&r, seed);
    for (int i = 0; i < N; i++)
        for (int t = 0; t < D; t++) x->data[i * D + t] = (float)((t == (i % 3) ? sep : 0.0) + emb_rng_normal(&r));
    for (int i = 1; i < 5; i++) memcpy(x->data + i * D, x->data, sizeof(float) * D);
}

static float *load_f32(const char *dir, const char *name, int64_t n_expected) {
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    emb_matf m = {0};
    if (emb_npy_load_f32(p, &m) != EMB_OK || m.rows * m.cols != n_expected) {
        fprintf(stderr, "cannot read %s\n", p);
        emb_matf_free(&m);
        return NULL;
    }
    return m.data;
}

static void test_ab(void) {
    double a, b;
    CHECK(emb_umap_find_ab(1.0, 0.1, &a, &b) == EMB_OK);
    /* umap-learn 0.5.3 find_ab_params(1.0, 0.1) = (1.5769434601962196, 0.8950608779914887) */
    CHECK_CLOSE(1.5769434602, a, 0, 5e-4);
    CHECK_CLOSE(0.8950608780, b, 0, 5e-4);
    CHECK(fabs(a - 1.577) < 5e-4 && fabs(b - 0.895) < 5e-4);
    /* Another pair against scipy's curve_fit, computed now. */
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "%s -c \"import numpy as np; from scipy.optimize import curve_fit\n"
             "x=np.linspace(0,4.5,300); y=np.where(x<0.5,1.0,np.exp(-(x-0.5)/1.5))\n"
             "p,_=curve_fit(lambda x,a,b: 1/(1+a*x**(2*b)),x,y); print(p[0],p[1])\"",
             check_python());
    int status;
    char *out = check_run(cmd, &status);
    double ra = 0, rb = 0;
    CHECK(status == 0 && out && sscanf(out, "%lf %lf", &ra, &rb) == 2);
    CHECK(emb_umap_find_ab(1.5, 0.5, &a, &b) == EMB_OK);
    CHECK_CLOSE(ra, a, 1e-4, 0);
    CHECK_CLOSE(rb, b, 1e-4, 0);
    free(out);
}

/* Cosine of the angle between column c of a (n, dims) f32 and of b (n, dims) f64. */
static double col_cos(const float *a, const double *b, int n, int dims, int c) {
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < n; i++) {
        ab += a[i * dims + c] * b[i * dims + c];
        aa += (double)a[i * dims + c] * a[i * dims + c];
        bb += b[i * dims + c] * b[i * dims + c];
    }
    return fabs(ab) / sqrt(aa * bb);
}

static void test_graph_and_spectral(void) {
    emb_matf x;
    make_data(&x, 7, 3.0);
    emb_knn g;
    CHECK(emb_knn_exact_naive(&x, NN, EMB_METRIC_EUCLIDEAN, &g) == EMB_OK);
    const char *dir = check_tmpdir();
    char p[1024];
    int64_t shape[2] = {N, NN};
    snprintf(p, sizeof p, "%s/knn_idx.npy", dir);
    CHECK(emb_npy_write(p, EMB_DT_I32, g.idx, 2, shape) == EMB_OK);
    snprintf(p, sizeof p, "%s/knn_dist.npy", dir);
    CHECK(emb_npy_write(p, EMB_DT_F32, g.dist, 2, shape) == EMB_OK);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s/umap_fuzzy_ref.py %s %d 2", check_python(), TEST_REF, dir, NN);
    int status;
    free(check_run(cmd, &status));
    CHECK_EQ(0, status);

    float sigma[N], rho[N];
    emb_umap_params up = emb_umap_default_params();
    emb_umap_graph gr;
    CHECK(emb_umap_graph_build(&g, &up, &gr, sigma, rho) == EMB_OK);
    float *rs = load_f32(dir, "ref_sigma.npy", N), *rr = load_f32(dir, "ref_rho.npy", N);
    float *rg = load_f32(dir, "ref_graph.npy", (int64_t)N * N);
    emb_matf rsp = {0};
    snprintf(p, sizeof p, "%s/ref_spectral.npy", dir);
    CHECK(rs && rr && rg);
    if (rs && rr && rg) {
        CHECK_CLOSE_F32(rr, rho, N, 1e-6, 1e-7);
        CHECK_CLOSE_F32(rs, sigma, N, 1e-4, 1e-7);
        CHECK(rho[0] > 0 && rho[1] > 0);    /* duplicates: rho is the first nonzero distance */
        float *dense = calloc((size_t)N * N, sizeof(float));
        for (int i = 0; i < N; i++)
            for (int64_t e = gr.indptr[i]; e < gr.indptr[i + 1]; e++) {
                if (e > gr.indptr[i]) CHECK(gr.indices[e] > gr.indices[e - 1]);
                dense[i * N + gr.indices[e]] = gr.weights[e];
            }
        CHECK_CLOSE_F32(rg, dense, (size_t)N * N, 1e-4, 1e-6);
        int64_t nnz_ref = 0;
        for (int i = 0; i < N * N; i++) nnz_ref += rg[i] != 0;
        CHECK_EQ(nnz_ref, gr.nnz);
        free(dense);
    }
    /* Spectral layout: dense solver vs NumPy eigh; ARPACK vs dense. */
    double *ref = NULL;
    if (emb_npy_load_f32(p, &rsp) == EMB_OK && rsp.rows == N && rsp.cols == 2) {
        ref = malloc(sizeof(double) * N * 2);
        for (int i = 0; i < N * 2; i++) ref[i] = rsp.data[i];
    }
    CHECK(ref != NULL);
    emb_matf sd = {0}, sa = {0};
    int ncomp = 0;
    bool dense_used = false;
    CHECK(emb_umap_spectral(&gr, 2, 1, &sd, &ncomp, &dense_used) == EMB_OK);
    CHECK_EQ(1, ncomp);
    CHECK(dense_used);
    CHECK(emb__umap_spectral(&gr, 2, 1, (emb__spectral_opts){0, INT64_MAX, UMAP_SPECTRAL_COARSEST}, NULL, &sa, &ncomp, &dense_used) == EMB_OK);
    CHECK(!dense_used);
    if (ref && sd.data && sa.data) {
        double sa_d[N * 2];
        for (int i = 0; i < N * 2; i++) sa_d[i] = sa.data[i];
        for (int c = 0; c < 2; c++) {
            CHECK_CLOSE(1.0, col_cos(sd.data, ref, N, 2, c), 0, 1e-5);
            CHECK_CLOSE(1.0, col_cos(sd.data, sa_d, N, 2, c), 0, 1e-3);
        }
    }
    free(ref);
    emb_matf_free(&rsp);
    emb_matf_free(&sd);
    emb_matf_free(&sa);
    free(rs); free(rr); free(rg);
    emb_umap_graph_free(&gr);
    emb_knn_free(&g);
    emb_matf_free(&x);
}

/* The fast SGD against the plain one on the same start, a few epochs. */
static void test_sgd_naive(void) {
    emb_matf x;
    make_data(&x, 3, 3.0);
    emb_knn g;
    CHECK(emb_knn_exact_naive(&x, NN, EMB_METRIC_EUCLIDEAN, &g) == EMB_OK);
    emb_umap_params up = emb_umap_default_params();
    emb_umap_graph gr;
    CHECK(emb_umap_graph_build(&g, &up, &gr, NULL, NULL) == EMB_OK);
    int32_t *head = malloc(sizeof(int32_t) * gr.nnz);
    for (int i = 0; i < N; i++)
        for (int64_t e = gr.indptr[i]; e < gr.indptr[i + 1]; e++) head[e] = i;
    float e1[N * 4], e2[N * 4];
    emb_rng r;
    emb_rng_seed(&r, 5);
    for (int dim = 2; dim <= 4; dim++) {   /* 3: padded to 4 lanes; 4: the same kernel unpadded */
        /* SGD is chaotic (near pairs get clipped +-4 kicks whose sign hangs on
         * rounding), so float and double agree only over a few epochs. */
        for (int i = 0; i < N * dim; i++) e1[i] = e2[i] = (float)(10 * emb_rng_uniform(&r));
        emb__umap_sgd s = {.n = N, .dim = dim, .n_edges = gr.nnz, .head = head, .tail = gr.indices, .weight = gr.weights,
                           .n_epochs = 2, .a = 1.577, .b = 0.895, .gamma = 1, .learning_rate = 1,
                           .negative_sample_rate = 5, .n_threads = 1, .seed = 9};
        float e0[N * 4];
        memcpy(e0, e1, sizeof e0);
        CHECK(emb__umap_optimize(&s, e1) == EMB_OK);
        CHECK(emb__umap_optimize_naive(&s, e2) == EMB_OK);
        double moved = 0, err = 0;
        int off = 0;
        for (int i = 0; i < N * dim; i++) {
            moved += fabs(e1[i] - e0[i]);
            err += fabs(e1[i] - e2[i]);
            off += fabs(e1[i] - e2[i]) > 1e-3;
        }
        CHECK(moved / (N * dim) > 0.1);          /* the layout did move */
        CHECK(err / (N * dim) < 1e-3);           /* mean |fast - plain| */
        CHECK(off <= N * dim / 20);              /* >= 95% within 1e-3 */
        if (off > N * dim / 20) fprintf(stderr, "dim %d: %d of %d off, mean err %g\n", dim, off, N * dim, err / (N * dim));
    }
    free(head);
    emb_umap_graph_free(&gr);
    emb_knn_free(&g);
    emb_matf_free(&x);
}

static bool all_finite(const emb_matf *m) {
    if (!m->data) return false;
    for (int64_t i = 0; i < m->rows * m->cols; i++) if (!isfinite(m->data[i])) return false;
    return true;
}

static void test_run_repro_and_edge_cases(void) {
    emb_matf x;
    make_data(&x, 11, 3.0);
    emb_knn g;
    CHECK(emb_knn_exact_naive(&x, NN, EMB_METRIC_EUCLIDEAN, &g) == EMB_OK);
    emb_umap_params up = emb_umap_default_params();
    up.n_threads = 1;
    up.n_epochs = 100;
    emb_matf m1 = {0}, m2 = {0};
    emb_umap_info info;
    CHECK(emb_umap_run(&g, &x, &up, &m1, &info) == EMB_OK);
    CHECK(emb_umap_run(&g, &x, &up, &m2, NULL) == EMB_OK);
    CHECK(all_finite(&m1));
    CHECK(m1.data && m2.data && !memcmp(m1.data, m2.data, sizeof(float) * N * 2));  /* bit-identical */
    CHECK_EQ(100, info.n_epochs);
    CHECK_CLOSE(1.577, info.a, 0, 1e-3);
    emb_matf_free(&m1);
    emb_matf_free(&m2);
    /* Every init, 2 and 3 dims, several threads. */
    emb_umap_init inits[3] = {EMB_UMAP_INIT_SPECTRAL, EMB_UMAP_INIT_PCA, EMB_UMAP_INIT_RANDOM};
    for (int t = 0; t < 3; t++) {
        up.init = inits[t];
        up.n_components = 3;
        up.n_threads = 2;
        CHECK(emb_umap_run(&g, &x, &up, &m1, NULL) == EMB_OK);
        CHECK(all_finite(&m1));
        CHECK_EQ(3, m1.cols);
        emb_matf_free(&m1);
    }
    emb_knn_free(&g);

    /* All items identical: every distance 0. */
    for (int i = 0; i < N * D; i++) x.data[i] = 1.0f;
    CHECK(emb_knn_exact_naive(&x, NN, EMB_METRIC_EUCLIDEAN, &g) == EMB_OK);
    up = emb_umap_default_params();
    up.n_epochs = 50;
    CHECK(emb_umap_run(&g, &x, &up, &m1, NULL) == EMB_OK);
    CHECK(all_finite(&m1));
    emb_matf_free(&m1);
    emb_knn_free(&g);
    emb_matf_free(&x);

    /* Disconnected: blobs 1000 apart and 2 neighbours (n_neighbors 3) break
     * into many components, among them a triple far away (too small for an
     * eigenproblem: umap-learn's random fallback). */
    make_data(&x, 13, 1000.0);
    for (int t = 0; t < D; t++) for (int i = 5; i < 8; i++) x.data[i * D + t] = -5000.0f - 0.5f * (i - 5) * (t == 0);
    CHECK(emb_knn_exact_naive(&x, 2, EMB_METRIC_EUCLIDEAN, &g) == EMB_OK);
    emb_umap_graph gr;
    up.n_neighbors = 3;
    CHECK(emb_umap_graph_build(&g, &up, &gr, NULL, NULL) == EMB_OK);
    int ncomp = 0;
    CHECK(emb_umap_spectral(&gr, 2, 1, &m1, &ncomp, NULL) == EMB_OK);
    CHECK(ncomp >= 4);
    CHECK(all_finite(&m1));
    emb_matf_free(&m1);
    emb_umap_graph_free(&gr);
    for (int dims = 2; dims <= 3; dims++) {
        up.n_components = dims;
        CHECK(emb_umap_run(&g, &x, &up, &m1, &info) == EMB_OK);
        CHECK(all_finite(&m1));
        CHECK(info.n_graph_components >= 4);
        emb_matf_free(&m1);
    }
    emb_knn_free(&g);
    emb_matf_free(&x);
}

/* The CLI: files written, shapes, reproducibility, --neighbors reuse, PCA. */
static void test_cli(void) {
    emb_matf x;
    make_data(&x, 17, 3.0);
    const char *dir = check_tmpdir();
    char in[512], cmd[8192], p1[1024], p2[1024];
    snprintf(in, sizeof in, "%s/vec.npy", dir);
    CHECK(emb_npy_write_f32(in, x.data, N, D) == EMB_OK);
    int st;
    snprintf(cmd, sizeof cmd, "%s map %s --dims 3 --threads 1 --seed 3 --quiet -o %s/m1 && "
             "%s neighbors %s --quiet -o %s/nb && "
             "%s map %s --dims 3 --threads 1 --seed 3 --quiet --neighbors %s/nb -o %s/m2 && "
             "%s map %s --method pca --quiet -o %s/pca", EMB_BIN, in, dir, EMB_BIN, in, dir, EMB_BIN, in, dir, dir,
             EMB_BIN, in, dir);
    free(check_run(cmd, &st));
    CHECK_EQ(0, st);
    emb_matf m1 = {0}, m2 = {0}, mp = {0}, ref = {0};
    snprintf(p1, sizeof p1, "%s/m1/map.npy", dir);
    snprintf(p2, sizeof p2, "%s/m2/map.npy", dir);
    CHECK(emb_npy_load_f32(p1, &m1) == EMB_OK);
    CHECK(emb_npy_load_f32(p2, &m2) == EMB_OK);
    CHECK(m1.rows == N && m1.cols == 3 && m2.rows == N && m2.cols == 3);
    /* Same graph (cosine, k 15) computed or read back: the same bytes. */
    if (m1.data && m2.data && m1.rows == N && m2.rows == N) CHECK(!memcmp(m1.data, m2.data, sizeof(float) * N * 3));
    snprintf(p1, sizeof p1, "%s/m1/map.csv", dir);
    FILE *f = fopen(p1, "r");
    char line[256] = "";
    int lines = 0;
    CHECK(f && fgets(line, sizeof line, f));
    CHECK(!strcmp(line, "index,x,y,z\n"));
    while (f && fgets(line, sizeof line, f)) lines++;
    if (f) fclose(f);
    CHECK_EQ(N, lines);
    snprintf(p1, sizeof p1, "%s/pca/map.npy", dir);
    CHECK(emb_npy_load_f32(p1, &mp) == EMB_OK);
    emb_pca_params pp = emb_pca_default_params();
    pp.n_components = 2;
    CHECK(emb_pca(&x, &pp, &ref, NULL) == EMB_OK);
    if (mp.data && ref.data && mp.rows == N && mp.cols == 2) CHECK_CLOSE_F32(ref.data, mp.data, N * 2, 1e-5, 1e-5);
    emb_matf_free(&m1); emb_matf_free(&m2); emb_matf_free(&mp); emb_matf_free(&ref); emb_matf_free(&x);
}

/* emb_umap_params.cache: a second run on the same graph takes the pruned
 * graph and the spectral layout from the first; a cache made for 2 columns
 * gives the uncached 2D run's bytes (one thread), and the 2D layout taken
 * from a 3-column spectral is the first 2 columns of it (eigenvectors 2..3
 * either way: checked against the 2-column solve up to sign). */
static void test_cache(void) {
    emb_matf x;
    make_data(&x, 11, 3.0);
    emb_knn g = {0};
    CHECK(emb_knn_exact_naive(&x, NN, EMB_METRIC_EUCLIDEAN, &g) == EMB_OK);
    emb_umap_params up = emb_umap_default_params();
    up.n_threads = 1;
    up.n_epochs = 50;
    emb_matf plain = {0}, a = {0}, b = {0}, c3 = {0}, c2 = {0};
    emb_umap_info info;
    CHECK(emb_umap_run(&g, &x, &up, &plain, &info) == EMB_OK);
    CHECK(!info.shared_graph && !info.shared_init);
    emb_umap_cache *cache = NULL;
    CHECK(emb_umap_cache_new(2, &cache) == EMB_OK);
    up.cache = cache;
    CHECK(emb_umap_run(&g, &x, &up, &a, &info) == EMB_OK);
    CHECK(!info.shared_graph && !info.shared_init);
    CHECK(emb_umap_run(&g, &x, &up, &b, &info) == EMB_OK);
    CHECK(info.shared_graph && info.shared_init);
    CHECK(plain.data && a.data && b.data && !memcmp(plain.data, a.data, sizeof(float) * N * 2) &&
          !memcmp(a.data, b.data, sizeof(float) * N * 2));
    up.n_epochs = 60;                          /* another pruning cut: the graph is rebuilt */
    emb_matf_free(&b);
    CHECK(emb_umap_run(&g, &x, &up, &b, &info) == EMB_OK);
    CHECK(!info.shared_graph && !info.shared_init);
    emb_umap_cache_free(cache);
    /* 3 columns computed once, the 2D run takes the first two */
    CHECK(emb_umap_cache_new(3, &cache) == EMB_OK);
    up.cache = cache;
    up.n_components = 3;
    CHECK(emb_umap_run(&g, &x, &up, &c3, &info) == EMB_OK);
    up.n_components = 2;
    CHECK(emb_umap_run(&g, &x, &up, &c2, &info) == EMB_OK);
    CHECK(info.shared_init);
    emb_umap_graph gr;
    emb_matf s2 = {0}, s3 = {0};
    int ncomp;
    bool dense;
    CHECK(emb_umap_graph_build(&g, &up, &gr, NULL, NULL) == EMB_OK);
    CHECK(emb_umap_spectral(&gr, 2, up.seed, &s2, &ncomp, &dense) == EMB_OK);
    CHECK(emb_umap_spectral(&gr, 3, up.seed, &s3, &ncomp, &dense) == EMB_OK);
    for (int col = 0; col < 2; col++) {
        double dot = 0, n2 = 0, n3 = 0;
        for (int i = 0; i < N; i++) {
            double u = s2.data[i * 2 + col], v = s3.data[i * 3 + col];
            dot += u * v; n2 += u * u; n3 += v * v;
        }
        CHECK_CLOSE(1.0, fabs(dot) / sqrt(n2 * n3), 0, 1e-4);
    }
    emb_umap_graph_free(&gr);
    emb_umap_cache_free(cache);
    emb_matf_free(&s2); emb_matf_free(&s3);
    emb_matf_free(&plain); emb_matf_free(&a); emb_matf_free(&b); emb_matf_free(&c3); emb_matf_free(&c2);
    emb_knn_free(&g);
    emb_matf_free(&x);
}

/* The multilevel spectral solver (spectral_multilevel.c), coarsened from
 * 12,000 items to at most 700: points uniform on the rectangle
 * [0, 1] x [0, 0.6], whose normalised Laplacian's two leading non-trivial
 * eigenvectors approximate D^1/2 cos(pi x) and D^1/2 cos(pi y / 0.6) (the
 * Neumann eigenfunctions; the next, cos(pi x) cos(pi y / 0.6) and
 * cos(2 pi x), lie well below). Against ARPACK at tol 1e-8 on the same
 * graph, and against those functions. */
static void test_spectral_multilevel(void) {
    enum { M = 12000, K = 15 };
    emb_matf x;
    emb_matf_alloc(&x, M, 2);
    emb_rng r;
    emb_rng_seed(&r, 11);
    for (int i = 0; i < M; i++) { x.data[2 * i] = (float)emb_rng_uniform(&r); x.data[2 * i + 1] = (float)(0.6 * emb_rng_uniform(&r)); }
    emb_knn g;
    CHECK(emb_knn_exact_naive(&x, K, EMB_METRIC_EUCLIDEAN, &g) == EMB_OK);
    emb_umap_params up = emb_umap_default_params();
    emb_umap_graph gr;
    float *sigma = malloc(sizeof(float) * M), *rho = malloc(sizeof(float) * M);
    CHECK(emb_umap_graph_build(&g, &up, &gr, sigma, rho) == EMB_OK);
    double *dinv = malloc(sizeof(double) * M), *val = malloc(sizeof(double) * gr.nnz);
    for (int i = 0; i < M; i++) {
        double d = 0;
        for (int64_t e = gr.indptr[i]; e < gr.indptr[i + 1]; e++) d += gr.weights[e];
        dinv[i] = 1.0 / sqrt(d);
    }
    for (int i = 0; i < M; i++)
        for (int64_t e = gr.indptr[i]; e < gr.indptr[i + 1]; e++) val[e] = gr.weights[e] * dinv[i] * dinv[gr.indices[e]];
    emb__spec_graph sg = {M, gr.indptr, gr.indices, val, dinv};
    float *ml = malloc(sizeof(float) * M * 2), *ml2 = malloc(sizeof(float) * M * 2), *ar = malloc(sizeof(float) * M * 2);
    CHECK(emb__spectral_multilevel(&sg, 2, 700, 5, NULL, ml));
    CHECK(emb__spectral_multilevel(&sg, 2, 700, 5, NULL, ml2));
    CHECK(memcmp(ml, ml2, sizeof(float) * M * 2) == 0);          /* seeded: the same */
    CHECK(emb__spectral_arpack(&sg, 2, 1e-8, NULL, ar));
    double *ard = malloc(sizeof(double) * M * 2), *fn = malloc(sizeof(double) * M * 2);
    for (int i = 0; i < M * 2; i++) ard[i] = ar[i];
    for (int i = 0; i < M; i++) {
        fn[2 * i] = cos(3.14159265358979323846 * x.data[2 * i]) / dinv[i];
        fn[2 * i + 1] = cos(3.14159265358979323846 * x.data[2 * i + 1] / 0.6) / dinv[i];
    }
    for (int c = 0; c < 2; c++) {
        double ca = col_cos(ml, ard, M, 2, c), cf = col_cos(ml, fn, M, 2, c), cr = col_cos(ar, fn, M, 2, c);
        printf("multilevel column %d: cos to ARPACK %.6f, to the eigenfunction %.4f (ARPACK's %.4f)\n", c, ca, cf, cr);
        CHECK(ca > 0.996);          /* 0.982 before the smoothing steps (prolonged only) */
        CHECK(cf > 0.99);
        CHECK(cr > 0.99);
    }
    /* Too small a coarsest level for the block: refused, so the caller uses ARPACK. */
    CHECK(!emb__spectral_multilevel(&sg, 2, 8, 5, NULL, ml));
    free(ml); free(ml2); free(ar); free(ard); free(fn); free(dinv); free(val); free(sigma); free(rho);
    emb_umap_graph_free(&gr);
    emb_knn_free(&g);
    emb_matf_free(&x);
}

int main(void) {
    test_cache();
    test_ab();
    test_graph_and_spectral();
    test_spectral_multilevel();
    test_sgd_naive();
    test_run_repro_and_edge_cases();
    test_cli();
    return check_exit();
}

/* test_core_threads.c - library calls leave the process as they found it and
 * may run at once from two of the caller's threads (STYLE.md: "Library calls
 * leave the process as they found it"; issue 13).
 *
 * Each job is run alone first, then the two at once from two pthreads, and
 * every output is compared byte for byte with the lone run. The calls are
 * chosen to be deterministic for a fixed seed and thread count (headers:
 * exact kNN always; t-SNE given its graph and seed whatever the threads;
 * UMAP with one thread):
 *   job A: exact kNN (3000 x 32, cosine, 2 threads), then t-SNE with the
 *          FFT gradient (FFTW plans: planner behind a lock);
 *   job B: t-SNE with the exact and the Barnes-Hut gradient, PCA, UMAP
 *          (1 thread: its SGD races by design with more).
 * Around every call OpenMP's max threads and OpenBLAS's thread count must be
 * unchanged, and emb_cpu_level_active() must say the same in both threads.
 *
 * scripts/test.sh also builds this test alone with ThreadSanitizer (EMB_TSAN,
 * clang + LLVM libomp + its Archer tool): there, as the program, it sets
 * OpenBLAS to one thread, whose worker threads TSan cannot see into.
 * ctest-labels: unit */
#include "check.h"
#include "embscope.h"

#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int openblas_get_num_threads(void);
void openblas_set_num_threads(int n);

#if defined(__SANITIZE_THREAD__)
#define TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TEST_TSAN 1
#endif
#endif
#ifndef TEST_TSAN
#define TEST_TSAN 0
#endif

#define N_THREADS 2   /* threads of each library call (UMAP: 1) */

static void random_matrix(emb_matf *x, int64_t rows, int64_t cols, uint64_t seed) {
    CHECK(emb_matf_alloc(x, rows, cols) == EMB_OK);
    emb_rng r;
    emb_rng_seed(&r, seed);
    for (int64_t i = 0; i < rows * cols; i++) x->data[i] = (float)emb_rng_normal(&r);
}

/* What one job produced, and what it saw of the process. */
typedef struct {
    emb_knn knn;              /* job A */
    emb_matf map[3];          /* A: t-SNE FFT; B: t-SNE exact, t-SNE BH */
    emb_matf pca, umap;       /* job B */
    emb_status st[6];         /* every call's status, in call order */
    int n_st;
    bool kept_omp, kept_blas; /* the process settings around every call */
    emb_cpu_level level;
} job_out;

static const emb_matf *in_knn, *in_tsne, *in_pca;   /* inputs, shared read-only */

/* Run one call, note its status and whether it left the settings alone. */
#define CALL(o, expr)                                                        \
    do {                                                                     \
        int omp0 = omp_get_max_threads(), blas0 = openblas_get_num_threads(); \
        (o)->st[(o)->n_st++] = (expr);                                       \
        if (omp_get_max_threads() != omp0) (o)->kept_omp = false;            \
        if (openblas_get_num_threads() != blas0) (o)->kept_blas = false;     \
    } while (0)

/* A short t-SNE run (60 iterations) with the given gradient and seed. */
static emb_tsne_params short_tsne(emb_tsne_method method, uint64_t seed) {
    emb_tsne_params tp = emb_tsne_default_params();
    tp.method = method;
    tp.perplexity = 15;
    tp.early_exaggeration_iter = 30;
    tp.n_iter = 30;
    tp.n_threads = N_THREADS;
    tp.seed = seed;
    return tp;
}

static void *job_a(void *arg) {
    job_out *o = arg;
    o->kept_omp = o->kept_blas = true;
    o->level = emb_cpu_level_active();
    emb_knn_params kp = emb_knn_default_params();
    kp.k = 15;
    kp.method = EMB_KNN_EXACT;
    kp.n_threads = N_THREADS;
    CALL(o, emb_knn_build(in_knn, &kp, &o->knn));
    emb_tsne_params tp = short_tsne(EMB_TSNE_FFT, 7);
    CALL(o, emb_tsne_run(in_tsne, NULL, &tp, &o->map[0], NULL));
    return NULL;
}

static void *job_b(void *arg) {
    job_out *o = arg;
    o->kept_omp = o->kept_blas = true;
    o->level = emb_cpu_level_active();
    emb_tsne_params tp = short_tsne(EMB_TSNE_EXACT, 11);
    CALL(o, emb_tsne_run(in_tsne, NULL, &tp, &o->map[1], NULL));
    tp.method = EMB_TSNE_BH;
    tp.dims = 3;
    CALL(o, emb_tsne_run(in_tsne, NULL, &tp, &o->map[2], NULL));
    emb_pca_params pp = emb_pca_default_params();
    pp.n_components = 8;
    pp.n_threads = N_THREADS;
    CALL(o, emb_pca(in_pca, &pp, &o->pca, NULL));
    emb_knn g = {0};
    emb_knn_params kp = emb_knn_default_params();
    kp.k = 15;
    kp.method = EMB_KNN_EXACT;
    kp.n_threads = 1;
    CALL(o, emb_knn_build(in_tsne, &kp, &g));
    emb_umap_params up = emb_umap_default_params();
    up.n_epochs = 50;
    up.n_threads = 1;
    up.seed = 3;
    if (g.idx) CALL(o, emb_umap_run(&g, NULL, &up, &o->umap, NULL));
    emb_knn_free(&g);
    return NULL;
}

static void job_free(job_out *o) {
    emb_knn_free(&o->knn);
    for (int i = 0; i < 3; i++) emb_matf_free(&o->map[i]);
    emb_matf_free(&o->pca);
    emb_matf_free(&o->umap);
}

static bool same_matf(const emb_matf *a, const emb_matf *b) {
    return a->data && b->data && a->rows == b->rows && a->cols == b->cols &&
           memcmp(a->data, b->data, sizeof(float) * (size_t)(a->rows * a->cols)) == 0;
}

/* Outputs of the concurrent run equal the lone run's, byte for byte. */
static void check_same(const job_out *alone, const job_out *both, const char *job) {
    printf("job %s: %d calls\n", job, both->n_st);
    CHECK_EQ(alone->n_st, both->n_st);
    for (int i = 0; i < both->n_st; i++) CHECK_EQ(EMB_OK, both->st[i]);
    CHECK(both->kept_omp);
    CHECK(both->kept_blas);
    CHECK_EQ(emb_cpu_level_active(), both->level);
    if (alone->knn.idx) {
        size_t nk = (size_t)(alone->knn.n * alone->knn.k);
        CHECK(both->knn.idx && both->knn.n == alone->knn.n && both->knn.k == alone->knn.k);
        if (both->knn.idx) {
            CHECK_EQ_I32(alone->knn.idx, both->knn.idx, nk);
            CHECK(memcmp(alone->knn.dist, both->knn.dist, nk * sizeof(float)) == 0);
        }
    }
    for (int i = 0; i < 3; i++)
        if (alone->map[i].data) CHECK(same_matf(&alone->map[i], &both->map[i]));
    if (alone->pca.data) CHECK(same_matf(&alone->pca, &both->pca));
    if (alone->umap.data) CHECK(same_matf(&alone->umap, &both->umap));
}

int main(void) {
    if (TEST_TSAN) openblas_set_num_threads(1);
    emb_matf xk = {0}, xt = {0}, xp = {0};
    random_matrix(&xk, 3000, 32, 1);
    random_matrix(&xt, 400, 16, 2);
    random_matrix(&xp, 2000, 64, 3);
    in_knn = &xk;
    in_tsne = &xt;
    in_pca = &xp;
    int omp0 = omp_get_max_threads(), blas0 = openblas_get_num_threads();
    printf("OpenMP max threads %d, OpenBLAS threads %d, SIMD %s%s\n", omp0, blas0,
           emb_cpu_level_name(emb_cpu_level_active()), TEST_TSAN ? ", ThreadSanitizer" : "");

    job_out a1 = {0}, b1 = {0}, a2 = {0}, b2 = {0};
    job_a(&a1);   /* alone, on this thread */
    job_b(&b1);
    for (int i = 0; i < a1.n_st; i++) CHECK_EQ(EMB_OK, a1.st[i]);
    for (int i = 0; i < b1.n_st; i++) CHECK_EQ(EMB_OK, b1.st[i]);
    CHECK_EQ(2, a1.n_st);
    CHECK_EQ(5, b1.n_st);
    CHECK(a1.kept_omp && a1.kept_blas && b1.kept_omp && b1.kept_blas);

    pthread_t ta, tb;   /* both at once */
    CHECK(pthread_create(&ta, NULL, job_a, &a2) == 0);
    CHECK(pthread_create(&tb, NULL, job_b, &b2) == 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    check_same(&a1, &a2, "A (exact kNN, t-SNE FFT)");
    check_same(&b1, &b2, "B (t-SNE exact and BH, PCA, UMAP)");
    CHECK_EQ(omp0, omp_get_max_threads());
    CHECK_EQ(blas0, openblas_get_num_threads());

    job_free(&a1); job_free(&b1); job_free(&a2); job_free(&b2);
    emb_matf_free(&xk); emb_matf_free(&xt); emb_matf_free(&xp);
    return check_exit();
}

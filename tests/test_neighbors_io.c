/* test_neighbors_io.c - emb_knn_save / emb_knn_load: a graph written and
 * read back is the same bytes; the loader refuses (with the folder named) a
 * row count other than the one asked for, a float32 neighbors.npy, shapes
 * that differ, an index outside 0..n-1 and a missing file.
 * ctest-labels: unit */
#include "check.h"
#include "embscope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    emb_matf x = {0};
    emb_matf_alloc(&x, 50, 6);
    emb_rng r;
    emb_rng_seed(&r, 4);
    for (int i = 0; i < 300; i++) x.data[i] = (float)emb_rng_normal(&r);
    emb_knn_params kp = emb_knn_default_params();
    kp.k = 5;
    emb_knn g = {0}, h = {0};
    CHECK(emb_knn_build(&x, &kp, &g) == EMB_OK);
    const char *dir = check_tmpdir();
    CHECK(emb_knn_save(&g, dir) == EMB_OK);
    CHECK(emb_knn_load(dir, 50, &h) == EMB_OK);
    CHECK_EQ(50, h.n);
    CHECK_EQ(5, h.k);
    CHECK(h.idx && !memcmp(g.idx, h.idx, sizeof(int32_t) * 250));
    CHECK(h.dist && !memcmp(g.dist, h.dist, sizeof(float) * 250));
    emb_knn_free(&h);
    CHECK(emb_knn_load(dir, -1, &h) == EMB_OK);   /* any row count */
    emb_knn_free(&h);
    CHECK(emb_knn_load(dir, 49, &h) == EMB_E_FORMAT);
    CHECK_CONTAINS(emb_errmsg(), "expected 49 x k");
    CHECK(h.idx == NULL);
    /* an index out of range */
    char *pi = check_tmp_path("neighbors.npy"), *pd = check_tmp_path("distances.npy");
    g.idx[7 * 5 + 2] = 50;
    int64_t shape[2] = {50, 5};
    CHECK(emb_npy_write(pi, EMB_DT_I32, g.idx, 2, shape) == EMB_OK);
    CHECK(emb_knn_load(dir, 50, &h) == EMB_E_FORMAT);
    CHECK_CONTAINS(emb_errmsg(), "index 50 out of range");
    CHECK_CONTAINS(emb_errmsg(), "row 7");
    /* distances of another shape */
    g.idx[7 * 5 + 2] = 3;
    CHECK(emb_npy_write(pi, EMB_DT_I32, g.idx, 2, shape) == EMB_OK);
    int64_t shape2[2] = {50, 4};
    CHECK(emb_npy_write(pd, EMB_DT_F32, g.dist, 2, shape2) == EMB_OK);
    CHECK(emb_knn_load(dir, 50, &h) == EMB_E_FORMAT);
    CHECK_CONTAINS(emb_errmsg(), dir);
    /* float32 indices */
    float *wide = malloc(sizeof(float) * 250);
    for (int i = 0; i < 250; i++) wide[i] = (float)g.idx[i];
    CHECK(emb_npy_write(pd, EMB_DT_F32, g.dist, 2, shape) == EMB_OK);
    CHECK(emb_npy_write(pi, EMB_DT_F32, wide, 2, shape) == EMB_OK);
    CHECK(emb_knn_load(dir, 50, &h) == EMB_E_FORMAT);
    free(wide);
    remove(pi);
    CHECK(emb_knn_load(dir, 50, &h) != EMB_OK);   /* missing */
    CHECK(h.idx == NULL && h.dist == NULL);
    free(pi);
    free(pd);
    emb_knn_free(&g);
    emb_matf_free(&x);
    return check_exit();
}

/* test_features_embed_twice.c - the embedders only read their dataset (issue
 * 19): one folder dataset, with a corrupt JPEG among the PNGs, embedded twice
 * with pixels and twice with CLIP (the small random-weights model of
 * tests/data/clip/openai), stays as emb_dataset_open gave it (n, paths, no
 * pixel_hash, sizes or transparency), and the two results of each are the
 * same bytes, the corrupt file reported in keep and in the skipped list both
 * times. Then emb_dataset_apply_embedding gives the old filtered dataset. */
#include "check.h"
#include "embscope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BAD_NAME "m_bad.jpg"

/* ds is still what emb_dataset_open made: n0 items named paths0. */
static void check_untouched(const emb_dataset *ds, int64_t n0, char *const *paths0) {
    CHECK_EQ(n0, ds->n);
    for (int64_t i = 0; i < n0 && i < ds->n; i++) CHECK(!strcmp(paths0[i], ds->path[i]));
    CHECK(ds->pixel_hash == NULL);
    CHECK(ds->img_w_src == NULL && ds->img_h_src == NULL);
    CHECK(ds->transparent == NULL);
}

/* One result: every item but the corrupt one kept, with a hash and a size;
 * the corrupt one skipped, with zeros. */
static void check_one(const emb_dataset *ds, const emb_embedding *e, const emb_skipped *sk, int64_t bad) {
    CHECK_EQ(ds->n, e->n);
    CHECK_EQ(ds->n - 1, e->vectors.rows);
    if (!CHECK(e->keep && e->pixel_hash && e->img_w_src && e->img_h_src && e->transparent)) return;
    for (int64_t i = 0; i < e->n; i++) {
        CHECK_EQ(i != bad, e->keep[i]);
        CHECK(i == bad ? e->pixel_hash[i] == 0 : e->pixel_hash[i] != 0);
        CHECK(i == bad ? e->img_w_src[i] == 0 : e->img_w_src[i] > 0);
    }
    if (CHECK_EQ(1, sk->n)) CHECK_CONTAINS(sk->path[0], BAD_NAME);
}

/* Two results of the same call on the same dataset: the same bytes. */
static void check_same(const emb_embedding *a, const emb_embedding *b, const emb_skipped *sa, const emb_skipped *sb) {
    if (!CHECK_EQ(a->n, b->n) || !CHECK_EQ(a->vectors.rows, b->vectors.rows) || !CHECK_EQ(a->vectors.cols, b->vectors.cols))
        return;
    size_t n = (size_t)a->n;
    CHECK(!memcmp(a->vectors.data, b->vectors.data, sizeof(float) * (size_t)(a->vectors.rows * a->vectors.cols)));
    CHECK(!memcmp(a->keep, b->keep, n));
    CHECK(!memcmp(a->pixel_hash, b->pixel_hash, n * sizeof(uint64_t)));
    CHECK(!memcmp(a->img_w_src, b->img_w_src, n * sizeof(int32_t)));
    CHECK(!memcmp(a->img_h_src, b->img_h_src, n * sizeof(int32_t)));
    CHECK(!memcmp(a->transparent, b->transparent, n));
    if (CHECK_EQ(sa->n, sb->n) && sa->n == 1) {
        CHECK(!strcmp(sa->path[0], sb->path[0]));
        CHECK(!strcmp(sa->reason[0], sb->reason[0]));
    }
}

int main(void) {
    const char *tmp = check_tmpdir();
    char cmd[8192], dir[1024], model[1024];
    int status;
    snprintf(cmd, sizeof cmd, "mkdir -p %s/data/all && cp %s/clip/pre/*.png %s/data/all/ && echo nope > %s/data/all/" BAD_NAME,
             tmp, TEST_DATA, tmp, tmp);
    free(check_run(cmd, &status));
    CHECK(status == 0);
    snprintf(dir, sizeof dir, "%s/data", tmp);
    snprintf(model, sizeof model, "%s/clip/openai/model.f32.safetensors", TEST_DATA);

    emb_dataset *ds = NULL;
    if (!CHECK(emb_dataset_open(dir, NULL, &ds) == EMB_OK)) return check_exit();
    const int64_t n0 = ds->n;
    char **paths0 = calloc((size_t)n0, sizeof(char *));
    int64_t bad = -1;
    for (int64_t i = 0; i < n0; i++) {
        paths0[i] = strdup(ds->path[i]);
        if (strstr(ds->path[i], BAD_NAME)) bad = i;
    }
    CHECK(n0 >= 3 && bad >= 0);

    /* ---- pixels, twice */
    emb_pixels_params pp = emb_pixels_default_params();
    pp.size = 8;
    pp.color = true;
    emb_embedding p[2] = {{0}};
    emb_skipped psk[2] = {{0}};
    for (int r = 0; r < 2; r++) {
        CHECK(emb_pixels_embed(ds, &pp, &p[r], &psk[r]) == EMB_OK);
        check_untouched(ds, n0, paths0);
        check_one(ds, &p[r], &psk[r], bad);
    }
    check_same(&p[0], &p[1], &psk[0], &psk[1]);

    /* ---- CLIP, twice (2 threads, overlapped decode: the default pipeline) */
    emb_clip_params cp = emb_clip_default_params();
    cp.n_threads = 2;
    cp.batch = 3;
    emb_clip *m = NULL;
    emb_embedding c[2] = {{0}};
    emb_skipped csk[2] = {{0}};
    if (CHECK(emb_clip_load(model, &cp, &m) == EMB_OK)) {
        for (int r = 0; r < 2; r++) {
            CHECK(emb_clip_embed_dataset(ds, m, &cp, &c[r], &csk[r]) == EMB_OK);
            check_untouched(ds, n0, paths0);
            check_one(ds, &c[r], &csk[r], bad);
        }
        check_same(&c[0], &c[1], &csk[0], &csk[1]);
        /* both features hash the same decoded pixels */
        if (c[0].pixel_hash && p[0].pixel_hash)
            CHECK(!memcmp(c[0].pixel_hash, p[0].pixel_hash, sizeof(uint64_t) * (size_t)n0));
    }
    emb_clip_free(m);

    /* ---- applied: the old in-place result, row i = item i */
    emb_embedding wrong = p[0];
    wrong.n = n0 + 1;
    CHECK(emb_dataset_apply_embedding(ds, &wrong) == EMB_E_INVALID);
    check_untouched(ds, n0, paths0);
    if (CHECK(emb_dataset_apply_embedding(ds, &p[0]) == EMB_OK) && CHECK_EQ(n0 - 1, ds->n) && CHECK(ds->pixel_hash != NULL)) {
        for (int64_t i = 0, j = 0; i < n0; i++) {
            if (i == bad) continue;
            CHECK(!strcmp(paths0[i], ds->path[j]));
            CHECK(ds->pixel_hash[j] == p[0].pixel_hash[i]);
            CHECK_EQ(p[0].img_w_src[i], ds->img_w_src[j]);
            j++;
        }
    }

    for (int r = 0; r < 2; r++) {
        emb_embedding_free(&p[r]);
        emb_embedding_free(&c[r]);
        emb_skipped_free(&psk[r]);
        emb_skipped_free(&csk[r]);
    }
    for (int64_t i = 0; i < n0; i++) free(paths0[i]);
    free(paths0);
    emb_dataset_free(ds);
    return check_exit();
}

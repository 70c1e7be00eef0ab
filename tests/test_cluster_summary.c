/* test_cluster_summary.c - the clusters as summary.json and the report see
 * them: each cluster's representatives (up to 8 members, probability
 * descending, then outlier score ascending, then distance to the mean, then index ascending) against a
 * full sort of the members (the naive version) and against hand-worked
 * values; the noise count; the medoid without centre distances (HDBSCAN,
 * clusters.csv read back) = the first representative; clusters.csv written
 * and read back to the same arrays; a bad clusters.csv (short, an index twice
 * or out of range, a cluster below -1, not a number, no cluster column)
 * refused with the path and the reason; the report's recomputed block (none
 * for a file that summary.json says an earlier run left).
 * ctest-labels: unit */
#include "check.h"
#include "cluster/cluster.h"
#include "report/report.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { N = 20, M = EMB_CLUSTER_REPRESENTATIVES };

/* 3 clusters + noise, with ties in probability and in outlier score.
 * cluster 0: items 0..11 (12 members: more than 8), 1: 12..15, 2: 16..17, noise: 18, 19. */
static const int32_t CL[N] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, -1, -1};
static const float PR[N] = {0.5f, 1, 1, 0.9f, 1, 0.9f, 1, 0.2f, 1, 0.9f, 0.3f, 1, 0.7f, 0.7f, 1, 0.7f, 1, 1, 0, 0};
static const float OU[N] = {0.1f, 0.4f, 0.2f, 0.1f, 0.2f, 0.1f, 0.05f, 0, 0.9f, 0.3f, 0, 0.2f, 0.5f, 0.2f, 0.9f, 0.2f, 0.3f, 0.3f, 1, 0.8f};

static emb_clusters fixture(void) {
    emb_clusters c = {0};
    c.n = N;
    c.k = 3;
    c.cluster = malloc(sizeof CL);
    c.probability = malloc(sizeof PR);
    c.outlier = malloc(sizeof OU);
    memcpy(c.cluster, CL, sizeof CL);
    memcpy(c.probability, PR, sizeof PR);
    memcpy(c.outlier, OU, sizeof OU);
    c.method = "hdbscan";
    return c;
}

/* The naive ranking: every member, selection-sorted by the same order. */
static int naive_rank(const emb_clusters *c, int g, int64_t *out) {
    int64_t mem[N];
    int m = 0;
    for (int64_t i = 0; i < c->n; i++)
        if (c->cluster[i] == g) mem[m++] = i;
    for (int a = 0; a < m; a++)
        for (int b = a + 1; b < m; b++) {
            int64_t x = mem[a], y = mem[b];
            bool swap = c->probability[y] > c->probability[x] ||
                        (c->probability[y] == c->probability[x] &&
                         (c->outlier[y] < c->outlier[x] || (c->outlier[y] == c->outlier[x] && y < x)));
            if (swap) { mem[a] = y; mem[b] = x; }
        }
    for (int a = 0; a < m; a++) out[a] = mem[a];
    return m;
}

static void test_representatives(void) {
    emb_clusters c = fixture();
    int64_t rep[3 * M], want[N];
    int n_rep[3];
    emb__cluster_representatives(&c, M, rep, n_rep);
    /* by hand: cluster 0's probability-1 members 6 (0.05), 2 (0.2), 4 (0.2), 11 (0.2), 1 (0.4), 8 (0.9),
     * then probability 0.9: 3 (0.1), 5 (0.1); 9, 0, 10, 7 do not make the 8 */
    static const int64_t HAND0[M] = {6, 2, 4, 11, 1, 8, 3, 5};
    static const int64_t HAND1[4] = {14, 13, 15, 12};
    CHECK_EQ(8, n_rep[0]);
    CHECK_EQ(4, n_rep[1]);
    CHECK_EQ(2, n_rep[2]);
    for (int r = 0; r < M; r++) CHECK_EQ(HAND0[r], rep[r]);
    for (int r = 0; r < 4; r++) CHECK_EQ(HAND1[r], rep[M + r]);
    CHECK_EQ(16, rep[2 * M]);
    CHECK_EQ(17, rep[2 * M + 1]);
    for (int g = 0; g < 3; g++) {
        int m = naive_rank(&c, g, want);
        CHECK_EQ(m < M ? m : M, n_rep[g]);
        for (int r = 0; r < n_rep[g]; r++) CHECK_EQ(want[r], rep[g * M + r]);
    }
    /* fewer asked for: the same head */
    emb__cluster_representatives(&c, 3, rep, n_rep);
    CHECK_EQ(3, n_rep[0]);
    for (int r = 0; r < 3; r++) CHECK_EQ(HAND0[r], rep[r]);
    emb_clusters_free(&c);
}

/* summary.json's block: representatives, noise, the medoid = the first representative (no dist). */
static void test_summary_block(void) {
    emb_clusters c = fixture();
    emb_summary *s = emb_summary_new();
    CHECK(emb_summary_add_clusters(s, NULL, &c) == EMB_OK);
    char *js = emb_summary_print(s);
    cJSON *root = js ? cJSON_Parse(js) : NULL, *cl = cJSON_GetObjectItem(root, "clusters");
    CHECK(cl != NULL);
    CHECK_EQ(2, cJSON_GetNumberValue(cJSON_GetObjectItem(cl, "noise")));
    CHECK_EQ(3, cJSON_GetNumberValue(cJSON_GetObjectItem(cl, "k")));
    cJSON *arr = cJSON_GetObjectItem(cl, "clusters");
    CHECK_EQ(3, cJSON_GetArraySize(arr));
    static const int SIZE[3] = {12, 4, 2}, MEDOID[3] = {6, 14, 16}, NREP[3] = {8, 4, 2};
    for (int g = 0; g < 3 && g < cJSON_GetArraySize(arr); g++) {
        cJSON *e = cJSON_GetArrayItem(arr, g);
        CHECK_EQ(SIZE[g], cJSON_GetNumberValue(cJSON_GetObjectItem(e, "size")));
        CHECK_EQ(MEDOID[g], cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(e, "medoid"), "index")));
        cJSON *r = cJSON_GetObjectItem(e, "representatives");
        CHECK_EQ(NREP[g], cJSON_GetArraySize(r));
        CHECK_EQ(MEDOID[g], cJSON_GetNumberValue(cJSON_GetArrayItem(r, 0)));
    }
    CHECK_EQ(11, cJSON_GetNumberValue(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 0), "representatives"), 3)));
    cJSON_Delete(root);
    free(js);
    emb_summary_free(s);
    emb_clusters_free(&c);
}

static void test_read_csv(void) {
    emb_clusters c = fixture(), back;
    char *path = check_tmp_path("clusters.csv");
    CHECK(emb_clusters_write_csv(path, &c) == EMB_OK);
    CHECK(emb__clusters_read_csv(path, N, &back) == EMB_OK);
    CHECK_EQ(N, back.n);
    CHECK_EQ(3, back.k);
    CHECK_EQ_I32(CL, back.cluster, N);
    CHECK_CLOSE_F32(PR, back.probability, N, 1e-6, 0);
    CHECK_CLOSE_F32(OU, back.outlier, N, 1e-6, 0);
    CHECK(!memcmp(c.probability, back.probability, sizeof(float) * N));   /* %.9g: the same floats */
    CHECK(!memcmp(c.outlier, back.outlier, sizeof(float) * N));
    CHECK(back.dist != NULL && back.centers == NULL);   /* the distance column */
    if (c.dist && back.dist) CHECK(!memcmp(c.dist, back.dist, sizeof(float) * N));
    emb_clusters_free(&back);
    CHECK(emb__clusters_read_csv(path, N + 1, &back) == EMB_E_FORMAT);   /* one row short */
    CHECK_CONTAINS(emb_errmsg(), path);
    CHECK_CONTAINS(emb_errmsg(), "20 rows for 21 items");
    CHECK(back.cluster == NULL && back.k == 0);
    /* rows in another order, extra columns, no probability column */
    CHECK(check_write_file(path, "cluster,note,index\n1,x,1\n-1,,0\n0,\"a,b\",2\n", strlen("cluster,note,index\n1,x,1\n-1,,0\n0,\"a,b\",2\n")));
    CHECK(emb__clusters_read_csv(path, 3, &back) == EMB_OK);
    static const int32_t WANT[3] = {-1, 1, 0};
    CHECK_EQ_I32(WANT, back.cluster, 3);
    CHECK_EQ(2, back.k);
    CHECK_CLOSE(1.0, back.probability[2], 0, 0);
    emb_clusters_free(&back);
    static const char *BAD[][2] = {
        {"index,cluster\n0,0\n0,1\n", "index 0 given twice"},
        {"index,cluster\n0,0\n5,1\n", "index 5 outside 0..1"},
        {"index,cluster\n0,0\n1,-2\n", "cluster -2 outside"},
        {"index,cluster\n0,0\n1,x\n", ":3: not index,cluster"},
        {"index,cluster,probability\n0,0,nan\n1,0,1\n", ":2: not index"},
        {"index,label\n0,0\n1,1\n", "no 'index' and 'cluster' columns"},
        {"", "no header row"},
    };
    for (size_t b = 0; b < sizeof BAD / sizeof BAD[0]; b++) {
        CHECK(check_write_file(path, BAD[b][0], strlen(BAD[b][0])));
        CHECK(emb__clusters_read_csv(path, 2, &back) == EMB_E_FORMAT);
        CHECK_CONTAINS(emb_errmsg(), BAD[b][1]);
        CHECK(back.cluster == NULL);
    }
    free(path);
    emb_clusters_free(&c);
}

/* The report's block comes from clusters.csv; a bad file leaves a note, no block. */
static void test_report_block(void) {
    emb_clusters c = fixture();
    const char *dir = check_tmpdir();
    char *path = check_tmp_path("clusters.csv");
    CHECK(emb_clusters_write_csv(path, &c) == EMB_OK);
    cJSON *summary = cJSON_Parse("{\"clusters\":{\"method\":\"hdbscan\"}}");
    emb__report_clusters rc;
    CHECK(emb__report_clusters_load(dir, NULL, N, summary, &rc) == EMB_OK);
    CHECK(rc.block != NULL && !rc.note[0]);
    CHECK_EQ_I32(CL, rc.item, N);
    cJSON *m = cJSON_GetObjectItem(rc.block, "method");
    CHECK(cJSON_IsString(m) && !strcmp(m->valuestring, "hdbscan"));
    CHECK_EQ(2, cJSON_GetNumberValue(cJSON_GetObjectItem(rc.block, "noise")));
    emb__report_clusters_free(&rc);
    CHECK(emb__report_clusters_load(dir, NULL, N - 1, summary, &rc) == EMB_OK);   /* items.csv disagrees */
    CHECK(rc.block == NULL && rc.item == NULL);
    CHECK_CONTAINS(rc.note, "clusters.csv:21: index 19 outside 0..18");
    emb__report_clusters_free(&rc);
    cJSON *stale = cJSON_Parse("{\"stages_left_out\":{\"clusters\":\"--clusters none\"}}");
    CHECK(emb__report_clusters_load(dir, NULL, N, stale, &rc) == EMB_OK);         /* an earlier run's file */
    CHECK(rc.block == NULL && rc.item == NULL);
    CHECK_CONTAINS(rc.note, "left out (--clusters none)");
    emb__report_clusters_free(&rc);
    cJSON_Delete(stale);
    remove(path);
    CHECK(emb__report_clusters_load(dir, NULL, N, summary, &rc) == EMB_OK);       /* no file: nothing */
    CHECK(rc.block == NULL && !rc.note[0]);
    cJSON_Delete(summary);
    free(path);
    emb_clusters_free(&c);
}

int main(void) {
    test_representatives();
    test_summary_block();
    test_read_csv();
    test_report_block();
    return check_exit();
}

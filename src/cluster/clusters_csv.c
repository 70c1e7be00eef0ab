/* clusters_csv.c - clusters.csv read back (the report colours the map and
 * fills its Clusters panel from it). The file is a user's file: every row
 * is checked (index in range and seen once, cluster id in [-1, n), numbers
 * finite), and a file that does not cover the n items exactly is refused. */
#include "cluster/cluster.h"

#include <errno.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool parse_i64(const char *s, int64_t *v) {
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (errno || end == s || *end) return false;
    *v = x;
    return true;
}

static bool parse_f32(const char *s, float *v) {
    char *end;
    float x = strtof(s, &end);
    if (end == s || *end || !isfinite(x)) return false;
    *v = x;
    return true;
}

/* Columns of the header row; -1 when absent. */
static void find_columns(char **f, int nf, int col[5]) {
    static const char *NAMES[5] = {"index", "cluster", "probability", "outlier_score", "distance"};
    for (int j = 0; j < 5; j++) col[j] = -1;
    for (int j = 0; j < 5; j++)
        for (int q = 0; q < nf; q++)
            if (!strcmp(f[q], NAMES[j])) { col[j] = q; break; }
}

emb_status emb__clusters_read_csv(const char *path, int64_t n, emb_clusters *out) {
    memset(out, 0, sizeof *out);
    if (n <= 0) return emb__fail(EMB_E_INVALID, "%s: no items to read clusters for", path);
    FILE *f = fopen(path, "rb");
    if (!f) return emb__fail(EMB_E_IO, "%s: cannot open", path);
    emb_status st = EMB_OK;
    char **fl = NULL;
    int nf = 0, col[5];
    emb_clusters c = {0};
    uint8_t *seen = NULL;
    if (emb_csv_read_record(f, &fl, &nf) != 1) { st = emb__fail(EMB_E_FORMAT, "%s: no header row", path); goto done; }
    find_columns(fl, nf, col);
    emb_csv_record_free(fl, nf);
    fl = NULL;
    if (col[0] < 0 || col[1] < 0) { st = emb__fail(EMB_E_FORMAT, "%s: no 'index' and 'cluster' columns", path); goto done; }
    c.n = n;
    c.cluster = emb__malloc(sizeof(int32_t) * (size_t)n, "clusters");
    c.probability = emb__malloc(sizeof(float) * (size_t)n, "clusters");
    c.outlier = emb__malloc(sizeof(float) * (size_t)n, "clusters");
    if (col[4] >= 0) c.dist = emb__malloc(sizeof(float) * (size_t)n, "clusters");
    seen = emb__calloc((size_t)n, 1, "clusters");
    if (!c.cluster || !c.probability || !c.outlier || !seen || (col[4] >= 0 && !c.dist)) { st = EMB_E_NOMEM; goto done; }
    int64_t line = 1, rows = 0, top = -1;
    int r;
    while ((r = emb_csv_read_record(f, &fl, &nf)) == 1) {
        line++;
        if (nf == 1 && !fl[0][0]) { emb_csv_record_free(fl, nf); fl = NULL; continue; }   /* blank line */
        int64_t i, g;
        float p = 1.0f, o = 0.0f, dd = 0.0f;
        bool ok = col[0] < nf && col[1] < nf && parse_i64(fl[col[0]], &i) && parse_i64(fl[col[1]], &g) &&
                  (col[2] < 0 || (col[2] < nf && parse_f32(fl[col[2]], &p))) &&
                  (col[3] < 0 || (col[3] < nf && parse_f32(fl[col[3]], &o))) &&
                  (col[4] < 0 || (col[4] < nf && parse_f32(fl[col[4]], &dd)));
        emb_csv_record_free(fl, nf);
        fl = NULL;
        if (!ok) { st = emb__fail(EMB_E_FORMAT, "%s:%lld: not index,cluster,probability,outlier_score[,distance] numbers", path, (long long)line); goto done; }
        if (i < 0 || i >= n) { st = emb__fail(EMB_E_FORMAT, "%s:%lld: index %lld outside 0..%lld", path, (long long)line, (long long)i, (long long)n - 1); goto done; }
        if (seen[i]) { st = emb__fail(EMB_E_FORMAT, "%s:%lld: index %lld given twice", path, (long long)line, (long long)i); goto done; }
        if (g < -1 || g >= n || g >= INT32_MAX) { st = emb__fail(EMB_E_FORMAT, "%s:%lld: cluster %lld outside -1..%lld", path, (long long)line, (long long)g, (long long)n - 1); goto done; }
        seen[i] = 1;
        c.cluster[i] = (int32_t)g;
        c.probability[i] = p;
        c.outlier[i] = o;
        if (c.dist) c.dist[i] = dd;
        if (g > top) top = g;
        rows++;
    }
    if (r < 0) { st = emb__fail(EMB_E_FORMAT, "%s:%lld: unreadable CSV record", path, (long long)line + 1); goto done; }
    if (rows != n) { st = emb__fail(EMB_E_FORMAT, "%s: %lld rows for %lld items", path, (long long)rows, (long long)n); goto done; }
    c.k = (int)(top + 1);
    *out = c;
    memset(&c, 0, sizeof c);   /* the caller owns it now */
done:
    if (fl) emb_csv_record_free(fl, nf);
    emb_clusters_free(&c);
    free(seen);
    fclose(f);
    return st;
}

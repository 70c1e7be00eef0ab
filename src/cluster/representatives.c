/* representatives.c - the members that stand for a cluster: highest
 * membership probability first, then lowest outlier score, then shortest
 * distance to the cluster's mean (when known), then lowest index. For
 * k-means (probability 1 everywhere, outlier score = distance to
 * the centre / the cluster's largest) these are the members closest to the
 * centre; for HDBSCAN the core members with the lowest GLOSH scores. One
 * pass over the items keeps a sorted list of at most m per cluster
 * (O(n m), no sort of the members). */
#include "cluster/cluster.h"

/* Item a ranks before item b. */
static bool before(const emb_clusters *c, int64_t a, int64_t b) {
    float pa = c->probability ? c->probability[a] : 1.0f, pb = c->probability ? c->probability[b] : 1.0f;
    if (pa != pb) return pa > pb;
    float oa = c->outlier ? c->outlier[a] : 0.0f, ob = c->outlier ? c->outlier[b] : 0.0f;
    if (oa != ob) return oa < ob;
    float da = c->dist ? c->dist[a] : 0.0f, db = c->dist ? c->dist[b] : 0.0f;
    if (da != db) return da < db;   /* HDBSCAN: many core members tie at 1 and 0; the most central first */
    return a < b;
}

void emb__cluster_representatives(const emb_clusters *c, int m, int64_t *rep, int *n_rep) {
    for (int g = 0; g < c->k; g++) n_rep[g] = 0;
    if (m <= 0) return;
    for (int64_t i = 0; i < c->n; i++) {
        int32_t g = c->cluster[i];
        if (g < 0 || g >= c->k) continue;
        int64_t *r = rep + (size_t)g * (size_t)m;
        int at = n_rep[g];
        while (at > 0 && before(c, i, r[at - 1])) at--;
        if (at >= m) continue;
        int last = n_rep[g] < m ? n_rep[g] : m - 1;   /* the list grows, or its last drops off */
        for (int j = last; j > at; j--) r[j] = r[j - 1];
        r[at] = i;
        if (n_rep[g] < m) n_rep[g]++;
    }
}

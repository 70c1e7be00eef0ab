/* summary.c - the clusters in summary.json: per cluster its size, medoid,
 * majority label, purity, top labels and representatives (the members that
 * stand for it, see representatives.c); the findings "mixed clusters"
 * (classes the features do not separate) and "split classes" (one label
 * over two or more large clusters: sub-classes, or two meanings of a label). */
#include "cluster/cluster.h"
#include "io/io.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static const char *label_name(const emb_dataset *ds, int32_t l) {
    return ds && l >= 0 && l < ds->n_classes ? ds->class_names[l] : "";
}

static cJSON *item_json(const emb_dataset *ds, int64_t i) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "index", (double)i);
    if (ds && ds->path) cJSON_AddStringToObject(o, "path", ds->path[i]);
    if (ds && ds->label) cJSON_AddStringToObject(o, "label", label_name(ds, ds->label[i]));
    return o;
}

/* The 3 labels with the most members of a cluster (count desc, index asc). */
static int top_labels(const int64_t *cnt, int nc, int *top) {
    int m = 0;
    for (int r = 0; r < 3; r++) {
        int best = -1;
        for (int l = 0; l < nc; l++) {
            bool used = false;
            for (int u = 0; u < m; u++) used |= top[u] == l;
            if (!used && cnt[l] > 0 && (best < 0 || cnt[l] > cnt[best])) best = l;
        }
        if (best < 0) break;
        top[m++] = best;
    }
    return m;
}

emb_status emb_summary_add_clusters(emb_summary *s, const emb_dataset *ds, const emb_clusters *c) {
    int k = c->k, nc = ds && ds->label && ds->n == c->n ? ds->n_classes : 0;
    int64_t *cnt = calloc((size_t)k * (nc ? nc : 1), sizeof *cnt);   /* (k, nc) members per label */
    int64_t *size = calloc((size_t)(k ? k : 1), sizeof *size), *medoid = malloc(sizeof(int64_t) * (size_t)(k ? k : 1));
    int64_t *per_label = calloc((size_t)(nc ? nc : 1), sizeof *per_label), noise = 0;
    int64_t *rep = malloc(sizeof(int64_t) * (size_t)(k ? k : 1) * EMB_CLUSTER_REPRESENTATIVES);   /* (k, 8) */
    int *n_rep = malloc(sizeof(int) * (size_t)(k ? k : 1));
    cJSON *o = cJSON_CreateObject();
    if (!cnt || !size || !medoid || !per_label || !rep || !n_rep || !o) {
        free(cnt); free(size); free(medoid); free(per_label); free(rep); free(n_rep); cJSON_Delete(o);
        return emb__fail(EMB_E_NOMEM, "out of memory");
    }
    emb__cluster_representatives(c, EMB_CLUSTER_REPRESENTATIVES, rep, n_rep);
    for (int a = 0; a < k; a++) medoid[a] = -1;
    for (int64_t i = 0; i < c->n; i++) {
        int32_t g = c->cluster[i];
        if (g < 0 || g >= k) { noise++; continue; }
        size[g]++;
        if (c->dist && (medoid[g] < 0 || c->dist[i] < c->dist[medoid[g]])) medoid[g] = i;
        int32_t l = nc ? ds->label[i] : -1;
        if (l >= 0 && l < nc) { cnt[(size_t)g * nc + l]++; per_label[l]++; }
    }
    cJSON_AddStringToObject(o, "method", c->method ? c->method : "");
    cJSON_AddNumberToObject(o, "k", k);
    cJSON_AddNumberToObject(o, "noise", (double)noise);
    if (c->method && !strcmp(c->method, "kmeans")) {
        cJSON_AddNumberToObject(o, "inertia", c->inertia);
        cJSON_AddNumberToObject(o, "iterations", c->n_iter);
        cJSON_AddBoolToObject(o, "converged", c->converged);
    }
    cJSON *arr = cJSON_AddArrayToObject(o, "clusters");
    cJSON *fnd = cJSON_AddObjectToObject(o, "findings");
    cJSON *mixed = cJSON_AddArrayToObject(fnd, "mixed_clusters");
    cJSON *split = cJSON_AddArrayToObject(fnd, "split_classes");
    for (int g = 0; g < k; g++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "cluster", g);
        cJSON_AddNumberToObject(e, "size", (double)size[g]);
        if (!c->dist && n_rep[g]) medoid[g] = rep[(size_t)g * EMB_CLUSTER_REPRESENTATIVES];   /* no centre distances */
        if (medoid[g] >= 0) cJSON_AddItemToObject(e, "medoid", item_json(ds, medoid[g]));
        int top[3], m = nc ? top_labels(cnt + (size_t)g * nc, nc, top) : 0;
        int64_t labelled = 0;
        for (int l = 0; l < nc; l++) labelled += cnt[(size_t)g * nc + l];
        if (m > 0) {
            double purity = (double)cnt[(size_t)g * nc + top[0]] / (double)labelled;
            cJSON_AddStringToObject(e, "majority_label", label_name(ds, top[0]));
            cJSON_AddNumberToObject(e, "purity", purity);
            cJSON *tl = cJSON_AddArrayToObject(e, "top_labels");
            for (int r = 0; r < m; r++) {
                cJSON *t = cJSON_CreateObject();
                cJSON_AddStringToObject(t, "label", label_name(ds, top[r]));
                cJSON_AddNumberToObject(t, "count", (double)cnt[(size_t)g * nc + top[r]]);
                cJSON_AddItemToArray(tl, t);
            }
            if (purity < EMB_CLUSTER_MIXED_PURITY && m >= 2) {
                cJSON *f = cJSON_CreateObject();
                char pair[512];
                snprintf(pair, sizeof pair, "%s / %s", label_name(ds, top[0]), label_name(ds, top[1]));
                cJSON_AddNumberToObject(f, "cluster", g);
                cJSON_AddNumberToObject(f, "size", (double)size[g]);
                cJSON_AddNumberToObject(f, "purity", purity);
                cJSON_AddStringToObject(f, "classes", pair);
                cJSON_AddItemToArray(mixed, f);
            }
        }
        cJSON *ra = cJSON_AddArrayToObject(e, "representatives");
        for (int r = 0; r < n_rep[g]; r++)
            cJSON_AddItemToArray(ra, cJSON_CreateNumber((double)rep[(size_t)g * EMB_CLUSTER_REPRESENTATIVES + r]));
        cJSON_AddItemToArray(arr, e);
    }
    for (int l = 0; l < nc; l++) {
        if (!per_label[l]) continue;
        cJSON *cl = NULL;
        double largest = 0;
        for (int g = 0; g < k; g++) {
            double share = (double)cnt[(size_t)g * nc + l] / (double)per_label[l];
            if (share > largest) largest = share;
            if (share < EMB_CLUSTER_SPLIT_SHARE) continue;
            if (!cl) cl = cJSON_CreateArray();
            cJSON *t = cJSON_CreateObject();
            cJSON_AddNumberToObject(t, "cluster", g);
            cJSON_AddNumberToObject(t, "share", share);
            cJSON_AddItemToArray(cl, t);
        }
        if (cl && cJSON_GetArraySize(cl) >= 2 && largest < EMB_CLUSTER_SPLIT_LARGEST) {
            cJSON *f = cJSON_CreateObject();
            cJSON_AddStringToObject(f, "label", label_name(ds, l));
            cJSON_AddNumberToObject(f, "items", (double)per_label[l]);
            cJSON_AddItemToObject(f, "clusters", cl);
            cJSON_AddItemToArray(split, f);
        } else {
            cJSON_Delete(cl);
        }
    }
    /* Partly labelled data: clusters whose members are (nearly) all unlabelled. */
    int64_t n_lab = 0, n_unlab = 0;
    for (int64_t i = 0; nc && i < c->n; i++) {
        if (ds->label[i] >= 0 && ds->label[i] < nc) n_lab++;
        else n_unlab++;
    }
    if (n_lab && n_unlab) {
        cJSON *unl = cJSON_AddArrayToObject(fnd, "unlabelled_clusters");
        for (int g = 0; g < k; g++) {
            int64_t labelled = 0;
            for (int l = 0; l < nc; l++) labelled += cnt[(size_t)g * nc + l];
            if (!size[g] || (double)labelled / (double)size[g] >= EMB_CLUSTER_UNLABELLED_SHARE) continue;
            cJSON *f = cJSON_CreateObject();
            cJSON_AddNumberToObject(f, "cluster", g);
            cJSON_AddNumberToObject(f, "size", (double)size[g]);
            cJSON_AddNumberToObject(f, "labelled", (double)labelled);
            cJSON_AddItemToArray(unl, f);
        }
        cJSON_AddNumberToObject(fnd, "unlabelled_cluster_labelled_share_below", EMB_CLUSTER_UNLABELLED_SHARE);
    }
    cJSON_AddNumberToObject(fnd, "mixed_cluster_purity_below", EMB_CLUSTER_MIXED_PURITY);
    cJSON_AddNumberToObject(fnd, "split_class_share_at_least", EMB_CLUSTER_SPLIT_SHARE);
    cJSON_AddNumberToObject(fnd, "split_class_largest_share_below", EMB_CLUSTER_SPLIT_LARGEST);
    free(cnt); free(size); free(medoid); free(per_label); free(rep); free(n_rep);
    return emb__summary_put(s, "clusters", o);
}

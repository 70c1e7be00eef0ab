/* clusters.c - the clusters as the report shows them: clusters.csv read
 * back (cluster/clusters_csv.c) and summarised by the same code that writes
 * summary.json's "clusters" block (emb_summary_add_clusters: size, purity,
 * majority label, representatives, findings), so the page's Clusters panel
 * and map colours always agree with the file beside the page. A missing
 * clusters.csv means no panel; a bad one (wrong row count, index out of
 * range, ...), or one that summary.json says is stale (the run left the
 * cluster stage out), means no panel and a note saying why, never a failed
 * report. */
#include "report/report.h"
#include "cluster/cluster.h"
#include "io/io.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

emb_status emb__report_clusters_load(const char *dir, const emb_dataset *ds, int64_t n, const struct cJSON *summary,
                                     emb__report_clusters *out) {
    memset(out, 0, sizeof *out);
    char *p = emb_path_join(dir, "clusters.csv");
    if (!p) return EMB_E_NOMEM;
    FILE *f = fopen(p, "rb");
    if (!f) { free(p); return EMB_OK; }   /* no clusters (--clusters none): no panel */
    fclose(f);
    /* analyze --clusters none into a folder of an earlier run leaves that run's clusters.csv */
    const cJSON *left = cJSON_GetObjectItem(cJSON_GetObjectItem(summary, "stages_left_out"), "clusters");
    if (left && !cJSON_GetObjectItem(summary, "clusters")) {
        snprintf(out->note, sizeof out->note, "clusters.csv not shown: summary.json says the cluster stage was left out (%s), "
                 "so the file is from an earlier run", cJSON_IsString(left) ? left->valuestring : "");
        free(p);
        return EMB_OK;
    }
    emb_clusters c;
    emb_status st = n > 0 ? emb__clusters_read_csv(p, n, &c) : emb__fail(EMB_E_FORMAT, "%s: no items to match", p);
    free(p);
    if (st == EMB_E_NOMEM) return st;
    if (st) { snprintf(out->note, sizeof out->note, "clusters.csv not shown: %s", emb_errmsg()); return EMB_OK; }
    /* The method is not in clusters.csv; summary.json names it. */
    const cJSON *m = cJSON_GetObjectItem(cJSON_GetObjectItem(summary, "clusters"), "method");
    c.method = cJSON_IsString(m) ? m->valuestring : NULL;
    emb_summary *s = emb_summary_new();
    st = s ? emb_summary_add_clusters(s, ds && ds->n == n ? ds : NULL, &c) : EMB_E_NOMEM;
    if (!st) {
        out->block = cJSON_DetachItemFromObject(emb__summary_cjson(s), "clusters");
        out->item = c.cluster;
        c.cluster = NULL;   /* kept for the page */
        out->n = n;
        if (!out->block) st = EMB_E_NOMEM;
    }
    c.method = NULL;
    emb_clusters_free(&c);
    emb_summary_free(s);
    if (st) emb__report_clusters_free(out);
    return st;
}

void emb__report_clusters_write(FILE *f, const emb__report_clusters *rc) {
    fputs(",\"clusters_note\":", f);
    if (rc->note[0]) emb__json_str(f, rc->note);
    else fputs("null", f);
    fputs(",\"clusters\":", f);
    char *text = rc->block ? cJSON_PrintUnformatted(rc->block) : NULL;
    if (!text) { fputs("null", f); return; }
    emb__json_raw(f, text, strlen(text) - 1);   /* the object without its closing brace, then the per-item ids */
    free(text);
    fputs(",\"item\":\"", f);
    emb__b64_write(f, rc->item, sizeof(int32_t) * (size_t)rc->n);
    fputs("\"}", f);
}

void emb__report_clusters_free(emb__report_clusters *rc) {
    cJSON_Delete(rc->block);
    free(rc->item);
    memset(rc, 0, sizeof *rc);
}

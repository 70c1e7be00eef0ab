/* summary.c - summary.json: a cJSON document addressed by dotted key paths,
 * and the dataset's class and split counts. */
#include "core/internal.h"
#include "io/io.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

struct emb_summary { cJSON *root; };

emb_summary *emb_summary_new(void) {
    emb_summary *s = calloc(1, sizeof *s);
    if (s && !(s->root = cJSON_CreateObject())) { free(s); s = NULL; }
    return s;
}

void emb_summary_free(emb_summary *s) {
    if (!s) return;
    cJSON_Delete(s->root);
    free(s);
}

void *emb__summary_cjson(emb_summary *s) { return s->root; }

/* Walk "a.b.c": create objects a and b, return the object holding c. */
static cJSON *parent_of(cJSON *root, const char *path, char *last, size_t last_len) {
    cJSON *o = root;
    const char *p = path;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (len == 0 || len >= last_len) return NULL;
        memcpy(last, p, len);
        last[len] = 0;
        if (!dot) return o;
        cJSON *c = cJSON_GetObjectItemCaseSensitive(o, last);
        if (!c || !cJSON_IsObject(c)) {
            if (c) cJSON_DeleteItemFromObjectCaseSensitive(o, last);
            c = cJSON_AddObjectToObject(o, last);
            if (!c) return NULL;
        }
        o = c;
        p = dot + 1;
    }
}

emb_status emb__summary_put(emb_summary *s, const char *key_path, void *item) {
    char last[256];
    cJSON *o = parent_of(s->root, key_path, last, sizeof last);
    if (!o || !item) {
        cJSON_Delete(item);
        return emb__fail(EMB_E_INVALID, "summary: cannot set '%s'", key_path);
    }
    if (cJSON_GetObjectItemCaseSensitive(o, last)) cJSON_ReplaceItemInObjectCaseSensitive(o, last, item);
    else cJSON_AddItemToObject(o, last, item);
    return EMB_OK;
}

emb_status emb_summary_set_number(emb_summary *s, const char *k, double v) { return emb__summary_put(s, k, cJSON_CreateNumber(v)); }
emb_status emb_summary_set_string(emb_summary *s, const char *k, const char *v) { return emb__summary_put(s, k, cJSON_CreateString(v ? v : "")); }
emb_status emb_summary_set_bool(emb_summary *s, const char *k, bool v) { return emb__summary_put(s, k, cJSON_CreateBool(v)); }

emb_status emb_summary_set_json(emb_summary *s, const char *k, const char *json_text) {
    cJSON *j = cJSON_Parse(json_text);
    if (!j) return emb__fail(EMB_E_INVALID, "summary: '%s' is not valid JSON", k);
    return emb__summary_put(s, k, j);
}

double emb_summary_get_number(const emb_summary *s, const char *key_path, double def) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s", key_path);
    cJSON *o = s->root;
    for (char *tok = strtok(buf, "."); tok && o; tok = strtok(NULL, "."))
        o = cJSON_GetObjectItemCaseSensitive(o, tok);
    return o && cJSON_IsNumber(o) ? o->valuedouble : def;
}

char *emb_summary_print(const emb_summary *s) { return cJSON_Print(s->root); }

emb_status emb_summary_write(const emb_summary *s, const char *path) {
    char *txt = cJSON_Print(s->root);
    if (!txt) return emb__fail(EMB_E_NOMEM, "summary: out of memory");
    emb_outfile o;
    emb_status st = emb_outfile_open(&o, path);
    if (!st) {
        fputs(txt, o.f);
        fputc('\n', o.f);
        st = emb_outfile_commit(&o);
    }
    free(txt);
    return st;
}

emb_status emb_summary_add_dataset(emb_summary *s, const emb_dataset *ds, const emb_skipped *skipped) {
    int32_t nc = ds->n_classes;
    int64_t *cnt = calloc((size_t)(nc + 1) * 4, sizeof(int64_t));  /* [split][class + unlabelled] */
    if (!cnt) return emb__fail(EMB_E_NOMEM, "out of memory");
    int64_t split_n[4] = {0};
    for (int64_t i = 0; i < ds->n; i++) {
        int sp = ds->split[i] < 4 ? ds->split[i] : 0;
        int32_t c = ds->label[i] >= 0 && ds->label[i] < nc ? ds->label[i] : nc;
        cnt[(size_t)sp * (nc + 1) + c]++;
        split_n[sp]++;
    }
    cJSON *ds_j = cJSON_CreateObject(), *classes = cJSON_CreateObject(), *splits = cJSON_CreateObject(),
          *per = cJSON_CreateObject(), *names = cJSON_CreateArray();
    static const char *SRC[] = {"", "idx", "folder", "vectors"};
    cJSON_AddStringToObject(ds_j, "source", SRC[ds->source <= 3 ? ds->source : 0]);
    if (ds->layout) cJSON_AddStringToObject(ds_j, "layout", ds->layout);
    if (ds->layout_reason) cJSON_AddStringToObject(ds_j, "layout_reason", ds->layout_reason);
    if (ds->box) cJSON_AddStringToObject(ds_j, "items_are", "boxes");
    cJSON_AddNumberToObject(ds_j, "annotation_issues", (double)ds->annot_issues.n);
    if (ds->labels_file) {
        cJSON_AddStringToObject(ds_j, "labels_file", ds->labels_file);
        cJSON_AddNumberToObject(ds_j, "labels_unlisted", (double)ds->n_labels_unlisted);
    }
    cJSON_AddNumberToObject(ds_j, "items", (double)ds->n);
    cJSON_AddNumberToObject(ds_j, "skipped", skipped ? (double)skipped->n : 0);
    if (ds->transparent) {   /* folders: images with transparent pixels, and what they were put on */
        int64_t nt = 0;
        for (int64_t i = 0; i < ds->n; i++) nt += ds->transparent[i] != 0;
        cJSON_AddNumberToObject(ds_j, "with_transparency", (double)nt);
        const uint8_t *bg = emb_dataset_alpha_bg(ds);
        char hex[8];
        snprintf(hex, sizeof hex, "#%02x%02x%02x", bg[0], bg[1], bg[2]);
        cJSON_AddStringToObject(ds_j, "alpha_background", hex);
    }
    cJSON_AddNumberToObject(ds_j, "n_classes", nc);
    int64_t mn = -1, mx = 0, unl = 0;
    for (int32_t c = 0; c <= nc; c++) {
        int64_t t = 0;
        for (int sp = 0; sp < 4; sp++) t += cnt[(size_t)sp * (nc + 1) + c];
        if (c == nc) { unl = t; break; }
        cJSON_AddItemToArray(names, cJSON_CreateString(ds->class_names[c]));
        cJSON_AddNumberToObject(classes, ds->class_names[c], (double)t);
        if (t > mx) mx = t;
        if (mn < 0 || t < mn) mn = t;
    }
    cJSON_AddNumberToObject(ds_j, "unlabelled", (double)unl);
    for (int sp = 0; sp < 4; sp++) {
        if (!split_n[sp]) continue;
        const char *nm = sp ? emb_split_name((emb_split)sp) : "none";
        cJSON_AddNumberToObject(splits, nm, (double)split_n[sp]);
        cJSON *pc = cJSON_CreateObject();
        for (int32_t c = 0; c < nc; c++) cJSON_AddNumberToObject(pc, ds->class_names[c], (double)cnt[(size_t)sp * (nc + 1) + c]);
        cJSON_AddItemToObject(per, nm, pc);
    }
    cJSON_AddItemToObject(ds_j, "class_names", names);
    cJSON_AddItemToObject(ds_j, "classes", classes);
    cJSON_AddItemToObject(ds_j, "splits", splits);
    cJSON_AddItemToObject(ds_j, "classes_per_split", per);
    if (nc > 0 && mn > 0) cJSON_AddNumberToObject(ds_j, "class_imbalance_ratio", (double)mx / (double)mn);
    else if (nc > 0) cJSON_AddNullToObject(ds_j, "class_imbalance_ratio");
    free(cnt);
    return emb__summary_put(s, "dataset", ds_j);
}

/* The CPU's model name as Linux reports it ("model name" on x86, "Model" or
 * "CPU part" elsewhere may be absent: then "unknown"). */
static void cpu_model(char *out, size_t cap) {
    snprintf(out, cap, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) && strncmp(line, "Model", 5)) continue;
        char *v = strchr(line, ':');
        if (!v) continue;
        v++;
        while (*v == ' ' || *v == '\t') v++;
        v[strcspn(v, "\n")] = 0;
        if (*v) { snprintf(out, cap, "%s", v); break; }
    }
    fclose(f);
}

emb_status emb_summary_add_machine(emb_summary *s) {
    char model[256];
    cpu_model(model, sizeof model);
    emb_status st = emb_summary_set_string(s, "machine.cpu_model", model);
    if (!st) st = emb_summary_set_string(s, "machine.simd_level", emb_cpu_level_name(emb_cpu_level_active()));
    if (!st) st = emb_summary_set_string(s, "machine.simd_detected", emb_cpu_level_name(emb_cpu_level_detected()));
    if (!st) st = emb_summary_set_bool(s, "machine.simd_capped", emb_cpu_level_capped());
    return st;
}

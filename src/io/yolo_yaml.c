/* yolo_yaml.c - a YOLO dataset's data.yaml (Ultralytics' dataset config,
 * docs.ultralytics.com/datasets/detect), read with libyaml: "names", a list
 * or a map index: name, and the splits, "path" (the dataset root) with
 * "train", "val" and "test", each a folder, a .txt list of images, or a list
 * of those. Text only: yolo_splits.c resolves the paths. Fuzzed (fuzz_yolo). */
#include "core/internal.h"
#include "io/io.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *m, const char *key) {
    if (!m || m->type != YAML_MAPPING_NODE) return NULL;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(d, p->key);
        if (k && k->type == YAML_SCALAR_NODE && !strcmp((const char *)k->data.scalar.value, key))
            return yaml_document_get_node(d, p->value);
    }
    return NULL;
}

#define YOLO_MAX_CLASSES 100000  /* a names map with a larger index is not a class list */

static emb_status set_name(char ***names, int *n, long idx, const char *v) {
    if (idx < 0 || idx >= YOLO_MAX_CLASSES) return emb__fail(EMB_E_FORMAT, "class index %ld out of range", idx);
    if (idx >= *n) {
        char **nv = realloc(*names, sizeof(char *) * (size_t)(idx + 1));
        if (!nv) return emb__fail(EMB_E_NOMEM, "out of memory");
        for (long i = *n; i <= idx; i++) nv[i] = NULL;
        *names = nv;
        *n = (int)idx + 1;
    }
    free((*names)[idx]);
    return ((*names)[idx] = emb__strdup(v)) ? EMB_OK : EMB_E_NOMEM;
}

/* Parse text into d (free with yaml_document_delete on success). */
static emb_status yaml_load(const char *text, size_t len, const char *name, yaml_document_t *d) {
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) return emb__fail(EMB_E_NOMEM, "out of memory");
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    emb_status st = EMB_OK;
    if (!yaml_parser_load(&p, d))
        st = emb__fail(EMB_E_FORMAT, "%s: malformed YAML: %s (line %zu)", name, p.problem ? p.problem : "?",
                       p.problem_mark.line + 1);
    yaml_parser_delete(&p);   /* the document does not need the parser */
    return st;
}

emb_status emb__yolo_names(const char *text, size_t len, const char *name, char ***names_out, int *n_out) {
    yaml_document_t d;
    *names_out = NULL;
    *n_out = 0;
    emb_status ls = yaml_load(text, len, name, &d);
    if (ls) return ls;
    char **names = NULL;
    int n = 0;
    emb_status st = EMB_OK;
    yaml_node_t *v = map_get(&d, yaml_document_get_root_node(&d), "names");
    if (!v) st = emb__fail(EMB_E_FORMAT, "%s: no 'names' list", name);
    else if (v->type == YAML_SEQUENCE_NODE) {
        long i = 0;
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top && !st; it++, i++) {
            yaml_node_t *e = yaml_document_get_node(&d, *it);
            if (!e || e->type != YAML_SCALAR_NODE) st = emb__fail(EMB_E_FORMAT, "%s: names[%ld] is not a name", name, i);
            else st = set_name(&names, &n, i, (const char *)e->data.scalar.value);
        }
    } else if (v->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top && !st; q++) {
            yaml_node_t *k = yaml_document_get_node(&d, q->key), *e = yaml_document_get_node(&d, q->value);
            char *end = NULL;
            long idx = k && k->type == YAML_SCALAR_NODE ? strtol((const char *)k->data.scalar.value, &end, 10) : -1;
            if (!end || *end || !e || e->type != YAML_SCALAR_NODE) st = emb__fail(EMB_E_FORMAT, "%s: names is not index: name", name);
            else st = set_name(&names, &n, idx, (const char *)e->data.scalar.value);
        }
    } else st = emb__fail(EMB_E_FORMAT, "%s: 'names' is not a list", name);
    for (int i = 0; !st && i < n; i++)
        if (!names[i]) st = emb__fail(EMB_E_FORMAT, "%s: class %d has no name", name, i);
    yaml_document_delete(&d);
    if (st) { for (int i = 0; i < n; i++) free(names[i]); free(names); return st; }
    *names_out = names;
    *n_out = n;
    return EMB_OK;
}

static const char *const SPLIT_KEYS[3][3] = {{"train", NULL}, {"val", "valid", "validation"}, {"test", NULL}};

/* A split's value: one string or a list of them, appended to s's entries k. */
static emb_status add_entries(yaml_document_t *d, yaml_node_t *v, const char *name, const char *key,
                              emb__yolo_yaml_splits *s, int k) {
    yaml_node_item_t *lo = NULL, *hi = NULL;
    if (v->type == YAML_SEQUENCE_NODE) { lo = v->data.sequence.items.start; hi = v->data.sequence.items.top; }
    else if (v->type != YAML_SCALAR_NODE) return emb__fail(EMB_E_FORMAT, "%s: '%s' is not a path or a list of paths", name, key);
    int n = v->type == YAML_SCALAR_NODE ? 1 : (int)(hi - lo);
    char **e = realloc(s->entry[k], sizeof(char *) * (size_t)(s->n[k] + n + 1));
    if (!e) return emb__fail(EMB_E_NOMEM, "out of memory");
    s->entry[k] = e;
    for (int i = 0; i < n; i++) {
        yaml_node_t *x = v->type == YAML_SCALAR_NODE ? v : yaml_document_get_node(d, lo[i]);
        if (!x || x->type != YAML_SCALAR_NODE) return emb__fail(EMB_E_FORMAT, "%s: '%s' is not a path or a list of paths", name, key);
        const char *p = (const char *)x->data.scalar.value;
        if (!p[0]) continue;   /* "test:" left empty */
        if (!(e[s->n[k]] = emb__strdup(p))) return EMB_E_NOMEM;
        s->n[k]++;
    }
    return EMB_OK;
}

emb_status emb__yolo_splits_parse(const char *text, size_t len, const char *name, emb__yolo_yaml_splits *out) {
    memset(out, 0, sizeof *out);
    yaml_document_t d;
    emb_status ls = yaml_load(text, len, name, &d);
    if (ls) return ls;
    yaml_node_t *root = yaml_document_get_root_node(&d), *v = map_get(&d, root, "path");
    emb_status st = EMB_OK;
    if (v && v->type == YAML_SCALAR_NODE && v->data.scalar.value[0] &&
        !(out->path = emb__strdup((const char *)v->data.scalar.value)))
        st = EMB_E_NOMEM;
    for (int k = 0; k < 3 && !st; k++)
        for (int q = 0; q < 3 && SPLIT_KEYS[k][q] && !st; q++)
            if ((v = map_get(&d, root, SPLIT_KEYS[k][q]))) st = add_entries(&d, v, name, SPLIT_KEYS[k][q], out, k);
    yaml_document_delete(&d);
    if (st) emb__yolo_splits_free(out);
    return st;
}

void emb__yolo_splits_free(emb__yolo_yaml_splits *s) {
    free(s->path);
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < s->n[k]; i++) free(s->entry[k][i]);
        free(s->entry[k]);
    }
    memset(s, 0, sizeof *s);
}

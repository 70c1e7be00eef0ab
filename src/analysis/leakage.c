/* leakage.c - copies across splits (train/valid/test): the same image seen
 * in training and in evaluation inflates the scores. Leaks are pairs, not
 * groups: every exact set and every duplicate pair (exact, copy or similar)
 * whose items sit in two splits, in whichever direction the copy went
 * (train-test, test-train, valid-either), even when complete linkage put
 * its two ends in different groups. */
#include "analysis/analysis.h"

#include <stdlib.h>
#include <string.h>

typedef struct { emb_leak_pair *p; int64_t n, cap; } leak_vec;

static bool leak_push(leak_vec *v, int64_t a, int64_t b, float sim, float cs, uint8_t kind) {
    if (a > b) { int64_t t = a; a = b; b = t; }
    if (v->n == v->cap) {
        int64_t cap = v->cap ? v->cap * 2 : 256;
        emb_leak_pair *np = realloc(v->p, sizeof *np * (size_t)cap);
        if (!np) return false;
        v->p = np;
        v->cap = cap;
    }
    v->p[v->n++] = (emb_leak_pair){a, b, sim, cs, kind};
    return true;
}

static int cmp_leak(const void *x, const void *y) {
    const emb_leak_pair *a = x, *b = y;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    if (a->similarity != b->similarity) return a->similarity > b->similarity ? -1 : 1;
    if (a->a != b->a) return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b;
}

static int cmp_ab(const void *x, const void *y) {
    const emb_leak_pair *a = x, *b = y;
    if (a->a != b->a) return a->a < b->a ? -1 : 1;
    if (a->b != b->b) return a->b < b->b ? -1 : 1;
    return a->kind < b->kind ? -1 : a->kind > b->kind;
}

static uint8_t split_of(const emb_dataset *ds, int64_t i) {
    uint8_t s = ds->split ? ds->split[i] : 0;
    return s < 4 ? s : 0;
}

/* Items of each exact set as CSR over roots: mem[mstart[r] .. mstart[r+1]). */
static emb_status exact_members(const emb_dups *d, int64_t **mstart, int64_t **mem) {
    int64_t n = d->n;
    *mstart = emb__calloc((size_t)n + 1, sizeof(int64_t), "leakage");
    *mem = emb__malloc(sizeof(int64_t) * (size_t)(n ? n : 1), "leakage");
    if (!*mstart || !*mem) return EMB_E_NOMEM;
    for (int64_t i = 0; i < n; i++) (*mstart)[d->exact_root[i] + 1]++;
    for (int64_t i = 0; i < n; i++) (*mstart)[i + 1] += (*mstart)[i];
    int64_t *fill = emb__malloc(sizeof(int64_t) * (size_t)(n ? n : 1), "leakage");
    if (!fill) return EMB_E_NOMEM;
    memcpy(fill, *mstart, sizeof(int64_t) * (size_t)n);
    for (int64_t i = 0; i < n; i++) (*mem)[fill[d->exact_root[i]]++] = i;  /* ascending within a set */
    free(fill);
    return EMB_OK;
}

/* Each member i of set A paired with the first member of each split other
 * than i's in set B (A == B: within one exact set; a pair listed from both
 * sides is merged later). */
static bool leak_sets(const emb_dataset *ds, const int64_t *ma, int64_t na, const int64_t *mb, int64_t nb,
                      float sim, float cs, uint8_t kind, leak_vec *v) {
    int64_t first[4] = {-1, -1, -1, -1};
    for (int64_t q = 0; q < nb; q++) { uint8_t s = split_of(ds, mb[q]); if (first[s] < 0) first[s] = mb[q]; }
    for (int64_t q = 0; q < na; q++) {
        uint8_t si = split_of(ds, ma[q]);
        if (si == EMB_SPLIT_NONE) continue;
        for (int t = EMB_SPLIT_TRAIN; t <= EMB_SPLIT_TEST; t++) {
            if (t == si || first[t] < 0) continue;
            if (!leak_push(v, ma[q], first[t], sim, cs, kind)) return false;
        }
    }
    return true;
}

emb_status emb_leakage_find(const emb_dataset *ds, const emb_dups *d, emb_leakage *out) {
    memset(out, 0, sizeof *out);
    if (!ds || ds->n != d->n) return emb__fail(EMB_E_INVALID, "leakage: dataset and duplicates differ in size");
    int64_t n = d->n, *mstart = NULL, *mem = NULL;
    leak_vec v = {0};
    uint8_t *seen = NULL;
    emb_status st = EMB_OK;
    out->group_leaks = emb__calloc((size_t)(d->n_groups ? d->n_groups : 1), 1, "leakage");
    if (!out->group_leaks) return EMB_E_NOMEM;
    if (!ds->split) return EMB_OK;
    if ((st = exact_members(d, &mstart, &mem))) goto done;
    for (int64_t gi = 0; gi < d->n_groups; gi++) {
        bool in[4] = {false, false, false, false};
        for (int64_t a = d->start[gi]; a < d->start[gi + 1]; a++) in[split_of(ds, d->item[a])] = true;
        int spans = 0;
        for (int s = EMB_SPLIT_TRAIN; s <= EMB_SPLIT_TEST; s++) spans += in[s];
        if (spans >= 2) { out->group_leaks[gi] = 1; out->n_groups++; }
    }
    for (int64_t r = 0; r < n; r++)   /* within exact sets */
        if (mstart[r + 1] - mstart[r] >= 2 &&
            !leak_sets(ds, mem + mstart[r], mstart[r + 1] - mstart[r], mem + mstart[r], mstart[r + 1] - mstart[r],
                       1.0f, 1.0f, EMB_DUP_EXACT, &v)) { st = EMB_E_NOMEM; goto done; }
    for (int64_t q = 0; q < d->n_pairs; q++) {   /* between the exact sets of each pair's ends */
        const emb_dup_pair *e = &d->pairs[q];
        if (!leak_sets(ds, mem + mstart[e->a], mstart[e->a + 1] - mstart[e->a], mem + mstart[e->b],
                       mstart[e->b + 1] - mstart[e->b], e->similarity, e->copy_score, e->kind, &v) ||
            !leak_sets(ds, mem + mstart[e->b], mstart[e->b + 1] - mstart[e->b], mem + mstart[e->a],
                       mstart[e->a + 1] - mstart[e->a], e->similarity, e->copy_score, e->kind, &v)) {
            st = EMB_E_NOMEM;
            goto done;
        }
    }
    /* one entry per (a, b), the surest kind; then sure ones first */
    if (v.n) qsort(v.p, (size_t)v.n, sizeof *v.p, cmp_ab);
    {
        int64_t w = 0;
        for (int64_t q = 0; q < v.n; q++)
            if (w == 0 || v.p[w - 1].a != v.p[q].a || v.p[w - 1].b != v.p[q].b) v.p[w++] = v.p[q];
        v.n = w;
    }
    if (v.n) qsort(v.p, (size_t)v.n, sizeof *v.p, cmp_leak);
    seen = emb__calloc((size_t)(n ? n : 1), 1, "leakage");
    if (!seen) { st = EMB_E_NOMEM; goto done; }
    for (int64_t q = 0; q < v.n; q++) {
        int s = split_of(ds, v.p[q].a), t = split_of(ds, v.p[q].b);
        if (s > t) { int u = s; s = t; t = u; }
        if (v.p[q].kind == EMB_DUP_SIMILAR) { out->similar_pairs[s][t]++; continue; }
        out->pairs[s][t]++;
        out->n_sure++;
        out->n_items += !seen[v.p[q].a] + !seen[v.p[q].b];
        seen[v.p[q].a] = seen[v.p[q].b] = 1;
    }
    out->n_pairs = v.n;
    out->leaks = v.p;
    v.p = NULL;
done:
    free(v.p);
    free(mstart);
    free(mem);
    free(seen);
    if (st) emb_leakage_free(out);
    return st;
}

void emb_leakage_free(emb_leakage *lk) {
    if (!lk) return;
    free(lk->group_leaks);
    free(lk->leaks);
    memset(lk, 0, sizeof *lk);
}

emb_status emb_leakage_write_csv(const char *path, const emb_dataset *ds, const emb_dups *d,
                                 const emb_leakage *lk) {
    (void)d;
    emb_outfile o;
    emb_status st = emb_outfile_open(&o, path);
    if (st) return st;
    fputs(EMB__DUPS_CSV_HEADER, o.f);
    for (int64_t q = 0; q < lk->n_pairs; q++) {
        const emb_leak_pair *e = &lk->leaks[q];
        const char *kn = emb_dup_kind_name((emb_dup_kind)e->kind);
        fprintf(o.f, "%lld,", (long long)q);
        emb__csv_item(o.f, ds, e->a);
        fprintf(o.f, ",1.000000,representative,1.000000,%s\n", kn);
        fprintf(o.f, "%lld,", (long long)q);
        emb__csv_item(o.f, ds, e->b);
        fprintf(o.f, ",%.6f,%s,%.6f,%s\n", e->similarity, kn, e->copy_score, kn);
    }
    return emb_outfile_commit(&o);
}

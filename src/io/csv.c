/* csv.c - RFC 4180 CSV: quoted fields survive commas, quotes and newlines.
 * items.csv (index,path,split,label) and skipped.csv (path,reason). */
#include "core/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void emb_csv_field(FILE *f, const char *s) {
    if (!s) return;
    if (!strpbrk(s, ",\"\r\n")) { fputs(s, f); return; }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

emb_status emb_items_write(const char *path, const emb_dataset *ds) {
    emb_outfile o;
    emb_status st = emb_outfile_open(&o, path);
    if (st) return st;
    /* boxes: the crop after the label, so readers of the first four columns are unaffected */
    fputs(ds->box ? "index,path,split,label,box_x,box_y,box_w,box_h\n" : "index,path,split,label\n", o.f);
    for (int64_t i = 0; i < ds->n; i++) {
        fprintf(o.f, "%lld,", (long long)i);
        emb_csv_field(o.f, ds->path[i]);
        fprintf(o.f, ",%s,", emb_split_name((emb_split)ds->split[i]));
        if (ds->label[i] >= 0) emb_csv_field(o.f, ds->class_names[ds->label[i]]);
        if (ds->box) {
            const int32_t *b = ds->box + 4 * i;
            fprintf(o.f, ",%d,%d,%d,%d", b[0], b[1], b[2], b[3]);
        }
        fputc('\n', o.f);
    }
    return emb_outfile_commit(&o);
}

emb_status emb_skipped_write(const char *path, const emb_skipped *s) {
    emb_outfile o;
    emb_status st = emb_outfile_open(&o, path);
    if (st) return st;
    fputs("path,reason\n", o.f);
    for (int64_t i = 0; i < s->n; i++) {
        emb_csv_field(o.f, s->path[i]);
        fputc(',', o.f);
        emb_csv_field(o.f, s->reason[i]);
        fputc('\n', o.f);
    }
    return emb_outfile_commit(&o);
}

void emb_csv_record_free(char **fields, int n_fields) {
    for (int i = 0; i < n_fields; i++) free(fields[i]);
    free(fields);
}

/* A small state machine: unquoted field, quoted field, quote inside quotes. */
int emb_csv_read_record(FILE *f, char ***fields_out, int *n_out) {
    char **fields = NULL;
    int nf = 0, capf = 0;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int c = fgetc(f);
    if (c == EOF) return 0;
    bool quoted = false, any = false;
    for (;; c = fgetc(f)) {
        bool end_field = false, end_rec = false;
        if (quoted) {
            if (c == EOF) goto fail;  /* unterminated quote */
            if (c == '"') {
                int d = fgetc(f);
                if (d == '"') { /* escaped quote */ }
                else { quoted = false; ungetc(d, f); continue; }
            }
        } else if (c == '"' && len == 0 && !any) { quoted = true; any = true; continue; }
        else if (c == ',') end_field = true;
        else if (c == '\n' || c == EOF) end_field = end_rec = true;
        else if (c == '\r') continue;
        if (!end_field) {
            if (len + 2 > cap) {
                cap = cap ? 2 * cap : 64;
                char *nb = realloc(buf, cap);
                if (!nb) goto fail;
                buf = nb;
            }
            buf[len++] = (char)c;
            any = true;
            continue;
        }
        if (nf == capf) {
            capf = capf ? 2 * capf : 8;
            char **nv = realloc(fields, sizeof(char *) * (size_t)capf);
            if (!nv) goto fail;
            fields = nv;
        }
        fields[nf] = malloc(len + 1);
        if (!fields[nf]) goto fail;
        if (len) memcpy(fields[nf], buf, len);
        fields[nf][len] = 0;
        nf++;
        len = 0;
        any = false;
        if (end_rec) break;
    }
    free(buf);
    *fields_out = fields;
    *n_out = nf;
    return 1;
fail:
    free(buf);
    emb_csv_record_free(fields, nf);
    return -1;
}

emb_status emb_items_read(const char *path, emb_dataset **out) {
    FILE *f = fopen(path, "rb");
    if (!f) return emb__fail(EMB_E_IO, "%s: cannot open: %s", path, strerror(errno));
    emb_dataset *ds = calloc(1, sizeof *ds);
    if (!ds) { fclose(f); return emb__fail(EMB_E_NOMEM, "out of memory"); }
    ds->source = EMB_SOURCE_VECTORS;
    char **fl;
    int nf;
    emb_status st = EMB_OK;
    int r = emb_csv_read_record(f, &fl, &nf);
    if (r != 1 || nf < 4 || strcmp(fl[0], "index") || strcmp(fl[1], "path")) {
        if (r == 1) emb_csv_record_free(fl, nf);
        fclose(f);
        free(ds);
        return emb__fail(EMB_E_FORMAT, "%s: expected the header index,path,split,label", path);
    }
    bool boxes = nf >= 8 && !strcmp(fl[4], "box_x");
    emb_csv_record_free(fl, nf);
    int64_t cap = 0, line = 1;
    while ((r = emb_csv_read_record(f, &fl, &nf)) == 1) {
        line++;
        if (nf == 1 && fl[0][0] == 0) { emb_csv_record_free(fl, nf); continue; }
        if (nf < 4) { st = emb__fail(EMB_E_FORMAT, "%s: record %lld has %d fields, expected 4", path, (long long)line, nf); emb_csv_record_free(fl, nf); break; }
        if (atoll(fl[0]) != ds->n) { st = emb__fail(EMB_E_FORMAT, "%s: record %lld has index %s, expected %lld", path, (long long)line, fl[0], (long long)ds->n); emb_csv_record_free(fl, nf); break; }
        if (ds->n == cap) {
            cap = cap ? 2 * cap : 1024;
            char **p = realloc(ds->path, sizeof(char *) * (size_t)cap);
            if (p) ds->path = p;
            uint8_t *s = realloc(ds->split, (size_t)cap);
            if (s) ds->split = s;
            int32_t *l = realloc(ds->label, sizeof(int32_t) * (size_t)cap);
            if (l) ds->label = l;
            if (!p || !s || !l) { st = emb__fail(EMB_E_NOMEM, "out of memory"); emb_csv_record_free(fl, nf); break; }
            if (boxes) {
                int32_t *b = realloc(ds->box, sizeof(int32_t) * 4 * (size_t)cap);
                if (!b) { st = emb__fail(EMB_E_NOMEM, "out of memory"); emb_csv_record_free(fl, nf); break; }
                ds->box = b;
            }
        }
        if (boxes) {
            if (nf < 8) { st = emb__fail(EMB_E_FORMAT, "%s: record %lld has no box", path, (long long)line); emb_csv_record_free(fl, nf); break; }
            for (int k = 0; k < 4; k++) ds->box[4 * ds->n + k] = (int32_t)atol(fl[4 + k]);
        }
        ds->split[ds->n] = (uint8_t)emb_split_parse(fl[2]);
        ds->label[ds->n] = fl[3][0] ? emb_dataset_class(ds, fl[3]) : -1;
        ds->path[ds->n] = fl[1];
        fl[1] = NULL;
        ds->n++;
        emb_csv_record_free(fl, nf);
    }
    if (!st && r < 0) st = emb__fail(EMB_E_FORMAT, "%s: malformed CSV after record %lld", path, (long long)line);
    fclose(f);
    if (st) { emb_dataset_free(ds); return st; }
    *out = ds;
    return EMB_OK;
}

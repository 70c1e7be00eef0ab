/* clip_tokref.h - reads the corpus of tests/ref/clip_tokenizer_ref.py for
 * the tokenizer tests (test_features_clip_tokenizer*.c). */
#ifndef CLIP_TOKREF_H
#define CLIP_TOKREF_H

#include "check.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *text;
    int32_t *ids;
    int n;
    bool hf;
} ref_line;

static inline int hexv(char c) { return c <= '9' ? c - '0' : (c | 32) - 'a' + 10; }

/* corpus.txt lines "HF HEX IDS" (see the script). Returns the count. */
static inline int read_corpus(const char *path, ref_line **out) {
    char *txt = check_read_text(path);
    if (!txt) return 0;
    int n = 0, cap = 64;
    ref_line *r = calloc((size_t)cap, sizeof *r);
    for (char *line = strtok(txt, "\n"); line; line = strtok(NULL, "\n")) {
        if (n == cap) r = realloc(r, sizeof *r * (size_t)(cap *= 2));
        ref_line *l = &r[n++];
        l->hf = line[0] == '1';
        char *hex = line + 2, *sp = strchr(hex, ' ');
        size_t hl = sp ? (size_t)(sp - hex) : strlen(hex);
        l->text = calloc(hl / 2 + 1, 1);
        if (hex[0] != '-')
            for (size_t i = 0; i + 1 < hl; i += 2) l->text[i / 2] = (char)(hexv(hex[i]) * 16 + hexv(hex[i + 1]));
        l->ids = malloc(sizeof(int32_t) * (strlen(line) + 1));
        for (char *p = sp; p && *p;) {
            char *e;
            long v = strtol(p, &e, 10);
            if (e == p) break;
            l->ids[l->n++] = (int32_t)v;
            p = e;
        }
    }
    free(txt);
    *out = r;
    return n;
}

static inline void free_corpus(ref_line *r, int n) {
    for (int i = 0; i < n; i++) { free(r[i].text); free(r[i].ids); }
    free(r);
}

#endif

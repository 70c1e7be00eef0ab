/* fuzz_clip_tokenizer.c - libFuzzer target for CLIP's tokenizer files and
 * its text path (clip_tokenizer.c). The first byte picks the layout
 * (tokenizer.json, vocab.json + merges.txt split at the first NUL, OpenAI's
 * BPE text); a parse that succeeds must then tokenize the input itself as
 * text (html.unescape, Unicode classes, BPE) with every id inside the
 * vocabulary and the end token kept at 77. Build and run: scripts/fuzz.sh. */
#include "embscope.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    int fmt = data[0] % 3;
    /* a private copy, exactly size - 1 bytes: reads past the end are caught */
    size_t n = size - 1;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) return 0;
    memcpy(buf, data + 1, n);
    const uint8_t *a = buf, *b = NULL;
    size_t alen = n, blen = 0;
    if (fmt == EMB_CLIP_TOK_VOCAB_MERGES) {
        const uint8_t *z = memchr(buf, 0, n);
        if (z) { alen = (size_t)(z - buf); b = z + 1; blen = n - alen - 1; }
    }
    emb_clip_tokenizer *t = NULL;
    if (emb_clip_tokenizer_parse((emb_clip_tokenizer_format)fmt, a, alen, b, blen, "fuzz", &t) == EMB_OK) {
        char *text = malloc(n + 1);
        memcpy(text, buf, n);
        text[n] = 0;
        int32_t ids[EMB_CLIP_CONTEXT];
        int nt = 0;
        if (emb_clip_tokenize(t, text, EMB_CLIP_CONTEXT, ids, &nt, NULL) != EMB_OK) abort();
        if (nt < 2 || nt > EMB_CLIP_CONTEXT || ids[nt - 1] != emb_clip_tokenizer_end_id(t)) abort();
        for (int i = 0; i < nt; i++)
            if (ids[i] < 0 || ids[i] >= emb_clip_tokenizer_vocab_size(t)) abort();
        int64_t all = emb_clip_tokenize_all(t, text, NULL, 0);
        if (all < nt - 2) abort();
        free(text);
        emb_clip_tokenizer_free(t);
    }
    free(buf);
    return 0;
}

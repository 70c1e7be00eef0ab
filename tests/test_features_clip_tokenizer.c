/* test_features_clip_tokenizer.c - CLIP's BPE tokenizer against a
 * re-implementation of openai/CLIP simple_tokenizer.py (tests/ref/
 * clip_tokenizer_ref.py, `regex` module): the same 51-text corpus (Unicode,
 * emoji, numbers, punctuation, contractions, HTML entities, white space,
 * special tokens, over-long inputs) through the tokenizer read from each of
 * the three layouts (tokenizer.json, vocab.json + merges.txt, OpenAI's
 * bpe .txt.gz; files and folders), 100% equal ids; 77-token truncation and
 * padding; errors of lying files name the file.
 * (test_features_clip_tokenizer_hf.c compares with Hugging Face tokenizers.)
 * ctest-labels: unit */
#include "check.h"
#include "clip_tokref.h"
#include "embscope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check_tokenizer(const char *what, const char *path, const ref_line *ref, int n) {
    emb_clip_tokenizer *t = NULL;
    emb_status st = emb_clip_tokenizer_load(path, &t);
    if (!CHECK(st == EMB_OK)) { fprintf(stderr, "%s: %s\n", what, emb_errmsg()); return; }
    CHECK_EQ(803, emb_clip_tokenizer_vocab_size(t));   /* 512 byte symbols + 289 merges + 2 specials */
    int32_t sot = emb_clip_tokenizer_start_id(t), eot = emb_clip_tokenizer_end_id(t);
    CHECK_EQ(801, sot);
    CHECK_EQ(802, eot);
    int agree = 0;
    for (int i = 0; i < n; i++) {
        int64_t cnt = emb_clip_tokenize_all(t, ref[i].text, NULL, 0);
        int32_t *ids = malloc(sizeof(int32_t) * (size_t)(cnt + 1));
        CHECK_EQ(cnt, emb_clip_tokenize_all(t, ref[i].text, ids, cnt));
        bool same = cnt == ref[i].n && (cnt == 0 || !memcmp(ids, ref[i].ids, sizeof(int32_t) * (size_t)cnt));
        if (!same) {
            fprintf(stderr, "%s: text %d '%s': %lld ids, reference %d\n", what, i, ref[i].text, (long long)cnt, ref[i].n);
            if (ref[i].n) CHECK_EQ_I32(ref[i].ids, ids, (size_t)(cnt < ref[i].n ? cnt : ref[i].n));
        }
        agree += same;
        /* clip.tokenize(truncate=True): sot, the first 75, eot, zeros */
        int32_t ctx[EMB_CLIP_CONTEXT];
        int nt = -1;
        bool trunc = false;
        CHECK(emb_clip_tokenize(t, ref[i].text, EMB_CLIP_CONTEXT, ctx, &nt, &trunc) == EMB_OK);
        int keep = ref[i].n < EMB_CLIP_CONTEXT - 2 ? ref[i].n : EMB_CLIP_CONTEXT - 2;
        int32_t want[EMB_CLIP_CONTEXT] = {0};
        want[0] = sot;
        memcpy(want + 1, ref[i].ids, sizeof(int32_t) * (size_t)keep);
        want[keep + 1] = eot;
        if (memcmp(want, ctx, sizeof want)) CHECK_EQ_I32(want, ctx, EMB_CLIP_CONTEXT);
        CHECK_EQ(keep + 2, nt);
        CHECK_EQ(ref[i].n > EMB_CLIP_CONTEXT - 2, trunc);
        free(ids);
    }
    printf("%s: %d of %d texts agree with simple_tokenizer\n", what, agree, n);
    CHECK_EQ(n, agree);
    emb_clip_tokenizer_free(t);
}

/* A lying file: EMB_E_FORMAT, the message names the file. */
static void check_bad(const char *name, const char *content, const char *needle) {
    char *p = check_tmp_path(name);
    check_write_file(p, content, strlen(content));
    emb_clip_tokenizer *t = NULL;
    CHECK(emb_clip_tokenizer_load(p, &t) == EMB_E_FORMAT);
    CHECK(t == NULL);
    CHECK_CONTAINS(emb_errmsg(), name);
    CHECK_CONTAINS(emb_errmsg(), needle);
    free(p);
}

int main(void) {
    const char *dir = check_tmpdir();
    char cmd[2048], path[1024];
    snprintf(cmd, sizeof cmd, "%s -c 'import regex' 2>/dev/null", check_python());
    if (system(cmd) != 0) { printf("SKIP: python3 has no regex module (Debian python3-regex)\n"); return 77; }
    snprintf(cmd, sizeof cmd, "%s %s/clip_tokenizer_ref.py %s/ref", check_python(), TEST_REF, dir);
    int status = 0;
    free(check_run(cmd, &status));
    CHECK_EQ(0, status);
    snprintf(path, sizeof path, "%s/ref/corpus.txt", dir);
    ref_line *ref = NULL;
    int n = read_corpus(path, &ref);
    CHECK_EQ(51, n);

    const char *files[] = {"tokenizer.json", "vocab.json", "merges.txt", "bpe.txt.gz"};
    for (int f = 0; f < 4; f++) {
        snprintf(path, sizeof path, "%s/ref/%s", dir, files[f]);
        check_tokenizer(files[f], path, ref, n);
    }
    snprintf(path, sizeof path, "%s/ref/", dir);   /* a folder: tokenizer.json first */
    check_tokenizer("folder", path, ref, n);
    snprintf(cmd, sizeof cmd, "mkdir -p %s/oa && cp %s/ref/bpe.txt.gz %s/oa/bpe_simple_vocab_16e6.txt.gz", dir, dir, dir);
    CHECK_EQ(0, system(cmd));
    snprintf(path, sizeof path, "%s/oa", dir);
    check_tokenizer("openai folder", path, ref, n);

    /* error paths */
    check_bad("trunc.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0", "not valid JSON");
    check_bad("nomerges.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}}}", "merges");
    check_bad("wp.json", "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}, \"merges\": []}}", "BPE");
    check_bad("badid.json", "{\"model\": {\"vocab\": {\"a\": -3}, \"merges\": []}}", "not an id");
    check_bad("huge.json", "{\"model\": {\"vocab\": {\"a\": 4e32}, \"merges\": []}}", "not an id");   /* found by fuzz_clip_tokenizer */
    check_bad("frac.json", "{\"model\": {\"vocab\": {\"a\": 1.5}, \"merges\": []}}", "not an id");
    check_bad("addhuge.json", "{\"added_tokens\": [{\"id\": 1e300, \"content\": \"x\"}], \"model\": {\"vocab\": {}, \"merges\": []}}", "added token");
    check_bad("dupid.json", "{\"model\": {\"vocab\": {\"a\": 0, \"b\": 0}, \"merges\": []}}", "given twice");
    check_bad("gap.json", "{\"model\": {\"vocab\": {\"a\": 0, \"b\": 5}, \"merges\": []}}", "not defined");
    check_bad("merge.json", "{\"model\": {\"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a b\"]}}", "not in the vocabulary");
    check_bad("bytes.json", "{\"model\": {\"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [\"a b\"]}}", "byte symbol");
    {   /* vocab.json with no merges.txt buffer (NULL, 0): a clear result, no pointer arithmetic on NULL (fuzz_clip_tokenizer) */
        static const char v[] = "{\"a\": 0}";
        emb_clip_tokenizer *t = NULL;
        emb_status st = emb_clip_tokenizer_parse(EMB_CLIP_TOK_VOCAB_MERGES, v, sizeof v - 1, NULL, 0, "nomerges", &t);
        CHECK(st != EMB_OK || t != NULL);
        if (st) CHECK(emb_errmsg()[0] != 0);
        emb_clip_tokenizer_free(t);
    }
    check_bad("oa.txt", "header\nab\n", "line 2");
    check_bad("oa2.txt", "no newline at all", "no lines");
    snprintf(path, sizeof path, "%s/missing.json", dir);
    emb_clip_tokenizer *t = NULL;
    CHECK(emb_clip_tokenizer_load(path, &t) == EMB_E_IO);
    CHECK_CONTAINS(emb_errmsg(), "missing.json");
    free_corpus(ref, n);
    return check_exit();
}

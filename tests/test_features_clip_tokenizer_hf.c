/* test_features_clip_tokenizer_hf.c - CLIP's BPE tokenizer against Hugging
 * Face tokenizers (npm @anush008/tokenizers, web/node_modules or
 * $EMB_TOKENIZERS_NODE_MODULES; exits 77 when it or node is missing) on the
 * tokenizer.json that tests/ref/clip_tokenizer_ref.py writes in CLIP's
 * layout: every corpus text both references treat alike (no HTML entity,
 * which Hugging Face does not unescape; no "'ſ" or capital sigma; no
 * special token in running text) must give the same ids, and truncation to
 * 77 must keep the end token as Hugging Face's does.
 * ctest-labels: unit */
#include "check.h"
#include "clip_tokref.h"
#include "embscope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    char mods[1024], cmd[4096], path[2048];
    const char *env = getenv("EMB_TOKENIZERS_NODE_MODULES");
    if (env && *env) snprintf(mods, sizeof mods, "%s", env);
    else snprintf(mods, sizeof mods, "%s/../../web/node_modules", TEST_DATA);
    snprintf(path, sizeof path, "%s/@anush008/tokenizers/package.json", mods);
    if (access(path, R_OK) != 0 || system("node --version >/dev/null 2>&1") != 0) {
        printf("SKIP: no node or no @anush008/tokenizers in %s (npm ci in web/, or set EMB_TOKENIZERS_NODE_MODULES)\n", mods);
        return 77;
    }
    snprintf(cmd, sizeof cmd, "%s -c 'import regex' 2>/dev/null", check_python());
    if (system(cmd) != 0) { printf("SKIP: python3 has no regex module (Debian python3-regex)\n"); return 77; }
    const char *dir = check_tmpdir();
    int status = 0;
    snprintf(cmd, sizeof cmd, "%s %s/clip_tokenizer_ref.py %s", check_python(), TEST_REF, dir);
    free(check_run(cmd, &status));
    CHECK_EQ(0, status);
    snprintf(path, sizeof path, "%s/corpus.txt", dir);
    ref_line *ref = NULL;
    int n = read_corpus(path, &ref);
    CHECK_EQ(51, n);
    snprintf(cmd, sizeof cmd, "NODE_PATH=%s node %s/clip_tokenizer_hf.js %s/tokenizer.json %s/corpus.txt", mods, TEST_REF, dir, dir);
    char *out = check_run(cmd, &status);
    CHECK_EQ(0, status);
    snprintf(path, sizeof path, "%s/tokenizer.json", dir);
    emb_clip_tokenizer *t = NULL;
    if (!CHECK(emb_clip_tokenizer_load(path, &t) == EMB_OK)) return check_exit();
    int compared = 0, agree = 0;
    for (char *line = out ? strtok(out, "\n") : NULL; line; line = strtok(NULL, "\n")) {
        char *e;
        long i = strtol(line, &e, 10);
        if (e == line || i < 0 || i >= n) { CHECK(!"bad line from clip_tokenizer_hf.js"); continue; }
        int32_t hf[4096];
        int nh = 0;
        for (char *p = e; *p && nh < 4096;) {
            char *q;
            long v = strtol(p, &q, 10);
            if (q == p) break;
            hf[nh++] = (int32_t)v;
            p = q;
        }
        int32_t got[4096];
        int64_t cnt = emb_clip_tokenize_all(t, ref[i].text, got, 4096);
        bool same = cnt == nh && !memcmp(got, hf, sizeof(int32_t) * (size_t)nh);
        if (!same) {
            fprintf(stderr, "text %ld '%s': %lld ids, Hugging Face %d\n", i, ref[i].text, (long long)cnt, nh);
            CHECK_EQ_I32(hf, got, (size_t)(cnt < nh ? cnt : nh));
        }
        /* truncation as Hugging Face's truncation=True, max_length=77 */
        int32_t ctx[EMB_CLIP_CONTEXT];
        CHECK(emb_clip_tokenize(t, ref[i].text, EMB_CLIP_CONTEXT, ctx, NULL, NULL) == EMB_OK);
        int keep = nh < EMB_CLIP_CONTEXT - 2 ? nh : EMB_CLIP_CONTEXT - 2;
        same = same && !memcmp(ctx + 1, hf, sizeof(int32_t) * (size_t)keep) && ctx[keep + 1] == emb_clip_tokenizer_end_id(t);
        compared++;
        agree += same;
    }
    printf("%d of %d texts agree with Hugging Face tokenizers\n", agree, compared);
    CHECK(compared >= 35);
    CHECK_EQ(compared, agree);
    free(out);
    emb_clip_tokenizer_free(t);
    free_corpus(ref, n);
    return check_exit();
}

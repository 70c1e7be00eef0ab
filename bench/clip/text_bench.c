/* text_bench.c - timing of CLIP's text side for bench/clip/text_run.sh.
 *   text_bench tower MODEL IDS.i32 N BATCH THREADS REPEAT [bf16] OUT.f32
 *       N rows of raw int32 ids (N, 77) through the text tower in batches of
 *       BATCH, best of REPEAT; prints one JSON line; writes the vectors.
 *   text_bench tokenize TOKENIZER CORPUS REPEAT [IDS_OUT]
 *       every line of CORPUS through emb_clip_tokenize_all on this thread,
 *       best of REPEAT; prints tokens/s as one JSON line.
 * The SIMD level is emb_cpu_level_active() (EMB_CPU caps it). */
#include "embscope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (fread(b, 1, (size_t)n, f) != (size_t)n) { perror(path); exit(2); }
    b[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return b;
}

static int tower(int argc, char **argv) {
    if (argc < 8) { fprintf(stderr, "usage: text_bench tower MODEL IDS.i32 N BATCH THREADS REPEAT [bf16] OUT.f32\n"); return 1; }
    int n = atoi(argv[3]), batch = atoi(argv[4]), threads = atoi(argv[5]), rep = atoi(argv[6]);
    bool bf16 = argc > 8 && !strcmp(argv[7], "bf16");
    const char *outp = argv[argc - 1];
    emb_clip_params p = emb_clip_default_params();
    p.n_threads = threads;
    p.precision = bf16 ? EMB_CLIP_BF16 : EMB_CLIP_F32;
    emb_clip_text *m;
    if (emb_clip_text_load(argv[1], &p, &m)) { fprintf(stderr, "%s\n", emb_errmsg()); return 2; }
    size_t len;
    int32_t *ids = slurp(argv[2], &len);
    emb_clip_text_info in = emb_clip_text_info_get(m);
    if (len < (size_t)n * in.context * 4) { fprintf(stderr, "%s: fewer than %d rows\n", argv[2], n); return 2; }
    float *out = malloc(sizeof(float) * (size_t)n * in.dim);
    emb_clip_text_ws *ws = emb_clip_text_ws_new(m, batch);
    int64_t tokens = 0;   /* positions up to each end token: what the causal tower computes */
    for (int i = 0; i < n; i++) {
        int e = 0;
        for (int t = 1; t < in.context; t++) if (ids[(size_t)i * in.context + t] > ids[(size_t)i * in.context + e]) e = t;
        tokens += e + 1;
    }
    emb_clip_text_embed(m, ws, ids, n, out);   /* warm-up */
    double best = 1e30;
    for (int r = 0; r < rep; r++) {
        double t0 = emb_now();
        emb_clip_text_embed(m, ws, ids, n, out);
        double dt = emb_now() - t0;
        if (dt < best) best = dt;
    }
    FILE *f = fopen(outp, "wb");
    fwrite(out, sizeof(float), (size_t)n * in.dim, f);
    fclose(f);
    printf("{\"texts\": %d, \"batch\": %d, \"threads\": %d, \"precision\": \"%s\", \"level\": \"%s\", \"best_s\": %.6f, "
           "\"texts_per_s\": %.2f, \"mean_tokens\": %.2f}\n", n, batch, threads, bf16 ? "bf16" : "f32",
           emb_cpu_level_name(emb_cpu_level_active()), best, n / best, (double)tokens / n);
    emb_clip_text_ws_free(ws);
    emb_clip_text_free(m);
    free(ids);
    free(out);
    return 0;
}

static int tokenize(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: text_bench tokenize TOKENIZER CORPUS REPEAT [IDS_OUT]\n"); return 1; }
    emb_clip_tokenizer *t;
    if (emb_clip_tokenizer_load(argv[1], &t)) { fprintf(stderr, "%s\n", emb_errmsg()); return 2; }
    size_t len;
    char *txt = slurp(argv[2], &len);
    int nl = 0;
    for (size_t i = 0; i < len; i++) nl += txt[i] == '\n';
    char **lines = malloc(sizeof(char *) * (size_t)(nl + 1));
    int n = 0;
    for (char *p = strtok(txt, "\n"); p; p = strtok(NULL, "\n")) lines[n++] = p;
    int rep = atoi(argv[3]);
    int32_t *ids = malloc(sizeof(int32_t) * 1 << 20);
    double best = 1e30;
    int64_t tokens = 0;
    for (int r = 0; r < rep; r++) {
        tokens = 0;
        double t0 = emb_now();
        for (int i = 0; i < n; i++) tokens += emb_clip_tokenize_all(t, lines[i], ids, 1 << 20);
        double dt = emb_now() - t0;
        if (dt < best) best = dt;
    }
    printf("{\"lines\": %d, \"bytes\": %zu, \"tokens\": %lld, \"best_s\": %.6f, \"tokens_per_s\": %.0f}\n", n, len,
           (long long)tokens, best, tokens / best);
    FILE *f = argc > 4 ? fopen(argv[4], "w") : NULL;   /* the ids, a line per text, for text_report.py */
    for (int i = 0; f && i < n; i++) {
        int k = emb_clip_tokenize_all(t, lines[i], ids, 1 << 20);
        for (int j = 0; j < k; j++) fprintf(f, j ? " %d" : "%d", ids[j]);
        fputc('\n', f);
    }
    if (f) fclose(f);
    emb_clip_tokenizer_free(t);
    free(lines); free(txt); free(ids);
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "tower")) return tower(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "tokenize")) return tokenize(argc - 1, argv + 1);
    fprintf(stderr, "usage: text_bench tower|tokenize ...\n");
    return 1;
}

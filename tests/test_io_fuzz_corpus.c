/* test_io_fuzz_corpus.c - the libFuzzer harnesses (fuzz/fuzz_*.c) replayed
 * without libFuzzer, so the ASan/UBSan unit run covers them on any compiler:
 * every seed of fuzz/corpus/<name>/, every truncation of it, and seeded
 * random byte flips (emb_rng, same inputs on every run). A harness aborts on
 * a broken invariant; ASan/UBSan report memory errors. The seeds themselves
 * are checked to parse (they are valid files made by fuzz/make_corpus.sh). */
/* ctest-labels: unit */
#include "check.h"
#include "embscope.h"
#include "core/internal.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LLVMFuzzerTestOneInput fuzz_idx_one
#include "../fuzz/fuzz_idx.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_npy_one
#include "../fuzz/fuzz_npy.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_image_one
#include "../fuzz/fuzz_image.c"
#undef LLVMFuzzerTestOneInput
/* one target per new decoder: fuzz_image.c behind its format's FUZZ_ACCEPT */
#undef FUZZ_ACCEPT
#define LLVMFuzzerTestOneInput fuzz_bmp_one
#include "../fuzz/fuzz_bmp.c"
#undef LLVMFuzzerTestOneInput
#undef FUZZ_ACCEPT
#define LLVMFuzzerTestOneInput fuzz_tiff_one
#include "../fuzz/fuzz_tiff.c"
#undef LLVMFuzzerTestOneInput
#undef FUZZ_ACCEPT
#define LLVMFuzzerTestOneInput fuzz_gif_one
#include "../fuzz/fuzz_gif.c"
#undef LLVMFuzzerTestOneInput
#undef FUZZ_ACCEPT
#define LLVMFuzzerTestOneInput fuzz_pnm_one
#include "../fuzz/fuzz_pnm.c"
#undef LLVMFuzzerTestOneInput
#undef FUZZ_ACCEPT
#define LLVMFuzzerTestOneInput fuzz_heif_one
#include "../fuzz/fuzz_heif.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_coco_one
#include "../fuzz/fuzz_coco.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_yolo_one
#include "../fuzz/fuzz_yolo.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_voc_one
#include "../fuzz/fuzz_voc.c"
#undef LLVMFuzzerTestOneInput

#define CORPUS TEST_REF "/../../fuzz/corpus"   /* tests/ref exists in every checkout */
#define FLIPS_PER_SEED 1000

typedef int (*harness)(const uint8_t *, size_t);

/* An annotation seed: parses with no problem listed and gives items. */
static emb_status parse_annotations(const char *name, const uint8_t *b, size_t n) {
    emb__boxes bx;
    emb_dataset *ds = annot_sink_new(&bx);
    if (!ds) return EMB_E_NOMEM;
    emb_status st;
    if (!strcmp(name, "coco")) st = emb__coco_parse((const char *)b, n, "seed.json", EMB_SPLIT_NONE, &bx);
    else if (!strcmp(name, "voc")) st = emb__voc_parse((const char *)b, n, "seed.xml", NULL, "", EMB_SPLIT_NONE, &bx);
    else {
        const uint8_t *nul = memchr(b, 0, n);
        char **names = NULL;
        int nn = 0;
        st = nul ? emb__yolo_names((const char *)b, (size_t)(nul - b), "seed.yaml", &names, &nn)
                 : emb__fail(EMB_E_FORMAT, "no NUL between data.yaml and the labels");
        if (!st) st = emb__boxes_image(&bx, "seed.txt", "seed.jpg", 0, 0, EMB_SPLIT_NONE);
        if (!st) st = emb__yolo_labels((const char *)nul + 1, n - (size_t)(nul - b) - 1, names, nn, &bx);
        for (int i = 0; i < nn; i++) free(names[i]);
        free(names);
    }
    if (!st && ds->annot_issues.n) st = emb__fail(EMB_E_FORMAT, "%s: %s", ds->annot_issues.where[0], ds->annot_issues.reason[0]);
    annot_sink_done(&bx, ds);
    return st;
}

/* Does the seed parse as what it is? (gzip IDX and tables are not raw) */
static emb_status parse(const char *name, const uint8_t *b, size_t n) {
    emb_status st;
    if (!strcmp(name, "coco") || !strcmp(name, "yolo") || !strcmp(name, "voc")) return parse_annotations(name, b, n);
    if (!strcmp(name, "idx")) { emb_idx a; st = emb_idx_parse(b, n, "seed", &a); if (!st) emb_idx_free(&a); }
    else if (!strcmp(name, "npy")) { emb_npy a; st = emb_npy_parse(b, n, "seed", &a); }
    else { emb_image a; st = emb_image_decode(b, n, "seed", &a); if (!st) emb_image_free(&a); }
    return st;
}

static void replay(const char *name, harness fn) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", CORPUS, name);
    DIR *d = opendir(dir);
    if (!CHECK(d != NULL)) { fprintf(stderr, "  no corpus at %s\n", dir); return; }
    emb_rng rng;
    emb_rng_seed(&rng, 2024);
    struct dirent *e;
    int seeds = 0;
    long runs = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char p[2048];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        size_t n;
        uint8_t *seed = check_read_file(p, &n);
        if (!seed) continue;
        seeds++;
        bool gz = n > 2 && seed[0] == 0x1f && seed[1] == 0x8b;
        /* a seed named reject-* is a fuzzer's find kept for its header:
         * it must fail with a message, the others must parse */
        bool reject = !strncmp(e->d_name, "reject-", 7);
        if (!gz && reject) {
            emb_status rs = parse(name, seed, n);
            if (!CHECK(rs != EMB_OK && emb_errmsg()[0])) fprintf(stderr, "  %s: expected a clean failure\n", p);
        } else if (!gz && parse(name, seed, n) != EMB_OK) { CHECK(!"seed parses"); fprintf(stderr, "  %s: %s\n", p, emb_errmsg()); }
        fn(seed, n);
        for (size_t cut = 0; cut < n; cut++, runs++) fn(seed, cut);
        uint8_t *m = malloc(n);
        for (int k = 0; k < FLIPS_PER_SEED; k++, runs++) {
            memcpy(m, seed, n);
            int flips = 1 + (int)emb_rng_below(&rng, 4);
            for (int f = 0; f < flips; f++) {
                size_t at = emb_rng_below(&rng, (uint32_t)n);
                /* header bytes matter most: half the flips land in the first 64 */
                if (k % 2 && n > 64) at = emb_rng_below(&rng, 64);
                m[at] = (uint8_t)(emb_rng_below(&rng, 3) == 0 ? 0xff : emb_rng_next(&rng));
            }
            fn(m, n);
        }
        free(m);
        free(seed);
    }
    closedir(d);
    fprintf(stderr, "%s: %d seeds, %ld mutated inputs\n", name, seeds, runs);
    CHECK(seeds >= 3);
}

int main(void) {
    replay("idx", fuzz_idx_one);
    replay("npy", fuzz_npy_one);
    replay("image", fuzz_image_one);
    replay("bmp", fuzz_bmp_one);
    replay("tiff", fuzz_tiff_one);
    replay("gif", fuzz_gif_one);
    replay("pnm", fuzz_pnm_one);
    replay("heif", fuzz_heif_one);
    replay("coco", fuzz_coco_one);
    replay("yolo", fuzz_yolo_one);
    replay("voc", fuzz_voc_one);
    return check_exit();
}

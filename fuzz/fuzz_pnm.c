/* fuzz_pnm.c - libFuzzer target for PBM/PGM/PPM (own parser, src/io/decode_pnm.c):
 * fuzz_image.c's checks on inputs that start as the format does. Seeds:
 * fuzz/corpus/pnm/ (fuzz/make_corpus.sh). Build and run: scripts/fuzz.sh. */
#include <string.h>
#define FUZZ_ACCEPT(d, n) ((n) >= 2 && (d)[0] == 'P' && (d)[1] >= '1' && (d)[1] <= '6')
#include "fuzz_image.c"

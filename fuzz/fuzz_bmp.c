/* fuzz_bmp.c - libFuzzer target for BMP (own parser, src/io/decode_bmp.c):
 * fuzz_image.c's checks on inputs that start as the format does. Seeds:
 * fuzz/corpus/bmp/ (fuzz/make_corpus.sh). Build and run: scripts/fuzz.sh. */
#include <string.h>
#define FUZZ_ACCEPT(d, n) ((n) >= 2 && (d)[0] == 'B' && (d)[1] == 'M')
#include "fuzz_image.c"

/* fuzz_tiff.c - libFuzzer target for TIFF (libtiff, src/io/decode_tiff.c):
 * fuzz_image.c's checks on inputs that start as the format does. Seeds:
 * fuzz/corpus/tiff/ (fuzz/make_corpus.sh). Build and run: scripts/fuzz.sh. */
#include <string.h>
#define FUZZ_ACCEPT(d, n) ((n) >= 4 && ((d)[0] == 'I' || (d)[0] == 'M') && (d)[1] == (d)[0])
#include "fuzz_image.c"

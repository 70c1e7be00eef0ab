/* fuzz_gif.c - libFuzzer target for GIF (giflib, src/io/decode_gif.c):
 * fuzz_image.c's checks on inputs that start as the format does. Seeds:
 * fuzz/corpus/gif/ (fuzz/make_corpus.sh). Build and run: scripts/fuzz.sh. */
#include <string.h>
#define FUZZ_ACCEPT(d, n) ((n) >= 6 && !memcmp((d), "GIF8", 4))
#include "fuzz_image.c"

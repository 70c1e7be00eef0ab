/* fuzz_heif.c - libFuzzer target for AVIF and HEIC (libavif, libheif; src/io/decode_avif.c, decode_heif.c):
 * fuzz_image.c's checks on inputs that start as the format does. Seeds:
 * fuzz/corpus/heif/ (fuzz/make_corpus.sh). Build and run: scripts/fuzz.sh.
 * HEIC decodes in a child process (src/io/isolate.c), as in the program:
 * libheif 1.15's own crashes (fuzz/crashes/heif/) are clean errors, and
 * the child's coverage is not seen by libFuzzer (libheif is not
 * instrumented either; decode_heif.c is the only code of ours there). */
#include <string.h>
#define FUZZ_ACCEPT(d, n) ((n) >= 12 && !memcmp((d) + 4, "ftyp", 4))
#include "fuzz_image.c"

/* fuzz_voc.c - libFuzzer target for the Pascal VOC reader (emb__voc_parse,
 * expat): any bytes must give items whose crops lie inside their images, or
 * listed problems. Build and run: scripts/fuzz.sh. */
#include "embscope.h"
#include "annot_sink.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *buf = malloc(size ? size : 1);
    emb__boxes b;
    emb_dataset *ds = buf ? annot_sink_new(&b) : NULL;
    if (ds) {
        memcpy(buf, data, size);
        emb__voc_parse(buf, size, "train/a.xml", NULL, "train", EMB_SPLIT_TRAIN, &b);
        annot_sink_done(&b, ds);
    }
    free(buf);
    return 0;
}

/* fuzz_coco.c - libFuzzer target for the COCO JSON reader
 * (emb__coco_parse): any bytes must give items whose crops lie inside their
 * images, or listed problems, never a crash. Build and run: scripts/fuzz.sh. */
#include "embscope.h"
#include "annot_sink.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *buf = malloc(size ? size : 1);   /* exactly size bytes: reads past the end are caught */
    emb__boxes b;
    emb_dataset *ds = buf ? annot_sink_new(&b) : NULL;
    if (ds) {
        memcpy(buf, data, size);
        emb__coco_parse(buf, size, "train/_annotations.coco.json", EMB_SPLIT_TRAIN, &b);
        annot_sink_done(&b, ds);
    }
    free(buf);
    return 0;
}

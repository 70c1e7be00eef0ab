/* fuzz_yolo.c - libFuzzer target for the YOLO readers: the bytes up to the
 * first NUL are a data.yaml (emb__yolo_names, emb__yolo_splits_parse; libyaml), the rest a label
 * file (emb__yolo_labels) read with those names. Any bytes must give items
 * whose crops lie inside their images, or listed problems. Build and run:
 * scripts/fuzz.sh. */
#include "embscope.h"
#include "annot_sink.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nul = memchr(data, 0, size);
    size_t ny = nul ? (size_t)(nul - data) : 0, nl = nul ? size - ny - 1 : size;
    char *yaml = malloc(ny ? ny : 1), *lab = malloc(nl ? nl : 1);
    emb__boxes b;
    emb_dataset *ds = yaml && lab ? annot_sink_new(&b) : NULL;
    if (ds) {
        memcpy(yaml, data, ny);
        memcpy(lab, nul ? nul + 1 : data, nl);
        char **names = NULL;
        int nn = 0;
        if (nul && emb__yolo_names(yaml, ny, "data.yaml", &names, &nn) == EMB_OK)
            for (int i = 0; i < nn; i++) if (!names[i]) abort();
        emb__yolo_yaml_splits ys;
        if (nul && emb__yolo_splits_parse(yaml, ny, "data.yaml", &ys) == EMB_OK)
            for (int k = 0; k < 3; k++)
                for (int i = 0; i < ys.n[k]; i++) if (!ys.entry[k][i] || !ys.entry[k][i][0]) abort();
        if (nul) emb__yolo_splits_free(&ys);
        if (emb__boxes_image(&b, "train/labels/a.txt", "train/images/a.jpg", 0, 0, EMB_SPLIT_TRAIN) == EMB_OK)
            emb__yolo_labels(lab, nl, names, nn, &b);
        for (int i = 0; i < nn; i++) free(names[i]);
        free(names);
        annot_sink_done(&b, ds);
    }
    free(yaml);
    free(lab);
    return 0;
}

/* fuzz_npy.c - libFuzzer target for the .npy parser (emb_npy_parse): any
 * bytes must give EMB_OK with count elements inside the buffer, or an error
 * status. Build and run: scripts/fuzz.sh. */
#include "embscope.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* a private copy, exactly size bytes: reads past the end are caught */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    emb_npy a;
    if (emb_npy_parse(buf, size, "fuzz.npy", &a) == EMB_OK) {
        size_t es = a.dtype == EMB_DT_U8 ? 1 : a.dtype == EMB_DT_F16 ? 2 : 4;
        int64_t count = 1;
        for (int i = 0; i < a.ndim; i++)
            if (__builtin_mul_overflow(count, a.shape[i], &count)) abort();   /* the parser bounds every prefix */
        if (count != a.count) abort();  /* the parser's own invariant */
        const uint8_t *p = a.data;
        volatile unsigned sum = 0;
        for (size_t i = 0; i < (size_t)a.count * es; i++) sum += p[i];
    }
    free(buf);
    return 0;
}

/* fuzz_idx.c - libFuzzer target for the IDX parser (emb_idx_parse): any
 * bytes must give EMB_OK with data inside bounds or an error status, never
 * a crash, leak or undefined behaviour. Build and run: scripts/fuzz.sh. */
#include "embscope.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    emb_idx a;
    if (emb_idx_parse(data, size, "fuzz.idx", &a) != EMB_OK) return 0;
    /* touch every byte the header promised: ASan checks the bounds */
    size_t n = 1;
    for (int i = 0; i < a.ndim; i++) n *= (size_t)a.dims[i];
    volatile unsigned sum = 0;
    for (size_t i = 0; i < n; i++) sum += a.data[i];
    emb_idx_free(&a);
    return 0;
}

/* fuzz_safetensors.c - libFuzzer harness for the safetensors parser: any
 * input must give EMB_OK with every tensor inside the buffer, or an error.
 * Build: cmake -DEMB_FUZZ=ON -DCMAKE_C_COMPILER=clang; run ./fuzz_safetensors
 * with tests/data/clip/hf/ as a seed corpus. */
#include "embscope.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    emb_safetensors st;
    if (emb_safetensors_parse(data, size, "fuzz", &st) == EMB_OK) {
        for (int i = 0; i < st.n; i++) {
            const emb_st_tensor *t = &st.t[i];
            if ((const uint8_t *)t->data < data || (const uint8_t *)t->data + t->nbytes > data + size) abort();
            if (t->dtype != EMB_ST_OTHER && t->count <= 4096) {
                float *v = malloc(sizeof(float) * (size_t)(t->count ? t->count : 1));
                if (v) emb_safetensors_to_f32(t, v);
                free(v);
            }
        }
    }
    emb_safetensors_close(&st);
    return 0;
}

/* cpu.c - the one place that says which SIMD kernels run (STYLE: "One
 * kernel, every CPU"). The CPU is probed once, thread-safely (pthread_once),
 * with GCC's __builtin_cpu_supports, as ONNX Runtime's MLAS and OpenBLAS's
 * DYNAMIC_ARCH pick their kernels at run time; the environment variable
 * EMB_CPU (scalar | avx2 | avx512 | avx512bf16) caps the level so that tests
 * and benchmarks can run every lower path on one machine. Non-x86 builds
 * always run the plain-C kernels. */
#include "core/internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const char *const level_names[] = {"scalar", "avx2", "avx512", "avx512bf16"};

const char *emb_cpu_level_name(emb_cpu_level level) {
    return level >= EMB_CPU_SCALAR && level <= EMB_CPU_AVX512_BF16 ? level_names[level] : "unknown";
}

bool emb_cpu_level_parse(const char *s, emb_cpu_level *out) {
    for (int i = EMB_CPU_SCALAR; i <= EMB_CPU_AVX512_BF16; i++)
        if (s && strcmp(s, level_names[i]) == 0) { *out = (emb_cpu_level)i; return true; }
    return false;
}

static emb_cpu_level probe(void) {
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
    __builtin_cpu_init();
    /* AVX-512 here means F + BW + DQ + VL (every AVX-512 CPU since Skylake-SP);
     * AVX2 means AVX2 + FMA + F16C (Haswell, Zen 1 and later). */
    bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                  __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    if (avx512 && __builtin_cpu_supports("avx512bf16")) return EMB_CPU_AVX512_BF16;
    if (avx512) return EMB_CPU_AVX512;
    if (avx2) return EMB_CPU_AVX2;
#endif
    return EMB_CPU_SCALAR;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static emb_cpu_level detected = EMB_CPU_SCALAR, active = EMB_CPU_SCALAR;
static bool capped = false;

static void init(void) {
    detected = probe();
    active = detected;
    emb_cpu_level cap;
    const char *env = getenv("EMB_CPU");
    if (env && *env) {
        /* An unknown value caps at plain C: a misspelt request never enables
         * more than asked (the program rejects it before calling in). */
        if (!emb_cpu_level_parse(env, &cap)) cap = EMB_CPU_SCALAR;
        if (cap < active) { active = cap; capped = true; }
    }
}

emb_cpu_level emb_cpu_level_detected(void) {
    pthread_once(&once, init);
    return detected;
}

emb_cpu_level emb_cpu_level_active(void) {
    pthread_once(&once, init);
    return active;
}

bool emb_cpu_level_capped(void) {
    pthread_once(&once, init);
    return capped;
}

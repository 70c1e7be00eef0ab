/* cpu.c - the one place that says which SIMD kernels run (STYLE: "One
 * kernel, every CPU"). The CPU is probed once, thread-safely (pthread_once),
 * with CPUID and XGETBV, as ONNX Runtime's MLAS and OpenBLAS's
 * DYNAMIC_ARCH pick their kernels at run time; the environment variable
 * EMB_CPU (scalar | avx2 | avx512 | avx512bf16 | amx) caps the level so that tests
 * and benchmarks can run every lower path on one machine. Non-x86 builds
 * always run the plain-C kernels. */
#include "core/internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const char *const level_names[] = {"scalar", "avx2", "avx512", "avx512bf16", "amx"};

const char *emb_cpu_level_name(emb_cpu_level level) {
    return level >= EMB_CPU_SCALAR && level <= EMB_CPU_AMX ? level_names[level] : "unknown";
}

bool emb_cpu_level_parse(const char *s, emb_cpu_level *out) {
    for (int i = EMB_CPU_SCALAR; i <= EMB_CPU_AMX; i++)
        if (s && strcmp(s, level_names[i]) == 0) { *out = (emb_cpu_level)i; return true; }
    return false;
}

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <cpuid.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* XCR0: which register states the OS saves (bits 1-2 SSE/AVX, 5-7 AVX-512). */
static unsigned long long xgetbv0(void) {
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

/* From CPUID and XGETBV, as libgcc's and compiler-rt's __cpu_indicator_init
 * do (their __builtin_cpu_supports does not know "avx512bf16" or "f16c" in
 * clang before 16): an instruction set counts only when the OS also saves
 * its registers. */
static bool probe_intel(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return false;
    return b == 0x756e6547u && d == 0x49656e69u && c == 0x6c65746eu;   /* "Genu" "ineI" "ntel" */
}

/* AMX tile data (XCR0 bit 18) is off for a process until it asks: Linux
 * 5.16+ grants it per process with arch_prctl(ARCH_REQ_XCOMP_PERM,
 * XFEATURE_XTILEDATA) (the kernel's Documentation/arch/x86/xstate.rst), as
 * oneDNN does before its first AMX kernel. Asked once, at the probe; a
 * refusal (older kernel, a seccomp filter) leaves the level at avx512bf16. */
static bool amx_permitted(unsigned long long xcr0) {
    if ((xcr0 & 0x60000) != 0x60000) return false;   /* XTILECFG + XTILEDATA enabled by the OS */
#if defined(__x86_64__) && defined(__linux__) && defined(SYS_arch_prctl)   /* the AMX kernels are x86-64 code */
    return syscall(SYS_arch_prctl, 0x1023 /* ARCH_REQ_XCOMP_PERM */, 18 /* XFEATURE_XTILEDATA */) == 0;
#else
    return false;
#endif
}

static emb_cpu_level probe(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return EMB_CPU_SCALAR;
    unsigned ecx1 = c, ebx7 = 0, edx7 = 0, eax71 = 0;
    unsigned long long xcr0 = (ecx1 & bit_OSXSAVE) ? xgetbv0() : 0;
    bool ymm = (xcr0 & 0x6) == 0x6, zmm = ymm && (xcr0 & 0xe0) == 0xe0;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) { ebx7 = b; edx7 = d; }
    if (__get_cpuid_count(7, 1, &a, &b, &c, &d)) eax71 = a;
    /* AVX2 here means AVX2 + FMA + F16C (Haswell, Zen 1 and later); AVX-512
     * F + BW + DQ + VL (every AVX-512 CPU since Skylake-SP); BF16 is
     * CPUID.(7,1):EAX[5]; AMX-BF16 and AMX-TILE CPUID.(7,0):EDX[22] and [24]
     * (Sapphire Rapids and later Xeons). */
    bool avx2 = ymm && (ebx7 & bit_AVX2) && (ecx1 & bit_FMA) && (ecx1 & bit_F16C);
    bool avx512 = avx2 && zmm && (ebx7 & bit_AVX512F) && (ebx7 & bit_AVX512BW) && (ebx7 & bit_AVX512DQ) &&
                  (ebx7 & bit_AVX512VL);
    bool bf16 = avx512 && (eax71 & (1u << 5));
    if (bf16 && (edx7 & (1u << 22)) && (edx7 & (1u << 24)) && amx_permitted(xcr0)) return EMB_CPU_AMX;
    if (bf16) return EMB_CPU_AVX512_BF16;
    if (avx512) return EMB_CPU_AVX512;
    if (avx2) return EMB_CPU_AVX2;
    return EMB_CPU_SCALAR;
}
#else
static bool probe_intel(void) { return false; }
static emb_cpu_level probe(void) { return EMB_CPU_SCALAR; }
#endif

static pthread_once_t once = PTHREAD_ONCE_INIT;
static emb_cpu_level detected = EMB_CPU_SCALAR, active = EMB_CPU_SCALAR;
static bool capped = false, intel = false;

static void init(void) {
    detected = probe();
    intel = probe_intel();
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

bool emb__cpu_is_intel(void) {
    pthread_once(&once, init);
    return intel;
}

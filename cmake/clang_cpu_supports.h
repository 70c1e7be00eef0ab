/* clang_cpu_supports.h - force-included into src/core/cpu.c (and the CMake
 * probe that includes it) when the compiler is clang older than 16, whose
 * __builtin_cpu_supports rejects "f16c" ("invalid cpu feature string") and
 * "avx512bf16". It answers the same questions from CPUID and XGETBV, as
 * libgcc's and compiler-rt's __cpu_indicator_init do: the instruction set
 * bit, and for AVX / AVX-512 the OS saving the YMM / ZMM state. Only the
 * features cpu.c asks for are known; any other name answers 0. Used by the
 * clang builds (EMB_TSAN, EMB_FUZZ); GCC builds never see it. */
#ifndef EMB_CLANG_CPU_SUPPORTS_H
#define EMB_CLANG_CPU_SUPPORTS_H
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <string.h>

static unsigned long long emb__xgetbv0(void) {
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

static int emb__cpu_supports(const char *f) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    unsigned ecx1 = c;
    int osxsave = (ecx1 & bit_OSXSAVE) != 0;
    unsigned long long xcr0 = osxsave ? emb__xgetbv0() : 0;
    int ymm = (xcr0 & 0x6) == 0x6, zmm = ymm && (xcr0 & 0xe0) == 0xe0;
    unsigned ebx7 = 0, eax71 = 0;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) ebx7 = b;
    if (__get_cpuid_count(7, 1, &a, &b, &c, &d)) eax71 = a;
    if (!strcmp(f, "fma")) return ymm && (ecx1 & bit_FMA);
    if (!strcmp(f, "f16c")) return ymm && (ecx1 & bit_F16C);
    if (!strcmp(f, "avx2")) return ymm && (ebx7 & bit_AVX2);
    if (!strcmp(f, "avx512f")) return zmm && (ebx7 & bit_AVX512F);
    if (!strcmp(f, "avx512bw")) return zmm && (ebx7 & bit_AVX512BW);
    if (!strcmp(f, "avx512dq")) return zmm && (ebx7 & bit_AVX512DQ);
    if (!strcmp(f, "avx512vl")) return zmm && (ebx7 & bit_AVX512VL);
    if (!strcmp(f, "avx512bf16")) return zmm && (eax71 & (1u << 5));   /* CPUID.(7,1):EAX[5] */
    return 0;
}
#define __builtin_cpu_supports(f) emb__cpu_supports(f)
#endif
#endif

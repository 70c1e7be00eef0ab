/* cpu_probe.c - prints the SIMD levels this machine can run, lowest first
 * ("scalar;avx2;avx512"), for CMake's try_run: kernel-sensitive tests are
 * registered once per level (CMakeLists.txt, "ctest-levels"). */
#include "../src/core/cpu.c"

int main(void) {
    emb_cpu_level top = emb_cpu_level_detected();
    for (int l = EMB_CPU_SCALAR; l <= (int)top; l++) printf("%s%s", l ? ";" : "", emb_cpu_level_name((emb_cpu_level)l));
    return 0;
}

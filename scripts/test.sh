#!/usr/bin/env bash
# The README's second command: install what the tests need, build, and run
# the whole test suite with ctest:
#   1. Release build, every test (unit, slow, cli, browser);
#   2. AddressSanitizer + UBSan build, the unit tests;
#   3. ThreadSanitizer build (clang, LLVM libomp + Archer) of test_core_threads;
#   4. each libFuzzer target for a bounded time (FUZZ_SECONDS, default 30);
#   5. aarch64 cross build, the unit tests under QEMU (scripts/cross-arm64.sh);
#   6. shared library build, the Python package's pytest suite (label python);
#   7. MPI build (-DEMB_MPI=ON, Open MPI), the MPI tests (label mpi: mpirun
#      with 1, 2 and 3 ranks on localhost, about 15 s).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
jobs=$(nproc)

echo "== release build + all tests"
scripts/build.sh build
(cd build && ctest --output-on-failure -j"$jobs" --timeout 900)

echo "== ASan + UBSan build + unit tests"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DEMB_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j"$jobs" -L unit --timeout 900)

echo "== ThreadSanitizer: test_core_threads"
# Two library calls at once from two threads, under TSan: clang with LLVM's
# libomp (GCC's libgomp is not TSan-aware: false races on its barriers) and
# LLVM's Archer tool, which tells TSan about OpenMP's synchronisation.
# libomp, OpenBLAS and FFTW are not instrumented: ignore_noninstrumented_modules
# drops their own accesses (libomp's allocator otherwise reports memset/free
# inside ___kmp_free), and the test runs OpenBLAS on one thread. Any race in
# our code fails the step.
CC=clang cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DEMB_TSAN=ON >/dev/null
cmake --build build-tsan -j"$jobs" --target test_core_threads
archer=$(cd "$(clang -print-resource-dir)/../.." && pwd)/libarcher.so   # /usr/lib/llvm-14/lib
[ -f "$archer" ] || { echo "libarcher.so not found (Debian package libomp-14-dev)"; exit 1; }
ARCHER_OPTIONS=verbose=1 OMP_TOOL_LIBRARIES="$archer" TSAN_OPTIONS="ignore_noninstrumented_modules=1 halt_on_error=1" \
  build-tsan/test_core_threads

if [ -x scripts/fuzz.sh ]; then
  echo "== fuzzing"
  scripts/fuzz.sh "${FUZZ_SECONDS:-30}"
fi

echo "== arm64 cross build + unit tests under qemu"
JOBS="$jobs" bash scripts/cross-arm64.sh build-arm64

echo "== shared library + Python package (pytest)"
cmake -S . -B build-shared -DCMAKE_BUILD_TYPE=Release -DEMB_SHARED=ON >/dev/null
cmake --build build-shared -j"$jobs" --target embscope embscope_cli
(cd build-shared && ctest --output-on-failure -L python --timeout 900)

echo "== MPI build + MPI tests (mpirun -np 1/2/3 on localhost)"
cmake -S . -B build-mpi -DCMAKE_BUILD_TYPE=Release -DEMB_MPI=ON >/dev/null
cmake --build build-mpi -j"$jobs" --target embscope_cli
# Open MPI refuses root unless told; CI containers often run as root
(cd build-mpi && OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ctest --output-on-failure -L mpi --timeout 300)

#!/usr/bin/env bash
# The README's second command: install what the tests need, build, and run
# the whole test suite with ctest:
#   1. Release build, every test (unit, slow, cli, browser);
#   2. AddressSanitizer + UBSan build, the unit tests;
#   3. each libFuzzer target for a bounded time (FUZZ_SECONDS, default 30);
#   4. aarch64 cross build, the unit tests under QEMU (scripts/cross-arm64.sh).
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

if [ -x scripts/fuzz.sh ]; then
  echo "== fuzzing"
  scripts/fuzz.sh "${FUZZ_SECONDS:-30}"
fi

echo "== arm64 cross build + unit tests under qemu"
JOBS="$jobs" bash scripts/cross-arm64.sh build-arm64

#!/bin/sh
# fuzz.sh [SECONDS] - build the libFuzzer targets with clang (library
# instrumented too, ASan + UBSan) in build-fuzz/ and run each target for
# SECONDS (default 30) on a copy of its seed corpus fuzz/corpus/<name>/.
# Exits non-zero if any target finds a crash, leak or timeout; the input that
# did it is left in build-fuzz/artifacts/.
# Needs: clang (Debian package clang), the build dependencies.
set -eu
secs=${1:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
b="$root/build-fuzz"
CC=clang cmake -S "$root" -B "$b" -DEMB_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
targets=$(cd "$root/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
for t in $targets; do cmake --build "$b" -j2 --target "fuzz_$t"; done
mkdir -p "$b/artifacts"
status=0
for t in $targets; do
    work="$b/corpus/$t"
    mkdir -p "$work"
    [ -d "$root/fuzz/corpus/$t" ] && cp "$root/fuzz/corpus/$t/"* "$work/"
    echo "== fuzz_$t: ${secs} s"
    # rss_limit: images may claim up to EMB_IMAGE_MAX_PIXELS (2^28) pixels
    if ! ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions="$root/fuzz/lsan.supp" UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$b/fuzz_$t" -max_total_time="$secs" -timeout=20 -rss_limit_mb=4096 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$b/artifacts/fuzz_$t-" "$work" 2>"$b/fuzz_$t.log"; then
        echo "fuzz_$t FAILED: see $b/fuzz_$t.log and $b/artifacts/"
        tail -40 "$b/fuzz_$t.log"
        status=1
    else
        grep -E "stat::number_of_executed_units|cov:" "$b/fuzz_$t.log" | tail -2
    fi
done
exit $status

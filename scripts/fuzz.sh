#!/bin/sh
# fuzz.sh [SECONDS] - build the libFuzzer targets with clang (library
# instrumented too, ASan + UBSan) in build-fuzz/ and run each target for
# SECONDS (default 30) on a copy of its seed corpus fuzz/corpus/<name>/,
# FUZZ_JOBS (default: the core count) targets at a time.
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
# One target per core at a time (each is one process): the same time per
# target, the step done in 1/cores of the time.
jobs=${FUZZ_JOBS:-$(nproc)}
status=0
run_one() {
    t=$1
    work="$b/corpus/$t"
    mkdir -p "$work"
    [ -d "$root/fuzz/corpus/$t" ] && cp "$root/fuzz/corpus/$t/"* "$work/"
    # rss_limit: images may claim up to EMB_IMAGE_MAX_PIXELS (2^28) pixels
    if ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions="$root/fuzz/lsan.supp" UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$b/fuzz_$t" -max_total_time="$secs" -timeout=20 -rss_limit_mb=4096 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$b/artifacts/fuzz_$t-" "$work" 2>"$b/fuzz_$t.log"; then
        echo ok > "$b/fuzz_$t.status"
    else
        echo failed > "$b/fuzz_$t.status"
    fi
}
set -- $targets
while [ $# -gt 0 ]; do
    batch=""
    i=0
    while [ $# -gt 0 ] && [ $i -lt "$jobs" ]; do
        batch="$batch $1"
        rm -f "$b/fuzz_$1.status"
        echo "== fuzz_$1: ${secs} s"
        run_one "$1" &
        shift
        i=$((i + 1))
    done
    wait
    for t in $batch; do
        if [ "$(cat "$b/fuzz_$t.status" 2>/dev/null)" != ok ]; then
            echo "fuzz_$t FAILED: see $b/fuzz_$t.log and $b/artifacts/"
            tail -40 "$b/fuzz_$t.log"
            status=1
        else
            echo "fuzz_$t:"; grep -E "stat::number_of_executed_units|cov:" "$b/fuzz_$t.log" | tail -2
        fi
    done
done
exit $status

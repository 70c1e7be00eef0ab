#!/usr/bin/env bash
# bench/report/scale.sh - the report at 100k and 1M items (issue 17, item 5).
# Usage: bench/report/scale.sh path/to/embscope [OUT] [SIZES...]
#   (default OUT bench/out/report-scale, sizes 100000 1000000)
# For each size: make_scale.py assembles an OUT folder (Fashion-MNIST
# repeated, nothing downloaded), `embscope report` writes the page (time,
# peak RSS; report.html and report_files/ sizes), then bench/report/browser.mjs
# opens it from file:// in headless Chromium, twice (time to interactive,
# first frame, hover -> thumbnail, pin -> neighbours, zoom, memory, console
# errors). Screenshots: OUT/<size>/shot-*.png. The whole run holds
# flock /tmp/embscope-bench.lock.
set -euo pipefail
[ -n "${EMB_BENCH_LOCKED:-}" ] || exec env EMB_BENCH_LOCKED=1 flock /tmp/embscope-bench.lock bash "$0" "$@"
bin=$(readlink -f "$1")
out=$(readlink -f "${2:-bench/out/report-scale}")
shift 2 || shift $#
sizes=${*:-100000 1000000}
here=$(cd "$(dirname "$0")/../.." && pwd)
python3 "$here/bench/machine.py" "$bin" || true
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $sizes; do
  d="$out/$n"
  [ -f "$d/map.npy" ] || /usr/bin/python3 "$here/bench/report/make_scale.py" "$d" "$n"
  rm -rf "$d/report.html" "$d/report_files"
  /usr/bin/time -v -o "$d/time.txt" "$bin" report "$d" --quiet
  secs=$(awk -F': ' '/Elapsed/ {n = split($2, a, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i]; print s}' "$d/time.txt")
  rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2 / 1024}' "$d/time.txt")
  page=$(stat -c %s "$d/report.html")
  files=$( [ -d "$d/report_files" ] && du -sb "$d/report_files" | cut -f1 || echo 0)
  nfiles=$( [ -d "$d/report_files" ] && ls "$d/report_files" | wc -l || echo 0)
  echo "N=$n report: ${secs} s, peak RSS ${rss} MB, report.html $(echo "$page / 1000000" | bc -l | xargs printf %.1f) MB, report_files/ $(echo "$files / 1000000" | bc -l | xargs printf %.1f) MB in $nfiles files"
  for run in 1 2; do
    echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    node "$here/bench/report/browser.mjs" "$d/report.html" "$d/shot" | tee "$d/browser-$run.json"
  done
done

#!/usr/bin/env bash
# bench/report/run.sh - the report on Fashion-MNIST (70,000 items).
# Usage: bench/report/run.sh path/to/embscope [OUT]   (default OUT bench/out/report)
# Makes the inputs: items.csv + embeddings.npy with `embscope embed`, a PCA-3
# map.npy (numpy; stands in until the map stage lands) and, unless OUT holds
# a neighbors.npy already, random k=15 neighbours (the report only copies
# them, so their values do not change its size or speed). Then measures:
#   - time and peak RSS of `embscope report`, size of report.html;
#   - time until the map is interactive in headless Chromium (page load to
#     first frame + legend + hover answering), with tests/report_browser.mjs.
# The whole run holds flock /tmp/embscope-bench.lock (timings without the wait).
set -euo pipefail
[ -n "${EMB_BENCH_LOCKED:-}" ] || exec env EMB_BENCH_LOCKED=1 flock /tmp/embscope-bench.lock bash "$0" "$@"
bin=$(readlink -f "$1")
out=${2:-bench/out/report}
here=$(cd "$(dirname "$0")/../.." && pwd)
data=/usr/share/datasets/fashion-mnist
mkdir -p "$out"
python3 "$here/bench/machine.py" "$bin"
if [ ! -f "$out/map.npy" ]; then
  "$bin" embed "$data" -o "$out" --quiet
  /usr/bin/python3 -c "
import numpy as np, os
x = np.load('$out/embeddings.npy'); x = x - x.mean(0)
c = (x.T @ x) / len(x); w, v = np.linalg.eigh(c)
np.save('$out/map.npy', (x @ v[:, ::-1][:, :3]).astype(np.float32))
if not os.path.exists('$out/neighbors.npy'):
    r = np.random.default_rng(0); n = len(x)
    np.save('$out/neighbors.npy', r.integers(0, n, (n, 15)).astype(np.int32))
    np.save('$out/distances.npy', np.sort(r.random((n, 15)), 1).astype(np.float32))"
fi
rm -f "$out/report.html"
/usr/bin/time -v -o "$out/time.txt" "$bin" report "$out" --quiet
secs=$(awk -F': ' '/Elapsed/ {n = split($2, a, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i]; print s}' "$out/time.txt")
rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2 / 1024}' "$out/time.txt")
bytes=$(stat -c %s "$out/report.html")
m=$(node "$here/tests/report_browser.mjs" "$(readlink -f "$out/report.html")" "$out/shot")
echo "$m" > "$out/browser.json"
read -r ready inter loaded hover setup plotted <<<"$(echo "$m" | /usr/bin/python3 -c "import json,sys; m=json.load(sys.stdin); print(round(m['page_ready_ms']), m['interactive_ms'], m['loaded_ms'], m.get('hover_ms', -1), round(m['setup_ms']), m['plotted'])")"
printf "\n%-44s %12s\n" "Fashion-MNIST, N = 70000" "embscope"
printf "%-44s %12s\n" "embscope report: wall time (s)" "$secs"
printf "%-44s %12s\n" "embscope report: peak RSS (MB)" "$rss"
printf "%-44s %12.1f\n" "report.html size (MB)" "$(echo "$bytes / 1000000" | bc -l)"
printf "%-44s %12s\n" "Chromium: navigation to map ready (ms)" "$ready"
printf "%-44s %12s\n" "  of which map + panels setup (ms)" "$setup"
printf "%-44s %12s\n" "Chromium: goto to ready, as seen by test (ms)" "$inter"
printf "%-44s %12s\n" "Chromium: goto to load event, thumbs (ms)" "$loaded"
printf "%-44s %12s\n" "Chromium: hover to tooltip (ms)" "$hover"
printf "%-44s %12s\n" "points plotted" "$plotted"
echo "goals: interactive < 5000 ms, size < 40 MB; screenshots: $out/shot-*.png"

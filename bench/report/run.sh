#!/usr/bin/env bash
# bench/report/run.sh - the report on Fashion-MNIST (70,000 items).
# Usage: bench/report/run.sh path/to/embscope [OUT]   (default OUT bench/out/report)
# Makes the inputs with embscope itself (embed, neighbors k=15) and a PCA-3
# map.npy (numpy; stands in until the map stage lands), then measures:
#   - time and peak RSS of `embscope report`, size of report.html;
#   - time until the map is interactive in headless Chromium (page load to
#     first frame + legend + hover answering), with tests/report_browser.mjs.
# Heavy steps run under flock /tmp/embscope-bench.lock.
set -euo pipefail
bin=$(readlink -f "$1")
out=${2:-bench/out/report}
here=$(cd "$(dirname "$0")/../.." && pwd)
data=/usr/share/datasets/fashion-mnist
lock="flock /tmp/embscope-bench.lock"
mkdir -p "$out"
if [ ! -f "$out/neighbors.npy" ]; then
  $lock "$bin" embed "$data" -o "$out" --quiet
  $lock "$bin" neighbors "$out/embeddings.npy" -k 15 -o "$out" --quiet
  $lock /usr/bin/python3 -c "
import numpy as np, sys
x = np.load('$out/embeddings.npy'); x = x - x.mean(0)
c = (x.T @ x) / len(x); w, v = np.linalg.eigh(c)
np.save('$out/map.npy', (x @ v[:, ::-1][:, :3]).astype(np.float32))"
fi
rm -f "$out/report.html"
/usr/bin/time -v -o "$out/time.txt" $lock "$bin" report "$out" --quiet
secs=$(awk -F': ' '/Elapsed/ {n = split($2, a, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i]; print s}' "$out/time.txt")
rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2 / 1024}' "$out/time.txt")
bytes=$(stat -c %s "$out/report.html")
m=$($lock node "$here/tests/report_browser.mjs" "$(readlink -f "$out/report.html")" "$out/shot")
echo "$m" > "$out/browser.json"
read -r inter hover setup plotted <<<"$(echo "$m" | /usr/bin/python3 -c "import json,sys; m=json.load(sys.stdin); print(m['interactive_ms'], m.get('hover_ms', -1), round(m['setup_ms']), m['plotted'])")"
printf "\n%-44s %12s\n" "Fashion-MNIST, N = 70000" "embscope"
printf "%-44s %12s\n" "embscope report: wall time (s)" "$secs"
printf "%-44s %12s\n" "embscope report: peak RSS (MB)" "$rss"
printf "%-44s %12.1f\n" "report.html size (MB)" "$(echo "$bytes / 1000000" | bc -l)"
printf "%-44s %12s\n" "Chromium: load to interactive (ms)" "$inter"
printf "%-44s %12s\n" "  of which page script setup (ms)" "$setup"
printf "%-44s %12s\n" "Chromium: hover to tooltip (ms)" "$hover"
printf "%-44s %12s\n" "points plotted" "$plotted"
echo "goals: interactive < 5000 ms, size < 40 MB; screenshots: $out/shot-*.png"

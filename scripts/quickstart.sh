#!/usr/bin/env bash
# The README's first command: install what is needed, build, and run
# `embscope analyze` on Fashion-MNIST (Debian's dataset-fashion-mnist).
# Results go to OUT (default out/fashion-mnist).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/fashion-mnist}
scripts/setup.sh run
scripts/build.sh build
build/embscope analyze /usr/share/datasets/fashion-mnist -o "$out"
echo
echo "Results are in $out/ (summary.json, items.csv, embeddings.npy, ...)."
[ -f "$out/report.html" ] && echo "Open $out/report.html in a browser."
exit 0

#!/usr/bin/env bash
# Configure and build embscope. Usage: scripts/build.sh [BUILD_DIR] [cmake args...]
# (default build/, Release). The program is BUILD_DIR/embscope.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"

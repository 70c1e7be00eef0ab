#!/usr/bin/env bash
# Install the Debian packages embscope needs. Idempotent: run it as often as
# you like. Usage: scripts/setup.sh [build|test|bench|all]   (default: test)
#   build  compiler, CMake and the C libraries embscope links
#   test   build + what the test suite uses (numpy, PIL, sklearn, clang for
#          the fuzzers, Chromium + Node.js for the report's browser test)
#   bench  test + the peers the benchmarks compare against and the datasets
#   all    same as bench
set -euo pipefail
what=${1:-test}

build_pkgs=(build-essential cmake pkg-config
  libopenblas-dev liblapacke-dev libfftw3-dev libarpack2-dev
  zlib1g-dev libturbojpeg0-dev libjpeg62-turbo-dev libpng-dev libwebp-dev
  libcjson-dev libxxhash-dev)
test_pkgs=(python3 python3-numpy python3-pil python3-sklearn python3-scipy
  clang libclang-rt-14-dev chromium)
# Node.js + npm build the report's front end; some machines carry a Node.js
# build that bundles npm (and conflicts with Debian's npm package).
command -v npm >/dev/null 2>&1 || test_pkgs+=(nodejs npm)
bench_pkgs=(dataset-fashion-mnist umap-learn python3-pynndescent
  python3-hnswlib python3-faiss python3-torch r-base-core r-cran-uwot
  r-cran-rtsne time)

case "$what" in
  build) pkgs=("${build_pkgs[@]}") ;;
  test)  pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  bench|all) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "usage: scripts/setup.sh [build|test|bench|all]" >&2; exit 1 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
else
  echo "setup: all ${#pkgs[@]} packages present" >&2
fi

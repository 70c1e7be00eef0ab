#!/usr/bin/env bash
# Install the Debian packages embscope needs. Idempotent: run it as often as
# you like; it calls apt-get only when something is missing.
# Usage: scripts/setup.sh [build|run|test|bench]   (default: test)
#   build  compiler, CMake, Node.js/npm (the report's front end is built
#          with npm ci), the C libraries embscope links, and what
#          `pip install ./python` builds the Python package with; Open MPI
#          (optional at build time: -DEMB_MPI=ON uses it, off without it)
#   run    build + the default dataset (Debian's dataset-fashion-mnist)
#   test   run + what the tests use (numpy, PIL, scikit-learn, clang for the
#          fuzzers, Chromium for the report's browser test, R dbscan for
#          the HDBSCAN reference)
#   bench  test + the peers the benchmarks compare against
set -euo pipefail
what=${1:-test}

build_pkgs=(build-essential cmake pkg-config
  libopenblas-dev liblapacke-dev libfftw3-dev libarpack2-dev
  zlib1g-dev libturbojpeg0-dev libjpeg62-turbo-dev libpng-dev libwebp-dev
  libcjson-dev libxxhash-dev libexpat1-dev libyaml-dev
  libtiff-dev libgif-dev libavif-dev libheif-dev
  python3-dev python3-pip python3-setuptools python3-wheel python3-numpy
  libopenmpi-dev)
# Some machines carry a Node.js build that bundles npm (and conflicts with
# Debian's npm package): install Debian's only when npm is missing.
command -v npm >/dev/null 2>&1 || build_pkgs+=(nodejs npm)
run_pkgs=(dataset-fashion-mnist)
test_pkgs=(openmpi-bin python3 python3-numpy python3-regex python3-pil python3-sklearn python3-scipy python3-pytest
  clang libclang-rt-14-dev libomp-14-dev chromium
  libavif-bin libheif-examples r-cran-dbscan)
bench_pkgs=(python3-torch umap-learn python3-pynndescent python3-hnswlib python3-faiss
  r-base-core r-cran-uwot r-cran-rtsne python3-leidenalg python3-igraph time)

case "$what" in
  build) pkgs=("${build_pkgs[@]}") ;;
  run)   pkgs=("${build_pkgs[@]}" "${run_pkgs[@]}") ;;
  test)  pkgs=("${build_pkgs[@]}" "${run_pkgs[@]}" "${test_pkgs[@]}") ;;
  bench|all) pkgs=("${build_pkgs[@]}" "${run_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "usage: scripts/setup.sh [build|run|test|bench]" >&2; exit 1 ;;
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
  echo "setup: all ${#pkgs[@]} packages for '$what' are present" >&2
fi

#!/usr/bin/env bash
# Cross-build embscope for aarch64-linux-gnu (Graviton, Ampere, Linux VMs on
# Apple silicon) on an x86-64 Debian 12 machine and run the unit tests under
# QEMU user-mode emulation:
#   1. install (idempotent: apt-get only when something is missing) Debian's
#      cross compiler, qemu-user-static and the arm64 -dev packages of every
#      dependency through multiarch (`dpkg --add-architecture arm64`);
#   2. configure build-arm64/ with cmake/aarch64-linux-gnu.cmake (plain-C
#      kernels only: CMakeLists.txt sets EMB_CPU_LEVELS to scalar when cross
#      compiling) and build the library, the program and the tests; the
#      report's front end (npm ci + esbuild) is bundled by the host's Node;
#   3. ctest -L unit: each test binary runs under qemu-aarch64-static (the
#      toolchain's CMAKE_CROSSCOMPILING_EMULATOR); tests that run the
#      program get a wrapper script that starts it under QEMU too, and host
#      programs they spawn (python3, gzip) run natively.
# Tests with Python references call the host's /usr/bin/python3 (numpy,
# scikit-learn: scripts/setup.sh test installs them; scripts/test.sh runs
# this script last).
# Usage: scripts/cross-arm64.sh [BUILD_DIR]   (default build-arm64)
# Environment: JOBS (default nproc), CTEST_TIMEOUT per test (default 600 s).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-arm64}
jobs=${JOBS:-$(nproc)}

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
# Host tools, then the target's libraries. Debian 12's arm64 -dev packages
# co-install with the amd64 ones setup.sh installs (checked with
# apt-get install -s); multiarch keeps Multi-Arch: same packages at one
# version, so apt may first upgrade a few amd64 libraries (libpng16-16,
# libssl3, ...) to the version the arm64 lists carry. No debootstrap root.
host_pkgs=(gcc-aarch64-linux-gnu qemu-user-static cmake pkg-config)
command -v npm >/dev/null 2>&1 || host_pkgs+=(nodejs npm)
arm64_pkgs=(libc6-dev libgomp1
  libopenblas-dev liblapacke-dev libfftw3-dev libarpack2-dev
  zlib1g-dev libturbojpeg0-dev libjpeg62-turbo-dev libpng-dev libwebp-dev
  libcjson-dev libxxhash-dev libexpat1-dev libyaml-dev
  libtiff-dev libgif-dev libavif-dev libheif-dev)
missing=()
for p in "${host_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
for p in "${arm64_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p:arm64" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p:arm64")
done
t0=$SECONDS
if [ ${#missing[@]} -gt 0 ]; then
  echo "cross-arm64: installing ${missing[*]}" >&2
  dpkg --print-foreign-architectures | grep -qx arm64 || $SUDO dpkg --add-architecture arm64
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  echo "cross-arm64: packages installed in $((SECONDS - t0)) s" >&2
else
  echo "cross-arm64: all $((${#host_pkgs[@]} + ${#arm64_pkgs[@]})) packages are present" >&2
fi

# The report's front end is bundled by the host's npm/esbuild (CMakeLists.txt
# runs `npm ci` in web/ when web/node_modules is missing or stale).
t0=$SECONDS
cmake -S . -B "$dir" -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$dir" -j"$jobs"
echo "cross-arm64: built in $((SECONDS - t0)) s" >&2

# Every unit test, plain-C kernels, under QEMU; none is excluded. QEMU
# emulates floating point in software: test_core_determinism, test_maps_tsne
# and test_cli_map_tsne (t-SNE in double precision) take 1-2 min each.
t0=$SECONDS
(cd "$dir" && ctest -L unit -j"$jobs" --timeout "${CTEST_TIMEOUT:-600}" --output-on-failure)
echo "cross-arm64: unit tests under qemu in $((SECONDS - t0)) s" >&2

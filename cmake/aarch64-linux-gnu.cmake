# CMake toolchain: cross-compile for aarch64-linux-gnu on an x86-64 Debian
# with Debian's cross compiler (gcc-aarch64-linux-gnu) and the arm64 -dev
# packages installed through multiarch (/usr/lib/aarch64-linux-gnu); the
# test programs run under QEMU user mode. scripts/cross-arm64.sh installs
# all of it and uses this file:
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)

# Libraries and headers from the target's multiarch dirs (and the cross
# libc in /usr/aarch64-linux-gnu); programs (npm, python3) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config reads only the target's .pc files, never the host's.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")

# Tests (ctest) start target programs through QEMU. No -L: with libc6:arm64
# installed by multiarch, the host's / holds the arm64 loader
# (/lib/ld-linux-aarch64.so.1) and every library in /lib/aarch64-linux-gnu,
# one glibc for all. For a debootstrap root instead, add -L ROOT.
find_program(EMB_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64 REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR ${EMB_QEMU_AARCH64})

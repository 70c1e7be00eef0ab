#!/usr/bin/env python3
"""One line naming the machine a benchmark ran on: CPU model, cores, the
SIMD level embscope's kernels use (`embscope version`, capped by EMB_CPU)
and the OpenBLAS core type. Every benchmark prints it above its table.
Usage as a program: bench/machine.py [path/to/embscope]."""
import os
import re
import subprocess
import sys


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") or line.startswith("Model"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def simd_level(embscope):
    try:
        out = subprocess.run([embscope, "version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return "unknown (embscope not run)"
    m = re.search(r"SIMD level (\S+), CPU has (\S+)\)", out)
    return f"{m.group(1)} (CPU has {m.group(2)})" if m else "unknown"


def line(embscope="build/embscope"):
    return (f"machine: {cpu_model()}, {os.cpu_count()} cores; embscope SIMD level {simd_level(embscope)}; "
            f"EMB_CPU={os.environ.get('EMB_CPU', 'unset')}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}")


if __name__ == "__main__":
    print(line(sys.argv[1] if len(sys.argv) > 1 else "build/embscope"))

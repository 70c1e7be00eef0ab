"""run.py - ctest's entry to the Python package's pytest suite (test_python,
label python): the package from this checkout's python/ over the shared
library given as argv[1] (a build configured with -DEMB_SHARED=ON).
Exit 77 (ctest: skipped) when there is no shared library or when numpy or
pytest are missing, saying which."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    lib = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else os.environ.get("EMBSCOPE_LIBRARY")
    if not lib or not os.path.exists(lib):
        print("SKIP: no libembscope.so: configure with -DEMB_SHARED=ON (scripts/test.sh does)")
        return 77
    for mod in ("numpy", "pytest"):
        try:
            __import__(mod)
        except ImportError:
            print("SKIP: %s is not installed for %s (Debian: python3-%s)" % (mod, sys.executable, mod))
            return 77
    import pytest
    os.environ["EMBSCOPE_LIBRARY"] = lib
    sys.path.insert(0, os.path.dirname(HERE))
    return pytest.main([HERE, "-q", "-p", "no:cacheprovider", "-rs"] + sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())

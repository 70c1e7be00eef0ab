"""test_abi.py - the import checks the library it loads: a missing library,
or one with another ABI number, fails the import with a message naming both
numbers (a stub library built here stands in for a mismatched build)."""
import ctypes
import os
import shutil
import subprocess
import sys

import pytest

import embscope

PKG = os.path.dirname(os.path.dirname(os.path.abspath(embscope.__file__)))


def import_with(lib):
    env = dict(os.environ, EMBSCOPE_LIBRARY=str(lib), PYTHONPATH=PKG)
    return subprocess.run([sys.executable, "-c", "import embscope"], env=env,
                          capture_output=True, text=True)


def test_abi_pinned():
    from embscope import _lib
    assert embscope.ABI_VERSION == _lib.lib.emb_abi_version() == 5
    assert _lib.lib.emb_abi_sizeof(b"emb_tsne_params") > 0
    assert _lib.lib.emb_abi_sizeof(b"emb_analyze_params") == ctypes.sizeof(_lib.emb_analyze_params)
    assert _lib.lib.emb_abi_sizeof(b"no_such_struct") == 0


def test_missing_library(tmp_path):
    r = import_with(tmp_path / "nothing.so")
    assert r.returncode != 0 and "ImportError" in r.stderr and "is missing" in r.stderr


def test_other_abi_refused(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler for the stub library")
    src = tmp_path / "stub.c"
    src.write_text("int emb_abi_version(void) { return 999; }\n")
    so = tmp_path / "libstub.so"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(so), str(src)], check=True)
    r = import_with(so)
    assert r.returncode != 0
    assert "has ABI 999, this package was written for ABI 5" in r.stderr

"""test_same_as_cli.py - the package and `embscope map` do the same work: on
the same vectors, seed and one thread the maps are the same bytes (both call
emb_map_input / emb_map_graph, then the map). Skipped when the program is
not built ($EMBSCOPE_CLI, set by ctest).

`--threads 1` also sets OpenBLAS to one thread, and the PCA's SSYRK /
eigensolver round differently on other thread counts (t-SNE then drifts
from there), so the package's side runs in a child process with
OPENBLAS_NUM_THREADS=1."""
import os
import subprocess
import sys

import numpy as np
import pytest

import embscope

PKG = os.path.dirname(os.path.dirname(os.path.abspath(embscope.__file__)))
CLI = os.environ.get("EMBSCOPE_CLI", "")


def cli_map(tmp_path, x, *args):
    if not (CLI and os.access(CLI, os.X_OK)):
        pytest.skip("the embscope program is not built (EMBSCOPE_CLI=%r)" % CLI)
    np.save(tmp_path / "x.npy", x)
    subprocess.run([CLI, "map", str(tmp_path / "x.npy"), "-o", str(tmp_path / "out"), "--threads", "1",
                    "--seed", "7", "--quiet"] + list(args), check=True, capture_output=True)
    return np.load(tmp_path / "out" / "map.npy")


def package_map(tmp_path, code):
    """Run code (x = np.load(X); m = ...) in a child with one OpenBLAS thread."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONPATH=PKG)
    script = ("import numpy as np, embscope\nx = np.load(%r)\nm = %s\nnp.save(%r, m)\n"
              % (str(tmp_path / "x.npy"), code, str(tmp_path / "py.npy")))
    subprocess.run([sys.executable, "-c", script], env=env, check=True)
    return np.load(tmp_path / "py.npy")


def test_tsne_same_as_cli(tmp_path, blobs):
    x = blobs[0]   # 120 wide: PCA-50 first on both sides
    ref = cli_map(tmp_path, x, "--method", "tsne", "--dims", "2")
    ours = package_map(tmp_path, "embscope.TSNE(random_state=7, n_jobs=1).fit_transform(x)")
    np.testing.assert_array_equal(ours, ref)


def test_umap_same_as_cli(tmp_path, blobs):
    x = blobs[0]
    ref = cli_map(tmp_path, x, "--method", "umap", "--dims", "3", "--metric", "euclidean", "-k", "14")
    ours = package_map(tmp_path, "embscope.UMAP(n_components=3, random_state=7, n_jobs=1).fit_transform(x)")
    np.testing.assert_array_equal(ours, ref)

"""conftest.py - the package under test is this checkout's python/embscope
(run.py and the README's `pytest python/tests` put it first on sys.path);
shared fixtures: small data sets made here."""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's bundled 8x8 digits: x float32 (1797, 64), labels."""
    from sklearn.datasets import load_digits
    d = load_digits()
    return d.data.astype(np.float32), d.target


@pytest.fixture(scope="session")
def blobs():
    """Three well separated Gaussian blobs, 300 x 120 float32 (wide: the maps
    take PCA first: 50 dimensions for t-SNE, 100 for UMAP), labels."""
    rs = np.random.RandomState(0)
    centres = rs.normal(0, 10, (3, 120))
    y = np.repeat(np.arange(3), 100)
    x = (centres[y] + rs.normal(0, 1, (300, 120))).astype(np.float32)
    return x, y

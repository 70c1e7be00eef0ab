"""test_neighbors.py - embscope.kneighbors against scikit-learn's brute
force NearestNeighbors, embscope.PCA against scikit-learn's PCA."""
import numpy as np
import pytest

import embscope


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_kneighbors_matches_sklearn(digits, metric):
    neighbors = pytest.importorskip("sklearn.neighbors")
    x = digits[0][:500]
    x = x + np.random.RandomState(0).rand(*x.shape).astype(np.float32) * 1e-3   # no ties
    idx, dist = embscope.kneighbors(x, 10, metric=metric)
    assert idx.shape == dist.shape == (500, 10)
    assert idx.dtype == np.int32 and dist.dtype == np.float32
    ref = neighbors.NearestNeighbors(n_neighbors=11, metric=metric, algorithm="brute").fit(x)
    rd, ri = ref.kneighbors(x)
    np.testing.assert_array_equal(idx, ri[:, 1:])          # the point itself left out
    np.testing.assert_allclose(dist, rd[:, 1:], rtol=1e-4, atol=1e-5)


def test_kneighbors_approx_recall(digits):
    x = digits[0]
    exact, _ = embscope.kneighbors(x, 15, method="exact")
    approx, _ = embscope.kneighbors(x, 15, method="approx", n_jobs=1, random_state=3)
    recall = np.mean([len(np.intersect1d(a, b)) / 15 for a, b in zip(exact, approx)])
    assert recall > 0.95


def test_pca_matches_sklearn(digits):
    decomposition = pytest.importorskip("sklearn.decomposition")
    x = digits[0]
    ours = embscope.PCA(5)
    y = ours.fit_transform(x)
    ref = decomposition.PCA(5, svd_solver="full").fit(x)
    yr = ref.transform(x)
    assert y.shape == (1797, 5) and y.dtype == np.float32
    # same components up to sign
    for j in range(5):
        s = np.sign(np.dot(y[:, j], yr[:, j]))
        np.testing.assert_allclose(s * y[:, j], yr[:, j], rtol=1e-3, atol=1e-2 * np.abs(yr[:, j]).max())
    np.testing.assert_allclose(ours.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=1e-4)
    with pytest.raises(ValueError):
        embscope.PCA(100).fit_transform(x)


def test_pca_transform(digits):
    decomposition = pytest.importorskip("sklearn.decomposition")
    x = digits[0]
    train, new = x[:1200], x[1200:]
    ours = embscope.PCA(4).fit(train)
    ref = decomposition.PCA(4, svd_solver="full").fit(train)
    assert ours.components_.shape == (4, 64) and ours.mean_.shape == (64,)
    np.testing.assert_allclose(ours.mean_, ref.mean_, rtol=1e-6, atol=1e-6)
    z, zr = ours.transform(new), ref.transform(new)
    for j in range(4):
        s = np.sign(np.dot(ours.components_[j], ref.components_[j]))
        np.testing.assert_allclose(s * z[:, j], zr[:, j], rtol=1e-3, atol=1e-2 * np.abs(zr[:, j]).max())
    # fit_transform is fit + transform, byte for byte
    np.testing.assert_array_equal(embscope.PCA(4).fit_transform(train), ours.transform(train))
    with pytest.raises(ValueError, match="features"):
        ours.transform(new[:, :10])
    with pytest.raises(ValueError, match="fit"):
        embscope.PCA(2).transform(new)

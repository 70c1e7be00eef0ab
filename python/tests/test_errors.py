"""test_errors.py - bad input raises a clear Python exception, and errors
of the library carry its message (emb_errmsg)."""
import numpy as np
import pytest

import embscope


def estimators():
    return [lambda x: embscope.TSNE().fit_transform(x),
            lambda x: embscope.UMAP().fit_transform(x),
            lambda x: embscope.kneighbors(x, 5),
            lambda x: embscope.PCA(2).fit_transform(x)]


@pytest.mark.parametrize("call", estimators())
def test_one_d_input(call):
    with pytest.raises(ValueError, match="2-D"):
        call(np.zeros(50, np.float32))


@pytest.mark.parametrize("call", estimators())
def test_nan_and_inf(call):
    x = np.random.RandomState(0).rand(60, 4).astype(np.float32)
    x[17, 2] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity .*row 17"):
        call(x)
    x[17, 2] = np.inf
    with pytest.raises(ValueError, match="NaN"):
        call(x)


@pytest.mark.parametrize("call", estimators())
def test_non_numeric_dtype(call):
    with pytest.raises(TypeError, match="dtype"):
        call(np.array([["a", "b"], ["c", "d"]] * 10))
    with pytest.raises(TypeError, match="dtype"):
        call(np.zeros((20, 2), dtype=complex))


def test_other_dtypes_and_layouts_are_converted():
    rs = np.random.RandomState(0)
    x = rs.rand(80, 6)
    i32, d32 = embscope.kneighbors(x.astype(np.float32), 4)
    for variant in (x, x.astype(np.float16).astype(np.float64), np.asfortranarray(x.astype(np.float32)),
                    (x * 100).astype(np.int64)):
        idx, _ = embscope.kneighbors(variant, 4)
        assert idx.shape == (80, 4)
    idx, dist = embscope.kneighbors(np.asfortranarray(x.astype(np.float32)), 4)
    np.testing.assert_array_equal(idx, i32)


def test_n_smaller_than_k():
    x = np.random.RandomState(0).rand(5, 3).astype(np.float32)
    with pytest.raises(ValueError, match="at least 6 samples"):
        embscope.kneighbors(x, 5)
    with pytest.warns(UserWarning, match="n_neighbors"):   # umap-learn truncates too
        m = embscope.UMAP(n_neighbors=15, init="random").fit_transform(
            np.random.RandomState(0).rand(10, 3))
    assert m.shape == (10, 2)


def test_library_message_reaches_python():
    # perplexity >= n - 1: scikit-learn raises ValueError; embscope's says why
    x = np.random.RandomState(0).rand(20, 3).astype(np.float32)
    with pytest.raises(embscope.InvalidArgumentError, match="perplexity 30 must be in") as e:
        embscope.TSNE().fit_transform(x)
    assert isinstance(e.value, ValueError) and e.value.status == 1

"""test_seed_lines.py - the two lines the project started from, with only the
import changed, on small data; shapes and dtypes as the peers return them."""
import numpy as np


def test_tsne_seed_line(blobs):
    train, y = blobs
    from embscope import TSNE
    projections = TSNE(n_components=3).fit_transform(train)
    assert projections.shape == (300, 3) and projections.dtype == np.float32
    assert np.isfinite(projections).all()


def test_umap_seed_line(blobs):
    train, y = blobs
    from embscope import UMAP
    projections = UMAP(n_components=3).fit_transform(train)
    assert projections.shape == (300, 3) and projections.dtype == np.float32
    assert np.isfinite(projections).all()


def test_fit_sets_embedding(blobs):
    from embscope import TSNE, UMAP
    x, _ = blobs
    for est in (TSNE(random_state=0, n_jobs=1), UMAP(random_state=0, n_jobs=1)):
        assert est.fit(x) is est
        assert est.embedding_.shape == (300, 2)
        assert est.n_features_in_ == 120


def test_float64_list_input_converted(blobs):
    from embscope import UMAP
    x, _ = blobs
    a = UMAP(random_state=1, n_jobs=1).fit_transform(x)
    b = UMAP(random_state=1, n_jobs=1).fit_transform(x.astype(np.float64).tolist())
    np.testing.assert_array_equal(a, b)   # one thread + one seed = same bytes

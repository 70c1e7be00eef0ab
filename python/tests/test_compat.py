"""test_compat.py - embscope.TSNE / UMAP take the constructor parameters of
the installed scikit-learn TSNE and umap-learn UMAP, with the same defaults;
unknown names raise TypeError, values embscope does not implement raise
NotImplementedError; get_params / set_params / clone behave as scikit-learn's.
umap-learn's signature is read from its source (importing umap compiles
numba code for seconds)."""
import ast
import importlib.util
import inspect
import os

import numpy as np
import pytest

import embscope


def peer_defaults_sklearn():
    pytest.importorskip("sklearn")
    from sklearn.manifold import TSNE
    sig = inspect.signature(TSNE.__init__)
    return {k: p.default for k, p in sig.parameters.items() if k != "self"}


def peer_defaults_umap():
    spec = importlib.util.find_spec("umap")
    if spec is None:
        pytest.skip("umap-learn is not installed")
    src = open(os.path.join(os.path.dirname(spec.origin), "umap_.py")).read()
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.ClassDef) and node.name == "UMAP":
            init = next(f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "__init__")
            names = [a.arg for a in init.args.args[1:]]
            values = [ast.literal_eval(d) for d in init.args.defaults]
            return dict(zip(names, values))
    raise AssertionError("class UMAP not found in umap_.py")


def ours(cls):
    sig = inspect.signature(cls.__init__)
    return {k: p.default for k, p in sig.parameters.items() if k != "self"}


@pytest.mark.parametrize("cls,peer", [(embscope.TSNE, peer_defaults_sklearn),
                                      (embscope.UMAP, peer_defaults_umap)])
def test_same_parameters_and_defaults(cls, peer):
    theirs, mine = peer(), ours(cls)
    missing = sorted(set(theirs) - set(mine))
    assert not missing, "%s lacks %s" % (cls.__name__, missing)
    for name, value in theirs.items():
        if value in ("deprecated", "warn"):       # scikit-learn's renamed parameters
            continue
        assert mine[name] == value, "%s: %s default %r, peer %r" % (cls.__name__, name, mine[name], value)
    # the same names scikit-learn's get_params() would list
    assert set(theirs) <= set(cls().get_params())


def test_positional_n_components_only():
    # scikit-learn: n_components is the only positional parameter of TSNE
    assert embscope.TSNE(3).n_components == 3
    with pytest.raises(TypeError):
        embscope.TSNE(3, 30.0)


@pytest.mark.parametrize("cls", [embscope.TSNE, embscope.UMAP, embscope.PCA])
def test_unknown_parameter_is_type_error(cls):
    with pytest.raises(TypeError):
        cls(n_componets=3)
    with pytest.raises(ValueError):
        cls().set_params(no_such_parameter=1)


@pytest.mark.parametrize("cls,kwargs", [
    (embscope.TSNE, {"metric": "manhattan"}),
    (embscope.TSNE, {"method": "other"}),
    (embscope.TSNE, {"min_grad_norm": 1e-3}),
    (embscope.TSNE, {"n_iter_without_progress": 50}),
    (embscope.TSNE, {"metric_params": {"p": 1}}),
    (embscope.UMAP, {"densmap": True}),
    (embscope.UMAP, {"metric": "manhattan"}),
    (embscope.UMAP, {"output_metric": "hyperboloid"}),
    (embscope.UMAP, {"init": "tswspectral"}),
    (embscope.UMAP, {"unique": True}),
    (embscope.UMAP, {"precomputed_knn": (np.zeros((2, 2)), np.zeros((2, 2)), None)}),
    (embscope.UMAP, {"disconnection_distance": 1.0}),
    (embscope.PCA, {"whiten": True}),
    (embscope.PCA, {"n_components": 0.95}),
])
def test_unsupported_value_is_not_implemented(cls, kwargs):
    with pytest.raises(NotImplementedError):
        cls(**kwargs)


def test_supervised_umap_not_implemented(blobs):
    x, y = blobs
    with pytest.raises(NotImplementedError):
        embscope.UMAP().fit(x, y)


def test_transform_checks(blobs):
    x, y = blobs
    with pytest.raises(ValueError, match="fit"):
        embscope.UMAP().transform(x)
    tr, te = slice(0, None, 2), slice(1, None, 2)
    u = embscope.UMAP(n_epochs=30, random_state=0).fit(x[tr])
    with pytest.raises(ValueError, match="features"):
        u.transform(x[:10, :50])
    a = u.transform(x[te])
    assert a.shape == (150, 2) and a.dtype == np.float32
    # the same bytes on one thread (each new point has its own random stream)
    u.set_params(n_jobs=1)
    np.testing.assert_array_equal(u.transform(x[te]), a)
    # new points land among the training points of their blob
    d2 = ((a[:, None, :] - u.embedding_[None, :, :]) ** 2).sum(-1)
    assert (y[tr][d2.argmin(1)] == y[te]).all()


def test_clone_and_repr():
    sklearn_base = pytest.importorskip("sklearn.base")
    est = embscope.UMAP(n_components=3, min_dist=0.5)
    c = sklearn_base.clone(est)
    assert c.get_params() == est.get_params() and c is not est
    assert repr(est) == "UMAP(n_components=3, min_dist=0.5)"
    t = sklearn_base.clone(embscope.TSNE(perplexity=10.0))
    assert t.perplexity == 10.0


def test_shapes_match_peers(blobs):
    x, _ = blobs
    for dims in (1, 2, 3):
        assert embscope.TSNE(dims, random_state=0, n_iter=300, n_jobs=1).fit_transform(x[:100]).shape == (100, dims)
    assert embscope.UMAP(n_components=4, n_epochs=50).fit_transform(x).shape == (300, 4)


def test_tsne_init_and_max_iter(blobs):
    x, _ = blobs
    init = np.random.RandomState(0).normal(0, 1e-4, (300, 2))
    t = embscope.TSNE(init=init, max_iter=300, random_state=0, n_jobs=1)
    t.fit(x)
    assert t.n_iter_ == 300
    a = embscope.TSNE(init="random", random_state=5, n_iter=300, n_jobs=1).fit_transform(x)
    b = embscope.TSNE(init="random", random_state=5, n_iter=300).fit_transform(x)  # all cores: same bytes
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError):
        embscope.TSNE(max_iter=100).fit(x)

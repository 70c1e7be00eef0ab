"""_neighbors.py - embscope.kneighbors (emb_knn_build) and embscope.PCA
(emb_pca), include/emb_neighbors.h."""
import ctypes

import numpy as np

from . import _common, _lib

KNN_METHODS = {"auto": _lib.KNN_AUTO, "exact": _lib.KNN_EXACT, "approx": _lib.KNN_APPROX}


def kneighbors(X, k=15, metric="euclidean", *, method="auto", n_jobs=None, random_state=0,
               verbose=False):
    """The k nearest other rows of each row of X (n_samples, n_features).

    Returns (indices, distances): indices int32 (n_samples, k), nearest
    first, ties by smaller index, the row itself left out; distances float32
    (n_samples, k), Euclidean, or cosine distance 1 - cos for
    metric="cosine". method "auto" (default) is exact below a measured size
    (about 6,500 rows at 784 dimensions) and NN-descent above (recall@15
    about 0.98); "exact" or "approx" force one. random_state seeds
    NN-descent; with n_jobs=1 it gives the same bytes every run. No PCA is
    applied: the neighbours are those of X itself.
    """
    if metric not in _lib.METRIC:
        raise _common.unsupported("metric", metric, '"euclidean", "cosine"')
    if method not in KNN_METHODS:
        raise ValueError("method: %r is not auto, exact or approx" % (method,))
    x = _common.as_matrix(X)
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError("k: %r must be an int >= 1" % (k,))
    if k >= x.shape[0]:
        raise ValueError("k = %d neighbours need at least %d samples, X has %d"
                         % (k, k + 1, x.shape[0]))
    kp = _lib.lib.emb_knn_default_params()
    kp.k, kp.metric, kp.method = int(k), _lib.METRIC[metric], KNN_METHODS[method]
    kp.n_threads = _common.n_threads(n_jobs)
    kp.seed = _common.seed(random_state)
    kp.progress = _lib.progress(verbose)
    xm, g = _common.matf(x), _lib.emb_knn()
    _lib.check(_lib.lib.emb_knn_build(ctypes.byref(xm), ctypes.byref(kp), ctypes.byref(g)),
               "kneighbors")
    _lib.log.log(20 if verbose else 10, "kneighbors: k=%d, %s", k, g.reason.decode())
    return _common.take_knn(g)


class PCA(_common.Estimator):
    """Principal component analysis, scikit-learn's constructor.

    n_components : int or None (default: min(n_samples, n_features)).
        Fractions and "mle" are not implemented.
    random_state : seeds the randomized solver used above 4000 features.
    Other scikit-learn parameters take only their defaults (whiten=False,
    svd_solver="auto", tol=0, iterated_power="auto", n_oversamples=10,
    power_iteration_normalizer="auto"); copy is accepted (X is never changed).

    The library returns the projections only, so there is fit_transform
    (and fit) but not yet transform. Each component's sign makes its
    largest-magnitude loading positive (scikit-learn flips by the scores).
    Attributes after fit: n_components_, explained_variance_ratio_,
    n_features_in_, embedding_ (the projections).
    """

    def __init__(self, n_components=None, *, copy=True, whiten=False, svd_solver="auto", tol=0.0,
                 iterated_power="auto", n_oversamples=10, power_iteration_normalizer="auto",
                 random_state=None):
        self.n_components = n_components
        self.copy = copy
        self.whiten = whiten
        self.svd_solver = svd_solver
        self.tol = tol
        self.iterated_power = iterated_power
        self.n_oversamples = n_oversamples
        self.power_iteration_normalizer = power_iteration_normalizer
        self.random_state = random_state
        self._check_params()

    def _check_params(self):
        defaults = {"whiten": False, "svd_solver": "auto", "tol": 0.0, "iterated_power": "auto",
                    "n_oversamples": 10, "power_iteration_normalizer": "auto"}
        for name, value in defaults.items():
            if getattr(self, name) != value:
                raise _common.unsupported(name, getattr(self, name), repr(value))
        nc = self.n_components
        if nc is not None and (not isinstance(nc, (int, np.integer)) or isinstance(nc, bool)):
            raise _common.unsupported("n_components", nc, "None or an int")
        if nc is not None and nc < 1:
            raise ValueError("n_components: %r must be >= 1" % (nc,))

    def fit_transform(self, X, y=None):
        """Project X (n_samples, n_features) on its first n_components
        principal components; returns (n_samples, n_components) float32."""
        self._check_params()
        x = _common.as_matrix(X)
        nc = min(x.shape) if self.n_components is None else int(self.n_components)
        if nc > min(x.shape):
            raise ValueError("n_components=%d must be <= min(n_samples, n_features) = %d"
                             % (nc, min(x.shape)))
        pp = _lib.lib.emb_pca_default_params()
        pp.n_components, pp.seed = nc, _common.seed(self.random_state)
        ratio = np.zeros(nc, np.float32)
        xm, out = _common.matf(x), _lib.emb_matf()
        _lib.check(_lib.lib.emb_pca(ctypes.byref(xm), ctypes.byref(pp), ctypes.byref(out),
                                    ratio.ctypes.data_as(ctypes.POINTER(ctypes.c_float))), "PCA")
        self.embedding_ = _common.take_matf(out)
        self.n_components_ = self.embedding_.shape[1]
        self.explained_variance_ratio_ = ratio[:self.n_components_]
        self.n_features_in_ = x.shape[1]
        return self.embedding_

    def fit(self, X, y=None):
        self.fit_transform(X, y)
        return self

    def transform(self, X):
        """Not implemented yet (the library returns projections, not components)."""
        raise NotImplementedError("PCA.transform is not implemented in embscope yet; "
                                  "use fit_transform")

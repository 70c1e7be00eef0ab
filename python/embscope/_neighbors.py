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

    fit, transform, fit_transform (emb_pca_fit / emb_pca_transform). Each
    component's sign makes its largest-magnitude loading positive
    (scikit-learn flips by the scores). Attributes after fit: components_
    (n_components_, n_features), mean_ (float64), explained_variance_ratio_,
    n_components_, n_features_in_; embedding_ after fit_transform.
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

    def fit(self, X, y=None):
        """Learn the mean and components of X (n_samples, n_features)."""
        self._check_params()
        x = _common.as_matrix(X)
        nc = min(x.shape) if self.n_components is None else int(self.n_components)
        if nc > min(x.shape):
            raise ValueError("n_components=%d must be <= min(n_samples, n_features) = %d"
                             % (nc, min(x.shape)))
        pp = _lib.lib.emb_pca_default_params()
        pp.n_components, pp.seed = nc, _common.seed(self.random_state)
        xm, model = _common.matf(x), _lib.emb_pca_model()
        _lib.check(_lib.lib.emb_pca_fit(ctypes.byref(xm), ctypes.byref(pp), ctypes.byref(model)), "PCA")
        try:
            d, p = model.d, model.n_components
            self.mean_ = np.ctypeslib.as_array(model.mean, shape=(d,)).copy()
            # components_ (P, d) as scikit-learn's; the library's (d, P) is kept for transform
            self._components = np.ctypeslib.as_array(model.components, shape=(d, p)).copy()
            self.explained_variance_ratio_ = np.ctypeslib.as_array(
                model.explained_ratio, shape=(p,)).copy()
        finally:
            _lib.lib.emb_pca_model_free(ctypes.byref(model))
        self.components_ = self._components.T
        self.n_components_ = p
        self.n_features_in_ = d
        return self

    def transform(self, X):
        """Project X (m, n_features) on the fitted components: (m, n_components_) float32."""
        if not hasattr(self, "_components"):
            raise ValueError("PCA.transform: fit the model first")
        x = _common.as_matrix(X)
        if x.shape[1] != self.n_features_in_:
            raise ValueError("X has %d features, the model was fitted on %d"
                             % (x.shape[1], self.n_features_in_))
        model = _lib.emb_pca_model(self.n_features_in_, self.n_components_,
                                   self.mean_.ctypes.data_as(ctypes.POINTER(ctypes.c_double)),
                                   self._components.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
                                   None)
        xm, out = _common.matf(x), _lib.emb_matf()
        _lib.check(_lib.lib.emb_pca_transform(ctypes.byref(model), ctypes.byref(xm), 0,
                                              ctypes.byref(out)), "PCA.transform")
        return _common.take_matf(out)

    def fit_transform(self, X, y=None):
        """Fit on X and project it: (n_samples, n_components_) float32, the
        same bytes as fit(X).transform(X)."""
        self.embedding_ = self.fit(X).transform(X)
        return self.embedding_

"""_umap.py - embscope.UMAP: umap-learn's UMAP (constructor, fit,
fit_transform, embedding_) over emb_map_graph and emb_umap_run
(include/emb_map.h, include/emb_umap.h).

As `embscope map` does, the neighbours are searched on the map's input:
PCA to 100 dimensions when the vectors have more than 100 (fitted on 20,000
rows at most), exact kNN for small n and NN-descent above (emb_knn_build's
AUTO). The fuzzy set, the spectral initialisation and the SGD are
umap-learn 0.5's (see emb_umap.h)."""
import ctypes
import warnings

import numpy as np

from . import _common, _lib

# Parameters that only tune how umap-learn's own nearest-neighbour search or
# progress bar runs (memory, trees, queue size, tqdm); they do not change the
# map and embscope has no counterpart, so any value is accepted.
NO_EFFECT = ("low_memory", "angular_rp_forest", "transform_queue_size", "tqdm_kwds")


class UMAP(_common.Estimator):
    """Uniform Manifold Approximation and Projection, umap-learn's interface.

    ``from embscope import UMAP; UMAP(n_components=3).fit_transform(X)`` runs
    what ``umap.UMAP`` would, faster. Parameters and defaults are umap-learn
    0.5's. A value embscope does not implement raises NotImplementedError
    (an unknown name, TypeError); the parameters that only tune umap-learn's
    own neighbour search or progress bar (low_memory, angular_rp_forest,
    transform_queue_size, tqdm_kwds) are accepted and have no effect.

    n_neighbors : int >= 2, default 15, counting the point itself as
        umap-learn does (more than n_samples - 1 is cut with a warning).
    n_components : default 2.
    metric : "euclidean" (default) or "cosine".
    n_epochs : None (default: 500 for n <= 10000, else 200) or an int.
    learning_rate, min_dist, spread, set_op_mix_ratio, local_connectivity,
    repulsion_strength, negative_sample_rate, a, b : as umap-learn.
    init : "spectral" (default), "pca" or "random".
    n_jobs : -1 (default) = all cores. With more than one thread the SGD is
        lock-free (as umap-learn's parallel mode) and a seed does not give
        identical bytes; n_jobs=1 does (umap-learn forces n_jobs=1 when
        random_state is set; embscope leaves the choice to you).
    random_state : int, RandomState or None.
    force_approximation_algorithm : True forces NN-descent for the graph.
    verbose : progress goes to the logging logger "embscope", at INFO when
        verbose, else DEBUG.

    Not implemented (NotImplementedError): supervised fit (y), densMAP,
    other output metrics, precomputed_knn, disconnection_distance, unique,
    transform_mode="graph", array or callable init and metrics.

    transform(X) places new points in the fitted map as umap-learn does
    (see its docstring); the fit keeps a reference to X for it.

    Attributes after fit: embedding_ (n_samples, n_components) float32,
    n_features_in_, n_epochs_, graph_components_ (connected components of
    the fuzzy graph), init_ (the initialisation used).
    """

    def __init__(self, n_neighbors=15, n_components=2, metric="euclidean", metric_kwds=None,
                 output_metric="euclidean", output_metric_kwds=None, n_epochs=None,
                 learning_rate=1.0, init="spectral", min_dist=0.1, spread=1.0, low_memory=True,
                 n_jobs=-1, set_op_mix_ratio=1.0, local_connectivity=1.0, repulsion_strength=1.0,
                 negative_sample_rate=5, transform_queue_size=4.0, a=None, b=None,
                 random_state=None, angular_rp_forest=False, target_n_neighbors=-1,
                 target_metric="categorical", target_metric_kwds=None, target_weight=0.5,
                 transform_seed=42, transform_mode="embedding",
                 force_approximation_algorithm=False, verbose=False, tqdm_kwds=None,
                 unique=False, densmap=False, dens_lambda=2.0, dens_frac=0.3,
                 dens_var_shift=0.1, output_dens=False, disconnection_distance=None,
                 precomputed_knn=(None, None, None)):
        for name, value in locals().items():
            if name != "self":
                setattr(self, name, value)
        self._check_params()

    def _check_params(self):
        u = _common.unsupported
        if self.metric not in _lib.METRIC:
            raise u("metric", self.metric, '"euclidean", "cosine"')
        for name in ("metric_kwds", "output_metric_kwds", "disconnection_distance"):
            if getattr(self, name) is not None:
                raise u(name, getattr(self, name), "None")
        if self.output_metric != "euclidean":
            raise u("output_metric", self.output_metric, '"euclidean"')
        if isinstance(self.init, np.ndarray) or self.init not in _lib.UMAP_INIT:
            raise u("init", self.init, '"spectral", "pca", "random"')
        for name in ("unique", "densmap", "output_dens"):
            if getattr(self, name):
                raise u(name, getattr(self, name), "False")
        if self.transform_mode != "embedding":
            raise u("transform_mode", self.transform_mode, '"embedding"')
        if self.precomputed_knn is None or any(v is not None for v in self.precomputed_knn):
            raise u("precomputed_knn", "(...)", "(None, None, None)")
        if self.n_epochs is not None and (not isinstance(self.n_epochs, (int, np.integer))
                                          or self.n_epochs < 1):
            raise (u("n_epochs", self.n_epochs, "None or an int >= 1")
                   if isinstance(self.n_epochs, (list, tuple, np.ndarray))
                   else ValueError("n_epochs: %r must be None or an int >= 1" % (self.n_epochs,)))
        if not isinstance(self.n_neighbors, (int, np.integer)) or self.n_neighbors < 2:
            raise ValueError("n_neighbors: %r must be an int >= 2" % (self.n_neighbors,))
        if not isinstance(self.n_components, (int, np.integer)) or self.n_components < 1:
            raise ValueError("n_components: %r must be an int >= 1" % (self.n_components,))
        if not 0 <= self.min_dist <= self.spread:
            raise ValueError("min_dist %r must be in [0, spread = %r]" % (self.min_dist, self.spread))

    def _params(self, seed):
        p = _lib.lib.emb_umap_default_params()
        p.n_components = int(self.n_components)
        p.n_neighbors = int(self.n_neighbors)
        p.min_dist = float(self.min_dist)
        p.spread = float(self.spread)
        p.local_connectivity = float(self.local_connectivity)
        p.set_op_mix_ratio = float(self.set_op_mix_ratio)
        p.n_epochs = 0 if self.n_epochs is None else int(self.n_epochs)
        p.learning_rate = float(self.learning_rate)
        p.negative_sample_rate = int(self.negative_sample_rate)
        p.repulsion_strength = float(self.repulsion_strength)
        p.a = 0.0 if self.a is None else float(self.a)
        p.b = 0.0 if self.b is None else float(self.b)
        p.init = _lib.UMAP_INIT[self.init]
        p.n_threads = _common.n_threads(self.n_jobs)
        p.seed = seed
        p.progress = _lib.progress(self.verbose)
        return p

    def _graph(self, xm, n, params):
        kp = _lib.lib.emb_knn_default_params()
        kp.k = params.n_neighbors - 1          # emb_knn leaves the point itself out
        kp.metric = _lib.METRIC[self.metric]
        kp.method = _lib.KNN_APPROX if self.force_approximation_algorithm else _lib.KNN_AUTO
        kp.n_threads, kp.seed, kp.progress = params.n_threads, params.seed, params.progress
        mp = _lib.lib.emb_map_input_umap_params()
        mp.n_threads, mp.seed = params.n_threads, params.seed
        g = _lib.emb_knn()
        _lib.check(_lib.lib.emb_map_graph(ctypes.byref(xm), ctypes.byref(mp), ctypes.byref(kp),
                                          ctypes.byref(g)), "UMAP: neighbours")
        return g

    def fit(self, X, y=None):
        """Map X (n_samples, n_features); the map is in embedding_. Returns self."""
        self._check_params()
        if y is not None:
            raise _common.unsupported("y", "(labels)", "None (supervised UMAP)")
        x = _common.as_matrix(X, min_rows=2)
        n = x.shape[0]
        params = self._params(_common.seed(self.random_state))
        if n <= params.n_neighbors:             # umap-learn's rule and message
            warnings.warn("n_neighbors (%d) is larger than the dataset size; truncating to %d"
                          % (params.n_neighbors, n - 1))
            params.n_neighbors = n - 1
        if params.n_neighbors < 2:
            raise ValueError("UMAP needs at least 3 samples, got %d" % n)
        xm = _common.matf(x)
        g = self._graph(xm, n, params)
        out, info = _lib.emb_matf(), _lib.emb_umap_info()
        try:
            st = _lib.lib.emb_umap_run(ctypes.byref(g), ctypes.byref(xm), ctypes.byref(params),
                                       ctypes.byref(out), ctypes.byref(info))
        finally:
            _lib.lib.emb_knn_free(ctypes.byref(g))
        _lib.check(st, "UMAP")
        self.embedding_ = _common.take_matf(out)
        self.n_features_in_ = x.shape[1]
        self.n_epochs_ = info.n_epochs
        self.graph_components_ = info.n_graph_components
        self.init_ = info.init.decode() if info.init else self.init
        self._raw_data = x            # transform's neighbours are searched here
        self._n_neighbors = params.n_neighbors
        self._ab = (info.a, info.b)
        _lib.log.log(20 if self.verbose else 10,
                     "UMAP: %dD, %d epochs, %d edges, %d component(s), init %s; graph %.2f s, "
                     "init %.2f s, layout %.2f s", self.n_components, info.n_epochs, info.n_edges,
                     info.n_graph_components, self.init_, info.graph_s, info.init_s, info.layout_s)
        return self

    def fit_transform(self, X, y=None):
        """Map X and return embedding_ (n_samples, n_components) float32."""
        return self.fit(X, y).embedding_

    def transform(self, X):
        """Place new points X (m, n_features) in the fitted map, as
        umap-learn does: their n_neighbors nearest training points (exact,
        with the fit's metric, on the vectors as given: no PCA), initial
        positions the membership-weighted mean of those points' map
        positions, then n_epochs / 3 epochs of SGD (100 by default; 30 above
        10,000 new points) that move only the new points. Seeded by
        transform_seed; does not depend on n_jobs. Returns (m, n_components)
        float32."""
        if not hasattr(self, "embedding_"):
            raise ValueError("UMAP.transform: fit the model first")
        x = _common.as_matrix(X)
        if x.shape[1] != self.n_features_in_:
            raise ValueError("X has %d features, the model was fitted on %d"
                             % (x.shape[1], self.n_features_in_))
        params = self._params(_common.seed(self.transform_seed))
        params.a, params.b = self._ab
        kp = _lib.lib.emb_knn_default_params()
        kp.k = self._n_neighbors
        kp.metric = _lib.METRIC[self.metric]
        kp.n_threads, kp.progress = params.n_threads, params.progress
        base, query, q = _common.matf(self._raw_data), _common.matf(x), _lib.emb_knn()
        _lib.check(_lib.lib.emb_knn_query(ctypes.byref(base), ctypes.byref(query), ctypes.byref(kp),
                                          ctypes.byref(q)), "UMAP.transform: neighbours")
        emb, out = _common.matf(self.embedding_), _lib.emb_matf()
        try:
            st = _lib.lib.emb_umap_transform(ctypes.byref(q), ctypes.byref(emb), ctypes.byref(params),
                                             ctypes.byref(out))
        finally:
            _lib.lib.emb_knn_free(ctypes.byref(q))
        _lib.check(st, "UMAP.transform")
        return _common.take_matf(out)


"""_tsne.py - embscope.TSNE: scikit-learn's TSNE (constructor, fit,
fit_transform, embedding_) over emb_tsne_run (include/emb_tsne.h).

The input goes through emb_map_input first, as `embscope map --method tsne`
does: PCA to 50 dimensions when the vectors have more than 100 (fitted on all
rows), then a Euclidean graph of 3 x perplexity neighbours and the
affinities. The optimiser follows openTSNE (see emb_tsne.h): with the same
data, seed and parameters the map is the CLI's, byte for byte, when both
run OpenBLAS on one thread (the PCA's sums depend on its thread count;
tests/test_same_as_cli.py)."""
import ctypes
import math

import numpy as np

from . import _common, _lib

# scikit-learn counts the early-exaggeration iterations in n_iter / max_iter
EARLY_EXAGGERATION_ITER = 250
# scikit-learn's gradient carries the factor 4 that openTSNE's (embscope's) drops
SKLEARN_GRADIENT_FACTOR = 4.0
# scikit-learn's init="random": N(0, 1e-4^2) per coordinate
RANDOM_INIT_STD = 1e-4
METHODS = {"barnes_hut": _lib.TSNE_AUTO, "exact": _lib.TSNE_EXACT, "auto": _lib.TSNE_AUTO,
           "bh": _lib.TSNE_BH, "fft": _lib.TSNE_FFT}


class TSNE(_common.Estimator):
    """t-distributed Stochastic Neighbor Embedding, scikit-learn's interface.

    ``from embscope import TSNE; TSNE(n_components=3).fit_transform(X)`` runs
    what ``sklearn.manifold.TSNE`` would, faster. Parameters and defaults are
    scikit-learn 1.2's; where embscope differs it says so here, and a value it
    does not implement raises NotImplementedError (an unknown name, TypeError).

    n_components : 1, 2 or 3 (default 2).
    perplexity : float, default 30; must be below n_samples - 1. The
        affinities use the floor(3 perplexity) nearest neighbours.
    early_exaggeration : float, default 12, for the first 250 iterations.
    learning_rate : "auto" (default) or a float in scikit-learn's units.
        "auto" is openTSNE's n / exaggeration of each phase (scikit-learn's
        "auto" is the same during early exaggeration and keeps it after).
    n_iter, max_iter : total iterations, early exaggeration's 250 included
        (default 1000; at least 250). max_iter is scikit-learn 1.5's name.
    n_iter_without_progress, min_grad_norm : only the defaults (300, 1e-7);
        embscope always runs all n_iter iterations.
    metric : "euclidean" (default) or "cosine" (neighbours by cosine
        distance, used as squared chord lengths 2 (1 - cos)).
    init : "pca" (default: PCA scaled to std 1e-4), "random" or an array
        (n_samples, n_components).
    method : "barnes_hut" (default) lets embscope choose the gradient: exact
        for n <= 1000, FFT interpolation for 2D and n >= 150000, else
        Barnes-Hut; "exact" forces the O(n^2) gradient; embscope also takes
        "bh" and "fft" to force those.
    angle : Barnes-Hut opening angle theta, default 0.5.
    n_jobs : None or -1 (default) = all cores (scikit-learn's None is one
        job; the map does not depend on the number of threads).
    random_state : int, RandomState or None. Seeds the PCA initialisation's
        randomized solver (only for very wide data) and init="random".
    verbose : progress goes to the logging logger "embscope", at INFO when
        verbose, else DEBUG.

    Vectors wider than 100 are reduced to their first 50 principal
    components before the neighbours are searched (openTSNE / FIt-SNE
    practice; scikit-learn works on the full vectors).

    Attributes after fit: embedding_ (n_samples, n_components) float32,
    kl_divergence_, n_iter_, n_features_in_, method_ (gradient used).
    """

    def __init__(self, n_components=2, *, perplexity=30.0, early_exaggeration=12.0,
                 learning_rate="auto", n_iter=1000, n_iter_without_progress=300,
                 min_grad_norm=1e-07, metric="euclidean", metric_params=None, init="pca",
                 verbose=0, random_state=None, method="barnes_hut", angle=0.5, n_jobs=None,
                 square_distances="deprecated", max_iter=None):
        self.n_components = n_components
        self.perplexity = perplexity
        self.early_exaggeration = early_exaggeration
        self.learning_rate = learning_rate
        self.n_iter = n_iter
        self.n_iter_without_progress = n_iter_without_progress
        self.min_grad_norm = min_grad_norm
        self.metric = metric
        self.metric_params = metric_params
        self.init = init
        self.verbose = verbose
        self.random_state = random_state
        self.method = method
        self.angle = angle
        self.n_jobs = n_jobs
        self.square_distances = square_distances
        self.max_iter = max_iter
        self._check_params()

    def _check_params(self):
        if self.metric not in ("euclidean", "cosine"):
            raise _common.unsupported("metric", self.metric, '"euclidean", "cosine"')
        if self.metric_params is not None:
            raise _common.unsupported("metric_params", self.metric_params, "None")
        if self.method not in METHODS:
            raise _common.unsupported("method", self.method, ", ".join(METHODS))
        if self.n_iter_without_progress != 300:
            raise _common.unsupported("n_iter_without_progress", self.n_iter_without_progress,
                                      "300 (embscope runs every iteration)")
        if self.min_grad_norm != 1e-07:
            raise _common.unsupported("min_grad_norm", self.min_grad_norm,
                                      "1e-07 (embscope runs every iteration)")
        if self.square_distances not in ("deprecated", True, "legacy"):
            raise _common.unsupported("square_distances", self.square_distances,
                                      '"deprecated", True (squared Euclidean distances)')
        if not (isinstance(self.init, np.ndarray) or self.init in ("pca", "random")):
            raise _common.unsupported("init", self.init, '"pca", "random", an array')
        if isinstance(self.learning_rate, str) and self.learning_rate != "auto":
            raise ValueError('learning_rate: %r is not "auto" or a float' % self.learning_rate)
        if not isinstance(self.n_components, (int, np.integer)) or not 1 <= self.n_components <= 3:
            raise ValueError("n_components: %r; embscope's t-SNE maps to 1, 2 or 3 dimensions"
                             % (self.n_components,))

    def _total_iter(self):
        n = self.n_iter if self.max_iter is None else self.max_iter
        if self.max_iter is not None and self.n_iter not in (1000, "deprecated", self.max_iter):
            raise ValueError("n_iter=%r and max_iter=%r disagree; give one" % (self.n_iter, self.max_iter))
        if not isinstance(n, (int, np.integer)) or n < EARLY_EXAGGERATION_ITER:
            raise ValueError("max_iter / n_iter: %r must be an integer >= %d"
                             % (n, EARLY_EXAGGERATION_ITER))
        return int(n)

    def _params(self, n, seed, init):
        p = _lib.lib.emb_tsne_default_params()
        p.dims = int(self.n_components)
        p.perplexity = float(self.perplexity)
        p.early_exaggeration_iter = EARLY_EXAGGERATION_ITER
        p.n_iter = self._total_iter() - EARLY_EXAGGERATION_ITER
        p.early_exaggeration = float(self.early_exaggeration)
        if self.learning_rate != "auto":
            p.learning_rate = SKLEARN_GRADIENT_FACTOR * float(self.learning_rate)
            if not p.learning_rate > 0:
                raise ValueError("learning_rate: %r must be positive" % (self.learning_rate,))
        p.theta = float(self.angle)
        p.method = METHODS[self.method]
        p.n_threads = _common.n_threads(self.n_jobs)
        p.seed = seed
        p.progress = _lib.progress(self.verbose)
        if init is not None:
            p.init = init.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        return p

    def _init_array(self, n, seed):
        if isinstance(self.init, np.ndarray):
            init = np.ascontiguousarray(self.init, dtype=np.float32)
            if init.shape != (n, self.n_components) or not np.isfinite(init).all():
                raise ValueError("init: an array must be finite with shape (%d, %d), got %s"
                                 % (n, self.n_components, init.shape))
            return init
        if self.init == "random":
            rs = np.random.RandomState(seed % 2**32)
            return (RANDOM_INIT_STD * rs.standard_normal((n, self.n_components))).astype(np.float32)
        return None

    def fit_transform(self, X, y=None):
        """Map X (n_samples, n_features) and return embedding_ (float32)."""
        self._check_params()
        x = _common.as_matrix(X)
        n = x.shape[0]
        seed = _common.seed(self.random_state)
        init = self._init_array(n, seed)
        params = self._params(n, seed, init)
        mp = _lib.lib.emb_map_input_default_params()     # PCA-50 fitted on all rows
        mp.n_threads, mp.seed = params.n_threads, seed
        xm, pca, inp = _common.matf(x), _lib.emb_matf(), ctypes.POINTER(_lib.emb_matf)()
        _lib.check(_lib.lib.emb_map_input(ctypes.byref(xm), ctypes.byref(mp), ctypes.byref(pca),
                                          ctypes.byref(inp)), "TSNE: PCA")
        graph = None
        try:
            if self.metric == "cosine":
                graph = self._cosine_graph(inp, n, params)
            out, stats = _lib.emb_matf(), _lib.emb_tsne_stats()
            st = _lib.lib.emb_tsne_run(inp, None if graph is None else ctypes.byref(graph), ctypes.byref(params), ctypes.byref(out),
                                       ctypes.byref(stats))
        finally:
            _lib.lib.emb_matf_free(ctypes.byref(pca))
            if graph is not None:
                _lib.lib.emb_knn_free(ctypes.byref(graph))
        _lib.check(st, "TSNE")
        self.embedding_ = _common.take_matf(out)
        self.kl_divergence_ = stats.kl
        self.n_iter_ = stats.iterations
        self.n_features_in_ = x.shape[1]
        self.method_ = _lib.lib.emb_tsne_method_name(stats.method).decode()
        _lib.log.log(20 if self.verbose else 10, "TSNE: %dD %s gradient, KL %.4f, %d iterations",
                     self.n_components, self.method_, stats.kl, stats.iterations)
        return self.embedding_

    def _cosine_graph(self, inp, n, params):
        kp = _lib.lib.emb_knn_default_params()
        kp.k = int(min(n - 1, math.floor(3 * float(self.perplexity))))
        kp.metric = _lib.METRIC["cosine"]
        kp.n_threads, kp.seed, kp.progress = params.n_threads, params.seed, params.progress
        g = _lib.emb_knn()
        _lib.check(_lib.lib.emb_knn_build(inp, ctypes.byref(kp), ctypes.byref(g)), "TSNE: neighbours")
        return g

    def fit(self, X, y=None):
        """Map X; the map is in embedding_. Returns self."""
        self.fit_transform(X, y)
        return self

"""_common.py - what every estimator and function of the package shares:
input checks (NumPy in, float32 C-contiguous without a copy when it is
already so), output copies, n_jobs and random_state as scikit-learn reads
them, and get_params / set_params as scikit-learn's BaseEstimator has them."""
import ctypes
import inspect
import os

import numpy as np

from . import _lib


def as_matrix(X, name="X", min_rows=1):
    """X as an (n, d) float32 C-contiguous array: the same object when it is
    one already (the library reads it in place), else a converted copy.
    Raises TypeError for non-numeric data, ValueError for a wrong shape,
    too few rows, NaN or infinity."""
    if isinstance(X, np.ndarray):
        arr = X
    else:
        try:
            arr = np.asarray(X)
        except Exception as e:
            raise TypeError("%s: cannot be read as a NumPy array: %s" % (name, e)) from None
    if arr.dtype.kind not in "fiub":
        raise TypeError("%s: dtype %s is not numeric; embscope reads float32 (other real "
                        "dtypes are converted)" % (name, arr.dtype))
    if arr.ndim != 2:
        hint = " (one sample: X.reshape(1, -1); one feature: X.reshape(-1, 1))" if arr.ndim == 1 else ""
        raise ValueError("%s: expected a 2-D array (n_samples, n_features), got %d-D shape %s%s"
                         % (name, arr.ndim, arr.shape, hint))
    if arr.shape[0] < min_rows or arr.shape[1] < 1:
        raise ValueError("%s: shape %s; at least %d sample(s) and 1 feature are needed"
                         % (name, arr.shape, min_rows))
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.isfinite(arr).all():
        bad = int(np.flatnonzero(~np.isfinite(arr).all(axis=1))[0])
        raise ValueError("%s: contains NaN or infinity (first in row %d)" % (name, bad))
    return arr


def matf(arr):
    """An emb_matf viewing arr (float32, C-contiguous, 2-D): no copy; the
    caller keeps arr alive during the call."""
    return _lib.emb_matf(arr.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
                         arr.shape[0], arr.shape[1])


def take_matf(m):
    """Copy a library-allocated emb_matf into a NumPy array and free it."""
    try:
        if not m.data:
            return np.zeros((m.rows, m.cols), np.float32)
        return np.ctypeslib.as_array(m.data, shape=(m.rows, m.cols)).copy()
    finally:
        _lib.lib.emb_matf_free(ctypes.byref(m))


def take_knn(g):
    """(indices int32 (n, k), distances float32 (n, k)) from an emb_knn, freed."""
    try:
        shape = (g.n, g.k)
        idx = np.ctypeslib.as_array(g.idx, shape=shape).copy()
        dist = np.ctypeslib.as_array(g.dist, shape=shape).copy()
        return idx, dist
    finally:
        _lib.lib.emb_knn_free(ctypes.byref(g))


def n_threads(n_jobs):
    """scikit-learn's / joblib's n_jobs as the library's thread count: None or
    -1 = all cores (0), n > 0 as given, n < -1 = all cores but |n| - 1."""
    if n_jobs is None or n_jobs == -1:
        return 0
    if not isinstance(n_jobs, (int, np.integer)) or isinstance(n_jobs, bool) or n_jobs == 0:
        raise ValueError("n_jobs: %r is not None or a non-zero integer" % (n_jobs,))
    if n_jobs > 0:
        return int(n_jobs)
    return max(1, (os.cpu_count() or 1) + 1 + int(n_jobs))


def seed(random_state):
    """A 64-bit seed from random_state as scikit-learn reads it: an int, a
    RandomState / Generator (one draw), or None (one draw from NumPy's
    global generator, so np.random.seed makes runs repeatable)."""
    if random_state is None:
        return int(np.random.randint(0, 2**31 - 1))
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError("random_state: %d is negative" % random_state)
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**31 - 1))
    raise ValueError("random_state: %r is not None, an int or a NumPy random generator"
                     % (random_state,))


def unsupported(name, value, supported):
    """NotImplementedError for a parameter value the peer accepts and embscope does not."""
    return NotImplementedError("%s=%r is not supported by embscope (supported: %s)"
                               % (name, value, supported))


class Estimator:
    """get_params / set_params / repr over the constructor's parameters, as
    scikit-learn's BaseEstimator (so clone() and GridSearchCV work)."""

    @classmethod
    def _param_names(cls):
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self, deep=True):
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        names = self._param_names()
        for key, value in params.items():
            if key not in names:
                raise ValueError("invalid parameter %r for %s; valid: %s"
                                 % (key, type(self).__name__, ", ".join(names)))
            setattr(self, key, value)
        self._check_params()
        return self

    def _check_params(self):
        """Raise for values embscope does not implement (estimators override)."""

    def __repr__(self):
        sig = inspect.signature(type(self).__init__)
        changed = ["%s=%r" % (k, v) for k, v in self.get_params().items()
                   if not _same(v, sig.parameters[k].default)]
        return "%s(%s)" % (type(self).__name__, ", ".join(changed))


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return a is b
    try:
        return bool(a == b) and type(a) == type(b)
    except Exception:
        return a is b

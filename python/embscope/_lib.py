"""_lib.py - the ctypes binding of libembscope: loading, the pinned ABI check,
the C structs the package passes, errors and progress.

The library is found at $EMBSCOPE_LIBRARY, else as libembscope.so beside this
file (where `pip install ./python` puts it). At load the library must report
the ABI number this file was written for (EMB_ABI_VERSION in emb_core.h) and,
for every struct declared here, the same size as ctypes computes: a library
built from other headers fails the import with a message instead of
corrupting memory later.

ctypes releases the GIL around every call into a CDLL, so the C work runs
while other Python threads go on; the per-thread error message of the
library (emb_errmsg) is read on the thread that made the call.
"""
import ctypes
import logging
import os
import threading

ABI_VERSION = 5  # EMB_ABI_VERSION in include/emb_core.h this binding mirrors

log = logging.getLogger("embscope")

c_int, c_double, c_float = ctypes.c_int, ctypes.c_double, ctypes.c_float
c_int64, c_uint64, c_char_p = ctypes.c_int64, ctypes.c_uint64, ctypes.c_char_p
P_CHARP = ctypes.POINTER(ctypes.c_char_p)
PROGRESS_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, c_char_p, c_double, c_char_p)
LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, c_int, c_char_p)  # emb_log_fn (emb_analyze.h)

# enums (emb_core.h, emb_neighbors.h, emb_tsne.h, emb_umap.h)
METRIC = {"cosine": 0, "euclidean": 1}
KNN_AUTO, KNN_EXACT, KNN_APPROX = 0, 1, 2
TSNE_AUTO, TSNE_EXACT, TSNE_BH, TSNE_FFT = 0, 1, 2, 3
UMAP_INIT = {"spectral": 0, "pca": 1, "random": 2}
LAYOUTS = ("auto", "flat", "class", "split-class", "recursive", "coco", "yolo", "voc")  # emb_layout
CLIP_PRECISION = {"f32": 0, "bf16": 1}
OUTLIER_METHOD = {"auto": -1, "knn": 0, "lof": 1, "hellinger": 2}  # emb_outlier_method
LOG_INFO, LOG_WARN = 0, 1  # emb_log_level


class emb_matf(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(c_float)), ("rows", c_int64), ("cols", c_int64),
                ("half", ctypes.POINTER(ctypes.c_uint16))]


class emb_progress(ctypes.Structure):
    _fields_ = [("fn", PROGRESS_FN), ("ctx", ctypes.c_void_p)]


class emb_knn(ctypes.Structure):
    _fields_ = [("n", c_int64), ("k", c_int), ("metric", c_int),
                ("idx", ctypes.POINTER(ctypes.c_int32)), ("dist", ctypes.POINTER(c_float)),
                ("method", c_int), ("reason", ctypes.c_char * 128)]


class emb_knn_params(ctypes.Structure):
    _fields_ = [("k", c_int), ("metric", c_int), ("method", c_int), ("n_threads", c_int),
                ("seed", c_uint64), ("progress", emb_progress), ("storage", c_int)]


class emb_pca_params(ctypes.Structure):
    _fields_ = [("n_components", c_int), ("n_threads", c_int), ("seed", c_uint64),
                ("fit_rows", c_int64)]


class emb_pca_model(ctypes.Structure):
    _fields_ = [("d", c_int64), ("n_components", c_int), ("mean", ctypes.POINTER(c_double)),
                ("components", ctypes.POINTER(c_float)), ("explained_ratio", ctypes.POINTER(c_float))]


class emb_map_input_params(ctypes.Structure):
    _fields_ = [("pca_above", c_int), ("pca_dims", c_int), ("fit_rows", c_int64),
                ("n_threads", c_int), ("seed", c_uint64)]


class emb_tsne_params(ctypes.Structure):
    _fields_ = [("dims", c_int), ("perplexity", c_double), ("n_iter", c_int),
                ("early_exaggeration_iter", c_int), ("early_exaggeration", c_double),
                ("exaggeration", c_double), ("learning_rate", c_double), ("momentum", c_double),
                ("final_momentum", c_double), ("theta", c_double), ("max_step_norm", c_double),
                ("method", c_int), ("init", ctypes.POINTER(c_float)), ("n_threads", c_int),
                ("seed", c_uint64), ("progress", emb_progress)]


class emb_tsne_stats(ctypes.Structure):
    _fields_ = [("kl", c_double), ("iterations", c_int), ("method", c_int), ("k", c_int)] + [
        (name, c_double) for name in (
            "seconds_affinities", "seconds_optimize", "seconds_knn", "seconds_early",
            "seconds_final", "seconds_attractive", "seconds_repulsive", "seconds_fft_spread",
            "seconds_fft_transform", "seconds_fft_interp")] + [("fft_grid_max", c_int)]


class emb_umap_params(ctypes.Structure):
    _fields_ = [("n_components", c_int), ("n_neighbors", c_int), ("min_dist", c_float),
                ("spread", c_float), ("local_connectivity", c_float),
                ("set_op_mix_ratio", c_float), ("n_epochs", c_int), ("learning_rate", c_float),
                ("negative_sample_rate", c_int), ("repulsion_strength", c_float),
                ("a", c_double), ("b", c_double), ("init", c_int), ("n_threads", c_int),
                ("seed", c_uint64), ("progress", emb_progress), ("cache", ctypes.c_void_p)]


class emb_umap_info(ctypes.Structure):
    _fields_ = [("a", c_double), ("b", c_double), ("n_epochs", c_int), ("n_edges", c_int64),
                ("n_graph_components", c_int), ("init", c_char_p), ("graph_s", c_double),
                ("init_s", c_double), ("layout_s", c_double),
                ("shared_graph", ctypes.c_bool), ("shared_init", ctypes.c_bool)]


class emb_dataset_params(ctypes.Structure):
    _fields_ = [("class_names", c_char_p), ("layout", c_int), ("labels_csv", c_char_p),
                ("unlabelled", ctypes.c_bool), ("box_margin", c_double), ("progress", emb_progress)]


class emb_skipped(ctypes.Structure):
    _fields_ = [("n", c_int64), ("cap", c_int64), ("path", P_CHARP), ("reason", P_CHARP)]


class emb_embedding(ctypes.Structure):
    """An embedder's result: vectors of the kept items, per-item keep and hashes."""
    _fields_ = [("n", c_int64), ("vectors", emb_matf), ("keep", ctypes.POINTER(ctypes.c_uint8)),
                ("pixel_hash", ctypes.POINTER(c_uint64)), ("img_w_src", ctypes.POINTER(ctypes.c_int32)),
                ("img_h_src", ctypes.POINTER(ctypes.c_int32)), ("transparent", ctypes.POINTER(ctypes.c_uint8))]


class emb_pixels_params(ctypes.Structure):
    _fields_ = [("size", c_int), ("color", ctypes.c_bool), ("exif_orientation", ctypes.c_bool),
                ("n_threads", c_int), ("progress", emb_progress)]


class emb_clip_params(ctypes.Structure):
    _fields_ = [("n_threads", c_int), ("batch", c_int), ("precision", c_int),
                ("overlap", ctypes.c_bool), ("fast_decode", ctypes.c_bool), ("progress", emb_progress)]


class emb_log(ctypes.Structure):
    _fields_ = [("fn", LOG_FN), ("ctx", ctypes.c_void_p)]


class emb_mpi_world(ctypes.Structure):
    _fields_ = [("rank", c_int), ("size", c_int), ("local_size", c_int)]


class emb_features_opts(ctypes.Structure):
    _fields_ = [("kind", c_char_p), ("pixels", emb_pixels_params), ("model", c_char_p),
                ("class_names", c_char_p), ("clip", emb_clip_params), ("alpha_bg_set", ctypes.c_bool),
                ("alpha_bg", ctypes.c_uint8 * 3), ("layout", c_int), ("labels", c_char_p),
                ("box_margin", c_double)]


class emb_findings_opts(ctypes.Structure):
    _fields_ = [("dup_threshold", c_float), ("copy_threshold", c_float), ("outlier_method", c_int),
                ("outlier_fence", c_float), ("features", c_char_p), ("img_w", c_int), ("img_h", c_int),
                ("img_c", c_int)]


class emb_clusters_opts(ctypes.Structure):
    _fields_ = [("method", c_char_p), ("k", c_int), ("min_cluster_size", c_int), ("min_samples", c_int),
                ("leaf", c_int), ("epsilon", c_double)]


class emb_zeroshot_opts(ctypes.Structure):
    _fields_ = [("on", ctypes.c_bool), ("prompts", c_char_p), ("classes", c_char_p), ("tokenizer", c_char_p),
                ("vocabulary", c_char_p), ("queries", c_char_p), ("weight", c_double), ("weight_set", ctypes.c_bool)]


class emb_tsne_opts(ctypes.Structure):
    _fields_ = [("perplexity", c_double), ("n_iter", c_int), ("early_exaggeration_iter", c_int),
                ("theta", c_double), ("method", c_int)]


class emb_analyze_params(ctypes.Structure):
    _fields_ = [("features", emb_features_opts), ("k", c_int), ("knn_method", c_int), ("storage", c_int), ("map", c_char_p),
                ("dims", c_int), ("tsne", emb_tsne_opts), ("clusters", emb_clusters_opts),
                ("zeroshot", emb_zeroshot_opts), ("findings", emb_findings_opts), ("n_threads", c_int),
                ("seed", c_uint64), ("progress", emb_progress), ("log", emb_log), ("mpi", emb_mpi_world)]


class emb_analyze_info(ctypes.Structure):
    _fields_ = [("report_path", ctypes.c_char * 4096), ("n_items", c_int64), ("dims", c_int64),
                ("n_skipped", c_int64), ("seconds", c_double), ("output_error", ctypes.c_bool),
                ("params_error", ctypes.c_bool)]


STRUCTS = (emb_matf, emb_progress, emb_knn, emb_knn_params, emb_pca_params, emb_pca_model,
           emb_map_input_params, emb_tsne_params, emb_tsne_stats, emb_umap_params, emb_umap_info,
           emb_dataset_params, emb_skipped, emb_embedding, emb_pixels_params, emb_clip_params, emb_log, emb_mpi_world,
           emb_features_opts, emb_findings_opts, emb_clusters_opts, emb_zeroshot_opts, emb_tsne_opts,
           emb_analyze_params, emb_analyze_info)

P = ctypes.POINTER
# name: (restype, argtypes)
SIGNATURES = {
    "emb_abi_version": (c_int, []),
    "emb_abi_sizeof": (ctypes.c_size_t, [c_char_p]),
    "emb_version": (c_char_p, []),
    "emb_errmsg": (c_char_p, []),
    "emb_status_str": (c_char_p, [c_int]),
    "emb_threads_resolve": (c_int, [c_int]),
    "emb_matf_free": (None, [P(emb_matf)]),
    "emb_knn_default_params": (emb_knn_params, []),
    "emb_knn_build": (c_int, [P(emb_matf), P(emb_knn_params), P(emb_knn)]),
    "emb_knn_free": (None, [P(emb_knn)]),
    "emb_knn_query": (c_int, [P(emb_matf), P(emb_matf), P(emb_knn_params), P(emb_knn)]),
    "emb_pca_default_params": (emb_pca_params, []),
    "emb_pca": (c_int, [P(emb_matf), P(emb_pca_params), P(emb_matf), P(c_float)]),
    "emb_pca_fit": (c_int, [P(emb_matf), P(emb_pca_params), P(emb_pca_model)]),
    "emb_pca_transform": (c_int, [P(emb_pca_model), P(emb_matf), c_int, P(emb_matf)]),
    "emb_pca_model_free": (None, [P(emb_pca_model)]),
    "emb_map_input_default_params": (emb_map_input_params, []),
    "emb_map_input_umap_params": (emb_map_input_params, []),
    "emb_map_input": (c_int, [P(emb_matf), P(emb_map_input_params), P(emb_matf), P(P(emb_matf))]),
    "emb_map_graph": (c_int, [P(emb_matf), P(emb_map_input_params), P(emb_knn_params), P(emb_knn)]),
    "emb_tsne_default_params": (emb_tsne_params, []),
    "emb_tsne_run": (c_int, [P(emb_matf), P(emb_knn), P(emb_tsne_params), P(emb_matf),
                             P(emb_tsne_stats)]),
    "emb_tsne_method_name": (c_char_p, [c_int]),
    "emb_umap_default_params": (emb_umap_params, []),
    "emb_umap_run": (c_int, [P(emb_knn), P(emb_matf), P(emb_umap_params), P(emb_matf),
                             P(emb_umap_info)]),
    "emb_umap_transform": (c_int, [P(emb_knn), P(emb_matf), P(emb_umap_params), P(emb_matf)]),
    "emb_dataset_default_params": (emb_dataset_params, []),
    "emb_dataset_open": (c_int, [c_char_p, P(emb_dataset_params), P(ctypes.c_void_p)]),
    "emb_dataset_free": (None, [ctypes.c_void_p]),
    "emb_dataset_layout": (c_char_p, [ctypes.c_void_p]),
    "emb_items_write": (c_int, [c_char_p, ctypes.c_void_p]),
    "emb_skipped_free": (None, [P(emb_skipped)]),
    "emb_pixels_default_params": (emb_pixels_params, []),
    "emb_embedding_free": (None, [P(emb_embedding)]),
    "emb_dataset_apply_embedding": (c_int, [ctypes.c_void_p, P(emb_embedding)]),
    "emb_pixels_embed": (c_int, [ctypes.c_void_p, P(emb_pixels_params), P(emb_embedding), P(emb_skipped)]),
    "emb_clip_default_params": (emb_clip_params, []),
    "emb_clip_load": (c_int, [c_char_p, P(emb_clip_params), P(ctypes.c_void_p)]),
    "emb_clip_free": (None, [ctypes.c_void_p]),
    "emb_clip_embed_dataset": (c_int, [ctypes.c_void_p, ctypes.c_void_p, P(emb_clip_params), P(emb_embedding),
                                       P(emb_skipped)]),
    "emb_color_parse": (c_int, [c_char_p, P(ctypes.c_uint8)]),
    "emb_analyze_default_params": (emb_analyze_params, []),
    "emb_analyze_run": (c_int, [c_char_p, c_char_p, P(emb_analyze_params), P(emb_analyze_info)]),
}


class EmbscopeError(RuntimeError):
    """An embscope call failed; the message is the library's (emb_errmsg)."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class InvalidArgumentError(EmbscopeError, ValueError):
    """EMB_E_INVALID: an argument the library cannot work with."""


class UnsupportedError(EmbscopeError, NotImplementedError):
    """EMB_E_UNSUPPORTED."""


class OutOfMemoryError(EmbscopeError, MemoryError):
    """EMB_E_NOMEM."""


_ERRORS = {1: InvalidArgumentError, 4: OutOfMemoryError, 5: UnsupportedError}


def _library_path():
    env = os.environ.get("EMBSCOPE_LIBRARY")
    if env:
        return os.path.abspath(env)   # a bare name would make dlopen search the system paths
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "libembscope.so")


def _load():
    path = _library_path()
    if not os.path.exists(path):
        raise ImportError(
            "embscope: the shared library %s is missing: install the package with "
            "`pip install ./python` from the repository, or point EMBSCOPE_LIBRARY at a "
            "libembscope.so built with cmake -DEMB_SHARED=ON" % path)
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise ImportError("embscope: cannot load %s: %s" % (path, e)) from None
    if not hasattr(lib, "emb_abi_version"):
        raise ImportError("embscope: %s has no emb_abi_version(): a library older than this "
                          "package (ABI %d); rebuild it from the same checkout" % (path, ABI_VERSION))
    lib.emb_abi_version.restype = c_int
    abi = lib.emb_abi_version()
    if abi != ABI_VERSION:
        raise ImportError("embscope: %s has ABI %d, this package was written for ABI %d; "
                          "reinstall the package and the library from one checkout"
                          % (path, abi, ABI_VERSION))
    for name, (restype, argtypes) in SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    for s in STRUCTS:
        size = lib.emb_abi_sizeof(s.__name__.encode())
        if size != ctypes.sizeof(s):
            raise ImportError("embscope: %s: struct %s is %d bytes in the library, %d in this "
                              "package (ABI %d): the headers and python/embscope/_lib.py differ"
                              % (path, s.__name__, size, ctypes.sizeof(s), ABI_VERSION))
    return lib, path


lib, library_path = _load()
library_version = lib.emb_version().decode()


def check(status, what):
    """Raise the exception for a non-zero emb_status, with the library's message."""
    if status == 0:
        return
    msg = lib.emb_errmsg().decode(errors="replace")
    kind = lib.emb_status_str(status).decode()
    raise _ERRORS.get(status, EmbscopeError)("%s: %s (%s)" % (what, msg or kind, kind), status)


class _Progress:
    """The library's progress callback, logged to the "embscope" logger: one
    INFO (verbose) or DEBUG record per stage and tenth of the work."""

    def __init__(self):
        self._last = {}
        self._lock = threading.Lock()
        self.fn = PROGRESS_FN(self._report)

    def _report(self, ctx, stage, frac, msg):
        try:
            stage = stage.decode() if stage else "?"
            tenth = int(frac * 10) if frac >= 0 else -1
            key = (threading.get_ident(), stage)
            with self._lock:
                if self._last.get(key) == tenth and frac < 1:
                    return
                self._last[key] = tenth
            level = logging.INFO if ctx else logging.DEBUG
            if log.isEnabledFor(level):
                text = " " + msg.decode(errors="replace") if msg else ""
                if frac >= 0:
                    log.log(level, "%s %3.0f%%%s", stage, 100 * frac, text)
                else:
                    log.log(level, "%s%s", stage, text)
        except Exception:  # never let a logging problem unwind through C
            pass


_progress = _Progress()


def _log_message(ctx, level, msg):
    """emb_log of a run: a stage's line at INFO (verbose; ctx carries the
    flag) or DEBUG, a warning at WARNING."""
    try:
        text = msg.decode(errors="replace") if msg else ""
        if level == LOG_WARN:
            log.warning("%s", text)
        else:
            log.log(logging.INFO if ctx else logging.DEBUG, "%s", text)
    except Exception:  # never let a logging problem unwind through C
        pass


_log_fn = LOG_FN(_log_message)


def messages(verbose):
    """An emb_log for one call, to the "embscope" logger."""
    return emb_log(_log_fn, 1 if verbose else None)


def progress(verbose):
    """An emb_progress for one call; its records go out at INFO when verbose
    (the callback's ctx carries the flag), else at DEBUG."""
    return emb_progress(_progress.fn, 1 if verbose else None)

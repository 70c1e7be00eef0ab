"""_analyze.py - embscope.analyze(): the whole analysis of a dataset, as
`embscope analyze DATA -o OUT` runs it, through one library call
(emb_analyze_run, include/emb_analyze.h; the GIL is released meanwhile),
and its results read back as NumPy arrays and tables."""
import csv
import ctypes
import json
import os
import tempfile

import numpy as np

from . import _lib
from ._common import n_threads

# The tables of an output folder: attribute -> file. A table of a stage the
# run left out (summary.json says so) is empty, even when an earlier run left
# its file in the folder.
TABLES = {
    "items": "items.csv",
    "skipped": "skipped.csv",
    "duplicates": "duplicates.csv",
    "leakage": "leakage.csv",
    "outliers": "outliers.csv",
    "label_issues": "label_issues.csv",
    "image_issues": "image_issues.csv",
    "clusters": "clusters.csv",
    "annotation_issues": "annotation_issues.csv",
    "zero_shot": "zero_shot.csv",
    "cluster_names": "cluster_names.csv",
    "searches": "searches.csv",
    "images": "images.csv",
    "image_duplicates": "image_duplicates.csv",
    "image_leakage": "image_leakage.csv",
}

# Columns kept as text even when they look like numbers (paths, labels and
# names: "007.jpg" must stay "007.jpg").
TEXT_COLUMNS = {"path", "split", "label", "reason", "suggested_label", "name", "runner_up", "query",
                "class", "predicted", "suggested", "kind", "group_kind", "issue", "issues", "label_a", "label_b", "path_a", "path_b",
                "split_a", "split_b", "file", "problem", "given_label", "majority_label"}


def _value(column, text):
    if column in TEXT_COLUMNS or text == "":
        return text
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _read_table(path):
    """A CSV the library wrote: (columns, rows of converted values)."""
    if not os.path.exists(path):
        return [], []
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        return [], []
    cols = rows[0]
    return cols, [[_value(c, v) for c, v in zip(cols, r)] for r in rows[1:]]


def _ran(name, summary):
    """Whether this run wrote the table name (see TABLES)."""
    left_out = summary.get("stages_left_out", {})
    if name == "clusters":
        return "clusters" not in left_out
    if name == "label_issues":
        return "label_issues" not in left_out
    if name == "image_issues":
        return "image_checks" not in left_out
    if name in ("zero_shot", "cluster_names", "searches"):
        return name in summary
    if name in ("images", "image_duplicates", "image_leakage"):
        return "whole_images" not in left_out
    if name == "annotation_issues":
        return summary.get("dataset", {}).get("annotation_issues", 0) > 0
    return True


def _table(path, ran=True):
    """A pandas DataFrame when pandas is installed, else a list of dicts."""
    cols, rows = _read_table(path) if ran else ([], [])
    try:
        import pandas as pd
    except ImportError:
        return [dict(zip(cols, r)) for r in rows]
    return pd.DataFrame(rows, columns=cols)


class Analysis:
    """What embscope.analyze returns: the results in out_dir, read back.

    out_dir      the output folder (every file of `embscope analyze` is there)
    report_path  out_dir/report.html
    summary      summary.json as a dict (counts, class distribution, clusters,
                 timings, parameters, ...)
    embeddings   float32 (n_items, dims): row i is item i
    neighbors    int32 (n_items, k): each item's neighbours, nearest first
    distances    float32 (n_items, k): their distances (cosine: 1 - cos)
    map          float32 (n_items, dims) map coordinates, None with map="none"
    items, skipped, duplicates, leakage, outliers, label_issues,
    image_issues, clusters, annotation_issues, zero_shot, cluster_names,
    searches, images, image_duplicates, image_leakage
                 the CSV tables of the same names: pandas DataFrames when
                 pandas is installed, else lists of dicts (column -> value;
                 numbers converted, paths and labels kept as text); a table
                 the run did not write is empty (images, image_duplicates,
                 image_leakage: detection exports only, the whole images)
    """

    def __init__(self, out_dir, report_path):
        self.out_dir = out_dir
        self.report_path = report_path
        with open(os.path.join(out_dir, "summary.json"), encoding="utf-8") as f:
            self.summary = json.load(f)
        self.embeddings = np.load(os.path.join(out_dir, "embeddings.npy"))
        self.neighbors = np.load(os.path.join(out_dir, "neighbors.npy"))
        self.distances = np.load(os.path.join(out_dir, "distances.npy"))
        mp = os.path.join(out_dir, "map.npy")
        self.map = np.load(mp) if self.summary.get("parameters", {}).get("map") != "none" and os.path.exists(mp) \
            else None
        for name, file in TABLES.items():
            setattr(self, name, _table(os.path.join(out_dir, file), _ran(name, self.summary)))

    def __repr__(self):
        return "Analysis(%d items x %d dims, %s, report %r)" % (
            self.embeddings.shape[0], self.embeddings.shape[1],
            "no map" if self.map is None else "map %dD" % self.map.shape[1], self.report_path)


def _text(keep, value):
    """bytes for a char * field, kept alive in keep for the call."""
    if value is None:
        return None
    keep.append(os.fspath(value).encode())
    return keep[-1]


def _parse_clusters(clusters, p):
    c = p.clusters
    method, _, arg = str(clusters).partition(":")
    if method not in ("hdbscan", "kmeans", "none") or (arg and method == "none"):
        raise ValueError("clusters: %r is not 'hdbscan', 'hdbscan:M', 'kmeans', 'kmeans:K' or 'none'" % (clusters,))
    c.method = method.encode()
    if arg:
        try:
            v = int(arg)
        except ValueError:
            v = -1
        if method == "kmeans" and not 1 <= v <= 100000:
            raise ValueError("clusters: K in %r is not in 1..100000" % (clusters,))
        if method == "hdbscan" and not 2 <= v <= 100000000:
            raise ValueError("clusters: M in %r is not >= 2" % (clusters,))
        if method == "kmeans":
            c.k = v
        else:
            c.min_cluster_size = v


def _thread_count(n_jobs, threads):
    """The library's thread count (0 = all cores) from analyze's n_jobs
    (scikit-learn's convention) or its older alias threads (0 = all cores)."""
    if threads is None:
        return n_threads(n_jobs)
    if n_jobs is not None:
        raise ValueError("n_jobs=%r and threads=%r: give one of the two (threads is n_jobs's older name)"
                         % (n_jobs, threads))
    if not isinstance(threads, (int, np.integer)) or isinstance(threads, bool) or not 0 <= threads <= 4096:
        raise ValueError("threads: %r is not None or an integer in 0..4096 (0: all cores)" % (threads,))
    return int(threads)


def analyze(path, out=None, *, features="pixels", model=None, pixels_size=32, pixels_color=False,
            exif_orientation=False, precision="f32", batch=32, fast_decode=False, overlap=True,
            alpha_background=None, class_names=None, layout="auto", labels=None, box_margin=0.0,
            k=15, neighbors="auto", storage="f32", map="umap", dims=3, perplexity=30.0, iterations=750,
            early_iterations=250, theta=0.5, tsne_gradient="auto", clusters="hdbscan",
            min_samples=0, cluster_selection="eom", cluster_epsilon=0.0, zero_shot=False,
            prompts=None, classes=None, tokenizer=None, vocabulary=None, queries=None,
            zero_shot_weight=None, dup_threshold=None, copy_threshold=None, outlier_method="auto", outlier_fence=None,
            image_shape=None, n_jobs=None, threads=None, seed=42, verbose=False):
    """Run every stage of `embscope analyze` on the dataset at path and
    return an Analysis of the results.

    path: an IDX file or folder (MNIST), an image folder (DATA/<class>/...,
    DATA/<split>/<class>/..., flat), a detection export (COCO, YOLO, VOC) or
    a .npy of vectors. out: the output folder (created; its previous
    results are replaced file by file); None = a new temporary folder,
    kept (Analysis.out_dir, report_path).

    The keywords are the program's options (`embscope analyze --help`):
    features ("pixels" or "clip"), model (clip: .safetensors), pixels_size,
    pixels_color, exif_orientation, precision ("f32"/"bf16"), batch,
    fast_decode, overlap, alpha_background ("white", "#rrggbb", ...),
    class_names (IDX: list or "a,b,..."), layout, labels (CSV or "none"),
    box_margin; k (neighbours), neighbors ("auto", "exact", "approx");
    storage ("f32", or "f16": the neighbour search's copy in half precision,
    and a float16 .npy read as it is by every stage);
    map ("umap", "tsne", "none"), dims, perplexity, iterations,
    early_iterations, theta, tsne_gradient ("auto", "exact", "bh", "fft");
    clusters ("hdbscan", "hdbscan:M", "kmeans", "kmeans:K", "none"),
    min_samples, cluster_selection ("eom", "leaf"), cluster_epsilon;
    zero_shot, prompts, classes (list or "a,b,c"), tokenizer, vocabulary,
    queries, zero_shot_weight (0..1: the zero-shot estimate's share of the
    label-issue ranking; default 0, recorded only); dup_threshold,
    copy_threshold, outlier_method ("auto": "hellinger" for pixel images,
    else "knn"; "lof"), outlier_fence, image_shape ((H, W) or (H, W, C)); n_jobs (scikit-learn's
    name, as embscope.embed and the estimators: None or -1 = all cores,
    n > 0 threads, n < -1 all cores but |n| - 1; the library's own loops;
    OpenBLAS keeps its pool, so the bytes of `embscope analyze --threads 1`
    need OPENBLAS_NUM_THREADS=1 in the environment too), threads (the older
    name, kept: None or 0 = all cores, else the count; give one of the two),
    seed; verbose (progress and each stage's line at INFO on the
    "embscope" logger, else DEBUG; warnings always at WARNING).
    An unknown keyword raises TypeError; a bad value ValueError; a failed
    run EmbscopeError (or a subclass) with the library's message, naming
    the file.
    """
    p = _lib.lib.emb_analyze_default_params()
    keep = []
    f = p.features
    if features not in ("pixels", "clip"):
        raise ValueError("features: %r is not 'pixels' or 'clip'" % (features,))
    f.kind = _text(keep, features)
    if features == "clip" and model is None:
        raise ValueError("features='clip' needs model= (a .safetensors file)")
    f.model = _text(keep, model)
    if not isinstance(pixels_size, (int, np.integer)) or not 1 <= pixels_size <= 1024:
        raise ValueError("pixels_size: %r is not an integer in 1..1024" % (pixels_size,))
    f.pixels.size, f.pixels.color, f.pixels.exif_orientation = int(pixels_size), bool(pixels_color), \
        bool(exif_orientation)
    if precision not in _lib.CLIP_PRECISION:
        raise ValueError("precision: %r is not 'f32' or 'bf16'" % (precision,))
    if not isinstance(batch, (int, np.integer)) or not 1 <= batch <= 4096:
        raise ValueError("batch: %r is not an integer in 1..4096" % (batch,))
    f.clip.precision, f.clip.batch = _lib.CLIP_PRECISION[precision], int(batch)
    f.clip.fast_decode, f.clip.overlap = bool(fast_decode), bool(overlap)
    if alpha_background is not None:
        rgb = (ctypes.c_uint8 * 3)()
        _lib.check(_lib.lib.emb_color_parse(_text(keep, alpha_background), rgb), "alpha_background")
        f.alpha_bg_set, f.alpha_bg = True, rgb
    if isinstance(class_names, (list, tuple)):
        class_names = ",".join(class_names)
    f.class_names = _text(keep, class_names)
    if layout not in _lib.LAYOUTS:
        raise ValueError("layout: %r is not one of %s" % (layout, ", ".join(_lib.LAYOUTS)))
    f.layout = _lib.LAYOUTS.index(layout)
    f.labels = _text(keep, labels)
    if not 0 <= float(box_margin) <= 10:
        raise ValueError("box_margin: %r is not in 0..10" % (box_margin,))
    f.box_margin = float(box_margin)

    if not isinstance(k, (int, np.integer)) or not 1 <= k <= 1000:
        raise ValueError("k: %r is not an integer in 1..1000" % (k,))
    p.k = int(k)
    knn = {"auto": _lib.KNN_AUTO, "exact": _lib.KNN_EXACT, "approx": _lib.KNN_APPROX}
    if neighbors not in knn:
        raise ValueError("neighbors: %r is not 'auto', 'exact' or 'approx'" % (neighbors,))
    p.knn_method = knn[neighbors]
    if storage not in ("f32", "f16"):
        raise ValueError("storage: %r is not 'f32' or 'f16'" % (storage,))
    p.storage = 0 if storage == "f32" else 1
    if map not in ("umap", "tsne", "none"):
        raise ValueError("map: %r is not 'umap', 'tsne' or 'none'" % (map,))
    p.map = _text(keep, map)
    if not isinstance(dims, (int, np.integer)) or not 1 <= dims <= (3 if map == "tsne" else 100):
        raise ValueError("dims: %r is not in 1..%d" % (dims, 3 if map == "tsne" else 100))
    p.dims = int(dims)
    grad = {"auto": _lib.TSNE_AUTO, "exact": _lib.TSNE_EXACT, "bh": _lib.TSNE_BH, "fft": _lib.TSNE_FFT}
    if tsne_gradient not in grad:
        raise ValueError("tsne_gradient: %r is not 'auto', 'exact', 'bh' or 'fft'" % (tsne_gradient,))
    if not 1 <= float(perplexity) <= 10000:
        raise ValueError("perplexity: %r is not in 1..10000" % (perplexity,))
    if not 0 <= float(theta) <= 1:
        raise ValueError("theta: %r is not in 0..1" % (theta,))
    p.tsne.perplexity, p.tsne.n_iter = float(perplexity), int(iterations)
    p.tsne.early_exaggeration_iter, p.tsne.theta = int(early_iterations), float(theta)
    p.tsne.method = grad[tsne_gradient]

    _parse_clusters(clusters, p)
    if cluster_selection not in ("eom", "leaf"):
        raise ValueError("cluster_selection: %r is not 'eom' or 'leaf'" % (cluster_selection,))
    if not isinstance(min_samples, (int, np.integer)) or not 0 <= min_samples <= 100000:
        raise ValueError("min_samples: %r is not an integer in 0..100000 (0: chosen from N)" % (min_samples,))
    p.clusters.min_samples, p.clusters.leaf = int(min_samples), int(cluster_selection == "leaf")
    if float(cluster_epsilon) < 0:
        raise ValueError("cluster_epsilon: %r is not a distance >= 0" % (cluster_epsilon,))
    p.clusters.epsilon = float(cluster_epsilon)

    z = p.zeroshot
    if isinstance(classes, (list, tuple)):
        classes = ",".join(classes)
    z.on = bool(zero_shot or prompts or classes)
    z.prompts, z.classes = _text(keep, prompts), _text(keep, classes)
    z.tokenizer, z.vocabulary, z.queries = _text(keep, tokenizer), _text(keep, vocabulary), _text(keep, queries)
    if zero_shot_weight is not None:
        if not 0 <= float(zero_shot_weight) <= 1:
            raise ValueError("zero_shot_weight: %r is not in 0..1" % (zero_shot_weight,))
        z.weight, z.weight_set = float(zero_shot_weight), True

    a = p.findings
    for name, value, hi in (("dup_threshold", dup_threshold, 1.0), ("copy_threshold", copy_threshold, 2.0)):
        if value is not None:
            if not 0 <= float(value) <= hi:
                raise ValueError("%s: %r is not in 0..%g" % (name, value, hi))
            setattr(a, name, float(value))
    if outlier_method not in _lib.OUTLIER_METHOD:
        raise ValueError("outlier_method: %r is not 'auto', 'knn', 'lof' or 'hellinger'" % (outlier_method,))
    a.outlier_method = _lib.OUTLIER_METHOD[outlier_method]
    if outlier_fence is not None:
        if not 0 <= float(outlier_fence) <= 1000:
            raise ValueError("outlier_fence: %r is not in 0..1000" % (outlier_fence,))
        a.outlier_fence = float(outlier_fence)
    if image_shape is not None:
        shape = tuple(int(v) for v in image_shape)
        if len(shape) not in (2, 3) or min(shape) <= 0 or (len(shape) == 3 and shape[2] > 4):
            raise ValueError("image_shape: %r is not (H, W) or (H, W, C) with C in 1..4" % (image_shape,))
        a.img_h, a.img_w, a.img_c = shape[0], shape[1], shape[2] if len(shape) == 3 else 1

    p.n_threads = _thread_count(n_jobs, threads)
    p.seed = int(seed)
    p.progress = _lib.progress(verbose)
    p.log = _lib.messages(verbose)

    path = os.fspath(path)
    out_dir = os.fspath(out) if out is not None else tempfile.mkdtemp(prefix="embscope-analyze-")
    info = _lib.emb_analyze_info()
    st = _lib.lib.emb_analyze_run(path.encode(), out_dir.encode(), ctypes.byref(p), ctypes.byref(info))
    _lib.check(st, "analyze %s" % path)
    return Analysis(out_dir, info.report_path.decode())

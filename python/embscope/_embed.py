"""_embed.py - embscope.embed(): a dataset's vectors through the library
(emb_dataset_open, then emb_pixels_embed or emb_clip_load +
emb_clip_embed_dataset, whose result emb_dataset_apply_embedding applies to
the dataset), as `embscope embed` computes them."""
import csv
import ctypes
import os
import tempfile

import numpy as np

from . import _lib
from ._common import n_threads, take_matf


class Embedded:
    """What embscope.embed returns.

    vectors  float32 array (n_items, dims); row i is item i
    items    the items as `embscope embed` writes items.csv: a pandas
             DataFrame (columns index, path, split, label) when pandas is
             installed, else a list of dicts with those keys
    skipped  [(path, reason)] for the files that could not be read
    layout   how the dataset was read ("idx", "class", "coco", ...)
    """

    def __init__(self, vectors, items, skipped, layout):
        self.vectors, self.items, self.skipped, self.layout = vectors, items, skipped, layout

    def __repr__(self):
        return "Embedded(vectors %s, %d skipped, layout %r)" % (self.vectors.shape, len(self.skipped),
                                                                 self.layout)


def _items_table(rows):
    try:
        import pandas as pd
    except ImportError:
        return rows
    return pd.DataFrame(rows, columns=["index", "path", "split", "label"])


def _read_items(ds):
    """items.csv of ds (emb_items_write), read back: the library's own
    columns, no struct of the dataset mirrored here."""
    fd, path = tempfile.mkstemp(prefix="embscope-items-", suffix=".csv")
    os.close(fd)
    try:
        _lib.check(_lib.lib.emb_items_write(path.encode(), ds), "items")
        with open(path, newline="", encoding="utf-8") as f:
            rows = [dict(r, index=int(r["index"])) for r in csv.DictReader(f)]
    finally:
        os.unlink(path)
    return rows


def _take_skipped(sk):
    try:
        return [(sk.path[i].decode(errors="replace"), sk.reason[i].decode(errors="replace"))
                for i in range(sk.n)]
    finally:
        _lib.lib.emb_skipped_free(ctypes.byref(sk))


def embed(path, features="pixels", *, model=None, pixels_size=32, pixels_color=False,
          exif_orientation=False, precision="f32", batch=32, fast_decode=False, layout="auto",
          labels=None, class_names=None, box_margin=0.0, n_jobs=None, verbose=False):
    """Vectors for every readable image of the dataset at path, as
    `embscope embed PATH` computes them (same bytes at the same thread count).

    path           an IDX folder or file, an image folder (flat, class,
                   split/class, recursive), a COCO / YOLO / Pascal VOC export
                   (one item per box), or a .npy of vectors (loaded as is)
    features       "pixels" (brightness, resized to pixels_size^2 by exact
                   area averaging; pixels_color for RGB) or "clip" (needs
                   model: a CLIP .safetensors checkpoint; precision "f32" or
                   "bf16", batch, fast_decode as the program's options)
    layout         "auto" or one of flat, class, split-class, recursive,
                   coco, yolo, voc
    labels         a CSV of labels (path,label[,split] or one-hot), or
                   "none" to drop every label
    class_names    names for IDX labels 0, 1, ... (a list or "a,b,c")
    box_margin     detection exports: crop margin, fraction of the box
    n_jobs         threads (None / -1: all cores)

    Returns an Embedded (vectors, items, skipped, layout). Raises
    EmbscopeError (ValueError / NotImplementedError / MemoryError kinds)
    with the library's message: a missing path, no readable image, a bad
    checkpoint."""
    path = os.fspath(path)
    if features not in ("pixels", "clip"):
        raise ValueError("features: %r is not 'pixels' or 'clip'" % (features,))
    if layout not in _lib.LAYOUTS:
        raise ValueError("layout: %r is not one of %s" % (layout, ", ".join(_lib.LAYOUTS)))
    if precision not in _lib.CLIP_PRECISION:
        raise ValueError("precision: %r is not 'f32' or 'bf16'" % (precision,))
    if features == "clip" and not model:
        raise ValueError("features='clip' needs model= (a CLIP .safetensors checkpoint)")
    if features == "pixels" and model:
        raise ValueError("model= is for features='clip'")
    if not isinstance(pixels_size, (int, np.integer)) or not 1 <= pixels_size <= 1024:
        raise ValueError("pixels_size: %r is not an integer in 1..1024" % (pixels_size,))
    if not isinstance(batch, (int, np.integer)) or not 1 <= batch <= 4096:
        raise ValueError("batch: %r is not an integer in 1..4096" % (batch,))
    if not 0 <= float(box_margin) <= 10:
        raise ValueError("box_margin: %r is not in 0..10" % (box_margin,))
    nt = n_threads(n_jobs)
    if path.endswith(".npy") and os.path.isfile(path):
        vec = np.load(path).astype(np.float32)
        return Embedded(vec, _items_table([]), [], "vectors")
    if isinstance(class_names, (list, tuple)):
        class_names = ",".join(class_names)
    dp = _lib.lib.emb_dataset_default_params()
    dp.layout = _lib.LAYOUTS.index(layout)
    keep = []   # the bytes the params point at stay alive during the calls
    if class_names:
        keep.append(class_names.encode())
        dp.class_names = keep[-1]
    if labels == "none":
        dp.unlabelled = True
    elif labels:
        keep.append(os.fspath(labels).encode())
        dp.labels_csv = keep[-1]
    dp.box_margin = float(box_margin)
    dp.progress = _lib.progress(verbose)
    ds = ctypes.c_void_p()
    _lib.check(_lib.lib.emb_dataset_open(path.encode(), ctypes.byref(dp), ctypes.byref(ds)), path)
    model_ptr = ctypes.c_void_p()
    try:
        out, sk = _lib.emb_embedding(), _lib.emb_skipped()
        if features == "pixels":
            pp = _lib.lib.emb_pixels_default_params()
            pp.size, pp.color, pp.exif_orientation = int(pixels_size), bool(pixels_color), bool(exif_orientation)
            pp.n_threads = nt
            pp.progress = _lib.progress(verbose)
            st = _lib.lib.emb_pixels_embed(ds, ctypes.byref(pp), ctypes.byref(out), ctypes.byref(sk))
        else:
            cp = _lib.lib.emb_clip_default_params()
            cp.n_threads, cp.batch = nt, int(batch)
            cp.precision = _lib.CLIP_PRECISION[precision]
            cp.fast_decode = bool(fast_decode)
            cp.progress = _lib.progress(verbose)
            _lib.check(_lib.lib.emb_clip_load(os.fspath(model).encode(), ctypes.byref(cp),
                                              ctypes.byref(model_ptr)), "CLIP model")
            st = _lib.lib.emb_clip_embed_dataset(ds, model_ptr, ctypes.byref(cp), ctypes.byref(out),
                                                 ctypes.byref(sk))
        skipped = _take_skipped(sk)
        try:
            _lib.check(st, path)
            # the embedders leave ds as it is: drop its unreadable items so
            # that items.csv's rows match the vectors
            _lib.check(_lib.lib.emb_dataset_apply_embedding(ds, ctypes.byref(out)), path)
            vectors = take_matf(out.vectors)
        finally:
            _lib.lib.emb_embedding_free(ctypes.byref(out))
        items = _read_items(ds)
        layout_name = _dataset_layout(ds)
    finally:
        _lib.lib.emb_clip_free(model_ptr)
        _lib.lib.emb_dataset_free(ds)
    return Embedded(vectors, _items_table(items), skipped, layout_name)


def _dataset_layout(ds):
    """ds->layout through the library's accessor."""
    s = _lib.lib.emb_dataset_layout(ds)
    return s.decode() if s else ""

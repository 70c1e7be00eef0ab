"""embscope: the analysis of image datasets through embeddings (analyze), fast
kNN graphs, PCA, UMAP and t-SNE maps of embeddings, over
the C library libembscope (ctypes; the GIL is released during each call).

    from embscope import TSNE;  projections = TSNE(n_components=3).fit_transform(X)
    from embscope import UMAP;  projections = UMAP(n_components=3).fit_transform(X)
    import embscope
    indices, distances = embscope.kneighbors(X, 15, metric="cosine")
    Y = embscope.PCA(50).fit_transform(X)
    e = embscope.embed("photos/", features="clip", model="clip-vit-base-patch32/model.safetensors")
    e.vectors, e.items, e.skipped
    a = embscope.analyze("photos/", out="results/", map="umap", dims=2)
    a.embeddings, a.neighbors, a.map, a.duplicates, a.outliers, a.summary, a.report_path

Input: NumPy arrays (n_samples, n_features); float32 C-contiguous arrays are
read in place, other real dtypes and layouts are converted. Progress and
timings go to the logging logger "embscope" (INFO with verbose=True, else
DEBUG). Errors of the library raise EmbscopeError (ValueError,
NotImplementedError or MemoryError subclasses by kind) with its message.
"""
from ._lib import (ABI_VERSION, EmbscopeError, InvalidArgumentError, OutOfMemoryError,
                   UnsupportedError, library_path, library_version)
from ._analyze import Analysis, analyze
from ._embed import Embedded, embed
from ._neighbors import PCA, kneighbors
from ._tsne import TSNE
from ._umap import UMAP

__version__ = library_version
__all__ = ["TSNE", "UMAP", "PCA", "kneighbors", "embed", "Embedded", "analyze", "Analysis", "EmbscopeError", "InvalidArgumentError",
           "UnsupportedError", "OutOfMemoryError", "ABI_VERSION", "library_path",
           "library_version"]

"""clip_search.py - the seed's CLIP similarity search, on embscope: CLIP
image vectors for a folder of images (computed in C from the weights you
give), then the most similar images of each query image by cosine.
Notebook style: run it whole, or cell by cell (# %%).

    /usr/bin/python3 python/examples/clip_search.py IMAGE_DIR MODEL.safetensors
        [-q QUERY ...] [-k 5] [--bf16]

MODEL is an OpenCLIP / OpenAI ViT checkpoint as .safetensors (with its
open_clip_config.json beside it; nothing is downloaded). QUERY names images
of IMAGE_DIR by their path relative to it (default: the first 3 items).
Prints, for each query, its k nearest images and their cosine similarity."""
# %%
import argparse
import logging
import os

import embscope


def search(image_dir, model, queries=None, k=5, precision="f32"):
    """[(query path, [(path, cosine), ...])] for each query image."""
    # %% vectors: one row per readable image, unreadable files listed in e.skipped
    e = embscope.embed(image_dir, features="clip", model=model, precision=precision)
    items = e.items
    paths = list(items["path"]) if hasattr(items, "columns") else [r["path"] for r in items]
    paths = [os.path.relpath(p, image_dir) for p in paths]   # items name files as IMAGE_DIR/...
    for path, why in e.skipped:
        logging.warning("skipped %s: %s", path, why)
    # %% neighbours by cosine (exact for small sets, NN-descent for large ones)
    k = min(k, len(paths) - 1)
    idx, dist = embscope.kneighbors(e.vectors, k=k, metric="cosine")
    rows = range(min(3, len(paths))) if not queries else [paths.index(q) for q in queries]
    return [(paths[i], [(paths[j], float(1.0 - d)) for j, d in zip(idx[i], dist[i])]) for i in rows]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("image_dir")
    ap.add_argument("model")
    ap.add_argument("-q", "--query", action="append", help="image path relative to IMAGE_DIR (repeatable)")
    ap.add_argument("-k", type=int, default=5, help="neighbours per query (default 5)")
    ap.add_argument("--bf16", action="store_true", help="bfloat16 weights (faster on AVX512-BF16 CPUs)")
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    for q, hits in search(a.image_dir, a.model, a.query, a.k, "bf16" if a.bf16 else "f32"):
        print(q)
        for p, c in hits:
            print("  %.4f  %s" % (c, p))


if __name__ == "__main__":
    main()

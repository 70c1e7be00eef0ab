#!/usr/bin/python3
"""pil_pixels.py DATA OUT WORKERS SIZE - the PIL side of bench/io: the same
work as `embscope embed --pixels-size SIZE` (list DATA/<class>/*, open,
convert("L"), resize((SIZE, SIZE), Image.BOX), / 255 as float32, save
OUT/embeddings.npy in the same order), with a multiprocessing pool."""
import os
import sys
import time
from multiprocessing import Pool

import numpy as np
from PIL import Image

data, out, workers, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])


def vec(path):
    with Image.open(path) as im:
        g = im.convert("L").resize((size, size), Image.BOX)
    return np.asarray(g, dtype=np.float32).ravel() / 255


if __name__ == "__main__":
    paths = [os.path.join(data, c, f) for c in sorted(os.listdir(data)) if not c.startswith(".")
             for f in sorted(os.listdir(os.path.join(data, c))) if not f.startswith(".")]
    with Pool(workers) as pool:
        v = np.stack(pool.map(vec, paths, chunksize=8))
    os.makedirs(out, exist_ok=True)
    np.save(os.path.join(out, "embeddings.npy"), v)

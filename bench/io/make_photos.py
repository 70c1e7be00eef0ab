#!/usr/bin/python3
"""make_photos.py DIR N W H - N photo-like JPEGs (smooth gradients, a few
soft blobs, sensor-like noise; PIL quality 90, 4:2:0) in DIR/a/ and DIR/b/.
Skips the work when DIR already holds them (a marker file says so)."""
import os
import sys
from multiprocessing import Pool

import numpy as np
from PIL import Image

d, n, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
marker = os.path.join(d, f".made-{n}-{w}x{h}")


def one(i):
    rng = np.random.default_rng(i)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.empty((h, w, 3), np.float32)
    for c in range(3):
        a, b, p = rng.uniform(-1, 1, 3)
        img[:, :, c] = 128 + 90 * np.sin(a * x / w * 3 + b * y / h * 3 + p * 6)
    for _ in range(4):  # soft blobs
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(40, 200)
        img += (rng.uniform(-80, 80, 3) * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r))[:, :, None])
    img += rng.normal(0, 6, (h, w, 3)).astype(np.float32)
    cls = "a" if i % 2 == 0 else "b"
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(os.path.join(d, cls, f"photo{i:05d}.jpg"), quality=90)


if not os.path.exists(marker):
    os.makedirs(os.path.join(d, "a"), exist_ok=True)
    os.makedirs(os.path.join(d, "b"), exist_ok=True)
    with Pool(2) as pool:
        pool.map(one, range(n), chunksize=16)
    open(marker, "w").close()

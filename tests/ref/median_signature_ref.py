#!/usr/bin/python3
"""Reference for embscope's copy signature (src/analysis/dups.c): each
channel of an (h, w, c) image 3x3-median filtered by scipy.ndimage with
mode="nearest" (the edge repeated), minus its mean, divided by its norm
(zeros for a flat image), in float64.

usage: median_signature_ref.py IN.f32 OUT.f32 N H W C
IN: N images, float32, (N, H, W, C) row-major; OUT: the signatures, float32.
Exit 77 when scipy is missing."""
import sys
import numpy as np
try:
    from scipy import ndimage
except ImportError:
    print("scipy missing", file=sys.stderr)
    sys.exit(77)

src, dst, n, h, w, c = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:7])
x = np.fromfile(src, dtype=np.float32).astype(np.float64).reshape(n, h, w, c)
out = np.empty_like(x)
for i in range(n):
    m = ndimage.median_filter(x[i], size=(3, 3, 1), mode="nearest")
    m = m - m.mean()
    nrm = np.sqrt((m * m).sum())
    out[i] = m / nrm if nrm > 0 else 0.0
out.astype(np.float32).tofile(dst)

#!/usr/bin/python3
"""bench/io/formats.py BUILD_DIR [WORKDIR] - decode speed per format, one
thread, embscope (emb_image_decode, bench/io/decode_bench.c) against Pillow
(Image.open(BytesIO(data)).convert("RGB")), on the same in-memory files:
a 1024x768 photo-like image (gradients + noise, as make_photos.py) written
by Pillow as BMP 24-bit, BMP 8-bit palette, TIFF (raw, LZW, deflate),
TIFF RGBA, GIF, PPM, PGM and PNG (reference), plus AVIF and HEIC (avifenc /
heif-enc; Pillow 9.4 cannot read them: embscope only). Heavy: run under
flock /tmp/embscope-bench.lock. Prints a table in ms per image.
"""
import io
import os
import subprocess
import sys
import time

import numpy as np
import PIL
from PIL import Image

build = sys.argv[1]
work = sys.argv[2] if len(sys.argv) > 2 else "/tmp/embscope-bench-formats"
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(0)
W, H = 1024, 768
y, x = np.mgrid[0:H, 0:W]
a = np.stack([x * 255 / W, y * 255 / H, (x + y) * 127 / (W + H)], -1) + rng.normal(0, 12, (H, W, 3))
im = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
rgba = im.convert("RGBA")
rgba.putalpha(Image.fromarray((x * 255 // W).astype(np.uint8)))
files = {
    "bmp24.bmp": (im, {}), "bmp8.bmp": (im.quantize(256), {}), "raw.tif": (im, {}),
    "lzw.tif": (im, {"compression": "tiff_lzw"}), "deflate.tif": (im, {"compression": "tiff_adobe_deflate"}),
    "rgba.tif": (rgba, {}), "pal.gif": (im.quantize(256), {}), "rgb.ppm": (im, {}), "gray.pgm": (im.convert("L"), {}),
    "rgb.png": (im, {}), "rgba.png": (rgba, {}),
}
paths = []
for name, (img, kw) in files.items():
    p = os.path.join(work, name)
    img.save(p, **kw)
    paths.append(p)
im.save(os.path.join(work, "src.png"))
for name, cmd in (("q60.avif", ["avifenc", "-s", "6", "--min", "20", "--max", "30"]), ("q60.heic", ["heif-enc", "-q", "60"])):
    p = os.path.join(work, name)
    args = cmd + [os.path.join(work, "src.png"), p] if name.endswith(".avif") else cmd + [os.path.join(work, "src.png"), "-o", p]
    if subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
        paths.append(p)

out = subprocess.run([os.path.join(build, "bench_io_decode")] + paths, capture_output=True, text=True, check=True).stdout
emb = {line.split()[0]: float(line.split()[3]) for line in out.splitlines()}


def pil_ms(p):
    data = open(p, "rb").read()
    reps, t0 = 0, time.perf_counter()
    while True:
        Image.open(io.BytesIO(data)).convert("RGB")
        reps += 1
        t = time.perf_counter() - t0
        if t >= 0.5:
            return 1e3 * t / reps


print(f"decode to RGB, {W}x{H}, one thread, ms per image (PIL {PIL.__version__})")
print(f"{'file':14s} {'bytes':>9s} {'embscope':>9s} {'PIL':>9s} {'PIL/emb':>8s}")
for p in paths:
    n = os.path.basename(p)
    try:
        pm = pil_ms(p)
    except Exception:
        pm = float("nan")
    print(f"{n:14s} {os.path.getsize(p):9d} {emb[n]:9.2f} {pm:9.2f} {pm / emb[n]:8.2f}")

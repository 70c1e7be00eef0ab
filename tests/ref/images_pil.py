#!/usr/bin/python3
"""images_pil.py OUTDIR - the image reference for tests/test_io_images.c.

Writes small test images with PIL (Debian python3-pil) into OUTDIR, and for
each one NAME.rgb: PIL's Image.open(NAME).convert("RGB").tobytes(), the
reference embscope's decoder must match. Prints one line per image:
"NAME W H MODE" (MODE as PIL opened it), then the versions used.
16-bit RGB is written by hand (PIL cannot write it): raw PNG chunks + zlib.
Run at test time, so nothing generated is kept in the repository.
"""
import os
import struct
import sys
import warnings
import zlib

import numpy as np
import PIL
from PIL import Image, features

warnings.simplefilter("ignore")  # PIL nags about palette tRNS as bytes
out = sys.argv[1]
rng = np.random.default_rng(1234)
W, H = 37, 23  # odd sizes: no row padding or MCU alignment to hide behind


def photo(w, h, c):
    """Smooth gradients + noise: what JPEG is for, and random enough for PNG."""
    y, x = np.mgrid[0:h, 0:w]
    base = [(x * 255 / max(w - 1, 1)), (y * 255 / max(h - 1, 1)), ((x + y) * 127 / max(w + h - 2, 1))]
    a = np.stack([base[i % 3] for i in range(c)], -1) + rng.normal(0, 20, (h, w, c))
    return np.clip(a, 0, 255).astype(np.uint8)


def png_raw(path, arr16, color_type, bit_depth=16):
    """A PNG with 16-bit samples (big-endian), filter 0 on every row."""
    h, w = arr16.shape[:2]
    rows = arr16.astype(">u2").reshape(h, -1).tobytes()
    stride = len(rows) // h
    raw = b"".join(b"\x00" + rows[i * stride:(i + 1) * stride] for i in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


imgs = {}
rgb = photo(W, H, 3)
imgs["rgb.png"] = (Image.fromarray(rgb, "RGB"), {})
imgs["rgba.png"] = (Image.fromarray(photo(W, H, 4), "RGBA"), {})
imgs["gray.png"] = (Image.fromarray(photo(W, H, 1)[:, :, 0], "L"), {})
imgs["gray_alpha.png"] = (Image.fromarray(photo(W, H, 2), "LA"), {})
imgs["gray1.png"] = (Image.fromarray(photo(W, H, 1)[:, :, 0], "L").convert("1"), {})
pal = Image.fromarray(rgb, "RGB").quantize(200)
imgs["palette.png"] = (pal, {})
imgs["palette4.png"] = (Image.fromarray(rgb, "RGB").quantize(16), {"bits": 4})
imgs["palette_trns.png"] = (pal, {"transparency": 5})
pal_alpha = pal.copy()
pal_alpha.info["transparency"] = bytes(range(0, 200))  # a tRNS entry per colour
imgs["palette_trns_all.png"] = (pal_alpha, {"transparency": bytes(range(0, 200))})
imgs["rgb_trns.png"] = (Image.fromarray(rgb, "RGB"), {"transparency": tuple(int(v) for v in rgb[0, 0])})
imgs["rgb.jpg"] = (Image.fromarray(rgb, "RGB"), {"quality": 90})
imgs["rgb444.jpg"] = (Image.fromarray(rgb, "RGB"), {"quality": 95, "subsampling": 0})
imgs["rgb422.jpg"] = (Image.fromarray(rgb, "RGB"), {"quality": 75, "subsampling": 1})
imgs["progressive.jpg"] = (Image.fromarray(rgb, "RGB"), {"quality": 85, "progressive": True})
imgs["gray.jpg"] = (Image.fromarray(photo(W, H, 1)[:, :, 0], "L"), {"quality": 90})
imgs["cmyk.jpg"] = (Image.fromarray(photo(W, H, 4), "CMYK"), {"quality": 95})
imgs["lossless.webp"] = (Image.fromarray(rgb, "RGB"), {"lossless": True})
imgs["lossless_rgba.webp"] = (Image.fromarray(photo(W, H, 4), "RGBA"), {"lossless": True})
imgs["lossy.webp"] = (Image.fromarray(rgb, "RGB"), {"quality": 80})
for name, (im, kw) in imgs.items():
    im.save(os.path.join(out, name), **kw)

rgb16 = (rng.integers(0, 65536, (H, W, 3))).astype(np.uint16)
png_raw(os.path.join(out, "rgb16.png"), rgb16, 2)
rgba16 = (rng.integers(0, 65536, (H, W, 4))).astype(np.uint16)
png_raw(os.path.join(out, "rgba16.png"), rgba16, 6)
gray16 = (rng.integers(0, 65536, (H, W))).astype(np.uint16)
png_raw(os.path.join(out, "gray16.png"), gray16, 0)
# gray16: Pillow opens it as I;16 and clips to 255 in convert("RGB"); embscope
# keeps the high byte (documented in decode.c), so the reference is v >> 8.
np.repeat((gray16 >> 8).astype(np.uint8)[:, :, None], 3, 2).tofile(os.path.join(out, "gray16.png.rgb"))

for name in sorted(imgs) + ["rgb16.png", "rgba16.png", "gray16.png"]:
    im = Image.open(os.path.join(out, name))
    if name != "gray16.png":
        im.convert("RGB").tobytes() and open(os.path.join(out, name + ".rgb"), "wb").write(im.convert("RGB").tobytes())
    print(name, im.size[0], im.size[1], im.mode)
print("versions: numpy", np.__version__, "PIL", PIL.__version__, "libjpeg", features.version("jpg"),
      "webp", features.version("webp"), "zlib", features.version("zlib"))

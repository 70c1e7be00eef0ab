#!/usr/bin/python3
"""folder_ref.py - image-folder datasets and their pixel-vector reference,
for tests/test_cli_embed.c. Uses Debian's python3-pil and python3-numpy.

  folder_ref.py make DIR
      Writes DIR/flat/<class>/* and DIR/split/<split>/<class>/* (JPEG, PNG
      RGB/RGBA/gray/palette/16-bit-free, WebP lossless and lossy) with a few
      corrupt files (truncated JPEG, text named .png, zero bytes), plus
      DIR/empty/ and DIR/allbad/<class>/. Prints, per layout, the readable
      files in the order embscope must list them ("item LAYOUT SPLIT CLASS
      PATH") and the corrupt ones ("bad LAYOUT PATH").
  folder_ref.py ref ITEMS_CSV SIZE COLOR OUT_NPY
      For each path of items.csv (Python's csv module), PIL's
      open(), composited over white when it has alpha or a transparent
      colour (Image.new("RGB", size, "white").paste(im.convert("RGB"),
      mask=im.convert("RGBA").getchannel("A")), as embscope's
      --alpha-background default), .convert("L" or "RGB"), then an exact area resize to SIZE x SIZE
      (np.kron upsample by out/gcd, mean of in/gcd blocks, float64) / 255,
      saved as float32 (N, SIZE*SIZE*C).
"""
import csv
import io
import math
import os
import sys
import warnings

import numpy as np
from PIL import Image

warnings.simplefilter("ignore")


def photo(rng, w, h, c):
    y, x = np.mgrid[0:h, 0:w]
    base = [x * 255 / (w - 1), y * 255 / (h - 1), (x + y) * 127 / (w + h - 2)]
    a = np.stack([base[i % 3] for i in range(c)], -1) + rng.normal(0, 25, (h, w, c))
    return np.clip(a, 0, 255).astype(np.uint8)


def write_class(rng, d, cls_seed, bad):
    """A class folder of 5 readable images of mixed formats and sizes, plus the bad ones."""
    os.makedirs(d, exist_ok=True)
    sizes = [(64, 48), (33, 70), (100, 100), (31, 29), (120, 45)]
    files = []
    for k, (w, h) in enumerate(sizes):
        kind = (k + cls_seed) % 5
        if kind == 0:
            name, im, kw = f"img{k}.jpg", Image.fromarray(photo(rng, w, h, 3), "RGB"), {"quality": 90}
        elif kind == 1:
            name, im, kw = f"img{k}.png", Image.fromarray(photo(rng, w, h, 4), "RGBA"), {}
        elif kind == 2:
            name, im, kw = f"img{k}.webp", Image.fromarray(photo(rng, w, h, 3), "RGB"), {"lossless": True}
        elif kind == 3:
            name, im, kw = f"img{k}.png", Image.fromarray(photo(rng, w, h, 1)[:, :, 0], "L"), {}
        else:
            name, im, kw = f"IMG{k}.JPEG", Image.fromarray(photo(rng, w, h, 1)[:, :, 0], "L"), {"quality": 80}
        im.save(os.path.join(d, name), **kw)
        files.append(name)
    bad_names = []
    if "trunc" in bad:
        buf = open(os.path.join(d, files[0]), "rb").read() if files[0].lower().endswith((".jpg", ".jpeg")) else None
        if buf is None:
            o = io.BytesIO()
            Image.fromarray(photo(rng, 64, 64, 3), "RGB").save(o, "JPEG", quality=90)
            buf = o.getvalue()
        open(os.path.join(d, "truncated.jpg"), "wb").write(buf[: len(buf) // 2])
        bad_names.append("truncated.jpg")
    if "text" in bad:
        open(os.path.join(d, "notes.png"), "w").write("this is a text file, not a PNG\n")
        bad_names.append("notes.png")
    if "zero" in bad:
        open(os.path.join(d, "zero.webp"), "wb").close()
        bad_names.append("zero.webp")
    # hidden files are not items; an image in a sub-folder is one of the
    # class (the recursive layout: the label is the first folder)
    open(os.path.join(d, ".DS_Store"), "w").write("junk")
    os.makedirs(os.path.join(d, "subdir"), exist_ok=True)
    Image.fromarray(photo(rng, 8, 8, 3), "RGB").save(os.path.join(d, "subdir", "deep.png"))
    return sorted(files + bad_names + ["subdir/deep.png"]), set(bad_names)


def make(root):
    rng = np.random.default_rng(2024)
    layouts = {
        "flat": [("", "dog", {"trunc"}), ("", "cat", {"text"}), ("", "bird", {"zero"})],
        "split": [("test", "cat", {"zero"}), ("train", "dog", {"trunc", "text"}), ("train", "cat", set()),
                  ("valid", "bird", set()), ("test", "ant", set())],
    }
    for lay, entries in layouts.items():
        listing = {}
        for i, (split, cls, bad) in enumerate(entries):
            d = os.path.join(root, lay, split, cls) if split else os.path.join(root, lay, cls)
            listing[(split, cls)] = (d, *write_class(rng, d, i, bad))
        order = {"": 0, "train": 1, "valid": 2, "test": 3}
        for key in sorted(listing, key=lambda k: (order[k[0]], k[1])):
            d, names, bad = listing[key]
            for n in names:
                p = os.path.join(d, n)
                print(("bad" if n in bad else "item"), lay, key[0] or "-", key[1], p)
    os.makedirs(os.path.join(root, "empty", "cls"), exist_ok=True)
    d = os.path.join(root, "allbad", "cls")
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "a.png"), "w").write("text\n")
    open(os.path.join(d, "b.jpg"), "wb").close()


def area_resize(a, oh, ow):
    h, w, c = a.shape
    gy, gx = math.gcd(h, oh), math.gcd(w, ow)
    up = np.stack([np.kron(a[:, :, k].astype(np.float64), np.ones((oh // gy, ow // gx))) for k in range(c)], -1)
    return up.reshape(oh, h // gy, ow, w // gx, c).mean(axis=(1, 3))


def ref(items_csv, size, color, out):
    rows = list(csv.reader(open(items_csv, newline="", encoding="utf-8")))[1:]
    vecs = []
    for r in rows:
        im = Image.open(r[1])
        if im.mode in ("RGBA", "LA", "PA", "RGBa") or "transparency" in im.info:
            flat = Image.new("RGB", im.size, (255, 255, 255))
            flat.paste(im.convert("RGB"), mask=im.convert("RGBA").getchannel("A"))
            im = flat
        im = im.convert("RGB" if color else "L")
        a = np.asarray(im)
        if a.ndim == 2:
            a = a[:, :, None]
        vecs.append((area_resize(a, size, size) / 255).astype(np.float32).ravel())
    np.save(out, np.stack(vecs))
    print("rows", len(vecs))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        ref(sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1", sys.argv[5])

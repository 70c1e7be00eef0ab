#!/bin/sh
# make_corpus.sh - write the small seed corpora fuzz/corpus/{idx,npy,image,
# bmp,tiff,gif,pnm,heif}/
# with Debian's python3 (numpy, PIL), avifenc and heif-enc (libavif-bin,
# libheif-examples). The seeds are committed; rerun this
# only to change them. Each file is a few hundred bytes at most.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/corpus/idx" "$here/corpus/npy" "$here/corpus/image"
/usr/bin/python3 - "$here/corpus" <<'PY'
import gzip, io, struct, sys
import numpy as np
from PIL import Image
out = sys.argv[1]
rng = np.random.default_rng(0)

def idx(a):
    return struct.pack(">BBBB", 0, 0, 8, a.ndim) + b"".join(struct.pack(">I", d) for d in a.shape) + a.astype(np.uint8).tobytes()

w = lambda p, b: open(f"{out}/{p}", "wb").write(b)
w("idx/images3", idx(rng.integers(0, 256, (3, 4, 5))))
w("idx/labels", idx(np.arange(7) % 3))
w("idx/images_gz_raw", gzip.compress(idx(rng.integers(0, 256, (2, 3, 3)))))
w("idx/empty_dims", idx(np.zeros((0, 28, 28))))

for name, a, ver in [("f32_2d", np.arange(6, dtype=np.float32).reshape(2, 3), (1, 0)),
                     ("f16_1d", np.arange(5, dtype=np.float16), (1, 0)),
                     ("u8_3d", np.arange(24, dtype=np.uint8).reshape(2, 3, 4), (1, 0)),
                     ("i32_v2", np.arange(4, dtype=np.int32).reshape(2, 2), (2, 0)),
                     ("f32_v3", np.arange(3, dtype=np.float32), (3, 0)),
                     ("scalar", np.array(1.5, dtype=np.float32), (1, 0))]:
    b = io.BytesIO()
    np.lib.format.write_array(b, a, version=ver)
    w(f"npy/{name}", b.getvalue())

img = rng.integers(0, 256, (6, 7, 3)).astype(np.uint8)
for name, im, fmt, kw in [("rgb.png", Image.fromarray(img), "PNG", {}),
                          ("rgba.png", Image.fromarray(img).convert("RGBA"), "PNG", {}),
                          ("gray1.png", Image.fromarray(img).convert("1"), "PNG", {}),
                          ("la.png", Image.fromarray(img).convert("LA"), "PNG", {}),
                          ("pal_trns.png", Image.fromarray(img).quantize(8), "PNG", {"transparency": 2, "bits": 4}),
                          ("rgb.jpg", Image.fromarray(img), "JPEG", {"quality": 50}),
                          ("prog.jpg", Image.fromarray(img), "JPEG", {"quality": 50, "progressive": True}),
                          ("gray.jpg", Image.fromarray(img).convert("L"), "JPEG", {"quality": 50}),
                          ("cmyk.jpg", Image.fromarray(img).convert("CMYK"), "JPEG", {"quality": 50}),
                          ("lossless.webp", Image.fromarray(img), "WEBP", {"lossless": True}),
                          ("lossy.webp", Image.fromarray(img).convert("RGBA"), "WEBP", {"quality": 50})]:
    b = io.BytesIO()
    im.save(b, fmt, **kw)
    w(f"image/{name}", b.getvalue())
PY
# BMP, TIFF, GIF, PNM seeds (one decoder each: fuzz_bmp.c, ...): Pillow's
# files plus hand-made variants Pillow cannot write (RLE, bit fields, alpha,
# 16-bit TIFF, top-down BMP, plain PNM).
mkdir -p "$here/corpus/bmp" "$here/corpus/tiff" "$here/corpus/gif" "$here/corpus/pnm"
/usr/bin/python3 - "$here/corpus" <<'PY'
import io, struct, sys
import numpy as np
from PIL import Image
out = sys.argv[1]
rng = np.random.default_rng(1)
img = rng.integers(0, 256, (6, 7, 3)).astype(np.uint8)
w = lambda p, b: open(f"{out}/{p}", "wb").write(b)
def pil(im, fmt, **kw):
    b = io.BytesIO(); im.save(b, fmt, **kw); return b.getvalue()
def bmp(w_, h_, bits, data, hsize=40, comp=0, masks=(), pal=b"", colors=0):
    head = struct.pack("<IiiHHIIiiII", hsize, w_, h_, 1, bits, comp, len(data), 0, 0, colors, 0)
    head += b"".join(struct.pack("<I", m) for m in masks)
    head = head.ljust(hsize, b"\0")
    off = 14 + len(head) + len(pal)
    return b"BM" + struct.pack("<IHHI", off + len(data), 0, 0, off) + head + pal + data
im = Image.fromarray(img)
w("bmp/rgb24.bmp", pil(im, "BMP"))
w("bmp/pal8.bmp", pil(im.quantize(8), "BMP"))
w("bmp/bw1.bmp", pil(im.convert("1"), "BMP"))
pal4 = bytes(rng.integers(0, 256, 16 * 4).astype(np.uint8))
w("bmp/rle4.bmp", bmp(7, 6, 4, b"\x07\x12\x00\x00" * 4 + b"\x00\x05\x12\x34\x50\x00\x02\x77\x00\x00" + b"\x07\x35\x00\x00\x00\x01", comp=2, pal=pal4))
w("bmp/rle8.bmp", bmp(7, 6, 8, b"\x07\x01\x00\x00" * 4 + b"\x00\x03\x05\x06\x07\x00\x04\x02\x00\x00" + b"\x07\x09\x00\x00\x00\x01", comp=1, pal=pal4 * 16))
bgra = rng.integers(0, 256, (6, 7, 4)).astype(np.uint8).tobytes()
w("bmp/bgra32_v5.bmp", bmp(7, -6, 32, bgra, hsize=124, comp=3, masks=(0xFF0000, 0xFF00, 0xFF, 0xFF000000)))
w("bmp/rgb565.bmp", bmp(7, 6, 16, bytes(16 * 6), comp=3, masks=(0xF800, 0x7E0, 0x1F, 0), hsize=56))
w("tiff/rgb.tif", pil(im, "TIFF"))
w("tiff/lzw.tif", pil(im, "TIFF", compression="tiff_lzw"))
w("tiff/pal.tif", pil(im.quantize(8), "TIFF", compression="packbits"))
w("tiff/rgba.tif", pil(im.convert("RGBA"), "TIFF", compression="tiff_adobe_deflate"))
w("tiff/cmyk.tif", pil(im.convert("CMYK"), "TIFF"))
w("tiff/g4.tif", pil(im.convert("1"), "TIFF", compression="group4"))
w("tiff/gray16.tif", pil(Image.fromarray(rng.integers(0, 65536, (6, 7)).astype(np.uint16)), "TIFF"))
w("gif/pal.gif", pil(im.quantize(8), "GIF"))
w("gif/trns.gif", pil(im.quantize(8), "GIF", transparency=2))
b = io.BytesIO(); im.quantize(4).save(b, "GIF", save_all=True, append_images=[Image.fromarray(img[::-1]).quantize(4)]); w("gif/anim.gif", b.getvalue())
w("pnm/rgb.ppm", pil(im, "PPM"))
w("pnm/gray.pgm", pil(im.convert("L"), "PPM"))
w("pnm/bw.pbm", pil(im.convert("1"), "PPM"))
w("pnm/plain.ppm", b"P3\n# c\n2 1\n1000\n0 500 1000 7 8 9\n")
w("pnm/plain.pbm", b"P1 3 2 010 1 1 0\n")
w("pnm/gray16.pgm", b"P5 2 2 4095\n" + bytes(range(8)))
PY
# AVIF and HEIC seeds from a small PNG, with Debian's libavif-bin and
# libheif-examples (Pillow 9.4 cannot write either format).
mkdir -p "$here/corpus/heif"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 -c "
import numpy as np; from PIL import Image
a = np.random.default_rng(2).integers(0, 256, (16, 16, 4)).astype(np.uint8); a[:8, :, 3] = 255
Image.fromarray(a).save('$tmp/a.png'); Image.fromarray(a[:, :, :3]).save('$tmp/rgb.png')"
avifenc -s 10 --min 20 --max 40 "$tmp/rgb.png" "$here/corpus/heif/rgb.avif" >/dev/null
avifenc -s 10 --min 20 --max 40 "$tmp/a.png" "$here/corpus/heif/rgba.avif" >/dev/null
heif-enc -q 30 "$tmp/rgb.png" -o "$here/corpus/heif/rgb.heic" >/dev/null
# fuzz_heif's find: a 16x16 'ispe' over a 34438x34320 grid (decode_heif.c's
# side limit refuses it); a seed so that mutations explore grid headers
# (named reject-*: test_io_fuzz_corpus checks that it fails cleanly)
cp "$here/../tests/data/corrupt/heif-grid-34438x34320.heic" "$here/corpus/heif/reject-grid-34438x34320.heic"
# CLIP tokenizer: the test's small vocabulary in its three layouts, a
# leading byte choosing the layout (fuzz_clip_tokenizer.c)
mkdir -p "$here/corpus/clip_tokenizer"
/usr/bin/python3 "$here/../tests/ref/clip_tokenizer_ref.py" "$tmp/tok" 2>/dev/null
/usr/bin/python3 - "$tmp/tok" "$here/corpus/clip_tokenizer" <<'PY'
import gzip, sys
d, o = sys.argv[1], sys.argv[2]
open(o + "/hf.json", "wb").write(b"\x00" + open(d + "/tokenizer.json", "rb").read())
open(o + "/vm.txt", "wb").write(b"\x01" + open(d + "/vocab.json", "rb").read() + b"\x00" + open(d + "/merges.txt", "rb").read())
open(o + "/oa.txt", "wb").write(b"\x02" + gzip.open(d + "/bpe.txt.gz").read())
PY
ls -l "$here"/corpus/* | awk '{s += $5} END {print "corpus bytes:", s}'

# safetensors: 8-byte little-endian header length, JSON header, data.
mkdir -p "$here/corpus/safetensors"
/usr/bin/python3 - "$here/corpus/safetensors" <<'PY'
import json, struct, sys
out = sys.argv[1]
def st(tensors, meta=None):
    hdr, data = {}, b""
    for name, (dt, shape, raw) in tensors.items():
        hdr[name] = {"dtype": dt, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if meta: hdr["__metadata__"] = meta
    h = json.dumps(hdr).encode()
    return struct.pack("<Q", len(h)) + h + data
f32 = lambda v: struct.pack(f"<{len(v)}f", *v)
open(f"{out}/f32", "wb").write(st({"visual.proj": ("F32", [2, 3], f32([1, 2, 3, 4, 5, 6]))}, {"format": "pt"}))
open(f"{out}/f16_bf16", "wb").write(st({"a": ("F16", [2], b"\x00\x3c\x00\xc0"), "b": ("BF16", [1, 2], b"\x80\x3f\x00\x40")}))
open(f"{out}/empty", "wb").write(st({}))
open(f"{out}/scalar_i64", "wb").write(st({"n": ("I64", [], struct.pack("<q", 7))}))
PY

# detection exports: COCO JSON, YOLO (data.yaml, NUL, a label file), Pascal
# VOC XML; each valid (no annotation problem) for 64 x 48 images.
mkdir -p "$here/corpus/coco" "$here/corpus/yolo" "$here/corpus/voc"
/usr/bin/python3 - "$here/corpus" <<'PY'
import json, sys
out = sys.argv[1]
w = lambda p, s: open(f"{out}/{p}", "wb").write(s if isinstance(s, bytes) else s.encode())
cats = [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]
imgs = [{"id": 1, "file_name": "a.jpg", "width": 64, "height": 48}, {"id": 7, "file_name": "b.png", "width": 32, "height": 32}]
w("coco/two_images", json.dumps({"images": imgs, "categories": cats, "annotations": [
    {"id": 1, "image_id": 1, "category_id": 1, "bbox": [5, 6, 20, 15]},
    {"id": 2, "image_id": 7, "category_id": 2, "bbox": [1.5, 2, 10, 12.25]},
    {"id": 3, "image_id": 1, "category_id": 2, "bbox": [30, 10, 25, 30]}]}))
w("coco/no_annotations", json.dumps({"images": imgs[:1], "categories": cats, "annotations": []}))
w("coco/roboflow", json.dumps({"info": {"year": "2024"}, "licenses": [],
    "categories": [{"id": 0, "name": "things", "supercategory": "none"}, {"id": 1, "name": "cat", "supercategory": "things"}],
    "images": [{"id": 0, "license": 1, "file_name": "x_jpg.rf.1.jpg", "height": 48, "width": 64}],
    "annotations": [{"id": 0, "image_id": 0, "category_id": 1, "bbox": [0, 0, 64, 48], "area": 3072, "segmentation": [], "iscrowd": 0}]}, indent=1))
def rle_string(cnts):   # pycocotools' rleToString (maskApi.c)
    s = ""
    for i, x in enumerate(cnts):
        if i > 2: x -= cnts[i - 2]
        more = True
        while more:
            c = x & 0x1f; x >>= 5
            more = x != -1 if c & 0x10 else x != 0
            s += chr((c | 0x20 if more else c) + 48)
    return s
mask_runs = [48 * 5 + 6, 10, 38, 10, 48 * 64 - 48 * 5 - 6 - 58]   # columns 5-6, rows 6-15, of 64 x 48
mask2_runs = [48 * 40 + 2, 8, 40, 8, 40, 8, 48 * 64 - 48 * 40 - 2 - 104]   # columns 40-42, rows 2-9
w("coco/segmentation", json.dumps({"images": imgs, "categories": cats, "annotations": [
    {"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[5, 6, 25, 6, 25, 21, 5, 21], [30, 30, 40, 30, 35, 40]]},
    {"id": 2, "image_id": 1, "category_id": 2, "iscrowd": 1, "segmentation": {"size": [48, 64], "counts": mask_runs}},
    {"id": 3, "image_id": 1, "category_id": 1, "iscrowd": 1, "segmentation": {"size": [48, 64], "counts": rle_string(mask2_runs)}},
    {"id": 4, "image_id": 7, "category_id": 2, "bbox": [1, 1, 8, 8], "segmentation": [[1, 1, 9, 1, 9, 9]]}]}))
w("yolo/list", "names: ['cat', 'dog']\nnc: 2\n\0" + "0 0.5 0.5 0.25 0.5\n1 0.2 0.3 0.125 0.25\n")
w("yolo/block_map", "path: ../data\nnames:\n  0: cat\n  1: dog\n  2: bird\n\0" + "2 0.5 0.5 0.5 0.5\n\n0 0.1 0.1 0.2 0.2\n")
w("yolo/splits", "path: ../datasets/d\ntrain: ../train/images\nval: [valid/images, lists/val.txt]\ntest:\n"
    "names: {0: cat, 1: dog}\n\0" + "1 0.5 0.5 0.25 0.25\n")
w("yolo/polygon", "names:\n  - cat\n  - dog\n\0" + "1 0.125 0.125 0.375 0.125 0.375 0.5 0.125 0.5\n")
voc = lambda objs: ("<annotation><folder>train</folder><filename>a.jpg</filename><size><width>64</width><height>48</height>"
                    "<depth>3</depth></size>" + "".join(f"<object><name>{n}</name><difficult>0</difficult><bndbox><xmin>{b[0]}</xmin>"
                    f"<ymin>{b[1]}</ymin><xmax>{b[2]}</xmax><ymax>{b[3]}</ymax></bndbox></object>" for n, b in objs) + "</annotation>\n")
w("voc/one", voc([("cat", (4, 5, 30, 25))]))
w("voc/two", '<?xml version="1.0"?>\n' + voc([("cat", (4, 5, 30, 25)), ("dog", (20.5, 10, 60, 40))]))
w("voc/none", voc([]))
PY

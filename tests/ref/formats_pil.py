#!/usr/bin/python3
"""formats_pil.py OUTDIR - the reference for tests/test_io_formats.c.

Writes small BMP, TIFF, GIF and PNM files into OUTDIR (with Pillow where it
can write the variant, by hand - struct + zlib - where it cannot: BMP RLE,
bit fields, alpha, top-down, OS/2 headers; TIFF 16-bit, tiled, planar,
CMYK 16, associated alpha; GIF frame offsets; plain PNM, odd maxvals) and
for each file NAME:
  NAME.rgb   Image.open(NAME).convert("RGB").tobytes()   (what we must match)
  NAME.a     convert("RGBA").getchannel("A"), when Pillow sees transparency
  NAME.comp  Image.new("RGB", size, BG).paste(rgb, mask=alpha), BG = #3366cc
Prints "NAME W H MODE ALPHA" per file (ALPHA 1 when NAME.a was written),
and "orient NAME W H W0 H0" for JPEGs with EXIF orientation 1..8 (NAME.rgb
as stored, W0 x H0; NAME.orient: ImageOps.exif_transpose's pixels, W x H),
then the versions used. Run at test time: nothing generated is committed.
Known differences (documented in src/io/decode_*.c) are written as such:
16-bit gray keeps its high byte (Pillow clips to 255).
"""
import io
import os
import struct
import sys
import warnings
import zlib

import numpy as np
import PIL
from PIL import Image, features

warnings.simplefilter("ignore")
out = sys.argv[1]
rng = np.random.default_rng(77)
W, H = 29, 17  # odd: row padding everywhere
BG = (0x33, 0x66, 0xCC)
files = {}     # name -> bytes
override = {}  # name -> reference RGB bytes where we differ on purpose


def photo(c, w=W, h=H, dtype=np.uint8, top=255):
    y, x = np.mgrid[0:h, 0:w]
    base = [x * top / (w - 1), y * top / (h - 1), (x + y) * top / (w + h - 2), (w - x) * top / (w - 1)]
    a = np.stack([base[i % 4] for i in range(c)], -1) + rng.normal(0, top / 12, (h, w, c))
    return np.clip(a, 0, top).astype(dtype)


def pil_bytes(im, fmt, **kw):
    b = io.BytesIO()
    im.save(b, fmt, **kw)
    return b.getvalue()


# ------------------------------------------------------------------ BMP
def bmp(pixels, bits, hsize=40, compression=0, masks=None, top_down=False, palette=None, colors=0, data=None):
    """pixels: (h, w) indices or (h, w, c) bytes in file order (B, G, R[, X])."""
    h, w = pixels.shape[:2]
    if data is None:
        stride = ((w * bits + 31) // 32) * 4
        rows = []
        for r in range(h):
            row = pixels[r]
            if bits <= 8:
                per = 8 // bits
                v = np.zeros(stride, np.uint8)
                for x in range(w):
                    v[x // per] |= int(row[x]) << (bits * (per - 1 - x % per))
                rows.append(v.tobytes())
            elif bits == 16:
                rows.append(row.astype("<u2").tobytes().ljust(stride, b"\0"))
            elif bits == 32 and row.ndim == 1:
                rows.append(row.astype("<u4").tobytes().ljust(stride, b"\0"))
            else:
                rows.append(row.astype(np.uint8).tobytes().ljust(stride, b"\0"))
        if not top_down:
            rows = rows[::-1]
        data = b"".join(rows)
    pal = b""
    if palette is not None:
        ent = 3 if hsize == 12 else 4
        pal = b"".join(bytes([b_, g, r_]) + (b"\0" if ent == 4 else b"") for r_, g, b_ in palette)
    extra = b""
    if hsize == 12:
        head = struct.pack("<IHHHH", 12, w, h, 1, bits)
    else:
        head = struct.pack("<IiiHHIIiiII", hsize, w, -h if top_down else h, 1, bits, compression, len(data), 2835, 2835, colors, 0)
        m = list(masks or (0, 0, 0, 0)) + [0] * 4
        if hsize >= 52:
            tail = struct.pack("<4I", *m[:4])
            head += tail[: hsize - 40] if hsize < 56 else tail
            head = head.ljust(hsize, b"\0")
        elif masks is not None:
            extra = struct.pack("<3I", *m[:3])
    off = 14 + len(head) + len(extra) + len(pal)
    return b"BM" + struct.pack("<IHHI", off + len(data), 0, 0, off) + head + extra + pal + data


pal16 = [tuple(int(v) for v in rng.integers(0, 256, 3)) for _ in range(16)]
pal256 = [tuple(int(v) for v in rng.integers(0, 256, 3)) for _ in range(256)]
idx16 = rng.integers(0, 16, (H, W))
idx256 = rng.integers(0, 256, (H, W))
rgb = photo(3)
files["rgb24.bmp"] = pil_bytes(Image.fromarray(rgb), "BMP")
files["pal8.bmp"] = pil_bytes(Image.fromarray(rgb).quantize(200), "BMP")
files["gray8.bmp"] = pil_bytes(Image.fromarray(photo(1)[:, :, 0]), "BMP")
files["bw1.bmp"] = pil_bytes(Image.fromarray(photo(1)[:, :, 0]).convert("1"), "BMP")
files["pal1.bmp"] = bmp(rng.integers(0, 2, (H, W)), 1, palette=[(200, 10, 30), (5, 90, 250)])
files["pal4.bmp"] = bmp(idx16, 4, palette=pal16)
files["pal4_short.bmp"] = bmp(idx16, 4, palette=pal16[:9], colors=9)      # indices past the palette: gray ramp
files["pal8_topdown.bmp"] = bmp(idx256, 8, palette=pal256, top_down=True)
files["core12_pal8.bmp"] = bmp(idx256, 8, hsize=12, palette=pal256)       # OS/2 1.x header
files["core12_24.bmp"] = bmp(rgb[:, :, ::-1], 24, hsize=12)
files["bgr24_v5.bmp"] = bmp(rgb[:, :, ::-1], 24, hsize=124)
files["bgr24_topdown.bmp"] = bmp(rgb[:, :, ::-1], 24, top_down=True)
p555 = rng.integers(0, 1 << 15, (H, W))
files["rgb555.bmp"] = bmp(p555, 16)
files["rgb565_bf.bmp"] = bmp(rng.integers(0, 1 << 16, (H, W)), 16, compression=3, masks=(0xF800, 0x7E0, 0x1F))
files["rgb555_v4.bmp"] = bmp(p555, 16, hsize=108, compression=3, masks=(0x7C00, 0x3E0, 0x1F, 0))
bgrx = np.concatenate([rgb[:, :, ::-1], rng.integers(0, 256, (H, W, 1), dtype=np.uint8)], 2)
files["bgrx32.bmp"] = bmp(bgrx, 32)                                        # BI_RGB: 4th byte ignored
files["bgrx32_v5.bmp"] = bmp(bgrx, 32, hsize=124)
files["xbgr32_bf.bmp"] = bmp(bgrx, 32, compression=3, masks=(0xFF000000, 0xFF0000, 0xFF00))
rgba = photo(4)
rgba[2:9, 3:12, 3] = 0        # a transparent hole
bgra = rgba[:, :, [2, 1, 0, 3]]
files["bgra32_v5.bmp"] = bmp(bgra, 32, hsize=124, compression=3, masks=(0xFF0000, 0xFF00, 0xFF, 0xFF000000))
files["rgba32_v4.bmp"] = bmp(rgba, 32, hsize=108, compression=3, masks=(0xFF, 0xFF00, 0xFF0000, 0xFF000000))
files["bgra32_v4_zero.bmp"] = bmp(bgra, 32, hsize=108, compression=3, masks=(0, 0, 0, 0))  # Pillow: BGRA


def rle8_rows(delta):
    """Per row: runs, absolute runs (odd length: a pad byte), end of line, a
    run past the row's end (clipped); with delta, row 3 is a delta (5 right,
    1 up), else the same pixels as explicit runs of index 0."""
    rows = []
    for r in range(H):
        if r == 3:
            rows.append(b"\x00\x02\x05\x01" if delta else bytes([W, 0, 0, 0, 5, 0]))
            continue
        if r % 4 == 1:
            n = 7
            d = b"\x00" + bytes([n]) + bytes(int(v) for v in idx256[r, :n]) + b"\x00"  # absolute, padded
            d += bytes([W - n + 4, int(idx256[r, n])])  # run clipped at the row's end
        else:
            d = bytes([10, int(idx256[r, 0])]) + bytes([W - 10, int(idx256[r, 1])])
        rows.append(d + b"\x00\x00")                   # end of line
    return rows


def rle4(odd=True):
    """Runs of two alternating values; odd: absolute runs of 9 pixels (5 bytes
    + a pad byte), else the same pixels as 8 absolute + a run of 1."""
    d = b""
    for r in range(H):
        if r % 3 == 1:
            n = 9
            v = [int(x) for x in rng.integers(0, 256, n // 2 + 1)]
            if odd:
                d += b"\x00" + bytes([n]) + bytes(v) + b"\x00"
            else:
                d += b"\x00" + bytes([n - 1]) + bytes(v[:4]) + bytes([1, v[4]])
            d += bytes([W - n, 0x5A])
        else:
            d += bytes([W, int(idx16[r, 0]) << 4 | int(idx16[r, 1])])
        d += b"\x00\x00"
    return d + b"\x00\x01"


def rle8_file(rows):
    return bmp(idx256, 8, compression=1, palette=pal256, data=b"".join(rows) + b"\x00\x01")


def pil_rgb(raw):
    return Image.open(io.BytesIO(raw)).convert("RGB").tobytes()


files["rle8.bmp"] = rle8_file(rle8_rows(False))
# Pillow 9.4 reads two bytes too many after a delta (its BmpRleDecoder reads
# the pair twice); we follow the format, so this file is compared with
# Pillow's pixels of the same image written without the delta.
files["rle8_delta.bmp"] = rle8_file(rle8_rows(True))
override["rle8_delta.bmp"] = pil_rgb(rle8_file(rle8_rows(False)))
state = rng.bit_generator.state
files["rle4.bmp"] = bmp(idx16, 4, compression=2, palette=pal16, data=rle4(True))
rng.bit_generator.state = state   # the same pixels, for Pillow: it misreads odd absolute runs
override["rle4.bmp"] = pil_rgb(bmp(idx16, 4, compression=2, palette=pal16, data=rle4(False)))


# ------------------------------------------------------------------ TIFF
def tiff(arr, photometric, bps, extra=None, tiled=None, planar=1, colormap=None, big_endian=False):
    """Uncompressed TIFF by hand. arr: (h, w[, c]) of uint8 / uint16 sample values."""
    e = ">" if big_endian else "<"
    a = arr if arr.ndim == 3 else arr[:, :, None]
    h, w, spp = a.shape
    dt = np.dtype(e + ("u2" if bps == 16 else "u1"))

    def pack_rows(block):  # block (rows, cols, spp) -> bytes, bits < 8 packed per row
        if bps >= 8:
            return block.astype(dt).tobytes()
        per = 8 // bps
        out_ = b""
        for row in block[:, :, 0]:
            v = np.zeros((len(row) + per - 1) // per, np.uint8)
            for x, s in enumerate(row):
                v[x // per] |= int(s) << (bps * (per - 1 - x % per))
            out_ += v.tobytes()
        return out_

    chunks = []
    if tiled:
        tw, th = tiled
        for y0 in range(0, h, th):
            for x0 in range(0, w, tw):
                t_ = np.zeros((th, tw, spp), a.dtype)
                blk = a[y0:y0 + th, x0:x0 + tw]
                t_[:blk.shape[0], :blk.shape[1]] = blk
                chunks.append(pack_rows(t_))
    elif planar == 2:
        chunks = [pack_rows(a[:, :, c:c + 1]) for c in range(spp)]
    else:
        chunks = [pack_rows(a[r:r + 5]) for r in range(0, h, 5)]  # strips of 5 rows
    tags = []  # (tag, type, values)
    tags.append((256, 3, [w]))
    tags.append((257, 3, [h]))
    tags.append((258, 3, [bps] * spp))
    tags.append((259, 3, [1]))
    tags.append((262, 3, [photometric]))
    tags.append((277, 3, [spp]))
    tags.append((284, 3, [planar]))
    if colormap is not None:
        tags.append((320, 3, list(colormap)))
    if extra is not None:
        tags.append((338, 3, [extra]))
    data = b"".join(chunks)
    hdr_len = 8
    offsets, p = [], hdr_len
    for c in chunks:
        offsets.append(p)
        p += len(c)
    if tiled:
        tags += [(322, 3, [tiled[0]]), (323, 3, [tiled[1]]), (324, 4, offsets), (325, 4, [len(c) for c in chunks])]
    else:
        tags += [(273, 4, offsets), (278, 3, [5 if planar == 1 else h]), (279, 4, [len(c) for c in chunks])]
    tags.sort()
    ifd_at = hdr_len + len(data)
    ifd_at += ifd_at % 2
    n = len(tags)
    ext_at = ifd_at + 2 + 12 * n + 4
    ifd, ext = struct.pack(e + "H", n), b""
    for tag, typ, vals in tags:
        size = 2 if typ == 3 else 4
        raw = struct.pack(e + ("H" if typ == 3 else "I") * len(vals), *vals)
        if len(raw) <= 4:
            ifd += struct.pack(e + "HHI", tag, typ, len(vals)) + raw.ljust(4, b"\0")
        else:
            ifd += struct.pack(e + "HHII", tag, typ, len(vals), ext_at + len(ext))
            ext += raw
            ext += b"\0" * (len(ext) % 2)
        del size
    ifd += struct.pack(e + "I", 0)
    head = (b"MM\0*" if big_endian else b"II*\0") + struct.pack(e + "I", ifd_at)
    return head + data + b"\0" * (ifd_at - hdr_len - len(data)) + ifd + ext


files["rgb8.tif"] = pil_bytes(Image.fromarray(rgb), "TIFF")
files["rgb8_lzw.tif"] = pil_bytes(Image.fromarray(rgb), "TIFF", compression="tiff_lzw")
files["rgb8_deflate.tif"] = pil_bytes(Image.fromarray(rgb), "TIFF", compression="tiff_adobe_deflate")
files["rgb8_packbits.tif"] = pil_bytes(Image.fromarray(rgb), "TIFF", compression="packbits")
files["rgb8_jpeg.tif"] = pil_bytes(Image.fromarray(rgb), "TIFF", compression="jpeg")
files["gray8.tif"] = pil_bytes(Image.fromarray(photo(1)[:, :, 0]), "TIFF")
files["bw1.tif"] = pil_bytes(Image.fromarray(photo(1)[:, :, 0]).convert("1"), "TIFF")
files["bw1_g4.tif"] = pil_bytes(Image.fromarray(photo(1)[:, :, 0]).convert("1"), "TIFF", compression="group4")
files["pal8.tif"] = pil_bytes(Image.fromarray(rgb).quantize(100), "TIFF")
files["cmyk8.tif"] = pil_bytes(Image.fromarray(photo(4), "CMYK"), "TIFF")
files["rgba8.tif"] = pil_bytes(Image.fromarray(rgba, "RGBA"), "TIFF")
la = photo(2)
la[4:10, 5:20, 1] = 0
files["la8.tif"] = pil_bytes(Image.fromarray(la, "LA"), "TIFF")
pages = [Image.fromarray(rgb), Image.fromarray(photo(3)), Image.fromarray(photo(3))]
b_ = io.BytesIO()
pages[0].save(b_, "TIFF", save_all=True, append_images=pages[1:])
files["multipage.tif"] = b_.getvalue()
files["miniswhite8.tif"] = tiff(photo(1)[:, :, 0], 0, 8)
files["gray4.tif"] = tiff(rng.integers(0, 16, (H, W)), 1, 4)
files["gray2.tif"] = tiff(rng.integers(0, 4, (H, W)), 1, 2)
files["pal4.tif"] = tiff(idx16, 3, 4, colormap=[int(c[k]) * 257 for k in range(3) for c in pal16])
rgb16 = photo(3, dtype=np.uint16, top=65535)
files["rgb16.tif"] = tiff(rgb16, 2, 16)
files["rgb16_be.tif"] = tiff(rgb16, 2, 16, big_endian=True)
rgba16 = photo(4, dtype=np.uint16, top=65535)
rgba16[3:7, 2:15, 3] = 0
files["rgba16.tif"] = tiff(rgba16, 2, 16, extra=2)
files["cmyk16.tif"] = tiff(photo(4, dtype=np.uint16, top=65535), 5, 16)
files["rgb8_tiled.tif"] = tiff(rgb, 2, 8, tiled=(16, 16))
files["rgb8_planar.tif"] = tiff(rgb, 2, 8, planar=2)
files["rgbx8.tif"] = tiff(photo(4), 2, 8, extra=0)                 # unspecified extra: ignored
prem = photo(4)
prem[:, :, :3] = (prem[:, :, :3].astype(int) * prem[:, :, 3:] // 255).astype(np.uint8)
files["rgba8_assoc.tif"] = tiff(prem, 2, 8, extra=1)               # premultiplied
gray16 = photo(1, dtype=np.uint16, top=65535)[:, :, 0]
files["gray16.tif"] = tiff(gray16, 1, 16)
override["gray16.tif"] = np.repeat((gray16 >> 8).astype(np.uint8)[:, :, None], 3, 2).tobytes()

# ------------------------------------------------------------------ GIF
gpal = Image.fromarray(rgb).quantize(64)
files["pal.gif"] = pil_bytes(gpal, "GIF")
files["pal_nointerlace.gif"] = pil_bytes(gpal, "GIF", interlace=False)
files["pal_trns.gif"] = pil_bytes(gpal, "GIF", transparency=3)
files["gray.gif"] = pil_bytes(Image.fromarray(photo(1)[:, :, 0]), "GIF")
anim = [Image.fromarray(photo(3)).quantize(32) for _ in range(3)]
b_ = io.BytesIO()
anim[0].save(b_, "GIF", save_all=True, append_images=anim[1:], duration=50)
files["anim.gif"] = b_.getvalue()


def gif_offset(raw, left, top, extra_w, extra_h, frame_grows=False):
    """Patch a Pillow GIF: a larger logical screen, the frame at (left, top)."""
    raw = bytearray(raw)
    sw, sh = struct.unpack("<HH", raw[6:10])
    i = raw.index(b",", 13)
    while struct.unpack("<HHHH", raw[i + 1:i + 9])[2:] != (sw, sh):
        i = raw.index(b",", i + 1)
    raw[i + 1:i + 5] = struct.pack("<HH", left, top)
    if frame_grows:   # the frame reaches past the screen: Pillow grows the canvas
        raw[6:10] = struct.pack("<HH", sw, sh)
    else:
        raw[6:10] = struct.pack("<HH", sw + extra_w, sh + extra_h)
    return bytes(raw)


files["offset.gif"] = gif_offset(pil_bytes(gpal, "GIF", interlace=False), 3, 2, 7, 5)
files["offset_trns.gif"] = gif_offset(pil_bytes(gpal, "GIF", interlace=False, transparency=5), 4, 1, 6, 3)
files["offset_grow.gif"] = gif_offset(pil_bytes(gpal, "GIF", interlace=False), 2, 3, 0, 0, frame_grows=True)

# ------------------------------------------------------------------ PNM
files["rgb.ppm"] = pil_bytes(Image.fromarray(rgb), "PPM")
files["gray.pgm"] = pil_bytes(Image.fromarray(photo(1)[:, :, 0]), "PPM")
files["bw.pbm"] = pil_bytes(Image.fromarray(photo(1)[:, :, 0]).convert("1"), "PPM")


def pnm_plain(kind, arr, maxval=None):
    hdr = f"P{kind}\n# a comment\n{arr.shape[1]} {arr.shape[0]}\n" + ("" if maxval is None else f"{maxval}\n")
    body = "\n".join(" ".join(str(int(v)) for v in row.ravel()) for row in arr)
    return (hdr + body + "\n").encode()


files["plain.pbm"] = pnm_plain(1, rng.integers(0, 2, (H, W)))
files["plain.pgm"] = pnm_plain(2, rng.integers(0, 201, (H, W)), 200)
files["plain.ppm"] = pnm_plain(3, rng.integers(0, 1001, (H, W, 3)), 1000)
p16 = rng.integers(0, 1001, (H, W, 3)).astype(">u2")
files["rgb_max1000.ppm"] = f"P6 {W} {H} 1000\n".encode() + p16.tobytes()
p16 = rng.integers(0, 65536, (H, W, 3)).astype(">u2")
files["rgb16.ppm"] = f"P6\n#c\n{W} {H}\n65535\n".encode() + p16.tobytes()
files["gray_max15.pgm"] = f"P5 {W} {H} 15\n".encode() + rng.integers(0, 16, (H, W)).astype(np.uint8).tobytes()
g16 = rng.integers(0, 4096, (H, W)).astype(">u2")
files["gray_max4095.pgm"] = f"P5 {W} {H} 4095\n".encode() + g16.tobytes()
# Pillow opens it as mode I and clips to 255; we scale as for PPM (decode_pnm.c)
override["gray_max4095.pgm"] = np.repeat(np.array([[round(int(v) / 4095 * 255) for v in row] for row in g16], np.uint8)[:, :, None], 3, 2).tobytes()

# ------------------------------------------------------------------ PNG, WebP alpha
rgba_png = photo(4)
rgba_png[5:12, 4:20, 3] = 0
files["rgba_alpha.png"] = pil_bytes(Image.fromarray(rgba_png, "RGBA"), "PNG")
files["la_alpha.png"] = pil_bytes(Image.fromarray(la, "LA"), "PNG")
files["pal_trns_alpha.png"] = pil_bytes(Image.fromarray(rgb).quantize(50), "PNG", transparency=bytes(range(0, 250, 5)))
files["rgb_trns_alpha.png"] = pil_bytes(Image.fromarray(rgb), "PNG", transparency=tuple(int(v) for v in rgb[1, 1]))
files["gray_trns_alpha.png"] = pil_bytes(Image.fromarray(photo(1)[:, :, 0]), "PNG", transparency=int(photo(1)[0, 0, 0]))
files["rgba_alpha.webp"] = pil_bytes(Image.fromarray(rgba_png, "RGBA"), "WEBP", lossless=True)

# ------------------------------------------------------------------ EXIF orientation
from PIL import ImageOps  # noqa: E402

exif_jpeg = {}
for o in range(1, 9):
    ex = Image.Exif()
    ex[0x0112] = o
    b_ = io.BytesIO()
    Image.fromarray(photo(3, w=23, h=11)).save(b_, "JPEG", quality=92, exif=ex.tobytes())
    exif_jpeg[f"exif{o}.jpg"] = b_.getvalue()
    # the same orientation in PNG's eXIf chunk, WebP's EXIF chunk, TIFF's own tag (lossless: exact)
    exif_jpeg[f"exif{o}.png"] = pil_bytes(Image.fromarray(photo(3, w=23, h=11)), "PNG", exif=ex.tobytes())
    exif_jpeg[f"exif{o}.webp"] = pil_bytes(Image.fromarray(photo(3, w=23, h=11)), "WEBP", lossless=True, exif=ex.tobytes())
    exif_jpeg[f"exif{o}.tif"] = pil_bytes(Image.fromarray(photo(3, w=23, h=11)), "TIFF", tiffinfo={0x0112: o})
    # through libtiff's RGBA interface (JPEG-in-TIFF): within 1, as the JPEGs
    exif_jpeg[f"exif{o}_jpeg.tif"] = pil_bytes(Image.fromarray(photo(3, w=24, h=16)), "TIFF", compression="jpeg",
                                               tiffinfo={0x0112: o})

# ------------------------------------------------------------------ references
for name in sorted(files):
    path = os.path.join(out, name)
    with open(path, "wb") as f:
        f.write(files[name])
    im = Image.open(path)
    if name in override:  # Pillow's header is read, its pixels are not used
        open(path + ".rgb", "wb").write(override[name])
        print(name, im.size[0], im.size[1], im.mode, 0)
        continue
    ref = im.convert("RGB").tobytes()
    open(path + ".rgb", "wb").write(ref)
    has_alpha = im.mode in ("RGBA", "LA", "PA", "RGBa") or "transparency" in im.info
    if has_alpha:
        a = im.convert("RGBA").getchannel("A")
        open(path + ".a", "wb").write(a.tobytes())
        comp = Image.new("RGB", im.size, BG)
        comp.paste(im.convert("RGB"), mask=a)
        open(path + ".comp", "wb").write(comp.tobytes())
    print(name, im.size[0], im.size[1], im.mode, int(has_alpha))
for name, raw in exif_jpeg.items():   # "orient NAME W H": NAME.orient = exif_transpose's pixels
    path = os.path.join(out, name)
    open(path, "wb").write(raw)
    im = Image.open(path)
    open(path + ".rgb", "wb").write(im.convert("RGB").tobytes())
    # Pillow 9.4 opens a TIFF upright already (its exif_transpose would turn
    # it a second time): the reference is what it opens
    t = im.convert("RGB") if name.endswith(".tif") else ImageOps.exif_transpose(im).convert("RGB")
    open(path + ".orient", "wb").write(t.tobytes())
    print("orient", name, t.size[0], t.size[1], im.size[0], im.size[1])
print("versions: numpy", np.__version__, "PIL", PIL.__version__, "libtiff", features.version("libtiff"),
      "zlib", features.version("zlib"))

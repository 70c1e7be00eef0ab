#!/usr/bin/python3
"""make_annotations.py - detection exports (COCO, YOLO, Pascal VOC) with
planted bad annotations, and the check of what embscope made of them, for
tests/test_io_annotations.c. Uses Debian's python3-pil and python3-numpy.

  make_annotations.py make DIR
      Writes DIR/coco, DIR/yolo, DIR/yolo_badyaml, DIR/voc, DIR/voc_classic:
      small PNG images (lossless, so PIL and embscope decode the same bytes)
      and their annotations. Every annotation is planted as good (an item)
      or bad (a line of annotation_issues.csv), from the tables below.
  make_annotations.py check DIR DATASET OUT MARGIN SIZE
      Reads OUT/items.csv, OUT/annotation_issues.csv and OUT/embeddings.npy
      written by `embscope embed DIR/DATASET -o OUT --box-margin MARGIN
      --pixels-size SIZE --pixels-color` and prints "name expected got"
      lines: item count, every good box present with its label, split and
      crop (floor / ceil of the box widened by MARGIN, clipped to the image),
      every planted issue listed (file + where), no other issue, and the
      pixel vectors against PIL's crop + the exact area resize of
      folder_ref.py (max error in units of 1e-6).
"""
import csv
import json
import math
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from folder_ref import area_resize  # noqa: E402

W, H = 64, 48


def image(path, seed, w=W, h=H):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    a = np.stack([x * 4, y * 5, (x * y) % 256], -1) + rng.integers(0, 40, (h, w, 3))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "RGB").save(path)


# ---------------------------------------------------------------- COCO
# (ann id, image id, category id, bbox, expected): expected "ok", "dup"
# (kept and listed), "clip" (kept, clipped, listed) or "bad".
COCO_CATS = [(0, "things"), (1, "cat"), (2, "dog")]
COCO_IMAGES = {"train": [(1, "a.png"), (2, "b.png"), (3, "missing.png")], "valid": [(1, "c.png"), (2, "lies.png")]}
# lies.png is 64 x 48 but the JSON says 200 x 200: its box fits the JSON,
# not the image, so the embed stage skips it (skipped.csv), not the reader
LIES = "valid/lies.png#box0"
COCO_ANNS = {
    "train": [
        (1, 1, 1, [5, 6, 20, 15], "ok"),
        (2, 1, 2, [30, 10, 25, 30], "ok"),
        (3, 1, 1, [5.5, 6, 20, 15], "dup"),       # IoU 0.95 with annotation 1
        (4, 1, 1, [100, 100, 10, 10], "bad"),     # outside the 64 x 48 image
        (5, 2, 2, [0, 0, 0, 10], "bad"),          # zero width
        (6, 2, 9, [3, 3, 10, 10], "bad"),         # unknown category
        (7, 3, 1, [1, 1, 5, 5], "bad"),           # image file missing
        (8, 2, 2, [1, 2, 3], "bad"),              # bbox of 3 numbers
        (9, 77, 1, [1, 1, 5, 5], "bad"),          # unknown image id
        (10, 2, 1, [40, 20, 30, 30], "clip"),     # passes the right and bottom edges
        (11, 2, 2, [2, 3, 30, 20], "ok"),
        (12, 2, 2, [2.5, 3.5, 10.25, 7.75], "ok"),
    ],
    "valid": [(1, 1, 1, [0, 0, 64, 48], "ok"), (2, 1, 2, [10, 10, 20, 20], "ok"),
              (3, 1, 1, [10, 10, 20.5, 20], "dup"),     # box 1's object as a cat: crops' IoU 0.95, two classes
              (4, 2, 1, [100, 100, 20, 20], "lies")],
}


def make_coco(root):
    for split in ("train", "valid"):
        d = os.path.join(root, "coco", split)
        imgs = []
        for k, (iid, fn) in enumerate(COCO_IMAGES[split]):
            if fn != "missing.png":
                image(os.path.join(d, fn), 10 * iid + k + (split == "valid"))
            size = 200 if fn == "lies.png" else None
            imgs.append({"id": iid, "file_name": fn, "width": size or W, "height": size or H})
        anns = [{"id": a, "image_id": i, "category_id": c, "bbox": b, "area": 1, "iscrowd": 0}
                for a, i, c, b, _ in COCO_ANNS[split]]
        cats = [{"id": i, "name": n, "supercategory": "things"} for i, n in COCO_CATS]
        json.dump({"info": {}, "images": imgs, "annotations": anns, "categories": cats},
                  open(os.path.join(d, "_annotations.coco.json"), "w"), indent=1)
    d = os.path.join(root, "coco", "test")
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "_annotations.coco.json"), "w").write('{"images": [ {"id": 1, ')   # malformed
    open(os.path.join(root, "coco", "README.roboflow.txt"), "w").write("not an image\n")
    # the original COCO layout: annotations/instances_val2017.json beside val2017/
    o = os.path.join(root, "coco_orig")
    image(os.path.join(o, "val2017", "000000000139.png"), 300)
    os.makedirs(os.path.join(o, "annotations"), exist_ok=True)
    json.dump({"images": [{"id": 139, "file_name": "000000000139.png", "width": W, "height": H}],
               "annotations": [{"id": 1, "image_id": 139, "category_id": 1, "bbox": [1, 2, 30, 20], "iscrowd": 0}],
               "categories": [{"id": 1, "name": "person"}]}, open(os.path.join(o, "annotations", "instances_val2017.json"), "w"))


def coco_expect():
    items, issues = [], [("test/_annotations.coco.json", "")]
    names = dict(COCO_CATS)
    for split in ("train", "valid"):
        files = dict(COCO_IMAGES[split])
        anns = COCO_ANNS[split]
        per_image = {}
        for pos, (a, i, c, b, e) in enumerate(anns):
            f = f"{split}/_annotations.coco.json"
            if i not in files:
                issues.append((f, f"annotations[{pos}]"))
                continue
            k = per_image.get(i, 0)
            per_image[i] = k + 1
            if files[i] == "missing.png":
                issues.append((f, f"{split}/missing.png"))
                continue
            if e not in ("ok", "lies"):
                issues.append((f, f"box{k}" if e == "dup" else f"annotation id {a}"))
            if e in ("ok", "dup", "clip"):
                items.append((f"{split}/{files[i]}", k, names[c], split, b))
    # images in the file's image order, boxes in annotation order
    order = {(s, fn): n for s in COCO_IMAGES for n, (_, fn) in enumerate(COCO_IMAGES[s])}
    items.sort(key=lambda t: (["train", "valid"].index(t[3]), order[(t[3], t[0].split("/")[1])], t[1]))
    return items, issues


# ---------------------------------------------------------------- YOLO
# label lines per image: (text, expected) with expected "ok" or "bad"
YOLO = {
    "train/a": [("0 0.5 0.5 0.25 0.5", "ok"), ("1 0.2 0.3 0.125 0.25", "ok"),
                ("5 0.5 0.5 0.1 0.1", "bad"),             # class 5 of 2
                ("0 0.5 0.5 0 0.2", "bad"),               # zero width
                ("1 1.6 0.5 0.2 0.2", "bad"),             # outside
                ("banana 1 2", "bad"),                    # malformed
                ("", "blank"),
                ("0 0.125 0.125 0.375 0.125 0.375 0.5 0.125 0.5", "ok")],   # polygon
    "valid/c": [("1 0.5 0.5 0.5 0.5", "ok")],
}
YOLO_NAMES = ["cat", "dog"]


def make_yolo(root):
    d = os.path.join(root, "yolo")
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "data.yaml"), "w").write(
        "train: ../train/images\nval: ../valid/images\n\nnc: 2\nnames: ['cat', 'dog']\n")
    for n, (stem, lines) in enumerate(YOLO.items()):
        split, name = stem.split("/")
        image(os.path.join(d, split, "images", name + ".png"), 100 + n)
        os.makedirs(os.path.join(d, split, "labels"), exist_ok=True)
        open(os.path.join(d, split, "labels", name + ".txt"), "w").write("\n".join(t for t, _ in lines) + "\n")
    image(os.path.join(d, "train", "images", "b.png"), 120)      # background: no label file
    open(os.path.join(d, "train", "labels", "orphan.txt"), "w").write("0 0.5 0.5 0.2 0.2\n")
    b = os.path.join(root, "yolo_badyaml")
    os.makedirs(b, exist_ok=True)
    open(os.path.join(b, "data.yaml"), "w").write("names: [cat, dog\nnc: 2\n")     # malformed
    image(os.path.join(b, "images", "x.png"), 130)
    os.makedirs(os.path.join(b, "labels"), exist_ok=True)
    open(os.path.join(b, "labels", "x.txt"), "w").write("1 0.5 0.5 0.5 0.5\n")


def yolo_box(t):
    v = [float(x) for x in t.split()]
    if len(v) == 5:
        cx, cy, w, h = v[1:]
    else:
        xs, ys = v[1::2], v[2::2]
        cx, cy, w, h = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2, max(xs) - min(xs), max(ys) - min(ys)
    return [(cx - w / 2) * W, (cy - h / 2) * H, w * W, h * H]


def yolo_expect(bad_yaml=False):
    if bad_yaml:
        return [("images/x.png", 0, "1", "", yolo_box("1 0.5 0.5 0.5 0.5"))], [("data.yaml", "names")]
    items, issues = [], [("train/labels/orphan.txt", "")]
    for stem, lines in YOLO.items():
        split, name = stem.split("/")
        k = 0
        for ln, (t, e) in enumerate(lines, 1):
            if e == "blank":
                continue
            if e == "ok":
                items.append((f"{split}/images/{name}.png", k, YOLO_NAMES[int(t.split()[0])], split, yolo_box(t)))
            else:
                issues.append((f"{split}/labels/{name}.txt", f"line {ln}"))
            k += 1
    return items, issues


# ---------------------------------------------------------------- VOC
# objects per image: (name, (xmin, ymin, xmax, ymax) or None, expected)
VOC = {
    "train/a": [("cat", (4, 5, 30, 25), "ok"), ("dog", (20, 10, 60, 40), "ok"),
                ("cat", None, "bad"),                 # no bndbox
                ("dog", (30, 20, 10, 40), "bad"),     # xmax < xmin
                ("cat", (70, 5, 80, 20), "bad"),      # outside
                ("", (1, 1, 9, 9), "bad")],           # no name
    "valid/c": [("dog", (0, 0, 64, 48), "ok")],
}


def voc_xml(filename, objs):
    o = "".join(
        f"<object><name>{n}</name><pose>Unspecified</pose><truncated>0</truncated><difficult>0</difficult>"
        + (f"<bndbox><xmin>{b[0]}</xmin><ymin>{b[1]}</ymin><xmax>{b[2]}</xmax><ymax>{b[3]}</ymax></bndbox>" if b else "")
        + "</object>\n" for n, b, _ in objs)
    return (f"<annotation>\n<folder></folder><filename>{filename}</filename>\n"
            f"<size><width>{W}</width><height>{H}</height><depth>3</depth></size>\n{o}</annotation>\n")


def make_voc(root):
    d = os.path.join(root, "voc")
    for n, (stem, objs) in enumerate(VOC.items()):
        image(os.path.join(d, stem + ".png"), 200 + n)
        open(os.path.join(d, stem + ".xml"), "w").write(voc_xml(os.path.basename(stem) + ".png", objs))
    image(os.path.join(d, "train", "b.png"), 210)
    open(os.path.join(d, "train", "b.xml"), "w").write("<annotation><object><name>cat</name>")  # malformed
    c = os.path.join(root, "voc_classic")
    image(os.path.join(c, "JPEGImages", "x.png"), 220)
    os.makedirs(os.path.join(c, "Annotations"), exist_ok=True)
    open(os.path.join(c, "Annotations", "x.xml"), "w").write(voc_xml("x.png", [("cat", (8, 8, 40, 40), "ok")]))
    open(os.path.join(c, "Annotations", "y.xml"), "w").write(voc_xml("y.png", [("cat", (8, 8, 40, 40), "ok")]))
    os.makedirs(os.path.join(c, "ImageSets", "Main"), exist_ok=True)
    open(os.path.join(c, "ImageSets", "Main", "val.txt"), "w").write("x\ny\n")     # the splits of the original layout


def voc_expect(classic=False):
    if classic:
        return ([("JPEGImages/x.png", 0, "cat", "valid", [8, 8, 32, 32])],
                [("Annotations/y.xml", "JPEGImages/y.png")])
    items, issues = [], [("train/b.xml", "")]
    for stem, objs in VOC.items():
        split = stem.split("/")[0]
        for k, (n, b, e) in enumerate(objs):
            if e == "ok":
                items.append((stem + ".png", k, n, split, [b[0], b[1], b[2] - b[0], b[3] - b[1]]))
            else:
                issues.append((stem + ".xml", f"object {k + 1}"))
    return items, issues


# ---------------------------------------------------------------- check
def crop(b, margin):
    x, y, w, h = b
    mx, my = margin * w, margin * h
    x0, y0 = max(0, math.floor(x - mx)), max(0, math.floor(y - my))
    x1, y1 = min(W, math.ceil(x + w + mx)), min(H, math.ceil(y + h + my))
    return [x0, y0, x1 - x0, y1 - y0]


def check(root, name, out, margin, size):
    exp_items, exp_issues = {
        "coco": coco_expect, "yolo": yolo_expect, "yolo_badyaml": lambda: yolo_expect(True),
        "voc": voc_expect, "voc_classic": lambda: voc_expect(True)}[name]()
    base = os.path.join(root, name)
    rows = list(csv.DictReader(open(os.path.join(out, "items.csv"), newline="")))
    print("items", len(exp_items), len(rows))
    got = {r["path"]: r for r in rows}
    ok = bad_crop = bad_label = 0
    for rel, k, label, split, b in exp_items:
        r = got.get(f"{base}/{rel}#box{k}")
        if r is None:
            print(f"# missing item {rel}#box{k}", file=sys.stderr)
            continue
        ok += 1
        c = crop(b, margin)
        if [int(r[f"box_{q}"]) for q in "xywh"] != c:
            bad_crop += 1
            print(f"# {rel}#box{k}: crop {[r[f'box_{q}'] for q in 'xywh']}, expected {c}", file=sys.stderr)
        if r["label"] != label or r["split"] != split:
            bad_label += 1
            print(f"# {rel}#box{k}: {r['label']}/{r['split']}, expected {label}/{split}", file=sys.stderr)
    print("good_boxes_kept", len(exp_items), ok)
    print("crops_differ", 0, bad_crop)
    print("labels_differ", 0, bad_label)
    iss = list(csv.DictReader(open(os.path.join(out, "annotation_issues.csv"), newline="")))
    have = {(r["file"], r["where"]) for r in iss}
    listed = sum(1 for e in exp_issues if e in have)
    for e in exp_issues:
        if e not in have:
            print(f"# planted issue not listed: {e}; listed: {sorted(have)}", file=sys.stderr)
    print("bad_listed", len(exp_issues), listed)
    print("issue_rows", len(exp_issues), len(iss))
    # the pixels of every crop: PIL crop + exact area resize / 255
    e = np.load(os.path.join(out, "embeddings.npy"))
    worst = 0.0
    for i, r in enumerate(rows):
        x, y, w, h = (int(r[f"box_{q}"]) for q in "xywh")
        im = Image.open(r["path"].rsplit("#box", 1)[0]).convert("RGB").crop((x, y, x + w, y + h))
        ref = (area_resize(np.asarray(im), size, size) / 255).astype(np.float32).ravel()
        worst = max(worst, float(np.abs(ref - e[i]).max()))
    print("pixels_err_1e6", 0, int(round(worst * 1e6)))
    sk = list(csv.DictReader(open(os.path.join(out, "skipped.csv"), newline="")))
    lies = [r for r in sk if r["path"].endswith(LIES) and "outside" in r["reason"]]
    print("skipped_box_outside_decoded_image", int(name == "coco"), len(lies))
    print("skipped_rows", int(name == "coco"), len(sk))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        for f in (make_coco, make_yolo, make_voc):
            f(sys.argv[2])
    else:
        check(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]), int(sys.argv[6]))

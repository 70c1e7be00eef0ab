#!/usr/bin/python3
"""make_shared_images.py - a COCO export (Roboflow layout: <split>/ with
_annotations.coco.json) whose splits share whole images under other boxes,
and the check of what `embscope analyze` found between whole images, for
tests/test_cli_whole_images.c. Uses Debian's python3-pil and python3-numpy.

  make_shared_images.py make DIR
      Writes DIR/shared/{train,valid,test}/: seven 64 x 48 images of coarse
      random blocks (unrelated to each other at any pixel size), of which
        valid/a.png is train/a.png byte for byte (exact duplicate),
        test/b.jpg is train/b.png re-encoded as JPEG quality 95 (a copy),
      with different boxes on each side, so no two boxes' crops agree.
  make_shared_images.py check DIR OUT
      Reads OUT/images.csv, image_duplicates.csv, image_leakage.csv and
      summary.json and prints "name expected got" lines.
  make_shared_images.py check_report OUT
      Reads the page data of OUT/report.html: each box item's image (the
      row of images.csv) and its rectangle in that image's thumbnail cell,
      computed here from PIL's image size and the letterbox rule of
      emb_thumb_fit (scale side / max(w, h), rounded, centred), to 1e-3 px.
  make_shared_images.py expect_pin OUT PATH_SUFFIX PX
      Prints the JSON tests/report_boxes_browser.mjs expects when the item
      whose path ends with PATH_SUFFIX is pinned and its image shown PX px
      wide: item, image row, the box in px, N and the image count.
"""
import base64
import csv
import json
import re
import os
import shutil
import sys

import numpy as np
from PIL import Image

W, H = 64, 48
# split -> [(file, seed or source, boxes)]; boxes [x, y, w, h], category 1 or 2
IMAGES = {
    "train": [("a.png", 11, [[2, 3, 20, 15, 1], [30, 10, 25, 30, 2]]),
              ("b.png", 12, [[5, 5, 30, 30, 1]]),
              ("c.png", 13, [[1, 1, 40, 40, 2]])],
    "valid": [("a.png", "train/a.png", [[40, 20, 20, 20, 2]]),
              ("d.png", 14, [[0, 0, 32, 24, 1], [32, 24, 32, 24, 1]])],
    "test": [("b.jpg", "train/b.png", [[10, 12, 40, 30, 2]]),
             ("e.png", 15, [[6, 6, 50, 36, 1]])],
}


def blocks(seed):
    """Coarse random blocks (8 x 6 of 8 px) with fine noise: every seed a different picture."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (6, 8, 3))
    a = np.kron(coarse, np.ones((8, 8, 1))) + rng.integers(-10, 10, (H, W, 3))
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "RGB")


def make(root):
    base = os.path.join(root, "shared")
    for split, imgs in IMAGES.items():
        d = os.path.join(base, split)
        os.makedirs(d, exist_ok=True)
        entries, anns = [], []
        for iid, (fn, src, boxes) in enumerate(imgs, 1):
            p = os.path.join(d, fn)
            if isinstance(src, int):
                blocks(src).save(p)
            elif fn.endswith(".png"):
                shutil.copyfile(os.path.join(base, src), p)   # the same bytes
            else:
                Image.open(os.path.join(base, src)).convert("RGB").save(p, quality=95)
            entries.append({"id": iid, "file_name": fn, "width": W, "height": H})
            for x, y, w, h, c in boxes:
                anns.append({"id": len(anns) + 1, "image_id": iid, "category_id": c, "bbox": [x, y, w, h],
                             "area": w * h, "iscrowd": 0})
        cats = [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]
        json.dump({"images": entries, "annotations": anns, "categories": cats},
                  open(os.path.join(d, "_annotations.coco.json"), "w"), indent=1)


def rows(out, name):
    return list(csv.DictReader(open(os.path.join(out, name), newline="")))


def check(root, out):
    base = os.path.join(root, "shared")
    images = rows(out, "images.csv")
    n_images = sum(len(v) for v in IMAGES.values())
    n_boxes = sum(len(b) for v in IMAGES.values() for _, _, b in v)
    print("images", n_images, len(images))
    # one row per image file, with its split, in the order of its first box in items.csv
    want = []
    for r in rows(out, "items.csv"):
        e = (r["path"].rsplit("#box", 1)[0], r["split"])
        if e not in want:
            want.append(e)
    print("images_of_boxes", n_images, len(want))
    print("images_in_order", 1, int([(r["path"], r["split"]) for r in images] == want))
    print("images_index", 1, int([int(r["index"]) for r in images] == list(range(n_images))))
    idx = {r["path"]: int(r["index"]) for r in images}
    # image_duplicates.csv: the exact pair and the re-encoded copy, nothing else
    dups = rows(out, "image_duplicates.csv")
    groups = {}
    for r in dups:
        groups.setdefault(r["group"], []).append(r)
    members = sorted(tuple(sorted(os.path.relpath(r["path"], base) for r in g)) for g in groups.values())
    print("dup_groups", 2, len(groups))
    print("dup_group_a", 1, int(("train/a.png", "valid/a.png") in members))
    print("dup_group_b", 1, int(("test/b.jpg", "train/b.png") in members))
    kinds = {tuple(sorted(os.path.relpath(r["path"], base) for r in g)): g[0]["group_kind"] for g in groups.values()}
    print("dup_a_exact", 1, int(kinds.get(("train/a.png", "valid/a.png")) == "exact"))
    print("dup_b_copy", 1, int(kinds.get(("test/b.jpg", "train/b.png")) == "copy"))
    print("dup_index_is_images_row", 1, int(all(idx.get(r["path"]) == int(r["index"]) for r in dups)))
    print("dup_split_column", 1, int(all(r["split"] == os.path.relpath(r["path"], base).split("/")[0] for r in dups)))
    # image_leakage.csv: two rows per pair, train-valid (exact) and train-test (copy)
    leak = rows(out, "image_leakage.csv")
    pairs = {}
    for r in leak:
        pairs.setdefault(r["group"], []).append(os.path.relpath(r["path"], base))
    got = sorted(tuple(sorted(p)) for p in pairs.values())
    print("leak_rows", 4, len(leak))
    print("leak_pairs_right", 1, int(got == [("test/b.jpg", "train/b.png"), ("train/a.png", "valid/a.png")]))
    s = json.load(open(os.path.join(out, "summary.json")))
    wi = s.get("whole_images", {})
    print("summary_count", n_images, wi.get("count", -1))
    print("summary_boxes", n_boxes, wi.get("boxes", -1))
    print("summary_skipped", 0, wi.get("skipped", -1))
    d, lk = wi.get("duplicates", {}), wi.get("leakage", {})
    print("summary_groups", 2, d.get("groups", -1))
    print("summary_exact_groups", 1, d.get("by_kind", {}).get("exact", {}).get("groups", -1))
    print("summary_copy_groups", 1, d.get("by_kind", {}).get("copy", {}).get("groups", -1))
    print("summary_groups_across_splits", 2, d.get("groups_across_splits", -1))
    print("summary_leak_pairs", 2, lk.get("pairs", -1))
    print("summary_leak_train_valid", 1, lk.get("split_pairs", {}).get("train-valid", -1))
    print("summary_leak_train_test", 1, lk.get("split_pairs", {}).get("train-test", -1))
    print("summary_leak_items", 4, lk.get("items", -1))
    print("summary_not_left_out", 0, int("whole_images" in s.get("stages_left_out", {})))
    # the boxes themselves: no two crops are duplicates (other boxes on each side)
    print("box_dup_rows", 0, len(rows(out, "duplicates.csv")))


def page_data(html):
    """The JSON object the page's data script holds, decoded from the first '{"'."""
    text = open(html, encoding="utf-8").read()
    m = re.search(r'<script[^>]*id="emb-data"[^>]*>', text)
    start = m.end() if m else text.index('{"')
    return json.JSONDecoder().raw_decode(text[start:].lstrip())[0]


def expected_rect(path, box, side):
    """A box (x, y, w, h) in its image's side x side thumbnail cell."""
    w, h = Image.open(path).size
    s = side / max(w, h)
    tw, th = max(1, int(w * s + 0.5)), max(1, int(h * s + 0.5))
    ox, oy = (side - tw) // 2, (side - th) // 2
    x, y, bw, bh = box
    return [ox + x * tw / w, oy + y * th / h, bw * tw / w, bh * th / h]


def expect_pin(out, suffix, px):
    d = page_data(os.path.join(out, "report.html"))
    items = rows(out, "items.csv")
    row = {r["path"]: int(r["index"]) for r in rows(out, "images.csv")}
    i = next(k for k, r in enumerate(items) if r["path"].endswith(suffix))
    r = items[i]
    f = r["path"].rsplit("#box", 1)[0]
    k = px / d["thumbs"]["size"]
    rect = expected_rect(f, [int(r[f"box_{q}"]) for q in "xywh"], d["thumbs"]["size"])
    print(json.dumps({"n": len(items), "item": i, "image": row[f], "images": len(row), "px": px,
                      "rect_px": [v * k for v in rect], "first": d["box_images"]["first"]}))


def check_report(out):
    d = page_data(os.path.join(out, "report.html"))
    bi, th = d.get("box_images"), d.get("thumbs")
    print("page_box_images", 1, int(bool(bi) and bool(th)))
    if not bi or not th:
        return
    items = rows(out, "items.csv")
    images = rows(out, "images.csv")
    row = {r["path"]: int(r["index"]) for r in images}
    n, side = len(items), th["size"]
    item = np.frombuffer(base64.b64decode(bi["item"]), np.int32)
    rect = np.frombuffer(base64.b64decode(bi["rect"]), np.float32).reshape(-1, 4)
    print("page_first_cell", n, bi["first"])
    print("page_images", len(images), bi["n"])
    print("page_item_rows", n, len(item))
    print("page_item_image_right", n, sum(int(item[i] == row[r["path"].rsplit("#box", 1)[0]]) for i, r in enumerate(items)))
    worst = 0.0
    for i, r in enumerate(items):
        want = expected_rect(r["path"].rsplit("#box", 1)[0], [int(r[f"box_{q}"]) for q in "xywh"], side)
        worst = max(worst, float(np.abs(np.array(want) - rect[i]).max()))
    print("page_rect_err_1e3px", 0, int(worst * 1000))
    print("page_images_missing", 0, len(bi["missing"]))
    print("page_cells_fit_sheets", 1, int(th["n_sheets"] * th["per_sheet"] >= n + bi["n"]))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    elif sys.argv[1] == "check_report":
        check_report(sys.argv[2])
    elif sys.argv[1] == "expect_pin":
        expect_pin(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        check(sys.argv[2], sys.argv[3])

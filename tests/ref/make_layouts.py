#!/usr/bin/python3
"""make_layouts.py DIR - image folders in every layout embscope reads, for
tests/test_io_layouts.c (Debian's python3-pil, python3-numpy). Prints what
each must give, one line per expected item in embscope's order:

  item DATASET REL_PATH SPLIT LABEL      (SPLIT / LABEL "-" when none)

The rules (README.md, Datasets): a file is an item only with an image
extension; hidden entries are skipped; symlinks are followed, each folder
read once (real folders before links to them, so a loop or a second link
adds nothing); the label is the first folder (below a split folder);
images directly in DATA or in a split folder are unlabelled.
"""
import os
import sys

import numpy as np
from PIL import Image

n_img = 0


def img(path, fmt="PNG"):
    global n_img
    n_img += 1
    rng = np.random.default_rng(n_img)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    a = rng.integers(0, 256, (12 + n_img % 5, 10 + n_img % 7, 3)).astype(np.uint8)
    Image.fromarray(a, "RGB").save(path, fmt)


def text(path, s="not an image\n"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "w").write(s)


def main(root):
    out = []

    def item(ds, rel, split="-", label="-"):
        out.append(f"item {ds} {rel} {split} {label}")

    # flat: unlabelled
    img(f"{root}/flat/b.png"); img(f"{root}/flat/a.jpg", "JPEG"); img(f"{root}/flat/c.PNG")
    text(f"{root}/flat/notes.txt"); text(f"{root}/flat/.hidden.png")
    for n in ("a.jpg", "b.png", "c.PNG"):
        item("flat", n)
    # class: folders are classes; a loose image is unlabelled; a link to a
    # folder outside DATA is followed
    img(f"{root}/class/cat/1.png"); img(f"{root}/class/cat/2.png"); img(f"{root}/class/dog/3.png")
    text(f"{root}/class/dog/readme.md"); img(f"{root}/class/loose.png")
    img(f"{root}/outside_bird/9.png")
    os.symlink("../outside_bird", f"{root}/class/bird")
    for rel, lab in (("bird/9.png", "bird"), ("cat/1.png", "cat"), ("cat/2.png", "cat"), ("dog/3.png", "dog"),
                     ("loose.png", "-")):
        item("class", rel, "-", lab)
    # split-class: train, valid, test first, each in name order; an image
    # directly in a split folder is unlabelled; a folder without images
    # (docs/) does not stop the split layout
    img(f"{root}/split/train/dog/2.png"); img(f"{root}/split/train/cat/1.png"); img(f"{root}/split/valid/cat/3.png")
    img(f"{root}/split/test/dog/4.png"); img(f"{root}/split/train/5.png")
    text(f"{root}/split/docs/index.html"); text(f"{root}/split/README.txt")
    for rel, sp, lab in (("train/5.png", "train", "-"), ("train/cat/1.png", "train", "cat"),
                         ("train/dog/2.png", "train", "dog"), ("valid/cat/3.png", "valid", "cat"),
                         ("test/dog/4.png", "test", "dog")):
        item("split", rel, sp, lab)
    # recursive: any depth, label = first folder; a link loop and a second
    # link to a folder add nothing; a link to a file is an item
    img(f"{root}/recursive/cat/persian/1.png"); img(f"{root}/recursive/cat/2.png")
    img(f"{root}/recursive/dog/a/b/c/3.png"); img(f"{root}/recursive/top.png")
    os.symlink("..", f"{root}/recursive/dog/a/loop")
    os.symlink("cat", f"{root}/recursive/alias")
    os.symlink("../cat/2.png", f"{root}/recursive/dog/link.png")
    for rel, lab in (("cat/2.png", "cat"), ("cat/persian/1.png", "cat"), ("dog/a/b/c/3.png", "dog"),
                     ("dog/link.png", "dog"), ("top.png", "-")):
        item("recursive", rel, "-", lab)
    # recursive below split folders
    img(f"{root}/split_deep/train/cat/tabby/1.png"); img(f"{root}/split_deep/valid/dog/2.png")
    item("split_deep", "train/cat/tabby/1.png", "train", "cat")
    item("split_deep", "valid/dog/2.png", "valid", "dog")
    # Roboflow's multi-label classification export: images in split folders,
    # train/_classes.csv one-hot with spaces after the commas
    img(f"{root}/roboflow/train/x.png"); img(f"{root}/roboflow/train/y.png"); img(f"{root}/roboflow/train/z.png")
    text(f"{root}/roboflow/train/_classes.csv", "filename, cat, dog\nx.png, 1, 0\ny.png, 0, 1\nz.png, 1, 1\n")
    # a label CSV for class/: path,label,split
    text(f"{root}/labels.csv", "path,label,split\ncat/1.png,dog,train\ndog/3.png,cat,\n./loose.png,bird,test\n"
         "nope.png,cat,\ncat/2.png,,valid\n")
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])

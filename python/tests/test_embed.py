"""test_embed.py - embscope.embed() against `embscope embed` on the same
folder: the same vectors (bytes, one thread), the same items.csv rows and
skipped files; the vectors against a NumPy computation of pixel brightness;
errors raise with the library's message. The image folder is made here
(NumPy writes binary PGM files, a format the library reads, and one
truncated file that it must skip)."""
import csv
import os
import subprocess

import numpy as np
import pytest

import embscope

CLI = os.environ.get("EMBSCOPE_CLI", "")


def write_pgm(path, img):
    h, w = img.shape
    with open(path, "wb") as f:
        f.write(b"P5\n%d %d\n255\n" % (w, h))
        f.write(img.astype(np.uint8).tobytes())


@pytest.fixture
def folder(tmp_path):
    """class layout: 2 classes x 3 images of 16x16 gray, plus one corrupt file."""
    rs = np.random.RandomState(3)
    root = tmp_path / "data"
    imgs = {}
    for cls in ("cat", "dog"):
        (root / cls).mkdir(parents=True)
        for k in range(3):
            img = rs.randint(0, 256, (16, 16))
            write_pgm(root / cls / ("%d.pgm" % k), img)
            imgs["%s/%d.pgm" % (cls, k)] = img
    (root / "dog" / "broken.pgm").write_bytes(b"P5\n16 16\n255\nshort")
    return root, imgs


def test_pixels_vectors_are_brightness(folder):
    root, imgs = folder
    e = embscope.embed(root, pixels_size=16, n_jobs=1)
    assert e.vectors.shape == (6, 256) and e.vectors.dtype == np.float32
    assert e.layout == "class"
    rows = e.items.to_dict("records") if hasattr(e.items, "to_dict") else e.items
    assert [r["label"] for r in rows] == ["cat"] * 3 + ["dog"] * 3
    for i, r in enumerate(rows):
        rel = os.path.relpath(r["path"], root) if os.path.isabs(r["path"]) else r["path"]
        key = [k for k in imgs if rel.endswith(k)]
        assert len(key) == 1, rel
        # 16 -> 16: no resize; brightness is the gray value / 255
        np.testing.assert_allclose(e.vectors[i], imgs[key[0]].ravel() / 255.0, atol=1e-6)
    assert len(e.skipped) == 1 and e.skipped[0][0].endswith("broken.pgm") and e.skipped[0][1]


def test_same_as_cli(folder, tmp_path):
    if not (CLI and os.access(CLI, os.X_OK)):
        pytest.skip("the embscope program is not built (EMBSCOPE_CLI=%r)" % CLI)
    root, _ = folder
    out = tmp_path / "out"
    subprocess.run([CLI, "embed", str(root), "-o", str(out), "--threads", "1", "--pixels-size", "8",
                    "--quiet"], check=True, capture_output=True)
    e = embscope.embed(str(root), pixels_size=8, n_jobs=1)
    ref = np.load(out / "embeddings.npy")
    assert e.vectors.tobytes() == ref.tobytes()
    with open(out / "items.csv", newline="") as f:
        want = [dict(r, index=int(r["index"])) for r in csv.DictReader(f)]
    rows = e.items.to_dict("records") if hasattr(e.items, "to_dict") else e.items
    assert [dict(r) for r in rows] == want
    with open(out / "skipped.csv", newline="") as f:
        skipped = [(r["path"], r["reason"]) for r in csv.DictReader(f)]
    assert e.skipped == skipped


def test_labels_none_and_layout(folder):
    root, _ = folder
    e = embscope.embed(root, pixels_size=4, labels="none", n_jobs=1)
    rows = e.items.to_dict("records") if hasattr(e.items, "to_dict") else e.items
    assert all(r["label"] == "" for r in rows)
    e = embscope.embed(root, pixels_size=4, layout="recursive", n_jobs=1)
    assert e.layout == "recursive" and e.vectors.shape == (6, 16)


def test_errors(tmp_path, folder):
    with pytest.raises(embscope.EmbscopeError, match="nothing-here"):
        embscope.embed(tmp_path / "nothing-here")
    root, _ = folder
    with pytest.raises(ValueError, match="features"):
        embscope.embed(root, features="sift")
    with pytest.raises(ValueError, match="model="):
        embscope.embed(root, features="clip")
    with pytest.raises(ValueError, match="layout"):
        embscope.embed(root, layout="zigzag")
    with pytest.raises(embscope.EmbscopeError, match="missing.safetensors"):
        embscope.embed(root, features="clip", model=tmp_path / "missing.safetensors")
    (tmp_path / "empty").mkdir()
    with pytest.raises(embscope.EmbscopeError):
        embscope.embed(tmp_path / "empty")


def test_npy_passthrough(tmp_path):
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    np.save(tmp_path / "v.npy", x)
    e = embscope.embed(tmp_path / "v.npy")
    np.testing.assert_array_equal(e.vectors, x)
    assert e.layout == "vectors"

"""test_examples.py - the example scripts under python/examples run on the
package: clip_search.py on a folder of the repository's test images with
the random-weight CLIP checkpoint of tests/data/clip/openai (weights say
nothing about content, so the check is structural and one that random
weights cannot fake: an image and its byte copy are each other's nearest,
at cosine 1, and no image lists itself)."""
import os
import shutil
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "python", "examples"))
MODEL = os.path.join(REPO, "tests", "data", "clip", "openai", "model.f32.safetensors")
IMAGES = os.path.join(REPO, "tests", "data", "clip", "pre")


def test_clip_search_finds_the_copy(tmp_path):
    if not os.path.exists(MODEL):
        pytest.fail("test model missing: " + MODEL)
    import clip_search
    d = tmp_path / "imgs"
    d.mkdir()
    names = sorted(f for f in os.listdir(IMAGES) if f.endswith(".png"))
    assert len(names) >= 4
    for f in names:
        shutil.copy(os.path.join(IMAGES, f), d / f)
    shutil.copy(os.path.join(IMAGES, names[1]), d / "copy_of_1.png")
    res = dict(clip_search.search(str(d), MODEL, queries=[names[1], "copy_of_1.png", names[0]], k=3))
    assert set(res) == {names[1], "copy_of_1.png", names[0]}
    assert res[names[1]][0][0] == "copy_of_1.png"
    assert res["copy_of_1.png"][0][0] == names[1]
    assert res[names[1]][0][1] == pytest.approx(1.0, abs=1e-5)
    for q, hits in res.items():
        assert len(hits) == 3
        assert q not in [p for p, _ in hits]
        assert all(-1.0 - 1e-5 <= c <= 1.0 + 1e-5 for _, c in hits)
    # an image that is not a copy of anything is farther from its nearest
    assert res[names[0]][0][1] < 1.0 - 1e-4

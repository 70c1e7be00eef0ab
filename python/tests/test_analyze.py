"""test_analyze.py - embscope.analyze() runs the library's emb_analyze_run:
on a folder of class sub-folders of small PNGs made here, the package and
`embscope analyze` write the same bytes (one thread, one OpenBLAS thread,
same seed), and the Analysis reads them back: arrays, tables with the
program's columns and rows, summary counts. Errors: a bad path raises with
the path in the message, an unknown keyword TypeError, a bad value
ValueError, a parameter that does not fit the data the library's message."""
import filecmp
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import embscope

PKG = os.path.dirname(os.path.dirname(os.path.abspath(embscope.__file__)))
CLI = os.environ.get("EMBSCOPE_CLI", "")
FILES = ("items.csv", "embeddings.npy", "skipped.csv", "neighbors.npy", "distances.npy", "map.npy", "map.csv",
         "duplicates.csv", "leakage.csv", "outliers.csv", "label_issues.csv", "image_issues.csv", "clusters.csv")


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """train/ and test/ of three classes, 12 x 12 RGB PNGs around one
    picture per class (so labels mean something), one image copied across
    the splits (a leak) and one nearly black."""
    Image = pytest.importorskip("PIL.Image")
    root = tmp_path_factory.mktemp("photos")
    rs = np.random.RandomState(0)
    bases = {c: rs.randint(0, 256, (12, 12, 3)) for c in ("cat", "dog", "fox")}
    for split in ("train", "test"):
        for c, base in bases.items():
            d = root / split / c
            d.mkdir(parents=True)
            for i in range(15):
                img = np.clip(base + rs.normal(0, 30, base.shape), 0, 255).astype(np.uint8)
                Image.fromarray(img).save(str(d / ("%s%02d.png" % (c, i))))
    Image.open(str(root / "train" / "cat" / "cat00.png")).save(str(root / "test" / "cat" / "leak.png"))
    Image.fromarray(np.full((12, 12, 3), 2, np.uint8)).save(str(root / "test" / "dog" / "dark.png"))
    return root


def package_analyze(out, data, **kw):
    """embscope.analyze in a child with one OpenBLAS thread (as --threads 1
    sets it in the program: SGEMM rounding follows its thread count)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONPATH=PKG)
    code = ("import embscope, sys\na = embscope.analyze(%r, out=%r, threads=1, **%r)\nprint(a.report_path)\n"
            % (str(data), str(out), kw))
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def without_timings(s):
    return {k: v for k, v in s.items() if k not in ("timings", "cpu_s", "memory")}


def test_same_as_cli(tmp_path, photos):
    if not (CLI and os.access(CLI, os.X_OK)):
        pytest.skip("the embscope program is not built (EMBSCOPE_CLI=%r)" % CLI)
    cli_out, py_out = tmp_path / "cli", tmp_path / "py"
    subprocess.run([CLI, "analyze", str(photos), "-o", str(cli_out), "--threads", "1", "--seed", "5", "--dims", "2",
                    "--quiet"], check=True, capture_output=True)
    report = package_analyze(py_out, photos, seed=5, dims=2)
    assert report == str(py_out / "report.html") and os.path.exists(report)
    for name in FILES:
        assert filecmp.cmp(str(cli_out / name), str(py_out / name), shallow=False), name
    with open(cli_out / "summary.json") as f:
        s_cli = json.load(f)
    with open(py_out / "summary.json") as f:
        s_py = json.load(f)
    assert without_timings(s_cli) == without_timings(s_py)
    assert s_py["dataset"]["items"] == 92


def test_analysis_fields(tmp_path, photos):
    a = embscope.analyze(photos, out=tmp_path / "out", n_jobs=1, dims=2, clusters="kmeans:3", pixels_size=12)
    n = 92
    assert a.out_dir == str(tmp_path / "out") and a.report_path == str(tmp_path / "out" / "report.html")
    assert a.embeddings.shape == (n, 12 * 12) and a.embeddings.dtype == np.float32   # grayscale 12 x 12
    np.testing.assert_array_equal(a.embeddings, np.load(tmp_path / "out" / "embeddings.npy"))
    assert a.neighbors.shape == (n, 15) and a.neighbors.dtype == np.int32
    assert a.distances.shape == (n, 15) and a.distances.dtype == np.float32
    assert (np.diff(a.distances, axis=1) >= 0).all()
    assert a.map.shape == (n, 2) and a.map.dtype == np.float32
    assert a.summary["dataset"]["items"] == n and a.summary["parameters"]["map_dims"] == 2
    columns = {
        "items": ["index", "path", "split", "label"],
        "skipped": ["path", "reason"],
        "clusters": ["index", "cluster"],
        "outliers": ["rank", "index", "path", "split", "label", "score", "percentile", "flagged"],
        "label_issues": ["rank", "index", "path", "split", "label", "suggested", "score"],
        "duplicates": ["group", "index", "path", "split", "label", "similarity", "kind"],
        "image_issues": ["index", "path", "split", "label", "issues"],
    }
    for name, cols in columns.items():
        t = getattr(a, name)
        have = list(t.columns) if hasattr(t, "columns") else (list(t[0]) if t else cols)
        assert have[:len(cols)] == cols, (name, have)
    rows = lambda t: t.to_dict("records") if hasattr(t, "to_dict") else t   # noqa: E731
    items = rows(a.items)
    assert len(items) == n and [r["index"] for r in items] == list(range(n))
    assert {r["split"] for r in items} == {"train", "test"} and {r["label"] for r in items} == {"cat", "dog", "fox"}
    assert len(rows(a.outliers)) == n and len(rows(a.clusters)) == n
    assert {r["cluster"] for r in rows(a.clusters)} <= {0, 1, 2}
    assert len(rows(a.skipped)) == 0
    leak = {r["path"] for r in rows(a.leakage)}
    assert any(p.endswith("leak.png") for p in leak) and any(p.endswith("cat00.png") for p in leak)
    assert any(r["path"].endswith("dark.png") for r in rows(a.image_issues))
    assert len(rows(a.zero_shot)) == 0   # not asked for: an empty table
    assert "Analysis(92 items x 144 dims, map 2D" in repr(a)


def test_vectors_no_map(tmp_path, blobs):
    x, _ = blobs
    np.save(tmp_path / "x.npy", x)
    a = embscope.analyze(tmp_path / "x.npy", out=tmp_path / "out", map="none", clusters="none", k=10)
    assert a.map is None
    np.testing.assert_array_equal(a.embeddings, x)
    assert a.neighbors.shape == (300, 10)
    assert a.summary["parameters"]["map"] == "none"
    assert a.summary["stages_left_out"]["clusters"] == "--clusters none"


def test_float16_vectors_with_storage_f16(tmp_path, blobs):
    # a float16 .npy read as it is: embeddings.npy stays float16, the graph
    # is the one of the same values widened to float32 on load (the default)
    x, _ = blobs
    h = x.astype(np.float16)
    np.save(tmp_path / "h.npy", h)
    run = dict(map="none", clusters="none", k=10)
    a = embscope.analyze(tmp_path / "h.npy", out=tmp_path / "o16", storage="f16", **run)
    b = embscope.analyze(tmp_path / "h.npy", out=tmp_path / "o32", **run)
    assert a.embeddings.dtype == np.float16 and b.embeddings.dtype == np.float32
    np.testing.assert_array_equal(a.embeddings.astype(np.float32), b.embeddings)
    assert a.summary["embeddings"]["precision"] == "f16" and b.summary["embeddings"]["precision"] == "f32"
    np.testing.assert_array_equal(a.neighbors, b.neighbors)   # 300 rows: the exact search on both
    with pytest.raises(ValueError, match="storage"):
        embscope.analyze(tmp_path / "h.npy", out=tmp_path / "o", storage="f8", **run)


def test_default_out_is_a_kept_temp_folder(tmp_path, blobs):
    np.save(tmp_path / "x.npy", blobs[0])
    a = embscope.analyze(str(tmp_path / "x.npy"), map="none", clusters="none")
    assert os.path.isdir(a.out_dir) and os.path.basename(a.out_dir).startswith("embscope-analyze-")
    assert a.report_path == os.path.join(a.out_dir, "report.html") and os.path.exists(a.report_path)


def test_bad_path_raises_with_the_path(tmp_path):
    bad = str(tmp_path / "no_such_dataset")
    with pytest.raises(embscope.EmbscopeError) as e:
        embscope.analyze(bad, out=tmp_path / "out")
    assert bad in str(e.value)


def test_n_jobs_and_its_alias_threads(tmp_path, blobs):
    """n_jobs as in embscope.embed and scikit-learn (-1 = all cores), threads
    still accepted (0 = all cores); summary.json's parameters.threads says
    what ran. Both at once is an error, not one silently ignored."""
    np.save(tmp_path / "x.npy", blobs[0])
    run = dict(map="none", clusters="none")
    ran = {}
    for name, kw in [("n_jobs=1", {"n_jobs": 1}), ("threads=1", {"threads": 1}), ("n_jobs=-1", {"n_jobs": -1}),
                     ("threads=0", {"threads": 0}), ("default", {})]:
        ran[name] = embscope.analyze(tmp_path / "x.npy", out=tmp_path / "out", **kw, **run).summary["parameters"]["threads"]
    assert ran["n_jobs=1"] == ran["threads=1"] == 1, ran
    assert ran["n_jobs=-1"] == ran["threads=0"] == ran["default"] >= 1, ran
    with pytest.raises(ValueError, match="n_jobs=1 and threads=1"):
        embscope.analyze(tmp_path / "x.npy", out=tmp_path / "out", n_jobs=1, threads=1, **run)
    for bad in ({"n_jobs": 0}, {"n_jobs": 1.5}, {"threads": -1}, {"threads": True}):
        with pytest.raises(ValueError):
            embscope.analyze(tmp_path / "x.npy", out=tmp_path / "out", **bad, **run)


def test_unknown_keyword_and_bad_values(tmp_path):
    with pytest.raises(TypeError):
        embscope.analyze(str(tmp_path), out=tmp_path / "out", no_such_option=1)
    with pytest.raises(ValueError):
        embscope.analyze(str(tmp_path), out=tmp_path / "out", map="pca")
    with pytest.raises(ValueError):
        embscope.analyze(str(tmp_path), out=tmp_path / "out", clusters="kmeans:zero")
    with pytest.raises(ValueError):
        embscope.analyze(str(tmp_path), out=tmp_path / "out", map="tsne", dims=4)


def test_params_that_do_not_fit_the_data(tmp_path, blobs):
    np.save(tmp_path / "x.npy", blobs[0])
    with pytest.raises(embscope.InvalidArgumentError) as e:
        embscope.analyze(tmp_path / "x.npy", out=tmp_path / "out", zero_shot=True, map="none", clusters="none")
    assert "--zero-shot needs --features clip" in str(e.value)


def test_tables_without_pandas(tmp_path, blobs):
    """No pandas: the tables are lists of dicts, numbers converted, paths kept as text."""
    np.save(tmp_path / "x.npy", blobs[0])
    code = ("import sys\nsys.modules['pandas'] = None\nimport embscope\n"
            "a = embscope.analyze(%r, out=%r, map='none', clusters='kmeans:3')\n"
            "assert isinstance(a.items, list) and len(a.items) == 300, a.items[:2]\n"
            "assert a.items[5]['index'] == 5 and isinstance(a.items[5]['path'], str)\n"
            "assert isinstance(a.outliers, list) and isinstance(a.outliers[0]['score'], float)\n"
            "assert sorted({r['cluster'] for r in a.clusters}) == [0, 1, 2]\n"
            "print('ok')\n" % (str(tmp_path / "x.npy"), str(tmp_path / "out")))
    r = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=PKG), capture_output=True,
                       text=True)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_tables_of_this_run_only(tmp_path, blobs):
    """A second run into the same folder with clusters="none": the first
    run's clusters.csv is still there, the Analysis's table is empty."""
    np.save(tmp_path / "x.npy", blobs[0])
    a = embscope.analyze(tmp_path / "x.npy", out=tmp_path / "out", map="none", clusters="kmeans:3")
    assert len(a.clusters) == 300
    b = embscope.analyze(tmp_path / "x.npy", out=tmp_path / "out", map="none", clusters="none")
    assert os.path.exists(tmp_path / "out" / "clusters.csv") and len(b.clusters) == 0
    assert len(b.label_issues) == 0 and len(b.zero_shot) == 0 and len(b.annotation_issues) == 0

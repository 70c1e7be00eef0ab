"""make_quality_ref.py - the peers' map quality that python/tests/test_quality.py
compares embscope against: 10-NN label accuracy (leave-one-out, Euclidean,
in the map) of scikit-learn's TSNE and umap-learn's UMAP on the data the test
builds (scikit-learn's load_digits, see quality_data in conftest.py), one map
per seed, and of umap-learn's transform (held-out rows placed in a map
fitted without them). Writes quality_ref.json beside this file with the versions used.

    /usr/bin/python3 python/tests/ref/make_quality_ref.py
"""
import json
import os
import platform
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from quality import SEEDS, heldout_accuracy, knn_accuracy, quality_data, split  # noqa: E402


def main():
    import sklearn
    import umap
    from sklearn.manifold import TSNE

    out = {"versions": {"python": platform.python_version(), "numpy": np.__version__,
                        "sklearn": sklearn.__version__, "umap": umap.__version__},
           "measure": "10-NN leave-one-out label accuracy in the 2-D map", "runs": {}}
    for name in ("tsne", "umap"):
        x, y = quality_data(name)
        accs = []
        for seed in SEEDS[name]:
            if name == "tsne":
                m = TSNE(n_components=2, random_state=seed).fit_transform(x)
            else:
                m = umap.UMAP(n_components=2, random_state=seed).fit_transform(x)
            accs.append(knn_accuracy(m, y))
            print(name, seed, accs[-1], flush=True)
        out["runs"][name] = {"n": int(x.shape[0]), "seeds": SEEDS[name], "accuracy": accs,
                             "mean": float(np.mean(accs))}
    # transform: fit on 4/5 of the digits, place the held-out fifth
    x, y = quality_data("umap")
    tr, te = split(len(y))
    accs = []
    for seed in SEEDS["umap"]:
        u = umap.UMAP(n_components=2, random_state=seed).fit(x[tr])
        accs.append(heldout_accuracy(u.embedding_, y[tr], u.transform(x[te]), y[te]))
        print("umap_transform", seed, accs[-1], flush=True)
    out["runs"]["umap_transform"] = {"n": int(x.shape[0]), "seeds": SEEDS["umap"], "accuracy": accs,
                                     "mean": float(np.mean(accs)),
                                     "measure": "10-NN accuracy of held-out rows (every 5th) "
                                                "among the training rows in the map"}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "quality_ref.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()

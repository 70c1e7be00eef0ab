"""quality.py - the data and the measure of python/tests/test_quality.py and
of ref/make_quality_ref.py (which records the peers' numbers)."""
import numpy as np

# seeds per method: embscope's t-SNE map depends on the seed only through a
# randomized PCA solver for very wide data (not these), so one seed says all
SEEDS = {"tsne": [0], "umap": [0, 1, 2]}
# rows of load_digits per method: t-SNE on 700 (embscope's exact gradient,
# O(n^2), keeps the suite short), UMAP on all 1797
ROWS = {"tsne": 700, "umap": 1797}


def quality_data(name):
    """(x float32 (n, 64), labels) from scikit-learn's bundled digits."""
    from sklearn.datasets import load_digits
    d = load_digits()
    n = ROWS[name]
    return d.data[:n].astype(np.float32), d.target[:n]


def knn_accuracy(m, labels, k=10):
    """Leave-one-out k-NN label accuracy in the map m (n, dims), Euclidean,
    majority vote (ties: the smallest label)."""
    m = np.asarray(m, np.float64)
    d2 = ((m[:, None, :] - m[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d2, np.inf)
    nn = np.argsort(d2, axis=1, kind="stable")[:, :k]
    votes = labels[nn]
    n_cls = int(labels.max()) + 1
    counts = np.zeros((len(labels), n_cls), int)
    for c in range(n_cls):
        counts[:, c] = (votes == c).sum(1)
    return float((counts.argmax(1) == labels).mean())


def split(n, every=5):
    """Held-out rows for transform: every 5th row (train, test boolean masks)."""
    test = np.arange(n) % every == 0
    return ~test, test


def heldout_accuracy(train_map, train_labels, test_map, test_labels, k=10):
    """k-NN label accuracy of held-out points placed in a map: each test
    point's k nearest training points in the map vote."""
    a = np.asarray(test_map, np.float64)
    b = np.asarray(train_map, np.float64)
    d2 = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
    nn = np.argsort(d2, axis=1, kind="stable")[:, :k]
    votes = train_labels[nn]
    n_cls = int(max(train_labels.max(), test_labels.max())) + 1
    counts = np.stack([(votes == c).sum(1) for c in range(n_cls)], 1)
    return float((counts.argmax(1) == test_labels).mean())

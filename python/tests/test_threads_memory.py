"""test_threads_memory.py - two Python threads calling the library at once
get the results one thread gets (the GIL is released during the calls), and
repeated calls do not grow the process (RSS steady)."""
import threading

import numpy as np

import embscope


def test_two_threads_at_once(digits):
    x = digits[0][:600]
    expect_u = embscope.UMAP(random_state=4, n_jobs=1, n_epochs=100).fit_transform(x)
    expect_k = embscope.kneighbors(x, 10, n_jobs=1)[0]
    results, errors = {}, []

    def run(name, fn):
        try:
            results[name] = fn()
        except Exception as e:    # reported below, on the main thread
            errors.append(e)

    threads = [threading.Thread(target=run, args=("umap", lambda: embscope.UMAP(
                   random_state=4, n_jobs=1, n_epochs=100).fit_transform(x))),
               threading.Thread(target=run, args=("knn", lambda: [
                   embscope.kneighbors(x, 10, n_jobs=1)[0] for _ in range(5)]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    np.testing.assert_array_equal(results["umap"], expect_u)
    for idx in results["knn"]:
        np.testing.assert_array_equal(idx, expect_k)


def test_error_messages_stay_per_thread():
    bad = np.random.RandomState(0).rand(10, 3).astype(np.float32)
    messages, barrier = [], threading.Barrier(2)

    def run():
        barrier.wait()
        try:
            embscope.TSNE().fit_transform(bad)
        except embscope.InvalidArgumentError as e:
            messages.append(str(e))

    ts = [threading.Thread(target=run) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert len(messages) == 2 and all("perplexity" in m for m in messages)


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_no_rss_growth_over_repeated_calls(digits):
    x = digits[0][:200]

    def once():
        embscope.UMAP(n_epochs=10, n_jobs=1, random_state=0).fit_transform(x)
        embscope.TSNE(n_iter=250, perplexity=10, n_jobs=1, random_state=0).fit_transform(x[:60])
        embscope.kneighbors(x, 10)
        embscope.PCA(5).fit_transform(x)
    for _ in range(5):        # warm up: allocator pools, OpenMP / BLAS threads
        once()
    before = rss_kib()
    for _ in range(50):
        once()
    grown = rss_kib() - before
    assert grown < 8 * 1024, "RSS grew by %d KiB over 50 rounds" % grown


def test_gil_released_during_the_call(digits):
    # While a map is computed on another thread, this thread keeps running
    # Python: with the GIL held for the C call it would get only the few
    # milliseconds of Python around it.
    x = digits[0][:800]
    done = threading.Event()

    def work():
        embscope.UMAP(n_jobs=1, random_state=0, n_epochs=200).fit_transform(x)
        done.set()

    t = threading.Thread(target=work)
    t.start()
    spins = 0
    while not done.is_set():
        spins += 1
    t.join()
    assert spins > 20000, spins

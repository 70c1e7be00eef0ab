#!/usr/bin/env bash
# test_mpi_ranks.sh - embed, neighbours and analyze as MPI ranks (src/mpi/),
# on localhost with 1, 2 and 3 ranks, against the single-process run of the
# same binary:
#   - embed of an image folder (3 classes, 2 unreadable files): items.csv,
#     embeddings.npy and skipped.csv byte-identical;
#   - the same with more ranks than items, and with one rank's whole
#     shard unreadable;
#   - neighbors --exact of 9,000 x 16 random vectors (3 x 3 blocks of the
#     SGEMM, 6 block pairs to split; cosine k 15 and Euclidean k 7):
#     neighbors.npy and distances.npy byte-identical; the single-process
#     graph itself checked against scikit-learn's brute force (idx equal
#     where the distances are not tied, dist within 1e-5);
#   - neighbors --approx under 2 and 3 ranks (6,000 x 48 of rank 8): recall@15
#     >= 0.97 against exact;
#   - analyze under 2 ranks: embeddings, neighbours and duplicates as alone;
#   - a rank killed mid-run (rank 1 blocked reading its --labels FIFO after
#     MPI started, rank 0 waiting for it, then SIGKILL): mpirun fails, says
#     which rank died, and the previous outputs are untouched.
# Args: $1 = embscope binary (built with -DEMB_MPI=ON), $2 = output folder,
# $3 = mpiexec. Exit 77 = no mpiexec / numpy / PIL.
set -euo pipefail
bin=$1
out=$2
mpiexec=${3:-mpiexec}
command -v "$mpiexec" >/dev/null || { echo "skip: no $mpiexec (apt-get install openmpi-bin)"; exit 77; }
/usr/bin/python3 -c "import numpy, PIL" 2>/dev/null || { echo "skip: no numpy / PIL"; exit 77; }
rm -rf "$out"
mkdir -p "$out"
cd "$out"
/usr/bin/python3 - <<'PY'
import os
import numpy as np
from PIL import Image
rng = np.random.default_rng(21)
for c in ["cat", "dog", "owl"]:
    os.makedirs(f"data/{c}", exist_ok=True)
    for i in range(23):
        a = rng.integers(0, 255, (20 + i, 28 + (i % 5), 3), dtype=np.uint8)
        Image.fromarray(a).save(f"data/{c}/{i:03d}.png")
Image.open("data/cat/000.png").save("data/dog/dup.png")          # a duplicate across classes
open("data/dog/broken.png", "wb").write(b"\x89PNG\r\n\x1a\n cut short")
open("data/owl/empty.jpg", "wb").write(b"")
np.save("vec.npy", rng.standard_normal((9000, 16)).astype(np.float32))
# for approximate search: 8-d structure in 48-d, as embeddings have
low = rng.standard_normal((6000, 8)) @ rng.standard_normal((8, 48))
np.save("vec_low.npy", (low + 0.05 * rng.standard_normal(low.shape)).astype(np.float32))
PY
run=("$mpiexec" --oversubscribe)
[ "$(id -u)" -ne 0 ] || run+=(--allow-run-as-root)
fail=0
same() {   # same DIR1 DIR2 FILES...
  local a=$1 b=$2; shift 2
  for f in "$@"; do
    if cmp -s "$a/$f" "$b/$f"; then echo "ok: $b/$f identical to $a/$f"
    else echo "FAIL: $b/$f differs from $a/$f"; fail=1; fi
  done
}

# single process
"$bin" embed data -o one --threads 1 --quiet
"$bin" neighbors vec.npy --exact -o k_one --threads 1 --quiet
"$bin" neighbors vec.npy --exact --metric euclidean -k 7 -o ke_one --threads 1 --quiet
grep -q broken.png one/skipped.csv && grep -q empty.jpg one/skipped.csv || { echo "FAIL: skipped.csv lacks the broken files"; fail=1; }

for np in 1 2 3; do
  "${run[@]}" -np $np "$bin" embed data -o e$np --threads 1 --quiet
  same one e$np items.csv embeddings.npy skipped.csv
  "${run[@]}" -np $np "$bin" neighbors vec.npy --exact -o k$np --threads 1 --quiet
  same k_one k$np neighbors.npy distances.npy
done
"${run[@]}" -np 3 "$bin" neighbors vec.npy --exact --metric euclidean -k 7 -o ke3 --threads 1 --quiet
same ke_one ke3 neighbors.npy distances.npy

# more ranks than items (rank 0's shard is empty), and a shard with no
# readable file (rank 2's: the last 6 items are broken); no --threads:
# the node's cores shared among its ranks
mkdir -p tiny/a edge/a edge/z
cp data/cat/000.png data/cat/001.png tiny/a/
cp data/cat/00*.png edge/a/
for i in 1 2 3 4 5 6; do echo junk > edge/z/bad$i.png; done
for d in tiny edge; do
  "$bin" embed $d -o ${d}_one --threads 1 --quiet
  "${run[@]}" -np 3 "$bin" embed $d -o ${d}3 --quiet
  same ${d}_one ${d}3 items.csv embeddings.npy skipped.csv
done

# the exact graph against scikit-learn, and approximate recall under 2 ranks
"${run[@]}" -np 2 "$bin" neighbors vec_low.npy --approx -o ka2 --threads 1 --quiet
"${run[@]}" -np 3 "$bin" neighbors vec_low.npy --approx -o ka3 --threads 1 --quiet
"$bin" neighbors vec_low.npy --exact -o kl_one --threads 1 --quiet
/usr/bin/python3 - <<'PY' || fail=1
import numpy as np, sys
x = np.load("vec.npy").astype(np.float64)
idx, dist = np.load("k_one/neighbors.npy"), np.load("k_one/distances.npy")
xn = x / np.linalg.norm(x, axis=1, keepdims=True)
rows = np.random.default_rng(0).choice(len(x), 300, replace=False)
bad = 0
try:
    from sklearn.neighbors import NearestNeighbors
    nn = NearestNeighbors(n_neighbors=16, metric="cosine", algorithm="brute").fit(x)
    rd, ri = nn.kneighbors(x[rows])
    rd, ri = rd[:, 1:], ri[:, 1:]
    ref = "scikit-learn"
except ImportError:
    d = 1 - xn[rows] @ xn.T
    d[np.arange(len(rows)), rows] = np.inf
    ri = np.argsort(d, axis=1, kind="stable")[:, :15]
    rd = np.take_along_axis(d, ri, axis=1)
    ref = "numpy"
if not np.allclose(dist[rows], rd, rtol=1e-5, atol=1e-5):
    print("FAIL: exact distances differ from", ref, np.abs(dist[rows] - rd).max()); bad = 1
untied = np.abs(np.diff(rd, axis=1)).min(axis=1) > 1e-6
if (idx[rows][untied] != ri[untied]).any():
    print("FAIL: exact indices differ from", ref); bad = 1
print(f"exact graph vs {ref} on 300 rows: {'ok' if not bad else 'FAIL'}")
e = np.load("kl_one/neighbors.npy")
for r in (2, 3):
    a = np.load(f"ka{r}/neighbors.npy")
    recall = np.mean([len(set(a[i]) & set(e[i])) / 15 for i in range(len(a))])
    print(f"approx recall@15 under {r} ranks: {recall:.4f}")
    if recall < 0.97:
        print("FAIL: recall < 0.97"); bad = 1
sys.exit(bad)
PY

# analyze: embed and neighbours on 2 ranks, the rest on rank 0
"$bin" analyze data -o a_one --threads 1 --quiet --map none
"${run[@]}" -np 2 "$bin" analyze data -o a2 --threads 1 --quiet --map none
same a_one a2 items.csv embeddings.npy neighbors.npy distances.npy duplicates.csv
[ -s a2/report.html ] || { echo "FAIL: analyze under mpirun wrote no report.html"; fail=1; }

# a rank that dies: rank 1 blocks on a FIFO given as its --labels (opened
# after MPI started), rank 0 waits for its shard; rank 1 is killed
printf 'path,label\n' > labels.csv
mkfifo block.fifo
cat > rank.sh <<'SH'
#!/bin/sh
echo $$ > "pid.$OMPI_COMM_WORLD_RANK"
labels=labels.csv
[ "$OMPI_COMM_WORLD_RANK" = 1 ] && labels=block.fifo
exec "$@" --labels "$labels"
SH
chmod +x rank.sh
"$bin" embed data -o killed --threads 1 --quiet --labels labels.csv
cp -r killed killed.before
"${run[@]}" -np 2 ./rank.sh "$bin" embed data -o killed --threads 1 --quiet > kill.log 2>&1 &
job=$!
for _ in $(seq 100); do [ -s pid.1 ] && break; sleep 0.1; done
sleep 1
[ -s pid.1 ] && kill -0 "$(cat pid.1)" 2>/dev/null || { echo "FAIL: rank 1 did not start or block"; fail=1; }
kill -9 "$(cat pid.1)" 2>/dev/null || true
rc=0
wait $job || rc=$?
cat kill.log
if [ $rc -eq 0 ]; then echo "FAIL: mpirun succeeded though rank 1 was killed"; fail=1
else echo "ok: mpirun failed (exit $rc) when rank 1 was killed"; fi
grep -qiE "signal 9|killed" kill.log || { echo "FAIL: no message naming the killed rank"; fail=1; }
same killed.before killed items.csv embeddings.npy skipped.csv
[ -z "$(ls killed | grep -v -x -e items.csv -e embeddings.npy -e skipped.csv -e annotation_issues.csv)" ] || { echo "FAIL: leftover files in killed/: $(ls killed)"; fail=1; }
exit $fail

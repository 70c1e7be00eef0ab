#!/usr/bin/env bash
# bench/mpi/run.sh - embed and exact kNN as 1 rank x 2 threads, 2 ranks x
# 1 thread and 1 rank x 1 thread on this machine, outputs compared byte for
# byte, per-rank compute / communication seconds and bytes from the
# program's own log lines ("rank r/R: ..."). Results: bench/mpi/RESULTS.md.
# Usage: bench/mpi/run.sh BUILD_DIR (configured with -DEMB_MPI=ON) [WORK]
#   CLIP=path/model.safetensors   also time CLIP ViT embedding (optional)
#   N_JPG (2000), KNN_ROWS (20000), ROUNDS (2): sizes of the work
# Run it under `flock /tmp/embscope-bench.lock` on a shared machine.
set -euo pipefail
bin=$(cd "$1" && pwd)/embscope
work=${2:-/tmp/embscope-bench-mpi}
mkdir -p "$work"
cd "$work"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi=(mpirun --oversubscribe --bind-to none)
n_jpg=${N_JPG:-2000}
knn_rows=${KNN_ROWS:-20000}
if [ ! -d jpg ]; then
  /usr/bin/python3 - "$n_jpg" <<'PY'
import os, sys, numpy as np
from PIL import Image
rng = np.random.default_rng(5)
for c in range(4):
    os.makedirs(f"jpg/c{c}", exist_ok=True)
    for i in range(int(sys.argv[1]) // 4):   # JPEGs of 640 x 480, smooth noise
        a = rng.integers(0, 255, (60, 80, 3), dtype=np.uint8)
        Image.fromarray(a).resize((640, 480), Image.BILINEAR).save(f"jpg/c{c}/{i:04d}.jpg", quality=90)
PY
fi
if [ ! -f fm.npy ]; then
  "$bin" embed /usr/share/datasets/fashion-mnist -o fm --quiet
  /usr/bin/python3 -c "import numpy as np; np.save('fm.npy', np.load('fm/embeddings.npy')[:$knn_rows])"
fi
t() {   # t LABEL CMD...: wall seconds of CMD, its per-rank log lines
  local label=$1; shift
  local t0=$(date +%s.%N)
  "$@" 2> log.txt
  local t1=$(date +%s.%N)
  printf '%-40s %7.2f s\n' "$label" "$(echo "$t1 - $t0" | bc)"
  grep "rank " log.txt | sed 's/^embscope: /    /' || true
}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), load $(cut -d' ' -f1-3 /proc/loadavg)"
for rep in $(seq "${ROUNDS:-2}"); do
  echo "-- round $rep"
  t "embed pixels $n_jpg jpg, 1 rank x 2 thr" "$bin" embed jpg -o e12 --threads 2 --quiet
  t "embed pixels $n_jpg jpg, 2 ranks x 1 thr" "${mpi[@]}" -np 2 "$bin" embed jpg -o e21 --threads 1 --quiet
  cmp e12/embeddings.npy e21/embeddings.npy && cmp e12/items.csv e21/items.csv && echo "    identical outputs"
  t "exact kNN $knn_rows x 784, 1 rank x 2 thr" "$bin" neighbors fm.npy --exact -o k12 --threads 2 --quiet
  t "exact kNN $knn_rows x 784, 2 ranks x 1 thr" "${mpi[@]}" -np 2 "$bin" neighbors fm.npy --exact -o k21 --threads 1 --quiet
  cmp k12/neighbors.npy k21/neighbors.npy && cmp k12/distances.npy k21/distances.npy && echo "    identical outputs"
  t "approx kNN $knn_rows x 784, 1 rank x 2 thr" "$bin" neighbors fm.npy --approx -o a12 --threads 2 --quiet
  t "approx kNN $knn_rows x 784, 2 ranks x 1 thr" "${mpi[@]}" -np 2 "$bin" neighbors fm.npy --approx -o a21 --threads 1 --quiet
  /usr/bin/python3 -c "
import numpy as np
e = np.load('k12/neighbors.npy')
for t in ('a12', 'a21'):
    a = np.load(t + '/neighbors.npy')
    print('    recall@15', t, round(float(np.mean([len(set(a[i]) & set(e[i])) / 15 for i in range(len(a))])), 4))"
  if [ -n "${CLIP:-}" ]; then
    mkdir -p clip/a && for i in $(seq -w 0 47); do ln -sf "$work/jpg/c0/00$i.jpg" clip/a/$i.jpg; done
    t "embed CLIP 48 jpg, 1 rank x 2 thr" "$bin" embed clip -o c12 --features clip --model "$CLIP" --threads 2 --quiet
    t "embed CLIP 48 jpg, 2 ranks x 1 thr" "${mpi[@]}" -np 2 "$bin" embed clip -o c21 --features clip --model "$CLIP" --threads 1 --quiet
    [ $rep = 1 ] && t "embed CLIP 48 jpg, 1 rank x 1 thr" "$bin" embed clip -o c11 --features clip --model "$CLIP" --threads 1 --quiet
    cmp c11/embeddings.npy c21/embeddings.npy && echo "    2 ranks x 1 thr identical to 1 rank x 1 thr" || echo "    2 ranks x 1 thr differ from 1 rank x 1 thr"
  fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

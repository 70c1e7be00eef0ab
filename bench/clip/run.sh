#!/bin/bash
# bench/clip/run.sh EMBSCOPE [WORK] - CLIP ViT-B/32 (random weights): embscope
# f32 / bf16 vs PyTorch vs ONNX Runtime at batch 1 and 32, 2 threads, and
# end to end 500 JPEGs -> vectors vs PIL + PyTorch, all in one run under
# /tmp/embscope-bench.lock. Needs Debian's python3-torch, node, and
# onnxruntime-node (npm install --ignore-scripts onnxruntime-node; point
# ORT_NODE_MODULES at its node_modules). Prints the table (report.py).
set -euo pipefail
EMB=$(readlink -f "$1")
WORK=${2:-/tmp/embscope-clipbench}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
T=2
export NODE_PATH=${ORT_NODE_MODULES:-$HERE/node_modules}
mkdir -p "$WORK"
[ -f "$WORK/vitb32.onnx" ] || flock /tmp/embscope-bench.lock $PY "$HERE/make_vitb32.py" "$WORK"
exec 9>/tmp/embscope-bench.lock
# EMB_BENCH_NOLOCK=1: run without waiting for the lock (numbers then share
# the CPUs with whatever else runs; the report says so, with the load)
[ "${EMB_BENCH_NOLOCK:-0}" = 1 ] || flock 9
R="$WORK/results.jsonl"
: > "$R"
printf 'env\t{"lock": %s, "load_start": "%s"}\n' "$([ "${EMB_BENCH_NOLOCK:-0}" = 1 ] && echo false || echo true)" "$(cut -d' ' -f1-3 /proc/loadavg)" >> "$R"
python3 "$(dirname "$0")/../machine.py" "$EMB" >&2   # CPU model, SIMD level, OPENBLAS_CORETYPE
printf 'peak\t%s\n' "$("$EMB" clip --gemm-peak --threads $T)" >> "$R"
for n in 1 32; do
  rep=$([ $n = 1 ] && echo 20 || echo 3)
  for p in f32 bf16; do
    printf 'emb_%s_%s\t%s\n' $p $n "$("$EMB" clip "$WORK/pixels$n.npy" --model "$WORK/vitb32/model.safetensors" \
      --precision $p --batch 32 --threads $T --repeat $rep --out "$WORK/emb_${p}_$n.npy")" >> "$R"
  done
  printf 'ort_%s\t%s\n' $n "$(node "$HERE/ort_bench.js" "$WORK/vitb32.onnx" "$WORK/pixels$n.npy" $T $rep "$WORK/ort_$n.f32")" >> "$R"
done
$PY "$HERE/torch_bench.py" "$WORK" $T 3 model | while read -r l; do
  n=$(echo "$l" | $PY -c 'import json,sys; print(json.load(sys.stdin)["images"])'); printf 'torch_%s\t%s\n' "$n" "$l"; done >> "$R"
# end to end: files -> vectors (f32, bf16, f32 --fast-decode, f32 --no-overlap)
for v in f32 bf16 fast serial; do
  p=f32; extra=""
  [ $v = bf16 ] && p=bf16
  [ $v = fast ] && extra=--fast-decode
  [ $v = serial ] && extra=--no-overlap
  sfx=$([ $v = f32 ] || echo _$v)
  t0=$(date +%s.%N)
  "$EMB" embed "$WORK/photos" -o "$WORK/e2e$sfx" --features clip --precision $p $extra \
    --model "$WORK/vitb32/model.safetensors" --threads $T --quiet
  t1=$(date +%s.%N)
  printf 'emb_e2e%s\t{"images": 500, "seconds": %s, "images_per_s": %s}\n' "$sfx" "$(echo "$t1 - $t0" | bc)" "$(echo "500 / ($t1 - $t0)" | bc -l)" >> "$R"
done
printf 'torch_e2e\t%s\n' "$($PY "$HERE/torch_bench.py" "$WORK" $T 1 e2e)" >> "$R"
printf 'env_end\t{"load_end": "%s"}\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >> "$R"
flock -u 9
$PY "$HERE/report.py" "$WORK"

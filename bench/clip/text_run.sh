#!/bin/bash
# bench/clip/text_run.sh BUILD [WORK] - CLIP's text side (random weights):
# the ViT-B/32 text tower in embscope (f32, bf16) vs ONNX Runtime on the same
# exported weights and ids, at batch 1 and 256 (prompt-length texts, and 256
# full 77-token texts), 2 threads; the tokenizer's tokens/s on one thread vs
# Hugging Face tokenizers; all in one run under /tmp/embscope-bench.lock.
# BUILD: a build folder with text_bench (cmake --build BUILD --target
# bench_clip_text). Needs python3-torch, node, onnxruntime-node
# (ORT_NODE_MODULES) and @anush008/tokenizers (TOKENIZERS_NODE_MODULES;
# web/node_modules has it after npm ci). Prints JSON lines, then the table.
set -euo pipefail
B=$(readlink -f "$1")
WORK=${2:-/tmp/embscope-textbench}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
T=2
mkdir -p "$WORK"
# EMB_BENCH_HELD=1: the caller holds /tmp/embscope-bench.lock already
# (flock /tmp/embscope-bench.lock env EMB_BENCH_HELD=1 bench/clip/text_run.sh build)
lock() { if [ "${EMB_BENCH_HELD:-0}" = 1 ]; then "$@"; else flock /tmp/embscope-bench.lock "$@"; fi; }
[ -f "$WORK/text_b32.onnx" ] || lock $PY "$HERE/make_text_b32.py" "$WORK"
exec 9>/tmp/embscope-bench.lock
[ "${EMB_BENCH_HELD:-0}" = 1 ] || flock 9
R="$WORK/results.jsonl"
: > "$R"
printf 'env\t{"load_start": "%s", "level": "%s"}\n' "$(cut -d' ' -f1-3 /proc/loadavg)" "$("$B/embscope" version)" >> "$R"
M="$WORK/text_b32/model.safetensors"
for set in 1 256 256full; do
  n=${set%full}
  rep=$([ $n = 1 ] && echo 30 || echo 3)
  for p in f32 bf16; do
    printf 'emb_%s_%s\t%s\n' $p $set "$("$B/text_bench" tower "$M" "$WORK/ids$set.i32" $n 256 $T $rep $p "$WORK/emb_${p}_$set.f32")" >> "$R"
  done
  printf 'ort_%s\t%s\n' $set "$(NODE_PATH=${ORT_NODE_MODULES:-$HERE/node_modules} node "$HERE/text_ort.js" "$WORK/text_b32.onnx" "$WORK/ids$set.i32" $n $T $rep "$WORK/ort_$set.f32")" >> "$R"
done
printf 'tok_emb\t%s\n' "$("$B/text_bench" tokenize "$WORK/tok/tokenizer.json" "$WORK/tok/corpus.txt" 5 "$WORK/tok_emb.ids")" >> "$R"
printf 'tok_hf\t%s\n' "$(TOKENIZERS_PARALLELISM=false RAYON_NUM_THREADS=1 NODE_PATH=${TOKENIZERS_NODE_MODULES:-$HERE/../../web/node_modules} node "$HERE/text_tok.js" "$WORK/tok/tokenizer.json" "$WORK/tok/corpus.txt" 5 "$WORK/tok_hf.ids")" >> "$R"
printf 'env_end\t{"load_end": "%s"}\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >> "$R"
[ "${EMB_BENCH_HELD:-0}" = 1 ] || flock -u 9
cat "$R"
$PY "$HERE/text_report.py" "$WORK"

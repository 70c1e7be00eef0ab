#!/usr/bin/python3
"""text_report.py WORK - the table of bench/clip/text_run.sh's results.jsonl,
with the largest difference between embscope's and ONNX Runtime's vectors."""
import json, os, sys
import numpy as np

work = sys.argv[1]
r = {}
for line in open(os.path.join(work, "results.jsonl")):
    k, v = line.rstrip("\n").split("\t", 1)
    r[k] = json.loads(v)
print("load at start / end:", r["env"]["load_start"], "/", r["env_end"]["load_end"], "|", r["env"]["level"])
print("| texts (batch) | mean tokens | embscope f32 texts/s | embscope bf16 texts/s | ONNX Runtime texts/s | f32 / ORT | max abs diff f32 vs ORT |")
print("|---|---|---|---|---|---|---|")
for s in ("1", "256", "256full"):
    e, b, o = r["emb_f32_" + s], r["emb_bf16_" + s], r["ort_" + s]
    a = np.fromfile(os.path.join(work, "emb_f32_%s.f32" % s), np.float32)
    c = np.fromfile(os.path.join(work, "ort_%s.f32" % s), np.float32)
    print("| %s | %.1f | %.1f | %.1f | %.1f | %.2fx | %.2g |" % (s, e["mean_tokens"], e["texts_per_s"], b["texts_per_s"],
                                                           o["texts_per_s"], e["texts_per_s"] / o["texts_per_s"],
                                                           float(np.abs(a - c).max())))
t, h = r["tok_emb"], r["tok_hf"]
print("\ntokenizer, one thread, %d lines, %d tokens: embscope %.2f M tokens/s, Hugging Face tokenizers %.2f M tokens/s (%.2fx)%s"
      % (t["lines"], t["tokens"], t["tokens_per_s"] / 1e6, h["tokens_per_s"] / 1e6, t["tokens_per_s"] / h["tokens_per_s"],
         "" if t["tokens"] == h["tokens"] else " TOKEN COUNTS DIFFER: %d vs %d" % (t["tokens"], h["tokens"])))
ie, ih = (os.path.join(work, "tok_%s.ids" % w) for w in ("emb", "hf"))
if os.path.exists(ie) and os.path.exists(ih):
    a, b = open(ie).read().splitlines(), open(ih).read().splitlines()
    same, n = sum(x == y for x, y in zip(a, b)), max(len(a), len(b))
    print("token ids: %d of %d lines identical (%.2f%%)" % (same, n, 100.0 * same / max(n, 1)))

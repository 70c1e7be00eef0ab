#!/usr/bin/python3
"""make_text_b32.py WORKDIR - random-weight CLIP ViT-B/32 text tower for
bench/clip/text_run.sh (width 512, 12 layers, 8 heads, context 77, vocab
49408, output 512; tests/ref/make_clip_text_ref.py's torch.nn model, QuickGELU):
WORKDIR/text_b32/model.safetensors (OpenAI names, F32) + open_clip_config.json,
the same weights as WORKDIR/text_b32.onnx (torch.onnx.export, opset 14,
dynamic batch, input ids int64 (n, 77), the argmax pooling inside),
WORKDIR/ids{1,256}.i32 (raw int32 (n, 77): start, 6-18 random tokens as a
class prompt has, end, zeros), WORKDIR/ids256full.i32 (77 tokens each, no
padding), and the tokenizer corpus: WORKDIR/tok/tokenizer.json (a BPE of
2000 merges learned on /usr/share/common-licenses in CLIP's layout) and
WORKDIR/tok/corpus.txt (those texts, one line each)."""
import json, os, sys
import numpy as np
import torch
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "ref"))
import make_clip_text_ref as T   # noqa: E402
import make_clip_ref as R        # noqa: E402
import clip_tokenizer_ref as TR  # noqa: E402

work = sys.argv[1]
os.makedirs(os.path.join(work, "text_b32"), exist_ok=True)
V, W, L, H, CTX, E = 49408, 512, 12, 8, 77, 512
torch.manual_seed(0)
m = T.Text(True, V, width=W, layers=L, heads=H, ctx=CTX, out=E).eval()
R.randomise(m)
R.save_safetensors(os.path.join(work, "text_b32", "model.safetensors"), T.openai_names(m), "f32")
with open(os.path.join(work, "text_b32", "open_clip_config.json"), "w") as f:
    json.dump({"model_cfg": {"quick_gelu": True, "text_cfg": {"width": W, "heads": H}}}, f)
rng = np.random.default_rng(0)


def rows(n, full):
    ids = np.zeros((n, CTX), np.int32)
    for i in range(n):
        k = CTX - 2 if full else int(rng.integers(6, 19))
        ids[i, 0] = V - 2
        ids[i, 1:k + 1] = rng.integers(1, V - 2, k)
        ids[i, k + 1] = V - 1
    return ids


for name, a in (("ids1", rows(1, False)), ("ids256", rows(256, False)), ("ids256full", rows(256, True))):
    a.tofile(os.path.join(work, name + ".i32"))
with torch.no_grad():
    x = torch.from_numpy(rows(2, False)).long()
    torch.onnx.export(m, x, os.path.join(work, "text_b32.onnx"), input_names=["ids"], output_names=["vec"],
                      dynamic_axes={"ids": {0: "n"}, "vec": {0: "n"}}, opset_version=14)
# tokenizer corpus
tok = os.path.join(work, "tok")
os.makedirs(tok, exist_ok=True)
lic = "/usr/share/common-licenses"
text = "".join(open(os.path.join(lic, f), errors="replace").read() for f in sorted(os.listdir(lic))
               if os.path.isfile(os.path.join(lic, f)))
lines = [l.strip() for l in text.split("\n") if l.strip()]
merges = TR.learn_merges(" ".join(lines[:3000]), 2000)
sys.argv = ["clip_tokenizer_ref.py", tok]
TR.learn_merges_orig = TR.learn_merges
TR.learn_merges = lambda t, n: merges      # the tokenizer files of these merges
TR.main()
with open(os.path.join(tok, "corpus.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
print("text tower, ONNX, ids, %d merges, %d corpus lines" % (len(merges), len(lines)), file=sys.stderr)

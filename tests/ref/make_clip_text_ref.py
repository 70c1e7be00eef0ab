#!/usr/bin/python3
"""make_clip_text_ref.py - golden files for the CLIP text tower tests
(tests/test_features_clip_text.c, tests/test_cli_search.c).

Builds a tiny CLIP text tower (width 32, 2 layers, 2 heads, context 77,
output 32, the 803-token vocabulary of tests/ref/clip_tokenizer_ref.py) from
torch.nn layers (nn.Embedding, nn.LayerNorm, nn.MultiheadAttention with a
causal attn_mask, nn.Linear) following openai/CLIP model.py encode_text,
with random weights, and writes into tests/data/clip/text/:

  hf/model.{f32,f16,bf16}.safetensors      Hugging Face names (text_model.*, text_projection.weight,
                                           logit_scale) + config.json (text_config: 2 heads, quick_gelu)
  openai/model.{f32,f16,bf16}.safetensors  OpenAI names (token_embedding, positional_embedding,
                                           transformer.resblocks.*, ln_final, text_projection)
                                           + open_clip_config.json (quick_gelu, text_cfg.heads 2)
  gelu/model.f32.safetensors               OpenAI names, other weights, nn.GELU, no logit_scale
  ids.txt        the token ids (n, 77) of the prompts, one row a line (the tokenizer's output)
  ref_{f32,f16,bf16}.txt, ref_gelu.txt   (n, 32) L2-normalised outputs, computed in float64 from
                 the weights as stored in each dtype; pooled at ids.argmax(-1) as model.py does
and tests/data/clip/full/: one HF checkpoint with both towers (the vision
tower of make_clip_ref.py's seed-0 model, this text tower; F16), its
config.json, the tokenizer.json, and zeroshot.txt: for the images
tests/data/clip/pre/*.png, PyTorch's zero-shot prediction over CLASSES with
the template "a photo of a {}." (image and text towers in float64 from the
F16 weights, softmax of logit_scale.exp() * cosine); zeroshot_ens.txt the
same with TEMPLATES averaged; search.txt each image's cosine to SEARCH's
text vector and to the image exact_32x32; image_vectors.txt (the images in
name order) and vocab_vectors.txt (VOCAB in "a photo of a {}."), for the
cluster names.
Run: /usr/bin/python3 tests/ref/make_clip_text_ref.py (after make_clip_ref.py)
"""
import json, os, sys, tempfile
import numpy as np
import torch
import torch.nn as nn
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_clip_ref as R          # noqa: E402  (Block, randomise, save_safetensors, rounded, Vision, preprocess)
import clip_tokenizer_ref as TR    # noqa: E402

W, LAYERS, HEADS, CTX, OUT = 32, 2, 2, 77, 32
DATA = os.path.join(HERE, "..", "data", "clip")
CLASSES = ["dog", "cat", "red car", "tree", "bird", "horse", "snow", "street"]
TEMPLATES = ["a photo of a {}.", "a drawing of the {}", "{}!"]
SEARCH = "a photo of a dog."
VOCAB = ["dog", "cat", "snow", "bird"]
PROMPTS = ["a photo of a dog.", "a red car", "", "it's a cat!! 😀", "a photo of a " + "very " * 80 + "long dog",
           "<|startoftext|>", "numbers 1234567890", "Café crème", "the quick brown fox jumps over the lazy dog"]


class TextBlock(R.Block):
    def forward(self, x, mask):  # (tokens, batch, width)
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False, attn_mask=mask)[0]
        return x + self.c_proj(self.act(self.c_fc(self.ln_2(x))))


class Text(nn.Module):
    def __init__(self, quick, vocab, width=W, layers=LAYERS, heads=HEADS, ctx=CTX, out=OUT):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, width)
        self.positional_embedding = nn.Parameter(torch.randn(ctx, width) * 0.1)
        self.blocks = nn.ModuleList([TextBlock(quick, width, heads) for _ in range(layers)])
        self.ln_final = nn.LayerNorm(width)
        self.text_projection = nn.Parameter(torch.randn(width, out) * width ** -0.5)
        self.logit_scale = nn.Parameter(torch.tensor(np.log(1 / 0.07)))

    def forward(self, ids):  # openai/CLIP model.py encode_text, normalised
        x = self.token_embedding(ids) + self.positional_embedding
        n = ids.shape[1]
        mask = torch.full((n, n), float("-inf"), dtype=x.dtype).triu(1)
        x = x.transpose(0, 1)
        for b in self.blocks:
            x = b(x, mask)
        x = self.ln_final(x.transpose(0, 1))
        y = x[torch.arange(x.shape[0]), ids.argmax(dim=-1)] @ self.text_projection
        return y / y.norm(dim=-1, keepdim=True)


def hf_names(m, scale=True):
    sd = {"text_model.embeddings.token_embedding.weight": m.token_embedding.weight,
          "text_model.embeddings.position_embedding.weight": m.positional_embedding,
          "text_model.final_layer_norm.weight": m.ln_final.weight, "text_model.final_layer_norm.bias": m.ln_final.bias,
          "text_projection.weight": m.text_projection.t()}
    for i, b in enumerate(m.blocks):
        sd.update(R.layer_names(b, f"text_model.encoder.layers.{i}.", True))
    if scale:
        sd["logit_scale"] = m.logit_scale
    return sd


def openai_names(m, scale=True):
    sd = {"token_embedding.weight": m.token_embedding.weight, "positional_embedding": m.positional_embedding,
          "ln_final.weight": m.ln_final.weight, "ln_final.bias": m.ln_final.bias, "text_projection": m.text_projection}
    for i, b in enumerate(m.blocks):
        sd.update(R.layer_names(b, f"transformer.resblocks.{i}.", False))
    if scale:
        sd["logit_scale"] = m.logit_scale
    return sd


def write_rows(path, a, fmt):
    with open(path, "w") as f:
        for row in a:
            f.write(" ".join(fmt % v for v in row) + "\n")


def main():
    tdir = tempfile.mkdtemp()
    sys.argv = ["clip_tokenizer_ref.py", tdir]
    TR.main()
    merges = TR.learn_merges(TR.TRAIN, 400)
    tok = TR.SimpleTokenizer(merges)
    V = len(tok.encoder)
    sot, eot = tok.encoder["<|startoftext|>"], tok.encoder["<|endoftext|>"]

    def tokenize(s):   # clip.tokenize(truncate=True)
        t = [sot] + tok.encode(s) + [eot]
        if len(t) > CTX:
            t = t[:CTX]; t[-1] = eot
        return t + [0] * (CTX - len(t))

    torch.manual_seed(1)
    m = Text(True, V); R.randomise(m)
    g = Text(False, V); R.randomise(g)
    ids = torch.tensor([tokenize(p) for p in PROMPTS])
    for d in ("hf", "openai", "gelu"):
        os.makedirs(os.path.join(DATA, "text", d), exist_ok=True)
    T = os.path.join(DATA, "text")
    with open(os.path.join(T, "hf", "config.json"), "w") as f:
        json.dump({"text_config": {"num_attention_heads": HEADS, "hidden_act": "quick_gelu"}}, f)
    for d, qg in (("openai", True), ("gelu", False)):
        with open(os.path.join(T, d, "open_clip_config.json"), "w") as f:
            json.dump({"model_cfg": {"quick_gelu": qg, "text_cfg": {"width": W, "heads": HEADS}}}, f)
    write_rows(os.path.join(T, "ids.txt"), ids.numpy(), "%d")
    with torch.no_grad():
        for dt in R.DT:
            R.save_safetensors(os.path.join(T, "hf", f"model.{dt}.safetensors"), hf_names(m), dt)
            R.save_safetensors(os.path.join(T, "openai", f"model.{dt}.safetensors"), openai_names(m), dt)
            write_rows(os.path.join(T, f"ref_{dt}.txt"), R.rounded(m, dt)(ids).float().numpy(), "%.9g")
        R.save_safetensors(os.path.join(T, "gelu", "model.f32.safetensors"), openai_names(g, False), "f32")
        write_rows(os.path.join(T, "ref_gelu.txt"), R.rounded(g, "f32")(ids).float().numpy(), "%.9g")
        diff = (m.eval()(ids) - R.rounded(m, "f32")(ids).float()).abs().max().item()

        # one checkpoint with both towers (Hugging Face CLIPModel names), F16
        torch.manual_seed(0)
        v = R.Vision(True); R.randomise(v)
        F = os.path.join(DATA, "full")
        os.makedirs(F, exist_ok=True)
        sd = R.hf_names(v); sd.update(hf_names(m))
        R.save_safetensors(os.path.join(F, "model.safetensors"), sd, "f16")
        with open(os.path.join(F, "config.json"), "w") as f:
            json.dump({"vision_config": {"num_attention_heads": R.HEADS, "hidden_act": "quick_gelu"},
                       "text_config": {"num_attention_heads": HEADS, "hidden_act": "quick_gelu"}}, f)
        with open(os.path.join(tdir, "tokenizer.json")) as f, open(os.path.join(F, "tokenizer.json"), "w") as g2:
            g2.write(f.read())
        vr, mr = R.rounded(v, "f16"), R.rounded(m, "f16")
        names = sorted(os.path.splitext(n)[0] for n in os.listdir(os.path.join(DATA, "pre")) if n.endswith(".png"))
        px = torch.stack([R.normalise(R.preprocess(Image.open(os.path.join(DATA, "pre", n + ".png")), R.IMG)) for n in names])
        img = vr(px.double())
        txt = mr(torch.tensor([tokenize("a photo of a %s." % c) for c in CLASSES]))
        prob = (mr.logit_scale.exp() * img @ txt.T).softmax(-1)
        with open(os.path.join(F, "zeroshot.txt"), "w") as f:
            for n, p in zip(names, prob):
                f.write("%s %s %.9g\n" % (n, CLASSES[int(p.argmax())].replace(" ", "_"), float(p.max())))
        # prompt ensembling (CLIP paper 3.1.4): mean of the templates' unit vectors, renormalised
        ens = torch.stack([mr(torch.tensor([tokenize(t.replace("{}", c)) for t in TEMPLATES])).mean(0) for c in CLASSES])
        ens = ens / ens.norm(dim=-1, keepdim=True)
        prob = (mr.logit_scale.exp() * img @ ens.T).softmax(-1)
        with open(os.path.join(F, "zeroshot_ens.txt"), "w") as f:
            for n, p in zip(names, prob):
                f.write("%s %s %.9g\n" % (n, CLASSES[int(p.argmax())].replace(" ", "_"), float(p.max())))
        # cluster names: torch's image vectors and the vocabulary's text vectors ("a photo of a {}.")
        voc = mr(torch.tensor([tokenize("a photo of a %s." % c) for c in VOCAB]))
        write_rows(os.path.join(F, "image_vectors.txt"), img.float().numpy(), "%.9g")
        write_rows(os.path.join(F, "vocab_vectors.txt"), voc.float().numpy(), "%.9g")
        # search: cosine of each image to the text "a photo of a dog." and to the image exact_32x32
        q = mr(torch.tensor([tokenize(SEARCH)]))[0]
        with open(os.path.join(F, "search.txt"), "w") as f:
            for n, v in zip(names, img):
                f.write("%s %.9g %.9g\n" % (n, float(v @ q), float(v @ img[names.index("exact_32x32")])))
    with open(os.path.join(T, "VERSIONS.txt"), "w") as f:
        f.write(f"made by tests/ref/make_clip_text_ref.py\npython {sys.version.split()[0]}\ntorch {torch.__version__}\n"
                f"numpy {np.__version__}\nprompts {PROMPTS}\nclasses {CLASSES}\n"
                f"max |torch f32 - float64 reference| = {diff:.3g}\n")
    print(open(os.path.join(T, "VERSIONS.txt")).read())
    print(open(os.path.join(DATA, "full", "zeroshot.txt")).read())


if __name__ == "__main__":
    main()

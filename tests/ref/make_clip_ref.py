#!/usr/bin/python3
"""make_clip_ref.py - golden files for tests/test_features_clip*.c.

Builds a tiny CLIP vision tower (width 64, 2 layers, 4 heads, patch 8, image
32, output 32) from torch.nn layers (nn.Conv2d, nn.LayerNorm,
nn.MultiheadAttention, nn.Linear) following openai/CLIP model.py's
VisionTransformer, with random weights, and writes into tests/data/clip/:

  hf/model.{f32,f16,bf16}.safetensors      Hugging Face names + config.json (quick_gelu, 4 heads)
  openai/model.{f32,f16,bf16}.safetensors  OpenAI/OpenCLIP names + open_clip_config.json (quick_gelu)
  gelu/model.f32.safetensors               OpenAI names, other weights, nn.GELU (open_clip quick_gelu false)
  pixels.npy       (4, 3, 32, 32) float32 preprocessed inputs
  ref_{f32,f16,bf16}.npy, ref_gelu.npy  (4, 32) float32 L2-normalised outputs, computed in
                   float64 from the weights as stored in each dtype
  pre/*.png        small test images; pre/crop32_*.npy the uint8 (32, 32, 3) crop of CLIP's
                   preprocessing: PIL resize(shorter side -> 32, BICUBIC), centre crop with
                   torchvision's int(round((h - 32) / 2)); pre/ref_images.npy the model's
                   outputs (f32 weights, quick_gelu) for those images
The safetensors files are written by hand (8-byte LE header size, JSON, data)
so the safetensors package is not needed. Run: /usr/bin/python3 tests/ref/make_clip_ref.py
"""
import json, os, struct, sys
import numpy as np
import torch
import torch.nn as nn
import PIL
from PIL import Image

W, LAYERS, HEADS, PATCH, IMG, OUT = 64, 2, 4, 8, 32, 32
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "clip")
MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Block(nn.Module):
    def __init__(self, quick, w=W, heads=HEADS):
        super().__init__()
        self.attn = nn.MultiheadAttention(w, heads)
        self.ln_1 = nn.LayerNorm(w)
        self.c_fc = nn.Linear(w, 4 * w)
        self.act = QuickGELU() if quick else nn.GELU()
        self.c_proj = nn.Linear(4 * w, w)
        self.ln_2 = nn.LayerNorm(w)

    def forward(self, x):  # (tokens, batch, width) as in openai/CLIP
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.c_proj(self.act(self.c_fc(self.ln_2(x))))


class Vision(nn.Module):
    """The tiny golden tower by default; bench/clip/clip_torch.py builds ViT-B/32 with it."""
    def __init__(self, quick, width=W, layers=LAYERS, heads=HEADS, patch=PATCH, image=IMG, out=OUT):
        super().__init__()
        g = image // patch
        self.width = width
        self.conv1 = nn.Conv2d(3, width, patch, patch, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(width) * width ** -0.5)
        self.positional_embedding = nn.Parameter(torch.randn(g * g + 1, width) * width ** -0.5)
        self.ln_pre = nn.LayerNorm(width)
        self.blocks = nn.ModuleList([Block(quick, width, heads) for _ in range(layers)])
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(torch.randn(width, out) * width ** -0.5)

    def forward(self, x):
        x = self.conv1(x).flatten(2).transpose(1, 2)  # (b, g*g, width)
        cls = self.class_embedding.expand(x.shape[0], 1, self.width).to(x.dtype)
        x = torch.cat([cls, x], 1) + self.positional_embedding
        x = self.ln_pre(x).transpose(0, 1)
        for b in self.blocks:
            x = b(x)
        y = self.ln_post(x[0]) @ self.proj
        return y / y.norm(dim=-1, keepdim=True)


def randomise(m):
    """Non-trivial LayerNorm and bias values (defaults are 1 and 0)."""
    with torch.no_grad():
        for name, p in m.named_parameters():
            if name.endswith("bias") or "ln" in name:
                p.add_(torch.randn_like(p) * 0.1)


def layer_names(b, p, hf):
    """One block's tensors under prefix p: Hugging Face CLIPEncoderLayer names (q, k, v apart) or OpenAI's."""
    if hf:
        wq, wk, wv = b.attn.in_proj_weight.chunk(3)
        bq, bk, bv = b.attn.in_proj_bias.chunk(3)
        return {p + "layer_norm1.weight": b.ln_1.weight, p + "layer_norm1.bias": b.ln_1.bias,
                p + "self_attn.q_proj.weight": wq, p + "self_attn.q_proj.bias": bq,
                p + "self_attn.k_proj.weight": wk, p + "self_attn.k_proj.bias": bk,
                p + "self_attn.v_proj.weight": wv, p + "self_attn.v_proj.bias": bv,
                p + "self_attn.out_proj.weight": b.attn.out_proj.weight, p + "self_attn.out_proj.bias": b.attn.out_proj.bias,
                p + "layer_norm2.weight": b.ln_2.weight, p + "layer_norm2.bias": b.ln_2.bias,
                p + "mlp.fc1.weight": b.c_fc.weight, p + "mlp.fc1.bias": b.c_fc.bias,
                p + "mlp.fc2.weight": b.c_proj.weight, p + "mlp.fc2.bias": b.c_proj.bias}
    return {p + "ln_1.weight": b.ln_1.weight, p + "ln_1.bias": b.ln_1.bias,
            p + "attn.in_proj_weight": b.attn.in_proj_weight, p + "attn.in_proj_bias": b.attn.in_proj_bias,
            p + "attn.out_proj.weight": b.attn.out_proj.weight, p + "attn.out_proj.bias": b.attn.out_proj.bias,
            p + "ln_2.weight": b.ln_2.weight, p + "ln_2.bias": b.ln_2.bias,
            p + "mlp.c_fc.weight": b.c_fc.weight, p + "mlp.c_fc.bias": b.c_fc.bias,
            p + "mlp.c_proj.weight": b.c_proj.weight, p + "mlp.c_proj.bias": b.c_proj.bias}


def openai_names(m):
    sd = {"visual.conv1.weight": m.conv1.weight, "visual.class_embedding": m.class_embedding,
          "visual.positional_embedding": m.positional_embedding,
          "visual.ln_pre.weight": m.ln_pre.weight, "visual.ln_pre.bias": m.ln_pre.bias,
          "visual.ln_post.weight": m.ln_post.weight, "visual.ln_post.bias": m.ln_post.bias,
          "visual.proj": m.proj}
    for i, b in enumerate(m.blocks):
        sd.update(layer_names(b, f"visual.transformer.resblocks.{i}.", False))
    # a text-tower tensor, as in a full checkpoint, which the loader must ignore
    sd["logit_scale"] = torch.tensor(4.6052)
    return sd


def hf_names(m):
    e = "vision_model.embeddings."
    sd = {e + "patch_embedding.weight": m.conv1.weight, e + "class_embedding": m.class_embedding,
          e + "position_embedding.weight": m.positional_embedding,
          "vision_model.pre_layrnorm.weight": m.ln_pre.weight, "vision_model.pre_layrnorm.bias": m.ln_pre.bias,
          "vision_model.post_layernorm.weight": m.ln_post.weight, "vision_model.post_layernorm.bias": m.ln_post.bias,
          "visual_projection.weight": m.proj.t()}
    for i, b in enumerate(m.blocks):
        sd.update(layer_names(b, f"vision_model.encoder.layers.{i}.", True))
    return sd


DT = {"f32": (torch.float32, "F32"), "f16": (torch.float16, "F16"), "bf16": (torch.bfloat16, "BF16")}


def save_safetensors(path, sd, dtype):
    tdt, name = DT[dtype]
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for k, v in sd.items():
        t = v.detach().to(tdt).contiguous()
        raw = t.view(torch.int16).numpy().tobytes() if tdt == torch.bfloat16 else t.numpy().tobytes()
        header[k] = {"dtype": name, "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def rounded(m, dtype):
    """A float64 copy of m whose weights went through dtype (as the file stores them)."""
    import copy
    r = copy.deepcopy(m)
    with torch.no_grad():
        for p in r.parameters():
            p.copy_(p.to(DT[dtype][0]).float())
    return r.double().eval()


def preprocess(img, size):
    """openai/CLIP _transform with PIL: Resize(size, BICUBIC) as torchvision does it for
    PIL images (shorter side -> size, longer int(size * long / short)), CenterCrop."""
    w, h = img.size
    if w <= h:
        ow, oh = size, int(size * h / w)
    else:
        ow, oh = int(size * w / h), size
    r = img.resize((ow, oh), Image.BICUBIC)
    top, left = int(round((oh - size) / 2.0)), int(round((ow - size) / 2.0))
    return np.asarray(r.crop((left, top, left + size, top + size)).convert("RGB"))


def normalise(u8):
    t = torch.from_numpy(u8.copy()).permute(2, 0, 1).float().div(255)
    return (t - torch.tensor(MEAN)[:, None, None]) / torch.tensor(STD)[:, None, None]


def test_images():
    rng = np.random.default_rng(7)
    out = {}
    yy, xx = np.mgrid[0:150, 0:200]
    grad = np.stack([xx * 255 // 199, yy * 255 // 149, (xx + yy) * 255 // 348], -1).astype(np.uint8)
    grad[40:90, 60:140] = [250, 20, 30]
    out["grad_200x150"] = grad
    out["noise_64x40"] = rng.integers(0, 256, (40, 64, 3), dtype=np.uint8)
    out["noise_31x45"] = rng.integers(0, 256, (45, 31, 3), dtype=np.uint8)  # upscaled
    out["noise_97x61"] = rng.integers(0, 256, (61, 97, 3), dtype=np.uint8)  # odd crop offset
    stripes = np.zeros((300, 37, 3), np.uint8)
    stripes[::2] = 255
    stripes[:, :, 1] = rng.integers(0, 256, (300, 37), dtype=np.uint8)
    out["stripes_37x300"] = stripes
    out["exact_32x32"] = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    return out


def main():
    torch.manual_seed(0)
    os.makedirs(DATA, exist_ok=True)
    for d in ("hf", "openai", "gelu", "pre"):
        os.makedirs(os.path.join(DATA, d), exist_ok=True)
    m = Vision(True)
    randomise(m)
    g = Vision(False)
    randomise(g)
    x = torch.randn(4, 3, IMG, IMG) * 1.5
    np.save(os.path.join(DATA, "pixels.npy"), x.numpy().astype(np.float32))
    with open(os.path.join(DATA, "hf", "config.json"), "w") as f:
        json.dump({"vision_config": {"num_attention_heads": HEADS, "hidden_act": "quick_gelu"}}, f)
    for d, qg in (("openai", True), ("gelu", False)):
        with open(os.path.join(DATA, d, "open_clip_config.json"), "w") as f:
            json.dump({"model_cfg": {"quick_gelu": qg, "vision_cfg": {"width": W, "head_width": W // HEADS}}}, f)
    with torch.no_grad():
        for dt in DT:
            save_safetensors(os.path.join(DATA, "hf", f"model.{dt}.safetensors"), hf_names(m), dt)
            save_safetensors(os.path.join(DATA, "openai", f"model.{dt}.safetensors"), openai_names(m), dt)
            np.save(os.path.join(DATA, f"ref_{dt}.npy"), rounded(m, dt)(x.double()).float().numpy())
        save_safetensors(os.path.join(DATA, "gelu", "model.f32.safetensors"), openai_names(g), "f32")
        np.save(os.path.join(DATA, "ref_gelu.npy"), rounded(g, "f32")(x.double()).float().numpy())
        # torch's own float32 forward, to show the float64 reference is the right model
        diff = (m.eval()(x) - rounded(m, "f32")(x.double()).float()).abs().max().item()
        names, crops, vecs = [], [], []
        for name, a in sorted(test_images().items()):
            Image.fromarray(a).save(os.path.join(DATA, "pre", name + ".png"))
            c = preprocess(Image.open(os.path.join(DATA, "pre", name + ".png")), IMG)
            np.save(os.path.join(DATA, "pre", f"crop32_{name}.npy"), c)
            crops.append(normalise(c))
            names.append(name)
        vecs = rounded(m, "f32")(torch.stack(crops).double()).float().numpy()
        np.save(os.path.join(DATA, "pre", "ref_images.npy"), vecs)
    with open(os.path.join(DATA, "VERSIONS.txt"), "w") as f:
        f.write(f"made by tests/ref/make_clip_ref.py\npython {sys.version.split()[0]}\ntorch {torch.__version__}\n"
                f"numpy {np.__version__}\nPillow {PIL.__version__}\nimages (sorted) {names}\n"
                f"max |torch f32 - float64 reference| = {diff:.3g}\n")
    print(open(os.path.join(DATA, "VERSIONS.txt")).read())


if __name__ == "__main__":
    main()

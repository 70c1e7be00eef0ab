"""clip_torch.py - a CLIP ViT vision tower from torch.nn layers (openai/CLIP
model.py VisionTransformer), its HF-named safetensors writer and CLIP's PIL
preprocessing; shared by the benchmark scripts in bench/clip."""
import json, struct
import numpy as np
import torch
import torch.nn as nn
from PIL import Image

MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Block(nn.Module):
    def __init__(self, w, heads):
        super().__init__()
        self.attn = nn.MultiheadAttention(w, heads)
        self.ln_1, self.ln_2 = nn.LayerNorm(w), nn.LayerNorm(w)
        self.c_fc, self.act, self.c_proj = nn.Linear(w, 4 * w), QuickGELU(), nn.Linear(4 * w, w)

    def forward(self, x):
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.c_proj(self.act(self.c_fc(self.ln_2(x))))


class Vision(nn.Module):
    def __init__(self, width=768, layers=12, heads=12, patch=32, image=224, out=512):
        super().__init__()
        g = image // patch
        self.width = width
        self.conv1 = nn.Conv2d(3, width, patch, patch, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(width) * width ** -0.5)
        self.positional_embedding = nn.Parameter(torch.randn(g * g + 1, width) * width ** -0.5)
        self.ln_pre, self.ln_post = nn.LayerNorm(width), nn.LayerNorm(width)
        self.blocks = nn.ModuleList([Block(width, heads) for _ in range(layers)])
        self.proj = nn.Parameter(torch.randn(width, out) * width ** -0.5)

    def forward(self, x):
        x = self.conv1(x).flatten(2).transpose(1, 2)
        cls = self.class_embedding.expand(x.shape[0], 1, self.width).to(x.dtype)
        x = self.ln_pre(torch.cat([cls, x], 1) + self.positional_embedding).transpose(0, 1)
        for b in self.blocks:
            x = b(x)
        y = self.ln_post(x[0]) @ self.proj
        return y / y.norm(dim=-1, keepdim=True)


def randomise(m):
    with torch.no_grad():
        for name, p in m.named_parameters():
            if name.endswith("bias") or "ln" in name:
                p.add_(torch.randn_like(p) * 0.1)


def hf_state(m):
    e = "vision_model.embeddings."
    sd = {e + "patch_embedding.weight": m.conv1.weight, e + "class_embedding": m.class_embedding,
          e + "position_embedding.weight": m.positional_embedding,
          "vision_model.pre_layrnorm.weight": m.ln_pre.weight, "vision_model.pre_layrnorm.bias": m.ln_pre.bias,
          "vision_model.post_layernorm.weight": m.ln_post.weight, "vision_model.post_layernorm.bias": m.ln_post.bias,
          "visual_projection.weight": m.proj.t()}
    for i, b in enumerate(m.blocks):
        p = f"vision_model.encoder.layers.{i}."
        wq, wk, wv = b.attn.in_proj_weight.chunk(3)
        bq, bk, bv = b.attn.in_proj_bias.chunk(3)
        sd.update({p + "layer_norm1.weight": b.ln_1.weight, p + "layer_norm1.bias": b.ln_1.bias,
                   p + "self_attn.q_proj.weight": wq, p + "self_attn.q_proj.bias": bq,
                   p + "self_attn.k_proj.weight": wk, p + "self_attn.k_proj.bias": bk,
                   p + "self_attn.v_proj.weight": wv, p + "self_attn.v_proj.bias": bv,
                   p + "self_attn.out_proj.weight": b.attn.out_proj.weight, p + "self_attn.out_proj.bias": b.attn.out_proj.bias,
                   p + "layer_norm2.weight": b.ln_2.weight, p + "layer_norm2.bias": b.ln_2.bias,
                   p + "mlp.fc1.weight": b.c_fc.weight, p + "mlp.fc1.bias": b.c_fc.bias,
                   p + "mlp.fc2.weight": b.c_proj.weight, p + "mlp.fc2.bias": b.c_proj.bias})
    return sd


def save_safetensors_f32(path, sd):
    header, blobs, off = {}, [], 0
    for k, v in sd.items():
        raw = v.detach().float().contiguous().numpy().tobytes()
        header[k] = {"dtype": "F32", "shape": list(v.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)


def preprocess(img, size=224):
    """openai/CLIP _transform: Resize(size, BICUBIC) (torchvision on PIL), CenterCrop,
    convert RGB, ToTensor, Normalize."""
    w, h = img.size
    ow, oh = (size, int(size * h / w)) if w <= h else (int(size * w / h), size)
    r = img.resize((ow, oh), Image.BICUBIC)
    top, left = int(round((oh - size) / 2.0)), int(round((ow - size) / 2.0))
    a = np.asarray(r.crop((left, top, left + size, top + size)).convert("RGB"))
    t = torch.from_numpy(a.copy()).permute(2, 0, 1).float().div(255)
    return (t - torch.tensor(MEAN)[:, None, None]) / torch.tensor(STD)[:, None, None]

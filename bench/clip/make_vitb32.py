#!/usr/bin/python3
"""make_vitb32.py WORKDIR - random-weight ViT-B/32 vision tower for the
benchmark: WORKDIR/vitb32/model.safetensors (HF names) + config.json, the same
weights as WORKDIR/vitb32.onnx (torch.onnx.export, dynamic batch),
WORKDIR/pixels32.npy (32, 3, 224, 224) inputs and WORKDIR/ref32.npy, the
float64 PyTorch outputs. Also 500 synthetic 1280x960 JPEG photos in
WORKDIR/photos/all/ for the end-to-end run."""
import os, sys
import numpy as np
import torch
from PIL import Image
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clip_torch import Vision, randomise, hf_state, save_safetensors_f32

work = sys.argv[1]
os.makedirs(os.path.join(work, "vitb32"), exist_ok=True)
torch.manual_seed(0)
m = Vision().eval()
randomise(m)
torch.save(m.state_dict(), os.path.join(work, "vitb32.pt"))
save_safetensors_f32(os.path.join(work, "vitb32", "model.safetensors"), hf_state(m))
with open(os.path.join(work, "vitb32", "config.json"), "w") as f:
    f.write('{"vision_config": {"num_attention_heads": 12, "hidden_act": "quick_gelu"}}\n')
x = torch.randn(32, 3, 224, 224)
np.save(os.path.join(work, "pixels32.npy"), x.numpy())
np.save(os.path.join(work, "pixels1.npy"), x[:1].numpy())
with torch.no_grad():
    np.save(os.path.join(work, "ref32.npy"), m.double()(x.double()).float().numpy())
    m.float()
    torch.onnx.export(m, x[:2], os.path.join(work, "vitb32.onnx"), input_names=["pixels"], output_names=["vec"],
                      dynamic_axes={"pixels": {0: "n"}, "vec": {0: "n"}}, opset_version=14)
photos = os.path.join(work, "photos", "all")
os.makedirs(photos, exist_ok=True)
rng = np.random.default_rng(1)
yy, xx = np.mgrid[0:960, 0:1280].astype(np.float32)
for i in range(500):
    p = os.path.join(photos, f"img{i:04d}.jpg")
    if os.path.exists(p):
        continue
    # photo-like: smooth colour fields, a few shapes, sensor noise
    a = rng.uniform(0, 1, (3, 3))
    img = np.stack([128 + 100 * np.sin(xx / (80 + 60 * a[c, 0]) + a[c, 1] * 6) * np.cos(yy / (90 + 50 * a[c, 2])) for c in range(3)], -1)
    for _ in range(5):
        cx, cy, r = rng.uniform(0, 1280), rng.uniform(0, 960), rng.uniform(40, 250)
        img[(xx - cx) ** 2 + (yy - cy) ** 2 < r * r] = rng.uniform(0, 255, 3)
    img += rng.normal(0, 6, img.shape)
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(p, quality=90)
print("ok", work)

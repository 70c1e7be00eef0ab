"""clip_torch.py - the benchmark's ViT-B/32 CLIP vision tower, its HF-named
safetensors writer and CLIP's PIL preprocessing, all taken from the test
reference tests/ref/make_clip_ref.py (torch.nn layers after openai/CLIP
model.py) so the benchmark and the golden files use one implementation."""
import os, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "ref"))
import make_clip_ref as ref  # noqa: E402

randomise = ref.randomise
hf_state = ref.hf_names


def Vision(width=768, layers=12, heads=12, patch=32, image=224, out=512):
    """ViT-B/32 with QuickGELU (openai/clip-vit-base-patch32's shapes)."""
    return ref.Vision(True, width, layers, heads, patch, image, out)


def save_safetensors_f32(path, sd):
    ref.save_safetensors(path, sd, "f32")


def preprocess(img, size=224):
    """openai/CLIP _transform: Resize(size, BICUBIC) (torchvision on PIL), CenterCrop,
    ToTensor, Normalize; img already RGB."""
    return ref.normalise(ref.preprocess(img, size))

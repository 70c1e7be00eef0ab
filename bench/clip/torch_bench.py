#!/usr/bin/python3
"""torch_bench.py WORK THREADS REPEAT - PyTorch float32 forward of the benchmark's
ViT-B/32 at batch 1 and 32 (best of REPEAT, one warm-up), and the end to end
run: WORK/photos/all/*.jpg -> PIL preprocessing (CLIP's) -> batches of 32.
Prints JSON lines; writes WORK/torch{1,32}.npy and WORK/torch_e2e.npy."""
import glob, json, os, sys, time
import numpy as np
import torch
from PIL import Image
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clip_torch import Vision, preprocess

work, threads, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
mode = sys.argv[4] if len(sys.argv) > 4 else "model"
torch.set_num_threads(threads)
m = Vision().eval()
m.load_state_dict(torch.load(os.path.join(work, "vitb32.pt")))
blas = [l.strip() for l in torch.__config__.show().splitlines() if "BLAS" in l or "LAPACK" in l]
with torch.inference_mode():
    if mode == "model":
        for n in (1, 32):
            x = torch.from_numpy(np.load(os.path.join(work, f"pixels{n}.npy")))
            m(x)
            best = 1e30
            for _ in range(repeat):
                t0 = time.perf_counter()
                y = m(x)
                best = min(best, time.perf_counter() - t0)
            np.save(os.path.join(work, f"torch{n}.npy"), y.numpy())
            print(json.dumps({"images": n, "seconds": best, "images_per_s": n / best, "torch": torch.__version__,
                              "threads": torch.get_num_threads(), "blas": " ".join(blas)[:160]}))
    else:
        t0 = time.perf_counter()
        files = sorted(glob.glob(os.path.join(work, "photos", "all", "*.jpg")))
        out = []
        for i in range(0, len(files), 32):
            x = torch.stack([preprocess(Image.open(f).convert("RGB")) for f in files[i:i + 32]])
            out.append(m(x))
        y = torch.cat(out).numpy()
        dt = time.perf_counter() - t0
        np.save(os.path.join(work, "torch_e2e.npy"), y)
        print(json.dumps({"images": len(files), "seconds": dt, "images_per_s": len(files) / dt}))

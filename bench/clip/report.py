#!/usr/bin/python3
"""report.py WORK - the table of bench/clip/run.sh from the JSON lines it saved."""
import json, os, sys
import numpy as np

work = sys.argv[1]
res = {}
for line in open(os.path.join(work, "results.jsonl")):
    k, v = line.split("\t", 1)
    res[k] = json.loads(v)
gf = res["emb_f32_32"]["gflop_per_image"]
peak = res["peak"]["sgemm_blas"]
sgemm_peak = max(peak["gflops_1600x3072x768"], peak["gflops_2048_cube"])
own = res["peak"]["sgemm_embscope"]
own_peak = max(own["gflops_1600x3072x768"], own["gflops_2048_cube"])
ref = np.load(os.path.join(work, "ref32.npy"))


def diff(path, n):
    if path.endswith(".f32"):
        a = np.fromfile(path, dtype=np.float32).reshape(n, -1)
    else:
        a = np.load(path)
    r = ref[:n]
    rel = np.abs(a - r).max() / np.abs(r).max()
    cos = (a * r).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(r, axis=1)
    return rel, cos.min()


env, env_end = res.get("env", {}), res.get("env_end", {})
print(f"benchmark lock {'held' if env.get('lock', True) else 'NOT held (other jobs were running)'}; "
      f"load average at start {env.get('load_start', '?')}, at end {env_end.get('load_end', '?')}")
rows = []
for n in (1, 32):
    base_ort = res[f"ort_{n}"]["images_per_s"]
    for name, key, out in (("embscope f32", f"emb_f32_{n}", f"emb_f32_{n}.npy"), ("embscope bf16", f"emb_bf16_{n}", f"emb_bf16_{n}.npy"),
                           ("PyTorch f32", f"torch_{n}", f"torch{n}.npy"), ("ONNX Runtime f32", f"ort_{n}", f"ort_{n}.f32")):
        if key not in res:
            continue
        ips = res[key]["images_per_s"]
        rel, cos = diff(os.path.join(work, out), n)
        rows.append((n, name, ips, ips * gf, 100 * ips * gf / sgemm_peak, ips / base_ort, rel, cos))
print(f"ViT-B/32 (random weights, {gf:.2f} GFLOP/image), 2 threads; SGEMM peak (OpenBLAS {peak and 'Haswell kernels'}) "
      f"{sgemm_peak:.0f} GFLOP/s, embscope f32 kernel {own_peak:.0f} GFLOP/s at SIMD level {res['peak'].get('level', '?')}, "
      f"measured in this run")
print(f"{'batch':>5} | {'implementation':<17} | {'images/s':>8} | {'GFLOP/s':>7} | {'% SGEMM peak':>12} | {'vs ORT':>6} | {'max rel diff':>12} | {'min cos':>8}")
print("-" * 98)
for r in rows:
    print(f"{r[0]:>5} | {r[1]:<17} | {r[2]:>8.2f} | {r[3]:>7.1f} | {r[4]:>11.0f}% | {r[5]:>5.2f}x | {r[6]:>12.2e} | {r[7]:>8.6f}")
print("max rel diff = max |y - ref| / max |ref| over the batch; ref = PyTorch float64 forward; min cos = lowest cosine to ref")
for p in ("f32", "bf16"):
    k = res.get(f"emb_{p}_32", {})
    if "gemm_kernel" in k:
        print(f"embscope {p} GEMM kernel at SIMD level {k.get('level', '?')}: {k['gemm_kernel']}")
if "emb_e2e" in res and "torch_e2e" in res:
    e, t = res["emb_e2e"], res["torch_e2e"]
    a = np.load(os.path.join(work, "e2e", "embeddings.npy"))
    b = np.load(os.path.join(work, "torch_e2e.npy"))
    cos = ((a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)).min()
    print(f"\nend to end, {t['images']} JPEG 1280x960 -> vectors (2 threads, incl. model load):")
    for name, v in (("embscope embed f32", e), ("embscope embed bf16", res.get("emb_e2e_bf16")),
                    ("embscope f32 fast-dec", res.get("emb_e2e_fast")), ("embscope f32 no ovlp", res.get("emb_e2e_serial")),
                    ("PIL + PyTorch", t)):
        if v:
            print(f"  {name:<21} {v['seconds']:7.1f} s  {v['images_per_s']:6.2f} images/s  {v['images_per_s'] / t['images_per_s']:.2f}x")
    print(f"  embscope f32 vs PIL+PyTorch vectors: min cosine {cos:.7f}, max |diff| {np.abs(a - b).max():.2e}")

    def cosines(d):
        p = os.path.join(work, d, "embeddings.npy")
        if not os.path.exists(p):
            return None
        c = np.load(p)
        return (a * c).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(c, axis=1) if c.shape == a.shape else None
    c = cosines("e2e_fast")
    if c is not None:
        print(f"  --fast-decode vs exact f32 vectors: min cosine {c.min():.6f}, mean {c.mean():.6f}")
    c = cosines("e2e_serial")
    if c is not None:
        same = np.array_equal(a, np.load(os.path.join(work, "e2e_serial", "embeddings.npy")))
        print(f"  --no-overlap vs overlapped f32 vectors: {'bit-identical' if same else f'min cosine {c.min():.7f} (NOT identical)'}")

#!/usr/bin/python3
"""report.py WORK EMBSCOPE - the bench/io table from the /usr/bin/time -v
outputs and the two embeddings.npy files."""
import os
import platform
import re
import sys

import numpy as np
import PIL

work, emb = sys.argv[1], sys.argv[2]


def tv(name):
    t = open(os.path.join(work, name)).read()
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", t)
    wall = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
    cpu = float(re.search(r"User time \(seconds\): ([\d.]+)", t).group(1)) + float(re.search(r"System time \(seconds\): ([\d.]+)", t).group(1))
    return wall, rss, cpu


a = np.load(os.path.join(work, "out_emb", "embeddings.npy"))
b = np.load(os.path.join(work, "out_pil", "embeddings.npy"))
n = len(b)
assert a.shape == b.shape, (a.shape, b.shape)
d = np.abs(a - b)
(we, re_, ce), (wp, rp, cp) = tv("time_emb.txt"), tv("time_pil.txt")
print(f"bench/io: {n} JPEG 1024x768 -> 32x32 gray pixel vectors, 2 workers, {platform.node()} ({os.cpu_count()} cores)")
print(f"PIL {PIL.__version__}; agreement: max |embscope - PIL| = {d.max():.4f}, mean {d.mean():.5f}"
      " (PIL's BOX resize rounds to 8 bits)")
print(f"| tool | wall s | images/s | CPU s | peak RSS MB |")
print(f"|---|---:|---:|---:|---:|")
print(f"| embscope embed | {we:.2f} | {n / we:.1f} | {ce:.2f} | {re_:.0f} |")
print(f"| PIL (multiprocessing, 2) | {wp:.2f} | {n / wp:.1f} | {cp:.2f} | {rp:.0f} (largest process) |")
print(f"ratio (embscope images/s / PIL images/s): {wp / we:.2f}x")

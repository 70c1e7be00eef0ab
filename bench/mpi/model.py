#!/usr/bin/env python3
"""bench/mpi/model.py - expected time of embed and neighbours for 10M and
100M images on N nodes of C cores, one MPI rank per node with C threads
(the layout README recommends), from per-core rates measured on this
project's 2-core VM (bench/mpi/run.sh, RESULTS.md) and stated network
assumptions. Prints the Markdown table of bench/mpi/RESULTS.md.

Model (every term is one of the stage's own steps, src/mpi/):
  embed      n / (rate_embed * N * C)            each rank its shard
           + n * d * 4 / bw                      vectors gathered on rank 0
  exact kNN  n^2 d / (flops_core / 2 * N * C)    upper half of X X^T (n^2 d / 2
                                                 multiply-adds = n^2 d flops)
           + (N - 1) * n * (k + 4) * 8 / bw      candidate lists to rank 0
           + n * (k + 4) * d * 2 / flops_core    rank 0: distances recomputed (1 core)
  approx     min(n, 2 n / N) / (rate_nnd * C)    NN-descent on a slab widened by
                                                 half a slab each side (2 n / N rows)
           + 9 n d * 2 / flops_scalar            rank 0: power iteration, 1 core
           + (N - 1) * 2 n / N * k * 8 / bw      slab graphs to rank 0
Not modelled: MPI start-up (~0.5 s per run here), reading the images
from storage (n * image size / storage bandwidth per node), imbalance."""
import argparse

p = argparse.ArgumentParser()
p.add_argument("--clip-per-core", type=float, default=5.0, help="CLIP ViT-B/32 images/s per core (issue 21: ~10/s on 2)")
p.add_argument("--pixels-per-core", type=float, default=160.0, help="pixel vectors of 640x480 JPEGs per core per s (measured)")
p.add_argument("--gemm-gflops", type=float, default=15.0, help="exact kNN GFLOP/s per core, GEMM + filter (measured)")
p.add_argument("--nnd-rows", type=float, default=2600.0, help="NN-descent rows/s per core at d=784 (measured)")
p.add_argument("--scalar-gflops", type=float, default=1.0, help="rank 0's plain loops (power iteration), GFLOP/s")
p.add_argument("--bw", type=float, default=1.25e9, help="network bytes/s into rank 0 (10 Gb/s Ethernet)")
p.add_argument("--d", type=int, default=512)
p.add_argument("--k", type=int, default=15)
a = p.parse_args()

def hms(s):
    if s < 120: return f"{s:.0f} s"
    if s < 7200: return f"{s / 60:.0f} min"
    if s < 2 * 86400: return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} d"

print(f"| n | nodes x cores | embed CLIP | embed pixels | exact kNN | approx kNN | rank-0 receives (exact) |")
print("|---|---|---|---|---|---|---|")
for n in (10_000_000, 100_000_000):
    for N, C in ((1, 32), (8, 32), (32, 32), (128, 64)):
        gather = n * a.d * 4 / a.bw
        clip = n / (a.clip_per_core * N * C) + gather
        pix = n / (a.pixels_per_core * N * C) + gather
        lists = (N - 1) * n * (a.k + 4) * 8
        exact = n * n * a.d / (a.gemm_gflops * 1e9 * N * C) + lists / a.bw + n * (a.k + 4) * a.d * 2 / (a.gemm_gflops * 1e9)
        approx = min(n, 2 * n / N) / (a.nnd_rows * C) + 9 * n * a.d * 2 / (a.scalar_gflops * 1e9) + (N - 1) * 2 * n / N * a.k * 8 / a.bw
        print(f"| {n / 1e6:.0f}M | {N} x {C} | {hms(clip)} | {hms(pix)} | {hms(exact)} | {hms(approx)} | {lists / 1e9:.0f} GB |")

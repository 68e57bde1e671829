#!/usr/bin/env python3
"""Peer benchmark: the stdlib cnn on Fashion-MNIST with stock PyTorch DDP (gloo, CPU).

ddp_mlp.py with the model swapped for the stdlib's cnn (plan::Model's geometry): Conv2d(1, 16, 3)
-> ReLU -> MaxPool2d(2) -> Conv2d(16, 32, 3) -> ReLU -> MaxPool2d(2) -> flatten -> Linear(800, 10),
PyTorch's default initialisation; batches reshaped to [N, 1, 28, 28]. Everything else (data,
DistributedSampler, Adam 1e-3, batch 64 per rank, timing, JSON line) is ddp_mlp.py's.
--profile-steps N instead times N single-process steps (no DDP) layer by layer with
torch.autograd.profiler and prints the per-step milliseconds of each operator.

Run: python3 torchrun.py --standalone --nproc_per_node=N ddp_cnn.py [opts]
Rank 0 prints one JSON line with timings and full-test-set accuracy.
"""
import time

T_START = time.perf_counter()  # before importing torch: start-up includes the import, as dmlrun's includes loading libtorch

import json

import torch
import torch.nn as nn
import torch.nn.functional as F

from ddp_mlp import load_split, parser, train  # the same data, loop, timing and JSON line


def cnn():
    return nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(800, 10))


def profile(a, xtr, ytr):
    """Per-operator time of N plain (no DDP) steps, ms per step, from autograd's profiler."""
    model = cnn()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = xtr[:a.batch].view(-1, 1, 28, 28), ytr[:a.batch]
    for _ in range(20):  # warm-up
        F.cross_entropy(model(x), y).backward()
    times = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(a.profile_steps):
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        times.append(1e3 * (time.perf_counter() - t) / a.profile_steps)
    with torch.autograd.profiler.profile() as prof:
        for _ in range(a.profile_steps):
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
    print(json.dumps({"step_ms_median": sorted(times)[2], "step_ms_runs": [round(t, 3) for t in times]}))
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=14))


def main():
    p = parser()
    p.add_argument("--profile-steps", type=int, default=0)
    a = p.parse_args()
    if a.profile_steps:
        torch.set_num_threads(a.threads or 1)
        torch.manual_seed(a.seed)
        x, y = load_split(a.data_dir, "train")
        profile(a, (x - x.mean()) / x.std(), y)
        return
    train(a, cnn, (1, 28, 28), t_start=T_START)


if __name__ == "__main__":
    main()

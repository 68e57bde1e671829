#!/usr/bin/env python3
"""Peer benchmark: the stdlib cnn on Fashion-MNIST with stock PyTorch DDP (gloo, CPU).

ddp_mlp.py with the model swapped for the stdlib's cnn (plan::Model's geometry): Conv2d(1, 16, 3)
-> ReLU -> MaxPool2d(2) -> Conv2d(16, 32, 3) -> ReLU -> MaxPool2d(2) -> flatten -> Linear(800, 10),
PyTorch's default initialisation; batches reshaped to [N, 1, 28, 28]. Everything else (data,
DistributedSampler, Adam 1e-3, batch 64 per rank, timing, JSON line) is ddp_mlp.py's.
--profile-steps N instead times N single-process steps (no DDP) layer by layer with
torch.autograd.profiler and prints the per-step milliseconds of each operator.

Run: python3 torchrun.py --standalone --nproc_per_node=N ddp_mlp.py [opts]
Rank 0 prints one JSON line with timings and full-test-set accuracy.
"""
import time

T_START = time.perf_counter()  # before importing torch: start-up includes the import, as dmlrun's includes loading libtorch

import argparse, gzip, json, os, resource

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


def load_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]  # magic: 0x00 0x00 <dtype=0x08 ubyte> <ndim>
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_split(d, prefix):
    x = load_idx(os.path.join(d, f"{prefix}-images-idx3-ubyte.gz"))
    y = load_idx(os.path.join(d, f"{prefix}-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(x.reshape(len(x), -1).astype(np.float32) / 255.0)
    return x, torch.from_numpy(y.astype(np.int64))


def loaded_blas():
    """The BLAS shared object this process really mapped (not what the alternatives claim)."""
    for line in open("/proc/self/maps"):
        path = line.split()[-1]
        if "libblas" in path or "libopenblas" in path:
            return os.path.realpath(path)
    return "none found"


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
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch", type=int, default=64, help="per-process batch size")
    p.add_argument("--threads", type=int, default=0, help="0 = cores / world size")
    p.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--max-steps", type=int, default=0, help="stop after this many steps per epoch (0 = all)")
    p.add_argument("--loader", choices=["memory", "dataloader"], default="memory")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--profile-steps", type=int, default=0)
    a = p.parse_args()
    if a.profile_steps:
        torch.set_num_threads(a.threads or 1)
        torch.manual_seed(a.seed)
        x, y = load_split(a.data_dir, "train")
        profile(a, (x - x.mean()) / x.std(), y)
        return

    t_wall = T_START
    dist.init_process_group("gloo", init_method="env://")
    rank, world = dist.get_rank(), dist.get_world_size()
    threads = a.threads or max(1, (os.cpu_count() or 1) // world)
    torch.set_num_threads(threads)
    torch.manual_seed(a.seed)

    xtr, ytr = load_split(a.data_dir, "train")
    xte, yte = load_split(a.data_dir, "t10k")
    mean, std = xtr.mean().item(), xtr.std().item()  # dataset's own statistics (~0.2860 / 0.3530)
    xtr, xte = (xtr - mean) / std, (xte - mean) / std

    xtr, xte = xtr.view(-1, 1, 28, 28), xte.view(-1, 1, 28, 28)
    model = DDP(cnn())
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    ds = TensorDataset(xtr, ytr)
    sampler = DistributedSampler(ds, num_replicas=world, rank=rank, shuffle=True, seed=a.seed)
    loader = DataLoader(ds, batch_size=a.batch, sampler=sampler, num_workers=0)

    def batches():
        if a.loader == "dataloader":
            yield from loader
        else:  # in-memory: index the resident tensors with the sampler's permutation
            idx = torch.tensor(list(iter(sampler)))
            for i in range(0, len(idx), a.batch):
                j = idx[i:i + a.batch]
                yield xtr[j], ytr[j]

    dist.barrier()
    t_train, steps, seen, loss = time.perf_counter(), 0, 0, torch.tensor(0.0)
    startup_s = first_step_unix_s = None
    for epoch in range(a.epochs):
        sampler.set_epoch(epoch)
        for s, (x, y) in enumerate(batches()):
            if a.max_steps and s >= a.max_steps:
                break
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            steps += 1
            seen += len(y)
            if startup_s is None:
                startup_s = time.perf_counter() - T_START
                first_step_unix_s = time.time()
    dist.barrier()
    train_s = time.perf_counter() - t_train

    stats = torch.tensor([loss.item(), float(seen)], dtype=torch.float64)
    dist.all_reduce(stats)  # sum over ranks: total loss, total samples
    rss = torch.tensor([resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0], dtype=torch.float64)
    rss_all = [torch.zeros(1, dtype=torch.float64) for _ in range(world)]
    dist.all_gather(rss_all, rss)
    if rank == 0:
        with torch.no_grad():
            acc = (model.module(xte).argmax(1) == yte).float().mean().item()
        print(json.dumps({
            "world": world, "threads": threads, "epochs": a.epochs, "loader": a.loader,
            "steps_per_rank": steps, "wall_s": round(time.perf_counter() - t_wall, 3),
            "train_s": round(train_s, 3),
            "samples_per_s": round(stats[1].item() / train_s, 1),
            "test_acc": round(acc, 4), "final_loss": round(stats[0].item() / world, 4),
            "startup_s": round(startup_s, 3), "first_step_unix_s": first_step_unix_s, "peak_rss_mb": [round(r.item(), 1) for r in rss_all],
            "blas": loaded_blas(),
        }), flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()

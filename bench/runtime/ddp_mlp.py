#!/usr/bin/env python3
"""Peer benchmark: MLP 784-100-ReLU-10 on Fashion-MNIST with stock PyTorch DDP (gloo, CPU).

Copied from the project's shared peer (../shared/peer/ddp_mlp.py, the stock-PyTorch reference the
issue measures against); the training step is unchanged. Added for the side-by-side bench: the
start-up time (script start, torch import included, to the end of the first step), each rank's
peak RSS, and the BLAS library the process actually loaded.

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


def parser():
    """The options both peers take (ddp_cnn.py adds its own)."""
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch", type=int, default=64, help="per-process batch size")
    p.add_argument("--threads", type=int, default=0, help="0 = cores / world size")
    p.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--max-steps", type=int, default=0, help="stop after this many steps per epoch (0 = all)")
    p.add_argument("--loader", choices=["memory", "dataloader"], default="memory")
    p.add_argument("--seed", type=int, default=0)
    return p


def train(a, make_model, sample_shape=None, t_start=T_START):
    """DDP training of make_model() (built after seeding) on Fashion-MNIST, rank 0 printing one JSON
    line; sample_shape reshapes each image (the cnn's (1, 28, 28)); t_start: when the script started."""

    t_wall = t_start
    dist.init_process_group("gloo", init_method="env://")
    rank, world = dist.get_rank(), dist.get_world_size()
    threads = a.threads or max(1, (os.cpu_count() or 1) // world)
    torch.set_num_threads(threads)
    torch.manual_seed(a.seed)

    xtr, ytr = load_split(a.data_dir, "train")
    xte, yte = load_split(a.data_dir, "t10k")
    mean, std = xtr.mean().item(), xtr.std().item()  # dataset's own statistics (~0.2860 / 0.3530)
    xtr, xte = (xtr - mean) / std, (xte - mean) / std

    if sample_shape is not None:
        xtr, xte = xtr.view(-1, *sample_shape), xte.view(-1, *sample_shape)
    model = DDP(make_model())
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
                startup_s = time.perf_counter() - t_start
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



def main():
    train(parser().parse_args(), lambda: nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10)))

if __name__ == "__main__":
    main()

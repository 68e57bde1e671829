"""The repository that samples/repo_job.dml's nodes clone (scripts/localstack
maps the sample's URL here): plain PyTorch DDP over Gloo, started once per
rank with torchrun's environment (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE,
LOCAL_RANK, GLOO_SOCKET_IFNAME), as the prototype's Lightning job was.

Trains the paper's MLP (784 -> 100 -> ReLU -> 10, Adam 1e-3, batch 64 per
rank) on Fashion-MNIST from Debian's dataset-fashion-mnist, each rank on its
own shard, for --epochs passes over --samples training images, then rank 0
prints the test accuracy. The options the sample passes for Lightning
(--accelerator) are accepted.
"""
import argparse
import gzip
import os
import socket
import struct

import torch
import torch.distributed as dist
from torch import nn

DATA = "/usr/share/datasets/fashion-mnist"


def idx(name, limit):
    """An IDX file's first `limit` items as a float or long tensor."""
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        magic, count = struct.unpack(">II", f.read(8))
        dims = magic & 0xFF
        shape = [min(count, limit)] + list(struct.unpack(">" + "I" * (dims - 1), f.read(4 * (dims - 1))))
        size = 1
        for d in shape:
            size *= d
        data = torch.frombuffer(bytearray(f.read(size)), dtype=torch.uint8).reshape(shape)
    return data.reshape(shape[0], -1).float() / 255.0 if dims > 1 else data.long()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--samples", type=int, default=12000, help="training images used, of 60000")
    ap.add_argument("--accelerator", default="cpu")
    args = ap.parse_args()

    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    print(f"rank {rank}/{world} on {socket.gethostname()} via {os.environ.get('GLOO_SOCKET_IFNAME')}, "
          f"master {os.environ['MASTER_ADDR']}:{os.environ['MASTER_PORT']}", flush=True)
    torch.manual_seed(42)
    model = nn.parallel.DistributedDataParallel(nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10)))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = idx("train-images-idx3-ubyte.gz", args.samples), idx("train-labels-idx1-ubyte.gz", args.samples)
    x, y = x[rank::world], y[rank::world]
    for epoch in range(args.epochs):
        total = 0.0
        for i in range(0, len(x) - 63, 64):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x[i:i + 64]), y[i:i + 64])
            loss.backward()
            opt.step()
            total += loss.item()
        print(f"rank {rank}: epoch {epoch + 1} mean loss {total / max(1, len(x) // 64):.4f}", flush=True)
    if rank == 0:
        tx, ty = idx("t10k-images-idx3-ubyte.gz", 10000), idx("t10k-labels-idx1-ubyte.gz", 10000)
        with torch.no_grad():
            accuracy = (model(tx).argmax(1) == ty).float().mean().item()
        print(f"test accuracy {accuracy:.4f} after {args.epochs} epochs on {world} ranks", flush=True)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()

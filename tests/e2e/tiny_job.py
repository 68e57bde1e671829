"""Small training jobs for dmlrun end-to-end tests written in Python: a
learnable IDX dataset generated at test time, a launch plan for one rank on
loopback, and dmlrun local run on it. Used with Debian's /usr/bin/python3
(python3-torch), which the tests need to check dmlrun's results against
PyTorch's."""
import gzip
import os
import socket
import struct
import subprocess

import torch

IDX_UBYTE = 0x08


def write_idx(path, tensor):
    """tensor: uint8 [N] (labels) or [N, H, W] (images), gzip-compressed."""
    dims = list(tensor.shape)
    header = struct.pack(">BBBB", 0, 0, IDX_UBYTE, len(dims)) + b"".join(struct.pack(">I", d) for d in dims)
    with gzip.open(path, "wb") as f:
        f.write(header + tensor.contiguous().numpy().tobytes())


def band_images(count, side, classes, generator, contrast):
    """Noise images where label k lights the k-th of `classes` horizontal bands."""
    labels = torch.randint(0, classes, (count,), generator=generator)
    images = torch.randint(0, 90, (count, side, side), generator=generator)
    band = side // classes
    for i in range(count):
        k = int(labels[i])
        images[i, k * band:(k + 1) * band, :] += contrast
    return images.clamp(0, 255).to(torch.uint8), labels.to(torch.uint8)


def write_band_dataset(directory, train, test, side=28, classes=10, seed=1, contrast=120):
    """Writes the four IDX files; returns the plan's dataset section fields.
    A low `contrast` (the band's brightness over the noise) makes it hard."""
    os.makedirs(directory, exist_ok=True)
    generator = torch.Generator().manual_seed(seed)
    files = {}
    for split, count in (("train", train), ("test", test)):
        images, labels = band_images(count, side, classes, generator, contrast)
        files[f"{split}_images"] = f"{split}-images-idx3-ubyte.gz"
        files[f"{split}_labels"] = f"{split}-labels-idx1-ubyte.gz"
        write_idx(os.path.join(directory, files[f"{split}_images"]), images)
        write_idx(os.path.join(directory, files[f"{split}_labels"]), labels)
    return dict(files, dir=directory, train_size=train, test_size=test, shape=[1, side, side], classes=classes)


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _flow(values):
    return "[" + ", ".join(str(v) for v in values) + "]"


def _model_yaml(model):
    lines = [f'    kind: "{model["kind"]}"']
    for key in ("layers", "input", "channels"):
        if key in model:
            lines.append(f"    {key}: {_flow(model[key])}")
    for key in ("kernel", "classes"):
        if key in model:
            lines.append(f"    {key}: {model[key]}")
    for key in ("activation", "file"):
        if key in model:
            lines.append(f'    {key}: "{model[key]}"')
    return "\n".join(lines)


def plan_yaml(job, dataset, model, batch, epochs, lr=1e-3, seed=0):
    """A version-2 plan: one rank on 127.0.0.1, Adam, no checkpoints."""
    return f"""dml_plan: 2
job:
  name: "{job}"
  kind: "train"
  max_restarts: 0
cluster:
  subnet: "127.0.0.0/8"
  master_addr: "127.0.0.1"
  port: {free_port()}
  groups:
    - name: "master"
      count: 1
      procs_per_node: 1
timeouts:
  rendezvous_s: 60
  collective_s: 60
  job_s: 600
  heartbeat_s: 5
train:
  dataset:
    name: "bands"
    format: "idx"
    dir: "{dataset['dir']}"
    train_images: "{dataset['train_images']}"
    train_labels: "{dataset['train_labels']}"
    test_images: "{dataset['test_images']}"
    test_labels: "{dataset['test_labels']}"
    train_size: {dataset['train_size']}
    test_size: {dataset['test_size']}
    shape: {_flow(dataset['shape'])}
    classes: {dataset['classes']}
  model:
{_model_yaml(model)}
  loss: "cross_entropy"
  optimizer:
    kind: "adam"
    lr: {lr}
    momentum: 0
    weight_decay: 0
    beta1: 0.9
    beta2: 0.999
    eps: 1e-08
  batch_per_rank: {batch}
  epochs: {epochs}
  seed: {seed}
  threads_per_rank: 1
  checkpoint:
    dir: ""
    every_epochs: 1
"""


def run_dmlrun(dmlrun, plan_path, *args, timeout=600):
    """dmlrun local PLAN ARGS...; returns the CompletedProcess (text)."""
    return subprocess.run([dmlrun, "local", plan_path, *args], capture_output=True, text=True, timeout=timeout)

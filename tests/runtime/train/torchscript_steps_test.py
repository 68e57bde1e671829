#!/usr/bin/python3
"""A TorchScript model's first steps in dml equal PyTorch's on the same
batches: a small CNN scripted and saved here, trained for a few Adam steps
by dml_torchscript_steps (TorchScriptModel's flat buffers, autograd, dml's
flat Adam) and by torch.optim.Adam on the same module file; each step's
loss must agree (float tolerance).

usage: torchscript_steps_test.py DML_TORCHSCRIPT_STEPS
"""
import os
import subprocess
import sys
import tempfile

import torch
from torch import nn

C, H, W, CLASSES = 1, 12, 12, 5
ROWS, STEPS, LR = 32, 10, 0.01
TOLERANCE = 1e-4


class SmallCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(C, 6, 3)  # 12 -> 10 -> pool 5
        self.conv2 = nn.Conv2d(6, 8, 2)  # 5 -> 4 -> pool 2
        self.fc = nn.Linear(8 * 2 * 2, CLASSES)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.fc(x.flatten(1))


def banded_batch():
    """Noise where label k brightens the k-th band of rows: learnable in a few steps."""
    y = torch.randint(0, CLASSES, (ROWS,))
    x = torch.randn(ROWS, C, H, W) * 0.5
    band = H // CLASSES
    for i, k in enumerate(y.tolist()):
        x[i, :, k * band:(k + 1) * band, :] += 2
    return x, y


def main():
    exe = sys.argv[1]
    torch.manual_seed(11)
    with tempfile.TemporaryDirectory(prefix="dml-ts-steps-") as tmp:
        model_path = os.path.join(tmp, "model.pt")
        torch.jit.script(SmallCnn()).save(model_path)
        # Two batches in turn: distinct steps, and a loss that falls as the
        # model learns them (a comparison of flat losses would prove little).
        pair = [banded_batch() for _ in range(2)]
        batches = [pair[i % 2] for i in range(STEPS)]
        batches_path = os.path.join(tmp, "batches.bin")
        with open(batches_path, "wb") as f:
            for x, y in batches:
                f.write(x.numpy().tobytes())
                f.write(y.to(torch.int64).numpy().tobytes())
        run = subprocess.run([exe, model_path, str(C), str(H), str(W), str(CLASSES), batches_path, str(ROWS),
                              str(STEPS), str(LR)], capture_output=True, text=True, timeout=300)
        if run.returncode != 0:
            sys.exit(f"dml_torchscript_steps failed ({run.returncode}): {run.stderr}")
        ours = [float(line) for line in run.stdout.split()]

        model = torch.jit.load(model_path)
        model.train()
        optimizer = torch.optim.Adam(model.parameters(), lr=LR)
        theirs = []
        for x, y in batches:
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            theirs.append(loss.item())

    print("step  dml          pytorch")
    for i, (a, b) in enumerate(zip(ours, theirs)):
        print(f"{i:4d}  {a:.9f}  {b:.9f}")
    if len(ours) != STEPS:
        sys.exit(f"dml gave {len(ours)} losses, expected {STEPS}")
    if min(theirs[-2:]) > min(theirs[:2]) * 0.9:
        sys.exit("the loss hardly moved: the comparison would prove little")
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if abs(a - b) > TOLERANCE * max(1.0, abs(b)):
            sys.exit(f"step {i}: dml's loss {a} differs from PyTorch's {b}")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Scripts and saves the small CNN that samples/torchscript.dml trains: for
Fashion-MNIST (input [1, 28, 28], 10 classes), what a user writes in PyTorch
and hands to dmlrun as a TorchScript file.

  conv1 Conv2d(1, 16, 3) -> ReLU -> MaxPool2d(2)    28 -> 26 -> 13
  conv2 Conv2d(16, 32, 3) -> ReLU -> MaxPool2d(2)   13 -> 11 -> 5
  fc1   Linear(32*5*5 = 800, 64) -> ReLU
  fc2   Linear(64, 10)                               logits
  56,714 float32 parameters, PyTorch's default initialisation from --seed.

dmlrun feeds it normalized images [N, 1, 28, 28] and trains it through
autograd; no dropout or batch norm, so training and evaluation modes agree.

usage: make_model.py [OUT] [--seed N]   (default OUT: model.pt)
Prints the file's sha256, which the .dml's download of the model names. The
archive's bytes differ from run to run (same weights for the same seed), so
take the sha256 of the very file you publish.
Needs PyTorch (on Debian: /usr/bin/python3 with python3-torch).
"""
import argparse
import hashlib

import torch
from torch import nn


class FashionCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3)
        self.conv2 = nn.Conv2d(16, 32, 3)
        self.fc1 = nn.Linear(32 * 5 * 5, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.relu(self.fc1(x.flatten(1)))
        return self.fc2(x)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="model.pt")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    model = FashionCnn()
    scripted = torch.jit.script(model)
    logits = scripted(torch.zeros(2, 1, 28, 28))
    assert logits.shape == (2, 10), logits.shape
    scripted.save(args.out)
    with open(args.out, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    count = sum(p.numel() for p in model.parameters())
    print(f"{args.out}: {count:,} parameters, input [1, 28, 28], 10 classes; sha256 {digest}")


if __name__ == "__main__":
    main()

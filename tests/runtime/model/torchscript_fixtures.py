#!/usr/bin/python3
"""Writes the saved modules the TorchScript model tests load, into DIR.

Good ones (a small MLP and a small CNN for 1x8x8 images and 4 classes, each
run through torch.jit.script), and one file per way a saved model can be
unusable. Run with Debian's /usr/bin/python3 (python3-torch).

usage: torchscript_fixtures.py DIR
"""
import os
import sys

import torch
from torch import nn

INPUT = (1, 8, 8)
CLASSES = 4


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 16)
        self.fc2 = nn.Linear(16, CLASSES)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x.flatten(1))))


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3)  # 8 -> 6 -> pool 3
        self.fc = nn.Linear(3 * 3 * 3, CLASSES)

    def forward(self, x):
        x = torch.max_pool2d(torch.tanh(self.conv(x)), 2)
        return self.fc(x.flatten(1))


class IntParameter(Mlp):
    def __init__(self):
        super().__init__()
        self.steps = nn.Parameter(torch.zeros(1, dtype=torch.int64), requires_grad=False)


class WrongShape(nn.Module):
    """Forgets the last layer: [N, 16] instead of [N, 4]."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 16)

    def forward(self, x):
        return self.fc1(x.flatten(1))


class WrongInput(nn.Module):
    """Written for 28x28 images, loaded for 8x8 ones."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, CLASSES)

    def forward(self, x):
        return self.fc(x.flatten(1))


class NoParameters(nn.Module):
    def forward(self, x):
        return x.flatten(1)[:, :4]


class ReturnsTuple(Mlp):
    def forward(self, x):
        y = self.fc2(torch.relu(self.fc1(x.flatten(1))))
        return y, y


class NoForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(64, CLASSES)

    @torch.jit.export
    def predict(self, x):
        return self.fc(x.flatten(1))


class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(64, 64)
        self.b = nn.Linear(64, 64)
        self.b.weight = self.a.weight
        self.out = nn.Linear(64, CLASSES)

    def forward(self, x):
        return self.out(self.b(self.a(x.flatten(1))))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)

    def save(name, module):
        torch.jit.script(module).save(os.path.join(out, name))

    save("mlp.pt", Mlp())
    save("cnn.pt", Cnn())
    save("int_parameter.pt", IntParameter())
    save("float64.pt", Mlp().double())
    save("wrong_shape.pt", WrongShape())
    save("wrong_input.pt", WrongInput())
    save("no_parameters.pt", NoParameters())
    save("returns_tuple.pt", ReturnsTuple())
    save("no_forward.pt", NoForward())
    save("tied.pt", Tied())
    torch.save(Mlp().state_dict(), os.path.join(out, "state_dict.pt"))
    with open(os.path.join(out, "garbage.pt"), "wb") as f:
        f.write(bytes(range(256)) * 4)
    open(os.path.join(out, "empty.pt"), "wb").close()


if __name__ == "__main__":
    main()

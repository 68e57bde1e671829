#!/usr/bin/python3
"""dmlrun's first steps of a torchscript model give PyTorch's losses: a small
CNN scripted here, trained by `dmlrun local` (one rank, the batch the whole
train set, so that every epoch is one step on the same batch whatever the
shuffle) and by torch.optim.Adam in Python on the same normalized images;
each epoch's train_loss (that step's loss) must agree within float
tolerance. Then model.pt in --output reproduces the reported accuracy.

usage: torchscript_dmlrun_test.py DMLRUN
"""
import json
import os
import sys
import tempfile

import torch
from torch import nn

import tiny_job

SIDE, CLASSES, TRAIN, TEST = 12, 4, 192, 200
EPOCHS, LR = 6, 0.01
TOLERANCE = 1e-4


class SmallCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 6, 3)  # 12 -> 10 -> pool 5
        self.fc = nn.Linear(6 * 5 * 5, CLASSES)

    def forward(self, x):
        return self.fc(torch.max_pool2d(torch.relu(self.conv(x)), 2).flatten(1))


def normalized(images, mean, std):
    """As dmlrun's data layer: one float per byte value, computed in double."""
    table = ((torch.arange(256, dtype=torch.float64) / 255 - mean) / std).float()
    return table[images.long()].unsqueeze(1)


def main():
    dmlrun = sys.argv[1]
    torch.manual_seed(5)
    with tempfile.TemporaryDirectory(prefix="dml-ts-run-") as tmp:
        dataset = tiny_job.write_band_dataset(os.path.join(tmp, "data"), train=TRAIN, test=TEST, side=SIDE,
                                              classes=CLASSES, contrast=30)
        model_path = os.path.join(tmp, "model.pt")
        torch.jit.script(SmallCnn()).save(model_path)
        plan = os.path.join(tmp, "plan.yaml")
        model = {"kind": "torchscript", "input": [1, SIDE, SIDE], "classes": CLASSES, "file": model_path}
        with open(plan, "w") as f:
            f.write(tiny_job.plan_yaml("tsrun", dataset, model, batch=TRAIN, epochs=EPOCHS, lr=LR))
        metrics = os.path.join(tmp, "metrics.jsonl")
        output = os.path.join(tmp, "out")
        run = tiny_job.run_dmlrun(dmlrun, plan, "--metrics", metrics, "--output", output)
        if run.returncode != 0:
            sys.exit(f"dmlrun failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
        with open(metrics) as f:
            records = [json.loads(line) for line in f]
        ours = [r["train_loss"] for r in records if r.get("event") == "epoch"]

        images = tiny_job.read_idx(os.path.join(dataset["dir"], dataset["train_images"]))
        labels = tiny_job.read_idx(os.path.join(dataset["dir"], dataset["train_labels"])).long()
        pixels = images.double() / 255
        mean, std = pixels.mean().item(), pixels.std().item()
        x = normalized(images, mean, std)
        reference = torch.jit.load(model_path)
        reference.train()
        optimizer = torch.optim.Adam(reference.parameters(), lr=LR)
        theirs = []
        for _ in range(EPOCHS):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(reference(x), labels)
            loss.backward()
            optimizer.step()
            theirs.append(loss.item())

        print("epoch  dmlrun       pytorch")
        for i, (a, b) in enumerate(zip(ours, theirs)):
            print(f"{i + 1:5d}  {a:.9f}  {b:.9f}")
        if len(ours) != EPOCHS:
            sys.exit(f"dmlrun reported {len(ours)} epochs, expected {EPOCHS}")
        if theirs[-1] > theirs[0] * 0.95:
            sys.exit("the loss hardly moved: the comparison would prove little")
        for i, (a, b) in enumerate(zip(ours, theirs)):
            if abs(a - b) > TOLERANCE * max(1.0, abs(b)):
                sys.exit(f"epoch {i + 1}: dmlrun's loss {a} differs from PyTorch's {b}")

        # The handed-back model: the user's module with normalization inside.
        exported = torch.jit.load(os.path.join(output, "model.pt"))
        test_images = tiny_job.read_idx(os.path.join(dataset["dir"], dataset["test_images"]))
        test_labels = tiny_job.read_idx(os.path.join(dataset["dir"], dataset["test_labels"])).long()
        with torch.no_grad():
            accuracy = exported(test_images.float().div(255).unsqueeze(1)).argmax(1).eq(test_labels).float().mean()
        with open(os.path.join(output, "result.json")) as f:
            reported = json.load(f)["test_accuracy"]
        if abs(accuracy.item() - reported) > 0.001:
            sys.exit(f"model.pt gives test accuracy {accuracy.item()}, dmlrun reported {reported}")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""The trained model handed back: an mlp trained by `dmlrun local` on a small
generated IDX dataset writes model.pt, metrics.jsonl and result.json into
--output; Python loads model.pt with torch.jit.load alone (no dml code),
feeds it the test images / 255 as [N, 1, H, W], and reproduces the test
accuracy dmlrun reported (result.json) within 0.001. Without --output the
files go to <workdir>/<job>/output; an output directory that cannot be made
fails the job before it trains.

usage: export_accuracy_test.py DMLRUN
"""
import json
import os
import sys
import tempfile

import torch

import tiny_job

ACCURACY_TOLERANCE = 0.001


def main():
    dmlrun = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="dml-export-") as tmp:
        dataset = tiny_job.write_band_dataset(os.path.join(tmp, "data"), train=2000, test=1000,
                                                 contrast=14)
        plan = os.path.join(tmp, "plan.yaml")
        with open(plan, "w") as f:
            f.write(tiny_job.plan_yaml("export", dataset, {"kind": "mlp", "layers": [784, 32, 10],
                                                            "activation": "relu"}, batch=64, epochs=1))
        output = os.path.join(tmp, "out")
        run = tiny_job.run_dmlrun(dmlrun, plan, "--output", output)
        if run.returncode != 0:
            sys.exit(f"dmlrun failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
        if f"trained model: {output}/model.pt" not in run.stdout:
            sys.exit(f"dmlrun did not say where the model went:\n{run.stdout}")

        files = sorted(os.listdir(output))
        if files != ["metrics.jsonl", "model.pt", "result.json"]:
            sys.exit(f"output directory holds {files}")
        with open(os.path.join(output, "result.json")) as f:
            result = json.load(f)
        with open(os.path.join(output, "metrics.jsonl")) as f:
            records = [json.loads(line) for line in f]
        if [r.get("event") for r in records] != ["epoch", "final"]:
            sys.exit(f"metrics.jsonl: {records}")
        if records[-1]["test_accuracy"] != result["test_accuracy"] or result["model_kind"] != "mlp":
            sys.exit(f"result.json disagrees with metrics.jsonl: {result}")

        model = torch.jit.load(os.path.join(output, "model.pt"))
        images = tiny_job.read_idx(os.path.join(dataset["dir"], dataset["test_images"]))
        labels = tiny_job.read_idx(os.path.join(dataset["dir"], dataset["test_labels"])).long()
        x = images.float().div(255).unsqueeze(1)  # [N, 1, H, W] in [0, 1], as ToTensor gives
        with torch.no_grad():
            accuracy = model(x).argmax(1).eq(labels).float().mean().item()
        reported = result["test_accuracy"]
        print(f"dmlrun reported test accuracy {reported:.4f}; model.pt in Python: {accuracy:.4f} "
              f"(mean {model.mean:.4f}, std {model.std:.4f})")
        if abs(accuracy - reported) > ACCURACY_TOLERANCE:
            sys.exit(f"model.pt gives {accuracy}, dmlrun reported {reported}")
        if not 0.3 < reported < 0.97:
            sys.exit(f"test accuracy {reported}: a task this easy or hard proves little")

        # Without --output: <workdir>/<job>/output.
        workdir = os.path.join(tmp, "work")
        run = tiny_job.run_dmlrun(dmlrun, plan, "--workdir", workdir)
        if run.returncode != 0 or not os.path.isfile(os.path.join(workdir, "export", "output", "model.pt")):
            sys.exit(f"no model.pt under --workdir ({run.returncode}):\n{run.stdout}\n{run.stderr}")
        # An output directory that cannot be made fails the job before it trains.
        blocked = os.path.join(tmp, "data", dataset["test_labels"], "out")
        run = tiny_job.run_dmlrun(dmlrun, plan, "--output", blocked)
        expected = f"{blocked}: --output: cannot create the output directory: "
        if run.returncode == 0 or expected not in run.stderr or "training:" in run.stdout:
            sys.exit(f"a blocked --output: exit {run.returncode}:\n{run.stdout}\n{run.stderr}")


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# The main job, end to end on this machine: install what is missing, build,
# compile samples/mnist.dml to a Heat template and a launch plan, and train it
# with `dmlrun local` (every node of the plan on this machine over loopback).
# The trained model (TorchScript) lands in out/mnist-output/model.pt. Extra
# arguments go to dmlrun, e.g. `scripts/demo.sh --epochs 1`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
build_dir=${BUILD_DIR:-build}
out=out
"$build_dir/compiler/driver/dmlc" build samples/mnist.dml -o "$out"
echo
"$build_dir/runtime/launch/dmlrun" local "$out/mnist.plan.yaml" --metrics "$out/mnist.metrics.jsonl" \
  --output "$out/mnist-output" "$@"

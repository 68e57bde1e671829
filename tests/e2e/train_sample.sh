#!/usr/bin/env bash
# The whole path on one machine: samples/mnist.dml -> dmlc -> plan -> dmlrun
# local, 2 ranks, 1 epoch of Fashion-MNIST; the final test accuracy must be
# at least MIN_ACCURACY.
#   train_sample.sh DMLC DMLRUN SAMPLE.dml MIN_ACCURACY
set -euo pipefail
dmlc=$1 dmlrun=$2 sample=$3 min_accuracy=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$dmlc" build "$sample" -o "$work"
plan=$(ls "$work"/*.plan.yaml)
"$dmlrun" local "$plan" --epochs 1 --metrics "$work/metrics.jsonl" --output "$work/output" | tee "$work/log.txt"
test -s "$work/output/model.pt" || { echo "no model.pt in --output"; exit 1; }

grep -q "epoch" "$work/log.txt" || { echo "no per-epoch line in the output"; exit 1; }
/usr/bin/python3 - "$work/metrics.jsonl" "$min_accuracy" <<'PY'
import json, sys
records = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
final = records[-1]
print("final record:", final)
assert final["world_size"] == 2, f"world size {final['world_size']}, expected 2"
assert final["epochs"] == 1, f"epochs {final['epochs']}, expected 1"
assert final["test_accuracy"] >= float(sys.argv[2]), f"accuracy {final['test_accuracy']} < {sys.argv[2]}"
assert final["samples_per_second"] > 0 and final["train_seconds"] > 0
PY

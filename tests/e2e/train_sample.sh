#!/usr/bin/env bash
# The whole path on one machine: a sample -> dmlc -> plan -> dmlrun local, 2
# ranks, EPOCHS epochs (default 1; 0: the sample's own) of Fashion-MNIST; the
# final test accuracy must be at least MIN_ACCURACY. With MODEL_SCRIPT (a
# sample's make_model.py), the TorchScript model it writes is put where the
# sample's `path` names it, relative to the directory dmlrun runs in.
#   train_sample.sh DMLC DMLRUN SAMPLE.dml MIN_ACCURACY [EPOCHS] [MODEL_SCRIPT MODEL_PATH]
set -euo pipefail
dmlc=$1 dmlrun=$2 sample=$3 min_accuracy=$4 epochs=${5:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [[ $# -ge 7 ]]; then
  mkdir -p "$work/$(dirname "$7")"
  /usr/bin/python3 "$6" "$work/$7"
fi
"$dmlc" build "$sample" -o "$work"
plan=$(ls "$work"/*.plan.yaml)
epoch_args=()
[[ $epochs -gt 0 ]] && epoch_args=(--epochs "$epochs")
(cd "$work" && "$dmlrun" local "$plan" "${epoch_args[@]}" --metrics "$work/metrics.jsonl" --output "$work/output") |
  tee "$work/log.txt"
test -s "$work/output/model.pt" || { echo "no model.pt in --output"; exit 1; }

grep -q "epoch" "$work/log.txt" || { echo "no per-epoch line in the output"; exit 1; }
/usr/bin/python3 - "$work/metrics.jsonl" "$min_accuracy" "$epochs" <<'PY'
import json, sys
records = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
final = records[-1]
print("final record:", final)
assert final["world_size"] == 2, f"world size {final['world_size']}, expected 2"
if int(sys.argv[3]) > 0:
    assert final["epochs"] == int(sys.argv[3]), f"epochs {final['epochs']}, expected {sys.argv[3]}"
assert final["test_accuracy"] >= float(sys.argv[2]), f"accuracy {final['test_accuracy']} < {sys.argv[2]}"
assert final["samples_per_second"] > 0 and final["train_seconds"] > 0
PY

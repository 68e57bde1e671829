#!/usr/bin/env bash
# The cnn sample through dmlrun itself against stock PyTorch DDP (issue 11 part 5): samples/cnn.dml
# compiled by dmlc and run by `dmlrun local` at 1 and 2 ranks (one thread each), against ddp_cnn.py
# under torchrun at 1 and 2 processes (one thread each), same model, data, batch 64 per rank, Adam
# 1e-3, epochs, interleaved. Prints one line per run and a summary (samples/s, accuracy, ratio).
# A third side, "dml-ts", is dmlrun training the same cnn as a TorchScript model (scripted here in
# Python, trained through autograd): the torchscript path against the same peer.
# Usage: [SIDES="dml dml-ts peer"] bench/runtime/cnn_dmlrun_bench.sh [EPOCHS (10)] [REPS (1)]; needs a built tree in $BUILD
# (default build/). Run it on a quiet machine: every run shares the same cores.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
epochs=${1:-10}
reps=${2:-1}
build=${BUILD:-$root/build}
work=$(mktemp -d /tmp/dml-cnn-dmlrun-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
"$build/compiler/driver/dmlc" build "$root/samples/cnn.dml" -o "$work/out" >/dev/null
# The sample runs 2 ranks on its master; the 1-rank plan differs only there.
sed 's/procs_per_node: 2/procs_per_node: 1/' "$work/out/cnn.plan.yaml" >"$work/cnn1.plan.yaml"
cp "$work/out/cnn.plan.yaml" "$work/cnn2.plan.yaml"
# The same cnn as ddp_cnn.py's, scripted, and plans that train it as a torchscript model.
# (torch.jit.script reads the class's source: it must come from a file)
cat >"$work/make_ts.py" <<'PY'
import sys, torch, torch.nn as nn, torch.nn.functional as F, yaml
work = sys.argv[1]
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2, self.fc = nn.Conv2d(1, 16, 3), nn.Conv2d(16, 32, 3), nn.Linear(800, 10)
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(x.flatten(1))
torch.manual_seed(42)
torch.jit.script(Net()).save(f"{work}/cnn.pt")
for w in (1, 2):
    plan = yaml.safe_load(open(f"{work}/cnn{w}.plan.yaml"))
    plan["train"]["model"] = {"kind": "torchscript", "input": [1, 28, 28], "classes": 10, "file": f"{work}/cnn.pt"}
    yaml.safe_dump(plan, open(f"{work}/ts{w}.plan.yaml", "w"))
PY
/usr/bin/python3 "$work/make_ts.py" "$work"
results=$work/results.jsonl
dml() {  # side, plan, world
  echo "== $1 w$3 rep $rep  load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  rm -f "$work/metrics.jsonl"
  (cd "$work" && "$build/runtime/launch/dmlrun" local "$2" --threads 1 --epochs "$epochs" \
    --metrics "$work/metrics.jsonl" --output "$work/o$3" >"$work/$1_w$3.log" 2>&1)
  grep '"final"' "$work/metrics.jsonl" | /usr/bin/python3 -c \
    "import json,sys; r=json.loads(sys.stdin.read()); print(json.dumps({'side':'$1','world':$3,'sps':r['samples_per_second'],'acc':r['test_accuracy'],'train_s':r['train_seconds']}))" >>"$results"
}
wants() { [[ " ${SIDES:-dml dml-ts peer} " == *" $1 "* ]]; }  # SIDES="dml peer" runs only those
for rep in $(seq "$reps"); do
  for w in 1 2; do
    if wants dml; then dml dml "cnn$w.plan.yaml" "$w"; fi
    if wants dml-ts; then dml dml-ts "ts$w.plan.yaml" "$w"; fi
    wants peer || continue
    echo "== peer w$w rep $rep  load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    /usr/bin/python3 "$here/torchrun.py" --standalone --nproc_per_node="$w" "$here/ddp_cnn.py" --epochs "$epochs" \
      --threads 1 --seed 42 --loader memory 2>"$work/peer_w$w.err" | grep '^{' | /usr/bin/python3 -c \
      "import json,sys; r=json.loads(sys.stdin.read()); print(json.dumps({'side':'peer','world':$w,'sps':r['samples_per_s'],'acc':r['test_acc'],'train_s':r['train_s']}))" >>"$results"
  done
done
/usr/bin/python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("side    ranks  samples/s  test acc  vs peer")
for side in ("dml", "dml-ts", "peer"):
    for w in (1, 2):
        mine = [r for r in rows if r["side"] == side and r["world"] == w]
        peer = [r for r in rows if r["side"] == "peer" and r["world"] == w]
        if not mine:
            continue
        sps = statistics.median(r["sps"] for r in mine)
        ratio = f"{sps / statistics.median(r['sps'] for r in peer):.2f}x" if peer else "-"
        print(f"{side:7s} {w:5d}  {sps:9,.0f}  {mine[-1]['acc']:.4f}    {ratio}")
PY

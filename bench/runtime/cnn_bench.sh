#!/usr/bin/env bash
# The cnn bench (issue 11 part 5): the stdlib cnn on Fashion-MNIST, batch 64 per rank, Adam 1e-3,
# seed 42, one thread per rank, at 1 and 2 ranks: dml (cnn_train: train::CnnPass in dmlrun's loop,
# until dmlrun's generic trainer runs cnn models) against stock PyTorch DDP (ddp_cnn.py under
# torchrun.py), interleaved, then each side's step phase by phase.
# Usage: bench/runtime/cnn_bench.sh [EPOCHS (2)] [REPS (2)]; output in $LOG (default /tmp/dml-cnn-bench).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
epochs=${1:-2}
reps=${2:-2}
LOG=${LOG:-/tmp/dml-cnn-bench}
build=${BUILD:-$root/build-bench-cnn}
mkdir -p "$LOG"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release >"$LOG/cmake.log"
cmake --build "$build" -j2 --target cnn_train >>"$LOG/cmake.log"
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
py=/usr/bin/python3
run() {  # name, command...
  local name=$1
  shift
  echo "== $name  $(date -u +%H:%M:%S)  load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$LOG/runs.txt"
  "$@" 2>>"$LOG/$name.err" | tee -a "$LOG/runs.txt" | grep '^{' >>"$LOG/$name.jsonl" || true
}
for rep in $(seq "$reps"); do
  for w in 1 2; do
    run "dml_w$w" "$build/cnn_train" --world "$w" --epochs "$epochs" --seed 42
    run "peer_w$w" "$py" "$here/torchrun.py" --standalone --nproc_per_node="$w" "$here/ddp_cnn.py" \
      --epochs "$epochs" --threads 1 --seed 42 --loader memory
  done
done
run dml_profile "$build/cnn_train" --profile 200
run peer_profile "$py" "$here/ddp_cnn.py" --profile-steps 100 --threads 1
echo "log: $LOG/runs.txt"

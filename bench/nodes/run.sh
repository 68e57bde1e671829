#!/usr/bin/env bash
# Across nodes: dmlrun against stock PyTorch DDP on emulated nodes of this machine (see README.md).
#   sudo bench/nodes/run.sh          # ~25 min on an idle 2-vCPU machine
# Env: BUILD (build dir, default build-bench), EPOCHS (10), REPS (2), SEED (42), LOG (/tmp/dml_bench_nodes),
#      PARTS (cross,table), SIDES (dml,peer), TABLE_SIDES (dml,dml-global,peer), TABLE_SIZES (1,2,5,17),
#      IDLE_WAIT_S (300), RESULTS (output path), EARLIER_RUNS (a runs.jsonl whose other parts to keep).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD:-$root/build-bench}
export LOG=${LOG:-/tmp/dml_bench_nodes} EPOCHS=${EPOCHS:-10} REPS=${REPS:-2} SEED=${SEED:-42}
[[ $(id -u) == 0 ]] || { echo "bench/nodes: run as root (it makes network namespaces)" >&2; exit 1; }
mkdir -p "$LOG"

# The peer needs Debian's python3-torch (the same 1.13 as libtorch-dev); both sides call the
# libblas.so.3 the alternatives system selects, OpenBLAS once libopenblas0-openmp is there.
missing=()
/usr/bin/python3 -c 'import torch' 2>/dev/null || missing+=(python3-torch)
/usr/bin/python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
command -v ping >/dev/null || missing+=(iputils-ping)
command -v tc >/dev/null || missing+=(iproute2)
dpkg -s libopenblas0-openmp >/dev/null 2>&1 || dpkg -s libopenblas0-pthread >/dev/null 2>&1 ||
  missing+=(libopenblas0-openmp)
if ((${#missing[@]})); then
  echo "bench/nodes: installing ${missing[*]}" >&2
  apt-get install -y --no-install-recommends "${missing[@]}" >"$LOG/apt.log" 2>&1 ||
    { echo "bench/nodes: apt-get install ${missing[*]} failed (see $LOG/apt.log)" >&2; exit 1; }
fi

if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$LOG/cmake.log"
fi
cmake --build "$build" --target dmlrun dmlc -j"$(nproc)" >>"$LOG/cmake.log" 2>&1 ||
  { echo "bench/nodes: build failed (see $LOG/cmake.log)" >&2; exit 1; }
export DMLRUN=$build/runtime/launch/dmlrun
# The link's delay where tc has no netem (emulated_nodes.py): a small C switch, built here.
export DELAY_LINE=$LOG/delay_line
cc -O2 -o "$DELAY_LINE" "$here/delay_line.c" 2>>"$LOG/cmake.log" ||
  { echo "bench/nodes: cc delay_line.c failed (see $LOG/cmake.log)" >&2; exit 1; }

# samples/mnist.dml through dmlc (the real pipeline), and the same with its batch made global
# (dml-global), then one plan per size: N nodes (the master and N-1 workers) of R ranks each, the
# sample's network (10.8.1.0/24, master 10.8.1.250).
export PLAN_DIR=$LOG/plans
mkdir -p "$PLAN_DIR"
"$build/compiler/driver/dmlc" build "$root/samples/mnist.dml" -o "$PLAN_DIR" >"$LOG/dmlc.log" 2>&1 ||
  { echo "bench/nodes: dmlc build samples/mnist.dml failed (see $LOG/dmlc.log)" >&2; exit 1; }
sed 's|^    batch = 64 .*|    global_batch = 64|; s|^job mnist on|job mnist_global on|' "$root/samples/mnist.dml" \
  >"$PLAN_DIR/mnist_global.dml"
grep -q '^    global_batch = 64$' "$PLAN_DIR/mnist_global.dml" ||
  { echo "bench/nodes: samples/mnist.dml no longer has 'batch = 64' to make global" >&2; exit 1; }
"$build/compiler/driver/dmlc" build "$PLAN_DIR/mnist_global.dml" -o "$PLAN_DIR" >>"$LOG/dmlc.log" 2>&1 ||
  { echo "bench/nodes: dmlc build of the global-batch variant failed (see $LOG/dmlc.log)" >&2; exit 1; }
/usr/bin/python3 - "$PLAN_DIR" <<'PY'
import os, sys, yaml
out = sys.argv[1]
for nodes in sorted({1, 2, 5, 17} | {int(n) for n in os.environ.get("TABLE_SIZES", "1").split(",")}):
    for ranks in (1, 2):
        for source, suffix in (("mnist", ""), ("mnist_global", "_global")):
            plan = yaml.safe_load(open(f"{out}/{source}.plan.yaml"))
            master, workers = plan["cluster"]["groups"][:2]
            master["procs_per_node"] = workers["procs_per_node"] = ranks
            workers["count"] = nodes - 1
            plan["train"]["seed"] = int(os.environ["SEED"])
            yaml.safe_dump(plan, open(f"{out}/mnist_n{nodes}_r{ranks}{suffix}.plan.yaml", "w"), sort_keys=False)
PY

exec /usr/bin/python3 "$here/bench.py"

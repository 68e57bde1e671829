#!/usr/bin/env bash
# Side-by-side bench of `dmlrun local` against stock PyTorch DDP on this machine (see README.md).
#   bench/runtime/run.sh
# Env: BUILD (build dir, default build-bench), PROFILE_BUILD (step_profile's, default $BUILD/step_profile), EPOCHS (10), REPS (2), SEED (42), LOG (/tmp/dml_bench_runtime),
#      IDLE_WAIT_S (300: longest wait for idle CPUs before a run), SIDES (dml,peer),
#      BASE_PLAN (a plan to use instead of compiling samples/mnist.dml), RESULTS, PLOT (output paths).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD:-$root/build-bench}
export LOG=${LOG:-/tmp/dml_bench_runtime} EPOCHS=${EPOCHS:-10} REPS=${REPS:-2} SEED=${SEED:-42}
mkdir -p "$LOG"

# Packages: the peer needs Debian's python3-torch (the same 1.13 as libtorch-dev), the plot
# matplotlib; the comparison is only meaningful with a real BLAS on both
# sides (Debian's default reference BLAS is ~20x slower; libtorch and python3-torch both call the
# libblas.so.3 the alternatives system selects).
missing=()
/usr/bin/python3 -c 'import torch' 2>/dev/null || missing+=(python3-torch)
/usr/bin/python3 -c 'import matplotlib' 2>/dev/null || missing+=(python3-matplotlib)
dpkg -s libopenblas0-openmp >/dev/null 2>&1 || dpkg -s libopenblas0-pthread >/dev/null 2>&1 ||
  missing+=(libopenblas0-openmp)
if ((${#missing[@]})); then
  echo "bench: installing ${missing[*]}" >&2
  sudo=""; [[ $(id -u) == 0 ]] || sudo=sudo
  $sudo apt-get install -y --no-install-recommends "${missing[@]}" >"$LOG/apt.log" 2>&1 ||
    { echo "bench: apt-get install ${missing[*]} failed (see $LOG/apt.log)" >&2; exit 1; }
fi
echo "bench: libblas.so.3 -> $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)" >&2

# dmlrun and dmlc, built like the project's own build (RelWithDebInfo).
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$LOG/cmake.log"
fi
targets=(dmlrun)
[[ -n ${BASE_PLAN:-} ]] || targets+=(dmlc)
cmake --build "$build" --target "${targets[@]}" -j"$(nproc)" >>"$LOG/cmake.log" 2>&1 ||
  { echo "bench: build failed (see $LOG/cmake.log)" >&2; exit 1; }
export DMLRUN=$build/runtime/launch/dmlrun
# step_profile: per-phase timers (start-up, the step, gradient sync), a standalone project over runtime/.
profile_build=${PROFILE_BUILD:-$build/step_profile}
[[ -f $profile_build/CMakeCache.txt ]] ||
  cmake -S "$here" -B "$profile_build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >>"$LOG/cmake.log"
cmake --build "$profile_build" -j"$(nproc)" >>"$LOG/cmake.log" 2>&1 ||
  { echo "bench: building step_profile failed (see $LOG/cmake.log)" >&2; exit 1; }
export PROFILE=$profile_build/step_profile

# The plans: the sample compiled by dmlc (the real pipeline), then world 1 (no workers) and world 2
# (one worker node; `dmlrun local` runs both nodes here).
export PLAN_DIR=$LOG/plans
mkdir -p "$PLAN_DIR"
base=${BASE_PLAN:-}
if [[ -z $base ]]; then
  "$build/compiler/driver/dmlc" build "$root/samples/mnist.dml" -o "$PLAN_DIR" >"$LOG/dmlc.log" 2>&1 ||
    { echo "bench: dmlc build samples/mnist.dml failed (see $LOG/dmlc.log)" >&2; exit 1; }
  base=$PLAN_DIR/mnist.plan.yaml
fi
/usr/bin/python3 - "$base" "$PLAN_DIR" <<'PY'
import sys, yaml
base, out = sys.argv[1], sys.argv[2]
for world in (1, 2):
    plan = yaml.safe_load(open(base))
    groups = plan["cluster"]["groups"]
    groups[0]["procs_per_node"] = 1
    for g in groups[1:]:
        g["count"], g["procs_per_node"] = 0, 1
    if world == 2:
        groups[1]["count"] = 1
    plan["train"]["seed"] = int(__import__("os").environ["SEED"])
    yaml.safe_dump(plan, open(f"{out}/mnist_w{world}.plan.yaml", "w"), sort_keys=False)
PY

exec /usr/bin/python3 "$here/bench.py"

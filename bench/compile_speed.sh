#!/usr/bin/env bash
# How fast dmlc compiles a big program, and whether the Heat template grows
# with the cluster.
#
#   bench/compile_speed.sh [DMLC] [RUNS]     # defaults: build/compiler/driver/dmlc, 30
#
# Generates a .dml with 1,000 workers on a /20 subnet that imports 50
# generated modules (from a temporary -I directory, each importing the
# stdlib's chameleon module in turn), times `dmlc build` over RUNS runs
# (wall time of the whole process, as a user sees it) and prints the median
# and the spread. DML_BENCH_DIR=DIR keeps the generated files in DIR. Then builds the same program with 10 workers and compares
# the two templates' sizes: a ResourceGroup sized by a parameter does not
# grow with the worker count. Exits 1 if dmlc fails or the template grows.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dmlc=${1:-$root/build/compiler/driver/dmlc}
runs=${2:-30}
modules=50
workers=1000
small_workers=10
# Templates may differ by the digits of the worker count's default, no more.
max_size_difference=16

[[ -x "$dmlc" ]] || { echo "bench: no dmlc at $dmlc (build it, or pass its path)" >&2; exit 2; }
# DML_BENCH_DIR keeps the generated program there (for perf), else a temp dir.
if [[ -n "${DML_BENCH_DIR:-}" ]]; then
  work=$DML_BENCH_DIR
  rm -rf "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/lib"

for ((i = 0; i < modules; i++)); do
  m=$(printf 'bench_m%02d' "$i")
  cat >"$work/lib/$m.dml" <<DML
// Generated module $i of $modules: a few declarations, one stdlib import.
import chameleon

let flavor = chameleon.m1_medium
let image = chameleon.debian12
let procs = 1
let note_$i = "module $i"
DML
done

# generate WORKERS FILE
generate() {
  {
    echo "// Generated: $1 workers, $modules imported modules."
    echo "import chameleon"
    echo "import datasets"
    for ((i = 0; i < modules; i++)); do printf 'import bench_m%02d\n' "$i"; done
    cat <<DML

param key_name: string
param workers: int = $1

cluster big {
  site = chameleon.kvm_tacc
  key_pair = key_name

  network {
    cidr = 10.20.0.0/20
    master_ip = 10.20.15.250
  }

  master {
    flavor = bench_m00.flavor
    image = bench_m01.image
    procs = bench_m02.procs
  }

  workers {
    count = workers
    flavor = bench_m47.flavor
    image = bench_m48.image
    procs = bench_m49.procs
  }
}

job bench on big {
  train {
    dataset = datasets.fashion_mnist
    model = mlp { layers = [784, 100, 10], activation = "relu" }
    loss = "cross_entropy"
    optimizer = adam { lr = 1e-3 }
    batch = 16
    epochs = 1
    seed = 1
  }
}
DML
  } >"$2"
}

generate "$workers" "$work/big.dml"
generate "$small_workers" "$work/small.dml"

build() { "$dmlc" build "$1" -I "$work/lib" -o "$2" >/dev/null; }
build "$work/big.dml" "$work/out_big" || { echo "bench: dmlc build failed" >&2; "$dmlc" check "$work/big.dml" -I "$work/lib"; exit 1; }
build "$work/small.dml" "$work/out_small"

# ---- timing: per run, the wall time (what a user waits) and the CPU time
# (user + system: what dmlc itself costs, whatever else the machine runs)
TIMEFORMAT='%3R %3U %3S'
walls=()
cpus=()
for ((r = 0; r < runs; r++)); do
  read -r real user sys < <({ time build "$work/big.dml" "$work/out_big"; } 2>&1)
  walls+=("$real")
  cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')")
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }
sorted_walls=$(printf '%s\n' "${walls[@]}" | sort -n)

big_size=$(wc -c <"$work/out_big/bench.heat.yaml")
small_size=$(wc -c <"$work/out_small/bench.heat.yaml")
plan_big=$(wc -c <"$work/out_big/bench.plan.yaml")
plan_small=$(wc -c <"$work/out_small/bench.plan.yaml")
source_size=$(wc -c <"$work/big.dml")

echo "dmlc build: $workers workers on a /20, $modules imported modules ($source_size bytes of source + modules)"
echo "  runs:                $runs"
echo "  median wall time:    $(ms "$(median "${walls[@]}")") ms"
echo "  median CPU time:     $(ms "$(median "${cpus[@]}")") ms (user + system)"
echo "  fastest / slowest:   $(ms "$(head -1 <<<"$sorted_walls")") / $(ms "$(tail -1 <<<"$sorted_walls")") ms wall"
echo "Heat template:         $small_size bytes with $small_workers workers, $big_size bytes with $workers"
echo "Launch plan:           $plan_small bytes with $small_workers workers, $plan_big bytes with $workers"
difference=$((big_size - small_size))
if ((${difference#-} > max_size_difference)); then
  echo "bench: FAIL: the template grows with the worker count" >&2
  exit 1
fi

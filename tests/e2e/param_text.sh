#!/usr/bin/env bash
# Params in the plan's text, end to end. dmlc builds the template and the
# standalone plan, which holds the params' defaults and no token. Heat's own
# engine validates the template with sample values (and refuses a value that
# could break the plan), then resolves the master's user_data, str_replace
# and all; the script passes bash -n and shellcheck; its here-document, run
# by bash, writes a plan that dmlrun's plan reader accepts, holding the values;
# a value that breaks its field's rule (a space in the repo's URL) makes the
# reader refuse that plan, naming the field.
#   param_text.sh DMLC PLAN_CHECK HEAT_VALIDATE CASE.dml
set -euo pipefail
dmlc=$1 plan_check=$2 validator=$3 case=$4
here=$(dirname "$0")
if [[ ! -f $validator ]]; then
  echo "Heat's validator is not at $validator: skipped (set -DDML_HEAT_VALIDATE)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$dmlc" build "$case" -o "$work"
template=$(ls "$work"/*.heat.yaml)
plan=$(ls "$work"/*.plan.yaml)

echo "== the standalone plan: defaults, no token"
if grep -n @@DML_PARAM_ "$plan"; then
  echo "the standalone plan holds a token" >&2
  exit 1
fi
"$plan_check" "$plan" >"$work/local.json"

echo "== Heat validates the template with sample values and refuses a double quote or a number out of range"
org="my-lab.2024"
tag="my lab: #1 {x} 'q' & *y, [z]"
params=(-P key_name=k -P "org=$org" -P "tag=$tag" -P branch=release/2.0 -P workers=3 -P lr=0.05 -P amp=true)
/usr/bin/python3 "$validator" "$template" "${params[@]}"
if /usr/bin/python3 "$validator" "$template" -P key_name=k -P 'org=a"b' >"$work/refused.txt" 2>&1; then
  echo "Heat accepted a value with a double quote" >&2
  exit 1
fi
grep "Parameter 'org' is invalid" "$work/refused.txt"
# Ranges on a float and a duration (in seconds); excluded ends stay excluded.
for refused in lr=0 lr=1.5 warmup=59 warmup=3600 workers=9; do
  if /usr/bin/python3 "$validator" "$template" -P key_name=k -P "$refused" >"$work/refused.txt" 2>&1; then
    echo "Heat accepted $refused" >&2
    exit 1
  fi
  grep "is out of range" "$work/refused.txt"
done
/usr/bin/python3 "$validator" "$template" -P key_name=k -P lr=1 -P warmup=60 -P warmup=3599.5

# The master's user_data as Heat resolves it with the given values, then the
# plan its here-document writes: $work/node.plan.yaml.
node_plan() {
  /usr/bin/python3 "$here/heat_user_data.py" "$validator" "$template" "$@" >"$work/boot.sh"
  bash -n "$work/boot.sh"
  shellcheck -s bash "$work/boot.sh"
  # Only the here-document: from its `cat` line to its terminator (the `$` is
  # the script's own, not this one's).
  # shellcheck disable=SC2016
  start=$(grep -n '^cat >"$DML_PLAN_FILE" <<' "$work/boot.sh" | cut -d: -f1)
  terminator=$(sed -n "${start}p" "$work/boot.sh" | sed -E "s/.*<<'([^']+)'$/\1/")
  end=$(awk -v s="$start" -v t="$terminator" 'NR > s && $0 == t { print NR; exit }' "$work/boot.sh")
  sed -n "${start},${end}p" "$work/boot.sh" >"$work/write_plan.sh"
  DML_PLAN_FILE="$work/node.plan.yaml" bash "$work/write_plan.sh"
  cat "$work/node.plan.yaml"
}

echo "== a value that breaks its field's rule: the node's plan reader refuses it, naming the field"
node_plan -P key_name=k -P "org=my lab"
if "$plan_check" "$work/node.plan.yaml" >/dev/null 2>"$work/refused.txt"; then
  echo "the plan reader accepted a repo URL with a space" >&2
  exit 1
fi
cat "$work/refused.txt"
grep -F "node.plan.yaml: command.repo: 'https://github.com/my lab/mnist.git' holds a space" "$work/refused.txt"

echo "== the plan the node writes"
node_plan "${params[@]}"
"$plan_check" "$work/node.plan.yaml" >"$work/node.json"

/usr/bin/python3 - "$work/local.json" "$work/node.json" "$org" "$tag" <<'PY'
import json, sys
local, node, org, tag = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3], sys.argv[4]
def expect(what, got, want):
    assert got == want, f"{what}: {got!r}, expected {want!r}"
expect("local repo", local["command"]["repo"], "https://github.com/example-lab/mnist.git")
expect("local ref", local["command"]["ref"], "main")
expect("local args", local["command"]["args"],
       ["--lr=0.001", "--amp=false", "--workers=1", "--org=example-lab", "--tag=none"])
expect("local world size", local["world_size"], 2)
expect("node repo", node["command"]["repo"], f"https://github.com/{org}/mnist.git")
expect("node ref", node["command"]["ref"], "release/2.0")
expect("node args", node["command"]["args"],
       ["--lr=0.05", "--amp=true", "--workers=3", f"--org={org}", f"--tag={tag}"])
expect("node world size", node["world_size"], 4)
for plan in (local, node):
    expect("max_restarts", plan["max_restarts"], 2)
    expect("heartbeat_s", plan["heartbeat_s"], 10)
print("plans as expected")
PY

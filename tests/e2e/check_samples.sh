#!/usr/bin/env bash
# Every sample compiles; Heat's own validator accepts every template; every
# boot script inside a template passes `bash -n` and shellcheck.
#   check_samples.sh DMLC HEAT_VALIDATE SAMPLE.dml...
set -euo pipefail
dmlc=$1 validator=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for sample in "$@"; do
  name=$(basename "$sample" .dml)
  out="$work/$name"
  "$dmlc" build "$sample" -o "$out"
  for template in "$out"/*.heat.yaml; do
    echo "== $template"
    if ! /usr/bin/python3 "$validator" "$template"; then status=1; fi
    # The scripts are the `template` of each user_data str_replace, with the
    # Heat-side tokens replaced by plausible values as Heat would.
    /usr/bin/python3 "$(dirname "$0")/extract_boot_scripts.py" "$template" "$out/scripts"
  done
  for script in "$out"/scripts/*.sh; do
    echo "-- $script"
    bash -n "$script" || status=1
    shellcheck -s bash "$script" || status=1
  done
done
exit $status

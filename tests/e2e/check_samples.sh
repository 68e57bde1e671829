#!/usr/bin/env bash
# Every sample compiles; Heat's own validator accepts every template; every
# boot script inside a template passes `bash -n` and shellcheck, and its
# dataset check passes on this machine's copy of the dataset, if it has one.
#   check_samples.sh DMLC HEAT_VALIDATE SAMPLE.dml...
set -euo pipefail
dmlc=$1 validator=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
# Heat's validator lives beside the checkout (../shared/heat-validate). Without
# it everything else still runs, and the test reports itself skipped (77).
have_validator=1
if [[ ! -f $validator ]]; then
  echo "Heat's validator is not at $validator: templates are not validated (set -DDML_HEAT_VALIDATE)"
  have_validator=0
fi
for sample in "$@"; do
  name=$(basename "$sample" .dml)
  out="$work/$name"
  "$dmlc" build "$sample" -o "$out"
  for template in "$out"/*.heat.yaml; do
    echo "== $template"
    if ((have_validator)) && ! /usr/bin/python3 "$validator" "$template"; then status=1; fi
    # The scripts are the `template` of each user_data str_replace, with the
    # Heat-side tokens replaced by plausible values as Heat would.
    /usr/bin/python3 "$(dirname "$0")/extract_boot_scripts.py" "$template" "$out/scripts"
  done
  for script in "$out"/scripts/*.sh; do
    echo "-- $script"
    bash -n "$script" || status=1
    shellcheck -s bash "$script" || status=1
    # The dataset check, run here against this machine's copy when it has
    # one: the stdlib's digests must be those of Debian's files.
    if grep -q '^dml_check_sha256 ' "$script"; then
      check="$work/check_sha256.sh"
      { sed -n '/^dml_check_sha256() {/,/^}/p' "$script"; grep '^dml_check_sha256 ' "$script"; } >"$check"
      if grep '^dml_check_sha256 ' "$script" | grep -q "/usr/share/datasets/" &&
        [[ -d /usr/share/datasets/fashion-mnist ]]; then
        bash -eu "$check" || status=1
      else
        echo "(the dataset files are not on this machine: their digests are not checked here)"
      fi
    fi
  done
done
if ((status == 0 && !have_validator)); then exit 77; fi
exit $status

#!/usr/bin/env bash
# scripts/package.sh on this build: a dmlrun package whose Depends name only
# run-time libraries (no -dev package, compiler or cmake), whose dmlrun runs
# from the package's own files, and a dmlc package that checks a sample.
#   package_debs.sh SOURCE_DIR BUILD_DIR VERSION
set -euo pipefail
root=$1 build=$2 version=$3

for tool in cpack dpkg-deb dpkg-shlibdeps file; do
  if ! command -v "$tool" >/dev/null; then
    echo "skipped: $tool is not installed (apt-get install dpkg-dev file)"
    exit 77
  fi
done
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bash "$root/scripts/package.sh" --build-dir "$build" --out "$out/debs" >"$out/package.log" 2>&1 ||
  { cat "$out/package.log" >&2; fail "scripts/package.sh failed"; }
(cd "$out/debs" && sha256sum --check --strict SHA256SUMS) || fail "SHA256SUMS does not match"

runtime_deb=$out/debs/dmlrun_${version}_$(dpkg --print-architecture).deb
compiler_deb=$out/debs/dmlc_${version}_$(dpkg --print-architecture).deb
[[ -f $runtime_deb && -f $compiler_deb ]] || fail "no dmlrun and dmlc packages in: $(ls "$out/debs")"

depends=$(dpkg-deb -f "$runtime_deb" Depends)
echo "dmlrun Depends: $depends"
[[ $depends == *libtorch* ]] || fail "dmlrun does not depend on libtorch: $depends"
# One name per comma-separated entry (alternatives split on |).
while read -r name; do
  case $name in
    *-dev | cmake | make | g++* | gcc* | cpp* | clang* | antlr4 | git) fail "dmlrun depends on $name" ;;
  esac
done < <(tr ',|' '\n\n' <<<"$depends" | sed 's/(.*//; s/^ *//; s/ *$//' | grep -v '^$')

dpkg-deb -x "$runtime_deb" "$out/runtime"
dpkg-deb -x "$compiler_deb" "$out/compiler"
"$out/runtime/usr/bin/dmlrun" --version | tee "$out/version"
grep -qx "dmlrun $version (reads plan version [0-9]*)" "$out/version" || fail "dmlrun --version"
"$out/runtime/usr/bin/dmlrun" version --json |
  /usr/bin/python3 -c 'import json, sys; v = json.load(sys.stdin); assert v["plan_versions"], v' ||
  fail "dmlrun version --json lists no plan version"
"$out/compiler/usr/bin/dmlc" --version
"$out/compiler/usr/bin/dmlc" check "$root/samples/mnist.dml" || fail "the packaged dmlc rejects samples/mnist.dml"
echo "OK"

#!/usr/bin/env bash
# Deploys samples/mnist.dml with scripts/localstack on a fresh Debian root:
# the nodes boot Debian's genericcloud package set (`localstack root`), and the
# boot script's real apt installs LibTorch and the build tools through
# localstack's apt proxy; the master builds dmlrun from this checkout's HEAD
# and serves it to the worker. Run as root, on a machine that reaches
# deb.debian.org:
#
#   scripts/image_check.sh debian12|debian13 [--cold]
#
# --cold   use an empty root cache and package cache (made and removed here),
#          so the time includes debootstrap and every download; otherwise the
#          cached root (/var/cache/dml/roots/NAME-genericcloud) and packages
#          (/var/cache/dml/apt-proxy) are used and kept.
# Builds dmlc in ./build at this checkout's HEAD. The test's lines (`ok:`,
# `report:`) say what passed and how long each boot step took.
#
# Last results: docs/localstack.md, "Measured".
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
release=${1:-}
if [[ $release != debian12 && $release != debian13 ]]; then
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "image_check: run as root (namespaces, mounts, debootstrap)" >&2
  exit 2
fi
cold_dir=''
# Reached through the EXIT trap, which ShellCheck does not follow.
# shellcheck disable=SC2317
cleanup() { if [[ -n $cold_dir ]]; then rm -rf "$cold_dir"; fi; }
trap cleanup EXIT
if [[ ${2:-} == --cold ]]; then
  cold_dir=$(mktemp -d /var/tmp/dml-image-check.XXXXXX)
  export DML_ROOTS_DIR=$cold_dir/roots DML_APT_CACHE=$cold_dir/apt-proxy
fi

# dmlc names the commit it was built from as the nodes' runtime source, and
# localstack serves this checkout's HEAD: build dmlc at HEAD (a no-op when it is).
dmlc=$here/build/compiler/driver/dmlc
if [[ ! -f $here/build/CMakeCache.txt ]]; then
  cmake -S "$here" -B "$here/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$here/build" -j "$(nproc)" --target dmlc >/dev/null
started=$SECONDS
status=0
/usr/bin/python3 "$here/tests/localstack/image_test.py" mnist "$dmlc" "$release" || status=$?
echo "image_check: $release${cold_dir:+ (cold)}: exit status $status after $((SECONDS - started)) s"
exit "$status"

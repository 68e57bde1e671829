#!/usr/bin/env bash
# Installs the Debian 12 packages dml needs to build, test and run, if any are
# missing. Idempotent: does nothing (and needs no network) when all are there.
set -euo pipefail

# Build and run.
packages=(
  cmake g++ make pkg-config git ca-certificates
  antlr4 libantlr4-runtime-dev
  libyaml-cpp-dev libfmt-dev libcli11-dev nlohmann-json3-dev zlib1g-dev
  libtorch-dev libgloo-dev
  libopenblas0-openmp      # switches libblas.so.3 from the reference BLAS (~20x slower here)
  dataset-fashion-mnist    # the sample's data: /usr/share/datasets/fashion-mnist
)
# Tests: GoogleTest, Heat's own template validator, shell linting, python for
# the command-job test script, PyTorch for samples/repo_job/train.py, clang with its libFuzzer and sanitizer
# runtimes for the bounded fuzz run (scripts/fuzz.sh); scripts/localstack's
# namespaces, bridges, firewall, mounts and throwaway CA (iproute2, nftables,
# util-linux, openssl, curl for the nodes' signals), and python3-pip, which
# the boot scripts install (localstack's nodes install only what the host has),
# and what scripts/package.sh needs to build the Debian packages (dpkg-shlibdeps, file);
# debootstrap makes the fresh Debian roots localstack's image tests boot (`localstack root`);
# iputils-ping measures the emulated nodes' round trip (E2E.EmulatedNodes, bench/nodes).
test_packages=(libgtest-dev python3 python3-venv python3-heat python3-configobj python3-torch shellcheck clang libclang-rt-14-dev
  iproute2 nftables util-linux mount openssl curl python3-pip dpkg-dev file debootstrap iputils-ping)

want=("${packages[@]}")
if [[ "${1:-}" == "--with-tests" ]]; then want+=("${test_packages[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "setup: all ${#want[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

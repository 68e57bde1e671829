#!/usr/bin/env bash
# Builds dml and runs its unit tests inside a Debian 13 ("trixie") root, made
# with debootstrap from Debian's registry and kept between runs: Debian 13's
# LibTorch is 2.6, Debian 12's (this machine's) 1.13. Run as root:
#
#   scripts/debian13_check.sh [ROOT_DIR]     # default /var/cache/dml/roots/debian13
#
# The source is bind-mounted read-only; the build goes to ROOT_DIR/build.
# Everything runs in private mount, PID and UTS namespaces, so the mounts go
# away with the command, on failure too. The network is the host's: apt needs
# Debian's registry, and the tests talk over loopback only.
#
# A check run before each release, not a CI step (README.md says why).
# Last run (2026-12-06, LibTorch 2.6.0+dfsg-7): everything builds; of 459
# tests 458 pass and 1 is skipped (HeatGraph.GraphvizReadsTheOutput: no
# Graphviz); the tests take 200 s. (The run before found 2.6's TCPStore
# refusing to start without libuv: torch_compat::StoreOptions.)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-/var/cache/dml/roots/debian13}
mirror=${DML_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# What dml builds from on Debian 13 (scripts/setup.sh names Debian 12's).
packages=(cmake g++ make pkg-config git ca-certificates antlr4 libantlr4-runtime-dev libyaml-cpp-dev
          libfmt-dev libcli11-dev nlohmann-json3-dev zlib1g-dev libtorch-dev libgloo-dev
          libopenblas0-openmp dataset-fashion-mnist libgtest-dev python3 python3-venv uuid-dev)
# uuid-dev: Debian 13's ANTLR runtime links -luuid; python3-venv and
# dataset-fashion-mnist: as in scripts/setup.sh (a job's requirements.txt goes
# into a venv; TrainRun.FashionMnistOneEpochOneRank trains on the real data).

if [[ $(id -u) -ne 0 ]]; then
  echo "debian13_check: run as root (debootstrap and chroot need it)" >&2
  exit 1
fi
if [[ ! -x $root/usr/bin/apt-get ]]; then
  command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap
  echo "debian13_check: debootstrap trixie into $root"
  mkdir -p "$(dirname "$root")"
  debootstrap --variant=minbase trixie "$root.partial" "$mirror"
  mv "$root.partial" "$root"
fi

# A build tree made from another source tree can hold objects newer than
# this tree's files, which make would then not rebuild: start afresh.
if [[ $(cat "$root/build/.dml-source" 2>/dev/null) != "$here" ]]; then
  rm -rf "$root/build"
fi
mkdir -p "$root/src" "$root/build"
echo "$here" > "$root/build/.dml-source"
# dmlc embeds the commit it is built from (cmake/SourceRevision.cmake); in a
# git worktree the repository lies elsewhere: show it at the same path.
git_dir=$(git -C "$here" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
if [[ -z $git_dir || $git_dir == "$here"/* ]]; then
  git_dir=""
else
  mkdir -p "$root$git_dir"
fi
# Inside private namespaces: mounts vanish when the command ends.
unshare --mount --pid --uts --fork --mount-proc="$root/proc" bash -euo pipefail -c '
  root=$1; here=$2; git_dir=$3; shift 3
  mount --make-rprivate /
  mount --bind "$here" "$root/src"
  mount -o remount,bind,ro "$root/src"
  if [[ -n $git_dir ]]; then
    mount --bind "$git_dir" "$root$git_dir"
    mount -o remount,bind,ro "$root$git_dir"
  fi
  mount --bind /dev "$root/dev"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  hostname debian13-check
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root DEBIAN_FRONTEND=noninteractive \
    bash -euo pipefail -c "
      apt-get -q update
      apt-get -q install -y --no-install-recommends $*
      echo \"debian13_check: LibTorch \$(dpkg-query -W -f=\"\\\${Version}\" libtorch-dev)\"
      cmake -S /src -B /build -DCMAKE_BUILD_TYPE=Release >/dev/null
      cmake --build /build -j \$(nproc)
      cd /build
      ctest --output-on-failure -j 2 -E \"E2E|Fuzz|Localstack|EmitHeatValidate\"
    "
' _ "$root" "$here" "$git_dir" "${packages[@]}"

#!/usr/bin/env bash
# Builds the Debian packages of dml with CPack (cmake/DmlPackaging.cmake):
#   dmlrun_<version>_<arch>.deb   the runtime, what `runtime { source = deb }` installs
#   dmlc_<version>_<arch>.deb     the compiler
# and writes SHA256SUMS beside them. Each package depends on exactly the
# shared libraries its binary links (dpkg-shlibdeps): no compiler, no -dev.
#
#   scripts/package.sh [--out DIR] [--build-dir DIR] [--runtime-only]
#
# --out DIR        where the packages go (default: out/packages)
# --build-dir DIR  build there (default: build-package, configured Release
#                  without tests); an already configured tree is used as it is
# --runtime-only   dmlrun alone, without dmlc and ANTLR (what a node builds)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/out/packages
build=$root/build-package
runtime_only=0
while (($# > 0)); do
  case $1 in
    --out) out=$2; shift 2 ;;
    --build-dir) build=$2; shift 2 ;;
    --runtime-only) runtime_only=1; shift ;;
    -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "package.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
for tool in cmake cpack dpkg-shlibdeps file; do
  if ! command -v "$tool" >/dev/null; then
    echo "package.sh: $tool is missing (apt-get install cmake dpkg-dev file)" >&2
    exit 1
  fi
done

if [[ ! -f $build/CMakeCache.txt ]]; then
  compiler=ON
  if ((runtime_only)); then compiler=OFF; fi
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DDML_BUILD_TESTS=OFF \
    -DDML_BUILD_COMPILER="$compiler" >/dev/null
fi
targets=(dmlrun)
if ((!runtime_only)); then targets+=(dmlc); fi
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"

mkdir -p "$out"
staging=$(mktemp -d "$out/.cpack.XXXXXX")
trap 'rm -rf "$staging"' EXIT
components=runtime
if ((!runtime_only)); then components='runtime;compiler'; fi
# Only the packages' own targets are built above: cpack installs them without
# building everything else in the tree (CMAKE_SKIP_INSTALL_ALL_DEPENDENCY).
cpack -G DEB -B "$staging" --config "$build/CPackConfig.cmake" \
  -D CPACK_COMPONENTS_ALL="$components" >/dev/null
debs=()
for deb in "$staging"/*.deb; do
  mv -f "$deb" "$out/"
  debs+=("$(basename "$deb")")
done
if ((${#debs[@]} == 0)); then
  echo "package.sh: cpack made no package" >&2
  exit 1
fi
(cd "$out" && sha256sum -- "${debs[@]}" >SHA256SUMS)
for deb in "${debs[@]}"; do
  echo "package.sh: $out/$deb"
done
cat "$out/SHA256SUMS"

#!/usr/bin/env bash
# Fuzzes dmlc's front end (tests/fuzz/dmlc_fuzz.cc) for a bounded time.
#
#   scripts/fuzz.sh [SECONDS]          # default 60
#
# Builds the libFuzzer target with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer in its own build directory (DML_FUZZ_BUILD_DIR,
# default build-fuzz), seeds a corpus from the samples, the stdlib, the golden
# cases and tests/fuzz/regressions, and runs it. A crash, a sanitizer report,
# a leak or an input that takes more than a second is a finding: its
# reproducer is kept under $DML_FUZZ_BUILD_DIR/findings/; copy it to
# tests/fuzz/regressions/ once fixed, so every build replays it.
#
# DML_FUZZ_TIMEOUT (seconds, default 1) is how long one input may take
# before it counts as a hang; CI allows more, as its machine may be busy.
#
# Exit codes: 0 no finding; 1 a finding; 77 the fuzzer cannot run on this
# machine (no clang or libFuzzer runtime, or the sanitizers cannot start):
# CTest shows that as skipped, not failed.
set -euo pipefail

seconds=${1:-60}
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || ((seconds < 1)); then
  echo "usage: scripts/fuzz.sh [SECONDS]" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=${DML_FUZZ_BUILD_DIR:-$root/build-fuzz}
skip() { echo "fuzz: SKIPPED: $*" >&2; exit 77; }

# ---- can this machine build and run a libFuzzer binary at all?
command -v clang++ >/dev/null || skip "clang++ is not installed (scripts/setup.sh --with-tests installs it)"
probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT
printf '%s\n' '#include <cstdint>' '#include <cstddef>' \
  'extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }' >"$probe_dir/probe.cc"
clang++ -fsanitize=fuzzer,address,undefined "$probe_dir/probe.cc" -o "$probe_dir/probe" 2>"$probe_dir/log" ||
  skip "clang cannot link a libFuzzer binary (libclang-rt-14-dev missing?): $(head -c 300 "$probe_dir/log")"

# Clang 14's AddressSanitizer cannot start under some kernels' address-space
# randomisation (its shadow memory collides with a mapping): run without it.
launcher=()
if ! "$probe_dir/probe" -runs=1 >"$probe_dir/log" 2>&1; then
  if command -v setarch >/dev/null && setarch "$(uname -m)" -R "$probe_dir/probe" -runs=1 >"$probe_dir/log" 2>&1; then
    launcher=(setarch "$(uname -m)" -R)
    echo "fuzz: running without address-space randomisation (ASan needs it here)"
  else
    skip "the sanitizers cannot start here: $(head -c 300 "$probe_dir/log")"
  fi
fi
# LeakSanitizer needs ptrace, which some containers forbid: keep fuzzing,
# without leak checks, and say so.
detect_leaks=1
if ASAN_OPTIONS=detect_leaks=1 "${launcher[@]}" "$probe_dir/probe" -runs=1 2>&1 | grep -q "LeakSanitizer has encountered a fatal error"; then
  detect_leaks=0
  echo "fuzz: WARNING: LeakSanitizer cannot run here (ptrace); leaks are not checked" >&2
fi

# ---- build (incremental after the first time)
flags="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined"
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  # The log goes inside the build directory: nothing lands in the checkout.
  mkdir -p "$build"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_CXX_FLAGS="$flags" -DDML_FUZZ=ON >"$build/configure.log" 2>&1 ||
    { cat "$build/configure.log" >&2; echo "fuzz: cmake failed" >&2; exit 2; }
fi
cmake --build "$build" --target dmlc_fuzz -j "$(nproc)" >"$build/fuzz-build.log" 2>&1 ||
  { tail -50 "$build/fuzz-build.log" >&2; echo "fuzz: the build failed" >&2; exit 2; }

# ---- corpus: what earlier runs found, plus the seeds
corpus=$build/corpus
findings=$build/findings
mkdir -p "$corpus" "$findings"
seeds=(samples stdlib tests/compiler/golden tests/fuzz/regressions)
for dir in "${seeds[@]}"; do
  [[ -d "$root/$dir" ]] || continue
  while IFS= read -r -d '' f; do
    cp "$f" "$corpus/seed_$(echo "$dir/${f#"$root/$dir/"}" | tr '/' '_')"
  done < <(find "$root/$dir" -type f \( -name '*.dml' -o -path '*/regressions/*' \) -print0)
done

# ---- run
echo "fuzz: ${seconds}s over $(find "$corpus" -type f | wc -l) corpus inputs; findings go to $findings/"
export ASAN_OPTIONS="detect_leaks=$detect_leaks:abort_on_error=0:symbolize=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
set +e
(cd "$build" && "${launcher[@]}" "$build/tests/fuzz/dmlc_fuzz" "$corpus" \
  -dict="$root/tests/fuzz/dml.dict" -max_total_time="$seconds" -timeout="${DML_FUZZ_TIMEOUT:-1}" -rss_limit_mb=2048 \
  -max_len=8192 -artifact_prefix="$findings/" -print_final_stats=1) 2>&1 | tee "$build/fuzz.log" | grep -v -E '^#[0-9]|NEW_FUNC'
rc=${PIPESTATUS[0]}
set -e
if ((rc != 0)); then
  echo "fuzz: FINDING (exit $rc); reproducers:" >&2
  ls -1 "$findings" >&2
  echo "fuzz: replay one with: $build/tests/fuzz/dmlc_fuzz FILE" >&2
  exit 1
fi
echo "fuzz: no finding in ${seconds}s"

#!/usr/bin/env bash
# The whole test suite: install what is missing (test tools included), build,
# and run every test with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-tests
BUILD_DIR=${BUILD_DIR:-build} scripts/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j 2 "$@"

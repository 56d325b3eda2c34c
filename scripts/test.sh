#!/usr/bin/env bash
# Installs what is missing, builds everything with warnings as errors and
# AddressSanitizer + UndefinedBehaviorSanitizer, and runs the whole test suite
# (unit, contract, stress, header, packaging and benchmark smoke tests).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

build=build/test
cmake -S . -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLIBSYNC_WARNINGS_AS_ERRORS=ON \
  -DLIBSYNC_SANITIZE=address,undefined
cmake --build "$build"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1
ctest --test-dir "$build" --output-on-failure -j"$(nproc)"

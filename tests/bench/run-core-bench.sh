#!/usr/bin/env bash
# Builds the core benchmarks in Release and runs them, printing each figure beside
# the in-run baseline (BM_Baseline*): the cost of the bare data-structure work that any
# in-memory lock cycle needs, measured on the same machine in the same run.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-deps.sh
build=build/bench
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target libsync_core_bench
"$build/tests/bench/libsync_core_bench" --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true "$@"

#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (AddressSanitizer + UndefinedBehaviorSanitizer,
# coverage on the library code too) and runs each for SECONDS (default 60) on the memory
# store and again on a SQLite store, starting from the seeds in tests/fuzz/seeds. Exits non-zero on the first crash, leak or 5xx answer;
# the reproducer is left in build/fuzz/ (crash-*), runnable as `build/fuzz/tests/fuzz/<target> crash-…`.
#   fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}

scripts/install-deps.sh

build=build/fuzz
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only -DNDEBUG" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only -DNDEBUG" \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" -DLIBSYNC_SANITIZE=address,undefined \
  -DLIBSYNC_BUILD_FUZZERS=ON -DLIBSYNC_WITH_SQL=ON -DLIBSYNC_WITH_GIT=ON -DLIBSYNC_WITH_PYTHON=OFF \
  -DLIBSYNC_BUILD_TESTS=OFF -DLIBSYNC_BUILD_BENCHMARKS=OFF -DLIBSYNC_BUILD_EXAMPLES=ON \
  -DLIBSYNC_INSTALL=OFF >/dev/null
# aitk-server too: it is not fuzzed, but building it here runs clang's thread-safety
# analysis over every adapter and the server's own code (the core's is checked by the
# core-only step of scripts/test.sh).
cmake --build "$build" --target fuzz_request fuzz_json_bodies aitk-server
rm -f "$build"/crash-* "$build"/leak-* "$build"/timeout-*  # from an earlier run

for store in memory sqlite; do
  url=""
  if [[ $store == sqlite ]]; then
    rm -f "$PWD/$build"/fuzz.db*
    url="sqlite://$PWD/$build/fuzz.db"
  fi
  for target in fuzz_request fuzz_json_bodies; do
    corpus="$build/corpus/$target"  # shared: what one store's run found seeds the other's
    mkdir -p "$corpus"
    echo "== $target on the $store store: ${seconds}s"
    (cd "$build" && LIBSYNC_FUZZ_STORE="$url" UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      "tests/fuzz/$target" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
      "$OLDPWD/$corpus" "$OLDPWD/tests/fuzz/seeds/$target" 2>&1 | grep -E "^(#[0-9]+ +DONE|Done|stat::number_of_executed_units|==|SUMMARY|status)" || true)
    # libFuzzer's exit status is lost in the pipe above; a crash leaves a crash-/leak-/timeout- file.
    if ls "$build"/crash-* "$build"/leak-* "$build"/timeout-* >/dev/null 2>&1; then
      echo "$target on the $store store found a failing input:" "$build"/crash-* "$build"/leak-* "$build"/timeout-* 2>/dev/null
      exit 1
    fi
  done
done
echo "fuzzing: no crash in ${seconds}s per target and store"

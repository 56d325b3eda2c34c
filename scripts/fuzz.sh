#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (AddressSanitizer + UndefinedBehaviorSanitizer,
# coverage on the library code too) and runs each for SECONDS (default 60) on the memory
# store and again on a SQLite store, starting from the seeds in tests/fuzz/seeds. Exits non-zero on the first crash, leak or 5xx answer;
# the reproducer is left in build/fuzz/ (<target>.crash-*), runnable as `build/fuzz/tests/fuzz/<target> <file>`.
#   fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}

scripts/install-deps.sh

build=build/fuzz
# The SQL store the targets run on is not what they fuzz: when build/test is a build with
# the same compiler, sanitizers and flags as this one (the test command's), its store
# library is brought up to date and linked as it is, instead of being compiled again here
# (a third of this build's time). Any other build/test, or none: it is compiled here.
flags="-O1 -gline-tables-only -DNDEBUG"
sql_build=""
cache=build/test/CMakeCache.txt
if [[ -f $cache ]] && grep -q '^CMAKE_CXX_COMPILER:[A-Z]*=.*clang++-14$' "$cache" &&
   grep -qx 'CMAKE_BUILD_TYPE:[A-Z]*=RelWithDebInfo' "$cache" &&
   grep -qx "CMAKE_CXX_FLAGS_RELWITHDEBINFO:[A-Z]*=$flags" "$cache" &&
   grep -qx 'CMAKE_CXX_FLAGS:[A-Z]*=' "$cache" &&
   grep -qx 'LIBSYNC_SANITIZE:[A-Z]*=address,undefined' "$cache" &&
   cmake --build build/test --target libsync_sql >/dev/null; then
  sql_build=$PWD/build/test
fi
# OSS-Fuzz's optimization level for sanitized fuzzers (-O1): it builds faster than -O2.
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$flags" -DCMAKE_C_FLAGS_RELWITHDEBINFO="$flags" \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" -DLIBSYNC_SANITIZE=address,undefined \
  -DLIBSYNC_BUILD_FUZZERS=ON -DLIBSYNC_WITH_SQL="$([[ -n $sql_build ]] && echo OFF || echo ON)" \
  -DLIBSYNC_FUZZ_SQL_BUILD="$sql_build" -DLIBSYNC_WITH_GIT=ON -DLIBSYNC_WITH_PYTHON=OFF \
  -DLIBSYNC_BUILD_TESTS=OFF -DLIBSYNC_BUILD_BENCHMARKS=OFF -DLIBSYNC_BUILD_EXAMPLES=ON \
  -DLIBSYNC_INSTALL=OFF >/dev/null
cmake --build "$build" --target fuzz_request fuzz_json_bodies
rm -f "$build"/*crash-* "$build"/*leak-* "$build"/*timeout-* "$build"/*.log  # from an earlier run

# One target's run on one store: libFuzzer is single-threaded, so the two targets run side
# by side, one per core. Its findings are named after it (fuzz_request.crash-…).
fuzz_one() {
  local target=$1 store=$2 url=""
  if [[ $store == sqlite ]]; then
    rm -f "$PWD/$build/$target".db*
    url="sqlite://$PWD/$build/$target.db"
  fi
  local corpus="$build/corpus/$target"  # shared: what one store's run found seeds the other's
  mkdir -p "$corpus"
  (cd "$build" && LIBSYNC_FUZZ_STORE="$url" UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "tests/fuzz/$target" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$target." "$OLDPWD/$corpus" "$OLDPWD/tests/fuzz/seeds/$target" >"$target.log" 2>&1 || true)
}

for store in memory sqlite; do
  targets=(fuzz_request fuzz_json_bodies)
  echo "== ${targets[*]} on the $store store: ${seconds}s each, side by side"
  for target in "${targets[@]}"; do fuzz_one "$target" "$store" & done
  wait
  for target in "${targets[@]}"; do
    echo "-- $target"
    grep -E "^(#[0-9]+ +DONE|Done|stat::number_of_executed_units|==|SUMMARY|status)" "$build/$target.log" || true
    # libFuzzer's exit status is not kept; a crash leaves a crash-/leak-/timeout- file.
    # (One pattern at a time: `ls a* b*` fails when either matches nothing.)
    found=$(compgen -G "$build/$target.*-*" | grep -E '\.(crash|leak|timeout)-' || true)
    if [[ -n $found ]]; then
      echo "$target on the $store store found a failing input:" $found
      exit 1
    fi
  done
done
echo "fuzzing: no crash in ${seconds}s per target and store"

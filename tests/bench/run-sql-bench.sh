#!/usr/bin/env bash
# Builds the SQL store benchmark in Release and runs it: lock cycles and 4 KB doc puts
# with 1, 8 and 32 threads on SQLite (a temp file) and PostgreSQL (a throwaway cluster),
# each beside a raw-SQL baseline measured in the same run.
# Usage: run-sql-bench.sh [seconds per case, default 3] [sqlite|postgresql]
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-deps.sh
build=build/bench
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target libsync_sql_store_bench
"$build/tests/bench/libsync_sql_store_bench" "${1:-3}" ${2:+"$2"}

#!/usr/bin/env bash
# Builds a benchmark in Release and runs it.
#   run.sh core          the core on the memory store (Google Benchmark, 3 repetitions)
#   run.sh sql [S] [DB]  the SQL store: lock cycles and 4 KB doc puts with 1, 8 and 32
#                        threads on SQLite and PostgreSQL, S seconds per case (default 3),
#                        optionally one backend (sqlite|postgresql)
#   run.sh git [R] [N ...]  git sync of N markdown files (default 1000 and 10000), medians
#                        of R rounds (default 3), against git clone of the same repository
#                        and against the same rows written by hand into SQLite;
#                        export at the largest N against the smallest; push webhook to
#                        the change served by GET /api/hook/docs (20 pushes)
#   run.sh events [S] [N] lock cycles over HTTP vs in process on SQLite, 64 racing
#                        clients, and fan-out to N WebSocket subscribers (default 1000)
# Each prints its figures beside a baseline measured in the same run (docs/performance.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
which=${1:?usage: run.sh core|sql|git|events [args]}
shift
scripts/install-deps.sh
build=build/bench
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
case "$which" in
  core)
    cmake --build "$build" --target libsync_core_bench
    "$build/tests/bench/libsync_core_bench" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true "$@" ;;
  sql)
    cmake --build "$build" --target libsync_sql_store_bench
    "$build/tests/bench/libsync_sql_store_bench" "${1:-3}" ${2:+"$2"} ;;
  git)
    cmake --build "$build" --target libsync_git_sync_bench
    "$build/tests/bench/libsync_git_sync_bench" "$@" ;;
  events)
    cmake --build "$build" --target libsync_http_events_bench
    "$build/tests/bench/libsync_http_events_bench" "${1:-3}" "${2:-1000}" ;;
  *) echo "usage: run.sh core|sql|git|events [args]" >&2; exit 2 ;;
esac

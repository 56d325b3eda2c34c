#!/usr/bin/env bash
# Same-run before/after for a change that must not cost speed: the aitk-server of a base
# revision against the working tree's (both Release, SQLite), and their lock cycle.
#   - GET /api/hook/status/:id, GET /api/hook/docs/:id (6 docs of 4 KB) and one 4 KB doc GET,
#     wrk at 2 threads x 64 connections and 1 x 1, the two servers alternating round by
#     round (base first in odd rounds), medians of req/s and p99;
#   - libsync_http_events_bench: lock acquire+release in process and over HTTP, alternating;
#   - libsync_sql_store_bench (run.sh sql): the SQL store's lock cycle and 4 KB doc put at 1,
#     8 and 32 threads on SQLite and PostgreSQL, alternating, each build's rate beside the
#     raw-SQL baseline it measured in the same process.
# Before timing, both servers must answer each request 200 with the same body (doc GETs
# compared without their ids and times, which differ by construction), and wrk's non-2xx
# count must be zero on both sides.
# Usage: compare_builds.sh BASE_REVISION [seconds per measurement, default 5] [rounds, default 5]
# Environment: CASES="status hash doc" (the HTTP cases to run), SECTIONS="http lock sql".
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/wrk_common.sh
wanted() { [[ " ${SECTIONS:-http lock sql} " == *" $1 "* ]]; }
base_rev=${1:?usage: compare_builds.sh BASE_REVISION [seconds] [rounds]}
seconds=${2:-5}
rounds=${3:-5}

scripts/install-deps.sh
for tool in wrk curl; do
  command -v "$tool" >/dev/null || { as_root=(); [[ $(id -u) -ne 0 ]] && as_root=(sudo)
    "${as_root[@]}" apt-get install -y -qq --no-install-recommends "$tool" >/dev/null; }
done

# The base revision in its own worktree, built like the working tree.
base_sha=$(git rev-parse --verify "$base_rev^{commit}")
base_tree=build/compare/base-${base_sha:0:12}
[[ -d $base_tree ]] || git worktree add --detach "$base_tree" "$base_sha" >/dev/null
launcher=()  # two Release builds of one tree: ccache, when there, compiles what they share once
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
build_one() {  # source-dir build-dir
  cmake -S "$1" -B "$2" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLIBSYNC_BUILD_BENCHMARKS=ON "${launcher[@]}" >/dev/null
  cmake --build "$2" --target aitk-server libsync_http_events_bench libsync_sql_store_bench >/dev/null
}
build_one "$base_tree" "$base_tree/build/bench"
build_one . build/bench
declare -A bin=([base]="$base_tree/build/bench" [head]=build/bench)

work=$(mktemp -d)
declare -A port=([base]=3041 [head]=3042) pid=() key=() project=()
cleanup() {
  for side in base head; do [[ -n ${pid[$side]:-} ]] && kill "${pid[$side]}" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

doc=$(head -c 4086 /dev/zero | tr '\0' 'x')
for side in base head; do
  mkdir -m 700 "$work/$side"
  "${bin[$side]}/examples/server/aitk-server" --data-dir "$work/$side/data" --listen "127.0.0.1:${port[$side]}" --demo \
    >"$work/$side/out" 2>"$work/$side/err" &
  pid[$side]=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:${port[$side]}/api/health" >/dev/null && break; sleep 0.1; done
  key[$side]=$(grep 'Workstation key' "$work/$side/out" | awk '{print $NF}')
  project[$side]=$(grep -o 'hook/status/[0-9a-f-]*' "$work/$side/out" | head -1 | cut -d/ -f3)
  admin=$(cat "$work/$side/data/admin-token")
  api="http://127.0.0.1:${port[$side]}/api/projects/${project[$side]}"
  for i in 1 2 3 4 5 6; do
    curl -sf -X PUT -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
      --data "{\"content\":\"# Doc $i\\n\\n$doc\\n\"}" "$api/docs/bench-$i.md" >/dev/null
  done
  curl -sf -X DELETE -H "Authorization: Bearer $admin" "$api/docs/CLAUDE.md" >/dev/null
  curl -sf -X DELETE -H "Authorization: Bearer $admin" "$api/docs/guides%2Fstyle.md" >/dev/null
done

url() {  # side case
  local p=${project[$1]}
  case $2 in
    status) echo "http://127.0.0.1:${port[$1]}/api/hook/status/$p" ;;
    hash) echo "http://127.0.0.1:${port[$1]}/api/hook/docs/$p" ;;
    doc) echo "http://127.0.0.1:${port[$1]}/api/projects/$p/docs/bench-1.md" ;;
  esac
}

# Same work on both sides: status 200 and equal bodies (ids and times left out).
for c in status hash doc; do
  for side in base head; do
    code=$(curl -s -o "$work/$side/$c.json" -w '%{http_code}' -H "X-API-Key: ${key[$side]}" "$(url "$side" "$c")")
    [[ $code == 200 ]] || { echo "compare_builds: $side answered $code to $c" >&2; exit 1; }
  done
  /usr/bin/python3 - "$work/base/$c.json" "$work/head/$c.json" <<'PY' || { echo "compare_builds: bodies differ for $c" >&2; exit 1; }
import json, sys
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in ("id", "projectId", "createdAt", "updatedAt", "lockedAt")}
    return [strip(x) for x in v] if isinstance(v, list) else v
a, b = (strip(json.load(open(p))) for p in sys.argv[1:3])
sys.exit(0 if a == b else 1)
PY
done


echo "base ${base_sha:0:12} against the working tree ($(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes')), ${seconds} s x ${rounds} rounds"
printf '| case | conns | base req/s | p99 ms | head req/s | p99 ms | head/base |\n|---|---|---|---|---|---|---|\n'
for c in "hook status|status" "hook docs hash|hash" "4 KB doc GET|doc"; do
  IFS='|' read -r name case <<<"$c"
  wanted http && [[ " ${CASES:-status hash doc} " == *" $case "* ]] || continue
  for tc in "2 64" "1 1"; do
    read -r t n <<<"$tc"
    : >"$work/base.r"; : >"$work/head.r"
    for round in $(seq "$rounds"); do
      order="base head"; (( round % 2 )) || order="head base"
      for side in $order; do
        read -r rate p99 bad <<<"$(measure "$(url "$side" "$case")" "$t" "$n" "$seconds" "X-API-Key: ${key[$side]}")"
        [[ -z $bad ]] || { echo "compare_builds: $side answered $bad non-2xx responses to $name" >&2; exit 1; }
        echo "$rate $p99" >>"$work/$side.r"
      done
    done
    b=$(cut -d' ' -f1 "$work/base.r" | median); h=$(cut -d' ' -f1 "$work/head.r" | median)
    printf '| %s | %sx%s | %.0f | %.2f | %.0f | %.2f | %.3f |\n' "$name" "$t" "$n" \
      "$b" "$(cut -d' ' -f2 "$work/base.r" | median)" "$h" "$(cut -d' ' -f2 "$work/head.r" | median)" \
      "$(awk -v a="$h" -v b="$b" 'BEGIN { print a / b }')"
  done
done

kill "${pid[base]}" "${pid[head]}"; wait "${pid[base]}" "${pid[head]}" 2>/dev/null || true; pid=()

if wanted lock; then
  # The lock cycle: in process and over HTTP, the two builds alternating.
  : >"$work/base.l"; : >"$work/head.l"
  for round in $(seq "$rounds"); do
    order="base head"; (( round % 2 )) || order="head base"
    for side in $order; do
      "${bin[$side]}/tests/bench/libsync_http_events_bench" "$seconds" 10 |
        awk -F'|' '/lock acquire\+release/ { gsub(/[^0-9.]/, "", $3); gsub(/[^0-9.]/, "", $4); print $3, $4 }' >>"$work/$side.l"
    done
  done
  for which in "in process|1" "over HTTP|2"; do
    IFS='|' read -r name col <<<"$which"
    b=$(cut -d' ' -f"$col" "$work/base.l" | median); h=$(cut -d' ' -f"$col" "$work/head.l" | median)
    printf '| lock acquire+release %s | SQLite | %.0f cycles/s | | %.0f cycles/s | | %.3f |\n' "$name" "$b" "$h" \
      "$(awk -v a="$h" -v b="$b" 'BEGIN { print a / b }')"
  done
fi

if wanted sql; then
  # The SQL store (run.sh sql): each round runs both builds' benchmark, which prints its
  # rate and its own raw-SQL baseline per backend, thread count and operation.
  for round in $(seq "$rounds"); do
    order="base head"; (( round % 2 )) || order="head base"
    for side in $order; do
      "${bin[$side]}/tests/bench/libsync_sql_store_bench" "$seconds" >>"$work/$side.sql"
    done
  done
  /usr/bin/python3 - "$work/base.sql" "$work/head.sql" <<'PY'
import statistics, sys
def rows(path):
    found = {}
    for line in open(path):
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if len(cells) == 6 and cells[1].isdigit():
            found.setdefault((cells[0], int(cells[1]), cells[2]), []).append((float(cells[3]), float(cells[4])))
    return found
base, head = rows(sys.argv[1]), rows(sys.argv[2])
print("\n| SQL store | threads | operation | base ops/s (raw SQL) | head ops/s (raw SQL) | head/base |")
print("|---|---|---|---|---|---|")
for key in base:
    if key not in head:
        continue
    b = statistics.median(r for r, _ in base[key]); h = statistics.median(r for r, _ in head[key])
    braw = statistics.median(r for _, r in base[key]); hraw = statistics.median(r for _, r in head[key])
    print(f"| {key[0]} | {key[1]} | {key[2]} | {b:.0f} ({braw:.0f}) | {h:.0f} ({hraw:.0f}) | {h / b:.3f} |")
PY
fi

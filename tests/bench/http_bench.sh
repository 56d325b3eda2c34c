#!/usr/bin/env bash
# The hook hot path over HTTP: aitk-server (Release, SQLite) against nginx serving the
# same bodies as static files, measured with wrk in the same run.
#   GET /api/hook/status/:id   GET /api/hook/docs/:id (6 docs of 4 KB)   GET one 4 KB doc
# at 2 threads x 64 connections and 1 x 1.
# Usage: http_bench.sh [seconds per measurement, default 5] [rounds, default 5]
# Each case alternates the two servers for the given rounds (aitk-server first in odd
# rounds, nginx first in even ones) and reports the median of each column: on a shared
# machine the load of the minute moves both servers' rates by a third, and alternating
# puts both under the same minutes. Before timing, each server must answer each request
# 200 with the same bytes, and wrk must count no non-2xx answer on either side.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/wrk_common.sh
seconds=${1:-5}
rounds=${2:-5}

scripts/install-deps.sh
need=()
for tool in wrk nginx curl; do command -v "$tool" >/dev/null || need+=("$tool"); done
if [[ ${#need[@]} -gt 0 ]]; then
  pkgs=(); for t in "${need[@]}"; do [[ $t == nginx ]] && pkgs+=(nginx-light) || pkgs+=("$t"); done
  as_root=(); [[ $(id -u) -ne 0 ]] && as_root=(sudo)
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

build=build/bench
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target aitk-server >/dev/null

work=$(mktemp -d)
# nginx's workers run as an unprivileged user: mktemp's 0700 would have them answer 403.
chmod 755 "$work"
server_port=3021 nginx_port=3022
cleanup() {
  [[ -n ${server_pid:-} ]] && kill "$server_pid" 2>/dev/null || true
  [[ -f $work/nginx.pid ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$build/examples/server/aitk-server" --data-dir "$work/data" --listen 127.0.0.1:$server_port --demo \
  >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$server_port/api/health" >/dev/null && break; sleep 0.1; done
key=$(grep 'Workstation key' "$work/server.out" | awk '{print $NF}')
project=$(grep -o 'hook/status/[0-9a-f-]*' "$work/server.out" | head -1 | cut -d/ -f3)
admin=$(cat "$work/data/admin-token")
base="http://127.0.0.1:$server_port/api"
# Each doc's content is 4,096 bytes: "# Doc N\n\n", 4,086 x's, "\n".
doc=$(head -c 4086 /dev/zero | tr '\0' 'x')
for i in 1 2 3 4 5 6; do
  curl -sf -X PUT -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    --data "{\"content\":\"# Doc $i\\n\\n$doc\\n\"}" "$base/projects/$project/docs/bench-$i.md" >/dev/null
done
# Leave only the six 4 KB docs, so the hook answers describe exactly them.
curl -sf -X DELETE -H "Authorization: Bearer $admin" "$base/projects/$project/docs/CLAUDE.md" >/dev/null
curl -sf -X DELETE -H "Authorization: Bearer $admin" "$base/projects/$project/docs/guides/style.md" >/dev/null

# nginx serves byte-identical bodies and, like aitk-server, writes an access line per request,
# gathered in 16 KB blocks and flushed at least every second.
idle_rss=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
mkdir -p "$work/www"
curl -sf -H "X-API-Key: $key" "$base/hook/status/$project" >"$work/www/status.json"
curl -sf -H "X-API-Key: $key" "$base/hook/docs/$project" >"$work/www/docs.json"
curl -sf -H "X-API-Key: $key" "$base/projects/$project/docs/bench-1.md" >"$work/www/doc.json"
cat >"$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log $work/nginx-access.log combined buffer=16k flush=1s;
  server { listen 127.0.0.1:$nginx_port; root $work/www; default_type application/json; }
}
CONF
chmod -R a+rX "$work/www"
nginx -c "$work/nginx.conf"
sleep 0.3
cases=("hook status|/hook/status/$project|status.json" "hook docs hash|/hook/docs/$project|docs.json"
       "4 KB doc GET|/projects/$project/docs/bench-1.md|doc.json")
for case in "${cases[@]}"; do
  IFS='|' read -r name path file <<<"$case"
  expect_body "aitk-server, $name" "$base$path" "$work/www/$file" "X-API-Key: $key"
  expect_body "nginx, $name" "http://127.0.0.1:$nginx_port/$file" "$work/www/$file"
done

timed() {  # side url threads connections [header] -> "req/s p99ms", failing on any non-2xx
  local rate p99 bad
  read -r rate p99 bad <<<"$(measure "$2" "$3" "$4" "$seconds" ${5:+"$5"})"
  [[ -z $bad ]] || { echo "http_bench: $1 answered $bad non-2xx responses to $2" >&2; exit 1; }
  echo "$rate $p99"
}

printf '| case | conns | aitk-server req/s | p99 ms | nginx req/s | p99 ms | ratio |\n|---|---|---|---|---|---|---|\n'
for case in "${cases[@]}"; do
  IFS='|' read -r name path file <<<"$case"
  for tc in "2 64" "1 1"; do
    read -r t c <<<"$tc"
    : >"$work/ours"; : >"$work/theirs"; : >"$work/ratios"
    for round in $(seq "$rounds"); do
      if (( round % 2 )); then
        read -r ours ours_p99 <<<"$(timed aitk-server "$base$path" "$t" "$c" "X-API-Key: $key")"
        read -r theirs theirs_p99 <<<"$(timed nginx "http://127.0.0.1:$nginx_port/$file" "$t" "$c")"
      else
        read -r theirs theirs_p99 <<<"$(timed nginx "http://127.0.0.1:$nginx_port/$file" "$t" "$c")"
        read -r ours ours_p99 <<<"$(timed aitk-server "$base$path" "$t" "$c" "X-API-Key: $key")"
      fi
      echo "$ours $ours_p99" >>"$work/ours"
      echo "$theirs $theirs_p99" >>"$work/theirs"
      awk -v a="$ours" -v b="$theirs" 'BEGIN { print a / b }' >>"$work/ratios"
    done
    printf '| %s | %sx%s | %.0f | %.2f | %.0f | %.2f | %.2f |\n' "$name" "$t" "$c" \
      "$(cut -d' ' -f1 "$work/ours" | median)" "$(cut -d' ' -f2 "$work/ours" | median)" \
      "$(cut -d' ' -f1 "$work/theirs" | median)" "$(cut -d' ' -f2 "$work/theirs" | median)" \
      "$(median <"$work/ratios")"
    # Every round, for the spread: ratio, and p99 ours/nginx.
    paste -d' ' "$work/ratios" "$work/ours" "$work/theirs" |
      awk '{ printf "%.2f (%.2f/%.2f ms)  ", $1, $3, $5 } END { print "" }' | sed 's/^/    rounds: /' >&2
  done
done
rss=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
peak=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
echo "aitk-server resident memory: idle $((idle_rss / 1024)) MB, peak under load $((peak / 1024)) MB, after the run $((rss / 1024)) MB"

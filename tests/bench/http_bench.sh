#!/usr/bin/env bash
# The hook hot path over HTTP: aitk-server (Release, SQLite) against nginx serving the
# same bodies as static files, measured with wrk in the same run.
#   GET /api/hook/status/:id   GET /api/hook/docs/:id (6 docs of 4 KB)   GET one 4 KB doc
# at 2 threads x 64 connections and 1 x 1. Then over TLS, against nginx with the same
# certificate (a throwaway P-256 CA made here), protocols, ciphers and session cache:
# hook status with keep-alive (wrk), and new connections per second, one request each,
# without and with session resumption (openssl s_time -new / -reuse, two clients at once).
# Usage: [SECTIONS="plain tls"] http_bench.sh [seconds per measurement, default 5] [rounds, default 5]
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
sections=${SECTIONS:-plain tls}  # SECTIONS=tls times only the TLS cases

scripts/install-deps.sh
need=()
for tool in wrk nginx curl openssl; do command -v "$tool" >/dev/null || need+=("$tool"); done
if [[ ${#need[@]} -gt 0 ]]; then
  pkgs=(); for t in "${need[@]}"; do [[ $t == nginx ]] && pkgs+=(nginx-light) || pkgs+=("$t"); done
  as_root=(); [[ $(id -u) -ne 0 ]] && as_root=(sudo)
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

server_binary=$(release_server)

work=$(mktemp -d)
# nginx's workers run as an unprivileged user: mktemp's 0700 would have them answer 403.
chmod 755 "$work"
server_port=3021 nginx_port=3022 tls_server_port=3023 tls_nginx_port=3024
cleanup() {
  [[ -n ${server_pid:-} ]] && kill "$server_pid" 2>/dev/null || true
  [[ -n ${tls_server_pid:-} ]] && kill "$tls_server_pid" 2>/dev/null || true
  [[ -f $work/nginx.pid ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$server_binary" --data-dir "$work/data" --listen 127.0.0.1:$server_port --demo \
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
# TLS: one certificate for both servers, and Mozilla's intermediate settings on nginx as
# aitk-server has them built in (tls_context.cpp).
mkdir -p "$work/tls"
(
  cd "$work/tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 2 \
    -subj /CN=bench-ca 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr \
    -subj /CN=127.0.0.1 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\n' >server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext \
    -out server.pem 2>/dev/null
  chmod 600 server.key
)
export CURL_CA_BUNDLE=$work/tls/ca.pem  # expect_body's curl, for the https cases
"$server_binary" --data-dir "$work/data-tls" --listen 127.0.0.1:$tls_server_port --demo \
  --tls-cert "$work/tls/server.pem" --tls-key "$work/tls/server.key" >"$work/tls-server.out" 2>"$work/tls-server.err" &
tls_server_pid=$!
for _ in $(seq 50); do curl -sf "https://127.0.0.1:$tls_server_port/api/health" >/dev/null && break; sleep 0.1; done
tls_key=$(grep 'Workstation key' "$work/tls-server.out" | awk '{print $NF}')
tls_project=$(grep -o 'hook/status/[0-9a-f-]*' "$work/tls-server.out" | head -1 | cut -d/ -f3)
tls_base="https://127.0.0.1:$tls_server_port/api"
curl -sf -H "X-API-Key: $tls_key" "$tls_base/hook/status/$tls_project" >"$work/www/status-tls.json"
# nginx needs the key readable by its workers' user; aitk-server's own copy stays 0600.
cp "$work/tls/server.key" "$work/tls/nginx.key"
chmod 644 "$work/tls/nginx.key"
cat >"$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log $work/nginx-access.log combined buffer=16k flush=1s;
  server { listen 127.0.0.1:$nginx_port; root $work/www; default_type application/json; }
  server {
    listen 127.0.0.1:$tls_nginx_port ssl;
    root $work/www; default_type application/json;
    ssl_certificate $work/tls/server.pem;
    ssl_certificate_key $work/tls/nginx.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305;
    ssl_ecdh_curve X25519:prime256v1:secp384r1;
    ssl_prefer_server_ciphers off;
    ssl_session_cache shared:bench:10m;
    ssl_session_timeout 1d;
    ssl_session_tickets off;
  }
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

tls_status="/hook/status/$tls_project"
expect_body "aitk-server over TLS, hook status" "$tls_base$tls_status" "$work/www/status-tls.json" "X-API-Key: $tls_key"
expect_body "nginx over TLS, hook status" "https://127.0.0.1:$tls_nginx_port/status-tls.json" "$work/www/status-tls.json"
ours_tls=$(tls_params 127.0.0.1:$tls_server_port)
theirs_tls=$(tls_params 127.0.0.1:$tls_nginx_port)
[[ -n $ours_tls && $ours_tls == "$theirs_tls" ]] ||
  { echo "http_bench: TLS differs: aitk-server '$ours_tls', nginx '$theirs_tls'" >&2; exit 1; }
# s_time's request is "GET <path> HTTP/1.0" and nothing else: the key header rides in the
# path, after a version of its own ("X:" then takes s_time's).
ours_request="/api$tls_status HTTP/1.0"$'\r\n'"X-API-Key: $tls_key"$'\r\n'"X:"
theirs_request="/status-tls.json"
expect_tls_200 "aitk-server, s_time's request" 127.0.0.1:$tls_server_port "GET $ours_request HTTP/1.0"$'\r\n\r\n'
expect_tls_200 "nginx, s_time's request" 127.0.0.1:$tls_nginx_port "GET $theirs_request HTTP/1.0"$'\r\n\r\n'

timed() {  # side url threads connections [header] -> "req/s p99ms", failing on any non-2xx
  local rate p99 bad
  read -r rate p99 bad <<<"$(measure "$2" "$3" "$4" "$seconds" ${5:+"$5"})"
  [[ -z $bad ]] || { echo "http_bench: $1 answered $bad non-2xx responses to $2" >&2; exit 1; }
  echo "$rate $p99"
}

printf '| case | conns | aitk-server req/s | p99 ms | nginx req/s | p99 ms | ratio |\n|---|---|---|---|---|---|---|\n'
[[ " $sections " == *" plain "* ]] || cases=()
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

# Over TLS ($ours_tls on both sides). Keep-alive: as above. New connections: s_time.
tls_configs=("2 64" "1 1") tls_modes=(new reuse)
[[ " $sections " == *" tls "* ]] || { tls_configs=(); tls_modes=(); }
for tc in "${tls_configs[@]}"; do
  read -r t c <<<"$tc"
  : >"$work/ours"; : >"$work/theirs"; : >"$work/ratios"
  for round in $(seq "$rounds"); do
    if (( round % 2 )); then
      read -r ours ours_p99 <<<"$(timed aitk-server "$tls_base$tls_status" "$t" "$c" "X-API-Key: $tls_key")"
      read -r theirs theirs_p99 <<<"$(timed nginx "https://127.0.0.1:$tls_nginx_port/status-tls.json" "$t" "$c")"
    else
      read -r theirs theirs_p99 <<<"$(timed nginx "https://127.0.0.1:$tls_nginx_port/status-tls.json" "$t" "$c")"
      read -r ours ours_p99 <<<"$(timed aitk-server "$tls_base$tls_status" "$t" "$c" "X-API-Key: $tls_key")"
    fi
    echo "$ours $ours_p99" >>"$work/ours"
    echo "$theirs $theirs_p99" >>"$work/theirs"
    awk -v a="$ours" -v b="$theirs" 'BEGIN { print a / b }' >>"$work/ratios"
  done
  printf '| hook status, TLS keep-alive | %sx%s | %.0f | %.2f | %.0f | %.2f | %.2f |\n' "$t" "$c" \
    "$(cut -d' ' -f1 "$work/ours" | median)" "$(cut -d' ' -f2 "$work/ours" | median)" \
    "$(cut -d' ' -f1 "$work/theirs" | median)" "$(cut -d' ' -f2 "$work/theirs" | median)" \
    "$(median <"$work/ratios")"
  paste -d' ' "$work/ratios" "$work/ours" "$work/theirs" |
    awk '{ printf "%.2f (%.2f/%.2f ms)  ", $1, $3, $5 } END { print "" }' | sed 's/^/    rounds: /' >&2
done
printf '\n| TLS, one request per connection | clients | aitk-server conn/s | nginx conn/s | ratio |\n|---|---|---|---|---|\n'
for mode in "${tls_modes[@]}"; do
  : >"$work/ours"; : >"$work/theirs"; : >"$work/ratios"
  for round in $(seq "$rounds"); do
    if (( round % 2 )); then
      ours=$(tls_connections 127.0.0.1:$tls_server_port "$ours_request" "$seconds" 2 "$mode")
      theirs=$(tls_connections 127.0.0.1:$tls_nginx_port "$theirs_request" "$seconds" 2 "$mode")
    else
      theirs=$(tls_connections 127.0.0.1:$tls_nginx_port "$theirs_request" "$seconds" 2 "$mode")
      ours=$(tls_connections 127.0.0.1:$tls_server_port "$ours_request" "$seconds" 2 "$mode")
    fi
    echo "$ours" >>"$work/ours"
    echo "$theirs" >>"$work/theirs"
    awk -v a="$ours" -v b="$theirs" 'BEGIN { print (b > 0 ? a / b : 0) }' >>"$work/ratios"
  done
  printf '| %s | 2 | %.0f | %.0f | %.2f |\n' "$([[ $mode == new ]] && echo "full handshake" || echo "resumed session")" \
    "$(median <"$work/ours")" "$(median <"$work/theirs")" "$(median <"$work/ratios")"
done

rss=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
peak=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
echo "aitk-server resident memory: idle $((idle_rss / 1024)) MB, peak under load $((peak / 1024)) MB, after the run $((rss / 1024)) MB"

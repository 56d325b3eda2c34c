# Helpers sourced by the HTTP benchmarks (http_bench.sh, growth_bench.sh, compare_builds.sh).

# Builds aitk-server in Release (build/bench) and prints its path. AITK_SERVER=path skips
# the build and names that binary instead: for checking a script itself (a short smoke
# run); figures come only from the Release build.
release_server() {
  if [[ -n ${AITK_SERVER:-} ]]; then echo "$AITK_SERVER"; return; fi
  cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null || return 1
  cmake --build build/bench --target aitk-server >/dev/null || return 1
  echo build/bench/examples/server/aitk-server
}

# wrk's rate, its 99% latency in ms and its count of non-2xx/3xx answers (empty when none).
#   measure URL THREADS CONNECTIONS SECONDS [HEADER] -> "req/s p99ms non2xx"
measure() {
  local out
  out=$(wrk -t"$2" -c"$3" -d"$4s" --latency ${5:+-H "$5"} "$1")
  printf '%s %s %s' "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
                          print (u == "us" ? v / 1000 : u == "s" ? v * 1000 : v) }' <<<"$out")" \
    "$(awk '/Non-2xx or 3xx responses/ {print $NF}' <<<"$out" | tail -1)"
}

# The median of the numbers on stdin, one per line.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# Fails the benchmark unless URL answers 200 with exactly the bytes of FILE.
#   expect_body NAME URL FILE [HEADER]
expect_body() {
  local got code
  got=$(mktemp)
  code=$(curl -s -o "$got" -w '%{http_code}' ${4:+-H "$4"} "$2")
  if [[ $code != 200 ]] || ! cmp -s "$got" "$3"; then
    echo "benchmark baseline check failed: $1 answered $code with $(wc -c <"$got") bytes, expected 200 with $(wc -c <"$3")" >&2
    rm -f "$got"; exit 1
  fi
  rm -f "$got"
}

# TLS: the protocol and cipher a server negotiates with OpenSSL's default client, e.g.
# "TLSv1.3 TLS_AES_256_GCM_SHA384": both sides of a comparison must agree.
#   tls_params HOST:PORT
tls_params() {
  openssl s_client -connect "$1" -alpn http/1.1 </dev/null 2>/dev/null |
    awk '/^New, / { gsub(",", ""); print $2, $5; exit }'
}

# Fails the benchmark unless REQUEST (raw HTTP/1.0, as openssl s_time sends it) answered
# over TLS at HOST:PORT starts with a 200 status line.
#   expect_tls_200 NAME HOST:PORT REQUEST
expect_tls_200() {
  local line
  line=$(printf '%s' "$3" | openssl s_client -quiet -connect "$2" 2>/dev/null | head -1 | tr -d '\r')
  [[ $line == "HTTP/1."[01]" 200"* ]] || { echo "benchmark baseline check failed: $1 answered '$line' over TLS" >&2; exit 1; }
}

# New TLS connections per second, one request each, with openssl s_time: PROCS clients at
# once for SECONDS, each a full handshake (new) or resuming its first session (reuse).
# s_time sends "GET PATH HTTP/1.0" and no headers; a header rides in PATH after the
# version it would otherwise lack (see http_bench.sh).
#   tls_connections HOST:PORT PATH SECONDS PROCS new|reuse -> "conn/s"
tls_connections() {
  local out pids=() i total=0
  out=$(mktemp -d)
  for i in $(seq "$4"); do
    openssl s_time -connect "$1" -www "$2" -time "$3" "-$5" >"$out/$i" 2>&1 &
    pids+=($!)
  done
  wait "${pids[@]}"
  for i in $(seq "$4"); do
    total=$((total + $(awk '/connections in .* real seconds/ { print $1; exit }' "$out/$i")))
  done
  rm -rf "$out"
  awk -v n="$total" -v s="$3" 'BEGIN { printf "%.0f", n / s }'
}

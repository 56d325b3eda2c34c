# Helpers sourced by the HTTP benchmarks (http_bench.sh, compare_builds.sh).

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

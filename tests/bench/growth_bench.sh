#!/usr/bin/env bash
# Cost as a project grows: two aitk-servers (Release, SQLite), one whose project stays at
# 10 docs of 4 KB (the reference) and one whose project grows to 100, 1,000 and 10,000.
# At each size wrk times, alternating the two servers round by round:
#   GET /api/hook/status/:id, GET /api/hook/docs/:id, and a doc GET of a random doc of
#   the project (one of its N; wrk_random_doc.lua),
# and reports the grown server's rate over the reference's (median of the rounds): flat
# means about 1.0 at every size. Then the pull of every doc (GET /api/hook/sync/:id):
# time, bytes, and time per MB, which should stay flat (a pull costs its bytes). And the
# grown server's resident memory after every doc was read once (its docs all cached).
# Usage: growth_bench.sh [seconds per measurement, default 3] [rounds, default 3]
# Before timing, every request is checked to answer 200 with the expected body, and wrk
# must count no non-2xx answer.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/wrk_common.sh
seconds=${1:-3}
rounds=${2:-3}
sizes=${SIZES:-10 100 1000 10000}

scripts/install-deps.sh
for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || { as_root=(); [[ $(id -u) -ne 0 ]] && as_root=(sudo);
    "${as_root[@]}" apt-get install -y -qq --no-install-recommends "$tool" >/dev/null; }
done
server_binary=$(release_server)

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# start NAME PORT: a server with an empty project "growth" and a read key; sets
# NAME_base NAME_project NAME_key NAME_admin NAME_pid.
start() {
  local name=$1 port=$2 admin base project key
  "$server_binary" --data-dir "$work/$name" --listen 127.0.0.1:"$port" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  printf -v "${name}_pid" '%s' $!
  base="http://127.0.0.1:$port/api"
  for _ in $(seq 100); do curl -sf "$base/health" >/dev/null && break; sleep 0.1; done
  admin=$(cat "$work/$name/admin-token")
  project=$(curl -sf -X POST -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    --data '{"name":"growth","repoUrl":"https://example.com/growth.git"}' "$base/projects" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  key=$(curl -sf -X POST -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    --data '{"name":"bench","scope":"read"}' "$base/projects/$project/api-keys" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
  printf -v "${name}_base" '%s' "$base"
  printf -v "${name}_project" '%s' "$project"
  printf -v "${name}_key" '%s' "$key"
  printf -v "${name}_admin" '%s' "$admin"
}

# grow BASE PROJECT ADMIN FROM TO: writes docs d00001.md .. up to TO (4,096 bytes each)
# over one keep-alive connection.
grow() {
  python3 - "$@" <<'PY'
import http.client, json, sys, urllib.parse
base, project, admin, first, last = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
url = urllib.parse.urlsplit(base)
conn = http.client.HTTPConnection(url.hostname, url.port)
for i in range(first, last + 1):
    head = "# Doc %05d\n\n" % i
    body = json.dumps({"content": head + "x" * (4096 - len(head) - 1) + "\n"})
    conn.request("PUT", "%s/projects/%s/docs/d%05d.md" % (url.path, project, i), body,
                 {"Authorization": "Bearer " + admin, "Content-Type": "application/json"})
    r = conn.getresponse(); r.read()
    if r.status not in (200, 201):
        sys.exit("grow: doc %d answered %d" % (i, r.status))
PY
}

# read_all BASE PROJECT KEY N: reads every doc once with the key, checking each body.
read_all() {
  python3 - "$@" <<'PY'
import http.client, json, sys, urllib.parse
base, project, key, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
url = urllib.parse.urlsplit(base)
conn = http.client.HTTPConnection(url.hostname, url.port)
for i in range(1, n + 1):
    conn.request("GET", "%s/projects/%s/docs/d%05d.md" % (url.path, project, i), headers={"X-API-Key": key})
    r = conn.getresponse(); doc = json.loads(r.read())
    if r.status != 200 or not doc["content"].startswith("# Doc %05d\n" % i) or len(doc["content"]) != 4096:
        sys.exit("read_all: doc %d answered %d" % (i, r.status))
PY
}

# check BASE PROJECT KEY N: the answers wrk will time are right before it times them.
check() {
  local base=$1 project=$2 key=$3 n=$4 body
  body=$(curl -s -w '\n%{http_code}' -H "X-API-Key: $key" "$base/hook/status/$project")
  [[ $(tail -1 <<<"$body") == 200 && $(head -1 <<<"$body") == '{"locked":false}' ]] ||
    { echo "growth_bench: hook status answered $body" >&2; exit 1; }
  body=$(curl -s -w '\n%{http_code}' -H "X-API-Key: $key" "$base/hook/docs/$project")
  [[ $(tail -1 <<<"$body") == 200 && $(head -1 <<<"$body") == *"\"docsCount\":$n}" ]] ||
    { echo "growth_bench: hook docs answered $body, expected $n docs" >&2; exit 1; }
  read_all "$base" "$project" "$key" "$n"
}

# timed URL HEADER [LUA] -> "req/s p99ms", failing on any non-2xx answer.
timed() {
  local out rate p99 bad
  out=$(wrk -t2 -c64 -d"${seconds}s" --latency -H "$2" ${3:+-s "$3"} "$1")
  rate=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
                          print (u == "us" ? v / 1000 : u == "s" ? v * 1000 : v) }' <<<"$out")
  bad=$(awk '/Non-2xx or 3xx responses/ {print $NF}' <<<"$out" | tail -1)
  [[ -z $bad ]] || { echo "growth_bench: $1 answered $bad non-2xx responses" >&2; exit 1; }
  echo "$rate $p99"
}

lua=$work/random_doc.lua
cat >"$lua" <<'LUA'
-- GET a random doc of the project: d00001.md .. d<DOCS>.md under DOC_PREFIX.
local n = tonumber(os.getenv("DOCS"))
local prefix = os.getenv("DOC_PREFIX")
request = function()
  return wrk.format("GET", string.format("%s/d%05d.md", prefix, math.random(1, n)))
end
LUA

start ref 3031
start grown 3032
grow "$ref_base" "$ref_project" "$ref_admin" 1 10
check "$ref_base" "$ref_project" "$ref_key" 10

printf '| docs | hook status (x ref) | hook docs hash (x ref) | doc GET (x ref) | p99 ms status/hash/doc | pull ms | pull MB | ms per MB | RSS MB |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
have=0
for n in $sizes; do
  grow "$grown_base" "$grown_project" "$grown_admin" $((have + 1)) "$n"
  have=$n
  check "$grown_base" "$grown_project" "$grown_key" "$n"
  rss=$(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$grown_pid/status")
  cols=() p99s=()
  for case in status docs doc; do
    : >"$work/ratios"; : >"$work/p99"
    for round in $(seq "$rounds"); do
      order=(grown ref)
      (( round % 2 )) || order=(ref grown)  # which goes first alternates
      for side in "${order[@]}"; do
        base_var=${side}_base project_var=${side}_project key_var=${side}_key
        base=${!base_var} project=${!project_var} key=${!key_var}
        docs_in=$([[ $side == grown ]] && echo "$n" || echo 10)
        case $case in
          status) read -r rate p99 <<<"$(timed "$base/hook/status/$project" "X-API-Key: $key")" ;;
          docs) read -r rate p99 <<<"$(timed "$base/hook/docs/$project" "X-API-Key: $key")" ;;
          doc) read -r rate p99 <<<"$(DOCS=$docs_in DOC_PREFIX="/api/projects/$project/docs" \
                 timed "${base%/api}" "X-API-Key: $key" "$lua")" ;;
        esac
        printf -v "rate_$side" '%s' "$rate"
        [[ $side == grown ]] && echo "$p99" >>"$work/p99"
      done
      awk -v a="$rate_grown" -v b="$rate_ref" 'BEGIN { print a / b }' >>"$work/ratios"
    done
    cols+=("$(median <"$work/ratios")")
    p99s+=("$(median <"$work/p99")")
  done
  # The pull: every doc's text in one answer, five times; the median time.
  : >"$work/pull"
  for _ in 1 2 3 4 5; do
    curl -s -o "$work/pull.json" -w '%{http_code} %{time_total} %{size_download}\n' \
      -H "X-API-Key: $grown_key" "$grown_base/hook/sync/$grown_project" >>"$work/pull"
  done
  awk '$1 != 200 { exit 1 }' "$work/pull" || { echo "growth_bench: the pull answered $(cat "$work/pull")" >&2; exit 1; }
  pulled=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["docs"]))' "$work/pull.json")
  [[ $pulled == "$n" ]] || { echo "growth_bench: the pull held $pulled docs, expected $n" >&2; exit 1; }
  pull_ms=$(awk '{ print $2 * 1000 }' "$work/pull" | median)
  pull_mb=$(awk 'NR == 1 { printf "%.2f", $3 / 1e6 }' "$work/pull")
  printf '| %s | %.2f | %.2f | %.2f | %.2f / %.2f / %.2f | %.1f | %s | %.1f | %s |\n' "$n" \
    "${cols[0]}" "${cols[1]}" "${cols[2]}" "${p99s[0]}" "${p99s[1]}" "${p99s[2]}" \
    "$pull_ms" "$pull_mb" "$(awk -v t="$pull_ms" -v b="$pull_mb" 'BEGIN { print t / b }')" "$rss"
done
echo "peak resident memory of the grown server: $(awk '/VmHWM/ {printf "%.1f MB", $2 / 1024}' "/proc/$grown_pid/status")"

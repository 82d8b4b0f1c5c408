#!/usr/bin/env bash
# Load benchmark of hub-api's enrollment aggregate endpoint (issue 17): request latency
# (p50/p99) and throughput for one client and for 50 concurrent connections, measured with
# wrk against the demo's data.
#
#   scripts/api-bench.sh [--students N] [--seed S] [--duration SECONDS] [--query QUERY]
#                        [--database-connections N]
#
# Release build (like scripts/bench.sh). Starts a private broker and PostgreSQL on free ports
# (scripts/services.sh), loads the demo's sample (default 3,000 students, seed 42, as
# scripts/demo.sh) through the real pipeline (hub-ingest → hub-transform → hub-sink) and checks
# the aggregates against the sample's expected results, starts hub-api with the rate limit
# switched off (--rate-limit 0; the default of 600 requests per client per minute would answer
# 429 within a second), creates one county client (the county with the most students, as the
# demo does) and one operator client, then runs wrk against
#   GET /v1/enrollment?level=school&region=<county>&grade=<its largest grade>
# (that county's schools in one grade) for each client with 1 connection / 1 thread and with
# 50 connections / 2 threads, --latency, after a 5 s warm-up per client. Prints requests/s,
# p50/p99 and non-2xx responses per case (wrk's figures; the audit's server-side durations
# beside them), and writes bench-results/api-<time>.json. Everything it started is stopped by
# PID on exit. Not part of the test suite; run it on a quiet machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

students=3000
seed=42
duration=30
query=""
db_connections=""
usage() {
  echo "usage: scripts/api-bench.sh [--students N] [--seed S] [--duration SECONDS] [--query QUERY] [--database-connections N]" >&2
  exit 2
}
while (($#)); do
  case "$1" in
    --students) students="${2:-}"; shift 2 ;;
    --seed) seed="${2:-}"; shift 2 ;;
    --duration) duration="${2:-}"; shift 2 ;;
    --query) query="${2:-}"; shift 2 ;;
    --database-connections) db_connections="${2:-}"; shift 2 ;;
    *) usage ;;
  esac
done
[[ $students =~ ^[1-9][0-9]*$ && $seed =~ ^[0-9]+$ && $duration =~ ^[1-9][0-9]*$ ]] || usage
command -v wrk >/dev/null || { echo "api-bench.sh: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

log() { printf '[api-bench] %s\n' "$*" >&2; }

bash scripts/setup.sh
log "release build"
swift build -c release 2>&1 | grep -E "error|warning: |Build complete" || true
bin="$(swift build -c release --show-bin-path)"
for product in hubctl hub-ingest hub-transform hub-sink hub-api; do
  [[ -x $bin/$product ]] || { echo "api-bench.sh: $bin/$product is missing; the release build failed" >&2; exit 1; }
done

work="$(mktemp -d /tmp/eduhub-api-bench.XXXXXX)"; chmod 755 "$work"
pids=()
stop_pids() {
  local pid
  for pid in "$@"; do [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    [[ -n $pid ]] || continue
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}
cleanup() {
  local status=$?
  stop_pids "${pids[@]:-}"
  wait 2>/dev/null || true
  bash scripts/services.sh stop "$work/services" >/dev/null 2>&1 || true
  if ((status == 0)); then rm -rf "$work"; else echo "api-bench failed; logs are in $work" >&2; fi
}
trap cleanup EXIT INT TERM

log "starting the broker and PostgreSQL (scripts/services.sh)"
mkdir -p "$work/services" && chmod 755 "$work/services"
bash scripts/services.sh start "$work/services" >/dev/null
source "$work/services/services.env"
pg() { psql -qtA -h 127.0.0.1 -p "$PG_PORT" -U postgres -d eduhub -c "$1"; }
psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "CREATE DATABASE eduhub" >/dev/null

export HUB_KAFKA_BROKERS="$KAFKA_BOOTSTRAP"
export HUB_DATABASE="host=127.0.0.1 port=$PG_PORT user=postgres dbname=eduhub"
export HUB_TOPOLOGY_DIR="$PWD/Topologies"
export HUB_KAFKA_PROPERTIES="session.timeout.ms=6000,heartbeat.interval.ms=500"
(umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/person-code.key")
export HUB_PERSON_CODE_KEY_FILE="$work/person-code.key"

log "loading the demo's sample ($students students, seed $seed) through the pipeline"
"$bin/hubctl" topics create --partitions 3 >/dev/null
"$bin/hubctl" db migrate >/dev/null
workers=()
for stage in ingest transform sink; do
  "$bin/hub-$stage" --http-port 0 > "$work/$stage.log" 2>&1 &
  pids+=($!); workers+=($!)
done
"$bin/hubctl" sample produce --students "$students" --seed "$seed" --truth-file "$work/expected.json" >&2
"$bin/hubctl" pipeline wait --timeout 600 >/dev/null
"$bin/hubctl" show --expect "$work/expected.json" > "$work/show.txt" 2>&1 \
  || { echo "api-bench.sh: the pipeline's aggregates differ from the expected results:" >&2; tail -20 "$work/show.txt" >&2; exit 1; }
log "aggregates equal the expected results; stopping the pipeline's workers"
stop_pids "${workers[@]}"
pids=()  # only the workers so far, all stopped

county="$(pg "SELECT region_code FROM hub.enrollment_agg WHERE level = 'county' GROUP BY 1 ORDER BY sum(students) DESC, 1 LIMIT 1")"
grade="$(pg "SELECT grade_code FROM hub.enrollment_agg WHERE level = 'county' AND region_code = '$county' GROUP BY 1 ORDER BY sum(students) DESC, 1 LIMIT 1")"
[[ -n $county && -n $grade ]] || { echo "api-bench.sh: no county enrollment in the loaded data" >&2; exit 1; }
query="${query:-level=school&region=$county&grade=$grade}"
county_token="$("$bin/hubctl" api client create --name "bench-county-$county" --level county --region "$county" --token-only)"
operator_token="$("$bin/hubctl" api client create --name bench-operator --level operator --token-only)"

api_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
api_flags=(--listen 127.0.0.1 --http-port "$api_port" --rate-limit 0)
[[ -n $db_connections ]] && api_flags+=(--database-connections "$db_connections")
log "hub-api ${api_flags[*]} (rate limit off for the benchmark: --rate-limit 0, default 600 per client per minute)"
"$bin/hub-api" "${api_flags[@]}" > "$work/api.log" 2>&1 &
api_pid=$!; pids+=("$api_pid")
for _ in $(seq 150); do curl -fsS "http://127.0.0.1:$api_port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "http://127.0.0.1:$api_port/readyz" >/dev/null || { echo "api-bench.sh: hub-api did not become ready (see $work/api.log)" >&2; exit 1; }
url="http://127.0.0.1:$api_port/v1/enrollment?$query"

# One request per client first: the answer must be a 200 with rows, else the benchmark
# would measure errors.
describe() {  # token → "rows R, suppressed cells S, B bytes"
  local body
  body="$(curl -fsS -H "Authorization: Bearer $1" "$url")" || { echo "api-bench.sh: GET $url failed" >&2; exit 1; }
  python3 -c '
import json, sys
d = json.loads(sys.argv[1]); m = d["meta"]
print("%d rows, %d suppressed cells, %d bytes" % (m["rows"], m["suppression"].get("suppressed_cells", 0), len(sys.argv[1].encode())))' "$body"
}
county_answer="$(describe "$county_token")"
operator_answer="$(describe "$operator_token")"
log "GET /v1/enrollment?$query: county client $county_answer; operator $operator_answer"

clk=$(getconf CLK_TCK)
api_cpu() { awk -v clk="$clk" '{printf "%.1f", ($14 + $15) / clk}' "/proc/$api_pid/stat"; }
to_ms() {  # wrk's 812.00us / 2.34ms / 1.02s / 1.00m → milliseconds
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1
    if (f < 0) { print "null"; exit } printf "%.3f", n * f }'
}

rows=()
json_cases=()
run_case() {  # client token connections threads
  local client="$1" token="$2" conns="$3" threads="$4" out="$work/wrk-$1-$3.txt"
  local cmd=(wrk -t"$threads" -c"$conns" -d"${duration}s" --timeout 10s --latency -H "Authorization: Bearer $token" "$url")
  local load_before load_after cpu_before cpu_after audit_before
  audit_before="$(pg "SELECT coalesce(max(id), 0) FROM hub.api_audit")"
  load_before="$(cut -d' ' -f1 /proc/loadavg)"; cpu_before="$(api_cpu)"
  log "wrk -t$threads -c$conns -d${duration}s --timeout 10s --latency -H 'Authorization: Bearer <$client token>' '$url'"
  "${cmd[@]}" > "$out"
  load_after="$(cut -d' ' -f1 /proc/loadavg)"; cpu_after="$(api_cpu)"
  local rps p50 p99 non2xx errors total
  rps="$(awk '/^Requests\/sec:/ {print $2}' "$out")"
  p50="$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")"
  p99="$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")"
  non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")"; non2xx="${non2xx:-0}"
  errors="$(sed -n 's/^ *Socket errors: *//p' "$out")"; errors="${errors:-none}"
  total="$(awk '/requests in/ {print $1}' "$out")"
  # The server's own view: hub-api's audit rows of this case (duration measured in the gate).
  local server
  server="$(pg "SELECT count(*), count(*) FILTER (WHERE status <> 200),
      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms)::numeric, 2),
      round(percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms)::numeric, 2)
    FROM hub.api_audit WHERE id > $audit_before")"
  local audited audit_errors s50 s99
  IFS='|' read -r audited audit_errors s50 s99 <<<"$server"
  rows+=("$(printf '%-9s %5s %10s %9s %9s %8s %9s %9s %7s %11s' "$client" "$conns" "$rps" "$p50" "$p99" "$non2xx" "$s50" "$s99" \
    "$(python3 -c "print(round($cpu_after - $cpu_before, 1))")" "$load_before→$load_after")")
  [[ $errors == none ]] || rows+=("          socket errors: $errors")
  json_cases+=("{\"client\": \"$client\", \"connections\": $conns, \"threads\": $threads, \"requests\": $total,
   \"requests_per_second\": $rps, \"p50_ms\": $p50, \"p99_ms\": $p99, \"non_2xx\": $non2xx, \"socket_errors\": \"$errors\",
   \"audit_rows\": $audited, \"audit_non_200\": $audit_errors, \"server_p50_ms\": $s50, \"server_p99_ms\": $s99,
   \"api_cpu_seconds\": $(python3 -c "print(round($cpu_after - $cpu_before, 1))"), \"load_before\": $load_before, \"load_after\": $load_after}")
}

uptime_before="$(uptime)"
for client in county operator; do
  token_var="${client}_token"
  log "warm-up: 5 s, $client client"
  wrk -t1 -c1 -d5s -H "Authorization: Bearer ${!token_var}" "$url" > "$work/warmup-$client.txt"
  run_case "$client" "${!token_var}" 1 1
  run_case "$client" "${!token_var}" 50 2
done
uptime_after="$(uptime)"

mkdir -p bench-results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="bench-results/api-$stamp.json"
{
  printf '{"endpoint": "/v1/enrollment?%s", "students": %s, "seed": %s, "duration_seconds": %s, "build": "release",\n' \
    "$query" "$students" "$seed" "$duration"
  printf ' "hub_api_flags": "%s", "county_answer": "%s", "operator_answer": "%s",\n' "${api_flags[*]}" "$county_answer" "$operator_answer"
  printf ' "uptime_before": "%s", "uptime_after": "%s",\n "cases": [\n  ' "$(sed 's/^ *//' <<<"$uptime_before")" "$(sed 's/^ *//' <<<"$uptime_after")"
  (IFS=','; printf '%s' "${json_cases[*]}" | sed 's/},{/},\n  {/g')
  printf '\n ]}\n'
} > "$out"

echo
echo "hub-api (release build, ${api_flags[*]}; rate limit OFF for the benchmark, default 600/client/min;"
if [[ -n $db_connections ]]; then pool="$db_connections (--database-connections)"; else pool="8 (default)"; fi
echo "         $pool PostgreSQL connections; $(nproc) CPUs)"
echo "GET /v1/enrollment?$query — demo data: $students students, seed $seed; ${duration} s per case after a 5 s warm-up"
echo "county client ($county): $county_answer; operator: $operator_answer"
echo "wrk -t<T> -c<C> -d${duration}s --timeout 10s --latency -H 'Authorization: Bearer <token>' '$url'"
echo
printf '%-9s %5s %10s %9s %9s %8s %9s %9s %7s %11s\n' client conns "req/s" "p50 ms" "p99 ms" non-2xx "srv p50" "srv p99" "API cpu" "load 1m"
printf '%s\n' "${rows[@]}"
echo
echo "(p50/p99: wrk, client side; srv p50/p99: hub-api's audit duration_ms of the same requests; API cpu: hub-api CPU-seconds in the case)"
echo "uptime before: $uptime_before"
echo "uptime after:  $uptime_after"
echo "results: $out"

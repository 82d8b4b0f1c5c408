#!/usr/bin/env bash
# The main job: the whole pipeline on the shipped topologies and a generated sample, against
# a local broker and PostgreSQL that this script starts and stops itself.
#
#   scripts/demo.sh [--students N] [--seed S] [--serve]
#
# Sets up what is missing (scripts/setup.sh), builds, starts tansu and PostgreSQL on free
# ports, creates the topics and schema, starts hub-ingest, hub-transform and hub-sink,
# produces the sample, waits until the pipeline has caught up, then prints the aggregates and
# the quarantine summary and checks them against the sample's expected results; runs the daily
# DAG and the quality report; and ends with the monitoring scenarios' province summary and the
# path of the operational monitoring report. It ends by starting hub-api (the API and the
# console) with a county client; --serve keeps it running until Ctrl-C.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

students=3000
seed=42
serve=0
while (($#)); do
  case "$1" in
    --students) students="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --serve) serve=1; shift ;;
    *) echo "usage: scripts/demo.sh [--students N] [--seed S] [--serve]" >&2; exit 2 ;;
  esac
done

started=$(date +%s)
step() { printf '\n== %s\n' "$*"; }

step "setup"
bash scripts/setup.sh
step "build"
swift build 2>&1 | grep -E "error|warning: |Compiling|Build complete" | grep -v "^\[" || true
bin="$(swift build --show-bin-path)"

work="$(mktemp -d /tmp/eduhub-demo.XXXXXX)"
chmod 755 "$work"
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  bash scripts/services.sh stop "$work/services" >/dev/null 2>&1 || true
  if [[ $status -ne 0 ]]; then
    echo "demo failed; worker logs are in $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT INT TERM

step "starting the broker and PostgreSQL"
mkdir -p "$work/services" && chmod 755 "$work/services"
bash scripts/services.sh start "$work/services"
source "$work/services/services.env"
runuser -u postgres -- "$PG_BIN/psql" -q -h 127.0.0.1 -p "$PG_PORT" -d postgres -c "CREATE DATABASE eduhub" >/dev/null 2>&1 \
  || psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "CREATE DATABASE eduhub" >/dev/null

export HUB_KAFKA_BROKERS="$KAFKA_BOOTSTRAP"
export HUB_DATABASE="host=127.0.0.1 port=$PG_PORT user=postgres dbname=eduhub"
export HUB_TOPOLOGY_DIR="$PWD/Topologies"
export HUB_KAFKA_PROPERTIES="session.timeout.ms=6000,heartbeat.interval.ms=500"
umask 077
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/person-code.key"
export HUB_PERSON_CODE_KEY_FILE="$work/person-code.key"

step "topics and schema"
"$bin/hubctl" topics create --partitions 3
"$bin/hubctl" db migrate

step "starting the workers"
"$bin/hub-ingest" --http-port 0 > "$work/ingest.log" 2>&1 & pids+=($!)
"$bin/hub-transform" --http-port 0 > "$work/transform.log" 2>&1 & pids+=($!)
"$bin/hub-sink" --http-port 0 > "$work/sink.log" 2>&1 & pids+=($!)
"$bin/hub-archive" --http-port 0 > "$work/archive.log" 2>&1 & pids+=($!)
echo "hub-ingest, hub-transform, hub-sink, hub-archive running (pids ${pids[*]})"

step "producing the sample ($students students, seed $seed)"
"$bin/hubctl" sample produce --students "$students" --seed "$seed" --truth-file "$work/expected.json"

step "waiting for the pipeline to catch up"
"$bin/hubctl" pipeline wait --timeout 600

step "results"
"$bin/hubctl" show --expect "$work/expected.json"
"$bin/hubctl" reconcile

step "the daily DAG: watermark sensor → reconciliation → quality report → snapshot export"
mkdir -p "$work/out"
"$bin/hub-scheduler" --http-port 0 --output-dir "$work/out" > "$work/scheduler.log" 2>&1 & pids+=($!)
triggered="$("$bin/hubctl" dag trigger daily_publication)"
echo "$triggered"
run="$(sed -n 's/.*queued run #\([0-9]*\).*/\1/p' <<<"$triggered")"
for _ in $(seq 240); do
  status="$("$bin/hubctl" dag status daily_publication 2>/dev/null || true)"
  grep -qE "^run #$run .*(success|failed)$" <<<"$status" && break
  sleep 0.5
done
echo "$status"
grep -qE "^run #$run .* success$" <<<"$status" || { echo "the daily DAG did not succeed; see $work/scheduler.log" >&2; exit 1; }
echo "outputs:"; (cd "$work/out" && find . -type f | sort | sed 's/^/  /')

step "data quality: day-level monitors, results per monitor, the province report"
"$bin/hubctl" quality evaluate --from 2026-09-01 --to 2026-09-03
"$bin/hubctl" quality summary --level province --region 330000
# Kept after the demo (the rest of its work directory is removed): demo-output/ in the clone.
"$bin/hubctl" report quality --level province --region 330000 --from 2026-08-01 --to "$(TZ=Asia/Shanghai date +%F)" --out "$PWD/demo-output"

step "education monitoring: the scenarios for September and the autumn term, the province's summary and report"
# The sample's records are dated 1–3 September 2026; the dates are fixed so the demo reads the same any day.
"$bin/hubctl" monitor evaluate --month 2026-09 --as-of 2026-09-30
"$bin/hubctl" monitor evaluate --term 2026-2027-1 --as-of 2026-11-30
"$bin/hubctl" monitor summary --level province --region 330000 --term 2026-2027-1
"$bin/hubctl" report monitoring --level province --region 330000 --term 2026-2027-1 --out "$PWD/demo-output"

step "data services: hub-api (HTTP API and console) with a county client"
county="$(psql -qtA -h 127.0.0.1 -p "$PG_PORT" -U postgres -d eduhub -c \
  "SELECT region_code FROM hub.enrollment_agg WHERE level = 'county' GROUP BY 1 ORDER BY sum(students) DESC, 1 LIMIT 1" 2>/dev/null \
  || runuser -u postgres -- "$PG_BIN/psql" -qtA -h 127.0.0.1 -p "$PG_PORT" -d eduhub -c \
  "SELECT region_code FROM hub.enrollment_agg WHERE level = 'county' GROUP BY 1 ORDER BY sum(students) DESC, 1 LIMIT 1")"
token="$("$bin/hubctl" api client create --name "demo-county-$county" --level county --region "$county" --token-only)"
api_port="${HUB_API_PORT:-9486}"
"$bin/hub-api" --http-port "$api_port" > "$work/api.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$api_port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
echo "console:  http://127.0.0.1:$api_port/console/   (log in with the token below; IPv6: http://[::1]:$api_port/console/)"
echo "API:      http://127.0.0.1:$api_port/openapi.yaml"
echo "county $county client token: $token"
echo "example:  curl -H 'Authorization: Bearer $token' 'http://127.0.0.1:$api_port/v1/enrollment?level=county&region=$county'"
curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$api_port/v1/enrollment?level=county&region=$county&limit=5"
echo
printf '\ndemo finished in %d s\n' "$(( $(date +%s) - started ))"
if ((serve)); then
  echo "hub-api keeps serving; Ctrl-C stops everything"
  wait "${pids[-1]}"
fi

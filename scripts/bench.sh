#!/usr/bin/env bash
# Macro benchmark (issue 8): the whole pipeline, release build, on this machine.
#
#   scripts/bench.sh [--students N] [--instances STAGE=K ...] [--latency-rate R] [--skip-latency]
#                    [--skip-micro] [--kafka-property [STAGE:]K=V ...] [--isolate-sink] [--bin DIR]
#                    [--transform-input ingested|raw]
#    (a --kafka-property with STAGE: applies to that stage's workers only, e.g. ingest:compression.type=none;
#    --transform-input raw, the default, runs the deployment without hub-ingest — Transform decodes
#    the raw topics; --transform-input ingested the three stages ingest → hub.ingested → transform)
#
# 1. Throughput: pre-loads a generated sample (default 1,000,000 students plus teachers and
#    attendance, three dialects, JSON/ndjson/CSV, UTF-8/GBK/GB18030, some zstd, ~10 % updates,
#    ~1 % bad records, 2 % re-sent messages), then starts the workers and measures valid
#    records/s from the first assignment to the last committed state change, CPU-seconds and
#    peak RSS and minor page faults per worker, and whether every aggregate equals the expected result.
# 2. Latency: a fresh pipeline fed for about 30 s at 50 % of the measured throughput (the
#    pipeline's own latency) and at R records/s (default 20,000); p50/p99 of produce → visible
#    in PostgreSQL (current_state.stored_at − source_time).
# 0. Calibration first: a fixed CPU loop and a fixed PostgreSQL COPY, timed. Neither follows
#    this machine's drift (25 % and more within an hour): across 106 stored runs PostgreSQL's CPU
#    per record divided by the COPY's time varied as much as the figure itself. What does follow
#    it is the pipeline's other processes (PostgreSQL's CPU per record correlated with
#    Transform's at 0.91 over 73 runs), so the run also prints PostgreSQL's CPU over
#    Transform's: compare that across hours (docs/throughput.md, eighth pass).
# 3. Micro benchmarks: `hubctl bench` (decode, standardise, HMAC, wire format, and the sink's
#    commit of a batch against this PostgreSQL).
# Prints a table and writes bench-results/<time>.json (and <time>-micro.json). Not part of
# the test suite.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

students=1000000
latency_rate=20000
skip_latency=0
skip_micro=0
isolate_sink=0
bin=""
transform_input=raw
instances=()
kafka_properties=()
declare -A stage_properties
while (($#)); do
  case "$1" in
    --students) students="$2"; shift 2 ;;
    --instances) instances+=("$2"); shift 2 ;;
    --latency-rate) latency_rate="$2"; shift 2 ;;
    --skip-latency) skip_latency=1; shift ;;
    --skip-micro) skip_micro=1; shift ;;
    --isolate-sink) isolate_sink=1; shift ;;
    --bin) bin="$2"; shift 2 ;;
    --transform-input)
      [[ $2 == ingested || $2 == raw ]] || { echo "--transform-input must be ingested or raw, not \"$2\"" >&2; exit 2; }
      transform_input="$2"; shift 2 ;;
    --kafka-property)
      if [[ $2 =~ ^(ingest|transform|sink):(.+)$ ]]; then
        stage_properties[${BASH_REMATCH[1]}]+=",${BASH_REMATCH[2]}"
      else
        kafka_properties+=("$2")
      fi
      shift 2 ;;
    *) echo "usage: scripts/bench.sh [--students N] [--instances STAGE=K] [--latency-rate R] [--skip-latency] [--skip-micro] [--kafka-property [STAGE:]K=V] [--isolate-sink] [--bin DIR] [--transform-input ingested|raw]" >&2; exit 2 ;;
  esac
done
count_for() { local s; for s in "${instances[@]:-}"; do [[ ${s%%=*} == "$1" ]] && { echo "${s#*=}"; return; }; done; echo 1; }

bash scripts/setup.sh
if [[ -z $bin ]]; then
  echo "[bench] release build" >&2
  swift build -c release 2>&1 | grep -E "error|warning: |Build complete" || true
  bin="$(swift build -c release --show-bin-path)"
fi  # --bin DIR: binaries built elsewhere (A/B runs of two builds in one hour)

work="$(mktemp -d /tmp/eduhub-bench.XXXXXX)"; chmod 755 "$work"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]:-}"; do [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]:-}"; do
    [[ -n $pid ]] || continue
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  bash scripts/services.sh stop "$work/services" >/dev/null 2>&1 || true
  # The database of a 1M-student run takes 1–2 GB: keep the logs and results, not the data.
  rm -rf "$work/services/pg/data" "$work/calibration.tsv"
}
trap cleanup EXIT INT TERM
mkdir -p "$work/services" && chmod 755 "$work/services"
# A production-like PostgreSQL for this machine's size (the test clusters keep the defaults),
# with per-statement statistics so the run can say where the database's time went.
export HUB_PG_EXTRA_CONF="shared_buffers = 512MB
max_wal_size = 4GB
checkpoint_timeout = 30min
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all"
bash scripts/services.sh start "$work/services" >/dev/null
source "$work/services/services.env"
pg_pid=$(head -1 "$PG_DATA/postmaster.pid")
export HUB_KAFKA_BROKERS="$KAFKA_BOOTSTRAP" HUB_TOPOLOGY_DIR="$PWD/Topologies" HUB_HTTP_PORT=0
export HUB_KAFKA_PROPERTIES="session.timeout.ms=6000,heartbeat.interval.ms=500"
for property in "${kafka_properties[@]:-}"; do [[ -n $property ]] && HUB_KAFKA_PROPERTIES+=",$property"; done
export HUB_PERSON_CODE_KEY="benchmark-person-code-secret-0123"
export HUB_TRANSFORM_INPUT="$transform_input"
# The stages that run: without hub-ingest when Transform reads the raw topics, whose group then
# commits the raw offsets (what `pipeline wait` checks as the first stage).
if [[ $transform_input == raw ]]; then stages=(transform sink); first_group=transform; else stages=(ingest transform sink); first_group=ingest; fi
clk=$(getconf CLK_TCK)

# Starts a pipeline on topic prefix $1 and database $2: the stages $3… (default all three);
# PIDs in stage_pids.
start_pipeline() {
  local prefix=$1 database=$2; shift 2
  export HUB_TOPIC_PREFIX="$prefix" HUB_DATABASE="host=127.0.0.1 port=$PG_PORT user=postgres dbname=$database"
  psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "CREATE DATABASE $database" >/dev/null
  "$bin/hubctl" topics create --partitions 4 >/dev/null
  "$bin/hubctl" db migrate >/dev/null
  stage_pids=()
  if (($#)); then start_stages "$prefix" "$@"; else start_stages "$prefix" "${stages[@]}"; fi
}
# Starts --instances of each stage $2… on topic prefix $1 (its variables already exported).
start_stages() {
  local prefix=$1 stage k; shift
  for stage in "$@"; do
    for k in $(seq "$(count_for "$stage")"); do
      HUB_GROUP="${prefix}hub-$stage" HUB_KAFKA_PROPERTIES="$HUB_KAFKA_PROPERTIES${stage_properties[$stage]:-}" \
        "$bin/hub-$stage" > "$work/$prefix$stage-$k.log" 2>&1 &
      pids+=($!); stage_pids+=("$stage:$!")
    done
  done
}
wait_caught_up() {
  "$bin/hubctl" pipeline wait --timeout 3600 --ingest-group "${1}hub-$first_group" --transform-group "${1}hub-transform" \
    --sink-group "${1}hub-sink" >/dev/null
}
# PostgreSQL: the postmaster's reaped children plus every live backend; the broker: its process.
service_cpu() { python3 - "$1" "$clk" <<'PY'
import os, sys
root, clk = int(sys.argv[1]), int(sys.argv[2])
def stat(p):
    with open(f"/proc/{p}/stat") as f: return f.read().rsplit(")", 1)[1].split()
total = 0
for p in os.listdir("/proc"):
    if not p.isdigit(): continue
    try: st = stat(p)
    except OSError: continue
    if int(p) == root: total += sum(int(x) for x in st[11:15])
    elif int(st[1]) == root: total += int(st[11]) + int(st[12])
print(round(total / clk, 1))
PY
}
# CPU seconds a service (PID) has used since it had used $2.
cpu_since() { python3 -c "print(round($(service_cpu "$1") - $2, 1))"; }
# Per-second CPU of each stage, PostgreSQL (postmaster and backends) and the broker, as % of
# one core, until killed: shows whether a run was CPU-bound and which process waited.
cpu_timeline() { exec python3 - "$clk" "$@" <<'PY'
import os, sys, time
clk, groups = int(sys.argv[1]), {}
for arg in sys.argv[2:]:
    name, pid = arg.split(":"); groups.setdefault(name, []).append(int(pid))
names = list(dict.fromkeys(["ingest", "transform", "sink", "postgres", "broker"] + list(groups)))
def ticks():
    out = {}
    for p in os.listdir("/proc"):
        if not p.isdigit(): continue
        try:
            st = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
        except OSError: continue
        for name, roots in groups.items():
            if int(p) in roots or (name == "postgres" and int(st[1]) in roots):
                out[int(p)] = (name, int(st[11]) + int(st[12]))
    return out
def steal():  # time the hypervisor gave this machine's CPUs to others
    with open("/proc/stat") as f: return int(f.readline().split()[8])
prev, prev_steal, t0 = ticks(), steal(), time.time()
print("s     " + " ".join(f"{n:>9}" for n in names) + "      total    steal", flush=True)
while True:
    time.sleep(1)
    cur, used, stolen = ticks(), {}, steal()
    for p, (name, t) in cur.items():
        used[name] = used.get(name, 0) + t - prev.get(p, (name, t))[1]
    prev = cur
    pct = [100 * used.get(n, 0) / clk for n in names]
    print(f"{time.time() - t0:5.0f} " + " ".join(f"{x:8.0f}%" for x in pct) + f" {sum(pct):9.0f}%"
          + f" {100 * (stolen - prev_steal) / clk:7.0f}%", flush=True)
    prev_steal = stolen
PY
}
pg() { psql -qtA -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$1" -c "$2"; }

# Calibration: the same CPU-bound work and the same COPY every run.
echo "[bench] calibration" >&2
calib_cpu=$(python3 -c '
import hashlib, time
t = time.process_time(); b = bytes(1 << 20)
for _ in range(400): hashlib.sha256(b).digest()
print(round(time.process_time() - t, 3))')
pg postgres "DROP TABLE IF EXISTS calibration; CREATE TABLE calibration (a bigint, b text, c int, d date)" >/dev/null
python3 -c '
import sys
w = sys.stdout.write
for i in range(500000): w(f"{i}\tschool-{i % 2000:05d}\t{i % 97}\t2026-09-{1 + i % 28:02d}\n")' > "$work/calibration.tsv"
calib_start=$(date +%s.%N)
psql -qtA -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "\\copy calibration FROM '$work/calibration.tsv'" >/dev/null
calib_pg=$(python3 -c "print(round($(date +%s.%N) - $calib_start, 3))")
echo "[bench] calibration: CPU loop ${calib_cpu} s, PostgreSQL COPY of 500k rows ${calib_pg} s" >&2

echo "[bench] pre-loading $students students (+ teachers, attendance)" >&2
export HUB_TOPIC_PREFIX="tp." HUB_DATABASE="host=127.0.0.1 port=$PG_PORT user=postgres dbname=postgres"
"$bin/hubctl" topics create --partitions 4 >/dev/null
load_start=$(date +%s.%N)
produced="$("$bin/hubctl" sample produce --students "$students" --seed 1 --truth-file "$work/truth.json")"
load_end=$(date +%s.%N)
valid=$(sed -n 's/.*(\([0-9]*\) valid).*/\1/p' <<<"$produced")
echo "[bench] $produced" >&2

measured=${stages[0]}
if ((isolate_sink)); then
  # The sink alone: ingest and transform fill the standard-zone topics first, then the sink
  # instances start on the whole sample (how a sink scales: --instances sink=2).
  echo "[bench] filling the standard-zone topics (${stages[*]:0:${#stages[@]}-1} only)" >&2
  start_pipeline "tp." bench_throughput "${stages[@]:0:${#stages[@]}-1}"
  groups=(--ingest-group "tp.hub-$first_group" --transform-group tp.hub-transform --sink-group tp.hub-sink)
  until [[ $("$bin/hubctl" pipeline lag "${groups[@]}" 2>/dev/null) =~ ^ingest\ 0\ +transform\ 0\ +sink\ [1-9] ]]; do sleep 1; done
  measured=sink
fi
echo "[bench] running the workers" >&2
broker_cpu_before=$(service_cpu "$BROKER_PID")
pg_cpu_before=$(service_cpu "$pg_pid")
wal_before=$(pg postgres "SELECT wal_records, wal_fpi, wal_bytes FROM pg_stat_wal")
if ((isolate_sink)); then start_stages "tp." sink; else start_pipeline "tp." bench_throughput; fi
cpu_timeline "${stage_pids[@]}" "postgres:$pg_pid" "broker:$BROKER_PID" > "$work/cpu-timeline.txt" &
timeline_pid=$!; pids+=("$timeline_pid")
wait_caught_up "tp."
kill "$timeline_pid" 2>/dev/null || true
# PostgreSQL's and the broker's CPU before the benchmark's own queries: the one below scans
# the whole state (in parallel workers), about 0.4 µs per record that no worker caused.
pg_cpu=$(cpu_since "$pg_pid" "$pg_cpu_before")
broker_cpu=$(cpu_since "$BROKER_PID" "$broker_cpu_before")
# The WAL the run wrote (records, full-page images, bytes): what each row and index entry costs
# in log volume, and whether checkpoints during the run forced page images.
IFS='|' read -r records_before fpi_before bytes_before <<<"$wal_before"
IFS='|' read -r wal_records wal_fpi wal_mib < <(pg postgres "SELECT wal_records - $records_before, wal_fpi - $fpi_before,
  round((wal_bytes - $bytes_before) / 1048576) FROM pg_stat_wal")
# No `head` in these pipelines: under pipefail, head leaving before sort has written everything
# kills sort with SIGPIPE and ends the script without a word (it did, once, after a whole run).
first=$(grep -h "partitions assigned" "$work"/tp.$measured-*.log | sort | awk 'NR == 1 {print $1}')
last=$(pg bench_throughput "SELECT to_char(greatest((SELECT max(stored_at) FROM hub.current_state), (SELECT max(quarantined_at) FROM hub.quarantine)) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')")
elapsed=$(python3 -c "import datetime as d;f=lambda s:d.datetime.fromisoformat(s.replace('Z','+00:00'));print(round((f('$last')-f('$first')).total_seconds(),3))")
declare -A cpu=([ingest]=0 [transform]=0 [sink]=0) rss=([ingest]=0 [transform]=0 [sink]=0) faults=([ingest]=0 [transform]=0 [sink]=0)
for entry in "${stage_pids[@]}"; do
  stage=${entry%%:*}; pid=${entry#*:}
  read -r minflt ut st < <(awk '{print $10, $14, $15}' "/proc/$pid/stat")
  faults[$stage]=$(( ${faults[$stage]:-0} + minflt ))
  cpu[$stage]=$(python3 -c "print(round(${cpu[$stage]:-0} + ($ut + $st) / $clk, 1))")
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  rss[$stage]=$(( ${rss[$stage]:-0} > hwm / 1024 ? ${rss[$stage]:-0} : hwm / 1024 ))
done
exact=false
if HUB_TOPIC_PREFIX="tp." HUB_DATABASE="host=127.0.0.1 port=$PG_PORT user=postgres dbname=bench_throughput" \
   "$bin/hubctl" show --expect "$work/truth.json" > "$work/show.txt" 2>&1; then exact=true; fi
throughput=$(python3 -c "print(round($valid / $elapsed))")
# Where PostgreSQL's time went: the statements with the most total execution time.
pg bench_throughput "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null 2>&1 || true
pg bench_throughput "SELECT round(total_exec_time::numeric / 1000, 1) AS s, calls, rows,
    regexp_replace(left(query, 110), '\s+', ' ', 'g')
  FROM pg_stat_statements JOIN pg_database d ON d.oid = dbid WHERE d.datname = 'bench_throughput'
  ORDER BY total_exec_time DESC LIMIT 15" > "$work/pg-statements.txt" 2>/dev/null || true
for entry in "${stage_pids[@]}"; do kill -TERM "${entry#*:}" 2>/dev/null || true; done
sleep 2
# Where each stage's polling thread waited (logged when it stops; the input wait includes the
# time before the first and after the last batch).
grep -h " stopped " "$work"/tp.*.log | sed -e 's/^[^ ]* [A-Z]* //' > "$work/waits.txt" || true
# The maintenance the run leaves behind (replaced versions, the visibility map, statistics),
# which autovacuum would spend later: VACUUM and ANALYZE of the database now, apart, since they
# scale differently (vacuum visits every page the run wrote, analyze reads a fixed sample per
# table each time autovacuum decides to). Their VERBOSE reports go to $work.
vacuum_before=$(service_cpu "$pg_pid")
pg bench_throughput "VACUUM (VERBOSE)" > /dev/null 2> "$work/vacuum.txt"
pg_vacuum_only_cpu=$(cpu_since "$pg_pid" "$vacuum_before")
analyze_before=$(service_cpu "$pg_pid")
pg bench_throughput "ANALYZE (VERBOSE)" > /dev/null 2> "$work/analyze.txt"
pg_analyze_cpu=$(cpu_since "$pg_pid" "$analyze_before")
pg_vacuum_cpu=$(python3 -c "print(round($pg_vacuum_only_cpu + $pg_analyze_cpu, 1))")
# At a sustained rate autovacuum analyzes a busy table at most once per naptime (it checks each
# database once per naptime), and each time reads a fixed sample; vacuum's work grows with the
# pages written. So in steady state a run of T seconds causes its whole vacuum but only
# min(1, T / naptime) of an analyze: PostgreSQL "everything included" is the run's CPU plus that.
naptime=$(pg postgres "SELECT setting::int FROM pg_settings WHERE name = 'autovacuum_naptime'")
pg_analyze_amortised_cpu=$(python3 -c "print(round($pg_analyze_cpu * min(1.0, $elapsed / $naptime), 2))")
pg_total_cpu=$(python3 -c "print(round($pg_cpu + $pg_vacuum_only_cpu + $pg_analyze_amortised_cpu, 2))")
# VACUUM VERBOSE reports each table's CPU: the costliest tables, for the summary.
vacuum_tables=$(awk '/^INFO:  vacuuming "/ {t=$3} /CPU: user:/ {gsub(/,/, ""); print $5 + $8, t}' "$work/vacuum.txt" \
  | sort -rn | awk 'NR <= 2 {printf "%s%s %.2f s", (NR > 1 ? ", " : ""), $2, $1}')

# Latency: produce → visible, at 50 % of the measured throughput and at the fixed rate.
latency_at() {  # prefix database rate → "p50 p99"
  start_pipeline "$1" "$2"
  sleep 5
  local n=$(( $3 * 30 * 85 / 100 ))
  HUB_TOPIC_PREFIX="$1" "$bin/hubctl" sample produce --students "$n" --seed 2 --rate "$3" >/dev/null
  wait_caught_up "$1"
  pg "$2" "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric), round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric) FROM (SELECT extract(epoch FROM stored_at - source_time) * 1000 AS ms FROM hub.current_state WHERE source_time IS NOT NULL) t" | tr '|' ' '
  local entry
  for entry in "${stage_pids[@]}"; do kill -TERM "${entry#*:}" 2>/dev/null || true; done
  sleep 2
}
p50=null; p99=null; half_rate=$(( throughput / 2 )); half_p50=null; half_p99=null
if ((skip_latency == 0)); then
  echo "[bench] latency at 50 % of the measured throughput ($half_rate records/s)" >&2
  read -r half_p50 half_p99 < <(latency_at "th." bench_latency_half "$half_rate")
  echo "[bench] latency at $latency_rate records/s" >&2
  read -r p50 p99 < <(latency_at "tl." bench_latency "$latency_rate")
fi

mkdir -p bench-results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="bench-results/$stamp.json"
if ((skip_micro == 0)); then
  echo "[bench] micro benchmarks (hot paths, single-threaded; sink commit against this PostgreSQL)" >&2
  "$bin/hubctl" bench --records 100000 --sink-database "host=127.0.0.1 port=$PG_PORT user=postgres dbname=postgres" \
    --json "bench-results/$stamp-micro.json" > "$work/micro.txt"
fi
us() { python3 -c "print(round($1 * 1e6 / $valid, 1))"; }
per_k() { python3 -c "print(round($1 * 1000 / $valid, 1))"; }
pg_per_transform=$(python3 -c "t = ${cpu[transform]}; print(round($pg_cpu / t, 3) if t > 0 else 'null')")
cat > "$out" <<JSON
{"students": $students, "valid_records": $valid, "preload_seconds": $(python3 -c "print(round($load_end - $load_start, 1))"),
 "elapsed_seconds": $elapsed, "throughput_records_per_second": $throughput, "exact": $exact,
 "isolated": $( ((isolate_sink)) && echo '"sink"' || echo null ), "transform_input": "$transform_input",
 "instances": {"ingest": $( [[ $transform_input == raw ]] && echo 0 || count_for ingest ), "transform": $(count_for transform), "sink": $(count_for sink)},
 "cpu_seconds": {"ingest": ${cpu[ingest]}, "transform": ${cpu[transform]}, "sink": ${cpu[sink]},
                 "postgres": $pg_cpu, "broker": $broker_cpu, "postgres_vacuum_after": $pg_vacuum_cpu,
                 "postgres_vacuum_only": $pg_vacuum_only_cpu, "postgres_analyze": $pg_analyze_cpu,
                 "postgres_analyze_amortised": $pg_analyze_amortised_cpu, "postgres_everything_included": $pg_total_cpu},
 "wal": {"records": $wal_records, "full_page_images": $wal_fpi, "mib": $wal_mib},
 "peak_rss_mib": {"ingest": ${rss[ingest]}, "transform": ${rss[transform]}, "sink": ${rss[sink]}},
 "minor_faults_per_1k_valid_records": {"ingest": $(per_k ${faults[ingest]}), "transform": $(per_k ${faults[transform]}),
                                       "sink": $(per_k ${faults[sink]})},
 "cpu_us_per_valid_record": {"ingest": $(us ${cpu[ingest]}), "transform": $(us ${cpu[transform]}), "sink": $(us ${cpu[sink]}),
                             "postgres": $(us $pg_cpu), "broker": $(us $broker_cpu),
                             "postgres_vacuum_after": $(us $pg_vacuum_cpu),
                             "postgres_everything_included": $(us $pg_total_cpu)},
 "calibration": {"cpu_loop_seconds": $calib_cpu, "postgres_copy_500k_seconds": $calib_pg},
 "postgres_per_transform_cpu": $pg_per_transform,
 "latency_half_rate": $half_rate, "latency_half_p50_ms": $half_p50, "latency_half_p99_ms": $half_p99,
 "latency_rate": $latency_rate, "latency_p50_ms": $p50, "latency_p99_ms": $p99}
JSON
printf '\n%-34s %s\n' "metric" "value"
printf '%-34s %s\n' "stages measured" "$( ((isolate_sink)) && echo "the sink alone ($(count_for sink) instances; ${stages[*]:0:${#stages[@]}-1} ran first)" || echo "the whole pipeline: ${stages[*]}" )"
printf '%-34s %s\n' "valid records" "$valid" "elapsed (first consume → last commit)" "$elapsed s" \
  "throughput" "$throughput records/s" "exact aggregates" "$exact" \
  "CPU s ingest / transform / sink" "${cpu[ingest]} / ${cpu[transform]} / ${cpu[sink]}" \
  "CPU s postgres / broker" "$pg_cpu / $broker_cpu" \
  "CPU µs/record ingest/transform/sink" "$(us ${cpu[ingest]}) / $(us ${cpu[transform]}) / $(us ${cpu[sink]})" \
  "CPU µs/record postgres / broker" "$(us $pg_cpu) / $(us $broker_cpu)" \
  "CPU µs/record PG VACUUM after run" "$(us $pg_vacuum_cpu) (vacuum $(us $pg_vacuum_only_cpu), analyze $(us $pg_analyze_cpu))" \
  "CPU µs/record PG everything incl." "$(us $pg_total_cpu) (run + vacuum + analyze at one per ${naptime} s: $(us $pg_analyze_amortised_cpu))" \
  "VACUUM CPU, costliest tables" "$vacuum_tables" \
  "WAL records / page images / MiB" "$wal_records / $wal_fpi / $wal_mib" \
  "calibration CPU loop / PG COPY 500k" "$calib_cpu / $calib_pg s" \
  "PG CPU / transform CPU (across hours)" "$pg_per_transform" \
  "latency p50 / p99 at $half_rate rec/s (50 %)" "$half_p50 / $half_p99 ms" \
  "peak RSS MiB ingest / transform / sink" "${rss[ingest]} / ${rss[transform]} / ${rss[sink]}" \
  "page faults / 1k records i / t / s" "$(per_k ${faults[ingest]}) / $(per_k ${faults[transform]}) / $(per_k ${faults[sink]})" \
  "latency p50 / p99 at $latency_rate rec/s" "$p50 / $p99 ms"
echo; echo "CPU per second, % of one core (the throughput run):"; cat "$work/cpu-timeline.txt"
echo; echo "Where each stage's polling thread waited (s):"; cat "$work/waits.txt"
if [[ -s $work/micro.txt ]]; then
  echo; echo "Micro benchmarks (bench-results/$stamp-micro.json):"; cat "$work/micro.txt"
fi
if [[ -s $work/pg-statements.txt ]]; then
  echo; echo "PostgreSQL statements by total time (s | calls | rows | statement):"; cat "$work/pg-statements.txt"
fi
echo "results: $out"
[[ $exact == true ]] || { echo "aggregates were NOT exact:"; tail -20 "$work/show.txt"; exit 1; }

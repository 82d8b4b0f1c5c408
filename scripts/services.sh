#!/usr/bin/env bash
# The local services for development and tests: a tansu Kafka broker and a throwaway
# PostgreSQL 15 cluster, each on a free port chosen at run time, started and stopped by PID.
#
#   scripts/services.sh start DIR                      start both, write DIR/services.env
#   scripts/services.sh stop DIR                       stop both (idempotent, quiet)
#   scripts/services.sh create-topic DIR NAME PARTS    create a topic on DIR's broker
#
# DIR must be reachable by the `postgres` OS user when run as root (PostgreSQL refuses to
# run as root), so use a directory under /tmp, not the clone (CI may clone under /root).
# With HUB_SERVICES_OWNER_PID set, `start` also leaves a watchdog that stops the services
# once that process is gone (a test process that crashed before its exit handler ran).
# The cluster runs with fsync=off: a crashed *process* loses nothing (synchronous_commit
# stays on, so committed WAL is in the OS page cache), only an OS crash could; fine for a
# cluster that is thrown away after the run. HUB_PG_EXTRA_CONF, if set, is appended to
# postgresql.conf (e.g. the benchmark's shared_buffers and pg_stat_statements).
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/env.sh
source "$script_dir/env.sh"

die() { printf 'services.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
  die "usage: services.sh start DIR | stop DIR | pg-stop DIR | pg-start DIR | create-topic DIR NAME PARTITIONS"
}

# Runs a PostgreSQL binary as the postgres OS user when we are root, else as ourselves.
as_pg_user() {
  if [[ $EUID -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Asks the kernel for a free TCP port on 127.0.0.1 (never 9092 or 5432).
free_port() {
  local port
  while :; do
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')" \
      || die "python3 could not find a free port"
    [[ $port != 9092 && $port != 5432 ]] && { echo "$port"; return; }
  done
}

# Closes every descriptor above 2 in the current (sub)shell. The long-lived processes we
# start must not keep the caller's descriptors open: Foundation's Process, for one, waits
# for its socket to reach EOF, so an inherited copy would make it wait for the services.
close_inherited_fds() {
  local fd
  for fd in $(ls "/proc/$BASHPID/fd"); do
    if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
}

tcp_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# True while PID runs. A zombie counts as gone: in a container whose init does not reap,
# a stopped daemon can linger as one.
alive() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  state="$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)"
  [[ $state != Z ]]
}

# True when PID is alive and its command line contains WORD (guards against reused PIDs).
pid_is() {
  local pid="$1" word="$2"
  [[ -n $pid ]] && alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$word"
}

wait_gone() {
  local pid="$1" tries="$2"
  while ((tries-- > 0)); do
    alive "$pid" || return 0
    sleep 0.05
  done
  return 1
}

start_broker() {
  local dir="$1" attempt port pid
  [[ -x $TANSU_BIN ]] || die "tansu not found at $TANSU_BIN (run scripts/setup.sh)"
  for attempt in 1 2 3; do
    port="$(free_port)"
    (
      close_inherited_fds
      NO_COLOR=1 exec "$TANSU_BIN" broker --listener-url "tcp://127.0.0.1:$port" \
        --advertised-listener-url "tcp://127.0.0.1:$port"
    ) </dev/null >"$dir/broker.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/broker.pid"
    BROKER_PORT="$port"
    BROKER_PID="$pid"
    # Another process may grab the port between choosing and binding; then tansu exits.
    sleep 0.2
    kill -0 "$pid" 2>/dev/null && return 0
    wait "$pid" 2>/dev/null || true
  done
  die "tansu broker did not start (see $dir/broker.log)"
}

wait_broker() {
  local dir="$1" tries=300
  while ((tries-- > 0)); do
    kill -0 "$BROKER_PID" 2>/dev/null || die "tansu broker exited during startup (see $dir/broker.log)"
    tcp_open "$BROKER_PORT" && return 0
    sleep 0.1
  done
  die "tansu broker did not accept connections on 127.0.0.1:$BROKER_PORT within 30 s (see $dir/broker.log)"
}

start_postgres() {
  local dir="$1" pg="$1/pg" attempt
  [[ -x $PG_BIN/initdb ]] || die "PostgreSQL binaries not found in $PG_BIN (run scripts/setup.sh)"
  mkdir -p "$pg"
  if [[ $EUID -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "no 'postgres' OS user (run scripts/setup.sh)"
    chown postgres: "$pg"
    runuser -u postgres -- test -w "$pg" 2>/dev/null \
      || die "$dir is not reachable by the postgres user; use a directory under /tmp"
  fi
  PG_DATA="$pg/data"
  as_pg_user "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth=trust --no-sync >"$pg/initdb.log" 2>&1 \
    || die "initdb failed (see $pg/initdb.log)"
  # A throwaway cluster: trust on loopback and the socket, nothing else.
  as_pg_user tee "$PG_DATA/pg_hba.conf" >/dev/null <<'EOF'
local all all trust
host  all all 127.0.0.1/32 trust
EOF
  for attempt in 1 2 3; do
    PG_PORT="$(free_port)"
    as_pg_user tee -a "$PG_DATA/postgresql.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$pg'
max_connections = 200
fsync = off
${HUB_PG_EXTRA_CONF:-}
EOF
    if (close_inherited_fds; as_pg_user "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$pg/postgres.log" -w -t 60 start) </dev/null >/dev/null 2>&1; then
      return 0
    fi
  done
  die "PostgreSQL did not start (see $pg/postgres.log)"
}

wait_postgres() {
  local tries=300
  while ((tries-- > 0)); do
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres && return 0
    sleep 0.1
  done
  die "PostgreSQL did not accept connections on 127.0.0.1:$PG_PORT within 30 s"
}

cmd_start() {
  local dir="$1"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  [[ ! -f $dir/services.env ]] || die "services already started in $dir (run: services.sh stop $dir)"
  # mktemp -d makes mode 700 directories; the postgres user must traverse this one.
  chmod 755 "$dir"
  # On any failure below, stop whatever did start.
  trap 'status=$?; ((status == 0)) || cmd_stop "$dir"; exit $status' EXIT
  start_broker "$dir"
  start_postgres "$dir"
  wait_broker "$dir"
  wait_postgres
  cat >"$dir/services.env.tmp" <<EOF
KAFKA_BOOTSTRAP=127.0.0.1:$BROKER_PORT
BROKER_PID=$BROKER_PID
BROKER_LOG=$dir/broker.log
PG_PORT=$PG_PORT
PG_CONNINFO='host=127.0.0.1 port=$PG_PORT user=postgres dbname=postgres'
PG_DATA=$PG_DATA
PG_LOG=$dir/pg/postgres.log
EOF
  mv "$dir/services.env.tmp" "$dir/services.env"
  trap - EXIT
  if [[ -n ${HUB_SERVICES_OWNER_PID:-} ]]; then
    start_watchdog "$dir" "$HUB_SERVICES_OWNER_PID"
  fi
}

start_watchdog() {
  local dir="$1" owner="$2"
  (
    close_inherited_fds
    while kill -0 "$owner" 2>/dev/null && [[ -f $dir/services.env ]]; do sleep 1; done
    "$script_dir/services.sh" stop "$dir"
  ) </dev/null >"$dir/watchdog.log" 2>&1 &
  echo $! >"$dir/watchdog.pid"
}

stop_watchdog() {
  local dir="$1" pid=""
  [[ -f $dir/watchdog.pid ]] && pid="$(<"$dir/watchdog.pid")"
  # When the watchdog itself runs this stop, it is this process (bash execs a subshell's
  # last command) or its parent: leave it to finish.
  if [[ -n $pid && $pid != "$$" && $pid != "$PPID" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/watchdog.pid"
}

stop_broker() {
  local dir="$1" pid=""
  [[ -f $dir/broker.pid ]] && pid="$(<"$dir/broker.pid")"
  if pid_is "$pid" tansu; then
    kill -TERM "$pid" 2>/dev/null || true
    wait_gone "$pid" 100 || { kill -KILL "$pid" 2>/dev/null || true; wait_gone "$pid" 100 || true; }
  fi
  rm -f "$dir/broker.pid"
}

stop_postgres() {
  local data="$1/pg/data" pid=""
  [[ -f $data/postmaster.pid ]] || return 0
  pid="$(head -1 "$data/postmaster.pid")"
  pid_is "$pid" postgres || return 0
  as_pg_user "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1 && return 0
  kill -KILL "$pid" 2>/dev/null || true
  wait_gone "$pid" 100 || true
}

cmd_stop() {
  local dir="$1"
  [[ -d $dir ]] || return 0
  stop_watchdog "$dir"
  # Both take a second or two; stop them side by side.
  stop_broker "$dir" &
  local broker_stopper=$!
  stop_postgres "$dir"
  wait "$broker_stopper" || true
  rm -f "$dir/services.env"
}

cmd_create_topic() {
  local dir="$1" name="$2" partitions="$3" out
  [[ -f $dir/services.env ]] || die "no services running in $dir (run: services.sh start $dir)"
  [[ $partitions =~ ^[1-9][0-9]*$ ]] || die "partitions must be a positive integer, got '$partitions'"
  local KAFKA_BOOTSTRAP
  KAFKA_BOOTSTRAP="$(sed -n 's/^KAFKA_BOOTSTRAP=//p' "$dir/services.env")"
  if ! out="$(NO_COLOR=1 "$TANSU_BIN" topic create "$name" --partitions "$partitions" --broker "tcp://$KAFKA_BOOTSTRAP" 2>&1)"; then
    die "could not create topic '$name' on $KAFKA_BOOTSTRAP: $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-300)"
  fi
}

# Stops only PostgreSQL (fault tests); `pg-start` brings the same cluster back on its port.
cmd_pg_stop() { stop_postgres "$1"; }

cmd_pg_start() {
  local dir="$1" pg="$1/pg"
  PG_DATA="$pg/data"
  PG_PORT="$(sed -n 's/^PG_PORT=//p' "$dir/services.env")"
  (close_inherited_fds; as_pg_user "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$pg/postgres.log" -w -t 60 start) </dev/null >/dev/null 2>&1 \
    || die "PostgreSQL did not restart (see $pg/postgres.log)"
  wait_postgres
}

case "${1:-}" in
  start) [[ $# -eq 2 ]] || usage; cmd_start "$2" ;;
  pg-stop) [[ $# -eq 2 ]] || usage; cmd_pg_stop "$2" ;;
  pg-start) [[ $# -eq 2 ]] || usage; cmd_pg_start "$2" ;;
  stop) [[ $# -eq 2 ]] || usage; cmd_stop "$2" ;;
  create-topic) [[ $# -eq 4 ]] || usage; cmd_create_topic "$2" "$3" "$4" ;;
  *) usage ;;
esac

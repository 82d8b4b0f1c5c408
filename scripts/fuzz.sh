#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/Targets, declared in Package.swift only when HUB_FUZZ=1)
# in their own scratch path, .build-fuzz, and runs each for a fixed number of executions from
# the seed corpus in Fuzz/corpus/<target>/.
#   scripts/fuzz.sh [--runs N] [--time SECONDS] [--target NAME]... [--out DIR] [--build-only] [-- libFuzzer flags]
#     --runs N        executions per target (default 100000); --time S stops a target after S seconds
#     --target NAME   json, ndjson, csv, charset, zstd, message, standardize, wire, registry (default: all; repeatable)
#     --out DIR       crash files and the growing working corpus (default /tmp/eduhub-fuzz, outside git)
# Exits non-zero when any target crashed, hung (>10 s on one input), ran out of memory, or one
# of its oracles failed; the crash file's path and the command that replays it are printed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

all_targets=(json ndjson csv charset zstd message standardize wire registry)
runs=100000
max_time=0
out="${HUB_FUZZ_OUT:-/tmp/eduhub-fuzz}"
build_only=0
targets=()
extra=()
while (($#)); do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --time) max_time="$2"; shift 2 ;;
    --target) targets+=("$2"); shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --build-only) build_only=1; shift ;;
    --) shift; extra=("$@"); break ;;
    *) echo "fuzz.sh: unknown argument $1 (see the header of scripts/fuzz.sh)" >&2; exit 2 ;;
  esac
done
((${#targets[@]})) || targets=("${all_targets[@]}")

product() {
  case "$1" in
    json) echo FuzzJSON ;; ndjson) echo FuzzNDJSON ;; csv) echo FuzzCSV ;; charset) echo FuzzCharset ;;
    zstd) echo FuzzZstd ;; message) echo FuzzMessage ;; standardize) echo FuzzStandardize ;; wire) echo FuzzWire ;;
    registry) echo FuzzRegistry ;;
    *) echo "fuzz.sh: unknown target $1 (one of: ${all_targets[*]})" >&2; exit 2 ;;
  esac
}

# libFuzzer without its main(): SwiftPM gives every executable its own entry point.
swiftc_dir="$(dirname "$(readlink -f "$(command -v swiftc)")")"
HUB_FUZZ_NO_MAIN="$(find "$swiftc_dir/../lib/clang" -name "libclang_rt.fuzzer_no_main-$(uname -m).a" | head -1)"
[[ -n "$HUB_FUZZ_NO_MAIN" ]] || { echo "fuzz.sh: libclang_rt.fuzzer_no_main not found in the Swift toolchain" >&2; exit 2; }
export HUB_FUZZ=1 HUB_FUZZ_NO_MAIN

for target in "${targets[@]}"; do
  name="$(product "$target")"
  echo "[fuzz] building $name" >&2
  mkdir -p "$out"
  if ! swift build -c release --scratch-path .build-fuzz --product "$name" >"$out/build.log" 2>&1; then
    # ld.gold warns about every ASan-internal local symbol; those lines are noise.
    grep -v "Cannot export local symbol" "$out/build.log" | tail -30 >&2
    echo "fuzz.sh: building $name failed" >&2
    exit 2
  fi
done
((build_only)) && exit 0

# The fuzz process prints its own report on a crash; Swift's backtracer would only add noise
# (and trips ASan on its own stack reads). Leaks inside the Swift runtime's regex parser are
# not ours (one per compiled pattern, at start).
export SWIFT_BACKTRACE=enable=no
export LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan-suppressions.txt${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export HUB_TOPOLOGY_DIR="$PWD/Topologies"

failed=()
for target in "${targets[@]}"; do
  name="$(product "$target")"
  dir="$out/$target"
  mkdir -p "$dir/corpus"
  flags=(-runs="$runs" -max_len=16384 -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024
         -print_final_stats=1 -artifact_prefix="$dir/")
  ((max_time > 0)) && flags+=(-max_total_time="$max_time")
  [[ -f "Fuzz/dictionaries/$target.dict" ]] && flags+=(-dict="Fuzz/dictionaries/$target.dict")
  echo "[fuzz] $target: ${flags[*]} ${extra[*]:-}" >&2
  started=$SECONDS
  status=0
  # New interesting inputs go to the working corpus under $out; the seeds in git stay as they are.
  ".build-fuzz/release/$name" "${flags[@]}" "${extra[@]}" "$dir/corpus" "Fuzz/corpus/$target" >"$dir/log.txt" 2>&1 || status=$?
  runs_done="$(grep -oE '^stat::number_of_executed_units: [0-9]+' "$dir/log.txt" | grep -oE '[0-9]+$' || echo '?')"
  echo "[fuzz] $target: exit $status, $runs_done executions in $((SECONDS - started)) s (log $dir/log.txt)" >&2
  if ((status != 0)); then
    failed+=("$target")
    grep -E "^==[0-9]+==ERROR|fuzz oracle|Fatal error|SUMMARY" "$dir/log.txt" | head -5 >&2 || true
    for crash in $(grep -oE "Test unit written to [^ ]+" "$dir/log.txt" | awk '{print $5}'); do
      echo "[fuzz]   crash file $crash — replay: HUB_FUZZ=1 .build-fuzz/release/$name $crash" >&2
    done
  fi
done

if ((${#failed[@]})); then
  echo "[fuzz] FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "[fuzz] all ${#targets[@]} targets passed" >&2

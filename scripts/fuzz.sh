#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang-14 (ASan + UBSan) in
# build-fuzz/ and runs each for SECONDS (default 60), one at a time, niced:
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Each target starts from its seeds (fuzz/corpus/TARGET) and from what earlier
# runs found (build-fuzz/corpus/TARGET, kept between runs). A crash stops
# that target and leaves its input in build-fuzz/crashes/TARGET/; copy it into
# fuzz/corpus/TARGET once fixed, so the normal build replays it (ctest
# fuzz_replay_TARGET). Prints executions and crashes per target; exits 1 if
# any target crashed. See fuzz/README.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=${1:-60}
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
  echo "fuzz.sh: SECONDS must be a positive whole number, got '$seconds'; usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2
  exit 2
fi
shift $(( $# > 0 ? 1 : 0 ))

scripts/deps.sh --fuzz
# The checkpoint reader's target links the gcc-built engine (fuzz/README.md).
scripts/build.sh cairn_engine

build=build-fuzz
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCAIRN_FUZZ=ON -DCAIRN_BUILD_TESTS=OFF -DCAIRN_BUILD_BENCH=OFF
fi
mapfile -t all_targets < "$build/fuzz_targets.txt"
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  if ! printf '%s\n' "${all_targets[@]}" | grep -qx -- "$t"; then
    echo "fuzz.sh: no fuzz target '$t'; the targets are: ${all_targets[*]}" >&2
    exit 2
  fi
done
nice cmake --build "$build" --target "${targets[@]/#/fuzz_}"

# The inputs the targets write go to memory where the machine has it.
tmp=$(mktemp -d "$( [ -w /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}" )/cairn-fuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export TMPDIR=$tmp
# Leaks are findings too, but the sanitizers' reports must name our frames.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/scripts/sanitizers.supp}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

summary=()
failed=0
for t in "${targets[@]}"; do
  corpus=$build/corpus/$t
  crashes=$build/crashes/$t
  mkdir -p "$corpus" "$crashes"
  log=$build/logs/$t.log
  mkdir -p "$(dirname "$log")"
  echo "fuzz.sh: $t for ${seconds}s (log: $log)"
  status=0
  # New inputs go to the first folder; the seeds are read, not written.
  nice "$build/bin/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=25 -rss_limit_mb=4096 \
    -artifact_prefix="$crashes/" "$corpus" "fuzz/corpus/$t" > "$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  if [ "$status" -ne 0 ]; then
    failed=1
    found=$(ls -t "$crashes" | head -n 1)
    summary+=("$(printf '%-20s %12s executions  CRASH (exit %s): %s' "$t" "${runs:-?}" "$status" "$crashes/$found")")
    grep -a -m1 -E 'ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|runtime error|FUZZ_CHECK|terminate called' "$log" || true
  else
    summary+=("$(printf '%-20s %12s executions  0 crashes' "$t" "${runs:-?}")")
  fi
done
echo "fuzz.sh: ${seconds}s per target"
printf '%s\n' "${summary[@]}"
exit "$failed"

#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test. The last line printed
# is ctest's summary ("100% tests passed, 0 tests failed out of N").
#
# CAIRN_SANITIZE=1 scripts/test.sh builds everything with AddressSanitizer and
# UndefinedBehaviorSanitizer (in build-sanitize/) and runs the same suite there:
# a memory error, a leak of ours or undefined behaviour fails the test it
# happens in.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build=build
if [ "${CAIRN_SANITIZE:-0}" = 1 ]; then
  build=build-sanitize
  # Leaks are findings; sanitizers.supp names the ones of libraries we only use.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:print_suppressions=0}
  export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/scripts/sanitizers.supp:print_suppressions=0}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi

scripts/deps.sh
scripts/build.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
ctest --test-dir "$build" --output-on-failure --no-tests=error -j"${CAIRN_TEST_JOBS:-2}" 2>&1 | tee "$log" || status=$?
# Skips are not passes: name every test that skipped, wholly (ctest's
# "Skipped", exit 77) or in part (its CAIRN-SKIP lines, with the reason).
# CAIRN_REQUIRE_PEERS=1 (.ci/run) turns them into failures instead.
skips=$(grep -E '^CAIRN-SKIP ' $build/Testing/Temporary/LastTest.log 2>/dev/null | sort -u || true)
whole=$(grep -E '\*\*\*Skipped|Not Run \(Disabled\)' "$log" | sed -E 's/^ *[0-9]+\/[0-9]+ Test +#[0-9]+: ([^ ]+).*/\1/' | sort -u || true)
if [ -n "$skips$whole" ]; then
  echo "skipped for a missing peer (scripts/deps.sh installs them; CAIRN_REQUIRE_PEERS=1 makes this an error):"
  [ -z "$whole" ] || echo "$whole" | sed 's/^/  whole test: /'
  [ -z "$skips" ] || echo "$skips" | sed 's/^CAIRN-SKIP /  /'
fi
# ctest ends with the total time (and, on failure, the list of failed tests):
# repeat the summary so that it is the last line.
summary=$(grep -E '^[0-9]+% tests passed' "$log" | tail -n 1 || true)
echo "${summary:-ctest: no test summary (no tests were run)}"
exit "$status"

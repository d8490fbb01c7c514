#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test. The last line printed
# is ctest's summary ("100% tests passed, 0 tests failed out of N").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/deps.sh
scripts/build.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
ctest --test-dir build --output-on-failure --no-tests=error -j"${CAIRN_TEST_JOBS:-2}" 2>&1 | tee "$log" || status=$?
# ctest ends with the total time (and, on failure, the list of failed tests):
# repeat the summary so that it is the last line.
summary=$(grep -E '^[0-9]+% tests passed' "$log" | tail -n 1 || true)
echo "${summary:-ctest: no test summary (no tests were run)}"
exit "$status"

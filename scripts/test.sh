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
# Skips are not passes: name every test that skipped, wholly (ctest's
# "Skipped", exit 77) or in part (its CAIRN-SKIP lines, with the reason).
# CAIRN_REQUIRE_PEERS=1 (.ci/run) turns them into failures instead.
skips=$(grep -E '^CAIRN-SKIP ' build/Testing/Temporary/LastTest.log 2>/dev/null | sort -u || true)
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

#!/usr/bin/env bash
# The full crash-consistency soak (ctest's crash_local and crash_remote run a
# few kills of it): `cairn fit` checkpointing every batch is killed with SIGKILL
# KILLS times saving to a local folder and KILLS times saving to S3 on a
# loopback moto, then a full disk is tried; then KILLS times each saving
# sharded checkpoint folders, synchronously and asynchronously. Prints the seed
# (pass --seed S to replay its plan), every kill and where it landed, and a
# summary per target.
#   scripts/crash-soak.sh [KILLS] [crash_driver.py options, e.g. --seed 7 --keep]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
kills=${1:-100}
shift || true
/usr/bin/python3 tests/crash/crash_driver.py --cairn build/bin/cairn --local "$kills" --remote "$kills" \
  --full-disk "$@"
# Sharded checkpoint folders, synchronous and asynchronous.
/usr/bin/python3 tests/crash/crash_driver.py --cairn build/bin/cairn --local "$kills" --sharded "$@"
exec /usr/bin/python3 tests/crash/crash_driver.py --cairn build/bin/cairn --local "$kills" --sharded \
  --fit-flag=--save-async "$@"

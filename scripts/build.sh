#!/usr/bin/env bash
# Configures (Ninja, Release) into build/ and builds everything: the engine,
# the `cairn` command (build/bin/cairn), the plugins and the tests; or, given
# target names (`scripts/build.sh sample`), only those.
#
# CAIRN_SANITIZE=1 builds the same with AddressSanitizer and
# UndefinedBehaviorSanitizer into build-sanitize/ instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build=build
options=()
if [ "${CAIRN_SANITIZE:-0}" = 1 ]; then
  build=build-sanitize
  options=(-DCAIRN_SANITIZE=ON -DCAIRN_BUILD_BENCH=OFF)
fi
# Once configured, Ninja re-runs CMake by itself when a CMakeLists.txt changes.
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "${options[@]}"
fi
if [ "$#" -gt 0 ]; then
  cmake --build "$build" -j"$(nproc)" --target "$@"
else
  cmake --build "$build" -j"$(nproc)"
fi

#!/usr/bin/env bash
# Configures (Ninja, Release) into build/ and builds everything: the engine,
# the `cairn` command (build/bin/cairn), the plugins and the tests; or, given
# target names (`scripts/build.sh sample`), only those.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Once configured, Ninja re-runs CMake by itself when a CMakeLists.txt changes.
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
if [ "$#" -gt 0 ]; then
  cmake --build build -j"$(nproc)" --target "$@"
else
  cmake --build build -j"$(nproc)"
fi

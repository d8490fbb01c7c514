#!/usr/bin/env bash
# Installs the Debian 12 packages Cairn is built and tested with. Only what is
# missing is installed, and `apt-get update` runs only then, so a second run
# returns at once.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build ccache pkg-config
  # libraries
  libtorch-dev libboost-dev libboost-filesystem-dev libboost-program-options-dev libboost-test-dev
  nlohmann-json3-dev libcurl4-openssl-dev libssl-dev libarchive-dev zlib1g-dev
  # tests: Python reads the checkpoints back with torch.load; the compressor
  # command-line tools check that compressed checkpoints interoperate; benchmarks use /usr/bin/time
  python3-torch bzip2 xz-utils zstd lz4 time
)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "deps.sh: dpkg-query not found; this script installs Debian packages (Debian 12). Install these yourself: ${packages[*]}" >&2
  exit 1
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  as_root=(sudo)
fi
echo "deps.sh: installing ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"

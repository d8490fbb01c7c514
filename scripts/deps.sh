#!/usr/bin/env bash
# Installs the Debian 12 packages Cairn is built and tested with, then the npm
# packages the tests start (pinned, into ~/.cache/cairn). Only what is missing
# is installed, and `apt-get update` runs only then, so a second run returns at
# once. `deps.sh --build-only` installs only what building needs (for
# scripts/run-sample.sh: a first run should not wait for the test peers);
# `deps.sh --fuzz` that plus clang and libFuzzer (for scripts/fuzz.sh; CI
# does not fuzz, the normal build replays the corpus with gcc).
set -euo pipefail
build_only=false
fuzz=false
if [ "${1:-}" = "--build-only" ]; then
  build_only=true
elif [ "${1:-}" = "--fuzz" ]; then
  build_only=true
  fuzz=true
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

packages=(
  # build
  build-essential cmake ninja-build ccache pkg-config
  # libraries
  libtorch-dev libboost-dev libboost-filesystem-dev libboost-program-options-dev libboost-test-dev
  nlohmann-json3-dev libcurl4-openssl-dev libssl-dev libarchive-dev libdeflate-dev zlib1g-dev
  # the s3 plugin reads S3's XML answers with expat
  libexpat1-dev
  # engine/dist includes ProcessGroupGloo.hpp, whose <gloo/...> headers libtorch-dev lacks
  libgloo-dev
)
test_packages=(
  # tests: Python reads the checkpoints back with torch.load; the compressor
  # command-line tools check that compressed checkpoints interoperate; benchmarks use /usr/bin/time
  python3-torch bzip2 xz-utils zstd lz4 time
  # S3 tests: awscli v2 (/usr/bin/aws) and botocore are the peers' clients
  awscli python3-boto3 python3-botocore
  # GCS, OCI, Azure and libcloud tests: Apache libcloud and the Azure SDK read
  # what Cairn writes; PyJWT and google-auth check the service-account JWTs
  python3-libcloud python3-azure python3-jwt python3-google-auth
  # libcloud's LocalStorageDriver takes its locks with fasteners
  python3-fasteners
)
# Node runs s3rver. NodeSource's nodejs already carries npm (and conflicts with
# Debian's npm package), so Debian's are added only when npm is absent.
if ! command -v npm >/dev/null 2>&1; then
  test_packages+=(nodejs npm)
fi
if ! $build_only; then
  packages+=("${test_packages[@]}")
fi
if $fuzz; then
  # libclang-rt-14-dev holds libFuzzer and the sanitizer runtimes.
  packages+=(clang-14 libclang-rt-14-dev)
fi

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
if [ "${#missing[@]}" -gt 0 ]; then
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    as_root=(sudo)
  fi
  echo "deps.sh: installing ${missing[*]}"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

if $build_only; then
  exit 0
fi

# The tests' peers. s3rver@3.7.1 comes from npm (installed once, into the
# cache); moto_server comes with the machine's pyenv Python (found on PATH or
# in ~/.pyenv/versions); awscli, botocore and torch for /usr/bin/python3 come
# from the Debian packages above. Without a peer the tests that need it skip,
# so a missing one is a warning here, and an error under CAIRN_REQUIRE_PEERS=1
# (CI), where those skips would fail anyway.
problems=()
for peer in s3rver moto; do
  if ! where=$(/usr/bin/python3 "$here/../tests/support/s3_peers.py" install "$peer" 2>&1); then
    problems+=("$peer: $where")
  fi
done
if ! where=$(/usr/bin/python3 "$here/../tests/support/azure_peers.py" install azurite 2>&1); then
  problems+=("azurite: $where")
fi
# npm oci-common, the OCI signing oracle of tests/oci (pinned, into the cache).
if ! where=$(/usr/bin/python3 "$here/../tests/support/npm_cache.py" install oci-common 2.142.1 2>&1); then
  problems+=("oci-common: $where")
fi
# firebase-tools@15.34.2 (the GCS emulator) and @google-cloud/storage@7.22.0, pinned.
if ! where=$(/usr/bin/python3 "$here/../tests/support/gcs_peers.py" install all 2>&1); then
  problems+=("gcs emulator: $where")
fi
[ -x /usr/bin/aws ] || problems+=("awscli: /usr/bin/aws is missing (Debian package awscli)")
if ! /usr/bin/python3 -c 'import torch, botocore, boto3' >/dev/null 2>&1; then
  problems+=("/usr/bin/python3 cannot import torch, botocore and boto3 (Debian python3-torch python3-boto3)")
fi
if [ "${#problems[@]}" -gt 0 ]; then
  for problem in "${problems[@]}"; do echo "deps.sh: peer missing: $problem" >&2; done
  if [ "${CAIRN_REQUIRE_PEERS:-0}" != "0" ] && [ -n "${CAIRN_REQUIRE_PEERS:-}" ]; then
    echo "deps.sh: CAIRN_REQUIRE_PEERS=1: every test peer must be installed" >&2
    exit 1
  fi
  echo "deps.sh: warning: the tests that need these will skip" >&2
fi

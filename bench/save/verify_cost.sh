#!/usr/bin/env bash
# What checking every byte costs on read: a ~GIB GiB checkpoint (the save
# benchmark's state) read REPS times each way, page cache warm, medians:
#   checked    read_checkpoint: CRC-32 + SHA-256 (manifest) of every record
#   unchecked  LibTorch's own zip reader, which checks nothing
#   verify     `cairn verify`'s pass alone (reads and hashes, unpickles nothing)
# plus the save time with the manifest's hashes (they run beside the writing).
#
#   bench/save/verify_cost.sh [BUILD_DIR=build] [REPS=5] [GIB=1] [WORK_DIR=a new folder in /var/tmp]
set -euo pipefail

build=${1:-build}
reps=${2:-5}
gib=${3:-1}
work=${4:-$(mktemp -d /var/tmp/cairn-bench-verify.XXXXXX)}
bench="$build/bin/cairn_bench_save"
[[ -x $bench ]] || { echo "no $bench: build the cairn_bench_save target first" >&2; exit 1; }
mkdir -p "$work"
trap 'rm -f "$work"/ck.pt' EXIT

"$bench" write "$work/ck.pt" --gib "$gib" >"$work/write.out"
echo "checkpoint: $(sed -n 's/^file_bytes=//p' "$work/write.out") bytes, $(sed -n 's/^tensors=//p' "$work/write.out") tensors, saved in $(sed -n 's/^seconds=//p' "$work/write.out") s (manifest included)"
"$bench" read "$work/ck.pt" >/dev/null  # warm the page cache

: >"$work/read.out"
for ((rep = 1; rep <= reps; rep++)); do "$bench" read "$work/ck.pt" >>"$work/read.out"; done
median() { sed -n "s/^$1=//p" "$work/read.out" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
checked=$(median checked_seconds)
unchecked=$(median unchecked_seconds)
verify=$(median verify_seconds)
bytes=$(sed -n 's/^file_bytes=//p' "$work/write.out")
awk -v c="$checked" -v u="$unchecked" -v v="$verify" -v b="$bytes" 'BEGIN {
  g = b / 1073741824
  printf "median of %s reads: checked %.3f s (%.2f GiB/s), unchecked %.3f s (%.2f GiB/s), cost +%.3f s (+%.0f%%)\n", '"$reps"', c, g / c, u, g / u, c - u, 100 * (c - u) / u
  printf "cairn verify pass alone: %.3f s (%.2f GiB/s)\n", v, g / v
}'

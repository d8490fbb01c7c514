#!/usr/bin/env bash
# What checking every byte costs on read: a ~GIB GiB checkpoint (the save
# benchmark's state) read REPS times each way, page cache warm, medians of the
# wall and CPU seconds per GiB and of the peak resident memory:
#   checked    read_checkpoint: CRC-32 + SHA-256 (manifest) of every record,
#              Cairn's restricted unpickler
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
bytes=$(sed -n 's/^file_bytes=//p' "$work/write.out")
echo "medians of $reps reads, per GiB of file:"
for way in checked unchecked verify; do
  awk -v w="$way" -v s="$(median ${way}_seconds)" -v c="$(median ${way}_cpu_seconds)" \
    -v m="$(median ${way}_peak_rss_kib)" -v b="$bytes" 'BEGIN {
    g = b / 1073741824
    printf "  %-9s %.3f s wall, %.3f s CPU (%.2f GiB/s), peak memory %.0f MiB\n", w, s / g, c / g, g / s, m / 1024
  }'
done
awk -v c="$(median checked_cpu_seconds)" -v u="$(median unchecked_cpu_seconds)" 'BEGIN {
  printf "checked / unchecked CPU: %.2fx (+%.3f s per read)\n", c / u, c - u
}'

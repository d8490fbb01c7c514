#!/usr/bin/env bash
# Multi-process checkpoint benchmark: for each world size N, N ranks on
# loopback (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) hold the same state of
# SIZE_MIB MiB (8 float32 tensors, replicated as in data-parallel training) and
#   - Cairn saves it monolithically (rank 0 writes one file, the others wait),
#   - Cairn saves it sharded (save_sharded: each rank writes ~1/N),
#   - Cairn saves it sharded as save_async does: as_blk is what training waits
#     for (the snapshot into staging memory an earlier save touched), as_all
#     the time from the snapshot until the folder is published,
#   - Python saves it with torch 1.13's save_state_dict (FileSystemWriter,
#     single_file_per_rank=True, fsync on; each rank writes its rows),
# then M ranks (N/2, or 2 when N is 1) load each sharded folder with resharding
# (Cairn's ShardedReader.load(), Python's load_state_dict into full tensors) and
# check every value (then Cairn times its SHA-256 manifest check alone, c_vrfy:
# part of c_load_s, here on a warm cache). Prints one table: wall seconds of each phase (barrier to
# barrier, so the slowest rank), the ratios Python/Cairn, and the largest peak
# RSS of any rank in each phase.
#
#   bench/dist/run.sh [SIZE_MIB=1024] [WORLDS="1 2 4"] [BUILD_DIR=build] [WORK_DIR]
#
# The page cache is dropped before each load when /proc/sys/vm/drop_caches is
# writable (the table says "cold"), else the loads read a warm cache ("warm").
# Saves fsync on both sides. Cairn runs before Python in each world.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mib=${1:-1024}
worlds=${2:-1 2 4}
build=${3:-build}
work=${4:-}
bench="$build/bin/cairn_bench_dist"
python=/usr/bin/python3
peer="$here/dcp_peer.py"

[[ -x $bench ]] || { echo "no $bench: build the cairn_bench_dist target first" >&2; exit 1; }
made_work=0
if [[ -z $work ]]; then
  work=$(mktemp -d /var/tmp/cairn-bench-dist.XXXXXX)
  made_work=1
fi
mkdir -p "$work"
cleanup() {
  if ((made_work)); then rm -rf "$work"; else rm -rf "$work"/mono.pt "$work"/cairn "$work"/cairn-async "$work"/py "$work"/*.out "$work"/*.err; fi
}
trap cleanup EXIT

prio=(nice -n "${CAIRN_BENCH_NICE:--10}")
"${prio[@]}" true 2>/dev/null || prio=()

cache=warm
drop_cache() {
  sync
  if [[ -w /proc/sys/vm/drop_caches ]] && echo 1 >/proc/sys/vm/drop_caches 2>/dev/null; then cache=cold; fi
}

free_port() {
  "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# launch WORLD NAME COMMAND...: COMMAND in WORLD ranks; rank r's output in NAME.r.out.
launch() {
  local world=$1 name=$2 port r pid failed=0
  shift 2
  port=$(free_port)
  local pids=()
  for ((r = 0; r < world; r++)); do
    RANK=$r WORLD_SIZE=$world MASTER_ADDR=127.0.0.1 MASTER_PORT=$port "${prio[@]}" "$@" \
      >"$work/$name.$r.out" 2>"$work/$name.$r.err" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  if ((failed)); then
    echo "$name with $world ranks failed:" >&2
    cat "$work/$name".*.err >&2
    exit 1
  fi
}

# most NAME KEY: the largest KEY=value over NAME's ranks.
most() { cat "$work/$1".*.out | sed -n "s/^$2=//p" | sort -g | tail -1; }
mib_of() { echo $(($1 / 1024)); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

rows=()
for n in $worlds; do
  m=$((n == 1 ? 2 : n / 2))
  rm -rf "$work"/mono.pt "$work"/cairn "$work"/cairn-async "$work"/py "$work"/*.out "$work"/*.err
  echo "world $n: saving $mib MiB (Cairn, then Python), then loading with $m ranks ..." >&2
  launch "$n" csave "$bench" save "$work/mono.pt" "$work/cairn" --mib "$mib"
  rm -rf "$work/mono.pt" "$work/cairn-async"
  launch "$n" psave "$python" "$peer" save "$work/py" "$mib"
  drop_cache
  launch "$m" cload "$bench" load "$work/cairn" --mib "$mib"
  drop_cache
  launch "$m" pload "$python" "$peer" load "$work/py" "$mib"

  cm=$(most csave mono_seconds); cs=$(most csave sharded_seconds); ps=$(most psave save_seconds)
  ab=$(most csave async_blocked_seconds); aa=$(most csave async_total_seconds)
  cl=$(most cload load_seconds); pl=$(most pload load_seconds); cv=$(most cload verify_seconds)
  rows+=("$(printf '%5s %5s | %8.2f %8.2f %6.3f %6.2f %8.2f %6s | %8.2f %6.2f %8.2f %6s | %6d %6d %6d %6d %6d %6d' \
    "$n" "$n>$m" "$cm" "$cs" "$ab" "$aa" "$ps" "$(ratio "$ps" "$cs")" "$cl" "$cv" "$pl" "$(ratio "$pl" "$cl")" \
    "$(mib_of "$(most csave rss_live_kib)")" "$(mib_of "$(most csave mono_peak_rss_kib)")" \
    "$(mib_of "$(most csave sharded_peak_rss_kib)")" "$(mib_of "$(most psave save_peak_rss_kib)")" \
    "$(mib_of "$(most cload load_peak_rss_kib)")" "$(mib_of "$(most pload load_peak_rss_kib)")")")
done

echo "state: $mib MiB (8 float32 tensors) on every rank; seconds barrier to barrier (slowest rank);"
echo "peak RSS: the largest of any rank in that phase, MiB; loads read a $cache page cache; every load checked"
printf '%5s %5s | %8s %8s %6s %6s %8s %6s | %8s %6s %8s %6s | %6s %6s %6s %6s %6s %6s\n' \
  world load mono_s shard_s as_blk as_all dcp_s dcp/sh c_load_s c_vrfy dcp_ld_s dcp/c live c_mono c_shrd dcp_sv \
  c_load dcp_ld
for row in "${rows[@]}"; do echo "$row"; done

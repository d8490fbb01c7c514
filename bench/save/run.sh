#!/usr/bin/env bash
# Save benchmark: Cairn's write_checkpoint vs Python torch.save (+fsync) vs
# `dd conv=fsync`, same bytes, alternating, REPS times each.
#
#   bench/save/run.sh [BUILD_DIR=build] [REPS=3] [GIB=1] [WORK_DIR=a new folder in /var/tmp]
#
# Prints, per run and as medians: throughput (GiB/s of file bytes), the ratios
# cairn/torch.save and cairn/dd, and peak RSS (/usr/bin/time %M, and VmHWM)
# next to the RSS with the state live, so "peak <= live + 64 MiB" reads off.
# All three run at the same raised priority (CAIRN_BENCH_NICE, default -10, if
# allowed) so that other work on a shared machine disturbs them less.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../common/state_sizes.sh
. "$here/../common/state_sizes.sh"
build=${1:-build}
reps=${2:-3}
gib=${3:-1}
work=${4:-$(mktemp -d /var/tmp/cairn-bench-save.XXXXXX)}
bench="$build/bin/cairn_bench_save"
python=/usr/bin/python3

[[ -x $bench ]] || { echo "no $bench: build the cairn_bench_save target first" >&2; exit 1; }
if [[ ! -x /usr/bin/time ]]; then
  apt-get install -y time >/dev/null || { echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 1; }
fi
mkdir -p "$work"
trap 'rm -f "$work"/cairn.pt "$work"/torch.pt "$work"/dd.bin' EXIT

"$bench" sizes --gib "$gib" >"$work/sizes.txt"
live_bytes=$(live_bytes_of "$work/sizes.txt")
block=$((4 << 20))
dd_count=$(((live_bytes + block - 1) / block))
echo "state: $(wc -l <"$work/sizes.txt") tensors, $live_bytes bytes live; work folder $work"

prio=(nice -n "${CAIRN_BENCH_NICE:--10}")
"${prio[@]}" true 2>/dev/null || prio=()

value() { sed -n "s/^$1=//p" "$2"; }  # key=value lines
gibps() { awk -v b="$1" -v s="$2" 'BEGIN {printf "%.3f", b / s / 1073741824}'; }

results="$work/results.txt"
: >"$results"
for ((rep = 1; rep <= reps; rep++)); do
  rm -f "$work"/cairn.pt "$work"/torch.pt "$work"/dd.bin
  sync

  "${prio[@]}" /usr/bin/time -f %M -o "$work/cairn.rss" "$bench" write "$work/cairn.pt" --gib "$gib" >"$work/cairn.out"
  c_s=$(value seconds "$work/cairn.out")
  c_b=$(value file_bytes "$work/cairn.out")
  rm -f "$work/cairn.pt"
  sync

  "${prio[@]}" /usr/bin/time -f %M -o "$work/torch.rss" "$python" "$here/torch_save_peer.py" "$work/sizes.txt" "$work/torch.pt" >"$work/torch.out"
  t_s=$(value seconds "$work/torch.out")
  t_b=$(value file_bytes "$work/torch.out")
  rm -f "$work/torch.pt"
  sync

  start=$(date +%s.%N)
  "${prio[@]}" /usr/bin/time -f %M -o "$work/dd.rss" dd if=/dev/zero of="$work/dd.bin" bs=$block count=$dd_count conv=fsync status=none
  end=$(date +%s.%N)
  d_s=$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')
  d_b=$((dd_count * block))
  rm -f "$work/dd.bin"

  c=$(gibps "$c_b" "$c_s"); t=$(gibps "$t_b" "$t_s"); d=$(gibps "$d_b" "$d_s")
  echo "$c $t $d" >>"$results"
  printf 'run %d: cairn %s GiB/s (%.2f s)  torch.save %s GiB/s (%.2f s)  dd %s GiB/s (%.2f s)  cairn/torch %.2f  cairn/dd %.2f\n' \
    "$rep" "$c" "$c_s" "$t" "$t_s" "$d" "$d_s" "$(awk -v a="$c" -v b="$t" 'BEGIN {print a / b}')" \
    "$(awk -v a="$c" -v b="$d" 'BEGIN {print a / b}')"
  printf '       peak RSS MiB: cairn %d (live state %d, RSS before write %d, VmHWM %d)  torch.save %d (RSS before %d)  dd %d\n' \
    $(($(cat "$work/cairn.rss") / 1024)) $((live_bytes >> 20)) $(($(value rss_before_write_kib "$work/cairn.out") / 1024)) \
    $(($(value peak_rss_kib "$work/cairn.out") / 1024)) $(($(cat "$work/torch.rss") / 1024)) \
    $(($(value rss_before_write_kib "$work/torch.out") / 1024)) $(($(cat "$work/dd.rss") / 1024))
done

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
mc=$(cut -d' ' -f1 "$results" | median)
mt=$(cut -d' ' -f2 "$results" | median)
md=$(cut -d' ' -f3 "$results" | median)
echo "median of $reps: cairn $mc GiB/s, torch.save $mt GiB/s, dd $md GiB/s," \
  "cairn/torch.save $(awk -v a="$mc" -v b="$mt" 'BEGIN {printf "%.2f", a / b}')," \
  "cairn/dd $(awk -v a="$mc" -v b="$md" 'BEGIN {printf "%.2f", a / b}')"
echo "cairn peak RSS over RSS with the state live (last run): " \
  "$((($(value peak_rss_kib "$work/cairn.out") - $(value rss_before_write_kib "$work/cairn.out")) / 1024)) MiB (target <= 64)"

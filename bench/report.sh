#!/usr/bin/env bash
# One report of Cairn against its peers on this machine: every benchmark side
# by side with its peer, one aligned table with ratios, peak memory next to the
# live state, targets; the same as report.json; and report.png, time against
# checkpoint size for the local saves.
#
#   bench/report.sh [BUILD_DIR=build] [REPS=3] [SIZES_MIB="64 256 1024 4096"] [ROWS=all]
#
# ROWS picks rows: any of P1 P2 P3 P4 P5 dist ("all" = every one), e.g. "P1 P5".
#   P1    local save of states of SIZES_MIB MiB: Cairn sync (cairn_bench_save
#         write), Cairn async (the time training is blocked, when
#         cairn_bench_save has a write-async mode), Python torch.save + fsync,
#         and the machine's limits: write() of the same bytes from process
#         memory + fsync, buffered and O_DIRECT (cairn_write_limit)
#   P2    a fixed-length `cairn fit` with no checkpoints, a sync checkpoint every
#         P2_INTERVAL batches, and async ones (when `cairn fit` has --save-async)
#   P3    upload and download of P3_MIB MiB to loopback S3 against `aws s3 cp`
#         (bench/transfer/run.sh), on each server in P3_SERVERS: s3rver, and the
#         sink (tests/support/s3_sink.py: checks every SigV4 signature and body
#         SHA-256, keeps objects in memory, costs far less CPU than s3rver)
#   P4    load of a P4_MIB MiB training state (MLP + Adam) against Python's
#         torch.load + load_state_dict: the load step and the whole process
#   P5    `cairn plugins` and start-up with every bundled plugin against none
#   dist  sharded saves and loads with DIST_WORLDS ranks (bench/dist/run.sh)
#
# Settings from the environment: OUT_DIR (default a new folder under /var/tmp,
# printed at the end), P2_BATCHES (60), P2_INTERVAL (10), P3_MIB (1024), P3_SERVERS ("s3rver sink"),
# P4_MIB (1024), P4_CACHE (cold: drop the page cache before each load when
# allowed; warm), P5_REPS (max(REPS, 7)), DIST_MIB (1024), DIST_WORLDS ("1 2 4"),
# CAIRN_BENCH_NICE (-10; the priority the measured commands run at).
#
# Writes into OUT_DIR: report.txt (the table, also printed), report.json,
# report.png (gnuplot; Debian's gnuplot-nox is installed when missing) and
# samples.tsv (every run); bench/report/summarize.py turns samples into these.
#
# Times are medians of REPS runs, the sides of a row taking turns (the order
# rotates every run), with the spread (min-max). The machine is shared and
# noisy: the report says so, and nothing here passes or fails on a time. A row
# that cannot run (a peer or a binary missing) prints why, and the rest go on.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=common/state_sizes.sh
. "$here/common/state_sizes.sh"
build=${1:-build}
reps=${2:-3}
sizes=${3:-64 256 1024 4096}
rows=${4:-all}
[[ $rows == all ]] && rows="P1 P2 P3 P4 P5 dist"
[[ $reps =~ ^[1-9][0-9]*$ ]] || { echo "REPS must be a positive integer (got '$reps')" >&2; exit 2; }
for r in $rows; do
  [[ $r =~ ^(P1|P2|P3|P4|P5|dist)$ ]] || { echo "unknown row '$r'; rows: P1 P2 P3 P4 P5 dist (or all)" >&2; exit 2; }
done
build=$(cd "$build" 2>/dev/null && pwd) || { echo "no build folder '${1:-build}'" >&2; exit 2; }

out=${OUT_DIR:-$(mktemp -d /var/tmp/cairn-report.XXXXXX)}
mkdir -p "$out"
work=$(mktemp -d "$out/work.XXXXXX")  # big scratch files; removed at the end
python=/usr/bin/python3  # Debian's, which has torch (the default python3 may not)
bench_save="$build/bin/cairn_bench_save"
bench_load="$build/bin/cairn_bench_load"
write_limit="$build/bin/cairn_write_limit"
cairn="$build/bin/cairn"

samples="$out/samples.tsv"    # one line per measured run
compares="$out/compares.tsv"  # one line per table row: which two series it sets side by side
notes="$out/notes.tsv"        # rows that were not measured, and why
printf 'row\tseries\tsize_mib\trep\tseconds\tpeak_rss_kib\tlive_bytes\textra_kib\tbytes\tinfo\n' >"$samples"
printf 'row\tlabel\tcairn\tpeer\tsize_mib\ttarget\ttarget_text\tper_count\n' >"$compares"
: >"$notes"

cleanup() { rm -rf "$work"; }
if [[ ! -x /usr/bin/time ]]; then
  apt-get install -y time >/dev/null || { echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 1; }
fi
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- helpers ------------------------------------------------------------------

say() { echo "report: $*" >&2; }

# Measured commands run at a raised priority when allowed, so that other work on
# the shared machine disturbs them less.
prio=(nice -n "${CAIRN_BENCH_NICE:--10}")
"${prio[@]}" true 2>/dev/null || prio=()

# A key=value line's value from FILE.
value() { sed -n "s/^$1=//p" "$2" | tail -n 1; }

# sample ROW SERIES SIZE_MIB REP SECONDS PEAK_KIB LIVE_BYTES EXTRA_KIB BYTES [INFO]
# ("-" for what a run does not know): one line of samples.tsv.
sample() {
  local f=("$@")
  while ((${#f[@]} < 10)); do f+=(-); done
  (IFS=$'\t'; echo "${f[*]}") >>"$samples"
}

# compare ROW LABEL CAIRN_SERIES PEER_SERIES SIZE_MIB TARGET TARGET_TEXT [PER_COUNT]
# TARGET: "ratio<=X" (Cairn's median time / the peer's), "extra<=M" (Cairn's
# peak memory over its live state, MiB), several joined by ",", or "-".
compare() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "${8:--}" >>"$compares"; }

# note ROW TEXT: a row that was not measured, with the reason, in the table.
note() {
  printf '%s\t%s\n' "$1" "$2" >>"$notes"
  say "$1: $2"
}

# timed NAME COMMAND...: runs COMMAND at the bench priority under /usr/bin/time;
# stdout goes to $work/NAME.out, stderr to $work/NAME.err. Sets `secs` (wall)
# and `peak_kib` (peak RSS of the process). On failure prints the error's last
# lines and returns 1.
timed() {
  local name=$1
  shift
  if ! /usr/bin/time -f '%e %M' -o "$work/$name.time" "${prio[@]}" "$@" >"$work/$name.out" 2>"$work/$name.err"; then
    say "$name failed: $(tail -n 3 "$work/$name.err" | tr '\n' ' ')"
    return 1
  fi
  read -r secs peak_kib <"$work/$name.time"
}

# Drops the page cache when this user may (P4_CACHE=cold); sets `cache`.
cache=warm
drop_cache() {
  sync
  if [[ ${P4_CACHE:-cold} == cold && -w /proc/sys/vm/drop_caches ]] && echo 1 >/proc/sys/vm/drop_caches 2>/dev/null; then
    cache=cold
  fi
}

# rotate N REP: the order of N sides on run REP, rotated by one each run, so
# that no side always goes first (after a cache-cold start) or last.
rotate() {
  local n=$1 rep=$2 i
  for ((i = 0; i < n; i++)); do echo $(((i + rep - 1) % n)); done
}

gib_of_mib() { awk -v m="$1" 'BEGIN {printf "%.10g", m / 1024}'; }

# kib_over PEAK_KIB BASE_KIB [MINUS_BYTES]: PEAK - BASE - MINUS/1024, or "-" when
# a value is missing (a side that printed less than expected).
kib_over() {
  awk -v p="$1" -v b="$2" -v m="${3:-0}" 'BEGIN {
    if (p == "" || b == "" || m == "") print "-"; else printf "%d", p - b - m / 1024 }'
}

need() {  # need ROW FILE WHAT: false (with a note) when FILE is not executable
  [[ -x $2 ]] && return 0
  note "$1" "not measured: no $2 ($3)"
  return 1
}

# --- P1: local save -----------------------------------------------------------
# Every side writes the same state (cairn_bench_save's tensors: the same sizes,
# dtypes and values in C++ and in Python) of $p1_live bytes to $work/p1.bin,
# fsyncs, and records one sample; the file is removed and synced away before
# the next side runs. Each side is one function: a new side is a function here,
# one line adding it to `sides` in row_P1 and one `compare` line there.

p1_cairn_sync() {  # SIZE REP
  timed p1-sync "$bench_save" write "$work/p1.bin" --gib "$(gib_of_mib "$1")" || return 1
  local o="$work/p1-sync.out"
  sample P1 cairn_sync "$1" "$2" "$(value seconds "$o")" "$peak_kib" "$(value live_bytes "$o")" \
    "$(kib_over "$(value peak_rss_kib "$o")" "$(value rss_before_write_kib "$o")")" "$(value file_bytes "$o")"
}

# Cairn's asynchronous save (cairn_bench_save write-async). It saves twice, as
# a run does: blocked_seconds is how long training waits at the second save
# (staging memory already there), seconds that save's whole time; the first
# save's figures (staging allocated) go along as info.
p1_cairn_async() {  # SIZE REP
  timed p1-async "$bench_save" write-async "$work/p1.bin" --gib "$(gib_of_mib "$1")" || return 1
  local o="$work/p1-async.out" extra first
  extra=$(kib_over "$(value peak_rss_kib "$o")" "$(value rss_before_write_kib "$o")")
  first="first_save_blocked_s=$(value blocked_first_seconds "$o");first_save_s=$(value seconds_first "$o")"
  sample P1 cairn_async_blocked "$1" "$2" "$(value blocked_seconds "$o")" "$peak_kib" "$p1_live" "$extra" - "$first"
  sample P1 cairn_async_total "$1" "$2" "$(value seconds "$o")" "$peak_kib" "$p1_live" "$extra" "$(value file_bytes "$o")"
}

p1_torch_save() {  # SIZE REP
  timed p1-torch "$python" "$here/save/torch_save_peer.py" "$work/p1-sizes.txt" "$work/p1.bin" || return 1
  local o="$work/p1-torch.out"
  sample P1 torch_save "$1" "$2" "$(value seconds "$o")" "$peak_kib" "$(value live_bytes "$o")" \
    "$(kib_over "$(value peak_rss_kib "$o")" "$(value rss_before_write_kib "$o")")" "$(value file_bytes "$o")"
}

p1_limit() {  # MODE SIZE REP
  timed "p1-$1" "$write_limit" "$1" "$work/p1.bin" --bytes "$p1_live" || return 1
  local o="$work/p1-$1.out"
  sample P1 "limit_$1" "$2" "$3" "$(value seconds "$o")" "$peak_kib" "$p1_live" - "$(value bytes "$o")"
}
p1_limit_buffered() { p1_limit buffered "$@"; }
p1_limit_direct() { p1_limit direct "$@"; }

# Whether cairn_bench_save has the write-async mode yet: its usage text lists
# the modes it has. (Not `| grep -q`: with pipefail, the usage's status 2 or a
# SIGPIPE would read as "no".)
has_write_async() {
  local usage
  usage=$("$bench_save" 2>&1 || true)
  [[ $usage == *write-async* ]]
}

row_P1() {
  need P1 "$bench_save" "build the cairn_bench_save target" || return 0
  local sides=(p1_cairn_sync p1_torch_save)
  if [[ -x $write_limit ]]; then
    sides+=(p1_limit_buffered p1_limit_direct)
  else
    note P1 "machine limit not measured: no $write_limit (build the cairn_write_limit target)"
  fi
  if has_write_async; then
    sides+=(p1_cairn_async)
  else
    note P1 "Cairn async not measured: cairn_bench_save has no write-async mode"
  fi
  local mib rep i side
  for mib in $sizes; do
    "$bench_save" sizes --gib "$(gib_of_mib "$mib")" >"$work/p1-sizes.txt"
    p1_live=$(live_bytes_of "$work/p1-sizes.txt")
    say "P1 $mib MiB: $(wc -l <"$work/p1-sizes.txt") tensors, $p1_live bytes; ${#sides[@]} sides x $reps runs"
    for ((rep = 1; rep <= reps; rep++)); do
      for i in $(rotate ${#sides[@]} "$rep"); do
        side=${sides[$i]}
        rm -f "$work/p1.bin"
        sync
        "$side" "$mib" "$rep" || say "P1 $mib MiB run $rep: $side failed; its sample is missing"
      done
    done
    rm -f "$work/p1.bin"
    compare P1 "P1 save ${mib} MiB: sync vs O_DIRECT write limit" cairn_sync limit_direct "$mib" \
      "ratio<=1.111,extra<=64" ">=0.9x limit speed; +<=64 MiB"
    compare P1 "P1 save ${mib} MiB: sync vs buffered write() limit" cairn_sync limit_buffered "$mib" - -
    compare P1 "P1 save ${mib} MiB: sync vs torch.save+fsync" cairn_sync torch_save "$mib" - -
    if has_write_async; then
      compare P1 "P1 save ${mib} MiB: async, training blocked vs sync" cairn_async_blocked cairn_sync "$mib" \
        "ratio<=0.05" "<=5% of sync"
      compare P1 "P1 save ${mib} MiB: async, whole save vs sync" cairn_async_total cairn_sync "$mib" - -
    fi
  done
}

# --- P2: checkpoints during training -------------------------------------------
# A fixed-length run of the sample MLP on synthetic data (wide enough that a
# checkpoint, with Adam's state, is ~100 MiB), without checkpoints, with a sync
# checkpoint every P2_INTERVAL batches and, when `cairn fit` has it, with async
# ones. The whole process's wall time; the difference over the run without
# checkpoints, divided by the number of checkpoints, is the cost of one.
p2_batches=${P2_BATCHES:-60}
p2_interval=${P2_INTERVAL:-10}
p2_fit() {  # SERIES REP EXTRA_FLAGS...
  local series=$1 rep=$2
  shift 2
  rm -rf "$work/p2-ckpt"
  timed "p2-$series" "$cairn" fit \
    --model 'mlp={"in_features": 256, "hidden": [2048, 2048, 2048], "classes": 10}' \
    --data 'synthetic={"samples": 1920, "features": 256, "classes": 10, "batch_size": 32}' \
    --optimizer 'Adam={"lr": 0.0001}' --seed 1 --max-duration "${p2_batches}ba" --run-name p2 "$@" || return 1
  local bytes=- count=0
  if [[ -d $work/p2-ckpt ]]; then  # the checkpoints it wrote (not the latest-rank0.pt link)
    bytes=$(find "$work/p2-ckpt" -name '*.pt' -type f -printf '%s\n' -quit)
    count=$(find "$work/p2-ckpt" -name '*.pt' -type f | wc -l)
    echo "$count" >"$work/p2-count.txt"
  fi
  sample P2 "$series" - "$rep" "$secs" "$peak_kib" - - - "checkpoints=$count;checkpoint_bytes=${bytes:-0}"
  rm -rf "$work/p2-ckpt"
}

row_P2() {
  need P2 "$cairn" "build the cairn target" || return 0
  local save=(--save-folder "$work/p2-ckpt" --save-interval "${p2_interval}ba" --save-overwrite)
  local series=(none sync) rep i count
  local async=0
  local help
  help=$("$cairn" fit --help 2>&1 || true)
  if [[ $help == *--save-async* ]]; then
    async=1
    series+=(async)
  else
    note P2 "async checkpoints not measured: cairn fit has no --save-async"
  fi
  say "P2: ${p2_batches} batches, a checkpoint every ${p2_interval}; ${#series[@]} sides x $reps runs"
  for ((rep = 1; rep <= reps; rep++)); do
    for i in $(rotate ${#series[@]} "$rep"); do
      case ${series[$i]} in
        none) p2_fit none "$rep" ;;
        sync) p2_fit sync "$rep" "${save[@]}" ;;
        async) p2_fit async "$rep" "${save[@]}" --save-async ;;
      esac || say "P2 run $rep: ${series[$i]} failed; its sample is missing"
    done
  done
  count=$(cat "$work/p2-count.txt" 2>/dev/null || echo $((p2_batches / p2_interval)))
  compare P2 "P2 fit ${p2_batches} batches: sync ckpt every ${p2_interval} vs none" sync none - - - "$count"
  ((async)) && compare P2 "P2 fit ${p2_batches} batches: async ckpt every ${p2_interval} vs none" async none - - - "$count"
  return 0
}

# --- P3: object store transfers --------------------------------------------------
# bench/transfer/run.sh does the work (cairn cp against aws s3 cp, alternating,
# every copy checked), once per server in P3_SERVERS; its per-run lines become
# samples here. s3rver's series keep their names (cairn_up, aws_up, ...); another
# server's carry its name (cairn_up_sink, ...).
row_P3() {
  local mib=${P3_MIB:-1024} server
  for server in ${P3_SERVERS:-s3rver sink}; do
    p3_server "$mib" "$server"
  done
  return 0
}

p3_server() {  # MIB SERVER
  local mib=$1 server=$2 log="$work/p3-$2.log" suffix="" bytes name title
  [[ $server == s3rver ]] || suffix="_$server"
  say "P3: $mib MiB to and from $server, $reps runs (bench/transfer/run.sh)"
  if ! "$here/transfer/run.sh" "$build" "$reps" "$mib" "$server" >"$log" 2>&1; then
    cat "$log" >>"$out/transfer.log"
    note P3 "$server: not measured: bench/transfer/run.sh failed: $(tail -n 2 "$log" | tr '\n' ' ')"
    return 0
  fi
  cat "$log" >>"$out/transfer.log"
  if grep -q "^$server: skipped" "$log"; then
    note P3 "not measured: $(grep "^$server: skipped" "$log")"
    return 0
  fi
  grep -q '^cairn: not measured' "$log" && note P3 "$(grep '^cairn: not measured' "$log")"
  bytes=$(sed -n 's/^source: \([0-9]*\) bytes.*/\1/p' "$log")
  # "s3rver upload run 2 (aws first): cairn 123.4 MiB/s (8.51 s, peak RSS 40 MiB, server CPU 7.20 s,
  #  client CPU 3.10 s)  aws ...
  "$python" - "$log" "$bytes" "$server" "$suffix" >>"$samples" <<'EOF'
import re, sys
log, size, server, suffix = sys.argv[1:5]
side = re.compile(r"(cairn|aws) [0-9.]+ MiB/s \(([0-9.]+) s, peak RSS ([0-9]+) MiB(?:, server CPU ([0-9.]+) s)?"
                  r"(?:, client CPU ([0-9.]+) s)?\)")
# "s3rver save run 1: streamed 8.1 s (peak RSS 1274 MiB, state 1024 MiB)  staged 11.66 s (local save ..."
save = re.compile(re.escape(server) + r" save run (\d+): streamed ([0-9.]+) s \(peak RSS ([0-9]+) MiB, "
                  r"state ([0-9]+) MiB\)\s+staged ([0-9.]+) s")
for line in open(log):
    m = re.match(re.escape(server) + r" (up|down)load run (\d+)", line)
    if m:
        for tool, secs, rss, cpu, client in side.findall(line):
            info = ";".join(f"{k}={v}" for k, v in (("server_cpu_s", cpu), ("client_cpu_s", client)) if v) or "-"
            print("\t".join(["P3", f"{tool}_{m.group(1)}{suffix}", "-", m.group(2), secs, str(int(rss) * 1024),
                             "-", "-", size, info]))
    m = save.match(line)
    if m:
        rep, streamed, rss, state, staged = m.groups()
        live = str(int(state) << 20)
        print("\t".join(["P3", f"streamed_save{suffix}", "-", rep, streamed, str(int(rss) * 1024), live, "-", live, "-"]))
        print("\t".join(["P3", f"staged_save{suffix}", "-", rep, staged, "-", live, "-", live, "-"]))
EOF
  case $server in
    s3rver) name="s3rver 3.7.1 (Node.js)" title=s3rver ;;
    sink) name="sink, tests/support/s3_sink.py (Python: recomputes every SigV4 signature with botocore, checks each body's SHA-256, keeps objects in memory)"
      title="sink (SigV4-checking)" ;;
    *) name=$server title=$server ;;
  esac
  name=$(sed -n "s|^== $server at \([^ ]*\) (\(awscli[^,]*\).*|$name at \1; \2|p" "$log")
  compare P3 "P3 upload ${mib} MiB to $title: cairn cp vs aws s3 cp" "cairn_up$suffix" "aws_up$suffix" - \
    "ratio<=0.5" ">=2x aws speed"
  compare P3 "P3 download ${mib} MiB from $title: cairn cp vs aws s3 cp" "cairn_down$suffix" "aws_down$suffix" - \
    "ratio<=0.5" ">=2x aws speed"
  grep -q "^$server save run" "$log" &&
    compare P3 "P3 save ${mib} MiB into $title: streamed vs local save + aws s3 cp" "streamed_save$suffix" \
      "staged_save$suffix" - "ratio<=1" "streamed no slower than staged"
  [[ -n $name ]] && note P3 "server: $name (server CPU: its process's user+system time over the transfer)"
  return 0
}

# --- P4: load ---------------------------------------------------------------------
# A training state of P4_MIB MiB: an MLP of Linear(2048, 2048) layers and Adam
# after one step (cairn_bench_load spec gives the layout). Each side loads the
# file its own writer made, into a model and optimizer it built first, as a
# resumed run does; the load step is timed inside, the whole process (start-up,
# building the model, exit) by /usr/bin/time.
row_P4() {
  need P4 "$bench_load" "build the cairn_bench_load target" || return 0
  local mib=${P4_MIB:-1024} layers width rep i
  "$bench_load" spec --mib "$mib" >"$work/p4-spec.txt"
  layers=$(value layers "$work/p4-spec.txt")
  width=$(value width "$work/p4-spec.txt")
  say "P4: $layers x Linear($width, $width) + Adam (~$mib MiB); writing both checkpoints"
  "$bench_load" save "$work/p4-cairn.pt" --mib "$mib" >"$work/p4-cairn-save.out" ||
    { note P4 "not measured: cairn_bench_load save failed"; return 0; }
  local sides=(cairn torch)
  if ! "$python" "$here/load/torch_load_peer.py" save "$work/p4-torch.pt" "$layers" "$width" >"$work/p4-torch-save.out"; then
    note P4 "torch.load not measured: torch_load_peer.py save failed (needs Debian python3-torch)"
    sides=(cairn)
  fi
  for ((rep = 1; rep <= reps; rep++)); do
    for i in $(rotate ${#sides[@]} "$rep"); do
      drop_cache
      case ${sides[$i]} in
        cairn) timed p4-cairn "$bench_load" load "$work/p4-cairn.pt" --mib "$mib" ;;
        torch) timed p4-torch "$python" "$here/load/torch_load_peer.py" load "$work/p4-torch.pt" "$layers" "$width" ;;
      esac || { say "P4 run $rep: ${sides[$i]} failed; its sample is missing"; continue; }
      local o="$work/p4-${sides[$i]}.out" live extra
      live=$(value live_bytes "$o")
      # Peak over the load step beyond what the loaded state itself needs: the
      # parameters were there before, the optimizer's state arrives with the load.
      extra=$(kib_over "$(value peak_rss_kib "$o")" "$(value rss_before_load_kib "$o")" \
        "$(awk -v l="$live" 'BEGIN {if (l != "") printf "%.0f", l - int(l / 3)}')")
      sample P4 "${sides[$i]}_load_step" "$mib" "$rep" "$(value load_seconds "$o")" "$(value peak_rss_kib "$o")" \
        "$live" "$extra" "$(value file_bytes "$o")" "read_s=$(value read_seconds "$o");apply_s=$(value apply_seconds "$o")"
      sample P4 "${sides[$i]}_process" "$mib" "$rep" "$secs" "$peak_kib" "$live"
    done
  done
  rm -f "$work/p4-cairn.pt" "$work/p4-torch.pt"
  compare P4 "P4 load ${mib} MiB MLP+Adam ($cache cache): load step vs torch.load+load_state_dict" \
    cairn_load_step torch_load_step "$mib" - -
  compare P4 "P4 load ${mib} MiB MLP+Adam ($cache cache): whole process vs python" \
    cairn_process torch_process "$mib" - -
  note P4 "each side loads its own writer's file (Cairn's write_checkpoint, torch.save); Cairn's load step: read_checkpoint (CRC-32 + SHA-256 of every record) + load_model_state_dict (copies into the existing parameters) + load_optimizer_state_dict; Python's: torch.load + model.load_state_dict + optimizer.load_state_dict"
}

# --- P5: plugins and start-up ------------------------------------------------------
# `cairn` always searches <its prefix>/lib/cairn/plugins, so each side is a copy
# of bin/cairn in its own prefix whose lib/ links to the build's libraries; the
# plugin folder holds links to every bundled plugin, or nothing. HOME points at
# an empty folder and CAIRN_PLUGIN_PATH is unset, so nothing else is found.
p5_prefix() {  # NAME WITH_PLUGINS(0/1)
  local p="$work/p5-$1" f
  mkdir -p "$p/bin" "$p/lib/cairn/plugins" "$p/home"
  cp "$cairn" "$p/bin/cairn"
  for f in "$build"/lib/*; do [[ $(basename "$f") == cairn ]] || ln -s "$f" "$p/lib/"; done
  if (($2)); then
    for f in "$build"/lib/cairn/plugins/*.so; do ln -s "$f" "$p/lib/cairn/plugins/"; done
  fi
}

# The commands compared: `cairn plugins` (loads and lists every plugin), and
# `cairn fit` up to making the model (it loads the plugins, then stops at an
# unknown model name with status 2), and `--version` (the process alone:
# LibTorch's libraries, no plugins), the floor under both.
p5_run() {  # SIDE COMMAND REP (REP "warm-up": not recorded)
  local p="$work/p5-$1" status=0
  local -a args
  case $2 in
    plugins) args=(plugins) ;;
    fit) args=(fit --model no-such-model --data synthetic) ;;
    version) args=(--version) ;;
  esac
  HOME="$p/home" /usr/bin/time -f '%e %M' -o "$work/p5.time" env -u CAIRN_PLUGIN_PATH \
    "${prio[@]}" "$p/bin/cairn" "${args[@]}" >"$work/p5.out" 2>"$work/p5.err" || status=$?
  if ((status != 0)) && ! [[ $2 == fit && $status == 2 ]]; then
    say "P5 $1 cairn ${args[*]} failed (status $status): $(tail -n 2 "$work/p5.err" | tr '\n' ' ')"
    return 1
  fi
  read -r secs peak_kib < <(tail -n 1 "$work/p5.time")
  [[ $3 == warm-up ]] || sample P5 "$2_$1" - "$3" "$secs" "$peak_kib"
}

row_P5() {
  need P5 "$cairn" "build the cairn target" || return 0
  local n
  n=$(find "$build/lib/cairn/plugins" -maxdepth 1 -name '*.so' 2>/dev/null | wc -l)
  ((n > 0)) || { note P5 "not measured: no plugins in $build/lib/cairn/plugins (build them first)"; return 0; }
  p5_prefix all 1
  p5_prefix none 0
  local p5_reps=${P5_REPS:-$((reps > 7 ? reps : 7))} rep cmd i
  local sides=(all none)
  say "P5: $n plugins vs none, $p5_reps runs each"
  for cmd in version plugins fit; do
    p5_run all "$cmd" warm-up || true  # the page cache warm for both sides
    p5_run none "$cmd" warm-up || true
    for ((rep = 1; rep <= p5_reps; rep++)); do
      for i in $(rotate 2 "$rep"); do
        p5_run "${sides[$i]}" "$cmd" "$rep" || true
      done
    done
  done
  compare P5 "P5 cairn plugins: all $n plugins vs none" plugins_all plugins_none - "ratio<=1.2" "<=1.2x"
  compare P5 "P5 start-up (cairn fit to its first config error): all $n plugins vs none" fit_all fit_none - "ratio<=1.2" "<=1.2x"
  compare P5 "P5 cairn --version (no plugins loaded): all $n vs none" version_all version_none - - -
  rm -rf "$work"/p5-*
}

# --- dist: sharded saves and loads --------------------------------------------------
# bench/dist/run.sh, REPS times (it runs Cairn before Python in every world);
# its table rows become samples.
row_dist() {
  local mib=${DIST_MIB:-1024} worlds=${DIST_WORLDS:-1 2 4} rep
  need dist "$build/bin/cairn_bench_dist" "build the cairn_bench_dist target" || return 0
  for ((rep = 1; rep <= reps; rep++)); do
    say "dist: run $rep of $reps ($mib MiB, worlds $worlds; bench/dist/run.sh)"
    if ! "$here/dist/run.sh" "$mib" "$worlds" "$build" >"$work/dist.log" 2>"$work/dist.err"; then
      note dist "run $rep failed: $(tail -n 3 "$work/dist.err" | tr '\n' ' ')"
      continue
    fi
    cat "$work/dist.log" >>"$out/dist.log"
    # world load | mono_s shard_s as_blk as_all dcp_s dcp/sh | c_load_s c_vrfy dcp_ld_s dcp/c |
    #   live c_mono c_shrd dcp_sv c_load dcp_ld
    tr -d '|' <"$work/dist.log" | awk -v rep="$rep" -v mib="$mib" 'BEGIN {OFS = "\t"}
      $1 ~ /^[0-9]+$/ && NF == 18 {
        # live: the state per rank; its "live" column (RSS with the state live) goes along as info
        w = $1; live = mib * 1048576; rss = "rss_live_mib=" $13
        print "dist", "w" w "_mono", mib, rep, $3, $14 * 1024, live, "-", "-", rss
        print "dist", "w" w "_sharded", mib, rep, $4, $15 * 1024, live, "-", "-", rss
        print "dist", "w" w "_async_blocked", mib, rep, $5, "-", live, "-", "-", "-"
        print "dist", "w" w "_async_total", mib, rep, $6, "-", live, "-", "-", "-"
        print "dist", "w" w "_dcp_save", mib, rep, $7, $16 * 1024, live, "-", "-", rss
        print "dist", "w" w "_cairn_load", mib, rep, $9, $17 * 1024, live, "-", "-", "-"
        print "dist", "w" w "_dcp_load", mib, rep, $11, $18 * 1024, live, "-", "-", "-"
      }' >>"$samples"
  done
  local n cache=warm
  if grep -q 'cold page cache' "$out/dist.log" 2>/dev/null; then cache=cold; fi
  for n in $worlds; do
    compare dist "dist $n rank(s) ${mib} MiB: sharded save vs torch DCP save" "w${n}_sharded" "w${n}_dcp_save" "$mib" - -
    compare dist "dist $n rank(s) ${mib} MiB: monolithic save vs torch DCP save" "w${n}_mono" "w${n}_dcp_save" "$mib" - -
    compare dist "dist $n rank(s) ${mib} MiB: async sharded save, training blocked vs sync sharded save" \
      "w${n}_async_blocked" "w${n}_sharded" "$mib" "ratio<=0.05" "<=5% of sync"
    compare dist "dist $n rank(s) ${mib} MiB: async sharded save, to publication vs sync sharded save" \
      "w${n}_async_total" "w${n}_sharded" "$mib" - -
    compare dist "dist $n>$((n == 1 ? 2 : n / 2)) ranks ${mib} MiB ($cache): resharded load vs DCP load" \
      "w${n}_cairn_load" "w${n}_dcp_load" "$mib" - -
  done
  note dist "bench/dist/run.sh runs Cairn before Python in every world (no alternation); times are barrier to barrier (slowest rank)"
}

# --- the report ------------------------------------------------------------------------

for r in $rows; do
  say "=== $r"
  # A subshell so that a row's failure ends that row only (set -e applies in it).
  set +e
  (set -e; "row_$r")
  status=$?
  set -e
  ((status == 0)) || note "$r" "row failed (status $status); its samples so far are kept"
done

# The machine, for the header.
"$python" - "$out/meta.json" "$reps" "$rows" "$sizes" "$cache" <<'EOF'
import json, os, platform, subprocess, sys, time
def run(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""
with open("/proc/meminfo") as f:
    mem_kib = int(f.readline().split()[1])
json.dump({"date": time.strftime("%Y-%m-%d %H:%M:%S %z"), "host": platform.node(),
           "cpus": os.cpu_count(), "memory_gib": round(mem_kib / 1048576, 1),
           "kernel": platform.release(), "filesystem": " ".join(run("df", "--output=source,fstype", "/var/tmp").splitlines()[-1:]).split(),
           "loadavg": open("/proc/loadavg").read().split()[:3], "reps": int(sys.argv[2]),
           "rows": sys.argv[3].split(), "sizes_mib": sys.argv[4].split(), "load_cache": sys.argv[5]},
          open(sys.argv[1], "w"), indent=1)
EOF

"$python" "$here/report/summarize.py" "$out"

# The chart: time against checkpoint size for P1's series (gnuplot from Debian).
if [[ -s $out/p1_series.dat ]]; then
  if ! command -v gnuplot >/dev/null; then
    say "installing gnuplot-nox (Debian) for the chart"
    apt-get install -y gnuplot-nox >/dev/null 2>&1 || say "could not install gnuplot-nox; no report.png"
  fi
  if command -v gnuplot >/dev/null; then
    gnuplot "$out/report.gp" 2>"$work/gnuplot.err" || say "gnuplot failed: $(head -n 3 "$work/gnuplot.err")"
  fi
fi

echo
echo "report folder: $out (report.txt, report.json$([[ -f $out/report.png ]] && echo ", report.png"), samples.tsv)"

#!/usr/bin/env bash
# Transfer benchmark: `cairn cp` vs each peer's own client, moving the same
# ~1 GiB file to and from the same loopback server, alternating which goes
# first, REPS times each, for each server in PEERS:
#   s3rver, moto, sink
#                 S3 (tests/support/s3_peers.py), against `aws s3 cp` (awscli v2,
#                 /usr/bin/aws, default settings: 8 MiB parts, 10 threads).
#                 sink is tests/support/s3_sink.py: a Python server (stdlib +
#                 Debian's botocore) that recomputes every request's SigV4
#                 signature with botocore, checks each body's SHA-256 against
#                 the signed x-amz-content-sha256 and keeps objects in memory:
#                 per uploaded byte it costs about one SHA-256, per downloaded
#                 byte a send from memory. s3rver's CPU time about equals a 1 GiB
#                 transfer's wall time, so there both clients measure s3rver.
#   azurite       Azure Blob (tests/support/azure_peers.py), against the Azure
#                 SDK's upload_blob(max_concurrency=8) and download_blob(max_concurrency=8)
#                 (Debian python3-azure, run by tests/libcloud/peer_clients.py)
#   gcs           firebase-tools' Storage emulator (tests/support/gcs_peers.py), against
#                 Google's Node client, @google-cloud/storage, with its defaults
#                 (tests/support/gcs_node_client.js: bucket.upload, file.download).
#                 The emulator refuses bodies over ~130 MB, so its file is the
#                 first GCS_MIB (default 100) MiB of the source. Measured twice:
#                 with Cairn's defaults, and with one GET per download as the
#                 Node client does (the emulator re-reads the whole object for
#                 every request, so concurrent ranges cost it a full read each).
#
# For the S3 servers it then times saves of a MIB-sized state (measure_saves):
# streamed into the store as a URI save_folder does, against a local save
# followed by `aws s3 cp` (Composer's staged way).
#
#   bench/transfer/run.sh [BUILD_DIR=build] [REPS=3] [MIB=1024] [PEERS=s3rver] [WORK_DIR]
#
# PEERS="s3rver sink" measures both S3 servers (bench/report.sh's P3 does).
# PEERS may add moto (where moto_server is installed), but moto measures
# itself more than the clients: it re-reads the whole object for each ranged
# GET, so awscli fetched 1 GiB from it at ~3.5 MiB/s (293 s) here, against
# ~65 MiB/s from s3rver.
#
# Prints, per run and as medians: throughput (MiB/s of file bytes, wall time of
# the whole command, start-up included), the ratio cairn/peer (target: >= 2
# against awscli, >= 1 against the Azure SDK and Google's client), peak RSS
# (/usr/bin/time %M) and the client's CPU time (user + system, "client CPU"),
# and for S3 the server's own CPU time during each transfer (user + system of
# its process, from /proc; "server CPU"), which shows how much of a transfer
# the loopback server itself costs on a machine with few cores. Every
# downloaded copy is checked against the source (outside the timings); each
# tool downloads the object the other uploaded, so both uploads are checked
# too. When bin/cairn has no `cp` yet, only the peer's client is measured and
# the script says so.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build}
reps=${2:-3}
mib=${3:-1024}
peers=${4:-s3rver}
work=${5:-}
made_work=0
if [[ -z $work ]]; then
  work=$(mktemp -d /var/tmp/cairn-bench-transfer.XXXXXX)
  made_work=1
fi
cairn="$build/bin/cairn"
aws_bin=/usr/bin/aws
python=/usr/bin/python3
bucket=bench

if [[ ! -x /usr/bin/time ]]; then
  apt-get install -y time >/dev/null || { echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 1; }
fi
have_cairn=1
if [[ ! -x $cairn ]] || ! "$cairn" cp --help >/dev/null 2>&1; then
  have_cairn=0
  echo "cairn: not measured: $cairn is missing or has no 'cp' subcommand (build the cairn target)"
fi

mkdir -p "$work"
src="$work/source.bin"
peer_pid=""
server_pid=""  # the server process (for its CPU time), when the peer says
cairn_cp_args=()
stop_peer() {  # closing its stdin makes the peer script stop the server and clean up
  if [[ -n $peer_pid ]]; then
    exec {peer_in}>&-
    wait "$peer_pid" 2>/dev/null || true
    peer_pid=""
  fi
}
cleanup() {
  stop_peer
  if ((made_work)); then
    rm -rf "$work"
  else
    rm -f "$work"/source.bin "$work"/down-*.bin* "$work"/*.time "$work"/*.err "$work"/peer.* \
      "$work"/up.txt "$work"/down.txt "$work"/saves.txt "$work"/staged.pt
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
head -c $((mib << 20)) /dev/urandom >"$src"
bytes=$(stat -c %s "$src")
echo "source: $bytes bytes; work folder $work"

mibps() { awk -v b="$1" -v s="$2" 'BEGIN {printf "%.1f", b / s / 1048576}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# The server's user + system CPU time so far, in clock ticks; empty when unknown.
# (Field 2 of /proc/PID/stat, the command name, may hold spaces: cut after it.)
server_ticks() {
  [[ -n $server_pid && -r /proc/$server_pid/stat ]] || return 0
  sed 's/^.*) //' "/proc/$server_pid/stat" | awk '{print $12 + $13}'
}

# Runs a command under /usr/bin/time; sets `secs`, `rss_mib`, `client_cpu` (its
# own user + system CPU seconds) and `server_cpu` (the server's CPU seconds
# meanwhile, or empty). Its output goes to
# $work/NAME.err, shown only on failure.
timed() {
  local name=$1 ticks_before ticks_after
  shift
  ticks_before=$(server_ticks)
  if ! /usr/bin/time -f '%e %M %U %S' -o "$work/$name.time" "$@" >"$work/$name.err" 2>&1; then
    echo "$name failed: $(tail -n 3 "$work/$name.err")" >&2
    exit 1
  fi
  read -r secs rss_kib user_s sys_s <"$work/$name.time"
  client_cpu=$(awk -v u="$user_s" -v s="$sys_s" 'BEGIN {printf "%.2f", u + s}')
  rss_mib=$((rss_kib / 1024))
  ticks_after=$(server_ticks)
  server_cpu=""
  if [[ -n $ticks_before && -n $ticks_after ]]; then
    server_cpu=$(awk -v a="$ticks_before" -v b="$ticks_after" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", (b - a) / hz}')
  fi
}

# ", server CPU N s, client CPU M s" for a run line (the server's part when known):
# together with the wall time they show whether the server, the client or the
# machine's cores are the limit.
cpu_text() { if [[ -n $1 ]]; then echo ", server CPU $1 s, client CPU $2 s"; else echo ", client CPU $2 s"; fi; }

# Prints LABEL's start-up time: the median of 3 runs of a command that starts
# the tool and does nothing else. Every timing below includes it once.
startup() {  # LABEL COMMAND...
  local label=$1 t
  shift
  local -a times=()
  for _ in 1 2 3; do
    timed startup "$@"
    times+=("$secs")
  done
  t=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 2p)
  echo "start-up of $label: $t s (median of 3; included in each of its timings below)"
}

check_download() {  # the copy must be the source, byte for byte
  cmp -s "$src" "$1" || { echo "$1 differs from the source" >&2; exit 1; }
  rm -f "$1"
}

# Each peer kind (bench_s3_peer, bench_azurite) sets `peer_tool` (its
# client's name as printed), `remote` (the URI of its bucket or container),
# `target` (the ratio aimed at), optionally `cairn_cp_args` (extra arguments
# of `cairn cp`), and the functions peer_upload KEY,
# peer_download KEY DEST and peer_remove KEY, which run the peer's own client
# (peer_upload and peer_download under `timed`).
upload() {  # TOOL KEY
  if [[ $1 == cairn ]]; then
    timed "cairn-up" "$cairn" cp "${cairn_cp_args[@]}" "$src" "$remote/$2"
  else
    peer_upload "$2"
  fi
}

download() {  # TOOL KEY DEST
  if [[ $1 == cairn ]]; then
    timed "cairn-down" "$cairn" cp "${cairn_cp_args[@]}" "$remote/$2" "$3"
  else
    peer_download "$2" "$3"
  fi
}

# Starts `$python SCRIPT start ARGS...`, which runs its server until its stdin
# (a FIFO held open here) closes, so it also stops if this script is killed.
# Sets `peer_line` to its JSON line.
start_peer() {
  rm -f "$work/peer.in" "$work/peer.json"
  mkfifo "$work/peer.in"
  "$python" "$@" <"$work/peer.in" >"$work/peer.json" &
  peer_pid=$!
  exec {peer_in}>"$work/peer.in"
  until [[ -s $work/peer.json ]] || ! kill -0 "$peer_pid" 2>/dev/null; do sleep 0.1; done
  sleep 0.1
  peer_line=$(head -n 1 "$work/peer.json")
}

# Reads FIELDS of the peer's JSON line into shell variables of those names,
# and `unavailable`; keys go into variables, never onto the terminal.
read_peer_fields() {
  local fields
  unavailable=""
  if ! fields=$("$python" -c '
import json, sys, shlex
info = json.loads(sys.argv[1])
if "unavailable" in info:
    print("unavailable=" + shlex.quote(info["unavailable"]))
else:
    for k in sys.argv[2:]:
        print(f"{k}={shlex.quote(str(info[k]))}")' "$peer_line" "$@" 2>/dev/null); then
    echo "peer: could not start (see above)" >&2
    exit 1
  fi
  eval "$fields"
}

# REPS alternating runs of cairn and the peer's client against the peer
# started last; prints each run and the medians.
measure() {  # KIND
  local kind=$1 tool other rep direction line a c ma mc
  local -a tools=(peer) order
  ((have_cairn)) && tools=(cairn peer)
  : >"$work/up.txt"
  : >"$work/down.txt"
  for ((rep = 1; rep <= reps; rep++)); do
    order=("${tools[@]}")
    ((rep % 2 == 0 && ${#tools[@]} == 2)) && order=(peer cairn)
    declare -A up_s=() up_rss=() up_cpu=() up_ccpu=() down_s=() down_rss=() down_cpu=() down_ccpu=()
    for tool in "${order[@]}"; do
      upload "$tool" "$tool.bin"
      up_s[$tool]=$secs up_rss[$tool]=$rss_mib up_cpu[$tool]=$server_cpu up_ccpu[$tool]=$client_cpu
    done
    # Each tool downloads what the other uploaded, so the byte check of the
    # copy also checks the other tool's upload.
    for tool in "${order[@]}"; do
      other=$tool
      ((${#tools[@]} == 2)) && other=$([[ $tool == cairn ]] && echo peer || echo cairn)
      download "$tool" "$other.bin" "$work/down-$tool.bin"
      down_s[$tool]=$secs down_rss[$tool]=$rss_mib down_cpu[$tool]=$server_cpu down_ccpu[$tool]=$client_cpu
      check_download "$work/down-$tool.bin"
    done
    for tool in "${tools[@]}"; do
      peer_remove "$tool.bin"
    done
    for direction in up down; do
      declare -n s=${direction}_s rss=${direction}_rss cpu=${direction}_cpu ccpu=${direction}_ccpu
      line="$kind ${direction}load run $rep ($([[ ${order[0]} == cairn ]] && echo cairn || echo "$peer_tool") first):"
      a=$(mibps "$bytes" "${s[peer]}")
      if ((have_cairn)); then
        c=$(mibps "$bytes" "${s[cairn]}")
        line+=" cairn $c MiB/s (${s[cairn]} s, peak RSS ${rss[cairn]} MiB$(cpu_text "${cpu[cairn]}" "${ccpu[cairn]}"))"
        echo "$c $a" >>"$work/$direction.txt"
      else
        echo "0 $a" >>"$work/$direction.txt"
      fi
      line+="  $peer_tool $a MiB/s (${s[peer]} s, peak RSS ${rss[peer]} MiB$(cpu_text "${cpu[peer]}" "${ccpu[peer]}"))"
      ((have_cairn)) && line+="  cairn/$peer_tool $(ratio "$c" "$a")"
      echo "$line"
      unset -n s rss cpu ccpu
    done
  done
  for direction in up down; do
    ma=$(cut -d' ' -f2 "$work/$direction.txt" | median)
    if ((have_cairn)); then
      mc=$(cut -d' ' -f1 "$work/$direction.txt" | median)
      echo "$kind ${direction}load median of $reps: cairn $mc MiB/s, $peer_tool $ma MiB/s, cairn/$peer_tool $(ratio "$mc" "$ma") (target >= $target)"
    else
      echo "$kind ${direction}load median of $reps: $peer_tool $ma MiB/s (cairn not measured)"
    fi
  done
}

# S3: s3rver, moto or the sink, against awscli.
# Saves of a MIB-sized state into the S3 peer started last, REPS times,
# alternating which goes first: Cairn streaming it (cairn_bench_save write
# s3://..., as a URI save_folder does) against the staged way (the same save
# to local disk, then `aws s3 cp` of the file: Composer's path with the peer's
# own uploader). Times are of the save alone (the state is built first, and
# the staged file is written under $work); peak RSS is the whole process's.
measure_saves() {  # KIND
  local kind=$1 bench_save="$build/bin/cairn_bench_save" gib rep first streamed staged stage_write rss live
  if [[ ! -x $bench_save ]]; then
    echo "$kind save: not measured: $bench_save is missing (build the cairn_bench_save target)"
    return
  fi
  gib=$(awk -v m="$mib" 'BEGIN {printf "%.4f", m / 1024}')
  field() { sed -n "s/^$1=//p" "$work/$2.err"; }
  : >"$work/saves.txt"
  for ((rep = 1; rep <= reps; rep++)); do
    for first in stream stage; do
      [[ $((rep % 2)) == 0 ]] && first=$([[ $first == stream ]] && echo stage || echo stream)
      if [[ $first == stream ]]; then
        timed save-stream "$bench_save" write "$remote/streamed.pt" --gib "$gib"
        streamed=$(field seconds save-stream) rss=$(field peak_rss_kib save-stream) live=$(field live_bytes save-stream)
      else
        timed save-stage "$bench_save" write "$work/staged.pt" --gib "$gib"
        stage_write=$(field seconds save-stage)
        peer_upload_file "$work/staged.pt" staged.pt
        staged=$(awk -v a="$stage_write" -v b="$secs" 'BEGIN {printf "%.2f", a + b}')
        rm -f "$work/staged.pt"
      fi
    done
    echo "$kind save run $rep: streamed $streamed s (peak RSS $((rss / 1024)) MiB, state $((live >> 20)) MiB)" \
      " staged $staged s (local save $stage_write s + aws s3 cp)  streamed/staged $(ratio "$streamed" "$staged")"
    echo "$streamed $staged" >>"$work/saves.txt"
    peer_remove streamed.pt
    peer_remove staged.pt
  done
  echo "$kind save median of $reps: streamed $(cut -d' ' -f1 "$work/saves.txt" | median) s," \
    "staged $(cut -d' ' -f2 "$work/saves.txt" | median) s"
}

bench_s3_peer() {  # KIND
  local kind=$1 endpoint access_key secret_key region pid
  [[ -x $aws_bin ]] || { echo "$kind: needs $aws_bin (Debian package 'awscli'; scripts/deps.sh installs it)" >&2; exit 1; }
  start_peer "$root/tests/support/s3_peers.py" start "$kind" --bucket "$bucket"
  read_peer_fields endpoint access_key secret_key region pid
  if [[ -n $unavailable ]]; then
    echo "$kind: skipped: $unavailable"
    stop_peer
    return
  fi
  server_pid=$pid
  export S3_ENDPOINT_URL=$endpoint AWS_ENDPOINT_URL=$endpoint AWS_ACCESS_KEY_ID=$access_key
  export AWS_SECRET_ACCESS_KEY=$secret_key AWS_REGION=$region AWS_DEFAULT_REGION=$region
  export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
  unset AWS_SESSION_TOKEN AWS_PROFILE
  peer_tool=aws remote="s3://$bucket" target=2
  peer_upload_file() { timed "aws-up" "$aws_bin" --endpoint-url "$endpoint" s3 cp --only-show-errors "$1" "$remote/$2"; }
  peer_upload() { peer_upload_file "$src" "$1"; }
  peer_download() { timed "aws-down" "$aws_bin" --endpoint-url "$endpoint" s3 cp --only-show-errors "$remote/$1" "$2"; }
  peer_remove() { "$aws_bin" --endpoint-url "$endpoint" s3 rm --only-show-errors "$remote/$1"; }
  echo "== $kind at $endpoint (awscli $("$aws_bin" --version | cut -d' ' -f1), defaults: 8 MiB parts, 10 threads)"
  measure "$kind"
  measure_saves "$kind"
  stop_peer
  server_pid=""
}

# Azure Blob: Azurite, against the Azure SDK. Cairn's azure:// URIs and the SDK
# both take the account, key and endpoint from the connection string.
bench_azurite() {
  local endpoint connection_string
  local clients="$root/tests/libcloud/peer_clients.py"
  start_peer "$root/tests/support/azure_peers.py" start azurite --container "$bucket"
  read_peer_fields endpoint connection_string
  if [[ -n $unavailable ]]; then
    echo "azurite: skipped: $unavailable"
    stop_peer
    return
  fi
  export AZURE_STORAGE_CONNECTION_STRING=$connection_string
  unset AZURE_ACCOUNT_NAME AZURE_ACCOUNT_ACCESS_KEY
  if ! "$python" -c 'import azure.storage.blob' 2>/dev/null; then
    echo "azurite: skipped: /usr/bin/python3 has no azure.storage.blob (Debian python3-azure)"
    stop_peer
    return
  fi
  peer_tool=azure-sdk remote="azure://$bucket" target=1
  peer_upload() { timed "sdk-up" "$python" "$clients" azure-sdk put "$bucket" "$1" "$src"; }
  peer_download() { timed "sdk-down" "$python" "$clients" azure-sdk get "$bucket" "$1" "$2"; }
  peer_remove() { "$python" -c '
import os, sys
from azure.storage.blob import BlobServiceClient
BlobServiceClient.from_connection_string(os.environ["AZURE_STORAGE_CONNECTION_STRING"]).get_container_client(sys.argv[1]).delete_blob(sys.argv[2])' "$bucket" "$1"; }
  echo "== azurite at $endpoint (Azure SDK $("$python" -c 'import azure.storage.blob as b; print(b.VERSION)'): max_concurrency=8, 4 MiB blocks above 64 MiB)"
  measure azurite
  stop_peer
}

# GCS: firebase-tools' emulator, against Google's Node client, on a file small
# enough for the emulator.
# The version in an npm package's package.json (the package's "exports" keep
# require() from reading it).
package_version() {
  "$python" -c 'import json, sys; print(json.load(open(sys.argv[1] + "/package.json"))["version"])' "$1"
}

bench_gcs() {
  local endpoint node_path node_client
  local src="$work/source-gcs.bin" bytes
  head -c $(((mib < ${GCS_MIB:-100} ? mib : ${GCS_MIB:-100}) << 20)) "$work/source.bin" >"$src"
  bytes=$(stat -c %s "$src")
  start_peer "$root/tests/support/gcs_peers.py" start --bucket "$bucket"
  read_peer_fields endpoint node_path node_client
  if [[ -n $unavailable ]]; then
    echo "gcs: skipped: $unavailable"
    stop_peer
    return
  fi
  export STORAGE_EMULATOR_HOST=$endpoint
  unset GCS_KEY GCS_SECRET GOOGLE_APPLICATION_CREDENTIALS
  peer_tool=node remote="gs://$bucket" target=1
  peer_upload() { timed "node-up" env NODE_PATH="$node_path" node "$node_client" upload "$bucket" "$1" "$src"; }
  peer_download() { timed "node-down" env NODE_PATH="$node_path" node "$node_client" download "$bucket" "$1" "$2"; }
  peer_remove() { NODE_PATH="$node_path" node "$node_client" delete "$bucket" "$1"; }
  echo "== gcs at $endpoint, $bytes bytes (@google-cloud/storage $(package_version "$node_path/@google-cloud/storage"), defaults; cairn: resumable in one chunk, 32 MiB ranges, 8 in flight)"
  startup "node with @google-cloud/storage" env NODE_PATH="$node_path" node -e 'require("@google-cloud/storage")'
  measure gcs
  # The emulator reads the whole object for every GET and then slices out the
  # range, on one thread, so Cairn's concurrent ranges cost it a full read
  # each (real GCS serves ranges independently). Measured again with one GET
  # per download, as the Node client does by default: a like-for-like figure.
  echo "== gcs again, cairn with one GET per download (download_chunk_size >= the object)"
  cairn_cp_args=(--store-config "{\"download_chunk_size\": $bytes}")
  measure gcs-one-get
  cairn_cp_args=()
  stop_peer
}

# Debian's LibTorch pulls in ~300 shared libraries, loaded by every `cairn`
# command, `cp` too: a fixed cost that weighs on the small files the emulators allow.
((have_cairn)) && startup "cairn (links LibTorch)" "$cairn" cp --help
for kind in $peers; do
  case $kind in
    azurite) bench_azurite ;;
    gcs) bench_gcs ;;
    *) bench_s3_peer "$kind" ;;
  esac
done

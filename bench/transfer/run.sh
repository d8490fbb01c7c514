#!/usr/bin/env bash
# Transfer benchmark: `cairn cp` against each store's own client, moving the
# same file to and from the same loopback server, alternating which goes
# first, REPS times each, for each server in PEERS:
#   s3rver, moto  S3 servers (tests/support/s3_peers.py): `aws s3 cp` (awscli v2,
#                 /usr/bin/aws) with its defaults
#   gcs           firebase-tools' Storage emulator (tests/support/gcs_peers.py):
#                 Google's Node client, @google-cloud/storage, with its defaults
#                 (tests/support/gcs_node_client.js: bucket.upload, file.download).
#                 The emulator refuses bodies over ~130 MB, so its file is at
#                 most GCS_MIB (100) MiB.
#
#   bench/transfer/run.sh [BUILD_DIR=build] [REPS=3] [MIB=1024] [PEERS=s3rver] [WORK_DIR]
#
# PEERS may add moto (where moto_server is installed), but moto measures
# itself more than the clients: it re-reads the whole object for each ranged
# GET, so awscli fetched 1 GiB from it at ~3.5 MiB/s (293 s) here, against
# ~65 MiB/s from s3rver.
#
# Prints, per run and as medians: throughput (MiB/s of file bytes, wall time of
# the whole command, start-up included), the ratio cairn/peer's client (target:
# >= 2 against awscli, >= 1 against Google's client), and peak RSS
# (/usr/bin/time %M). Every downloaded copy is checked against the source
# (outside the timings); each tool downloads the object the other uploaded, so
# both uploads are checked too. When bin/cairn has no `cp` yet, only the
# peers' clients are measured and the script says so.
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
gcs_mib=${GCS_MIB:-100}

if [[ " $peers " =~ \ (s3rver|moto)\  ]] && [[ ! -x $aws_bin ]]; then
  echo "needs $aws_bin (Debian package 'awscli'; scripts/deps.sh installs it)" >&2
  exit 1
fi
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
gcs_src="$work/source-gcs.bin"
peer_pid=""
stop_peer() {  # closing its stdin makes s3_peers.py stop the server and clean up
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
    rm -f "$work"/source*.bin "$work"/down-*.bin* "$work"/*.time "$work"/*.err "$work"/peer.* \
      "$work"/up.txt "$work"/down.txt
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
head -c $((mib << 20)) /dev/urandom >"$src"
head -c $(((mib < gcs_mib ? mib : gcs_mib) << 20)) "$src" >"$gcs_src"
echo "source: $(stat -c %s "$src") bytes ($(stat -c %s "$gcs_src") for gcs); work folder $work"

mibps() { awk -v b="$1" -v s="$2" 'BEGIN {printf "%.1f", b / s / 1048576}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# Runs a command under /usr/bin/time; sets `secs` and `rss_mib`. Its output goes
# to $work/NAME.err, shown only on failure.
timed() {
  local name=$1
  shift
  [[ $1 == aws_peer ]] && set -- "$aws_bin" --endpoint-url "$endpoint" "${@:2}"
  [[ $1 == node_peer ]] && set -- env NODE_PATH="$node_path" STORAGE_EMULATOR_HOST="$endpoint" node "$node_client" "${@:2}"
  if ! /usr/bin/time -f '%e %M' -o "$work/$name.time" "$@" >"$work/$name.err" 2>&1; then
    echo "$name failed: $(tail -n 3 "$work/$name.err")" >&2
    exit 1
  fi
  read -r secs rss_kib <"$work/$name.time"
  rss_mib=$((rss_kib / 1024))
}

aws_peer() { "$aws_bin" --endpoint-url "$endpoint" "$@"; }
node_peer() { NODE_PATH="$node_path" STORAGE_EMULATOR_HOST="$endpoint" node "$node_client" "$@"; }

check_download() {  # the copy must be the source, byte for byte
  cmp -s "$src" "$1" || { echo "$1 differs from the source" >&2; exit 1; }
  rm -f "$1"
}

upload() {  # TOOL KEY
  case $1 in
    cairn) timed "cairn-up" "$cairn" cp "$src" "$scheme://$bucket/$2" ;;
    aws) timed "aws-up" aws_peer s3 cp --only-show-errors "$src" "s3://$bucket/$2" ;;
    node) timed "node-up" node_peer upload "$bucket" "$2" "$src" ;;
  esac
}

download() {  # TOOL KEY DEST
  case $1 in
    cairn) timed "cairn-down" "$cairn" cp "$scheme://$bucket/$2" "$3" ;;
    aws) timed "aws-down" aws_peer s3 cp --only-show-errors "s3://$bucket/$2" "$3" ;;
    node) timed "node-down" node_peer download "$bucket" "$2" "$3" ;;
  esac
}

remove() {  # KEY
  case $scheme in
    s3) aws_peer s3 rm --only-show-errors "s3://$bucket/$1" ;;
    gs) node_peer delete "$bucket" "$1" ;;
  esac
}

all_src=$src
for kind in $peers; do
  if [[ $kind == gcs ]]; then
    scheme=gs peer_tool=node src=$gcs_src target=1
    start=("$root/tests/support/gcs_peers.py" start --bucket "$bucket")
  else
    scheme=s3 peer_tool=aws src=$all_src target=2
    start=("$root/tests/support/s3_peers.py" start "$kind" --bucket "$bucket")
  fi
  bytes=$(stat -c %s "$src")
  tools=("$peer_tool")
  ((have_cairn)) && tools=(cairn "$peer_tool")
  # The peer runs until its stdin (a FIFO held open here) closes, so it also
  # stops if this script is killed.
  rm -f "$work/peer.in" "$work/peer.json"
  mkfifo "$work/peer.in"
  "$python" "${start[@]}" <"$work/peer.in" >"$work/peer.json" &
  peer_pid=$!
  exec {peer_in}>"$work/peer.in"
  until [[ -s $work/peer.json ]] || ! kill -0 "$peer_pid" 2>/dev/null; do sleep 0.1; done
  sleep 0.1
  line=$(head -n 1 "$work/peer.json")
  # Keys go into the environment, never onto the terminal.
  if ! fields=$("$python" -c '
import json, sys, shlex
info = json.loads(sys.argv[1])
if "unavailable" in info:
    print("unavailable=" + shlex.quote(info["unavailable"]))
else:
    for k in ("endpoint", "access_key", "secret_key", "region", "node_path", "node_client"):
        print(f"{k}={shlex.quote(str(info.get(k, "")))}")' "$line" 2>/dev/null); then
    echo "$kind: could not start (see above)" >&2
    exit 1
  fi
  unavailable="" endpoint="" access_key="" secret_key="" region="" node_path="" node_client=""
  eval "$fields"
  if [[ -n $unavailable ]]; then
    echo "$kind: skipped: $unavailable"
    stop_peer
    continue
  fi
  if [[ $scheme == gs ]]; then
    export STORAGE_EMULATOR_HOST=$endpoint
    unset GCS_KEY GCS_SECRET GOOGLE_APPLICATION_CREDENTIALS
    echo "== $kind at $endpoint (@google-cloud/storage $(NODE_PATH=$node_path node -p 'require("@google-cloud/storage/package.json").version'), defaults; cairn: resumable in one chunk, 32 MiB ranges, 8 in flight)"
  else
    export S3_ENDPOINT_URL=$endpoint AWS_ENDPOINT_URL=$endpoint AWS_ACCESS_KEY_ID=$access_key
    export AWS_SECRET_ACCESS_KEY=$secret_key AWS_REGION=$region AWS_DEFAULT_REGION=$region
    export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
    unset AWS_SESSION_TOKEN AWS_PROFILE
    echo "== $kind at $endpoint (awscli $("$aws_bin" --version | cut -d' ' -f1), defaults: 8 MiB parts, 10 threads)"
  fi

  : >"$work/up.txt"
  : >"$work/down.txt"
  for ((rep = 1; rep <= reps; rep++)); do
    order=("${tools[@]}")
    ((rep % 2 == 0 && ${#tools[@]} == 2)) && order=("$peer_tool" cairn)
    declare -A up_s=() up_rss=() down_s=() down_rss=()
    for tool in "${order[@]}"; do
      upload "$tool" "$tool.bin"
      up_s[$tool]=$secs up_rss[$tool]=$rss_mib
    done
    # Each tool downloads what the other uploaded, so the byte check of the
    # copy also checks the other tool's upload.
    for tool in "${order[@]}"; do
      other=$tool
      ((${#tools[@]} == 2)) && other=$([[ $tool == cairn ]] && echo "$peer_tool" || echo cairn)
      download "$tool" "$other.bin" "$work/down-$tool.bin"
      down_s[$tool]=$secs down_rss[$tool]=$rss_mib
      check_download "$work/down-$tool.bin"
    done
    for tool in "${tools[@]}"; do
      remove "$tool.bin"
    done
    for direction in up down; do
      declare -n s=${direction}_s rss=${direction}_rss
      line="$kind ${direction}load run $rep (${order[0]} first):"
      a=$(mibps "$bytes" "${s[$peer_tool]}")
      if ((have_cairn)); then
        c=$(mibps "$bytes" "${s[cairn]}")
        line+=" cairn $c MiB/s (${s[cairn]} s, peak RSS ${rss[cairn]} MiB)"
        echo "$c $a" >>"$work/$direction.txt"
      else
        echo "0 $a" >>"$work/$direction.txt"
      fi
      line+="  $peer_tool $a MiB/s (${s[$peer_tool]} s, peak RSS ${rss[$peer_tool]} MiB)"
      ((have_cairn)) && line+="  cairn/$peer_tool $(ratio "$c" "$a")"
      echo "$line"
      unset -n s rss
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
  stop_peer
done

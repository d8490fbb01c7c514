#!/usr/bin/env bash
# The quick start: installs what is missing, builds, trains the bundled sample
# (an MLP on synthetic data, with the EMA algorithm plugin) for two epochs with a checkpoint per epoch, resumes
# from the latest checkpoint for a third epoch, then shows what the checkpoint
# holds. The SpeedMonitor callback plugin runs throughout; its state (the
# throughput window and wall-clock total) is saved in every checkpoint and
# carried across the resume, which the last step checks with `cairn inspect`.
# Safe to run again: --save-overwrite replaces the previous run's files.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/deps.sh --build-only
scripts/build.sh sample  # cairn and the plugins the sample uses; scripts/test.sh builds the rest

cairn=build/bin/cairn
sample=(--model mlp --data synthetic --seed 42 --run-name sample --save-folder ./checkpoints --save-overwrite
        --algorithm 'EMA={"half_life": "50ba"}' --callback 'SpeedMonitor={"window_size": 4}')

echo "== training for 2 epochs"
"$cairn" fit "${sample[@]}" --max-duration 2ep

echo "== resuming from ./checkpoints/latest-rank0.pt for a third epoch"
"$cairn" fit "${sample[@]}" --max-duration 3ep --load-path ./checkpoints/latest-rank0.pt

echo "== the latest checkpoint"
report=$("$cairn" inspect ./checkpoints/latest-rank0.pt)
echo "$report"
if ! grep -q '^  callback  SpeedMonitor .*loadable from speed_monitor' <<<"$report"; then
  echo "run-sample: the checkpoint does not hold SpeedMonitor's state" >&2
  exit 1
fi
if ! grep -q '^  algorithm EMA .*loadable from ema' <<<"$report"; then
  echo "run-sample: the checkpoint does not hold EMA's state" >&2
  exit 1
fi

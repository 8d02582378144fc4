#!/usr/bin/env bash
# Scores the v3 candidate (models/training/out, written by `npm run train -- --resume`) with evaluate-models
# on the held-out-package sample (scripts/train/heldout_sample.py) and on corpus/, at nice 19 like the training.
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=bench/results/2026-12-07-family-v3-candidate
step() {
  local name=$1; shift
  local started; started=$(date +%s)
  echo "$(date -u +%H:%M:%S) $name start, load: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/steps.log"
  local rc=0
  nice -n 19 node --import tsx server/cli.ts evaluate-models "$@" > "$out/$name.md" 2> "$out/$name.err" || rc=$?
  echo "$(date -u +%H:%M:%S) $name exit $rc, $(( $(date +%s) - started )) s, load: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/steps.log"
}
step evaluate-models-candidate-heldout-packages --corpus models/training/heldout-eval --models models/training/out
step evaluate-models-candidate-corpus --models models/training/out
cp models/training/heldout-eval/SOURCES.json "$out/heldout-packages-sample.json"
cp models/training/out/manifest.json "$out/candidate-manifest.json"

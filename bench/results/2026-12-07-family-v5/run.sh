#!/usr/bin/env bash
# Scores the v5 family (models/training/out, written by `npm run train -- --resume`) on the
# held-out-package sample (scripts/train/heldout_sample.py, the same 50 files and seed as v1–v4)
# at 1,000 positions: losses, next-line match, drafter acceptance, ten completions.
# nextline-1000-v1 scores the shipped v1 family (assets/models) the same way, for the replacement rule.
# `bash run.sh [step ...]` (default: all), one step at a time, on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=bench/results/2026-12-07-family-v5
steps=("$@")
source bench/results/steps.sh
npm run build --silent
run nextline-1000-v5 node dist/cli.js evaluate-models --corpus models/training/heldout-eval --models models/training/out --positions 1000
run nextline-1000-v1 node dist/cli.js evaluate-models --corpus models/training/heldout-eval --positions 1000
# The demo (`npm start`) on the shipped v5 family, profiled afresh.
run demo node dist/cli.js demo --force

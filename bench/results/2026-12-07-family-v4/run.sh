#!/usr/bin/env bash
# Scores the v4 candidate (models/training/out, written by `npm run train -- --resume`) on the
# held-out-package sample (scripts/train/heldout_sample.py) at 200 positions, then the candidate
# and the shipped family (assets/models) at 1,000 positions for next-line match.
# `bash run.sh [step ...]` (default: all), one step at a time, on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=bench/results/2026-12-07-family-v4
steps=("$@")
source bench/results/steps.sh
npm run build --silent
run evaluate-models-heldout-packages node dist/cli.js evaluate-models --corpus models/training/heldout-eval --models models/training/out
run nextline-1000-v4 node dist/cli.js evaluate-models --corpus models/training/heldout-eval --models models/training/out --positions 1000
run nextline-1000-v1 node dist/cli.js evaluate-models --corpus models/training/heldout-eval --positions 1000

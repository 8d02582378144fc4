#!/bin/bash
# Quiet-machine measurements of 2026-12-02 03:26 UTC, one after another (nothing else running). Each step logs its own file.
M=/work/measure5
step() { local name=$1; shift; echo "=== $(date +%T) $name: $* (load $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a $M/steps.log; local t0=$(date +%s); ( "$@" ) > $M/$name.txt 2>&1; echo "    rc=$? $(( $(date +%s) - t0 )) s" | tee -a $M/steps.log; }
cd /work/main && npm run build --silent
step profile-trained node dist/cli.js profile --out $M/profile-trained.json --force
step validate-trained node dist/cli.js validate --profile $M/profile-trained.json
step probe-protocols node --import tsx scripts/probe/verifyRoundCost.ts --trials 5
step demo npm start
step bench-typing npm run bench:typing -- --rtt 25,100 --step-ms 25
echo "=== $(date +%T) done" | tee -a $M/steps.log

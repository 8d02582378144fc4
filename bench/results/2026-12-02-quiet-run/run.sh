#!/bin/bash
# Quiet-machine measurements, one after another (nothing else running). Each step logs its own file.
M=/work/measure
step() { local name=$1; shift; echo "=== $(date +%T) $name: $* (load $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a $M/steps.log; local t0=$(date +%s); ( "$@" ) > $M/$name.txt 2>&1; echo "    rc=$? $(( $(date +%s) - t0 )) s" | tee -a $M/steps.log; }
cd /work/main && npm run build --silent
step profile-trained node dist/cli.js profile --out $M/profile-trained.json --force
step validate-trained node dist/cli.js validate --profile $M/profile-trained.json
step validate-trained-owncode node dist/cli.js validate --profile $M/profile-trained.json --corpus $M/own-code
step probe-protocols node --import tsx scripts/probe/verifyRoundCost.ts --trials 5
step evaluate-models node dist/cli.js evaluate-models --samples 10
cd /work/before && npm run build --silent
step before-profile-trained node dist/cli.js profile --out $M/before-profile-trained.json --force
step before-validate-trained node dist/cli.js validate --profile $M/before-profile-trained.json
cd /work/main
step profile-generated node dist/cli.js profile --models $M/generated --out $M/profile-generated.json --force
step validate-generated node dist/cli.js validate --profile $M/profile-generated.json
step bench-typing npm run bench:typing -- --rtt 25,100 --step-ms 25
cd /work/old && step old-npm-test npm test
echo "=== $(date +%T) done" | tee -a $M/steps.log

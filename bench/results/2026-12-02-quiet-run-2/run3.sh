#!/bin/bash
# Third batch of the 2026-12-02 03:26 UTC quiet run: predicted-outputs' 50-prompt lossless grid alone (in run2 the whole file hit the runner's 600 s per-file timeout after the other three protocols passed).
M=/work/measure5
step() { local name=$1; shift; echo "=== $(date +%T) $name: $* (load $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a $M/steps.log; local t0=$(date +%s); ( "$@" ) > $M/$name.txt 2>&1; echo "    rc=$? $(( $(date +%s) - t0 )) s" | tee -a $M/steps.log; }
while ! grep -q "done2" $M/steps.log; do sleep 5; done
cd /work/main
step lossless-50-predicted-outputs env CONFIGSPEC_LOSSLESS_PROMPTS=50 node --import tsx --test --test-timeout=1200000 --test-name-pattern="predicted-outputs" test/server/verifier/protocolsLossless.test.ts
echo "=== $(date +%T) done3" | tee -a $M/steps.log

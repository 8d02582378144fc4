#!/bin/bash
# Second batch of the 2026-12-02 03:26 UTC quiet run (after run.sh): the profile with the walked protocol survey and its
# validation, the 50-prompt lossless suite on every protocol, 20 runs of the concurrency test.
M=/work/measure5
step() { local name=$1; shift; echo "=== $(date +%T) $name: $* (load $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a $M/steps.log; local t0=$(date +%s); ( "$@" ) > $M/$name.txt 2>&1; echo "    rc=$? $(( $(date +%s) - t0 )) s" | tee -a $M/steps.log; }
while ! grep -q "done" $M/steps.log; do sleep 5; done
cd /work/main && npm run build --silent
step profile-trained-walked node dist/cli.js profile --out $M/profile-trained-walked.json --force
step validate-trained-walked node dist/cli.js validate --profile $M/profile-trained-walked.json
step lossless-50-every-protocol env CONFIGSPEC_LOSSLESS_PROMPTS=50 node scripts/run-tests.mjs test/server/verifier/protocolsLossless.test.ts
concurrency20() { for i in $(seq 1 20); do node --import tsx --test --test-name-pattern="50 concurrent clients" test/server/verifierServer/hostileBodies.test.ts 2>&1 | grep -E "^# (pass|fail)" | tr '\n' ' '; echo " run $i"; done; }
step concurrency-20-in-a-row concurrency20
step batch-invariance node scripts/run-tests.mjs test/server/verifierServer/batchInvariance.test.ts
echo "=== $(date +%T) done2" | tee -a $M/steps.log

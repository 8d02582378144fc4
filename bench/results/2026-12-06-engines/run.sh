#!/usr/bin/env bash
# The real-engine measurements, one at a time: the 50-prompt lossless grid on llama-server and on
# vLLM (outputs, not time), then the verify cost per round on each engine and protocol.
# Each step's output is kept beside this script, with the machine's load before and after and
# what else was running.
set -u
cd "$(dirname "$0")/../../.."
out=bench/results/2026-12-06-engines
step() {
  local name=$1; shift
  { echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)"; echo "# beside it: $(ps -eo pcpu,args --sort=-pcpu | awk 'NR>1 && $1>20 {print $2, $3, $4}' | grep -v " ps " | head -5 | tr '\n' ';')"; } > "$out/$name.txt"
  "$@" >> "$out/$name.txt" 2>&1
  echo "# exit $? at $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/$name.txt"
}
npm run build --silent
step lossless-50-llama-server env CONFIGSPEC_LOSSLESS_PROMPTS=50 node --import tsx --test --test-timeout=3600000 test/server/verifier/engines/llamaServer.test.ts
step lossless-50-vllm env CONFIGSPEC_LOSSLESS_PROMPTS=50 node --import tsx --test --test-timeout=3600000 test/server/verifier/engines/vllm.test.ts
for engine in llama-server vllm embedded; do
  step "round-cost-$engine" node --import tsx scripts/probe/engineRoundCost.ts --engine "$engine" --trials 5
done
# profile and validate against each engine (its own profile), the verify fits measured there.
for engine in llama-server vllm; do
  node --import tsx scripts/engines/serve.ts --engine "$engine" > "$out/serve-$engine.log" 2>&1 &
  serve=$!
  for _ in $(seq 1 600); do [ -s "$out/serve-$engine.log" ] && grep -q "^http" "$out/serve-$engine.log" && break; sleep 1; done
  read -r url model < <(grep "^http" "$out/serve-$engine.log")
  step "profile-$engine" node dist/cli.js profile --verifier-url "$url" --verifier-model "$model" --out "$out/profile-$engine.json" --force
  step "validate-$engine" node dist/cli.js validate --profile "$out/profile-$engine.json" --verifier-url "$url" --verifier-model "$model"
  kill "$serve"; wait "$serve" 2>/dev/null
done

#!/usr/bin/env bash
# The real-engine measurements, one at a time, on the bundled family: verify cost per round per
# engine and protocol (K = 8, ~1,000-token context, cold and cached), the 50-prompt lossless grid
# (outputs, not time), edge against co-located speculation at several RTTs. Each step's output
# is kept beside this script with the machine's load before and after and what else ran.
set -u
cd "$(dirname "$0")/../../.."
out=bench/results/2026-12-06-engines
step() {
  local name=$1; shift
  { echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)"; echo "# command: $*"; echo "# beside it (>20% CPU): $(ps -eo pcpu,args --sort=-pcpu | awk 'NR>1 && $1>20 {print $2, $3}' | head -5 | tr '\n' ';')"; } > "$out/$name.txt"
  "$@" >> "$out/$name.txt" 2>&1
  echo "# exit $? at $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/$name.txt"
}
npm run build --silent
step round-cost-llama-server node --import tsx scripts/probe/engineRoundCost.ts --engine llama-server --trials 5
step round-cost-embedded node --import tsx scripts/probe/engineRoundCost.ts --engine embedded --trials 5
step lossless-50-llama-server env CONFIGSPEC_LOSSLESS_PROMPTS=50 node --import tsx --test --test-timeout=3600000 test/server/verifier/engines/llamaServer.test.ts
step colocated node --import tsx scripts/probe/colocatedWindow.ts --rtt 0,25,50,100 --prompts 6 --drafters draft-4l-192-q8_0,draft-2l-128-distilled-q8_0 --out "$out"
step round-cost-vllm node --import tsx scripts/probe/engineRoundCost.ts --engine vllm --trials 5
step lossless-50-vllm env CONFIGSPEC_LOSSLESS_PROMPTS=50 node --import tsx --test --test-timeout=3600000 test/server/verifier/engines/vllm.test.ts
# Again through the route the engine takes on llama-server (its native /completion): the first
# run above picked the first route that answered, llama-server's OpenAI one.
step round-cost-llama-server-native node --import tsx scripts/probe/engineRoundCost.ts --engine llama-server --trials 5

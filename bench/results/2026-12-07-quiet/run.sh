#!/usr/bin/env bash
# The timed runs, one at a time on a quiet machine (no training, no tests, no other bench):
# typing latency against the embedded verifier (emulated cloud step) and llama-server; profile
# and validate against the embedded verifier and llama-server, on the bundled prompts and on
# code the models never saw (--corpus); the 50-prompt lossless grid on vLLM (outputs, not
# time); the embedded verifier's cold prompt. Each step's output is kept beside this script with
# the load before and after and what else ran.
#   bash bench/results/2026-12-07-quiet/run.sh [step ...]   (default: every step, in order)
set -u
cd "$(dirname "$0")/../../.."
out=bench/results/2026-12-07-quiet
# Code none of the models saw: the held-out packages of the training corpus (split by package).
heldout=${HELDOUT_CORPUS:-models/training/heldout-eval}
step() {
  local name=$1; shift
  { echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)"; echo "# command: $*"; echo "# beside it (>20% CPU): $(ps -eo pcpu,args --sort=-pcpu | awk 'NR>1 && $1>20 {print $2, $3}' | head -5 | tr '\n' ';')"; } > "$out/$name.txt"
  local t0=$SECONDS
  "$@" >> "$out/$name.txt" 2>&1
  echo "# exit $? at $(date -u +%FT%TZ) after $((SECONDS - t0)) s, load: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/$name.txt"
}
# Runs "$@" with an engine (llama-server, vllm) serving the bundled target in the background ($ENGINE_URL, $ENGINE_MODEL).
with_engine() {
  local engine=$1; shift
  local log; log=$(mktemp)
  node --import tsx scripts/engines/serve.ts --engine "$engine" --slots 9 > "$log" 2>&1 &
  local pid=$!
  until grep -q '^http' "$log"; do sleep 1; kill -0 $pid 2>/dev/null || { cat "$log"; return 1; }; done
  read -r ENGINE_URL ENGINE_MODEL < <(grep '^http' "$log")
  export ENGINE_URL ENGINE_MODEL
  "$@"
  kill $pid; wait $pid 2>/dev/null
}
profile_validate() { # name [profile flags...]
  local name=$1; shift
  local corpus_flags=()
  [[ $name == *corpus* ]] && corpus_flags=(--corpus "$heldout")
  local engine_flags=()
  [[ $name == *llama* || $name == *vllm* ]] && engine_flags=(--verifier-url "$ENGINE_URL/v1" --verifier-model "$ENGINE_MODEL")
  step "profile-$name" node dist/cli.js profile --force --out "$out/profile-$name.json" "${corpus_flags[@]}" "${engine_flags[@]}" "$@"
  step "validate-$name" node dist/cli.js validate --profile "$out/profile-$name.json" "${corpus_flags[@]}" "${engine_flags[@]}"
}
STEPS="${*:-typing-embedded typing-llama-server validate-embedded validate-llama validate-embedded-corpus validate-llama-corpus validate-vllm lossless-50-vllm cold-prompt}"
npm run build --silent
for s in $STEPS; do
  case $s in
    typing-embedded) step typing-embedded npm run bench:typing -- --rtt 25,100 --step-ms 25 --out "$out" ;;
    typing-llama-server) step typing-llama-server npm run bench:typing -- --engine llama-server --rtt 25,100 --out "$out" ;;
    validate-embedded) profile_validate embedded --step-ms 25 ;;
    validate-embedded-corpus) profile_validate embedded-corpus --step-ms 25 ;;
    validate-llama) with_engine llama-server profile_validate llama ;;
    validate-llama-corpus) with_engine llama-server profile_validate llama-corpus ;;
    validate-vllm) with_engine vllm profile_validate vllm ;;
    lossless-50-vllm) step lossless-50-vllm env CONFIGSPEC_LOSSLESS_PROMPTS=50 node --import tsx --test --test-timeout=3600000 test/server/verifier/engines/vllm.test.ts ;;
    cold-prompt) step cold-prompt node --import tsx scripts/probe/blockSize.ts ;;
    *) echo "unknown step $s" >&2; exit 2 ;;
  esac
done

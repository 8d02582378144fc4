import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_MAX_PREFIX_TOKENS } from "../../../server/prompt/promptWindow.js";
import { COLD_PROMPT_BUDGET_MS, promptWindowFor, requestDeadlineMs, speedsOfProfile, timeBudgetNote, UNPROFILED_SPEEDS, type EndpointSpeeds } from "../../../server/verifier/timeBudget.js";
import { DEFAULT_VERIFIER_TIMEOUT_MS } from "../../../server/verifier/verifierEndpointConfig.js";

// A cloud GPU (tens of ms for 1,000 tokens) and this machine's CPU serving a 135 M model (seconds).
const gpu: EndpointSpeeds = { prefill: { baseMs: 20, perPromptTokenMs: 0.05 }, decodeMsPerToken: 15, rttMs: 60, source: "profile" };
const cpu: EndpointSpeeds = { prefill: { baseMs: 100, perPromptTokenMs: 5 }, decodeMsPerToken: 20, rttMs: 1, source: "profile" };

test("a slower engine gets a longer deadline, never one below the client's default", () => {
  assert.equal(requestDeadlineMs(gpu, 1024, 64), DEFAULT_VERIFIER_TIMEOUT_MS);
  const slow = requestDeadlineMs(cpu, 1024, 64);
  // 100 + 5·1024 + 20·64 + 1 = 6,501 ms expected; three times that.
  assert.equal(slow, 3 * 6501);
  assert.ok(requestDeadlineMs(UNPROFILED_SPEEDS, 1024, 64) > slow);
});

test("a slower engine gets a shorter prompt window, sized so a cold prompt fits the pause budget", () => {
  assert.equal(promptWindowFor(gpu).maxPrefixTokens, DEFAULT_MAX_PREFIX_TOKENS);
  const window = promptWindowFor({ ...cpu, prefill: { baseMs: 100, perPromptTokenMs: 2.5 } });
  const tokens = window.maxPrefixTokens! + window.maxSuffixTokens!;
  assert.ok(tokens < DEFAULT_MAX_PREFIX_TOKENS, `${tokens} tokens`);
  assert.ok(Math.abs(100 + 2.5 * tokens - COLD_PROMPT_BUDGET_MS) < 10, "the window's cold prefill is the budget");
  // Never below the floor, however slow.
  assert.equal(promptWindowFor({ ...cpu, prefill: { baseMs: 100, perPromptTokenMs: 20 } }).maxPrefixTokens, 256);
});

test("an unprofiled endpoint says so; a profiled one says nothing", () => {
  assert.match(timeBudgetNote(UNPROFILED_SPEEDS) ?? "", /not profiled/);
  assert.equal(timeBudgetNote(cpu), undefined);
});

test("a profile's speeds take prefill from the cold round of the protocol in use when the warm fit is faster", () => {
  const verifier = {
    protocol: "prefix-probe",
    prefillMs: { baseMs: 2, perPromptTokenMs: 0 },
    generateMsPerToken: { median: 75 },
    rttMs: { median: 1 },
    protocols: [
      { protocol: "prefix-probe", coldMs: 2003, contextTokens: 400 },
      { protocol: "echo-logprobs", coldMs: 14003, contextTokens: 400 },
    ],
  };
  assert.equal(speedsOfProfile(verifier).prefill.perPromptTokenMs, 5);
  assert.equal(speedsOfProfile(verifier, "echo-logprobs").prefill.perPromptTokenMs, 35);
  assert.equal(speedsOfProfile({ ...verifier, protocols: undefined }).prefill.perPromptTokenMs, 0);
});

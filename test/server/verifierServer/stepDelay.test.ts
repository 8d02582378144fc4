import assert from "node:assert/strict";
import { test } from "node:test";
import { postJson, startTargetVerifier } from "../../helpers/verifierTestKit.js";

// The emulated large verifier: every forward pass costs stepDelayMs more, so generating n
// tokens costs ~n steps while verifying a K-token draft costs one — the regime speculation targets.
const STEP_MS = 40;

const plain = await startTargetVerifier();
const slow = await startTargetVerifier({ stepDelayMs: STEP_MS });

async function timed(url: string, body: unknown): Promise<{ ms: number; body: any }> {
  const started = performance.now();
  const response = await postJson(url, body);
  assert.equal(response.status, 200);
  return { ms: performance.now() - started, body: response.body };
}

test("generation pays one step per token, an echoed verification one step per call, output unchanged", async () => {
  const prompt = "def fibonacci(n):\n    if n < 2:\n        return n\n    return fib";
  const generate = { prompt, max_tokens: 6, temperature: 0 };
  const fast = await timed(`${plain.baseUrl}/completions`, generate);
  const slowed = await timed(`${slow.baseUrl}/completions`, generate);
  assert.equal(slowed.body.choices[0].text, fast.body.choices[0].text);
  // Prompt evaluation + 5 single-token evaluations (the 6th token needs no evaluation after it):
  // at least 5 sleeps. (A difference against the plain server's time is noise under CI load.)
  assert.ok(slowed.ms >= 5 * STEP_MS, `${slowed.ms.toFixed(0)} ms for 6 tokens`);

  const verify = { prompt: prompt + fast.body.choices[0].text, echo: true, logprobs: 1, max_tokens: 1, temperature: 0 };
  const verified = await timed(`${slow.baseUrl}/completions`, { ...verify, prompt: `${verify.prompt} ` });
  // One step for the whole echoed call, against five for generating: compared in one run.
  assert.ok(verified.ms >= STEP_MS, `verification took ${verified.ms.toFixed(0)} ms`);
  assert.ok(verified.ms < slowed.ms, `verification ${verified.ms.toFixed(0)} ms, generation ${slowed.ms.toFixed(0)} ms`);
});

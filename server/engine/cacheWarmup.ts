import type { WarmupOutcome } from "../completionContract.js";
import type { Drafter } from "../drafter/drafter.js";
import type { CompletionPrompt } from "../prompt/completionPrompt.js";
import type { VerifierWarmup } from "../verifier/promptWarmup.js";
import type { VerifierClient } from "../verifier/verifierClient.js";

export interface CacheWarmupInput {
  prompt: CompletionPrompt;
  documentKey: string;
  /** The drafter whose KV takes the prompt; undefined when the mode does not draft. */
  drafter: Drafter | undefined;
  /** The verifier and the request that warms its prefix cache; undefined: not warmed (billed endpoint, or no verifier). */
  verifier: { client: VerifierClient; warmup: VerifierWarmup; sendTokenIds: boolean } | undefined;
  signal: AbortSignal;
}

/**
 * Puts a prompt into both caches while the person is still typing, so the pause pays only for
 * what was typed since: the drafter evaluates it into the document's sequence (a draft of 0
 * tokens: the prefix it already holds is reused), and the verifier gets its endpoint's cheapest
 * prefill request, in the form the completions will send (token ids or text), concurrently.
 */
export async function warmCaches(input: CacheWarmupInput): Promise<WarmupOutcome> {
  const started = performance.now();
  const { prompt, drafter, verifier, signal } = input;
  const drafting = drafter && prompt.tokens.length > 0 ? drafter.draft(input.documentKey, prompt.tokens, 0, signal) : undefined;
  const verifying = verifier?.warmup.warm(verifier.client, verifier.sendTokenIds ? prompt.tokens : prompt.text, signal);
  const [draft, call] = await Promise.all([drafting, verifying]);
  return {
    drafterTokens: draft?.evaluatedContextTokens ?? 0,
    ...(call && { verifier: call }),
    totalMs: performance.now() - started,
  };
}

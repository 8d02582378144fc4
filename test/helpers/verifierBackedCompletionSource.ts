import type { CompletionInput, CompletionOutput, CompletionSource } from "../../server/completionContract.js";
import type { EngineOptions } from "../../server/daemon/engineFactory.js";
import { VerifierClient } from "../../server/verifier/verifierClient.js";
import { PromptLookupCompletionSource } from "./promptLookupCompletionSource.js";

/**
 * A model-free engine that really talks to the configured verifier over HTTP: verifier-only
 * generation with the product's {@link VerifierClient} (so every verifier fault surfaces as the
 * client's own error), and prompt lookup as the "drafter" when built without a verifier
 * (drafter-only, unverified). For daemon tests of verifier faults, the circuit breaker and
 * secrets; NOT the product's engine.
 */
export class VerifierBackedCompletionSource implements CompletionSource {
  readonly #client: VerifierClient | undefined;
  readonly #drafter = new PromptLookupCompletionSource({ roundMs: 1 });

  constructor(options: EngineOptions, client: { timeoutMs: number; maxRetries: number }) {
    const { verifier } = options;
    this.#client = verifier && new VerifierClient({ baseUrl: verifier.baseUrl, model: verifier.model || "toy", apiKey: verifier.apiKey, ...client });
  }

  /** `GET /models` on the verifier: rejects with the client's error when it is not there. */
  async checkVerifier(): Promise<void> {
    await this.#client?.listModels();
  }

  async complete(input: CompletionInput): Promise<CompletionOutput> {
    if (!this.#client) {
      const output = await this.#drafter.complete(input);
      return { ...output, configuration: { drafterId: "prompt-lookup", k: 4, verified: false } };
    }
    const started = performance.now();
    const generation = await this.#client.generate({ prompt: input.prefix, maxTokens: input.maxTokens, signal: input.signal });
    const totalMs = performance.now() - started;
    return {
      text: generation.text,
      stopReason: generation.stopReason === "maxTokens" ? "maxTokens" : "eos",
      stats: {
        tokens: generation.stats.usage.completionTokens,
        rounds: 1,
        drafted: 0,
        accepted: 0,
        timings: { draftMs: 0, verifyMs: totalMs, networkMs: 0, totalMs },
        usage: generation.stats.usage,
      },
      configuration: { drafterId: undefined, k: 0, verified: true },
    };
  }

  async dispose(): Promise<void> {
    this.#client?.dispose();
  }
}

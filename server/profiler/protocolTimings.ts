import type { Token } from "node-llama-cpp";
import type { Drafter } from "../drafter/drafter.js";
import type { ProtocolTiming } from "../profile/profileSchema.js";
import { describeMissing, createTokenVerifier, detectVerifierProtocols } from "../verifier/protocols/protocolDetection.js";
import type { VerifierClient } from "../verifier/verifierClient.js";
import { isAbortError } from "../util/abort.js";
import { errorMessageOf } from "../util/errorMessage.js";
import { VERIFIER_PROTOCOLS, type VerifierProtocol } from "../verifier/verifierProtocol.js";

/** Rounds after the cold one, per protocol (their median is the cached verify ms): each on the context grown by the last draft, with a new draft. */
export const PROTOCOL_TIMING_WARM_ROUNDS = 5;
/** Draft length of the timed rounds. */
export const PROTOCOL_TIMING_K = 4;

export interface ProtocolTimingOptions {
  client: VerifierClient;
  drafter: Drafter;
  /** A calibration prompt (token ids of the shared tokenizer). */
  prompt: readonly Token[];
  signal?: AbortSignal;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Which exact protocols the endpoint answers (probed once, as `auto` does) and, for each, the
 * verify time of one round at a new context, then of rounds as decoding makes them: the context
 * grown by the last round's draft (cached by the verifier, which scored it) and a new draft from
 * the drafter — the same walk for every protocol, so the numbers compare. Repeating one round
 * instead measured a verifier that had every position cached already: sglang's request then did
 * no model work at all, its ratio to echo-logprobs came out ~0.25, and configurations via sglang
 * were predicted 36–48% too fast in validation. Each protocol gets its own prompt variant (one
 * token fewer at the start per protocol) so none starts with another's cache. predicted-outputs is timed as
 * one call of K+1 tokens with the draft as prediction.
 */
export async function measureProtocols(options: ProtocolTimingOptions): Promise<{ timings: ProtocolTiming[]; missing: string[] }> {
  const { client, drafter, signal } = options;
  const detection = await detectVerifierProtocols(client, { signal, probeTokens: options.prompt.slice(0, 4) });
  const timings: ProtocolTiming[] = [];
  const failed: string[] = [];
  for (const [index, protocol] of detection.found.entries()) {
    // A distinct context per protocol: the cold round must find nothing cached. Each starts at
    // another token of the prompt (appending one token instead left the whole prompt in the
    // previous protocol's cache: prefix-probe's "cold" round read 42 ms against sglang's 1,365).
    const context = options.prompt.slice(Math.min(index, options.prompt.length - 1));
    const documentKey = `protocol-timing-${protocol}`;
    const probe = detection.probes.find((p) => p.protocol === protocol && p.works);
    const verifier = createTokenVerifier(client, { protocol, variant: probe?.variant });
    const round = async (roundContext: readonly Token[]): Promise<{ ms: number; draft: Token[] }> => {
      const draft = (await drafter.draft(documentKey, roundContext, PROTOCOL_TIMING_K, signal)).tokens;
      const started = performance.now();
      if (verifier) await verifier.verifyDraft({ context: roundContext, draft, signal });
      else await client.predict({ prompt: drafter.textAfter(roundContext as Token[], []), prediction: drafter.textAfter(draft, roundContext as Token[]), maxTokens: draft.length + 1, signal });
      return { ms: performance.now() - started, draft };
    };
    let coldMs: number;
    let k = PROTOCOL_TIMING_K;
    const warm: number[] = [];
    try {
      let grown: readonly Token[] = context;
      const cold = await round(grown);
      coldMs = cold.ms;
      k = cold.draft.length;
      let last = cold.draft;
      for (let i = 0; i < PROTOCOL_TIMING_WARM_ROUNDS; i++) {
        grown = [...grown, ...last];
        const next = await round(grown);
        warm.push(next.ms);
        last = next.draft;
      }
    } catch (error) {
      // One protocol's failure (a cold round past the timeout on a loaded machine) must not lose the profile.
      if (isAbortError(error)) throw error;
      failed.push(`${protocol} answered the probe, but a timed round failed: ${errorMessageOf(error)}`);
      continue;
    } finally {
      await drafter.forgetDocument(documentKey);
    }
    timings.push({ protocol, ...(probe?.variant && { variant: probe.variant }), k, contextTokens: context.length, coldMs, verifyMsPerRound: median(warm) });
  }
  const absent = VERIFIER_PROTOCOLS.filter((protocol: VerifierProtocol) => !detection.found.includes(protocol));
  return { timings, missing: [...describeMissing(detection, absent), ...failed] };
}

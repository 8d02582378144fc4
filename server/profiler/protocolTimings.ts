import type { Token } from "node-llama-cpp";
import type { Drafter } from "../drafter/drafter.js";
import type { ProtocolTiming } from "../profile/profileSchema.js";
import { describeMissing, createTokenVerifier, detectVerifierProtocols } from "../verifier/protocols/protocolDetection.js";
import type { VerifierClient } from "../verifier/verifierClient.js";
import { isAbortError } from "../util/abort.js";
import { errorMessageOf } from "../util/errorMessage.js";
import { VERIFIER_PROTOCOLS, type VerifierProtocol } from "../verifier/verifierProtocol.js";

/** Rounds after the cold one, per protocol (their median is the cached verify ms). */
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
 * verify time of one round at a new context and of the same round once cached — the same
 * prompt and draft for every protocol, so the numbers compare. Each protocol gets its own
 * prompt variant (one token appended per protocol) so none starts with another's cache.
 * predicted-outputs is timed as one call of K+1 tokens with the draft as prediction.
 */
export async function measureProtocols(options: ProtocolTimingOptions): Promise<{ timings: ProtocolTiming[]; missing: string[] }> {
  const { client, drafter, signal } = options;
  const detection = await detectVerifierProtocols(client, { signal, probeTokens: options.prompt.slice(0, 4) });
  const timings: ProtocolTiming[] = [];
  const failed: string[] = [];
  for (const [index, protocol] of detection.found.entries()) {
    // A distinct context per protocol: the cold round must find nothing cached.
    const context = [...options.prompt, options.prompt[index % options.prompt.length]];
    const documentKey = `protocol-timing-${protocol}`;
    const draft = (await drafter.draft(documentKey, context, PROTOCOL_TIMING_K, signal)).tokens;
    await drafter.forgetDocument(documentKey);
    const probe = detection.probes.find((p) => p.protocol === protocol && p.works);
    const verifier = createTokenVerifier(client, { protocol, variant: probe?.variant });
    const prompt = verifier ? undefined : drafter.textAfter(context as Token[], []);
    const prediction = verifier ? undefined : drafter.textAfter(draft, context as Token[]);
    const once = async (): Promise<number> => {
      const started = performance.now();
      if (verifier) await verifier.verifyDraft({ context, draft, signal });
      else await client.predict({ prompt: prompt!, prediction: prediction!, maxTokens: draft.length + 1, signal });
      return performance.now() - started;
    };
    let coldMs: number;
    const warm: number[] = [];
    try {
      coldMs = await once();
      for (let i = 0; i < PROTOCOL_TIMING_WARM_ROUNDS; i++) warm.push(await once());
    } catch (error) {
      // One protocol's failure (a cold round past the timeout on a loaded machine) must not lose the profile.
      if (isAbortError(error)) throw error;
      failed.push(`${protocol} answered the probe, but a timed round failed: ${errorMessageOf(error)}`);
      continue;
    }
    timings.push({ protocol, ...(probe?.variant && { variant: probe.variant }), k: draft.length, contextTokens: context.length, coldMs, verifyMsPerRound: median(warm) });
  }
  const absent = VERIFIER_PROTOCOLS.filter((protocol: VerifierProtocol) => !detection.found.includes(protocol));
  return { timings, missing: [...describeMissing(detection, absent), ...failed] };
}

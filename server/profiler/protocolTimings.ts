import type { Token } from "node-llama-cpp";
import type { Drafter } from "../drafter/drafter.js";
import type { ProtocolTiming } from "../profile/profileSchema.js";
import { createRoundVerifier, describeMissing, detectVerifierProtocols } from "../verifier/protocols/protocolDetection.js";
import type { RoundVerifier } from "../verifier/protocols/verifierProtocolModule.js";
import type { VerifierClient } from "../verifier/verifierClient.js";
import { isAbortError } from "../util/abort.js";
import { median } from "./latencyStats.js";
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

/** One protocol's walk: its verifier, its context so far, its last draft, its times. */
interface ProtocolWalk {
  protocol: VerifierProtocol;
  variant: string | undefined;
  verifier: RoundVerifier | undefined;
  documentKey: string;
  context: readonly Token[];
  startTokens: number;
  lastDraft: Token[];
  coldMs: number;
  k: number;
  warm: number[];
  failure?: string;
}

/**
 * Which exact protocols the endpoint answers (probed once, as `auto` does) and, for each, the
 * verify time of one round at a new context, then of rounds as decoding makes them (the context
 * grown by the last draft, a new draft each round): one round repeated finds everything cached
 * and measures no model work. The protocols take their rounds in turn so a change in machine load
 * hits all alike; each starts at another token of the prompt so no cold round finds another's
 * cache. One context length (the median calibration prompt). Runs before and after this walk:
 * bench/results/2026-12-02-quiet-run-2/validate-trained.txt and validate-trained-walked.txt.
 */
export async function measureProtocols(options: ProtocolTimingOptions): Promise<{ timings: ProtocolTiming[]; missing: string[] }> {
  const { client, drafter, signal } = options;
  const detection = await detectVerifierProtocols(client, { signal, probeTokens: options.prompt.slice(0, 4) });
  const walks: ProtocolWalk[] = detection.found.map((protocol, index) => {
    const probe = detection.probes.find((p) => p.protocol === protocol && p.works);
    // Another start token per protocol: appending one left the whole prompt in the previous protocol's cache.
    const context = options.prompt.slice(Math.min(index, options.prompt.length - 1));
    return {
      protocol,
      variant: probe?.variant,
      verifier: createRoundVerifier(client, { protocol, variant: probe?.variant }, true),
      documentKey: `protocol-timing-${protocol}`,
      context,
      startTokens: context.length,
      lastDraft: [],
      coldMs: 0,
      k: PROTOCOL_TIMING_K,
      warm: [],
    };
  });
  /** One verification of `draft` after `context`, whatever shape the protocol's round has. */
  const verifyOnce = async (verifier: RoundVerifier, context: readonly Token[], draft: Token[]) => {
    const text = () => ({ prompt: drafter.textAfter(context as Token[], []), draft: drafter.textAfter(draft, context as Token[]) });
    if (verifier.loop === "tokenIds") await verifier.verifier.verifyDraft({ context, draft, signal });
    else if (verifier.loop === "text") await verifier.verifier.verifyText({ ...text(), signal });
    else await verifier.verifier.predict({ prompt: text().prompt, prediction: text().draft, maxTokens: draft.length + 1, signal });
  };
  /** One round of `walk` on its context grown by its last draft; the drafting is not timed. */
  const round = async (walk: ProtocolWalk): Promise<number> => {
    walk.context = [...walk.context, ...walk.lastDraft];
    const draft = (await drafter.draft(walk.documentKey, walk.context, PROTOCOL_TIMING_K, signal)).tokens;
    const started = performance.now();
    await verifyOnce(walk.verifier!, walk.context, draft);
    walk.lastDraft = draft;
    return performance.now() - started;
  };
  /** Runs `step` for every walk still going; a failure ends that walk (one protocol's must not lose the profile). */
  const eachWalk = async (step: (walk: ProtocolWalk) => Promise<void>) => {
    for (const walk of walks) {
      if (walk.failure) continue;
      try {
        await step(walk);
      } catch (error) {
        if (isAbortError(error)) throw error;
        walk.failure = `${walk.protocol} answered the probe, but a timed round failed: ${errorMessageOf(error)}`;
      }
    }
  };
  try {
    await eachWalk(async (walk) => {
      walk.coldMs = await round(walk);
      walk.k = walk.lastDraft.length;
    });
    for (let i = 0; i < PROTOCOL_TIMING_WARM_ROUNDS; i++) await eachWalk(async (walk) => void walk.warm.push(await round(walk)));
  } finally {
    for (const walk of walks) await drafter.forgetDocument(walk.documentKey);
  }
  const timings: ProtocolTiming[] = walks
    .filter((walk) => !walk.failure)
    .map((walk) => ({ protocol: walk.protocol, ...(walk.variant && { variant: walk.variant }), k: walk.k, contextTokens: walk.startTokens, coldMs: walk.coldMs, verifyMsPerRound: median(walk.warm) }));
  const failed = walks.flatMap((walk) => (walk.failure ? [walk.failure] : []));
  const absent = VERIFIER_PROTOCOLS.filter((protocol: VerifierProtocol) => !detection.found.includes(protocol));
  return { timings, missing: [...describeMissing(detection, absent), ...failed] };
}

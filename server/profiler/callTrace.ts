import type { Token } from "node-llama-cpp";
import type { Drafter } from "../drafter/drafter.js";
import type { RoundHooks } from "../engine/loops/loopTypes.js";
import type { VerifierCallStats } from "../verifier/verifierCalls.js";
import type { VerifierClient } from "../verifier/verifierClient.js";

/** One `drafter.draft` call as a completion made it. */
export interface DraftCallTrace {
  startMs: number;
  endMs: number;
  /** Tokens asked for. */
  k: number;
  /** Tokens before the drafts. */
  contextTokens: number;
  /** Context tokens the drafter evaluated to catch up (its KV cache held the rest). */
  catchUpTokens: number;
  /** Per drafted token, ms (the first includes the catch-up evaluation). */
  tokenMs: number[];
}

/** One verifier request (a verification round, or verifier-only's single generation). */
export interface VerifierCallTrace {
  startMs: number;
  endMs: number;
  kind: "verify" | "generate";
  /** Draft tokens judged (0 for a generation). */
  k: number;
  /** Tokens before the drafts (the prompt for a generation). */
  contextTokens: number;
  stats: VerifierCallStats;
  /** A stream's first body bytes (performance.now()): its time to first token, the verifier's prefill. */
  firstByteMs?: number;
}

/** Every drafter and verifier call of one completion, in order, with the completion's own span. */
export interface CompletionTrace {
  startMs: number;
  endMs: number;
  drafts: DraftCallTrace[];
  verifierCalls: VerifierCallTrace[];
}

/**
 * Records the calls completions make, without touching the engine: the drafter and the verifier
 * client handed to the engine are wrapped (a Proxy forwards everything else), the engine's rounds
 * reported through {@link roundHooks}, and each call lands in the trace that is open. Validation uses it to split a measured completion into the model's terms.
 */
export class CallRecorder {
  #open: CompletionTrace | undefined;

  /** Starts recording one completion; {@link end} returns it. */
  begin(): void {
    this.#open = { startMs: performance.now(), endMs: 0, drafts: [], verifierCalls: [] };
  }

  end(): CompletionTrace {
    const trace = this.#open;
    if (!trace) throw new RangeError("expected an open completion trace, found none (begin() first)");
    trace.endMs = performance.now();
    // A stream is read to its end (or closed by a stop rule) inside the completion: it ends with it.
    for (const call of trace.verifierCalls) if (call.endMs < call.startMs) call.endMs = trace.endMs;
    this.#open = undefined;
    return trace;
  }

  /** The drafter, its `draft` calls recorded. */
  drafter(drafter: Drafter): Drafter {
    return forwarding(drafter, {
      draft: async (documentKey: string, contextTokens: readonly Token[], k: number, signal?: AbortSignal) => {
        const startMs = performance.now();
        const draft = await drafter.draft(documentKey, contextTokens, k, signal);
        this.#open?.drafts.push({
          startMs,
          endMs: performance.now(),
          k,
          contextTokens: contextTokens.length,
          catchUpTokens: draft.evaluatedContextTokens,
          tokenMs: [...draft.tokenMs],
        });
        return draft;
      },
    });
  }

  /** For the engine: each token-ids round's verification recorded, whatever the protocol. */
  readonly roundHooks: RoundHooks = {
    onRound: (round) => {
      this.#open?.verifierCalls.push({ startMs: round.verifyStartMs, endMs: round.verifyEndMs, kind: "verify", k: round.drafted, contextTokens: round.contextTokens, stats: round.stats });
    },
  };

  /** The client, its generations recorded: plain calls, and streams (verifier-only) from their opening. */
  client(client: VerifierClient): VerifierClient {
    const transport = client.transport;
    return forwarding(client, {
      transport: forwarding(transport, {
        openStream: async (...args: Parameters<typeof transport.openStream>) => {
          const startMs = performance.now();
          const opened = await transport.openStream(...args);
          const usage = { promptTokens: 0, cachedTokens: 0, completionTokens: 0 };
          // endMs −1: set when the completion ends (see end()); the stream is consumed until then.
          const call: VerifierCallTrace = { startMs, endMs: -1, kind: "generate", k: 0, contextTokens: streamedPromptTokens(args[2]), stats: { ...opened.timing, usage } };
          if (!this.#open) return opened;
          this.#open.verifierCalls.push(call);
          return { ...opened, value: markingFirstByte(opened.value, (ms) => (call.firstByteMs ??= ms)) };
        },
      }),
      generate: async (request: Parameters<VerifierClient["generate"]>[0]) => {
        const startMs = performance.now();
        const generation = await client.generate(request);
        const contextTokens = typeof request.prompt === "string" ? 0 : request.prompt.length;
        this.#open?.verifierCalls.push({ startMs, endMs: performance.now(), kind: "generate", k: 0, contextTokens, stats: generation.stats });
        return generation;
      },
    });
  }
}

/** The same response, calling `onFirstByte` when its body's first bytes arrive (headers come before the prefill). */
function markingFirstByte(response: Response, onFirstByte: (ms: number) => void): Response {
  if (!response.body) return response;
  const marked = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        onFirstByte(performance.now());
        controller.enqueue(chunk);
      },
    }),
  );
  return new Response(marked, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** Prompt tokens of a streamed request's body (0 when sent as text). */
function streamedPromptTokens(body: unknown): number {
  if (typeof body === "object" && body !== null && "prompt" in body && Array.isArray(body.prompt)) return body.prompt.length;
  return 0;
}

/** `target` with some methods replaced; every other property read from (and methods bound to) the target. */
function forwarding<T extends object>(target: T, overrides: Record<string, unknown>): T {
  return new Proxy(target, {
    get(object, property) {
      if (typeof property === "string" && property in overrides) return overrides[property];
      // Read with the target as receiver: getters and methods may use private (#) fields.
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === "function" ? value.bind(object) : value;
    },
  });
}

import { Drafter } from "../drafter/drafter.js";
import type { NetworkDelayOptions } from "../network/delayedFetch.js";
import { buildCompletionPrompt, buildTextOnlyPrompt, type CompletionPrompt, type PromptWindowOptions } from "../prompt/completionPrompt.js";
import { contextWindowFromError, discoverContextWindow } from "../prompt/contextWindow.js";
import { PromptBudget } from "../prompt/promptBudget.js";
import { CompletionMeter } from "./completionMeter.js";
import type { LoopInput, LoopResult } from "./loops/loopTypes.js";
import { runPredictedOutputsLoop } from "./loops/predictedOutputsLoop.js";
import { sharesTokenizer, TOKENIZER_PROBE_TEXT } from "./loops/sharedTokenizer.js";
import { runDrafterOnly, runVerifierOnly } from "./loops/singleModelModes.js";
import { runTextLoop } from "./loops/textLoop.js";
import { runTokenIdsLoop } from "./loops/tokenIdsLoop.js";
import { isAbortError } from "../util/abort.js";
import { DisposedError } from "../util/disposedError.js";
import { VerifierClient } from "../verifier/verifierClient.js";
import { resolveVerifierProtocol, type ResolvedProtocol } from "../verifier/protocols/protocolResolution.js";
import type { TokenVerifier } from "../verifier/protocols/tokenVerifier.js";
import type { VerifierProtocolSetting } from "../verifier/verifierProtocol.js";
import { VerifierRequestError } from "../verifier/verifierRequestError.js";
import type { CompletionInput, CompletionOutput, CompletionSource, ServedConfiguration } from "../completionContract.js";
import type { EngineOptions } from "./engineOptions.js";

/** How draft tokens travel to a logprobs verifier: ids need a shared tokenizer, text always works. */
export type TokenExchange = "auto" | "ids" | "text";

/** Which decoding mode serves a completion. */
export type DecodingMode = "tokenIds" | "text" | "predictedOutputs" | "verifierOnly" | "drafterOnly";

export interface SpeculativeEngineOptions extends EngineOptions {
  /** A drafter the caller loaded (profiler, benchmarks reuse one across K); not disposed by the engine. */
  loadedDrafter?: Drafter;
  /** A client the caller built; not disposed by the engine. */
  verifierClient?: VerifierClient;
  /** Emulated round trip on the engine's own client (ignored with `verifierClient`). */
  networkDelay?: NetworkDelayOptions;
  /** Default `auto`: ids when {@link sharesTokenizer} says so. */
  tokenExchange?: TokenExchange;
  /** The protocol with `verifierClient` (no `verifier` settings). Default `echo-logprobs`, what the profiler and benches measure with. */
  protocol?: VerifierProtocolSetting;
  promptWindow?: PromptWindowOptions;
  /** Cancels loading. */
  signal?: AbortSignal;
}

const DEFAULT_DOCUMENT_KEY = "default";

/**
 * The engine behind every completion: one point of the configuration space (drafter, K,
 * verifier, protocol) turned into a {@link CompletionSource}. Speculative, verifier-only and
 * drafter-only decoding are modes of it, so baselines are measured by the same code.
 */
export class SpeculativeEngine implements CompletionSource {
  /** One completion at a time: the drafter's sequences are not safe for concurrent use. */
  #queue: Promise<unknown> = Promise.resolve();
  #disposed = false;
  /** How large prompts may be: the drafter's and the verifier's real context windows. */
  #budget = new PromptBudget();

  private constructor(
    readonly mode: DecodingMode,
    readonly configuration: ServedConfiguration,
    private readonly drafter: Drafter | undefined,
    private readonly client: VerifierClient | undefined,
    private readonly owns: { drafter: boolean; client: boolean },
    private readonly promptWindow: PromptWindowOptions | undefined,
    private readonly k: number,
    /** Verifier-only: send the prompt as token ids (shared tokenizer). */
    private readonly sendTokenIds: boolean,
    /** Which protocol verifies drafts and why (undefined without drafting against a verifier). */
    readonly protocol: ResolvedProtocol | undefined,
  ) {}

  static async create(options: SpeculativeEngineOptions): Promise<SpeculativeEngine> {
    if (!Number.isInteger(options.k) || options.k < 0) throw new RangeError(`k must be an integer ≥ 0, got ${options.k}`);
    if (!options.verifier && !options.verifierClient && !options.drafter && !options.loadedDrafter) {
      throw new RangeError("an engine needs a drafter, a verifier, or both");
    }
    const needsDrafter = !(options.verifier || options.verifierClient) || options.k > 0;
    if (needsDrafter && !options.drafter && !options.loadedDrafter) {
      throw new RangeError(`k = ${options.k} drafts tokens, so a drafter is required`);
    }
    const owns = { drafter: false, client: false };
    let drafter = options.loadedDrafter;
    let client = options.verifierClient;
    try {
      if (!drafter && options.drafter) {
        drafter = await Drafter.load({ id: options.drafter.id, uriOrPath: options.drafter.uriOrPath, threads: options.threads, signal: options.signal });
        owns.drafter = true;
      }
      if (!client && options.verifier) {
        const { baseUrl, model, apiKey } = options.verifier;
        client = new VerifierClient({ baseUrl, model, apiKey, networkDelay: options.networkDelay });
        owns.client = true;
      }
      const setting = options.verifier?.protocol ?? options.protocol ?? "echo-logprobs";
      const exchange = options.tokenExchange ?? "auto";
      const idsShared = async (verifier: VerifierClient | TokenVerifier) =>
        exchange === "ids" || (exchange === "auto" && (await sharesTokenizer(drafter!, verifier, options.signal)));
      let resolved: ResolvedProtocol | undefined;
      let shared = false;
      if (drafter && client && options.k > 0) {
        resolved = await resolveVerifierProtocol({
          client,
          setting,
          measuredMs: options.verifier?.measuredVerifyMs,
          preferred: options.verifier?.preferredProtocol,
          signal: options.signal,
          probeTokens: drafter.tokenizeWithSpecialTokens(TOKENIZER_PROBE_TEXT).slice(0, 4),
          sharesTokenizer: idsShared,
        });
        shared = resolved.shared;
      } else if (drafter && client && (setting === "echo-logprobs" || setting === "auto")) {
        // Verifier-only: ids when the echo shows the same tokenizer; an endpoint without echo gets text.
        shared = await idsShared(client).catch((error: unknown) => {
          if (error instanceof VerifierRequestError) return false;
          throw error;
        });
      }
      const mode: DecodingMode = !client
        ? "drafterOnly"
        : options.k === 0
          ? "verifierOnly"
          : resolved?.choice.protocol === "predicted-outputs"
            ? "predictedOutputs"
            : shared
              ? "tokenIds"
              : "text";
      const configuration: ServedConfiguration = {
        drafterId: mode === "verifierOnly" ? undefined : drafter?.id,
        k: options.k,
        verified: mode !== "drafterOnly",
        ...(resolved && { protocol: resolved.choice.protocol }),
      };
      const engine = new SpeculativeEngine(mode, configuration, drafter, client, owns, options.promptWindow, options.k, shared, resolved);
      engine.#budget = new PromptBudget({ drafterWindow: drafter?.contextSize, verifierWindow: options.verifier ? await discoverContextWindow({ ...options.verifier, signal: options.signal }) : undefined });
      return engine;
    } catch (error) {
      if (owns.drafter) await drafter?.dispose();
      if (owns.client) client?.dispose();
      throw error;
    }
  }

  /** For the status: the protocol verifying drafts and why. */
  get verifierProtocol(): { protocol: string; reason: string } | undefined {
    return this.protocol && { protocol: this.protocol.choice.protocol, reason: this.protocol.choice.reason };
  }

  /** The prompt this engine sends for a cursor position (tests and the CLI show it), sized to leave room for `maxTokens`. */
  promptFor(prefix: string, suffix: string, maxTokens = 0): CompletionPrompt {
    const window = this.#budget.windowOptions(this.promptWindow ?? {}, maxTokens, this.k);
    return this.drafter ? buildCompletionPrompt(prefix, suffix, this.drafter, window) : buildTextOnlyPrompt(prefix, suffix, window, this.#budget);
  }

  complete(input: CompletionInput): Promise<CompletionOutput> {
    const run = this.#queue.then(() => this.#complete(input));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #complete(input: CompletionInput): Promise<CompletionOutput> {
    if (this.#disposed) throw new DisposedError("the speculative engine");
    const meter = new CompletionMeter();
    const output = (result: LoopResult, stopReason = result.stopReason): CompletionOutput => ({
      text: result.text,
      stopReason,
      stats: meter.stats(result.tokens, this.mode === "verifierOnly" ? 1 : 0),
      configuration: this.configuration,
    });
    if (input.signal.aborted) return output({ text: "", tokens: 0, stopReason: "aborted" });
    const loopInput: LoopInput = {
      prompt: this.promptFor(input.prefix, input.suffix, input.maxTokens),
      maxTokens: input.maxTokens,
      signal: input.signal,
      meter,
      shouldStop: input.shouldStop,
    };
    try {
      const result = await this.#runWithin(loopInput, input);
      if (loopInput.prompt.tokens.length === 0) {
        // Text sent without a local tokenizer: the verifier's own count teaches bytes per token.
        const usage = meter.stats(result.tokens).usage;
        this.#budget.observe(Buffer.byteLength(loopInput.prompt.text, "utf8"), usage.promptTokens);
      }
      return output(result);
    } catch (error) {
      // Cancellation is an outcome, not a failure: typing goes on.
      if (input.signal.aborted && isAbortError(error)) return output({ text: "", tokens: 0, stopReason: "aborted" });
      throw error;
    }
  }

  /** Runs the loop; a refusal that names the verifier's context window resizes the prompt to it and tries once more. */
  async #runWithin(loopInput: LoopInput, input: CompletionInput): Promise<LoopResult> {
    const documentKey = input.documentKey ?? DEFAULT_DOCUMENT_KEY;
    try {
      return await this.#run(loopInput, documentKey);
    } catch (error) {
      const window = error instanceof Error ? contextWindowFromError(error.message) : undefined;
      if (window === undefined || window === this.#budget.verifierWindow || input.signal.aborted) throw error;
      this.#budget.learnVerifierWindow(window);
      return this.#run({ ...loopInput, prompt: this.promptFor(input.prefix, input.suffix, input.maxTokens) }, documentKey);
    }
  }

  #run(input: LoopInput, documentKey: string): Promise<LoopResult> {
    const { drafter, client } = this;
    if (this.mode === "drafterOnly") return runDrafterOnly({ ...input, drafter: drafter!, documentKey });
    if (this.mode === "verifierOnly") return runVerifierOnly({ ...input, client: client!, sendTokenIds: this.sendTokenIds });
    const loop = { ...input, drafter: drafter!, client: client!, documentKey, k: this.k };
    if (this.mode === "tokenIds") return runTokenIdsLoop({ ...loop, verifier: this.protocol!.tokenVerifier! });
    if (this.mode === "predictedOutputs") return runPredictedOutputsLoop(loop);
    return runTextLoop(loop);
  }

  /** Frees a closed document's drafter KV cache. */
  async forgetDocument(documentKey: string): Promise<void> {
    await this.drafter?.forgetDocument(documentKey);
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.#queue;
    if (this.owns.client) this.client?.dispose();
    if (this.owns.drafter) await this.drafter?.dispose();
  }
}

/** The daemon's and CLI's entry point: one engine per configuration. */
export function createSpeculativeEngine(options: SpeculativeEngineOptions): Promise<SpeculativeEngine> {
  return SpeculativeEngine.create(options);
}

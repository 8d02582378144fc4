import { loadDrafter } from "../drafter/loadDrafter.js";
import type { Drafter } from "../drafter/drafter.js";
import type { NetworkDelayOptions } from "../network/delayedFetch.js";
import { buildCompletionPrompt, buildTextOnlyPrompt, DEFAULT_FIM_LAYOUT, type CompletionPrompt, type PromptWindowOptions } from "../prompt/completionPrompt.js";
import { PREFIX_ONLY_NOTE } from "../prompt/fimDialect.js";
import { contextWindowFromError, discoverContextWindow } from "../prompt/contextWindow.js";
import { PromptBudget } from "../prompt/promptBudget.js";
import { warmupForEngine, type VerifierWarmup } from "../verifier/promptWarmup.js";
import { promptWindowFor, UNPROFILED_SPEEDS, windowDeadlineMs } from "../verifier/timeBudget.js";
import { warmCaches } from "./cacheWarmup.js";
import { CompletionMeter } from "./completionMeter.js";
import type { LoopInput, LoopResult, RoundHooks } from "./loops/loopTypes.js";
import { runPredictedOutputsLoop } from "./loops/predictedOutputsLoop.js";
import { drafterProbeText, sharesTokenizer } from "./loops/sharedTokenizer.js";
import { runDrafterOnly, runVerifierOnly } from "./loops/singleModelModes.js";
import { runTextLoop } from "./loops/textLoop.js";
import { runTokenIdsLoop } from "./loops/tokenIdsLoop.js";
import { isAbortError } from "../util/abort.js";
import { DisposedError } from "../util/disposedError.js";
import { VerifierClient } from "../verifier/verifierClient.js";
import { identifyEndpoint } from "../verifier/protocols/protocolDetection.js";
import { resolveVerifierProtocol, tokenizerRoutes, type ResolvedProtocol } from "../verifier/protocols/protocolResolution.js";
import type { TokenVerifier } from "../verifier/protocols/tokenVerifier.js";
import type { VerifierProtocol, VerifierProtocolSetting } from "../verifier/verifierProtocol.js";
import { VerifierRequestError } from "../verifier/verifierRequestError.js";
import { VerifierResponseError } from "../verifier/verifierResponseError.js";
import type { CompletionInput, CompletionOutput, CompletionSource, ServedConfiguration, WarmupInput, WarmupOutcome } from "../completionContract.js";
import type { EngineOptions } from "./engineOptions.js";
import { resolveVerifierFimLayout, type VerifierFimLayout } from "./verifierFimLayout.js";

/** How draft tokens travel to a logprobs verifier: ids need a shared tokenizer, text always works. */
export type TokenExchange = "auto" | "ids" | "text";

/** Which decoding mode serves a completion: one of the verification loops, or a single model. */
export type DecodingMode = "tokenIds" | "text" | "prediction" | "verifierOnly" | "drafterOnly";

export interface SpeculativeEngineOptions {
  /** Tokens drafted per round; 0 = verifier-only. */
  k: number;
  /** A loaded drafter; undefined: verifier-only. Disposed by whoever loaded it (see `owned`). */
  drafter?: Drafter;
  /** The verifier's client; undefined: drafter-only. Disposed by whoever built it (see `owned`). */
  verifier?: VerifierClient;
  /** Which protocol verifies drafts, as the setting names it (`auto`: probe the endpoint once). */
  protocol: VerifierProtocolSetting;
  /** With `auto`: the selector's protocol for this configuration, used when the endpoint answers it. */
  preferredProtocol?: VerifierProtocol;
  /** Default `auto`: ids when {@link sharesTokenizer} says so. */
  tokenExchange?: TokenExchange;
  promptWindow?: PromptWindowOptions;
  /** The verifier's context window when known (else learnt from a refusal). */
  verifierWindow?: number;
  /** Watches the token-ids loop's rounds (validation's call traces). Default: none. */
  roundHooks?: RoundHooks;
  /** Parts the engine disposes with itself: what {@link SpeculativeEngine.load} loaded for it. Default: none. */
  owned?: readonly AsyncDisposable[];
  /** How the verifier's prefix cache is warmed while typing ({@link SpeculativeEngine.warm}). Default: the warm-up for the engine detection recognised ({@link warmupForEngine}). */
  verifierWarmup?: VerifierWarmup;
  /** Cancels setting up. */
  signal?: AbortSignal;
}

/** A configuration as the daemon and the CLI name it, with what only they decide. */
export interface LoadEngineOptions extends EngineOptions {
  /** Emulated round trip on the engine's client. Default: none. */
  networkDelay?: NetworkDelayOptions;
  tokenExchange?: TokenExchange;
  promptWindow?: PromptWindowOptions;
  signal?: AbortSignal;
}

const DEFAULT_DOCUMENT_KEY = "default";
/** Output tokens a deadline allows for when the caller names no budget (the settings' default maximum). */
const DEADLINE_OUTPUT_TOKENS = 64;

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
  #budget: PromptBudget;

  private constructor(
    readonly mode: DecodingMode,
    readonly configuration: ServedConfiguration,
    private readonly parts: { drafter: Drafter | undefined; client: VerifierClient | undefined; owned: readonly AsyncDisposable[] },
    private readonly options: SpeculativeEngineOptions,
    /** Verifier-only: send the prompt as token ids (shared tokenizer). */
    private readonly sendTokenIds: boolean,
    /** Which protocol verifies drafts and why (undefined without drafting against a verifier). */
    readonly protocol: ResolvedProtocol | undefined,
    /** The engine detection recognised behind the endpoint (llama-server, vllm, …); undefined without a verifier or when unknown. */
    readonly verifierEngine: string | undefined,
    /** The FIM layout of text the verifier tokenizes itself, and why (server/engine/verifierFimLayout.ts). */
    private readonly fimLayout: VerifierFimLayout = { layout: undefined, note: undefined },
  ) {
    this.#budget = new PromptBudget({ drafterWindow: parts.drafter?.contextSize, verifierWindow: options.verifierWindow });
  }

  /** The one way to build an engine: from parts already loaded (see {@link SpeculativeEngine.load} for a configuration). */
  static async create(options: SpeculativeEngineOptions): Promise<SpeculativeEngine> {
    const { drafter, verifier: client, k } = options;
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be an integer ≥ 0, got ${k}`);
    if (!client && !drafter) throw new RangeError("an engine needs a drafter, a verifier, or both");
    if ((!client || k > 0) && !drafter) throw new RangeError(`k = ${k} drafts tokens, so a drafter is required`);
    const exchange = options.tokenExchange ?? "auto";
    const idsShared = async (verifier: VerifierClient | TokenVerifier) =>
      exchange === "ids" || (exchange === "auto" && (await sharesTokenizer(drafter!, verifier, options.signal)));
    let resolved: ResolvedProtocol | undefined;
    let sendTokenIds = false;
    if (drafter && client && k > 0) {
      resolved = await resolveVerifierProtocol({
        client,
        setting: options.protocol,
        preferred: options.preferredProtocol,
        k,
        signal: options.signal,
        probeTokens: drafter.tokenizeWithSpecialTokens(drafterProbeText(drafter)).slice(0, 4),
        sharesTokenizer: idsShared,
      });
    } else if (drafter && client) {
      // Verifier-only: ids when any route shows the same tokenizer (so it cuts the speculative loops' prompt), else text.
      for (const route of tokenizerRoutes(client)) {
        sendTokenIds = await idsShared(route).catch((error: unknown) => {
          if (error instanceof VerifierRequestError || error instanceof VerifierResponseError) return false;
          throw error;
        });
        if (sendTokenIds) break;
      }
    }
    const mode: DecodingMode = !client ? "drafterOnly" : k === 0 ? "verifierOnly" : resolved!.roundVerifier.loop;
    const configuration: ServedConfiguration = {
      drafterId: mode === "verifierOnly" ? undefined : drafter?.id,
      k,
      verified: mode !== "drafterOnly",
      ...(resolved && { protocol: resolved.choice.protocol }),
    };
    const engineKind = resolved?.detection?.engine ?? (client && (await identifyEndpoint(client, options.signal)).engine);
    const verifierEngine = engineKind === "unknown" ? undefined : engineKind;
    // Text the verifier tokenizes itself carries FIM markers (the drafter's, or Qwen's without one): checked against its tokenizer (ids were checked with the probe).
    const sendsText = client && (!drafter || mode === "text" || mode === "prediction" || (mode === "verifierOnly" && !sendTokenIds));
    const fimLayout: VerifierFimLayout = sendsText
      ? await resolveVerifierFimLayout(client, drafter ? drafter.fimMarkers : "no drafter", options.signal)
      : { layout: undefined, note: drafter && !drafter.fimMarkers ? PREFIX_ONLY_NOTE : undefined };
    return new SpeculativeEngine(mode, configuration, { drafter, client, owned: options.owned ?? [] }, options, sendTokenIds, resolved, verifierEngine, fimLayout);
  }

  /**
   * An engine for a configuration (drafter file, verifier settings): loads the drafter and builds
   * the client, which the engine then owns and disposes.
   */
  static async load(options: LoadEngineOptions): Promise<SpeculativeEngine> {
    const owned: AsyncDisposable[] = [];
    try {
      const drafter = options.drafter && (await loadDrafter({ ...options.drafter, threads: options.threads, signal: options.signal }));
      if (drafter) owned.push(drafter);
      const settings = options.verifier;
      const speeds = options.speeds ?? UNPROFILED_SPEEDS;
      const promptWindow = options.promptWindow ?? promptWindowFor(speeds);
      const timeoutMs = windowDeadlineMs(speeds, promptWindow, options.maxTokens ?? DEADLINE_OUTPUT_TOKENS);
      const verifier = settings && new VerifierClient({ baseUrl: settings.baseUrl, model: settings.model, apiKey: settings.apiKey, networkDelay: options.networkDelay, timeoutMs });
      if (verifier) owned.push(verifier);
      const verifierWindow = settings && (await discoverContextWindow({ ...settings, signal: options.signal }));
      return await SpeculativeEngine.create({
        k: options.k,
        drafter,
        verifier,
        protocol: settings?.protocol ?? "auto",
        preferredProtocol: settings?.preferredProtocol,
        tokenExchange: options.tokenExchange,
        promptWindow,
        verifierWindow,
        owned,
        signal: options.signal,
      });
    } catch (error) {
      // Until the engine exists, what was loaded is ours to dispose.
      await disposeAll(owned);
      throw error;
    }
  }

  /** For the status: the protocol verifying drafts and why, and the engine detection recognised behind the endpoint. */
  get verifierProtocol(): { protocol: string; reason: string; engine?: string } | undefined {
    const engine = this.verifierEngine;
    return this.protocol && { protocol: this.protocol.choice.protocol, reason: this.protocol.choice.reason, ...(engine && { engine }) };
  }

  /**
   * What puts a prompt, and nothing after it, into the verifier's cache the way this engine's
   * rounds read it (cacheOnlyPrompt): its token protocol's verifier (llama-server refuses echo),
   * else the bare client; undefined without a verifier.
   */
  get cacheVerifier(): TokenVerifier | VerifierClient | undefined {
    const round = this.protocol?.roundVerifier;
    return round?.loop === "tokenIds" ? round.verifier : this.parts.client;
  }

  /** For the status: how the prompt departs from the drafter's FIM layout (prefix-only, the verifier's dialect), or undefined. */
  get promptNote(): string | undefined {
    return this.fimLayout.note;
  }

  /** The prompt this engine sends for a cursor position (tests and the CLI show it), sized to leave room for `maxTokens`. */
  promptFor(prefix: string, suffix: string, maxTokens = 0): CompletionPrompt {
    const window = this.#budget.windowOptions(this.options.promptWindow ?? {}, maxTokens, this.options.k);
    const { drafter } = this.parts;
    return drafter ? buildCompletionPrompt(prefix, suffix, drafter, window, this.fimLayout.layout) : buildTextOnlyPrompt(prefix, suffix, window, this.#budget, this.fimLayout.layout === undefined ? DEFAULT_FIM_LAYOUT : this.fimLayout.layout);
  }

  /**
   * Warms the caches for a cursor position without generating, queued like a completion: the
   * drafter's KV takes the prompt (when the mode drafts), and the verifier's prefix cache gets
   * {@link SpeculativeEngineOptions.verifierWarmup} in the form the rounds send the prompt.
   */
  /** The option, else the request that warms the engine detection recognised (a token-ids round sends K+1 prompts at once). */
  #verifierWarmup(): VerifierWarmup {
    return this.options.verifierWarmup ?? warmupForEngine(this.verifierEngine, this.mode === "tokenIds" ? this.options.k + 1 : 1);
  }

  warm(input: WarmupInput): Promise<WarmupOutcome> {
    const run = this.#queue.then(() => {
      if (this.#disposed) throw new DisposedError("the speculative engine");
      const { drafter, client } = this.parts;
      // The rounds send token ids through the token-ids loop, and verifier-only when the tokenizer is shared.
      const sendTokenIds = this.mode === "tokenIds" || (this.mode === "verifierOnly" && this.sendTokenIds);
      return warmCaches({
        prompt: this.promptFor(input.prefix, input.suffix, input.maxTokens),
        documentKey: input.documentKey ?? DEFAULT_DOCUMENT_KEY,
        drafter: this.mode === "verifierOnly" ? undefined : drafter,
        // Predicted outputs send a chat prompt, which a completion request would not warm.
        verifier: input.verifier && client && this.mode !== "prediction" ? { client, warmup: this.#verifierWarmup(), sendTokenIds } : undefined,
        signal: input.signal,
      });
    });
    this.#queue = run.catch(() => {});
    return run;
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
    const { drafter, client } = this.parts;
    if (this.mode === "drafterOnly") return runDrafterOnly({ ...input, drafter: drafter!, documentKey });
    if (this.mode === "verifierOnly") return runVerifierOnly({ ...input, client: client!, sendTokenIds: this.sendTokenIds });
    const loop = { ...input, drafter: drafter!, documentKey, k: this.options.k };
    const round = this.protocol!.roundVerifier;
    if (round.loop === "tokenIds") return runTokenIdsLoop({ ...loop, verifier: round.verifier, hooks: this.options.roundHooks });
    if (round.loop === "prediction") return runPredictedOutputsLoop({ ...loop, verifier: round.verifier });
    return runTextLoop({ ...loop, verifier: round.verifier });
  }

  /** Frees a closed document's drafter KV cache. */
  async forgetDocument(documentKey: string): Promise<void> {
    await this.parts.drafter?.forgetDocument(documentKey);
  }

  /** Waits for the completion in flight, then disposes the parts it owns. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.#queue;
    await disposeAll(this.parts.owned);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}

async function disposeAll(parts: readonly AsyncDisposable[]): Promise<void> {
  for (const part of [...parts].reverse()) await part[Symbol.asyncDispose]();
}

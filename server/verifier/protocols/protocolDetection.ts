import { z } from "zod";
import { isAbortError } from "../../util/abort.js";
import { DisposedError } from "../../util/disposedError.js";
import { DEFAULT_PROBE_TIMEOUT_MS, type VerifierClient } from "../verifierClient.js";
import { VERIFIER_PROTOCOLS, type VerifierProtocol, type VerifierProtocolSetting } from "../verifierProtocol.js";
import { VerifierRequestError } from "../verifierRequestError.js";
import { VerifierTimeoutError } from "../verifierTimeoutError.js";
import { VerifierUnavailableError } from "../verifierUnavailableError.js";
import { validateResponse, type CallPolicy } from "../verifierTransport.js";
import { EchoLogprobsVerifier } from "./echoLogprobsProtocol.js";
import { NoVerifierProtocolError } from "./noVerifierProtocolError.js";
import { predictionBody } from "./predictedOutputsProtocol.js";
import { PrefixProbeVerifier, type PrefixProbeVariant } from "./prefixProbeProtocol.js";
import { SglangVerifier } from "./sglangProtocol.js";
import type { TokenVerifier } from "./tokenVerifier.js";
import { errorMessageOf } from "../../util/errorMessage.js";

// Auto-detection: probe the endpoint once — what it says it is (`GET /v1/models` `owned_by`,
// SGLang's `GET /get_model_info`, llama-server's `GET /props`) and one tiny request of each
// protocol — and keep the exact protocols that answered in the expected shape.

/** Token ids every vocabulary has (the probes only need valid ids, not meaningful text). */
export const DEFAULT_PROBE_TOKENS: readonly number[] = [1, 2, 3];

/** Cheapest first: fewest positions computed, prefix cache kept, one call per round. */
export const PROTOCOL_PREFERENCE: readonly VerifierProtocol[] = ["sglang", "prefix-probe", "echo-logprobs", "predicted-outputs"];

/** What a probe asked; an unanswered question is what the error message names as missing. */
const PROBE_ASKS: Readonly<Record<VerifierProtocol, string>> = {
  sglang: "POST /generate with input_ids, return_logprob and logprob_start_len (SGLang's native API)",
  "prefix-probe": "a list of token-id prompts in one request, each answered with its token id (POST /v1/completions with return_tokens_as_token_ids, or llama-server's POST /completion with return_tokens)",
  "echo-logprobs": "POST /v1/completions with echo and logprobs over the prompt, token ids as token_id:<id>",
  "predicted-outputs": "POST /v1/chat/completions with prediction, reporting accepted/rejected prediction tokens",
};

export type EngineKind = "sglang" | "llama-server" | "vllm" | "configspec" | "unknown";

export interface ProtocolProbe {
  protocol: VerifierProtocol;
  works: boolean;
  /** prefix-probe only: which route answered. */
  variant?: PrefixProbeVariant;
  /** What answered or what failed, one line. */
  detail: string;
  /** Wall clock of the probe request, ms (includes a cold prefill; the profiler measures warm rounds). */
  ms: number;
}

export interface ProtocolDetection {
  endpoint: string;
  engine: EngineKind;
  /** The context length the endpoint reports (`max_model_len` in /v1/models, `n_ctx` in /props), when it does. */
  maxModelLen: number | undefined;
  /** llama-server's parallel slots (`total_slots`): prefix-probe sends K+1 prompts at once. */
  slots: number | undefined;
  probes: ProtocolProbe[];
  /** The protocols that work, cheapest first. */
  found: VerifierProtocol[];
}

export interface ProtocolChoice {
  protocol: VerifierProtocol;
  variant?: PrefixProbeVariant;
  /** One line for the status and the panel: which protocol and why. */
  reason: string;
}

export interface DetectOptions {
  signal?: AbortSignal;
  /** Token ids for the probe requests (the drafter's tokenization of a snippet, when there is one). Default {@link DEFAULT_PROBE_TOKENS}. */
  probeTokens?: readonly number[];
  /** Per probe request. Default {@link DEFAULT_PROBE_TIMEOUT_MS} × 3 (a cold first prefill). */
  timeoutMs?: number;
}

const ModelListSchema = z.object({
  data: z.array(z.object({ id: z.string(), owned_by: z.string().nullish(), max_model_len: z.number().int().positive().nullish() })),
});
const PropsSchema = z.object({
  total_slots: z.number().int().positive().nullish(),
  default_generation_settings: z.object({ n_ctx: z.number().int().positive().nullish() }).nullish(),
});
const SglangModelInfoSchema = z.object({ model_path: z.string() });
const PredictionUsageSchema = z.object({
  usage: z.object({
    completion_tokens_details: z.object({ accepted_prediction_tokens: z.number().int().nonnegative(), rejected_prediction_tokens: z.number().int().nonnegative() }),
  }),
});

function rethrowCancellation(error: unknown): void {
  if (isAbortError(error) || error instanceof DisposedError) throw error;
}

/**
 * Probes the endpoint once. Throws only on cancellation, disposal, or when nothing answered at
 * all (every request unreachable or timed out: that error, since "no protocol" would mislead).
 */
export async function detectVerifierProtocols(client: VerifierClient, options: DetectOptions = {}): Promise<ProtocolDetection> {
  const { signal } = options;
  const tokens = options.probeTokens && options.probeTokens.length >= 2 ? options.probeTokens : DEFAULT_PROBE_TOKENS;
  const context = tokens.slice(0, -1);
  const draft = tokens.slice(-1);
  const policy: CallPolicy = { maxRetries: 0, timeoutMs: options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS * 3 };
  const { transport, apiRoot, serverRoot } = client;

  const getJson = async <Schema extends z.ZodType>(url: string, route: string, schema: Schema): Promise<z.output<Schema> | undefined> => {
    try {
      const { value } = await transport.requestJson("GET", url, route, undefined, signal, (json) => validateResponse(schema, json, route), { ...policy, timeoutMs: DEFAULT_PROBE_TIMEOUT_MS });
      return value;
    } catch (error) {
      rethrowCancellation(error);
      return undefined;
    }
  };
  const unreachable: unknown[] = [];
  let answered = 0;
  const probe = async (protocol: VerifierProtocol, run: () => Promise<string>, variant?: PrefixProbeVariant): Promise<ProtocolProbe> => {
    const started = performance.now();
    try {
      const detail = await run();
      return { protocol, works: true, ...(variant && { variant }), detail, ms: performance.now() - started };
    } catch (error) {
      rethrowCancellation(error);
      if ((error instanceof VerifierUnavailableError && error.status === undefined) || error instanceof VerifierTimeoutError) unreachable.push(error);
      else answered++;
      // The endpoint is named once, in the message's head.
      const message = errorMessageOf(error).replace(`Verifier at ${client.endpoint} `, "");
      const detail = error instanceof VerifierRequestError && error.status === 404 ? `${message} (no such route)` : message;
      return { protocol, works: false, ...(variant && { variant }), detail, ms: performance.now() - started };
    }
  };
  const verified = (verifier: TokenVerifier) => async () => {
    const result = await verifier.verifyDraft({ context, draft, signal });
    return `${verifier.route} answered ${result.verifierTokens.length} argmax token(s) for ${draft.length} draft token(s)`;
  };

  const [models, modelInfo, props, ...probes] = await Promise.all([
    getJson(`${apiRoot}/models`, "GET /models", ModelListSchema),
    getJson(`${serverRoot}/get_model_info`, "GET /get_model_info", SglangModelInfoSchema),
    getJson(`${serverRoot}/props`, "GET /props", PropsSchema),
    probe("sglang", verified(new SglangVerifier(client))),
    probe("prefix-probe", verified(new PrefixProbeVerifier(client, "openai-completions")), "openai-completions"),
    probe("prefix-probe", verified(new PrefixProbeVerifier(client, "llama-server")), "llama-server"),
    probe("echo-logprobs", verified(new EchoLogprobsVerifier(client))),
    probe("predicted-outputs", async () => {
      const { value } = await transport.requestJson("POST", `${apiRoot}/chat/completions`, "POST /chat/completions", predictionBody(client.model, "x", "y", 1), signal, (json) =>
        validateResponse(PredictionUsageSchema, json, "usage.completion_tokens_details with accepted_prediction_tokens and rejected_prediction_tokens (the prediction was honoured)"),
      policy);
      const details = value.usage.completion_tokens_details;
      return `POST /chat/completions reported ${details.accepted_prediction_tokens} accepted / ${details.rejected_prediction_tokens} rejected prediction tokens`;
    }),
  ]);

  if (answered === 0 && !probes.some((p) => p.works) && models === undefined && modelInfo === undefined && props === undefined && unreachable.length > 0) throw unreachable[0];
  const owner = models?.data.find((model) => model.id === client.model)?.owned_by ?? models?.data[0]?.owned_by ?? undefined;
  // The model list's owner first: our embedded verifier also serves SGLang's /get_model_info.
  const engine: EngineKind =
    owner === "configspec"
      ? "configspec"
      : modelInfo !== undefined || owner === "sglang"
        ? "sglang"
        : props?.total_slots != null || owner === "llamacpp"
          ? "llama-server"
          : owner === "vllm"
            ? "vllm"
            : "unknown";
  const maxModelLen =
    models?.data.find((model) => model.id === client.model)?.max_model_len ?? models?.data[0]?.max_model_len ?? props?.default_generation_settings?.n_ctx ?? undefined;
  const found = PROTOCOL_PREFERENCE.filter((protocol) => probes.some((p) => p.protocol === protocol && p.works));
  return { endpoint: client.endpoint, engine, maxModelLen, slots: props?.total_slots ?? undefined, probes, found };
}

/** The working probe of `protocol` (prefix-probe: the OpenAI route before llama-server's). */
function workingProbe(detection: ProtocolDetection, protocol: VerifierProtocol): ProtocolProbe | undefined {
  return detection.probes.find((probe) => probe.protocol === protocol && probe.works);
}

/**
 * The protocol to use: the setting when the endpoint supports it, else (`auto`) the cheapest
 * that works, or the one measured fastest when the profiler has timed several (`measuredMs`).
 * Never a silent fallback: a named protocol the endpoint lacks, or an endpoint with none,
 * throws {@link NoVerifierProtocolError} saying what is missing and what would work.
 */
export function chooseVerifierProtocol(
  detection: ProtocolDetection,
  setting: VerifierProtocolSetting,
  options: { measuredMs?: Partial<Record<VerifierProtocol, number>>; allowed?: readonly VerifierProtocol[]; preferred?: VerifierProtocol } = {},
): ProtocolChoice {
  const allowed = options.allowed ?? VERIFIER_PROTOCOLS;
  const usable = detection.found.filter((protocol) => allowed.includes(protocol));
  const choice = (protocol: VerifierProtocol, why: string): ProtocolChoice => {
    const probe = workingProbe(detection, protocol);
    return { protocol, ...(probe?.variant && { variant: probe.variant }), reason: why };
  };
  if (setting !== "auto") {
    if (usable.includes(setting)) return choice(setting, `${setting}: set in configspec.verifier.protocol, and ${detection.endpoint} answers it`);
    throw new NoVerifierProtocolError(detection, describeMissing(detection, [setting]), setting);
  }
  if (usable.length === 0) throw new NoVerifierProtocolError(detection, describeMissing(detection, allowed), setting);
  if (options.preferred && usable.includes(options.preferred)) {
    const also = usable.filter((protocol) => protocol !== options.preferred);
    return choice(options.preferred, `${options.preferred}: auto — the profile's pick for this configuration and objective${also.length > 0 ? `; also works: ${also.join(", ")}` : ""}`);
  }
  const measured = options.measuredMs ?? {};
  const timed = usable.filter((protocol) => measured[protocol] !== undefined);
  if (timed.length >= 2) {
    const fastest = timed.reduce((best, protocol) => (measured[protocol]! < measured[best]! ? protocol : best));
    const others = timed.filter((protocol) => protocol !== fastest).map((protocol) => `${protocol} ${measured[protocol]!.toFixed(1)} ms`);
    return choice(fastest, `${fastest}: auto — measured fastest, ${measured[fastest]!.toFixed(1)} ms per round (${others.join(", ")})`);
  }
  const [best] = usable;
  const also = usable.slice(1);
  return choice(best, `${best}: auto — the cheapest exact protocol ${detection.endpoint} answers (${detection.engine})${also.length > 0 ? `; also works: ${also.join(", ")}` : ""}`);
}

/** One line per protocol asked for: what was sent and what came back. */
export function describeMissing(detection: ProtocolDetection, protocols: readonly VerifierProtocol[]): string[] {
  return protocols.map((protocol) => {
    const failures = detection.probes.filter((probe) => probe.protocol === protocol && !probe.works).map((probe) => probe.detail);
    return `${protocol} needs ${PROBE_ASKS[protocol]}: ${failures.join("; ") || "not probed"}`;
  });
}

/** Which prefix-probe route an endpoint has: llama-server answers `GET /props`, the others take `/v1/completions`. */
export async function prefixProbeVariantOf(client: VerifierClient, signal?: AbortSignal): Promise<PrefixProbeVariant> {
  try {
    await client.transport.requestJson("GET", `${client.serverRoot}/props`, "GET /props", undefined, signal, (json) => validateResponse(PropsSchema, json, "GET /props"), {
      maxRetries: 0,
      timeoutMs: DEFAULT_PROBE_TIMEOUT_MS,
    });
    return "llama-server";
  } catch (error) {
    rethrowCancellation(error);
    return "openai-completions";
  }
}

/** The token-level verifier of a chosen protocol (predicted-outputs is not one). */
export function createTokenVerifier(client: VerifierClient, choice: { protocol: VerifierProtocol; variant?: PrefixProbeVariant }): TokenVerifier | undefined {
  if (choice.protocol === "sglang") return new SglangVerifier(client);
  if (choice.protocol === "prefix-probe") return new PrefixProbeVerifier(client, choice.variant ?? "openai-completions");
  if (choice.protocol === "echo-logprobs") return new EchoLogprobsVerifier(client);
  return undefined;
}

import { z } from "zod";
import { isAbortError } from "../../util/abort.js";
import { DisposedError } from "../../util/disposedError.js";
import { DEFAULT_PROBE_TIMEOUT_MS, type VerifierClient } from "../verifierClient.js";
import { VERIFIER_PROTOCOLS, type VerifierProtocol, type VerifierProtocolSetting } from "../verifierProtocol.js";
import { VerifierRequestError } from "../verifierRequestError.js";
import { VerifierTimeoutError } from "../verifierTimeoutError.js";
import { VerifierUnavailableError } from "../verifierUnavailableError.js";
import { validateResponse, type CallPolicy } from "../verifierTransport.js";
import { NoVerifierProtocolError } from "./noVerifierProtocolError.js";
import { PROTOCOL_MODULES, protocolModule } from "./protocolModules.js";
import type { RoundVerifier } from "./verifierProtocolModule.js";
import { errorMessageOf } from "../../util/errorMessage.js";

// Auto-detection: probe the endpoint once — what it says it is (`GET /v1/models` `owned_by`,
// SGLang's `GET /get_model_info`, llama-server's `GET /props`) and one tiny request of each
// protocol — and keep the exact protocols that answered in the expected shape.

/** Token ids every vocabulary has (the probes only need valid ids, not meaningful text). */
export const DEFAULT_PROBE_TOKENS: readonly number[] = [1, 2, 3];

export type EngineKind = "sglang" | "llama-server" | "vllm" | "configspec" | "unknown";

export interface ProtocolProbe {
  protocol: VerifierProtocol;
  works: boolean;
  /** Which route answered, for a protocol with several (prefix-probe). */
  variant?: string;
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
  /** The protocols that work, cheapest first (the order of PROTOCOL_MODULES). */
  found: VerifierProtocol[];
}

export interface ProtocolChoice {
  protocol: VerifierProtocol;
  variant?: string;
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
  const unreachable: unknown[] = [];
  let answered = 0;
  const probe = async (protocol: VerifierProtocol, variant: string | undefined): Promise<ProtocolProbe> => {
    const started = performance.now();
    try {
      const detail = await protocolModule(protocol).probe(client, { context, draft, signal, policy }, variant);
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

  const [identity, ...probes] = await Promise.all([
    identifyEndpoint(client, signal),
    ...PROTOCOL_MODULES.flatMap((module) => (module.variants ?? [undefined]).map((variant) => probe(module.name, variant))),
  ]);

  if (answered === 0 && !probes.some((p) => p.works) && !identity.answered && unreachable.length > 0) throw unreachable[0];
  const found = PROTOCOL_MODULES.map((module) => module.name).filter((protocol) => probes.some((p) => p.protocol === protocol && p.works));
  return { endpoint: client.endpoint, engine: identity.engine, maxModelLen: identity.maxModelLen, slots: identity.slots, probes, found };
}

export interface EndpointIdentity {
  engine: EngineKind;
  maxModelLen: number | undefined;
  slots: number | undefined;
  /** Whether any of the identifying routes answered. */
  answered: boolean;
}

/**
 * Which engine serves the endpoint, from what it says about itself (`GET /v1/models` `owned_by`,
 * SGLang's `GET /get_model_info`, llama-server's `GET /props`): three GETs, no model work, so
 * verifier-only can name its engine too. Throws only on cancellation or disposal.
 */
export async function identifyEndpoint(client: VerifierClient, signal?: AbortSignal): Promise<EndpointIdentity> {
  const { transport, apiRoot, serverRoot } = client;
  const getJson = async <Schema extends z.ZodType>(url: string, route: string, schema: Schema): Promise<z.output<Schema> | undefined> => {
    try {
      const { value } = await transport.requestJson("GET", url, route, undefined, signal, (json) => validateResponse(schema, json, route), { maxRetries: 0, timeoutMs: DEFAULT_PROBE_TIMEOUT_MS });
      return value;
    } catch (error) {
      rethrowCancellation(error);
      return undefined;
    }
  };
  const [models, modelInfo, props] = await Promise.all([
    getJson(`${apiRoot}/models`, "GET /models", ModelListSchema),
    getJson(`${serverRoot}/get_model_info`, "GET /get_model_info", SglangModelInfoSchema),
    getJson(`${serverRoot}/props`, "GET /props", PropsSchema),
  ]);
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
  return { engine, maxModelLen, slots: props?.total_slots ?? undefined, answered: models !== undefined || modelInfo !== undefined || props !== undefined };
}

/** The probe that worked for `protocol`; on llama-server its native route, which llama-server also tokenizes for (its OpenAI route answers too). */
function workingProbe(detection: ProtocolDetection, protocol: VerifierProtocol): ProtocolProbe | undefined {
  const working = detection.probes.filter((probe) => probe.protocol === protocol && probe.works);
  const native = detection.engine === "llama-server" ? working.find((probe) => probe.variant === "llama-server") : undefined;
  return native ?? working[0];
}

/**
 * The protocol to use: the setting when the endpoint supports it, else (`auto`) the selector's
 * pick for the configuration when it works, else the cheapest that works.
 * Never a silent fallback: a named protocol the endpoint lacks, or an endpoint with none,
 * throws {@link NoVerifierProtocolError} saying what is missing and what would work.
 */
export function chooseVerifierProtocol(
  detection: ProtocolDetection,
  setting: VerifierProtocolSetting,
  options: { allowed?: readonly VerifierProtocol[]; preferred?: VerifierProtocol } = {},
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
  const [best] = usable;
  const also = usable.slice(1);
  return choice(best, `${best}: auto — the cheapest exact protocol ${detection.endpoint} answers (${detection.engine})${also.length > 0 ? `; also works: ${also.join(", ")}` : ""}`);
}

/** One line per protocol asked for: what was sent and what came back. */
export function describeMissing(detection: ProtocolDetection, protocols: readonly VerifierProtocol[]): string[] {
  return protocols.map((protocol) => {
    const failures = detection.probes.filter((probe) => probe.protocol === protocol && !probe.works).map((probe) => probe.detail);
    return `${protocol} needs ${protocolModule(protocol).asks}: ${failures.join("; ") || "not probed"}`;
  });
}

/** The round verifier of a chosen protocol; undefined when it needs the drafter's tokenizer and `sharedTokenizer` is false. */
export function createRoundVerifier(client: VerifierClient, choice: { protocol: VerifierProtocol; variant?: string }, sharedTokenizer: boolean): RoundVerifier | undefined {
  return protocolModule(choice.protocol).roundVerifier(client, { variant: choice.variant, sharedTokenizer });
}

/**
 * The verifier's real context window, in its own tokens, asked of the endpoint: vLLM and SGLang
 * list `max_model_len` per model in `GET /v1/models` (vLLM `protocol.py` ModelCard), llama.cpp's
 * llama-server reports `n_ctx` in `GET /props` (`default_generation_settings.n_ctx`), and an
 * over-long prompt is refused with a message naming the limit (OpenAI and vLLM: "maximum context
 * length is N tokens"; llama-server: "exceeds the available context size (N tokens)").
 */

/** How long the discovery requests may take before the prompt is sized without them. Default 2 s. */
export const CONTEXT_WINDOW_PROBE_TIMEOUT_MS = 2_000;

interface ModelsJson {
  data?: { id?: string; max_model_len?: number; context_length?: number; context_window?: number }[];
}
interface PropsJson {
  n_ctx?: number;
  default_generation_settings?: { n_ctx?: number };
}

function positive(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}

async function getJson(url: string, apiKey: string | undefined, signal: AbortSignal): Promise<unknown> {
  const response = await fetch(url, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {}, signal });
  if (!response.ok) return undefined;
  return response.json();
}

/** The context window the endpoint reports for `model`, or undefined when it reports none. */
export async function discoverContextWindow(options: { baseUrl: string; model: string; apiKey?: string; signal?: AbortSignal }): Promise<number | undefined> {
  const signal = AbortSignal.any([AbortSignal.timeout(CONTEXT_WINDOW_PROBE_TIMEOUT_MS), ...(options.signal ? [options.signal] : [])]);
  const base = options.baseUrl.replace(/\/+$/, "");
  try {
    const models = (await getJson(`${base}/models`, options.apiKey, signal)) as ModelsJson | undefined;
    const card = models?.data?.find((m) => m.id === options.model) ?? (models?.data?.length === 1 ? models.data[0] : undefined);
    const listed = positive(card?.max_model_len) ?? positive(card?.context_length) ?? positive(card?.context_window);
    if (listed) return listed;
  } catch {
    // no model list: try llama-server's /props
  }
  try {
    const origin = new URL(base).origin;
    const props = (await getJson(`${origin}/props`, options.apiKey, signal)) as PropsJson | undefined;
    return positive(props?.default_generation_settings?.n_ctx) ?? positive(props?.n_ctx);
  } catch {
    return undefined;
  }
}

const WINDOW_IN_ERROR = [
  /maximum context length is (\d+) tokens/i,
  /context size \((\d+) tokens\)/i,
  /context (?:window |length )?of (\d+) tokens/i,
  /n_ctx(?:_slot)?\s*[=:]\s*(\d+)/i,
];

/** The context window named in a refusal ("maximum context length is 1024 tokens"), if any. */
export function contextWindowFromError(message: string): number | undefined {
  for (const pattern of WINDOW_IN_ERROR) {
    const match = pattern.exec(message);
    if (match) return positive(Number(match[1]));
  }
  return undefined;
}

import type { PriceTable } from "../profile/profileSchema.js";

/**
 * List prices of a few real OpenAI-compatible verifiers, USD per 1M tokens, as published on
 * the providers' pricing pages at `asOf`. Prices change: a profile records the table it was
 * costed with, and the user can override any of it (a whole table or single fields).
 */
export const DEFAULT_PRICE_TABLES: readonly PriceTable[] = [
  {
    provider: "openai",
    model: "gpt-4o-mini",
    inputPerMillion: 0.15,
    cachedInputPerMillion: 0.075,
    outputPerMillion: 0.6,
    perServerSecond: 0,
    asOf: "2024-07-18",
    source: "https://openai.com/api/pricing",
  },
  {
    provider: "openai",
    model: "gpt-4.1-mini",
    inputPerMillion: 0.4,
    cachedInputPerMillion: 0.1,
    outputPerMillion: 1.6,
    perServerSecond: 0,
    asOf: "2025-04-14",
    source: "https://openai.com/api/pricing",
  },
  {
    provider: "openai",
    model: "gpt-4.1-nano",
    inputPerMillion: 0.1,
    cachedInputPerMillion: 0.025,
    outputPerMillion: 0.4,
    perServerSecond: 0,
    asOf: "2025-04-14",
    source: "https://openai.com/api/pricing",
  },
  {
    // Together's serverless list no cached-input discount: cached = input.
    provider: "together",
    model: "Qwen/Qwen2.5-7B-Instruct-Turbo",
    inputPerMillion: 0.3,
    cachedInputPerMillion: 0.3,
    outputPerMillion: 0.3,
    perServerSecond: 0,
    asOf: "2025-06",
    source: "https://www.together.ai/pricing",
  },
  {
    provider: "fireworks",
    model: "accounts/fireworks/models/gpt-oss-20b",
    inputPerMillion: 0.07,
    cachedInputPerMillion: 0.035,
    outputPerMillion: 0.3,
    perServerSecond: 0,
    asOf: "2026-04",
    source: "https://docs.fireworks.ai/serverless/pricing",
  },
  {
    // Self-hosted vLLM/SGLang on one rented GPU: billed by the second whatever the tokens, so a
    // round costs its verifier server time (perServerSecond · verify s); token prices are 0.
    // $2.69 per H100 SXM hour: RunPod Secure Cloud's list price as reported 2026-05-22.
    provider: "self-hosted",
    model: "h100-sxm-gpu-second",
    inputPerMillion: 0,
    cachedInputPerMillion: 0,
    outputPerMillion: 0,
    perServerSecond: 2.69 / 3600,
    asOf: "2026-05-22",
    source: "https://www.spheron.network/blog/runpod-h100-pricing-2026/ (RunPod Secure Cloud H100 SXM, $2.69/h)",
  },
];

/** A price table for a self-hosted verifier on dedicated GPUs: `usdPerGpuHour` × GPUs, by the second. */
export function selfHostedPriceTable(usdPerGpuHour: number, gpus = 1, asOf = new Date().toISOString().slice(0, 10)): PriceTable {
  return {
    provider: "self-hosted",
    model: `${gpus}-gpu-second`,
    inputPerMillion: 0,
    cachedInputPerMillion: 0,
    outputPerMillion: 0,
    perServerSecond: (usdPerGpuHour * gpus) / 3600,
    asOf,
    source: "user-supplied GPU hour price",
  };
}

/** How an engine family bills, and whether a prefix-cache hit is cheaper. */
export interface EngineBilling {
  engine: string;
  billing: "per-token" | "per-gpu-second";
  /** Prompt tokens served from the provider's cache: billed at `cachedInputPerMillion`, or at the full input price. */
  cachedInput: "discounted" | "full price" | "free (time only)";
  source: string;
}

/** The billing facts the cost model uses per engine family (prices themselves are in the tables above). */
export const ENGINE_BILLING: readonly EngineBilling[] = [
  { engine: "OpenAI", billing: "per-token", cachedInput: "discounted", source: "https://openai.com/api/pricing (cached input column); usage.prompt_tokens_details.cached_tokens" },
  { engine: "Fireworks", billing: "per-token", cachedInput: "discounted", source: "https://docs.fireworks.ai/serverless/pricing" },
  { engine: "Together (serverless)", billing: "per-token", cachedInput: "full price", source: "https://www.together.ai/pricing (no cached-input price listed)" },
  {
    engine: "vLLM / SGLang / llama-server, self-hosted",
    billing: "per-gpu-second",
    cachedInput: "free (time only)",
    source: "the GPU is paid by the hour whatever it computes; a cache hit only saves verify time (perServerSecond · verify s)",
  },
];

/** What cost is modelled against when the verifier's own prices are unknown (a local or private endpoint). */
export const DEFAULT_PRICE_TABLE: PriceTable = DEFAULT_PRICE_TABLES[1];

/** The default table for a verifier model name (exact, then suffix match: "openai/gpt-4o-mini"). */
export function findPriceTable(model: string): PriceTable | undefined {
  return (
    DEFAULT_PRICE_TABLES.find((table) => table.model === model) ??
    DEFAULT_PRICE_TABLES.find((table) => model.endsWith(`/${table.model}`) || table.model.endsWith(`/${model}`))
  );
}

/** A table with some prices replaced (user settings), everything else kept. */
export function overridePrices(table: PriceTable, overrides: Partial<PriceTable>): PriceTable {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  return { ...table, ...defined };
}

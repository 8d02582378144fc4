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

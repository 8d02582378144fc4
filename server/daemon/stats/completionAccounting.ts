import type { CompletionStats } from "../../completionContract.js";
import type { PriceOverride } from "../../config/daemonSettings.js";
import { usdOf } from "../../prediction/completionPrice.js";
import { DEFAULT_PRICE_TABLE, findPriceTable, overridePrices } from "../../prediction/priceTables.js";
import type { PriceTable } from "../../profile/profileSchema.js";

/**
 * Device power while drafting, in watts: one busy laptop core plus uncore (mobile x86 parts
 * draw ~8–15 W package power under single-thread load). Used until a profile measured it.
 */
export const DEFAULT_DRAFTING_POWER_W = 10;
/** Device power while waiting on the network (screen excluded): radio plus idle SoC, ~2 W. */
export const DEFAULT_WAITING_POWER_W = 2;

export interface DevicePower {
  draftingW: number;
  waitingW: number;
}

export interface CompletionCosts {
  costUsd: number;
  energyJ: number;
  latencyMs: number;
}

export interface CompletionAccounting {
  /** What this completion cost. */
  actual(stats: CompletionStats): CompletionCosts;
  /** What the same tokens would have cost from the verifier alone (one streamed call). */
  verifierOnly(stats: CompletionStats): CompletionCosts;
}

/** The price table for a verifier model (server/model's list prices) with the user's overrides. */
export function priceTableFor(model: string, overrides: Record<string, PriceOverride>): PriceTable {
  const table = findPriceTable(model) ?? DEFAULT_PRICE_TABLE;
  const override = Object.hasOwn(overrides, model) ? overrides[model] : undefined;
  return override ? overridePrices(table, override) : table;
}

/**
 * Books what one completion cost from the engine's own stats (server/model predicts; this
 * only records what happened):
 * - cost = {@link usdOf} of the billed tokens and the verifier's time (`timings.verifyMs`,
 *   which already excludes the emulated network delay);
 * - verifier-only cost: one call whose prompt is the average per-round prompt, every token output;
 * - energy = drafting time × drafting power + the rest of the wall time × waiting power;
 * - verifier-only latency = one round trip + tokens × the verifier's per-round compute time
 *   (verifying K drafted tokens costs about one decode step on a memory-bound server).
 */
export function createCompletionAccounting(
  price: PriceTable,
  power: DevicePower = { draftingW: DEFAULT_DRAFTING_POWER_W, waitingW: DEFAULT_WAITING_POWER_W },
): CompletionAccounting {
  return {
    actual(stats) {
      const costUsd = usdOf(price, stats.usage, stats.timings.verifyMs);
      const draftMs = Math.min(stats.timings.draftMs, stats.timings.totalMs);
      const energyJ = (draftMs * power.draftingW + (stats.timings.totalMs - draftMs) * power.waitingW) / 1000;
      return { costUsd, energyJ, latencyMs: stats.timings.totalMs };
    },
    verifierOnly(stats) {
      const calls = Math.max(1, stats.rounds);
      const roundTripMs = stats.timings.networkMs / calls;
      const stepMs = stats.timings.verifyMs / calls;
      const latencyMs = roundTripMs + stats.tokens * stepMs;
      const costUsd = usdOf(price, { promptTokens: stats.usage.promptTokens / calls, cachedTokens: 0, completionTokens: stats.tokens }, stats.tokens * stepMs);
      return { costUsd, energyJ: (latencyMs * power.waitingW) / 1000, latencyMs };
    },
  };
}

import type { CompletionUsage } from "../completionContract.js";
import type { PriceTable } from "../profile/profileSchema.js";

const TOKENS_PER_MILLION = 1_000_000;
const MS_PER_SECOND = 1000;

/**
 * USD of one completion (or of a sum of them) at a price table — the one formula the model's
 * predictions, the validation, the bench, the demo and the daemon's ledger all use:
 *
 *   [(prompt − cached)·input + cached·cachedInput + completion·output] / 1e6 + perServerSecond · verifier s
 *
 * `verifierMs` is the verifier's busy time, never the network's: `CompletionTimings.verifyMs`
 * as measured (the emulated delay is already out of it), or the model's predicted `verifyMs`.
 */
export function usdOf(prices: PriceTable, usage: CompletionUsage, verifierMs: number): number {
  const uncached = Math.max(0, usage.promptTokens - usage.cachedTokens);
  const tokenUsd =
    (uncached * prices.inputPerMillion + usage.cachedTokens * prices.cachedInputPerMillion + usage.completionTokens * prices.outputPerMillion) /
    TOKENS_PER_MILLION;
  return tokenUsd + (prices.perServerSecond * verifierMs) / MS_PER_SECOND;
}

import type { DaemonSettings } from "../../config/daemonSettings.js";
import { priceTableFor } from "../stats/completionAccounting.js";

/** What a warm-up touches under the current settings. */
export interface WarmupPlan {
  /** The drafter's KV takes the prompt (local work only). */
  drafter: boolean;
  /** The verifier gets its prefix-cache request (billed like any request where the endpoint bills tokens). */
  verifier: boolean;
}

/** Loopback, private (RFC 1918, IPv6 unique-local) and link-local hosts, and `.local`/`.internal` names: a verifier run by the user. */
const LOCAL_HOST = /^(localhost|127(\.\d+){3}|10(\.\d+){3}|192\.168(\.\d+){2}|172\.(1[6-9]|2\d|3[01])(\.\d+){2}|169\.254(\.\d+){2}|\[::1\]|\[f[cd][0-9a-f:]*\]|\[fe80:[0-9a-f:]*\]|[^.]+|.+\.local|.+\.internal)$/i;

/**
 * Whether the verifier bills per token: not the embedded one (empty base URL), not one on this
 * machine or network, and not one whose price table (built in or overridden) charges 0 per token.
 */
export function verifierBillsTokens(settings: DaemonSettings): boolean {
  const { baseUrl, model } = settings.verifier;
  if (baseUrl === "") return false;
  if (LOCAL_HOST.test(new URL(baseUrl).hostname)) return false;
  const price = priceTableFor(model, settings.prices);
  return price.inputPerMillion > 0 || price.cachedInputPerMillion > 0 || price.outputPerMillion > 0;
}

/** `configspec.warmup`: `auto` warms the drafter always and the verifier unless it bills tokens; `on` both; `off` neither. */
export function warmupPlan(settings: DaemonSettings): WarmupPlan {
  switch (settings.warmup) {
    case "off":
      return { drafter: false, verifier: false };
    case "on":
      return { drafter: true, verifier: true };
    case "auto":
      return { drafter: true, verifier: !verifierBillsTokens(settings) };
  }
}

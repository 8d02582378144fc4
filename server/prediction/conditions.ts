import { z } from "zod";

/** Prompt length of a typical fill-in-the-middle completion request (~4 KB of code around the cursor). */
export const DEFAULT_PROMPT_TOKENS = 1024;
/** Tokens generated per completion: a few lines of code. */
export const DEFAULT_MAX_TOKENS = 64;
/**
 * Prompt tokens the drafter must prefill per completion. 0: the drafter keeps its KV cache
 * across keystrokes, so only what was typed since is new; set it to `promptTokens` to model a
 * cold start.
 */
export const DEFAULT_DRAFTER_PREFILL_TOKENS = 0;

/** The circumstances a prediction is made for; varying `rttMs` moves the network. */
export const ConditionsSchema = z.object({
  /** Network round trip; default: the profile's measured median (or p90, see `rttPercentile`). */
  rttMs: z.number().finite().nonnegative().optional(),
  /**
   * Which of the profile's measured round trips to predict at when `rttMs` is not given: 50 (the
   * median, typical) or 90 (a slow network moment: what a latency objective asks for when the
   * bad case matters more than the usual one).
   */
  rttPercentile: z.union([z.literal(50), z.literal(90)]).default(50),
  promptTokens: z.number().int().nonnegative().default(DEFAULT_PROMPT_TOKENS),
  maxTokens: z.number().int().positive().default(DEFAULT_MAX_TOKENS),
  drafterPrefillTokens: z.number().int().nonnegative().default(DEFAULT_DRAFTER_PREFILL_TOKENS),
  /**
   * How long a completion is: `stopRules` (default), the profile's measured lengths under the
   * daemon's stop rules, within `maxTokens` (the budget when the profile has none); `maxTokens`,
   * every completion runs to its budget (a run without stop rules).
   */
  completionLength: z.enum(["stopRules", "maxTokens"]).default("stopRules"),
});
export type Conditions = z.infer<typeof ConditionsSchema>;
export type ConditionsInput = z.input<typeof ConditionsSchema>;

export function resolveConditions(input: ConditionsInput = {}): Conditions {
  return ConditionsSchema.parse(input);
}

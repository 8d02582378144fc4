import { z } from "zod";

// The profile's workload terms: what a completion is like under the daemon's stop rules, where the
// calibration prompts came from, and what a first round at a new cursor position costs. Each is
// optional in a stored profile: one written before them still loads (the model then falls back
// and the CLI says "re-profile to get ...").

const nonNegative = z.number().finite().nonnegative();
const count = z.number().int().nonnegative();

/** The corpus the calibration prompts were cut from, as `profile --corpus` named it (or the bundled one). */
export const CalibrationSourceSchema = z.object({
  /** A folder, or `<folder> (bundled)` for the sample corpus. */
  corpus: z.string().min(1),
  prompts: count,
  seed: z.number().int(),
});
export type CalibrationSource = z.infer<typeof CalibrationSourceSchema>;

/** One calibration completion run to the daemon's stop rules by the verifier alone. */
export const CompletionLengthSampleSchema = z.object({
  /** Tokens the verifier generated before a stop rule (or end of text, or the budget) ended it. */
  tokens: count,
  promptTokens: count,
  /** Wall time of the streamed request, round trip included. */
  ms: nonNegative,
  /** True when the budget, not a stop rule or end of text, ended it (the length is censored). */
  hitBudget: z.boolean(),
});
export type CompletionLengthSample = z.infer<typeof CompletionLengthSampleSchema>;

/**
 * Completion length under the stop rules: the distribution the model predicts over instead of
 * assuming every completion runs to its budget.
 */
export const CompletionLengthSchema = z.object({
  /** The token budget the samples ran under (a longer budget is predicted with these, censored). */
  maxTokens: z.number().int().positive(),
  samples: z.array(CompletionLengthSampleSchema).min(1),
  /** Verifier-only decode ms per token, timed on these stop-rule-length generations (absent when too few had two tokens). */
  verifierOnlyMsPerToken: z
    .object({ median: nonNegative, p90: nonNegative, mean: nonNegative.optional() })
    .optional(),
});
export type CompletionLength = z.infer<typeof CompletionLengthSchema>;

/**
 * A drafter's first round at a new cursor position (prompt cached by the verifier, drafter KV
 * freshly filled) over a later round of the same walk, after the fits explain what K and context
 * do: split into the drafting side and the verifier side, so each lands in its own time term.
 */
export const FirstRoundSchema = z.object({
  draftExtraMs: z.number().finite(),
  verifyExtraMs: z.number().finite(),
  /** Walks it was measured on. */
  walks: count,
});
export type FirstRound = z.infer<typeof FirstRoundSchema>;

/** How a thread sweep point was timed: inside engine rounds (drafting between real verifications) or drafting alone. */
export const ThreadTimingSchema = z.enum(["engineRounds", "isolated"]);
export type ThreadTiming = z.infer<typeof ThreadTimingSchema>;

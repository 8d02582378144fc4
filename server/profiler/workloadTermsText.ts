import type { Profile } from "../profile/profileSchema.js";

/**
 * What an older profile lacks of the model's workload terms, each as a line saying what the model
 * does instead and that profiling again measures it. Empty for a profile with every term.
 */
export function missingTermNotes(profile: Profile): string[] {
  const notes: string[] = [];
  if (!profile.calibration) notes.push("the profile does not say which corpus it was calibrated on: re-profile to record it");
  if (!profile.completionLength) notes.push("no completion lengths under the stop rules: every completion is predicted at its token budget; re-profile to measure them");
  const noFirstRound = profile.drafters.filter((d) => !d.firstRound).map((d) => d.id);
  if (noFirstRound.length > 0) notes.push(`no first-round term for ${noFirstRound.join(", ")}: a completion's first round is priced as a later one; re-profile to measure it`);
  const isolated = profile.drafters.filter((d) => d.threadSweep?.some((p) => p.measuredIn !== "engineRounds")).map((d) => d.id);
  if (isolated.length > 0) notes.push(`thread speeds of ${isolated.join(", ")} come from a sweep of drafting alone (a shared device slows it inside completions): re-profile to time them inside engine rounds`);
  return notes;
}

/** One line naming the calibration corpus, for `profile` and `validate`. */
export function calibrationText(profile: Profile): string {
  const c = profile.calibration;
  return c ? `calibrated on ${c.corpus} (${c.prompts} prompts, seed ${c.seed})` : "calibration corpus not recorded (re-profile to record it)";
}

/** The completion-length and first-round terms in a line each (none for what the profile lacks). */
export function workloadTermsText(profile: Profile): string[] {
  const lines: string[] = [];
  const lengths = profile.completionLength;
  if (lengths) {
    const tokens = lengths.samples.map((s) => s.tokens).sort((a, b) => a - b);
    const at = (q: number) => tokens[Math.min(tokens.length - 1, Math.floor(q * tokens.length))];
    const decode = lengths.verifierOnlyMsPerToken ? `; verifier-only decodes ${(lengths.verifierOnlyMsPerToken.mean ?? lengths.verifierOnlyMsPerToken.median).toFixed(1)} ms/token at these lengths` : "";
    const budget = lengths.samples.filter((s) => s.hitBudget).length;
    lines.push(`completion length under the stop rules: median ${at(0.5)} tokens, p90 ${at(0.9)} over ${tokens.length} prompts (${budget} ran to the ${lengths.maxTokens}-token budget)${decode}`);
  }
  for (const d of profile.drafters) {
    if (d.firstRound) lines.push(`${d.id}: first round at a new cursor position ${signed(d.firstRound.draftExtraMs)} ms drafting, ${signed(d.firstRound.verifyExtraMs)} ms verifying over a later round (${d.firstRound.walks} walks)`);
  }
  return lines;
}

function signed(ms: number): string {
  return `${ms >= 0 ? "+" : ""}${ms.toFixed(1)}`;
}

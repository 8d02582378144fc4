import type { DrafterProfile } from "../profile/profileSchema.js";

/**
 * A note when measured acceptance ranks the drafters against their size (more layers or
 * parameters of the same family should agree more with the verifier), else undefined. A hint
 * for the report, not an error: a small drafter trained better may legitimately win.
 */
export function acceptanceOrderCheck(drafters: readonly DrafterProfile[]): string | undefined {
  const bySize = [...drafters].sort((a, b) => b.parameters - a.parameters || b.layers - a.layers);
  for (let i = 1; i < bySize.length; i++) {
    const larger = bySize[i - 1];
    const smaller = bySize[i];
    if (smaller.acceptanceCurve[0] > larger.acceptanceCurve[0] + 0.1) {
      return `note: ${smaller.id} (${smaller.parameters} parameters) accepts more than ${larger.id} (${larger.parameters}) at position 1`;
    }
  }
  return undefined;
}

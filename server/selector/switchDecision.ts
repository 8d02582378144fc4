import { sameConfiguration, type Configuration } from "../prediction/configuration.js";
import { formatSelectionMetric, selectionInterval, selectionMetric, type Objective } from "./objective.js";
import { bestFor, type ScoredConfiguration } from "./scoredConfiguration.js";

/**
 * Relative gain a challenger must promise before the running configuration is replaced: running
 * estimates are noisy and a switch costs (a drafter load, a cold KV cache), so near-ties keep the
 * current configuration instead of flapping.
 */
export const DEFAULT_SWITCH_MARGIN = 0.1;

export interface SwitchDecision {
  switch: boolean;
  /** The configuration to run next: the challenger when switching, else the current one. */
  next: ScoredConfiguration;
  /** The best challenger and its predicted relative gain over the current configuration. */
  challenger: ScoredConfiguration;
  gain: number;
  reason: string;
}

/**
 * Hysteresis for online adaptation: given candidates re-predicted from running estimates, switch
 * only if the best one beats the current configuration's re-predicted metric by more than `margin`
 * and, where both carry intervals, beyond them: the challenger's low end above the running
 * configuration's high end (a win inside the profile's own spread is not a win).
 */
export function decideSwitch(
  current: Configuration,
  candidates: readonly ScoredConfiguration[],
  objective: Objective,
  margin: number = DEFAULT_SWITCH_MARGIN,
): SwitchDecision {
  const challenger = bestFor(candidates, objective);
  if (!challenger) throw new RangeError("expected at least one candidate configuration, found none");
  const running = candidates.find((c) => sameConfiguration(c.configuration, current));
  if (!running) {
    return { switch: true, next: challenger, challenger, gain: Infinity, reason: `current configuration is no longer a candidate; switching to ${challenger.label}` };
  }
  const now = selectionMetric(objective, running);
  const best = selectionMetric(objective, challenger);
  const gain = now > 0 ? best / now - 1 : best > 0 ? Infinity : 0;
  const summary = `${challenger.label} ${formatSelectionMetric(objective, best)} vs ${running.label} ${formatSelectionMetric(objective, now)}`;
  if (challenger !== running && gain > margin) {
    const challengerInterval = selectionInterval(objective, challenger);
    const runningInterval = selectionInterval(objective, running);
    if (challengerInterval && runningInterval) {
      const low = challengerInterval.low;
      const high = runningInterval.high;
      if (!(low > high)) {
        return {
          switch: false,
          next: running,
          challenger,
          gain,
          reason: `${summary}: +${(gain * 100).toFixed(0)}% but within the intervals (${formatSelectionMetric(objective, low)} ≤ ${formatSelectionMetric(objective, high)})`,
        };
      }
      return { switch: true, next: challenger, challenger, gain, reason: `${summary}: +${(gain * 100).toFixed(0)}% > ${(margin * 100).toFixed(0)}% margin, beyond the intervals` };
    }
    return { switch: true, next: challenger, challenger, gain, reason: `${summary}: +${(gain * 100).toFixed(0)}% > ${(margin * 100).toFixed(0)}% margin` };
  }
  return { switch: false, next: running, challenger, gain, reason: challenger === running ? `${running.label} is still the best` : `${summary}: +${(gain * 100).toFixed(1)}% within the ${(margin * 100).toFixed(0)}% margin` };
}

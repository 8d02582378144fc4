import assert from "node:assert/strict";
import { test } from "node:test";
import { applyRunningEstimates } from "../../../server/prediction/runningEstimates.js";
import { selectionMetric } from "../../../server/selector/objective.js";
import { selectConfigurations } from "../../../server/selector/selectConfiguration.js";
import { DEFAULT_SWITCH_MARGIN, decideSwitch } from "../../../server/selector/switchDecision.js";
import { SMALLEST_DRAFTER, syntheticProfile } from "../../helpers/syntheticProfile.js";

const profile = syntheticProfile({ rttMs: 5, draftSpeedup: 3 });
const { candidates, picks } = selectConfigurations(profile);
const best = picks.latency.choice;
const goodput = (label: string) => {
  const c = candidates.find((x) => x.label === label);
  assert.ok(c, label);
  return c;
};

test("the current best is kept", () => {
  const decision = decideSwitch(best.configuration, candidates, "latency");
  assert.equal(decision.switch, false);
  assert.equal(decision.next, best);
  assert.match(decision.reason, /still the best/);
});

test("a challenger within the margin does not make it flap", () => {
  // The runner-up by the latency metric (first lines per second): close behind the pick.
  const gainOver = (c: (typeof candidates)[number]) => picks.latency.value / selectionMetric("latency", c) - 1;
  const near = candidates.filter((c) => c !== best && gainOver(c) > 0).sort((a, b) => gainOver(a) - gainOver(b))[0];
  const gain = gainOver(near);
  assert.ok(gain > 0 && gain < DEFAULT_SWITCH_MARGIN, `gain ${gain}`);
  const decision = decideSwitch(near.configuration, candidates, "latency");
  assert.equal(decision.switch, false);
  assert.equal(decision.next, near);
  assert.match(decision.reason, /within the 10% margin/);
});

test("a challenger beyond the margin is switched to", () => {
  const far = goodput(`${SMALLEST_DRAFTER} K=1 ×1t`);
  const decision = decideSwitch(far.configuration, candidates, "latency");
  assert.equal(decision.switch, true);
  assert.equal(decision.next, best);
  assert.ok(decision.gain > DEFAULT_SWITCH_MARGIN);
});

test("re-predicting from a running RTT estimate moves the pick only past the margin", () => {
  const slower = selectConfigurations(applyRunningEstimates(profile, { rttMs: 400 }));
  const decision = decideSwitch(best.configuration, slower.candidates, "latency");
  assert.equal(decision.switch, true);
  assert.equal(decision.next.prediction.kind, "verifier-only");
  const same = decideSwitch(best.configuration, slower.candidates, "latency", 10);
  assert.equal(same.switch, false, "a 1000% margin holds on");
});

test("a configuration that is no longer a candidate is replaced", () => {
  const decision = decideSwitch({ drafterId: "removed", k: 3, threads: 1, verified: true }, candidates, "battery");
  assert.equal(decision.switch, true);
  assert.equal(decision.next, picks.battery.choice);
});

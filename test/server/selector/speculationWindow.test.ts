import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEFAULT_STALE_TOKENS } from "../../../server/prediction/firstLineLatency.js";
import { enumerateConfigurations } from "../../../server/selector/configurationSpace.js";
import { selectConfigurations } from "../../../server/selector/selectConfiguration.js";
import { speculationWindow, WINDOW_RTTS_MS } from "../../../server/selector/speculationWindow.js";
import { syntheticProfile } from "../../helpers/syntheticProfile.js";

const CONDITIONS = { staleTokens: DEFAULT_STALE_TOKENS, promptTokens: 1024 };

describe("speculation window", () => {
  test("each drafter pays below its break-even RTT and loses above it, at every RTT of the grid", () => {
    const profile = syntheticProfile({ draftSpeedup: 3 });
    const window = speculationWindow(profile, enumerateConfigurations(profile), CONDITIONS);
    assert.ok(window.drafters.length > 1);
    for (const drafter of window.drafters) {
      assert.equal(drafter.points.length, WINDOW_RTTS_MS.length);
      for (const point of drafter.points) {
        const pays = point.speculativeMs < point.verifierOnlyMs;
        assert.equal(pays, point.rttMs < drafter.paysBelowRttMs, `${drafter.drafterId} at RTT ${point.rttMs}: ${JSON.stringify(point)} against ${drafter.paysBelowRttMs}`);
      }
    }
    assert.equal(window.paysBelowRttMs, Math.max(...window.drafters.map((d) => d.paysBelowRttMs)));
    assert.ok(window.paysBelowRttMs > 5 && window.paysBelowRttMs < 160, `break-even ${window.paysBelowRttMs}`);
  });

  test("the latency pick is speculative exactly inside the window, and its reason says where the RTT lies", () => {
    const window = speculationWindow(syntheticProfile({ draftSpeedup: 3 }), enumerateConfigurations(syntheticProfile({ draftSpeedup: 3 })), CONDITIONS);
    for (const rttMs of [5, 25, 50, 100, 160]) {
      const pick = selectConfigurations(syntheticProfile({ rttMs, draftSpeedup: 3 })).picks.latency;
      const inside = rttMs < window.paysBelowRttMs;
      assert.equal(pick.choice.prediction.kind, inside ? "speculative" : "verifier-only", `RTT ${rttMs}`);
      assert.match(pick.explanation, new RegExp(`speculation pays below RTT ${Math.round(window.paysBelowRttMs)} ms on this endpoint; the measured ${rttMs} ms is ${inside ? "inside" : "outside"} that window\\.$`));
    }
  });

  test("drafters slower than the verifier's own decoding never pay, and the reason says so", () => {
    const profile = syntheticProfile({ rttMs: 0, draftSpeedup: 0.02 });
    const window = speculationWindow(profile, enumerateConfigurations(profile), CONDITIONS);
    assert.equal(window.paysBelowRttMs, 0);
    for (const drafter of window.drafters) for (const point of drafter.points) assert.ok(point.speculativeMs >= point.verifierOnlyMs, JSON.stringify(point));
    const pick = selectConfigurations(profile).picks.latency;
    assert.equal(pick.choice.prediction.kind, "verifier-only");
    assert.match(pick.explanation, /speculation does not pay at any RTT on this endpoint/);
  });
});

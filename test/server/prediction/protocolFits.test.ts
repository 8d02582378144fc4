import assert from "node:assert/strict";
import { test } from "node:test";
import { configurationLabel } from "../../../server/prediction/configuration.js";
import { predict } from "../../../server/prediction/performanceModel.js";
import { comparableProtocols, comparedProtocolOf, protocolFits, serverTimeRatio } from "../../../server/prediction/protocolFits.js";
import { ProfileSchema, type Profile, type ProtocolTiming } from "../../../server/profile/profileSchema.js";
import { enumerateConfigurations } from "../../../server/selector/configurationSpace.js";
import { bestFor } from "../../../server/selector/scoredConfiguration.js";
import { selectConfigurations } from "../../../server/selector/selectConfiguration.js";
import { syntheticProfileInput } from "../../helpers/syntheticProfile.js";

// The protocol as one more dimension of the configuration: the survey's side-by-side timings
// scale the measured verify fit, each protocol bills by its own structure, and the selector
// chooses per objective.

const RTT = 40;
/** Server ms (wall minus the 40 ms RTT) at K = 4, 1,000 tokens: prefix-probe 0.3×, sglang 0.6× the measured echo-logprobs. */
const SURVEY: ProtocolTiming[] = [
  { protocol: "sglang", k: 4, contextTokens: 1000, coldMs: 400, verifyMsPerRound: RTT + 24 },
  { protocol: "prefix-probe", k: 4, contextTokens: 1000, coldMs: 300, verifyMsPerRound: RTT + 12 },
  { protocol: "echo-logprobs", k: 4, contextTokens: 1000, coldMs: 900, verifyMsPerRound: RTT + 40 },
  { protocol: "predicted-outputs", k: 4, contextTokens: 1000, coldMs: 500, verifyMsPerRound: RTT + 30 },
];

function surveyed(timings: ProtocolTiming[] = SURVEY): Profile {
  // Drafting 3× faster than the CPU laptop (an Apple-silicon GPU): speculative wins on latency.
  const input = syntheticProfileInput({ rttMs: RTT, draftSpeedup: 3 });
  return ProfileSchema.parse({ ...input, verifier: { ...input.verifier, protocols: timings } });
}

test("without a survey (or without the measured protocol in it) configurations carry no protocol", () => {
  const plain = ProfileSchema.parse(syntheticProfileInput({ rttMs: RTT }));
  assert.deepEqual(comparableProtocols(plain), []);
  assert.ok(enumerateConfigurations(plain).every((c) => c.protocol === undefined));
  const withoutMeasured = surveyed(SURVEY.filter((t) => t.protocol !== "echo-logprobs"));
  assert.deepEqual(comparableProtocols(withoutMeasured), [], "no ratio to the measured fits without the measured protocol");
  assert.deepEqual(comparableProtocols(surveyed(SURVEY.filter((t) => t.protocol === "echo-logprobs" || t.protocol === "predicted-outputs"))), [], "one token protocol: nothing to choose");
});

test("the token protocols the survey timed are compared; predicted outputs is not (its rounds are generation calls)", () => {
  const profile = surveyed();
  assert.deepEqual(comparableProtocols(profile), ["sglang", "prefix-probe", "echo-logprobs"]);
  const configurations = enumerateConfigurations(profile);
  const speculative = configurations.filter((c) => c.k > 0);
  assert.equal(speculative.length, enumerateConfigurations(ProfileSchema.parse(syntheticProfileInput({ rttMs: RTT }))).filter((c) => c.k > 0).length * 3);
  assert.equal(configurations.filter((c) => c.drafterId === null).length, 1, "verifier-only streams; no protocol to choose");
  assert.equal(configurationLabel(speculative[0]), `${speculative[0].drafterId} K=1 ×1t via sglang`);
  // A protocol named in the settings is the only one considered; one the model does not compare leaves configurations without.
  assert.ok(enumerateConfigurations(profile, { protocol: "sglang" }).filter((c) => c.k > 0).every((c) => c.protocol === "sglang"));
  assert.ok(enumerateConfigurations(profile, { protocol: "predicted-outputs" }).every((c) => c.protocol === undefined));
  assert.equal(comparedProtocolOf(profile, "prefix-probe"), "prefix-probe");
  assert.equal(comparedProtocolOf(profile, "predicted-outputs"), undefined);
});

test("another protocol's verify fit is the measured one scaled by their server-time ratio; its billing is its own structure", () => {
  const profile = surveyed();
  assert.ok(Math.abs((serverTimeRatio(profile, "sglang") ?? NaN) - 0.6) < 1e-12);
  const measured = protocolFits(profile, "echo-logprobs");
  assert.deepEqual(measured, protocolFits(profile, undefined));
  assert.deepEqual(measured.verifyFit, profile.verifier.verifyMs.fit);
  const probe = protocolFits(profile, "prefix-probe");
  assert.ok(Math.abs(probe.verifyFit.baseMs - profile.verifier.verifyMs.fit.baseMs * 0.3) < 1e-12);
  assert.ok(Math.abs(probe.verifyFit.perDraftTokenMs - profile.verifier.verifyMs.fit.perDraftTokenMs * 0.3) < 1e-12);
  assert.equal(probe.billingFit.contextCopiesPerDraftToken, 1, "K+1 prompts, each with the whole context");
  assert.deepEqual(protocolFits(profile, "sglang").billingFit, profile.verifier.billing.fit, "billed like echo-logprobs: the measured fit");
  assert.throws(() => protocolFits(ProfileSchema.parse(syntheticProfileInput()), "sglang"), /protocol survey to have timed sglang/);

  const configuration = { drafterId: "coder-0.5b-q8", k: 4, threads: 4, verified: true } as const;
  const viaEcho = predict(profile, { ...configuration, protocol: "echo-logprobs" }, { maxTokens: 64, promptTokens: 1024 });
  const viaProbe = predict(profile, { ...configuration, protocol: "prefix-probe" }, { maxTokens: 64, promptTokens: 1024 });
  assert.ok(viaProbe.time.verifyMs < viaEcho.time.verifyMs * 0.31);
  assert.ok(viaProbe.billed.inputTokens > viaEcho.billed.inputTokens * 4, "prefix-probe bills the context once per prompt");
});

test("the optima conflict on the protocol too: latency takes the fastest protocol, cost one that sends the context once", () => {
  const selection = selectConfigurations(surveyed(), { conditions: { maxTokens: 64, promptTokens: 1024 } });
  assert.equal(selection.picks.latency.choice.configuration.protocol, "prefix-probe");
  assert.match(selection.picks.latency.choice.label, /via prefix-probe$/);
  // Per-token billing: the cheapest speculative configuration does not send the context K+1 times.
  const speculative = selection.candidates.filter((c) => c.prediction.kind === "speculative");
  const cheapest = bestFor(speculative, "cost");
  assert.ok(cheapest && cheapest.configuration.protocol !== "prefix-probe", `cheapest speculative: ${cheapest?.label}`);
  // sglang and echo-logprobs are billed alike: the tie goes to the faster one.
  assert.equal(cheapest.configuration.protocol, "sglang");
});

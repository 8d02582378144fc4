// The protocol the selector picks is the one the daemon verifies with: the shipped daemon
// (dist/server.js) with the real engine and the real embedded verifier, which answers every
// protocol, and a profile whose protocol survey makes prefix-probe the fastest. With
// `configspec.verifier.protocol` = auto the engine must verify with the pick's protocol (not
// the engine-family order, which starts with sglang) and the status must say why.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { ProfileSchema } from "../../../server/profile/profileSchema.js";
import { startVerifierServer } from "../../../server/verifierServer/startVerifierServer.js";
import { DaemonProcess, endPositionOf } from "../../helpers/daemonProcess.js";
import { familyShapedProfile, storageWithProfile } from "../../helpers/familyShapedProfile.js";
import { modelFamilyFixture } from "../../helpers/modelFamilyFixture.js";

const family = await modelFamilyFixture();
const server = await startVerifierServer({ modelPath: family.target.absolutePath });
after(() => server.close());

const base = familyShapedProfile(family.drafters, { rttMs: 5, draftSpeedup: 20, verifier: { baseUrl: server.baseUrl, model: server.modelId } });
// Server ms at the survey's round (wall minus the 5 ms RTT): prefix-probe 0.3×, sglang 0.6× echo-logprobs'.
const survey = [
  { protocol: "sglang", k: 4, contextTokens: 1000, coldMs: 400, verifyMsPerRound: 5 + 24 },
  { protocol: "prefix-probe", k: 4, contextTokens: 1000, coldMs: 300, verifyMsPerRound: 5 + 12 },
  { protocol: "echo-logprobs", k: 4, contextTokens: 1000, coldMs: 900, verifyMsPerRound: 5 + 40 },
];
const profile = ProfileSchema.parse({ ...base, verifier: { ...base.verifier, protocols: survey } });
const storagePath = await storageWithProfile(profile, "configspec-protocol-");

test("with auto, the daemon verifies with the protocol of the profile's pick and says why", { timeout: 120_000 }, async () => {
  const daemon = await DaemonProcess.start({
    entry: "dist",
    settings: {
      debounceMs: 0,
      maxTokens: 16,
      objective: "latency",
      drafters: family.drafters.map((d) => d.absolutePath),
      verifier: { baseUrl: server.baseUrl, model: server.modelId, protocol: "auto" },
    },
    initializationOptions: { storagePath, modelFamilyDir: family.dir },
  });
  try {
    const picked = await daemon.waitForStatus("the profile's pick", (s) => s.active?.source === "profile");
    assert.equal(picked.active?.protocol, "prefix-probe", `the latency pick: ${JSON.stringify(picked.active)}`);
    // The engine is built on the first completion.
    const uri = "file:///protocol.ts";
    const text = "function total(values: number[]) {\n  let sum = 0;\n  for (const v of values) sum += v;\n  return";
    await daemon.open(uri, text);
    await daemon.inlineCompletion(uri, endPositionOf(text), undefined, 1);
    const status = await daemon.waitForStatus("the engine's verifier protocol", (s) => s.verifierProtocol != null);
    assert.equal(status.verifierProtocol?.protocol, "prefix-probe");
    assert.match(status.verifierProtocol?.reason ?? "", /^prefix-probe: auto — the profile's pick for this configuration and objective; also works: sglang, echo-logprobs, predicted-outputs$/);
  } finally {
    await daemon.stop();
  }
});

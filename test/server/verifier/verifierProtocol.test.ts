import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDaemonSettings } from "../../../server/config/daemonSettings.js";
import { VerifierProfileSchema } from "../../../server/profile/profileSchema.js";
import { VERIFIER_PROTOCOL_SETTINGS, VerifierProtocolSchema } from "../../../server/verifier/verifierProtocol.js";
import packageJson from "../../../package.json" with { type: "json" };

test("configspec.verifier.protocol: every protocol and auto (the default); the old name logprobs reads as echo-logprobs; a typo is reported", () => {
  assert.equal(parseDaemonSettings({}).settings.verifier.protocol, "auto");
  for (const protocol of VERIFIER_PROTOCOL_SETTINGS) assert.equal(parseDaemonSettings({ verifier: { protocol } }).settings.verifier.protocol, protocol);
  assert.equal(parseDaemonSettings({ verifier: { protocol: "logprobs" } }).settings.verifier.protocol, "echo-logprobs");
  const typo = parseDaemonSettings({ verifier: { protocol: "sglnag" } });
  assert.equal(typo.settings.verifier.protocol, "auto");
  assert.match(typo.issues[0], /configspec\.verifier\.protocol: .*"sglnag"/);
});

test("package.json declares the same protocol names and default as the daemon parses", () => {
  const declared = packageJson.contributes.configuration.properties["configspec.verifier.protocol"];
  assert.deepEqual(declared.enum, [...VERIFIER_PROTOCOL_SETTINGS]);
  assert.equal(declared.default, "auto");
});

test("a profile stored with protocol logprobs still parses (as echo-logprobs); auto is never a stored protocol", () => {
  assert.equal(VerifierProtocolSchema.parse("logprobs"), "echo-logprobs");
  assert.equal(VerifierProtocolSchema.safeParse("auto").success, false);
  assert.equal(VerifierProfileSchema.shape.protocol.parse("logprobs"), "echo-logprobs");
});

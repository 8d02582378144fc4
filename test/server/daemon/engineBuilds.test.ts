import assert from "node:assert/strict";
import { test } from "node:test";
import type { CompletionSource } from "../../../server/completionContract.js";
import { parseDaemonSettings } from "../../../server/config/daemonSettings.js";
import type { DaemonLogger } from "../../../server/daemon/daemonLogger.js";
import { EngineBuilds, withVerifierVocabulary } from "../../../server/daemon/engineBuilds.js";
import { StatusReporter } from "../../../server/daemon/statusReporter.js";
import { VerifierEndpoint } from "../../../server/daemon/verifierEndpoint.js";
import { VerifierHealth } from "../../../server/daemon/verifierHealth.js";
import { PREFIX_ONLY_NOTE } from "../../../server/prompt/fimDialect.js";
import { UNPROFILED_SPEEDS } from "../../../server/verifier/timeBudget.js";

const quiet: DaemonLogger = { error() {}, warn() {}, info() {}, debug() {} };

/** An engine that only says how its prompt departs from the drafter's FIM layout. */
function engineWithNote(promptNote: string | undefined): CompletionSource {
  return { promptNote, complete: () => Promise.reject(new Error("not used")), dispose: async () => {} };
}

test("the status carries the engine's prompt note (a drafter without FIM tokens: prefix-only), and a later engine without one clears it", async () => {
  const status = new StatusReporter(() => {});
  const health = new VerifierHealth({ status, log: quiet, fallback: () => "no completions", onRecovered: () => {} });
  const notes = [PREFIX_ONLY_NOTE, undefined];
  const builds = new EngineBuilds({
    loadEngine: async () => engineWithNote(notes.shift()),
    status,
    log: quiet,
    health: () => health,
    state: () => ({
      choice: { active: { drafterId: "d", k: 4, objective: "latency", source: "default" }, drafter: { id: "d", uriOrPath: "/models/d.gguf" } },
      settings: parseDaemonSettings({ verifier: { baseUrl: "http://127.0.0.1:9/v1", model: "m" } }).settings,
      apiKey: undefined,
      verifier: new VerifierEndpoint({ startEmbeddedVerifier: () => Promise.reject(new Error("not used")), modelFamilyDir: "/nonexistent" }),
      remoteModelsDir: "/nonexistent",
      speeds: UNPROFILED_SPEEDS,
      fallbackVocabulary: "/nonexistent/target.gguf",
    }),
  });
  try {
    await builds.build(new AbortController().signal);
    assert.match(status.current.message ?? "", /prefix-only prompt: the model has no FIM tokens/);
    await builds.build(new AbortController().signal);
    assert.doesNotMatch(status.current.message ?? "", /prefix-only/);
  } finally {
    health.dispose();
  }
});

test("a bare ngram drafter borrows the embedded verifier's vocabulary, else the fallback; named ones and models pass unchanged", () => {
  const embedded = { baseUrl: "http://127.0.0.1:1/v1", model: "t", protocol: "auto" as const, embedded: true, modelPath: "/models/target.gguf" };
  const remote = { baseUrl: "https://api.example/v1", model: "m", protocol: "auto" as const, embedded: false };
  const ngram = { id: "ngram", uriOrPath: "ngram" };
  assert.equal(withVerifierVocabulary(ngram, embedded, "/bundled.gguf").uriOrPath, "ngram:/models/target.gguf");
  assert.equal(withVerifierVocabulary(ngram, remote, "/bundled.gguf").uriOrPath, "ngram:/bundled.gguf");
  assert.equal(withVerifierVocabulary({ id: "ngram", uriOrPath: "ngram:/family.gguf" }, remote, "/bundled.gguf").uriOrPath, "ngram:/family.gguf");
  assert.equal(withVerifierVocabulary({ id: "d", uriOrPath: "/d.gguf" }, embedded, "/bundled.gguf").uriOrPath, "/d.gguf");
});

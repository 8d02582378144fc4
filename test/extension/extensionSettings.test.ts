import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_EXTENSION_SETTINGS, readExtensionSettings } from "../../extension/extensionSettings.js";
import { RECOMMENDED_DRAFTERS } from "../../extension/recommendedDrafters.js";

describe("extension settings", () => {
  it("reads good values and keeps defaults for missing or bad ones", () => {
    const values: Record<string, unknown> = { objective: "cost", enabled: "yes", drafters: ["/d.gguf"], "verifier.baseUrl": 3 };
    assert.deepEqual(readExtensionSettings((key) => values[key]), { ...DEFAULT_EXTENSION_SETTINGS, objective: "cost", drafters: ["/d.gguf"] });
    assert.deepEqual(readExtensionSettings(() => undefined), DEFAULT_EXTENSION_SETTINGS);
  });

  it("profiles on the workspace unless configspec.profiling.corpus says otherwise", () => {
    assert.equal(DEFAULT_EXTENSION_SETTINGS.profilingCorpus, "workspace");
    assert.equal(readExtensionSettings((key) => (key === "profiling.corpus" ? "bundled" : undefined)).profilingCorpus, "bundled");
    assert.equal(readExtensionSettings((key) => (key === "profiling.corpus" ? "  " : undefined)).profilingCorpus, "workspace");
  });

  it("recommends Qwen2.5-Coder 0.5B and 1.5B Instruct in Q4_K_M and Q8_0 as hf: URIs", () => {
    const uris = RECOMMENDED_DRAFTERS.map((d) => d.uri).sort();
    assert.deepEqual(uris, [
      "hf:Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF:Q4_K_M",
      "hf:Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF:Q8_0",
      "hf:Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF:Q4_K_M",
      "hf:Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF:Q8_0",
    ]);
  });
});

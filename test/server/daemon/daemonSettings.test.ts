// server/config/daemonSettings.ts (the daemon's settings schema).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  changedSettingKeys,
  DEFAULT_SETTINGS,
  ENGINE_REBUILD_KEYS,
  isLanguageEnabled,
  parseDaemonSettings,
  SETTING_KEYS,
} from "../../../server/config/daemonSettings.js";

describe("daemon settings", () => {
  it("takes the defaults for a missing section", () => {
    for (const raw of [undefined, null, {}, "nonsense", []]) {
      const { settings, issues } = parseDaemonSettings(raw);
      assert.deepEqual(settings, DEFAULT_SETTINGS);
      assert.deepEqual(issues, []);
    }
  });

  it("parses good values", () => {
    const { settings, issues } = parseDaemonSettings({
      enabled: false,
      objective: "battery",
      verifier: { baseUrl: "https://api.example.com/v1", model: "m", protocol: "predicted-outputs" },
      drafters: ["hf:Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF:Q8_0", "/models/d.gguf"],
      maxTokens: 128,
      debounceMs: 0,
      enable: { "*": false, python: true },
      prices: { m: { inputPerMillion: 1, outputPerMillion: 2 } },
      allowUnverified: true,
    });
    assert.deepEqual(issues, []);
    assert.equal(settings.objective, "battery");
    assert.equal(settings.verifier.protocol, "predicted-outputs");
    assert.deepEqual(settings.prices, { m: { inputPerMillion: 1, outputPerMillion: 2 } });
  });

  it("falls back key by key on bad values and says which", () => {
    const { settings, issues } = parseDaemonSettings({
      objective: "speed",
      maxTokens: -3,
      debounceMs: "fast",
      verifier: { baseUrl: "ftp://x", model: "ok-model" },
      drafters: ["", 3],
      enable: { python: "yes" },
    });
    assert.equal(settings.objective, DEFAULT_SETTINGS.objective);
    assert.equal(settings.maxTokens, DEFAULT_SETTINGS.maxTokens);
    assert.equal(settings.debounceMs, DEFAULT_SETTINGS.debounceMs);
    assert.equal(settings.verifier.baseUrl, "");
    assert.equal(settings.verifier.model, "ok-model", "a good key next to a bad one is kept");
    assert.deepEqual(settings.drafters, []);
    assert.deepEqual(settings.enable, DEFAULT_SETTINGS.enable);
    const keys = issues.map((issue) => issue.split(":")[0]);
    assert.deepEqual(keys.sort(), ["configspec.debounceMs", "configspec.drafters", "configspec.enable", "configspec.maxTokens", "configspec.objective", "configspec.verifier.baseUrl"]);
    assert.match(issues.find((i) => i.startsWith("configspec.maxTokens")) ?? "", /got -3, using 64/);
  });

  it("lists changed keys, and the rebuild keys are real keys", () => {
    const before = parseDaemonSettings({}).settings;
    const after = parseDaemonSettings({ drafters: ["/d.gguf"], maxTokens: 10, verifier: { model: "x" } }).settings;
    assert.deepEqual(changedSettingKeys(before, after), ["verifier.model", "drafters", "maxTokens"]);
    for (const key of ENGINE_REBUILD_KEYS) assert.ok(SETTING_KEYS.includes(key));
  });

  it("enables per language with a * fallback", () => {
    const enable = { "*": true, plaintext: false };
    assert.equal(isLanguageEnabled(enable, "typescript"), true);
    assert.equal(isLanguageEnabled(enable, "plaintext"), false);
    assert.equal(isLanguageEnabled({ "*": false, python: true }, "python"), true);
    assert.equal(isLanguageEnabled({ "*": false, python: true }, "go"), false);
    assert.equal(isLanguageEnabled({}, "go"), true);
    assert.equal(isLanguageEnabled(enable, "constructor"), true, "no prototype lookups");
  });
});

// package.json's contributes agree with the code: the command table, and every setting the
// daemon reads declared with the daemon's own default.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { z } from "zod";
import { DEFAULT_SETTINGS, SETTING_KEYS, settingValueAt } from "../../server/config/daemonSettings.js";
import { OBJECTIVES } from "../../server/lspContract.js";
import { COMMAND_CATEGORY, COMMANDS } from "../../extension/commandIds.js";
import { DEFAULT_EXTENSION_SETTINGS } from "../../extension/extensionSettings.js";

const ManifestSchema = z.object({
  main: z.string(),
  engines: z.object({ vscode: z.string() }),
  activationEvents: z.array(z.string()),
  contributes: z.object({
    commands: z.array(z.object({ command: z.string(), title: z.string(), category: z.string() })),
    configuration: z.object({ properties: z.record(z.string(), z.object({ default: z.unknown(), enum: z.array(z.string()).optional(), scope: z.string().optional() })) }),
  }),
  scripts: z.record(z.string(), z.string()),
});
const manifest = ManifestSchema.parse(JSON.parse(readFileSync("package.json", "utf8")));
const properties = manifest.contributes.configuration.properties;

describe("package.json", () => {
  it("contributes exactly the command table, all in the ConfigSpec category", () => {
    assert.deepEqual(
      manifest.contributes.commands.map((c) => ({ id: c.command, title: c.title })),
      COMMANDS.map((c) => ({ id: c.id, title: c.title })),
    );
    for (const command of manifest.contributes.commands) assert.equal(command.category, COMMAND_CATEGORY);
  });

  it("declares every daemon setting with the daemon's default", () => {
    for (const key of SETTING_KEYS) {
      const property = properties[`configspec.${key}`];
      assert.ok(property, `configspec.${key} is not contributed`);
      assert.deepEqual(property.default, settingValueAt(DEFAULT_SETTINGS, key), `configspec.${key} default`);
    }
    const extensionOnly = ["configspec.trace.server"];
    for (const name of Object.keys(properties)) {
      assert.ok(SETTING_KEYS.some((key) => `configspec.${key}` === name) || extensionOnly.includes(name), `${name} is contributed but nobody reads it`);
    }
    assert.deepEqual(properties["configspec.objective"]?.enum, [...OBJECTIVES]);
    assert.equal(properties["configspec.objective"]?.default, DEFAULT_EXTENSION_SETTINGS.objective);
  });

  it("keeps where code is sent and which models load out of workspace settings", () => {
    for (const key of ["verifier.baseUrl", "verifier.model", "drafters", "prices"]) assert.equal(properties[`configspec.${key}`]?.scope, "machine", key);
  });

  it("targets VS Code 1.100 and starts from dist/", () => {
    assert.equal(manifest.engines.vscode, "^1.100.0");
    assert.equal(manifest.main, "./dist/extension.js");
    assert.ok(!manifest.activationEvents.includes("*"));
    assert.match(manifest.scripts.package ?? "", /vsce package/);
  });
});

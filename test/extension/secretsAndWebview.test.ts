// Extension-side secrets and webview hardening that can be checked without VS Code: the API key
// has no setting and is only ever read from and written to SecretStorage; the webview's assets
// load nothing remote and never build HTML from data; its HTML gets a fresh nonce and escapes
// what it interpolates; every message from the webview is parsed to one of four known shapes.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { panelHtml } from "../../extension/panel/panelHtml.js";
import { PanelRequestSchema } from "../../extension/panel/panelMessages.js";
import { SeededRandom } from "../../server/util/seededRandom.js";

const sourceOf = (dir: string) => readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => /\.(ts|js|css)$/.test(f)).map((f) => [join(dir, f), readFileSync(join(dir, f), "utf8")] as const);

describe("the verifier API key on the extension side", () => {
  it("has no setting of its own", () => {
    const manifest: { contributes: { configuration: { properties: Record<string, unknown> } } } = JSON.parse(readFileSync("package.json", "utf8"));
    const keys = Object.keys(manifest.contributes.configuration.properties);
    assert.deepEqual(keys.filter((key) => /api.?key|secret|(^|\.)token$|password|credential/i.test(key)), []);
  });

  it("is only read from and written to SecretStorage, and never logged or put in settings", () => {
    const uses: string[] = [];
    for (const [file, text] of sourceOf("extension")) {
      for (const line of text.split("\n")) {
        if (!/apiKey/.test(line)) continue;
        uses.push(`${file}: ${line.trim()}`);
        assert.doesNotMatch(line, /\b(log|console)\.\w+\(.*apiKey/, `${file}: logs the key`);
        assert.doesNotMatch(line, /updateSetting\(|\.update\(|showInformationMessage\(.*\$\{apiKey/, `${file}: the key goes to settings or the UI`);
      }
      if (/secrets\.store\(/.test(text)) assert.match(text, /secrets\.store\(API_KEY_SECRET,/, `${file}: stores under the one secret name`);
    }
    const stores = uses.filter((u) => /secrets\.store\(/.test(u));
    const reads = uses.filter((u) => /secrets\.get\(/.test(u));
    assert.equal(stores.length, 1, uses.join("\n"));
    assert.equal(reads.length, 1, uses.join("\n"));
  });
});

describe("webview hardening", () => {
  it("loads nothing remote and never builds HTML from data", () => {
    for (const [file, text] of sourceOf("media")) {
      assert.doesNotMatch(text, /https?:\/\/|\/\/cdn|@import/, `${file}: remote resource`);
      assert.doesNotMatch(text, /\beval\(|new Function\(|innerHTML|outerHTML|insertAdjacentHTML|document\.write/, `${file}: HTML or code from strings`);
    }
  });

  it("gets a fresh nonce per render and escapes what it interpolates", () => {
    const options = { cspSource: "vscode-webview://abc", scriptUri: 'x"><script>alert(1)</script>', styleUri: "vscode-webview://abc/media/panel.css" };
    const nonces = new Set([0, 1, 2].map(() => /script-src 'nonce-([^']+)'/.exec(panelHtml(options))?.[1]));
    assert.equal(nonces.size, 3);
    for (const nonce of nonces) assert.ok(nonce && Buffer.from(nonce, "base64").length === 16);
    const html = panelHtml(options);
    assert.equal((html.match(/<script/g) ?? []).length, 1, "the injected script tag stays text");
    assert.match(html, /src="x&quot;&gt;&lt;script&gt;/);
  });

  it("parses 2,000 seeded junk messages from the webview to nothing but the four known requests", () => {
    const random = new SeededRandom(5);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random.uniform() * items.length)];
    const values: unknown[] = [null, undefined, 0, -1, 1e308, "", "ready", "setObjective", true, [], {}, "latency", "cost", "__proto__", { toString: "x" }];
    const junk = (depth: number): unknown => {
      if (depth > 2 || random.uniform() < 0.4) return pick(values);
      if (random.uniform() < 0.3) return [junk(depth + 1), junk(depth + 1)];
      const keys = ["type", "objective", "command", "args", "__proto__", "constructor", "uri"];
      return Object.fromEntries(Array.from({ length: 1 + Math.floor(random.uniform() * 3) }, () => [pick(keys), pick([...values, "setObjective", "reprofile", "runCommand", junk(depth + 1)])]));
    };
    let accepted = 0;
    for (let i = 0; i < 2_000; i++) {
      const parsed = PanelRequestSchema.safeParse(junk(0));
      if (!parsed.success) continue;
      accepted++;
      const { data } = parsed;
      assert.ok(["ready", "refresh", "reprofile", "setObjective"].includes(data.type));
      assert.deepEqual(Object.keys(data).sort(), data.type === "setObjective" ? ["objective", "type"] : ["type"], "unknown keys are stripped");
      if (data.type === "setObjective") assert.ok(["latency", "cost", "battery", "auto"].includes(data.objective));
    }
    assert.ok(accepted > 0, "some junk happened to be well-formed (the generator reaches the valid shapes)");
  });
});

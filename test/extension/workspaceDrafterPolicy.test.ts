import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyWorkspaceDrafterPolicy } from "../../extension/workspaceDrafterPolicy.js";

const STORAGE = "/home/u/.vscode/globalStorage/configspec/models";

describe("drafter paths from workspace settings", () => {
  it("passes user-level drafters unchanged, wherever they are", () => {
    const result = applyWorkspaceDrafterPolicy({ globalValue: ["/opt/models/a.gguf", "hf:Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF:Q8_0"] }, STORAGE);
    assert.deepEqual(result, { drafters: ["/opt/models/a.gguf", "hf:Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF:Q8_0"], level: "user", refused: [] });
  });

  it("refuses workspace paths outside the storage and the user's drafter folders", () => {
    const result = applyWorkspaceDrafterPolicy(
      {
        globalValue: ["/opt/models/a.gguf"],
        workspaceValue: [
          `${STORAGE}/family/draft-1l.gguf`,
          "/opt/models/b.gguf",
          "/etc/passwd",
          "/opt/models/../../etc/shadow",
          `${STORAGE}/../../../../../tmp/evil.gguf`,
          "./models/repo-drafter.gguf",
          "hf:attacker/model:Q8_0",
          "https://example.com/m.gguf",
        ],
      },
      STORAGE,
    );
    assert.equal(result.level, "workspace");
    assert.deepEqual(result.drafters, [`${STORAGE}/family/draft-1l.gguf`, "/opt/models/b.gguf"]);
    assert.deepEqual(
      result.refused.map((r) => r.entry),
      ["/etc/passwd", "/opt/models/../../etc/shadow", `${STORAGE}/../../../../../tmp/evil.gguf`, "./models/repo-drafter.gguf", "hf:attacker/model:Q8_0", "https://example.com/m.gguf"],
    );
    assert.ok(result.refused.every((r) => r.level === "workspace" && r.reason.length > 0));
  });

  it("applies VS Code's precedence: a folder value wins over the workspace and the user", () => {
    const result = applyWorkspaceDrafterPolicy({ globalValue: [], workspaceValue: [`${STORAGE}/w.gguf`], workspaceFolderValue: ["/tmp/f.gguf"] }, STORAGE);
    assert.deepEqual([result.level, result.drafters, result.refused.map((r) => r.entry)], ["workspaceFolder", [], ["/tmp/f.gguf"]]);
  });

  it("ignores malformed values at a level (the daemon reports bad settings itself)", () => {
    const result = applyWorkspaceDrafterPolicy({ globalValue: ["/opt/a.gguf"], workspaceValue: "not-an-array" }, STORAGE);
    assert.deepEqual(result, { drafters: ["/opt/a.gguf"], level: "user", refused: [] });
  });

  it("does not treat the storage folder itself or a sibling with the same prefix as inside", () => {
    const result = applyWorkspaceDrafterPolicy({ workspaceValue: [STORAGE, `${STORAGE}-evil/m.gguf`] }, STORAGE);
    assert.deepEqual(result.drafters, []);
    assert.equal(result.refused.length, 2);
  });

  it("keeps the model-free ngram from a workspace (it loads no file) but refuses ngram:PATH outside the allowed folders", () => {
    const result = applyWorkspaceDrafterPolicy({ workspaceValue: ["ngram", "ngram:/etc/evil.gguf"] }, STORAGE);
    assert.deepEqual(result.drafters, ["ngram"]);
    assert.deepEqual(result.refused.map((r) => r.entry), ["ngram:/etc/evil.gguf"]);
  });
});

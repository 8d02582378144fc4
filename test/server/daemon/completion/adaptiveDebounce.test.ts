import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AdaptiveDebounce, keystrokeKindOf, MAX_WAIT_MS, MIN_WAIT_MS } from "../../../../server/daemon/completion/adaptiveDebounce.js";

describe("adaptive debounce", () => {
  it("classifies where the cursor is after a keystroke", () => {
    assert.equal(keystrokeKindOf("    "), "lineStart");
    assert.equal(keystrokeKindOf("  foo("), "boundary");
    assert.equal(keystrokeKindOf("  fo"), "word");
  });

  it("keeps the configured wait until it has measured the typist, and 0 stays off", () => {
    const debounce = new AdaptiveDebounce();
    assert.equal(debounce.waitMs("word", 75), 75);
    assert.equal(debounce.waitMs("word", 0), 0);
  });

  it("starts at once at a fresh line and waits past nearly every inter-key gap mid-word", () => {
    const debounce = new AdaptiveDebounce();
    let now = 0;
    // 100 keys 100–160 ms apart mid-word, a pause after every line start.
    for (let i = 0; i < 100; i++) {
      now += 100 + (i % 7) * 10;
      debounce.observe("doc", "word", now);
    }
    for (let i = 0; i < 10; i++) {
      debounce.observe("doc", "lineStart", now);
      now += 1_500;
      debounce.observe("doc", "word", now);
      now += 110;
      debounce.observe("doc", "word", now);
    }
    assert.equal(debounce.waitMs("lineStart", 75), MIN_WAIT_MS);
    const mid = debounce.waitMs("word", 75);
    assert.ok(mid >= 160 && mid <= MAX_WAIT_MS, `mid-word wait ${mid} ms`);
  });
});

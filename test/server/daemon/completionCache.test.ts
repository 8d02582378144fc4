import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CompletionCache } from "../../../server/daemon/cache/completionCache.js";

describe("CompletionCache", () => {
  it("answers an exact repeat", () => {
    const cache = new CompletionCache();
    cache.store("let x =", "\n", " 1;");
    assert.deepEqual(cache.lookup("let x =", "\n"), { text: " 1;", kind: "exact" });
  });

  it("answers type-through with the remainder, and an empty remainder once all is typed", () => {
    const cache = new CompletionCache();
    cache.store("let x =", "", " compute(a, b);");
    assert.deepEqual(cache.lookup("let x = comp", ""), { text: "ute(a, b);", kind: "typeThrough" });
    assert.deepEqual(cache.lookup("let x = compute(a, b);", ""), { text: "", kind: "typeThrough" });
  });

  it("misses when the typed text diverges, or the suffix differs", () => {
    const cache = new CompletionCache();
    cache.store("let x =", "", " 1;");
    assert.equal(cache.lookup("let x = 2", ""), undefined);
    assert.equal(cache.lookup("let x =", "\n}"), undefined);
    assert.equal(cache.lookup("let y =", ""), undefined);
  });

  it("prefers the most recent entry and evicts the least recently used", () => {
    const cache = new CompletionCache({ capacity: 2 });
    cache.store("a", "", "1");
    cache.store("b", "", "2");
    assert.ok(cache.lookup("a", "")); // a is now the most recent
    cache.store("c", "", "3"); // evicts b
    assert.equal(cache.lookup("b", ""), undefined);
    assert.ok(cache.lookup("a", ""));
    assert.ok(cache.lookup("c", ""));
    assert.equal(cache.size, 2);
  });

  it("replaces an entry stored twice and clears", () => {
    const cache = new CompletionCache();
    cache.store("a", "", "1");
    cache.store("a", "", "2");
    assert.equal(cache.size, 1);
    assert.equal(cache.lookup("a", "")?.text, "2");
    cache.clear();
    assert.equal(cache.size, 0);
  });
});

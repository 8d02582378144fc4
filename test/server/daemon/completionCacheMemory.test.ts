// The completion cache keys whole document prefixes: in a large file every served completion would
// pin another copy of the document. Its character budget keeps that bounded.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CompletionCache, DEFAULT_COMPLETION_CACHE_MAX_CHARS } from "../../../server/daemon/cache/completionCache.js";

describe("CompletionCache memory bound", () => {
  it("keeps at most maxChars of document text, evicting the least recently used", () => {
    const cache = new CompletionCache({ maxChars: 1_000_000 });
    const documents = Array.from({ length: 10 }, (_, i) => `${String(i).repeat(300_000)}\n`);
    for (const prefix of documents) cache.store(prefix, "", " done;");
    assert.ok(cache.chars <= 1_000_000, `holds ${cache.chars} characters`);
    assert.equal(cache.size, 3);
    // The newest three survive and still answer; the oldest were evicted.
    assert.deepEqual(cache.lookup(documents[9], ""), { text: " done;", kind: "exact" });
    assert.equal(cache.lookup(documents[0], ""), undefined);
  });

  it("never stores a document larger than the whole budget, and accounts replacements", () => {
    const cache = new CompletionCache({ maxChars: 100 });
    cache.store("x".repeat(101), "", "y");
    assert.equal(cache.size, 0);
    assert.equal(cache.chars, 0);
    cache.store("abc", "def", "1");
    cache.store("abc", "def", "2");
    assert.equal(cache.chars, 6);
    assert.deepEqual(cache.lookup("abc", "def"), { text: "2", kind: "exact" });
    cache.clear();
    assert.equal(cache.chars, 0);
  });

  it("by default pins no 10 MB document, and at most two versions of a 3 MB one", () => {
    const cache = new CompletionCache();
    const line = "const value = compute(alpha, beta);\n";
    const huge = line.repeat(Math.ceil(10_000_000 / line.length));
    for (let i = 0; i < 64; i++) cache.store(`${huge}${"a".repeat(i)}`, "", `b${i}`);
    assert.equal(cache.size, 0);
    const large = line.repeat(Math.ceil(3_000_000 / line.length));
    for (let i = 0; i < 64; i++) cache.store(`${large}${"a".repeat(i)}`, "", `b${i}`);
    assert.equal(cache.size, Math.floor(DEFAULT_COMPLETION_CACHE_MAX_CHARS / (large.length + 63)));
    assert.ok(cache.chars <= DEFAULT_COMPLETION_CACHE_MAX_CHARS);
  });
});

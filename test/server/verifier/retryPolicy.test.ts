import assert from "node:assert/strict";
import { test } from "node:test";
import { backoffDelayMs, isRetryableStatus, parseRetryAfterMs } from "../../../server/verifier/retryPolicy.js";

test("retry-after-ms wins over retry-after; seconds and HTTP dates are both understood", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");
  assert.equal(parseRetryAfterMs(new Headers({ "retry-after-ms": "150", "retry-after": "9" }), now), 150);
  assert.equal(parseRetryAfterMs(new Headers({ "retry-after": "2" }), now), 2000);
  assert.equal(parseRetryAfterMs(new Headers({ "retry-after": "0.5" }), now), 500);
  assert.equal(parseRetryAfterMs(new Headers({ "retry-after": "Wed, 01 Jan 2025 00:00:03 GMT" }), now), 3000);
  assert.equal(parseRetryAfterMs(new Headers({ "retry-after": "Tue, 31 Dec 2024 23:59:00 GMT" }), now), 0, "a past date means now");
  assert.equal(parseRetryAfterMs(new Headers({ "retry-after": "soon" }), now), undefined);
  assert.equal(parseRetryAfterMs(new Headers({ "retry-after-ms": "-5" }), now), undefined);
  assert.equal(parseRetryAfterMs(new Headers(), now), undefined);
  assert.equal(parseRetryAfterMs(undefined, now), undefined);
});

test("backoff doubles per retry, is capped, and keeps at least half of its ceiling", () => {
  assert.equal(backoffDelayMs(1, 100, 1000, () => 0), 50);
  assert.equal(backoffDelayMs(1, 100, 1000, () => 1), 100);
  assert.equal(backoffDelayMs(3, 100, 1000, () => 0.5), 300);
  assert.equal(backoffDelayMs(10, 100, 1000, () => 1), 1000);
});

test("only rate limits and transient server errors are retryable", () => {
  assert.deepEqual([429, 500, 502, 503, 504].map(isRetryableStatus), [true, true, true, true, true]);
  assert.deepEqual([400, 401, 403, 404, 408, 422, 501].map(isRetryableStatus), [false, false, false, false, false, false, false]);
});

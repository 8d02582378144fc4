import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import {
  DEFAULT_VERIFIER_MAX_RETRIES,
  DEFAULT_VERIFIER_TIMEOUT_MS,
  VerifierEndpointConfigSchema,
} from "../../../server/verifier/verifierEndpointConfig.js";

test("defaults fill everything but baseUrl and model; an empty API key means none", () => {
  const config = VerifierEndpointConfigSchema.parse({ baseUrl: "http://127.0.0.1:8000", model: "target", apiKey: "  " });
  assert.deepEqual(config, {
    baseUrl: "http://127.0.0.1:8000",
    model: "target",
    apiKey: undefined,
    protocol: "logprobs",
    timeoutMs: DEFAULT_VERIFIER_TIMEOUT_MS,
    maxRetries: DEFAULT_VERIFIER_MAX_RETRIES,
  });
});

test("a non-http URL, an unknown protocol and a negative retry count are rejected without echoing the key", () => {
  const result = VerifierEndpointConfigSchema.safeParse({
    baseUrl: "ftp://example.com",
    model: "m",
    apiKey: "sk-secret-123",
    protocol: "speculative",
    maxRetries: -1,
  });
  assert.ok(!result.success);
  const message = z.prettifyError(result.error);
  assert.match(message, /http:\/\/ or https:\/\//);
  assert.match(message, /protocol/);
  assert.match(message, /maxRetries/);
  assert.ok(!message.includes("sk-secret-123"));
});

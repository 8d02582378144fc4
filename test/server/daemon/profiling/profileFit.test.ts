import assert from "node:assert/strict";
import { test } from "node:test";
import { profileFitsVerifier } from "../../../../server/daemon/profiling/profileFit.js";

const keyed = (verifierBaseUrl: string, verifierModel = "m") => ({ validityKey: { verifierBaseUrl, verifierModel } as never });

test("a profile applies to the verifier it was measured against, and not to another one", () => {
  assert.equal(profileFitsVerifier(keyed("https://api.example/v1"), { baseUrl: "https://api.example/v1", model: "m" }), true);
  assert.equal(profileFitsVerifier(keyed("https://api.example/v1"), { baseUrl: "https://api.example/v1", model: "other" }), false);
  assert.equal(profileFitsVerifier(keyed("https://api.example/v1"), { baseUrl: "http://127.0.0.1:8080/v1", model: "m" }), false);
  // The embedded verifier takes a new loopback port each start.
  assert.equal(profileFitsVerifier(keyed("http://127.0.0.1:40903/v1"), { baseUrl: "", model: "" }), true);
  assert.equal(profileFitsVerifier(keyed("https://api.example/v1"), { baseUrl: "", model: "" }), false);
  // A profile of the embedded verifier says nothing about a remote endpoint, even on loopback.
  assert.equal(profileFitsVerifier(keyed("http://127.0.0.1:40903/v1"), { baseUrl: "http://127.0.0.1:45177/v1", model: "m" }), false);
});

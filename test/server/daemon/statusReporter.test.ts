import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StatusReporter } from "../../../server/daemon/statusReporter.js";
import type { ServerStatus } from "../../../server/lspContract.js";

describe("StatusReporter", () => {
  it("derives health from the worst problem and sends only changes", () => {
    const sent: ServerStatus[] = [];
    const status = new StatusReporter((s) => sent.push(s));
    status.update({ verifierReachable: true });
    status.update({ verifierReachable: true });
    assert.equal(sent.length, 1);
    status.problem("verifier", "warning", "Verifier unreachable");
    assert.equal(sent.at(-1)?.health, "warning");
    status.problem("engine", "error", "Engine unavailable");
    assert.equal(sent.at(-1)?.health, "error");
    assert.equal(sent.at(-1)?.message, "Engine unavailable\nVerifier unreachable");
    status.clear("engine");
    status.problem("verifier", "warning", undefined);
    assert.equal(sent.at(-1)?.health, "ok");
    assert.equal(sent.at(-1)?.message, undefined);
    status.problem("drafters", "info", "No drafter configured");
    assert.deepEqual([sent.at(-1)?.health, sent.at(-1)?.message], ["ok", "No drafter configured"], "a note does not lower health");
  });

  it("is busy (not quiescent) while a task runs, and batches changes into one notification", () => {
    const sent: ServerStatus[] = [];
    const status = new StatusReporter((s) => sent.push(s));
    const done = status.busy("profile", "Profiling…");
    assert.equal(sent.at(-1)?.quiescent, false);
    done();
    assert.equal(sent.at(-1)?.quiescent, true);
    const before = sent.length;
    status.batch(() => {
      status.update({ verifierReachable: false });
      status.problem("verifier", "warning", "unreachable");
    });
    assert.equal(sent.length, before + 1);
    assert.deepEqual([sent.at(-1)?.verifierReachable, sent.at(-1)?.health], [false, "warning"]);
  });
});

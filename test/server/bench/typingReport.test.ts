// The typing benchmark's results and report: the engine and the co-located row (llama-server -md)
// are recorded and tabled beside the others; results from before --engine still read.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { latencyTableOf, predictionTableOf, typingReportOf } from "../../../server/bench/typing/typingReport.js";
import { TypingResultSchema, type TypingResult, type TypingRow } from "../../../server/bench/typing/typingSchema.js";

function rowOf(label: string, configuration: TypingRow["configuration"], p50: number): TypingRow {
  return {
    label,
    configuration,
    metrics: {
      sittings: 1,
      keystrokes: 10,
      pauses: 2,
      latencyMs: { p50, p90: p50 + 10, p99: p50 + 20 },
      shownPerPause: 1,
      matchedChars: 3,
      suggestionChars: 10,
      firstLineMatchShare: 0.5,
      failedRequests: 0,
      perHundredChars: { verifierCalls: 10, abandonedVerifierCalls: 1, promptTokens: 100, cachedTokens: 50, completionTokens: 20, streamsClosedEarly: 1 },
    },
    lossless: configuration.kind === "verifier-only" ? null : { compared: 3, identical: 3, prefixOnly: 0, differing: 0, examples: [] },
    daemon: { verifierStreams: 2 },
    load: [1, 1, 1],
    wallMs: 1000,
    problems: [],
  };
}

function resultOf(engine: TypingResult["engine"]): TypingResult {
  const condition = (rttMs: number, colocatedDrafter: string) => ({
    rttMs,
    stepMs: 0,
    picks: { latency: { drafterId: colocatedDrafter, k: 4 } },
    profileWallMs: 1000,
    colocated: { drafterId: colocatedDrafter, maxTokens: 4, chosenBy: "latency pick" as const },
    rows: [
      rowOf("verifier-only (streamed)", { kind: "verifier-only", objectives: [], drafterId: null, k: 0, verified: true }, 300),
      rowOf(`pick latency (${colocatedDrafter} K=4)`, { kind: "pick", objectives: ["latency"], drafterId: colocatedDrafter, k: 4, verified: true }, 200),
      rowOf(`co-located (llama-server -md ${colocatedDrafter} K=4)`, { kind: "colocated", objectives: [], drafterId: colocatedDrafter, k: 4, verified: true }, 250),
    ],
  });
  return TypingResultSchema.parse({
    kind: "configspec-typing-bench",
    version: 1,
    date: "2026-12-06T00:00:00.000Z",
    command: "node --import tsx scripts/bench-typing.ts --engine llama-server",
    smoke: false,
    engine,
    machine: { cpus: 2, loadAtStart: [1, 1, 1], loadAtEnd: [1, 1, 1] },
    settings: { maxTokens: 64, debounceMs: null, chars: 80, seed: 15, warmup: "auto" },
    corpus: "corpus/",
    regions: [{ file: "a.ts", chars: 10, keystrokes: 10, pauses: 2 }],
    conditions: [condition(25, "draft-a"), condition(100, "draft-b")],
    wallMs: 1000,
  });
}

describe("typing bench report", () => {
  it("tables co-located in one column across conditions, naming each condition's drafter and the engine", () => {
    const table = latencyTableOf(resultOf("llama-server"));
    const [header, , first, second] = table.split("\n");
    assert.equal(header, "| condition | verifier-only (streamed) | pick (latency) | co-located |");
    assert.equal(first, "| llama-server, RTT 25, as-is | 300 / 310 | 200 / 210 | 250 / 260 (draft-a) |");
    assert.equal(second, "| llama-server, RTT 100, as-is | 300 / 310 | 200 / 210 | 250 / 260 (draft-b) |");
    const report = typingReportOf(resultOf("llama-server"));
    assert.match(report, /verifier: llama-server \(real engine/);
    assert.match(report, /## RTT 25 ms, llama-server as-is/);
    assert.match(report, /Co-located speculation: llama-server with draft-a beside the target \(`-md`, `--spec-draft-n-max 4`; the latency pick's drafter\)/);
    assert.match(report, /\| co-located \(llama-server -md draft-a K=4\) \| 250 \| 260 \| 270 \| 0\.83× \|.*\| 3\/3 \|/);
  });

  it("tables the first-line prediction per configuration: predicted with its interval, measured p50, median |error|, coverage", () => {
    const result = resultOf("embedded");
    const condition = result.conditions[0];
    const pauses = [180, 240, null].map((measuredMs, keystroke) => ({ file: "a.ts", keystroke, predictedMs: 210, low: 170, high: 230, measuredMs }));
    condition.rows[1].firstLinePrediction = { pauses, judged: 2, medianAbsError: 0.143, coverage: 0.5 };
    condition.rows[0].firstLinePrediction = { pauses: pauses.map((p) => ({ ...p, low: null, high: null })), judged: 2, medianAbsError: 0.4, coverage: null };
    const parsed = TypingResultSchema.parse(JSON.parse(JSON.stringify(result)));
    const table = predictionTableOf(parsed.conditions[0]);
    assert.ok(table.includes("| verifier-only (streamed) | 210 | 300 | 40% | no interval | 2 of 3 |"), table.join("\n"));
    assert.ok(table.includes("| pick latency (draft-a K=4) | 210 (170–230) | 200 | 14% | 50% | 2 of 3 |"), table.join("\n"));
    assert.ok(typingReportOf(parsed).includes(table.join("\n")));
    // A condition nobody predicted (not profiled) gets no table, and results from before the check still read.
    assert.deepEqual(predictionTableOf(parsed.conditions[1]), []);
  });

  it("reads results from before --engine as the embedded verifier's", () => {
    const old = resultOf(undefined);
    delete old.engine;
    for (const condition of old.conditions) {
      delete condition.colocated;
      condition.rows = condition.rows.filter((r) => r.configuration.kind !== "colocated");
    }
    const parsed = TypingResultSchema.parse(JSON.parse(JSON.stringify(old)));
    assert.match(latencyTableOf(parsed), /\n\| RTT 25, as-is \| 300 \/ 310 \| 200 \/ 210 \|/);
    assert.match(typingReportOf(parsed), /## RTT 25 ms, embedded verifier as-is/);
  });
});

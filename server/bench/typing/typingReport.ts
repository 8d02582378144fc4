import type { TypingCondition, TypingResult, TypingRow } from "./typingSchema.js";

const ms = (value: number | null) => (value === null ? "never" : `${value}`);
const share = (value: number) => `${Math.round(100 * value)}%`;
const num = (value: number, digits = 1) => value.toFixed(digits);

const engineOf = (result: TypingResult) => result.engine ?? "embedded";

function conditionName(condition: Pick<TypingCondition, "rttMs" | "stepMs">, engine: string): string {
  const verifier = engine === "embedded" ? "embedded verifier" : engine;
  return `RTT ${condition.rttMs} ms, ${verifier} ${condition.stepMs === 0 ? "as-is" : `+${condition.stepMs} ms/step (EMULATED cloud model)`}`;
}

/** The table column a row belongs in: picks and co-located rows keep one column across conditions (their drafter may differ per condition). */
function columnOf(row: TypingRow): string | undefined {
  if (row.configuration.kind === "pick") return row.configuration.objectives.includes("latency") ? "pick (latency)" : undefined;
  if (row.configuration.kind === "colocated") return "co-located";
  return row.label;
}

function ratio(row: TypingRow, baseline: TypingRow | undefined): string {
  const a = row.metrics.latencyMs.p50;
  const b = baseline?.metrics.latencyMs.p50;
  if (a === null || b === null || b === undefined || b === 0) return "—";
  return `${(a / b).toFixed(2)}×`;
}

/** Verifier warm-ups per 100 keystrokes ("—" in results from before warm-ups). */
function perHundredKeys(count: number | undefined, keystrokes: number): string {
  return count === undefined || keystrokes === 0 ? "—" : num((100 * count) / keystrokes);
}

function lossless(row: TypingRow): string {
  const check = row.lossless;
  if (!check) return "reference";
  if (!row.configuration.verified) return `${check.identical}/${check.compared} (unverified)`;
  return `${check.identical}/${check.compared}${check.prefixOnly ? ` +${check.prefixOnly} prefix` : ""}${check.differing ? `, **${check.differing} differ**` : ""}`;
}

/** The headline table for the README: p50 / p90 keystroke → suggestion at pauses, per condition and configuration. */
export function latencyTableOf(result: TypingResult): string {
  const labels = [...new Set(result.conditions.flatMap((c) => c.rows.flatMap((r) => columnOf(r) ?? [])))];
  const lines = [`| condition | ${labels.join(" | ")} |`, `|---|${labels.map(() => "---:").join("|")}|`];
  const engine = engineOf(result);
  for (const condition of result.conditions) {
    const cells = labels.map((label) => {
      const row = condition.rows.find((r) => columnOf(r) === label);
      const drafter = row?.configuration.kind === "colocated" ? ` (${row.configuration.drafterId})` : "";
      return row ? `${ms(row.metrics.latencyMs.p50)} / ${ms(row.metrics.latencyMs.p90)}${drafter}` : "—";
    });
    lines.push(`| ${engine === "embedded" ? "" : `${engine}, `}RTT ${condition.rttMs}, ${condition.stepMs === 0 ? "as-is" : `step ${condition.stepMs} ms`} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/** Per configuration of a condition: the predicted time to the first line (80% interval) against the pauses' measurements; empty when nothing was predicted. */
export function predictionTableOf(condition: TypingCondition): string[] {
  const rows = condition.rows.flatMap((row) => (row.firstLinePrediction ? [{ row, check: row.firstLinePrediction }] : []));
  if (rows.length === 0) return [];
  const lines = [
    "Predicted time to the first verified line (the profile's, plus the debounce) against keystroke → suggestion at each pause (target: median |error| ≤ 20%, coverage 70–90%):",
    "",
    "| configuration | predicted ms (80% interval) | measured p50 | median \|error\| | inside the interval | pauses judged |",
    "|---|---:|---:|---:|---:|---:|",
  ];
  for (const { row, check } of rows) {
    const first = check.pauses[0];
    const predicted = first ? `${first.predictedMs}${first.low === null || first.high === null ? "" : ` (${first.low}–${first.high})`}` : "—";
    lines.push(
      `| ${row.label} | ${predicted} | ${ms(row.metrics.latencyMs.p50)} | ${check.medianAbsError === null ? "—" : share(check.medianAbsError)} | ` +
        `${check.coverage === null ? "no interval" : share(check.coverage)} | ${check.judged} of ${check.pauses.length} |`,
    );
  }
  lines.push("");
  return lines;
}

export function typingReportOf(result: TypingResult): string {
  const out: string[] = [
    `# Typing benchmark ${result.date}${result.smoke ? " (smoke)" : ""}`,
    "",
    `\`${result.command}\` (what \`npm run bench:typing\` runs after its build) — ${result.regions.length} regions of ${result.corpus} typed into dist/server.js over LSP ` +
      `(didChange + automatic inlineCompletion per keystroke, the previous request cancelled), seeded human timing ` +
      `(seed ${result.settings.seed}); maxTokens ${result.settings.maxTokens}; verifier: ${engineOf(result) === "embedded" ? "the embedded verifier" : `${engineOf(result)} (real engine, as it is; a fresh one per row)`}` +
      `${result.settings.warmup ? `; caches warmed while typing: ${result.settings.warmup}` : ""}. ${result.machine.cpus} CPUs, ` +
      `load ${result.machine.loadAtStart.join(" ")} at start, ${result.machine.loadAtEnd.join(" ")} at the end; ${Math.round(result.wallMs / 1000)} s.`,
    "",
    "Keystroke → suggestion at pauses (p50 / p90 ms; *never* where that share of pauses saw none):",
    "",
    latencyTableOf(result),
    "",
    "Regions: " + result.regions.map((r) => `${r.file} (${r.chars} chars, ${r.keystrokes} keys, ${r.pauses} pauses)`).join(", "),
    "",
  ];
  for (const condition of result.conditions) {
    out.push(`## ${conditionName(condition, engineOf(result))}`, "");
    if (condition.colocated) {
      out.push(
        `Co-located speculation: llama-server with ${condition.colocated.drafterId} beside the target (\`-md\`, \`--spec-draft-n-max ${condition.colocated.maxTokens}\`; ` +
          `the ${condition.colocated.chosenBy === "latency pick" ? "latency pick's drafter" : "default's drafter"}), the daemon verifier-only against it behind the same round trip.`,
        "",
      );
    }
    if (condition.picks) {
      out.push(
        `Picks: ${Object.entries(condition.picks).map(([objective, pick]) => `${objective} ${pick.drafterId === null ? "verifier-only" : `${pick.drafterId} K=${pick.k}`}`).join(", ")}` +
          (condition.profileWallMs === null ? "" : ` (profiled in ${Math.round(condition.profileWallMs / 1000)} s)`),
        "",
      );
      const latency = condition.picks.latency?.explanation;
      if (latency) out.push(`Latency pick, as predicted: ${latency}`, "");
    }
    out.push(
      "| configuration | p50 | p90 | p99 | × verifier-only p50 | shown / pause | chars matching next | first line matches | verifier calls / 100 keys | abandoned / 100 | warm-ups / 100 | prompt tok / 100 | cached tok / 100 | completion tok / 100 | identical to verifier-only | load |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    );
    const baseline = condition.rows.find((r) => r.configuration.kind === "verifier-only");
    for (const row of condition.rows) {
      const m = row.metrics;
      out.push(
        `| ${row.label} | ${ms(m.latencyMs.p50)} | ${ms(m.latencyMs.p90)} | ${ms(m.latencyMs.p99)} | ${ratio(row, baseline)} | ${share(m.shownPerPause)} | ` +
          `${num(m.matchedChars)} of ${num(m.suggestionChars)} | ${share(m.firstLineMatchShare)} | ${num(m.perHundredChars.verifierCalls)} | ` +
          `${num(m.perHundredChars.abandonedVerifierCalls)} | ${perHundredKeys(row.daemon.warmupVerifierCalls, m.keystrokes)} | ${Math.round(m.perHundredChars.promptTokens)} | ` +
          `${m.perHundredChars.cachedTokens === undefined ? "—" : Math.round(m.perHundredChars.cachedTokens)} | ${Math.round(m.perHundredChars.completionTokens)} | ${lossless(row)} | ${row.load.join(" ")} |`,
      );
    }
    out.push("", ...predictionTableOf(condition));
    const examples = condition.rows.flatMap((r) => (r.lossless?.examples ?? []).filter(() => r.configuration.verified).map((e) => ({ ...e, label: r.label })));
    if (examples.length > 0) {
      out.push("", "Suggestions that differ from verifier-only's at the same pause:", "");
      for (const e of examples.slice(0, 6)) out.push(`- ${e.label}, ${e.file} key ${e.keystroke}: ${JSON.stringify(e.shown)} vs ${JSON.stringify(e.verifierOnly)}`);
    }
    out.push("");
  }
  return out.join("\n") + "\n";
}

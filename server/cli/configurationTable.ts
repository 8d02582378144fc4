import type { Profile } from "../profile/profileSchema.js";
import { formatNumber, OBJECTIVES, type Objective } from "../selector/objective.js";
import type { ScoredConfiguration } from "../selector/scoredConfiguration.js";
import type { Selection } from "../selector/selectConfiguration.js";

/** Text renderings of a selection for the CLI: the configuration space as a markdown table, the picks, K* per drafter. */

const PICK_MARK: Readonly<Record<Objective, string>> = { latency: "L", cost: "C", battery: "B" };

export function configurationTable(selection: Selection): string {
  const front = new Set(selection.paretoFront);
  const marks = (scored: ScoredConfiguration) =>
    OBJECTIVES.filter((o) => selection.picks[o].choice === scored)
      .map((o) => PICK_MARK[o])
      .join("") + (front.has(scored) ? "*" : "");
  const rows = selection.candidates.map((scored) => {
    const p = scored.prediction;
    return `| ${scored.label} | ${formatNumber(p.tokensPerRound)} | ${formatNumber(p.roundMs)} | ${formatNumber(p.goodput)} | ${usd(p.usdPerToken * 1000)} | ${formatNumber(p.joulesPerToken * 1000)} | ${marks(scored)} |`;
  });
  return [
    `conditions: ${selection.conditions.promptTokens}-token prompt, ${selection.conditions.maxTokens}-token completion, RTT ${formatNumber(selection.candidates[0].prediction.rttMs)} ms`,
    "| configuration | tokens/round | ms/round | goodput tok/s | $ per 1k tok | mJ per tok | pick |",
    "|---|---|---|---|---|---|---|",
    ...rows,
    "pick: L latency, C cost, B battery; * on the Pareto front (goodput, tokens per $, tokens per J)",
  ].join("\n");
}

export function picksText(selection: Selection): string {
  return OBJECTIVES.map((o) => `${o.padEnd(8)} ${selection.picks[o].explanation}`).join("\n");
}

/** The latency-optimal K of each drafter (its best speculative configuration): the K* that grows with RTT. */
export function bestKByDrafter(selection: Selection, objective: Objective = "latency"): { drafterId: string; k: number; threads: number; goodput: number }[] {
  const best = new Map<string, ScoredConfiguration>();
  for (const scored of selection.candidates) {
    const { drafterId } = scored.configuration;
    if (drafterId === null || scored.prediction.kind !== "speculative") continue;
    const metric = (s: ScoredConfiguration) => (objective === "latency" ? s.prediction.goodput : objective === "cost" ? s.prediction.tokensPerUsd : s.prediction.tokensPerJoule);
    const current = best.get(drafterId);
    if (!current || metric(scored) > metric(current)) best.set(drafterId, scored);
  }
  return [...best.values()].map((s) => ({ drafterId: s.configuration.drafterId!, k: s.configuration.k, threads: s.configuration.threads, goodput: s.prediction.goodput }));
}

export function bestKText(selection: Selection): string {
  return bestKByDrafter(selection)
    .map((b) => `${b.drafterId}: K*=${b.k} (${formatNumber(b.goodput)} tok/s)`)
    .join("; ");
}

/** The protocols the verifier answered and their verify ms per round, cold (new context) → cached. */
function protocolLines(verifier: Profile["verifier"]): string[] {
  if (!verifier.protocols) return [];
  const found = verifier.protocols.map((t) => `${t.protocol}${t.variant ? ` (${t.variant})` : ""} ${formatNumber(t.coldMs)} → ${formatNumber(t.verifyMsPerRound)}`);
  const [first] = verifier.protocols;
  const missing = (verifier.protocolsMissing ?? []).map((line) => line.split(" needs ")[0]);
  return [
    `verifier protocols found (wall ms per round at K = ${first?.k ?? "?"}, ${first?.contextTokens ?? "?"} context tokens; new context → cached): ${found.join(", ") || "none"}` +
      (missing.length > 0 ? `; not answered: ${missing.join(", ")}` : ""),
  ];
}

/** One line per drafter: what the profiler measured. */
export function drafterSummary(profile: Profile): string {
  const rows = profile.drafters.map((d) => {
    const sweep = d.threadSweep?.map((t) => `${t.threads}t ${formatNumber(t.draftMsPerToken.median)}`).join(", ") ?? "";
    return `| ${d.id} | ${d.quantization} | ${d.layers} | ${formatNumber(d.loadMs)} | ${formatNumber(d.draftMsPerToken.median)} / ${formatNumber(d.draftMsPerToken.p90)} | ${sweep} → ${d.bestThreads} | ${formatNumber(d.acceptanceMean)} | ${d.acceptanceCurve.map((a) => a.toFixed(2)).join(" ")} |`;
  });
  const v = profile.verifier;
  return [
    "| drafter | quant | layers | load ms | ms/token median / p90 | threads (ms/token) → best | accepted / drafted | conditional acceptance by position 1..K |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
    `verifier ${v.model}: RTT ${formatNumber(v.rttMs.median)} ms (p90 ${formatNumber(v.rttMs.p90)}); verify ≈ ${formatNumber(v.verifyMs.fit.baseMs)} + ${formatNumber(v.verifyMs.fit.perDraftTokenMs)}·K + ${formatNumber(v.verifyMs.fit.perPromptTokenMs)}·context + ${formatNumber(v.verifyMs.fit.perDraftContextMs ?? 0)}·K·context ms; ` +
      `verifier-only ${formatNumber(v.generateMsPerToken.median)} ms/token; cached input ${(v.billing.fit.cachedInputFraction * 100).toFixed(0)}%`,
    ...protocolLines(v),
    `power (${powerMeterText(profile.power)}): idle ${formatNumber(profile.power.idleWatts)} W, drafting ${formatNumber(profile.power.draftingWatts)} W; on battery: ${profile.machine.onBattery ?? "unknown"}`,
  ].join("\n");
}

function usd(value: number): string {
  if (value === 0) return "0";
  return value >= 0.01 ? value.toFixed(4) : value.toExponential(2);
}

/** The meter as a reader wants it: "estimate: 5 W per busy core …", not "estimate: estimate: …". */
function powerMeterText(power: { source: string; label: string }): string {
  return power.label.toLowerCase().startsWith(power.source.toLowerCase()) ? power.label : `${power.source}: ${power.label}`;
}

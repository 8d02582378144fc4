import { configurationKind } from "../prediction/configuration.js";
import { TERM_DESCRIPTIONS, TERMS, type Decomposition, type Term } from "../prediction/termDecomposition.js";
import type { ValidationRow } from "./profileValidation.js";

/** Configurations whose decompositions are pooled in the report: the groups. */
export type DecompositionGroupName = "speculative K 1–3" | "speculative K 4+" | "verifier-only" | "drafter-only";

export interface TermSummary {
  /** Medians over the group's configurations, in the term's unit. */
  predicted: number;
  measured: number;
  /** Means over the group's configurations, ms per verified token. */
  predictedMsPerToken: number;
  measuredMsPerToken: number;
}

export interface DecompositionGroup {
  group: DecompositionGroupName;
  configurations: number;
  terms: Record<Term, TermSummary>;
  completionTokens: { predicted: number; measured: number };
  cachedShare: { predicted: number; measured: number };
  tokensPerRound: { predicted: number; measured: number };
  contextTokens: { predicted: number; measured: number };
  totalMsPerToken: { predicted: number; measured: number };
}

function groupOf(row: ValidationRow): DecompositionGroupName {
  const kind = configurationKind(row.configuration);
  if (kind !== "speculative") return kind;
  return row.configuration.k <= 3 ? "speculative K 1–3" : "speculative K 4+";
}

/** Per group of configurations, each term predicted vs measured (medians of units, means of ms per token). */
export function decompositionGroups(rows: readonly ValidationRow[]): DecompositionGroup[] {
  const names: DecompositionGroupName[] = ["speculative K 1–3", "speculative K 4+", "verifier-only", "drafter-only"];
  return names.flatMap((group) => {
    const members = rows.filter((r) => groupOf(r) === group).map((r) => r.decomposition);
    if (members.length === 0) return [];
    const pair = (pick: (d: Decomposition) => { predicted: number; measured: number }) => ({
      predicted: median(members.map((d) => pick(d).predicted)),
      measured: median(members.map((d) => pick(d).measured)),
    });
    const terms = Object.fromEntries(
      TERMS.map((term) => [
        term,
        {
          predicted: median(members.map((d) => d.terms[term].predicted)),
          measured: median(members.map((d) => d.terms[term].measured)),
          predictedMsPerToken: mean(members.map((d) => d.terms[term].predictedMsPerToken)),
          measuredMsPerToken: mean(members.map((d) => d.terms[term].measuredMsPerToken)),
        },
      ]),
    ) as Record<Term, TermSummary>;
    return [{ group, configurations: members.length, terms, completionTokens: pair((d) => d.completionTokens), cachedShare: pair((d) => d.cachedShare), tokensPerRound: pair((d) => d.tokensPerRound), contextTokens: pair((d) => d.contextTokens), totalMsPerToken: pair((d) => d.totalMsPerToken) }];
  });
}

/** The report section: per term, predicted vs measured, and where the ms per token go. */
export function decompositionText(rows: readonly ValidationRow[]): string[] {
  const lines = ["Per-term decomposition (unit value: median over configurations; ms/tok: mean share of 1000/goodput):"];
  for (const g of decompositionGroups(rows)) {
    lines.push("", `${g.group} (${g.configurations} configurations)`, "| term | predicted | measured | ms/tok pred | ms/tok meas |", "|---|---|---|---|---|");
    for (const term of TERMS) {
      const t = g.terms[term];
      if (!Number.isFinite(t.predicted) && !Number.isFinite(t.measured)) continue;
      lines.push(`| ${TERM_DESCRIPTIONS[term]} | ${num(t.predicted)} | ${num(t.measured)} | ${num(t.predictedMsPerToken)} | ${num(t.measuredMsPerToken)} |`);
    }
    lines.push(`| tokens per completion (stop rules / budget) | ${num(g.completionTokens.predicted)} | ${num(g.completionTokens.measured)} | | |`);
    if (Number.isFinite(g.cachedShare.predicted) || Number.isFinite(g.cachedShare.measured)) {
      lines.push(`| verifier prefix-cache hits, share of round input | ${num(g.cachedShare.predicted)} | ${num(g.cachedShare.measured)} | | |`);
    }
    lines.push(`| tokens per request (acceptance curve) | ${num(g.tokensPerRound.predicted)} | ${num(g.tokensPerRound.measured)} | | |`);
    lines.push(`| mean context, tokens | ${num(g.contextTokens.predicted)} | ${num(g.contextTokens.measured)} | | |`);
    lines.push(`| total = 1000 / goodput | | | ${num(g.totalMsPerToken.predicted)} | ${num(g.totalMsPerToken.measured)} |`);
  }
  return lines;
}

function num(value: number): string {
  if (!Number.isFinite(value)) return "–";
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function median(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const mid = (finite.length - 1) / 2;
  return (finite[Math.floor(mid)] + finite[Math.ceil(mid)]) / 2;
}

function mean(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length === 0 ? NaN : finite.reduce((a, b) => a + b, 0) / finite.length;
}

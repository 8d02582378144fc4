import { configurationKind, sameConfiguration, type Configuration } from "../prediction/configuration.js";
import { predict } from "../prediction/performanceModel.js";
import { SeededRandom } from "../util/seededRandom.js";
import type { Profile } from "../profile/profileSchema.js";
import { enumerateConfigurations } from "../selector/configurationSpace.js";
import { OBJECTIVES } from "../selector/objective.js";
import { bestFor } from "../selector/scoredConfiguration.js";
import { selectConfigurations } from "../selector/selectConfiguration.js";

/** Wall time `validate` aims for by default: minutes, not the grid's half hour. */
export const DEFAULT_VALIDATION_BUDGET_MS = 4 * 60_000;
/** Seed of the sample of the rest of the space. */
export const DEFAULT_SAMPLE_SEED = 20_261;
/** Per measured completion beyond its predicted time: cache reset, warm-up share, bookkeeping. */
const OVERHEAD_PER_COMPLETION_MS = 60;

/** Why a configuration is validated. */
export type PlanReason = "pick" | "pareto" | "baseline" | "sample" | "all";

export interface PlannedConfiguration {
  configuration: Configuration;
  reasons: PlanReason[];
}

export interface ValidationPlanOptions {
  /** The whole grid (`--all`). */
  all?: boolean;
  allowUnverified?: boolean;
  /** Only these thread counts (`--threads 1`). */
  threads?: readonly number[];
  prompts: number;
  maxTokens: number;
  /** Whether completions run under the stop rules (predicted at the profile's lengths). Default true. */
  stopRules?: boolean;
  promptTokens: number;
  /** Default {@link DEFAULT_VALIDATION_BUDGET_MS}. */
  budgetMs?: number;
  /** Default {@link DEFAULT_SAMPLE_SEED}. */
  seed?: number;
}

export interface ValidationPlan {
  configurations: PlannedConfiguration[];
  /** Of the space the plan was drawn from. */
  spaceSize: number;
  /** Predicted wall time of the measurements. */
  predictedMs: number;
}

/**
 * Which configurations `validate` measures: the picks, the Pareto front and the baselines always,
 * then a seeded sample of the rest for as long as the predicted time fits the budget (the
 * prediction being checked also sizes the check; a biased one only moves the wall time).
 */
export function planValidation(profile: Profile, options: ValidationPlanOptions): ValidationPlan {
  const threadsAllowed = (c: Configuration) => options.threads === undefined || c.drafterId === null || options.threads.includes(c.threads);
  const space = enumerateConfigurations(profile, { allowUnverified: options.allowUnverified ?? true }).filter(threadsAllowed);
  const conditions = { promptTokens: options.promptTokens, maxTokens: options.maxTokens, completionLength: options.stopRules === false ? ("maxTokens" as const) : ("stopRules" as const) };
  const costMs = (c: Configuration) => options.prompts * (predict(profile, c, conditions).completionMs + OVERHEAD_PER_COMPLETION_MS);
  if (options.all) {
    return { configurations: space.map((configuration) => ({ configuration, reasons: ["all"] })), spaceSize: space.length, predictedMs: space.reduce((t, c) => t + costMs(c), 0) };
  }
  const planned: PlannedConfiguration[] = [];
  const add = (configuration: Configuration, reason: PlanReason) => {
    if (!space.some((c) => sameConfiguration(c, configuration))) return;
    const existing = planned.find((p) => sameConfiguration(p.configuration, configuration));
    if (existing) {
      if (!existing.reasons.includes(reason)) existing.reasons.push(reason);
    } else planned.push({ configuration, reasons: [reason] });
  };
  const selection = selectConfigurations(profile, { conditions, allowUnverified: options.allowUnverified ?? true });
  const inSpace = selection.candidates.filter((c) => threadsAllowed(c.configuration));
  for (const objective of OBJECTIVES) {
    const best = bestFor(inSpace, objective);
    if (best) add(best.configuration, "pick");
  }
  for (const c of selection.paretoFront) add(c.configuration, "pareto");
  // Baselines: verifier-only, and each drafter alone at its best thread count (the others are sampled like the rest).
  const bestThreads = new Map(profile.drafters.map((d) => [d.id, d.bestThreads]));
  for (const c of space) {
    if (configurationKind(c) === "speculative") continue;
    if (c.drafterId === null || bestThreads.get(c.drafterId) === c.threads) add(c, "baseline");
  }
  let predictedMs = planned.reduce((t, p) => t + costMs(p.configuration), 0);
  const budget = options.budgetMs ?? DEFAULT_VALIDATION_BUDGET_MS;
  const random = new SeededRandom(options.seed ?? DEFAULT_SAMPLE_SEED);
  const rest = space.filter((c) => !planned.some((p) => sameConfiguration(p.configuration, c)));
  for (let i = rest.length - 1; i > 0; i--) {
    const j = Math.floor(random.uniform() * (i + 1));
    [rest[i], rest[j]] = [rest[j], rest[i]];
  }
  for (const c of rest) {
    const cost = costMs(c);
    if (predictedMs + cost > budget) continue;
    planned.push({ configuration: c, reasons: ["sample"] });
    predictedMs += cost;
  }
  return { configurations: planned, spaceSize: space.length, predictedMs };
}

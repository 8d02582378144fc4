import type { BilledRound, BillingFit, PrefillFit, VerifierProtocol, VerifyFit, VerifyPoint } from "../profile/profileSchema.js";
import { protocolModule } from "../verifier/protocols/protocolModules.js";

/**
 * Fits of the measured verifier points into the model's linear coefficients, for the profiler.
 * Ordinary least squares (normal equations) with an active set: a coefficient that comes out
 * negative — physically meaningless, a time or token count cannot shrink as K grows — is fixed at
 * 0 and the rest refitted (Lawson & Hanson 1974, "Solving Least Squares Problems", ch. 23 NNLS,
 * in its simplest form). Columns without variation are dropped the same way.
 */

/**
 * verify ms ≈ baseMs + perDraftTokenMs·k + perPromptTokenMs·promptTokens + perDraftContextMs·k·promptTokens.
 * The K·context term is fitted only where the points can tell it from the others: K varied at two
 * context lengths at least. Otherwise (one prompt length, or context varied at one K only) the
 * additive fit, whose extrapolation is the conservative one.
 */
export function fitVerifyMs(points: readonly VerifyPoint[]): VerifyFit {
  const withInteraction = separatesDraftFromContext(points);
  const [baseMs, perDraftTokenMs, perPromptTokenMs, perDraftContextMs = 0] = nonNegativeLeastSquares(
    points.map((p) => (withInteraction ? [1, p.k, p.promptTokens, p.k * p.promptTokens] : [1, p.k, p.promptTokens])),
    points.map((p) => p.ms),
  );
  return { baseMs, perDraftTokenMs, perPromptTokenMs, perDraftContextMs };
}

/** Two context lengths at which at least two different K were measured. */
function separatesDraftFromContext(points: readonly VerifyPoint[]): boolean {
  const ksByContext = new Map<number, Set<number>>();
  for (const p of points) ksByContext.set(p.promptTokens, (ksByContext.get(p.promptTokens) ?? new Set()).add(p.k));
  return [...ksByContext.values()].filter((ks) => ks.size >= 2).length >= 2;
}

/** Verifier prefill ms ≈ baseMs + perPromptTokenMs·promptTokens (time to first token minus RTT). */
export function fitPrefillMs(points: readonly { promptTokens: number; ms: number }[]): PrefillFit {
  const [baseMs, perPromptTokenMs] = nonNegativeLeastSquares(
    points.map((p) => [1, p.promptTokens]),
    points.map((p) => p.ms),
  );
  return { baseMs, perPromptTokenMs };
}

/** What a protocol bills per round when nothing was measured (no prefix caching assumed): its module's structure. */
export function defaultBillingFit(protocol: VerifierProtocol): BillingFit {
  const { summary: _summary, ...structure } = protocolModule(protocol).bills;
  return { cachedInputFraction: 0, ...structure };
}

/** Input tokens one round is billed for at `contextTokens` and K = `k`, from a {@link BillingFit}. */
export function roundInputTokens(fit: BillingFit, contextTokens: number, k: number): number {
  return contextTokens * (1 + (fit.contextCopiesPerDraftToken ?? 0) * k) + fit.inputPerDraftToken * k + (fit.inputPerDraftTokenSquared ?? 0) * k * k;
}

/**
 * From billed rounds: the cached share of input (Σ cached / Σ prompt), the extra input per draft
 * token (what the protocol's structure leaves unexplained, regressed on K through the origin),
 * completion tokens ≈ base + perDraft·K. The structure (context copies, K² term) is the
 * protocol's fact, not fitted; the defaults fill what the points cannot tell.
 */
export function fitBilling(points: readonly BilledRound[], protocol: VerifierProtocol): BillingFit {
  const fallback = defaultBillingFit(protocol);
  if (points.length === 0) return fallback;
  const structure = { ...fallback, inputPerDraftToken: 0 };
  const prompt = sum(points.map((p) => p.promptTokens));
  const kSquared = sum(points.map((p) => p.k * p.k));
  const [completionBaseTokens, completionPerDraftToken] = nonNegativeLeastSquares(
    points.map((p) => [1, p.k]),
    points.map((p) => p.completionTokens),
  );
  return {
    cachedInputFraction: prompt > 0 ? Math.min(1, sum(points.map((p) => p.cachedTokens)) / prompt) : fallback.cachedInputFraction,
    inputPerDraftToken:
      kSquared > 0 ? Math.max(0, sum(points.map((p) => p.k * (p.promptTokens - roundInputTokens(structure, p.contextTokens, p.k)))) / kSquared) : fallback.inputPerDraftToken,
    completionBaseTokens,
    completionPerDraftToken,
    ...(fallback.contextCopiesPerDraftToken !== undefined && { contextCopiesPerDraftToken: fallback.contextCopiesPerDraftToken }),
    ...(fallback.inputPerDraftTokenSquared !== undefined && { inputPerDraftTokenSquared: fallback.inputPerDraftTokenSquared }),
  };
}

/** Least squares with every coefficient ≥ 0; coefficients of unusable columns are 0. */
export function nonNegativeLeastSquares(rows: readonly (readonly number[])[], targets: readonly number[]): number[] {
  const width = rows[0]?.length ?? 0;
  const active = new Set(Array.from({ length: width }, (_, j) => j));
  for (;;) {
    const columns = [...active];
    const solution = solveNormalEquations(rows.map((r) => columns.map((j) => r[j])), targets);
    const coefficients = Array<number>(width).fill(0);
    if (solution === undefined) {
      // Singular: drop the column with the least variation (a constant K, a single prompt length).
      if (columns.length === 0) return coefficients;
      active.delete(leastVaried(rows, columns));
      continue;
    }
    columns.forEach((j, i) => (coefficients[j] = solution[i]));
    const negative = columns.filter((j) => coefficients[j] < 0);
    if (negative.length === 0) return coefficients;
    active.delete(negative.reduce((a, b) => (coefficients[a] <= coefficients[b] ? a : b)));
  }
}

/** Solves (XᵀX)β = Xᵀy by Gaussian elimination with partial pivoting; undefined when singular. */
function solveNormalEquations(rows: readonly (readonly number[])[], targets: readonly number[]): number[] | undefined {
  const n = rows[0]?.length ?? 0;
  if (n === 0 || rows.length < n) return n === 0 ? [] : undefined;
  const a = Array.from({ length: n }, (_, i) => [
    ...Array.from({ length: n }, (_, j) => sum(rows.map((r) => r[i] * r[j]))),
    sum(rows.map((r, k) => r[i] * targets[k])),
  ]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    const scale = Math.max(1, ...a.map((row) => Math.abs(row[col])));
    if (Math.abs(a[pivot][col]) <= 1e-12 * scale) return undefined;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const factor = a[r][col] / a[col][col];
      for (let c = col; c <= n; c++) a[r][c] -= factor * a[col][c];
    }
  }
  return a.map((row, i) => row[n] / row[i]);
}

function leastVaried(rows: readonly (readonly number[])[], columns: readonly number[]): number {
  const spread = (j: number) => Math.max(...rows.map((r) => r[j])) - Math.min(...rows.map((r) => r[j]));
  // The intercept (column 0, constant 1) is kept as long as another column can go.
  const candidates = columns.length > 1 ? columns.filter((j) => j !== 0) : columns;
  return candidates.reduce((a, b) => (spread(a) <= spread(b) ? a : b));
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

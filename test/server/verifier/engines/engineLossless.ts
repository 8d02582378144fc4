import { loadDrafter } from "../../../../server/drafter/loadDrafter.js";
import { after } from "node:test";
import { checkExactness, type ExactnessResult } from "../../../../server/bench/exactnessCheck.js";
import type { Drafter } from "../../../../server/drafter/drafter.js";
import { VerifierClient } from "../../../../server/verifier/verifierClient.js";
import type { RunningEngine } from "../../../../scripts/engines/engineProcess.js";
import { bundledFamily } from "../../../helpers/bundledFamily.js";
import { corpusPrompts, REFERENCE_MAX_TOKENS, REFERENCE_SEED, TEST_PROMPT_WINDOW } from "../../../helpers/speculativeFixture.js";

// The lossless suite against a real engine: every drafter × K 1/2/4/8 × LOSSLESS_PROMPTS real
// code positions, each compared with verifier-only *on the same engine* (protocol auto).
// CI runs 12 prompts; CONFIGSPEC_LOSSLESS_PROMPTS=50 runs the closing figures.

export const LOSSLESS_KS = [1, 2, 4, 8];
export const LOSSLESS_PROMPTS = Number(process.env.CONFIGSPEC_LOSSLESS_PROMPTS ?? 12);

/** A client for a real engine: cold prefills on a shared 2-core machine can take seconds. */
export function engineClient(engine: RunningEngine): VerifierClient {
  const client = new VerifierClient({ baseUrl: engine.baseUrl, model: engine.model, timeoutMs: 120_000 });
  after(() => client.dispose());
  return client;
}

/** The bundled drafters, loaded once for the file. */
export async function bundledDrafters(): Promise<Drafter[]> {
  const family = await bundledFamily();
  const drafters: Drafter[] = [];
  for (const entry of family.drafters) drafters.push(await loadDrafter({ id: entry.id, uriOrPath: entry.absolutePath, sequences: 2 }));
  after(async () => {
    for (const drafter of drafters) await drafter.dispose();
  });
  return drafters;
}

export function losslessGrid(client: VerifierClient, drafters: readonly Drafter[], prompts = LOSSLESS_PROMPTS): Promise<ExactnessResult & { prompts: number }> {
  return corpusPrompts(prompts, REFERENCE_SEED).then(async (cuts) => ({
    ...(await checkExactness({ client, drafters, prompts: cuts, ks: LOSSLESS_KS, maxTokens: REFERENCE_MAX_TOKENS, promptWindow: TEST_PROMPT_WINDOW })),
    prompts: cuts.length,
  }));
}

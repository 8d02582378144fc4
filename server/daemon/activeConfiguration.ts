import { drafterIdOf } from "../drafter/drafterSpec.js";
import type { ActiveConfiguration, Objective, ProfileView } from "../lspContract.js";
import { resolveObjective } from "../selector/objective.js";
import type { EngineDrafter } from "./engineFactory.js";

/**
 * K before any profile exists. 4 is the middle of the range speculative decoding papers find
 * best for small drafters (Leviathan et al. 2023, fig. 3: optimum K ≈ 3–7 for α ≈ 0.6–0.8).
 */
export const DEFAULT_K = 4;

export interface ActiveChoice {
  active: ActiveConfiguration;
  /** The drafter to build the engine with; undefined for verifier-only. */
  drafter: EngineDrafter | undefined;
  /** Why the profile's pick was not used, when it was not. */
  note?: string;
}

/**
 * The configuration to serve with: the profile's pick for the objective (`auto`: battery while
 * `onBattery` — the live power state — is true, else latency) when the picked drafter is still
 * configured, otherwise the first configured drafter with {@link DEFAULT_K} (or verifier-only
 * when none is configured).
 */
export function chooseActiveConfiguration(input: { objective: Objective; onBattery: boolean | null; drafters: readonly string[]; profile: ProfileView | null }): ActiveChoice {
  const drafters = input.drafters.map((uriOrPath) => ({ id: drafterIdOf(uriOrPath), uriOrPath }));
  let note: string | undefined;
  if (input.profile) {
    const pick = input.profile.picks[resolveObjective(input.objective, input.onBattery)];
    if (pick.drafterId === null) {
      return { active: { objective: input.objective, drafterId: null, k: 0, source: "profile" }, drafter: undefined };
    }
    const drafter = drafters.find((d) => d.id === pick.drafterId);
    const threads = pick.threads === undefined ? {} : { threads: pick.threads };
    const protocol = pick.protocol === undefined ? {} : { protocol: pick.protocol };
    if (drafter) return { active: { objective: input.objective, drafterId: drafter.id, k: pick.k, ...threads, ...protocol, source: "profile" }, drafter };
    note = `the profile picked drafter "${pick.drafterId}", which is no longer in configspec.drafters: re-profile`;
  }
  const first = drafters[0];
  return {
    active: { objective: input.objective, drafterId: first?.id ?? null, k: first ? DEFAULT_K : 0, source: "default" },
    drafter: first,
    note,
  };
}

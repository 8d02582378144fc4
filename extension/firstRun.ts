import * as vscode from "vscode";
import { NGRAM_DRAFTER_ID } from "../server/drafter/drafterSpec.js";
import { PrepareDraftersRequest, type PrepareDraftersParams } from "../server/lspContract.js";
import type { ConfigSpecContext } from "./configSpecContext.js";
import { DEFAULT_RECOMMENDED_DRAFTER, RECOMMENDED_DRAFTERS } from "./recommendedDrafters.js";
import { withServerProgress } from "./serverProgress.js";

/** What profiling will calibrate on, as configspec.profiling.corpus says (the daemon decides; this only tells the user). */
function corpusNote(corpus: string): string {
  if (corpus === "bundled") return "It calibrates on the bundled sample code (configspec.profiling.corpus).";
  if (corpus !== "workspace") return `It calibrates on the code in ${corpus} (configspec.profiling.corpus).`;
  return vscode.workspace.workspaceFolders?.length
    ? "It calibrates on the code in this workspace (configspec.profiling.corpus)."
    : "No folder is open, so it calibrates on the bundled sample code.";
}

/** globalState key: the first-run offer was answered. */
const FIRST_RUN_ANSWERED = "configspec.firstRunAnswered";

/** On activation: with no drafter configured and the offer never answered, make it. */
export async function offerDrafterSetupOnFirstRun(ctx: ConfigSpecContext): Promise<void> {
  if (ctx.settings.drafters.length > 0 || ctx.extension.globalState.get<boolean>(FIRST_RUN_ANSWERED)) return;
  await setUpDrafters(ctx, { firstRun: true });
}

/**
 * Offers the model-free n-gram drafter (nothing to download, works with any verifier), the
 * recommended real drafters (downloaded with a cancellable progress notification), or the bundled
 * small code models (a 3 M-parameter trial: quick, but their text is not useful code), then
 * writes `configspec.drafters`.
 */
export async function setUpDrafters(ctx: ConfigSpecContext, options: { firstRun: boolean }): Promise<void> {
  const download = `Download ${DEFAULT_RECOMMENDED_DRAFTER.label} (${DEFAULT_RECOMMENDED_DRAFTER.size})`;
  const choose = "Choose Another…";
  const modelFree = "Use the Model-Free Drafter (no download)";
  const generated = "Use Bundled Small Models (trial: fast, not useful code)";
  const later = "Not Now";
  const verifierNote =
    ctx.settings.verifierBaseUrl === ""
      ? " Real drafters need a verifier endpoint (configspec.verifier.baseUrl); the bundled small models work with the embedded one."
      : " The model-free drafter drafts what your files already say, in the verifier's vocabulary (a remote verifier needs ngram:PATH to a GGUF of its family).";
  const prompt = options.firstRun
    ? `ConfigSpec has no drafter model yet.${verifierNote}`
    : `Choose the drafter models ConfigSpec drafts with.${verifierNote}`;
  const answer = await vscode.window.showInformationMessage(prompt, modelFree, download, choose, generated, later);
  if (answer === undefined) return; // dismissed: ask again next time
  await ctx.extension.globalState.update(FIRST_RUN_ANSWERED, true);
  if (answer === later) return;
  if (answer === modelFree) {
    await ctx.updateSetting("drafters", [NGRAM_DRAFTER_ID]);
    ctx.log.info(`configspec.drafters set to ${NGRAM_DRAFTER_ID}`);
    return;
  }

  let source: PrepareDraftersParams["source"];
  if (answer === download) source = { kind: "download", uris: [DEFAULT_RECOMMENDED_DRAFTER.uri] };
  else if (answer === generated) source = { kind: "generated" };
  else {
    const picked = await vscode.window.showQuickPick(
      RECOMMENDED_DRAFTERS.map((d) => ({ label: d.label, description: d.size, detail: `${d.detail} — ${d.uri}`, uri: d.uri })),
      { title: "ConfigSpec: drafters to download", canPickMany: true, ignoreFocusOut: true },
    );
    if (!picked || picked.length === 0) return;
    source = { kind: "download", uris: picked.map((p) => p.uri) };
  }

  const title = source.kind === "download" ? "ConfigSpec: downloading drafters" : "ConfigSpec: preparing the bundled small models";
  const result = await withServerProgress(ctx, title, (workDoneToken, token) => ctx.request(PrepareDraftersRequest, { workDoneToken, source }, token));
  if (!result) {
    ctx.log.info("drafter setup cancelled");
    return;
  }
  await ctx.updateSetting("drafters", result.drafters);
  ctx.log.info(`configspec.drafters set to ${result.drafters.join(", ")}`);
  void vscode.window
    .showInformationMessage(
      `ConfigSpec: ${result.drafters.length} drafter(s) ready. Profile this machine to pick the best configuration? ${corpusNote(ctx.settings.profilingCorpus)}`,
      "Profile This Machine",
    )
    .then((choice) => (choice ? vscode.commands.executeCommand("configspec.profile") : undefined));
}

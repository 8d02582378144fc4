import * as vscode from "vscode";
import { OBJECTIVES, ProfileRequest, StatsRequest, type Objective } from "../server/lspContract.js";
import { COMMANDS, type CommandId } from "./commandIds.js";
import { errorMessageOf } from "../server/util/errorMessage.js";
import { API_KEY_SECRET, type ConfigSpecContext } from "./configSpecContext.js";
import { ConfigurationPanel } from "./configurationPanel.js";
import { setUpDrafters } from "./firstRun.js";
import { ServerNotRunningError } from "./serverNotRunningError.js";
import { withServerProgress } from "./serverProgress.js";
import { summarizeStats } from "./statsSummary.js";

interface Command {
  /** Refuse (with "server is not running") instead of running while the daemon is down. */
  requiresServer: boolean;
  run(ctx: ConfigSpecContext): Promise<unknown> | unknown;
}

const OBJECTIVE_DESCRIPTIONS: Record<Objective, string> = {
  latency: "fastest completions",
  cost: "fewest dollars per completion",
  battery: "fewest joules on this device",
  auto: "battery when unplugged, latency otherwise",
};

/** Every command, one table: ids and titles in commandIds.ts / package.json, behaviour here. */
const COMMAND_TABLE: Record<CommandId, Command> = {
  "configspec.profile": { requiresServer: true, run: profileMachine },
  "configspec.openPanel": { requiresServer: false, run: (ctx) => ConfigurationPanel.show(ctx) },
  "configspec.selectObjective": {
    requiresServer: false,
    run: async (ctx) => {
      const current = ctx.settings.objective;
      const picked = await vscode.window.showQuickPick(
        OBJECTIVES.map((objective) => ({ label: objective, description: OBJECTIVE_DESCRIPTIONS[objective], picked: objective === current })),
        { title: "ConfigSpec: Select Objective", placeHolder: `Current: ${current}` },
      );
      if (picked) await ctx.setObjective(picked.label);
    },
  },
  "configspec.toggleCompletions": {
    requiresServer: false,
    run: async (ctx) => {
      const enabled = !ctx.settings.enabled;
      await ctx.updateSetting("enabled", enabled);
      vscode.window.setStatusBarMessage(`ConfigSpec inline completions ${enabled ? "on" : "off"}`, 3000);
    },
  },
  "configspec.setVerifierApiKey": {
    requiresServer: false,
    run: async (ctx) => {
      const apiKey = await vscode.window.showInputBox({
        title: "ConfigSpec: Verifier API Key",
        prompt: "Stored in VS Code's secret storage, never in settings. Leave empty to remove the stored key.",
        password: true,
        ignoreFocusOut: true,
      });
      if (apiKey === undefined) return;
      if (apiKey.trim() === "") await ctx.extension.secrets.delete(API_KEY_SECRET);
      else await ctx.extension.secrets.store(API_KEY_SECRET, apiKey.trim());
      // secrets.onDidChange sends it to the daemon.
      vscode.window.setStatusBarMessage(apiKey.trim() === "" ? "ConfigSpec: API key removed" : "ConfigSpec: API key stored", 3000);
    },
  },
  "configspec.setUpDrafters": { requiresServer: true, run: (ctx) => setUpDrafters(ctx, { firstRun: false }) },
  "configspec.showStats": {
    requiresServer: true,
    run: async (ctx) => {
      const stats = await ctx.request(StatsRequest, undefined);
      // The whole record goes to the log: "why no suggestion?" answered in numbers.
      ctx.log.info(`completion stats: ${JSON.stringify(stats)}`);
      void vscode.window.showInformationMessage(summarizeStats(stats));
    },
  },
  "configspec.restartServer": { requiresServer: false, run: (ctx) => ctx.restart() },
  "configspec.showLogs": { requiresServer: false, run: (ctx) => ctx.log.show() },
};

async function profileMachine(ctx: ConfigSpecContext): Promise<void> {
  ctx.profiling = { message: "starting", percentage: 0 };
  try {
    const result = await withServerProgress(
      ctx,
      "ConfigSpec: profiling this machine",
      (workDoneToken, token) => ctx.request(ProfileRequest, { workDoneToken }, token),
      (report) => (ctx.profiling = report),
    );
    if (!result) {
      ctx.log.info("profiling cancelled");
      return;
    }
    ctx.profileChanged();
    const { profile, active } = result;
    const pick = profile.picks[active.objective];
    void vscode.window
      .showInformationMessage(
        `ConfigSpec profiled ${profile.configurations.length} configurations${profile.corpus ? `, calibrated on ${profile.corpus}` : ""}. For ${active.objective}: ${pick.label}.`,
        "Open Configuration Panel",
      )
      .then((choice) => (choice ? vscode.commands.executeCommand("configspec.openPanel") : undefined));
  } finally {
    ctx.profiling = null;
  }
}

/** Registers the table. A command never throws at the user: failures become one message each. */
export function registerCommands(ctx: ConfigSpecContext): void {
  for (const { id, title } of COMMANDS) {
    const command = COMMAND_TABLE[id];
    ctx.subscriptions.push(
      vscode.commands.registerCommand(id, async () => {
        if (command.requiresServer && !ctx.running) return notRunning(ctx);
        try {
          await command.run(ctx);
        } catch (error) {
          if (error instanceof ServerNotRunningError) return notRunning(ctx);
          ctx.showErrorOnce(`ConfigSpec: ${title} failed: ${errorMessageOf(error)}`);
        }
      }),
    );
  }
}

function notRunning(ctx: ConfigSpecContext): void {
  ctx.log.warn("a command needed the server, which is not running");
  void vscode.window.showWarningMessage("ConfigSpec server is not running", "Restart Server", "Show Logs").then((choice) => {
    if (choice === "Restart Server") void vscode.commands.executeCommand("configspec.restartServer");
    else if (choice === "Show Logs") ctx.log.show();
  });
}

/**
 * Every command the extension contributes, as package.json declares it (category
 * "ConfigSpec"). Pure data, so tests can check it against package.json without `vscode`;
 * commands.ts maps each id to its handler.
 */
export const COMMANDS = [
  { id: "configspec.profile", title: "Profile This Machine" },
  { id: "configspec.openPanel", title: "Open Configuration Panel" },
  { id: "configspec.selectObjective", title: "Select Objective" },
  { id: "configspec.toggleCompletions", title: "Toggle Inline Completions" },
  { id: "configspec.setVerifierApiKey", title: "Set Verifier API Key" },
  { id: "configspec.setUpDrafters", title: "Set Up Drafters" },
  { id: "configspec.showStats", title: "Show Completion Stats" },
  { id: "configspec.restartServer", title: "Restart Server" },
  { id: "configspec.showLogs", title: "Show Logs" },
] as const;

export type CommandId = (typeof COMMANDS)[number]["id"];
export const COMMAND_CATEGORY = "ConfigSpec";

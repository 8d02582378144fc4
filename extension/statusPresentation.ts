/**
 * What the status bar item shows for a server status: text, markdown tooltip with command
 * links, and background. Pure, so it is tested without `vscode`.
 */
import type { Objective, ServerStatus } from "../server/lspContract.js";

export type ClientState = "starting" | "running" | "stopped";

export interface StatusPresentation {
  text: string;
  /** Markdown with `command:` links. */
  tooltip: string;
  /** The commands the tooltip links to: the only ones the markdown may run. */
  commands: string[];
  background: "warning" | "error" | undefined;
}

const COMMAND_LINKS = [
  ["Open Configuration Panel", "configspec.openPanel"],
  ["Select Objective", "configspec.selectObjective"],
  ["Profile This Machine", "configspec.profile"],
  ["Toggle Inline Completions", "configspec.toggleCompletions"],
  ["Show Logs", "configspec.showLogs"],
] as const;

/** Backslash-escapes markdown's special characters so server text cannot inject links or markup. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}

export function describeActive(status: ServerStatus | undefined): string {
  const active = status?.active;
  if (!active) return "no configuration yet";
  return active.drafterId === null ? "verifier-only" : `${active.drafterId} K=${active.k}`;
}

/** " · llama-server/prefix-probe": the engine behind the endpoint (when detection recognised it) and the protocol drafts go by, if any. */
export function describeVerifier(status: ServerStatus | undefined): string {
  const named = status?.verifierProtocol?.engine ?? status?.verifierEngine ?? undefined;
  const engine = named === "configspec" ? "embedded" : named;
  const protocol = status?.verifierProtocol?.protocol;
  if (!engine && !protocol) return "";
  return ` · ${[engine, protocol].filter(Boolean).join("/")}`;
}

export function presentStatus(input: { status: ServerStatus | undefined; objective: Objective; clientState: ClientState }): StatusPresentation {
  const { status, objective, clientState } = input;
  const links = COMMAND_LINKS.map(([title, command]) => `[${title}](command:${command})`).join(" · ");
  if (clientState !== "running" || !status) {
    const stopped = clientState === "stopped";
    return {
      text: stopped ? "$(error) ConfigSpec: stopped" : "$(loading~spin) ConfigSpec",
      tooltip: `**ConfigSpec** — ${stopped ? "server is not running ([Restart Server](command:configspec.restartServer))" : "starting…"}\n\n[Show Logs](command:configspec.showLogs)`,
      background: stopped ? "error" : undefined,
      commands: ["configspec.restartServer", "configspec.showLogs"],
    };
  }
  const latency = status.lastLatencyMs === null ? "" : ` · ${Math.round(status.lastLatencyMs)} ms`;
  const icon = !status.quiescent ? "$(loading~spin)" : !status.enabled ? "$(circle-slash)" : status.health === "ok" ? "$(zap)" : "$(warning)";
  const text = status.enabled ? `${icon} ${objective} · ${describeActive(status)}${describeVerifier(status)}${latency}` : `${icon} ConfigSpec: off`;
  const verifier = status.verifierReachable === null ? "not contacted yet" : status.verifierReachable ? "reachable" : "**unreachable**";
  const lines = [
    `**ConfigSpec** — ${status.enabled ? "inline completions on" : "inline completions off"}`,
    "",
    `Objective: ${objective}${objective === "auto" ? ` (${autoFollows(status.onBattery)})` : ""}  `,
    `Configuration: ${escapeMarkdown(describeActive(status))}${status.active ? ` (${status.active.source === "profile" ? "profiled pick" : status.active.source === "adapted" ? "adapted to measured traffic" : "default, not profiled"})` : ""}  `,
    `Verifier: ${verifier}${status.verifierProtocol ? ` · protocol ${escapeMarkdown(status.verifierProtocol.reason)}` : ""}  `,
    `Last completion: ${status.lastLatencyMs === null ? "none yet" : `${Math.round(status.lastLatencyMs)} ms`}`,
    ...(status.message ? ["", ...status.message.split("\n").map((line) => `${escapeMarkdown(line)}  `)] : []),
    "",
    links,
  ];
  const background = status.health === "error" ? "error" : status.health === "warning" || status.verifierReachable === false ? "warning" : undefined;
  return { text, tooltip: lines.join("\n"), background, commands: COMMAND_LINKS.map(([, command]) => command) };
}

/** What `auto` serves for a power state: battery when unplugged, latency otherwise. */
function autoFollows(onBattery: boolean | null): string {
  return onBattery === true ? "on battery power: battery" : onBattery === false ? "on mains power: latency" : "power state unknown: latency";
}

/**
 * The error a status announces, for a notification: the message's first line when health is
 * "error" (the daemon lists errors first, then warnings, busy tasks and notes). The status bar
 * alone is easy to miss when, say, a configured drafter file is broken.
 */
export function announcedError(status: ServerStatus): string | undefined {
  if (status.health !== "error" || !status.message) return undefined;
  const first = status.message.split("\n")[0]?.trim();
  return first ? `ConfigSpec: ${first}` : undefined;
}

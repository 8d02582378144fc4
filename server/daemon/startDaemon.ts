import { createConnection, ProposedFeatures } from "vscode-languageserver/node";
import { ConfigSpecDaemon } from "./configSpecDaemon.js";
import type { ConfigSpecDaemonOptions } from "./daemonOptions.js";
import { loadEngine, startEmbeddedVerifier } from "./engineFactory.js";
import { renderProfileCharts } from "./profiling/profileCharts.js";
import { profileMachine } from "./profiling/profileMachine.js";

/**
 * Starts the LSP daemon (transport chosen by the command line: --node-ipc or --stdio).
 * Options replace the wired components — tests pass their own; production uses the defaults.
 */
export function startDaemon(options: Partial<ConfigSpecDaemonOptions> = {}): ConfigSpecDaemon {
  const connection = createConnection(ProposedFeatures.all);
  const daemon = new ConfigSpecDaemon(connection, {
    loadEngine: options.loadEngine ?? loadEngine,
    startEmbeddedVerifier: options.startEmbeddedVerifier ?? startEmbeddedVerifier,
    profileMachine: options.profileMachine ?? profileMachine,
    renderProfileCharts: options.renderProfileCharts ?? renderProfileCharts,
    circuitBreaker: options.circuitBreaker,
    readOnBattery: options.readOnBattery,
    powerPollMs: options.powerPollMs,
  });
  // A daemon that dies takes every completion with it: log stray errors instead.
  process.on("unhandledRejection", (reason) => connection.console.error(`unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`));
  process.on("uncaughtException", (error) => connection.console.error(`uncaught exception: ${error.stack ?? error.message}`));
  daemon.listen();
  return daemon;
}

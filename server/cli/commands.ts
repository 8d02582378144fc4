import type { CliCommand } from "./cliCommand.js";
import { completeCommand } from "./completeCommand.js";
import { modelsCommand } from "./modelsCommand.js";
import { verifierCommand } from "./verifierCommand.js";

/** Every `configspec` subcommand; the CLI's help lists them in this order. */
export const COMMANDS: readonly CliCommand[] = [modelsCommand, verifierCommand, completeCommand];

import { benchCommand } from "./benchCommand.js";
import type { CliCommand } from "./cliCommand.js";
import { completeCommand } from "./completeCommand.js";
import { goodputCommand } from "./goodputCommand.js";
import { demoCommand } from "./demoCommand.js";
import { evaluateModelsCommand } from "./evaluateModelsCommand.js";
import { modelsCommand } from "./modelsCommand.js";
import { profileCommand } from "./profileCommand.js";
import { validateCommand } from "./validateCommand.js";
import { verifierCommand } from "./verifierCommand.js";

/** Every `configspec` subcommand; the CLI's help lists them in this order. */
export const COMMANDS: readonly CliCommand[] = [demoCommand, modelsCommand, verifierCommand, completeCommand, goodputCommand, profileCommand, validateCommand, benchCommand, evaluateModelsCommand];

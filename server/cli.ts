import { COMMANDS } from "./cli/commands.js";
import { UsageError } from "./cli/usageError.js";
import { errorMessageOf } from "./util/errorMessage.js";

/** `configspec <command> [flags]`: one table of commands, each in its own module. */
async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = COMMANDS.find((c) => c.name === name);
  if (!command || name === "help" || name === "--help") {
    const width = Math.max(...COMMANDS.map((c) => c.name.length));
    process.stderr.write(
      `usage: configspec <command> [options]\n\n${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}\n`,
    );
    return name && name !== "help" && name !== "--help" ? 2 : 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`configspec ${command.name}: ${error.message}\n${command.usage}\n`);
      return 2;
    }
    process.stderr.write(`configspec ${command.name}: ${errorMessageOf(error)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  },
);

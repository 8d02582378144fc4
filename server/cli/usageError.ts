/** Wrong flags or arguments on the command line: printed with the command's usage, exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

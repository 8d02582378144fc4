/**
 * The one way an error becomes text for a log line, a status message or a response: its
 * message (an `Error`), else its string form (anything thrown). The extension uses it too; it
 * imports nothing, so both bundles can.
 */
export function errorMessageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

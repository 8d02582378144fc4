// The line window and token caps of a completion prompt: shared by the prompt builder and the
// budget that sizes it to the real context windows (kept apart so neither imports the other).
/** Lines of context kept before and after the cursor (llama.vscode keeps 64 + 16 by default too). */
export const DEFAULT_PREFIX_LINES = 64;
export const DEFAULT_SUFFIX_LINES = 16;
/** Token caps on each side, applied after the line window: keeps rounds cheap and the context bounded. */
export const DEFAULT_MAX_PREFIX_TOKENS = 768;
export const DEFAULT_MAX_SUFFIX_TOKENS = 256;

export interface PromptWindowOptions {
  prefixLines?: number;
  suffixLines?: number;
  maxPrefixTokens?: number;
  maxSuffixTokens?: number;
}

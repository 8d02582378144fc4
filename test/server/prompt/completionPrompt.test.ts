import assert from "node:assert/strict";
import { test } from "node:test";
import type { Token } from "node-llama-cpp";
import { TextDocument } from "vscode-languageserver-textdocument";
import { completionContextOf } from "../../../server/daemon/completion/completionContext.js";
import { buildCompletionPrompt, buildTextOnlyPrompt, PREFIX_WINDOW_LINE_STEP, type PromptTokenizer } from "../../../server/prompt/completionPrompt.js";

/** One token per character (ids ≥ 10), FIM tokens 1–3: enough to see where prompts differ. */
const characters: PromptTokenizer = {
  tokenize: (text) => [...text].map((char) => (char.codePointAt(0)! + 10) as Token),
  detokenize: (tokens) => tokens.map((token) => String.fromCodePoint(token - 10)).join(""),
  fimTokens: { prefix: 1 as Token, suffix: 2 as Token, middle: 3 as Token },
};

function commonPrefix<T>(a: readonly T[], b: readonly T[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

const code = Array.from({ length: 200 }, (_, i) => `  const value${i} = compute(${i});\n`).join("");
const suffix = "}\n".repeat(20);

test("typing keeps the prompt's start: only what follows the edit changes, however the window slides", () => {
  const window = { prefixLines: 64, maxPrefixTokens: 768, maxSuffixTokens: 64 };
  let typed = code;
  let previous = buildCompletionPrompt(typed, suffix, characters, window);
  let kept = 0;
  let steps = 0;
  for (const key of "  const next = value1 + value2;\n  return next;\n") {
    typed += key;
    const prompt = buildCompletionPrompt(typed, suffix, characters, window);
    const prefixEnd = prompt.tokens.indexOf(2 as Token);
    const common = commonPrefix(previous.tokens, prompt.tokens);
    steps++;
    // The edit is at the end of the prefix: everything before it stays, unless the window stepped.
    if (common >= prefixEnd - 2) kept++;
    previous = prompt;
  }
  assert.ok(kept >= steps - 2, `the prompt's start survived ${kept} of ${steps} keystrokes`);
});

test("the line window keeps at most prefixLines lines and starts on a step boundary", () => {
  const prompt = buildCompletionPrompt(code, "", characters, { prefixLines: 64, maxPrefixTokens: 100_000 });
  const text = characters.detokenize(prompt.tokens.slice(1, prompt.tokens.indexOf(2 as Token)));
  const lines = text.split("\n").length;
  assert.ok(lines <= 64 && lines > 64 - PREFIX_WINDOW_LINE_STEP, `${lines} lines`);
  assert.equal((200 + 1 - lines) % PREFIX_WINDOW_LINE_STEP, 0, "the first line kept is a multiple of the step");
  const textOnly = buildTextOnlyPrompt(code, "", { prefixLines: 64, maxPrefixTokens: 100_000 });
  assert.ok(textOnly.text.includes(text), "the text-only prompt keeps the same lines");
});

test("a document prefix over its character limit is cut in steps, so appending keeps its start", () => {
  const long = "x = 1\n".repeat(3000);
  const before = completionContextOf(TextDocument.create("file:///a.py", "python", 1, long), { line: 3000, character: 0 });
  const after = completionContextOf(TextDocument.create("file:///a.py", "python", 1, `${long}y`), { line: 3000, character: 1 });
  assert.ok(before.prefix.length <= 8000);
  assert.equal(after.prefix.slice(0, before.prefix.length), before.prefix);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import type { Token } from "node-llama-cpp";
import { TextDocument } from "vscode-languageserver-textdocument";
import { completionContextOf } from "../../../server/daemon/completion/completionContext.js";
import { buildCompletionPrompt, buildTextOnlyPrompt, DEFAULT_FIM_LAYOUT, PREFIX_WINDOW_LINE_STEP, type PromptTokenizer } from "../../../server/prompt/completionPrompt.js";
import { fimDialectOf, type FimTriple } from "../../../server/prompt/fimDialect.js";

/** One token per character (ids ≥ 10), FIM tokens 1–3: enough to see where prompts differ. */
const characters: PromptTokenizer = {
  tokenize: (text) => [...text].map((char) => (char.codePointAt(0)! + 10) as Token),
  detokenize: (tokens) => tokens.map((token) => String.fromCodePoint(token - 10)).join(""),
  fimMarkers: { ...DEFAULT_FIM_LAYOUT, tokens: { prefix: 1 as Token, suffix: 2 as Token, middle: 3 as Token } },
};

/** The character tokenizer with another family's markers (ids 1–3). */
function withMarkers(texts: FimTriple<string>, tokenizerAddsSpace = false): PromptTokenizer {
  return { ...characters, fimMarkers: { texts, dialect: fimDialectOf(texts), tokenizerAddsSpace, tokens: { prefix: 1 as Token, suffix: 2 as Token, middle: 3 as Token } } };
}

test("each family's layout: Qwen, DeepSeek and StarCoder markers abut the text; CodeLlama's <PRE> {prefix} <SUF>{suffix} <MID>", () => {
  const cases: [FimTriple<string>, string][] = [
    [{ prefix: "<|fim_prefix|>", suffix: "<|fim_suffix|>", middle: "<|fim_middle|>" }, "<|fim_prefix|>def f():<|fim_suffix|>\n  return 1<|fim_middle|>"],
    [{ prefix: "<｜fim▁begin｜>", suffix: "<｜fim▁hole｜>", middle: "<｜fim▁end｜>" }, "<｜fim▁begin｜>def f():<｜fim▁hole｜>\n  return 1<｜fim▁end｜>"],
    [{ prefix: "<fim_prefix>", suffix: "<fim_suffix>", middle: "<fim_middle>" }, "<fim_prefix>def f():<fim_suffix>\n  return 1<fim_middle>"],
    [{ prefix: "<PRE>", suffix: "<SUF>", middle: "<MID>" }, "<PRE> def f(): <SUF>\n  return 1 <MID>"],
  ];
  for (const [texts, expected] of cases) {
    const prompt = buildCompletionPrompt("def f():", "\n  return 1", withMarkers(texts));
    assert.equal(prompt.text, expected);
    // The tokens spell the same text: the model's marker ids where the text has markers.
    const spelled = prompt.tokens.map((t) => (t === 1 ? texts.prefix : t === 2 ? texts.suffix : t === 3 ? texts.middle : characters.detokenize([t]))).join("");
    assert.equal(spelled, expected);
    assert.deepEqual(prompt.tokens.filter((t) => t <= 3), [1, 2, 3]);
  }
});

test("CodeLlama's SentencePiece spelling carries its spaces: no space is added where the marker or the tokenizer has one", () => {
  const prompt = buildCompletionPrompt("def f():", "\n  return 1", withMarkers({ prefix: "▁<PRE>", suffix: "▁<SUF>", middle: "▁<MID>" }, true));
  assert.equal(prompt.text, "▁<PRE>def f():▁<SUF>\n  return 1▁<MID>");
  assert.deepEqual(prompt.tokens.slice(0, 2), [1, characters.tokenize("d")[0]]);
});

test("a model without FIM tokens gets the prefix alone; a verifier of another dialect gets its own layout as text, the drafter keeps its tokens", () => {
  const prefixOnly = buildCompletionPrompt("def f():", "\n  return 1", { ...characters, fimMarkers: undefined });
  assert.equal(prefixOnly.fim, false);
  assert.equal(prefixOnly.text, "def f():");
  assert.deepEqual(prefixOnly.tokens, characters.tokenize("def f():"));
  const deepseek = { prefix: "<｜fim▁begin｜>", suffix: "<｜fim▁hole｜>", middle: "<｜fim▁end｜>" };
  const forDeepseek = buildCompletionPrompt("a", "b", characters, {}, { texts: deepseek, dialect: fimDialectOf(deepseek), tokenizerAddsSpace: false });
  assert.equal(forDeepseek.text, "<｜fim▁begin｜>a<｜fim▁hole｜>b<｜fim▁end｜>");
  assert.deepEqual(forDeepseek.tokens, [1, ...characters.tokenize("a"), 2, ...characters.tokenize("b"), 3]);
  assert.equal(buildCompletionPrompt("a", "b", characters, {}, null).text, "a");
  assert.equal(buildTextOnlyPrompt("a", "b", {}, undefined, null).text, "a");
});

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

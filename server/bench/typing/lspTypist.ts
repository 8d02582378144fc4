import { setTimeout as delay } from "node:timers/promises";
import { CancellationTokenSource, type MessageConnection } from "vscode-jsonrpc";
import type { Keystroke, TypingRegion } from "./typingScript.js";

const REQUEST_CANCELLED = -32800;
/** LSP `InlineCompletionTriggerKind.Automatic`: what VS Code sends while the user types. */
const AUTOMATIC_TRIGGER = 2;
/** `InlineCompletionTriggerKind.Invoked`: an explicit request (no debounce). */
const INVOKED_TRIGGER = 1;

export interface TypedRegion {
  outcomes: KeystrokeOutcome[];
  /** The suggestion an explicit request got once typing was over ("" if none). */
  settled: string;
}

/** What became of the inline completion request sent after one keystroke. */
export interface KeystrokeOutcome {
  /** The keystroke's index in the script. */
  index: number;
  /** `shown`: text arrived while this keystroke was still the newest; `empty`: null or no text; `superseded`: the next key came first. */
  outcome: "shown" | "empty" | "superseded" | "failed";
  /** Keystroke → answer, when answered before the next keystroke. */
  latencyMs?: number;
  /** The suggestion shown (first item's insertText). */
  text?: string;
  /** The error message of a failed request. */
  error?: string;
}

interface Position {
  line: number;
  character: number;
}

function positionAt(text: string, offset: number): Position {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, character: offset - lineStart };
}

/**
 * Types a region into an LSP server as VS Code drives it: per keystroke one incremental
 * `didChange`, the previous inline completion request cancelled, and a new automatic
 * `textDocument/inlineCompletion` at the cursor. An answer counts as shown only if it arrives
 * before the next keystroke (VS Code drops the rest).
 */
export async function typeRegion(connection: MessageConnection, uri: string, region: TypingRegion, script: readonly Keystroke[]): Promise<TypedRegion> {
  let text = region.before + region.after;
  let cursor = region.before.length;
  let version = 1;
  await connection.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: region.languageId, version, text } });
  const outcomes: KeystrokeOutcome[] = [];
  const answers: Promise<void>[] = [];
  let pending: CancellationTokenSource | undefined;
  let newest = -1;
  try {
    for (const [index, key] of script.entries()) {
      await delay(key.delayMs);
      const start = positionAt(text, cursor);
      let change: { range: { start: Position; end: Position }; text: string };
      if (key.edit.kind === "insert") {
        change = { range: { start, end: start }, text: key.edit.text };
        text = text.slice(0, cursor) + key.edit.text + text.slice(cursor);
        cursor += key.edit.text.length;
      } else {
        const from = positionAt(text, cursor - 1);
        change = { range: { start: from, end: start }, text: "" };
        text = text.slice(0, cursor - 1) + text.slice(cursor);
        cursor -= 1;
      }
      version++;
      void connection.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [change] });
      pending?.cancel();
      const source = new CancellationTokenSource();
      pending = source;
      newest = index;
      const sent = performance.now();
      const params = { textDocument: { uri }, position: positionAt(text, cursor), context: { triggerKind: AUTOMATIC_TRIGGER } };
      const outcome: KeystrokeOutcome = { index, outcome: "superseded" };
      outcomes.push(outcome);
      answers.push(
        connection.sendRequest<{ items: { insertText: string | { value: string } }[] } | null>("textDocument/inlineCompletion", params, source.token).then(
          (result) => {
            if (newest !== index) return;
            const first = result?.items[0]?.insertText;
            const shown = typeof first === "string" ? first : first?.value;
            outcome.latencyMs = performance.now() - sent;
            if (shown) {
              outcome.outcome = "shown";
              outcome.text = shown;
            } else outcome.outcome = "empty";
          },
          (error: { code?: number; message?: string }) => {
            if (error.code === REQUEST_CANCELLED || newest !== index) return;
            outcome.outcome = "failed";
            outcome.error = error.message ?? String(error);
          },
        ),
      );
      if (key.pauseAfterMs >= 0 && index === script.length - 1) await delay(key.pauseAfterMs);
    }
    // The sitting is over: nothing more is shown; outstanding requests are cancelled.
    newest = -1;
    pending?.cancel();
    await Promise.all(answers);
    // Then asked explicitly with no time pressure: the suggestion at the end, whatever the machine's load.
    const settled = await connection.sendRequest<{ items: { insertText: string | { value: string } }[] } | null>("textDocument/inlineCompletion", {
      textDocument: { uri },
      position: positionAt(text, cursor),
      context: { triggerKind: INVOKED_TRIGGER },
    });
    const first = settled?.items[0]?.insertText;
    return { outcomes, settled: typeof first === "string" ? first : (first?.value ?? "") };
  } finally {
    await connection.sendNotification("textDocument/didClose", { textDocument: { uri } });
  }
}

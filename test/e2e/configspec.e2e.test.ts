// The packaged extension in a real VS Code (code-server) in headless Chromium, with the real
// daemon, engine, embedded verifier and generated models. One session, tests in order: each
// builds on the state the previous one left (an accepted completion, a profile, an objective).
// Run with `npm run test:e2e` (scripts/e2e/run-e2e.mjs builds the VSIX and installs code-server).
import assert from "node:assert/strict";
import { open, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { z } from "zod";
import { cliCompletion, ghostTextFor } from "./harness/cliCompletion.js";
import { CLI, MAX_TOKENS, RUN_DIR, startE2eSession, type E2eSession } from "./harness/e2eSession.js";
import { plainText, SELECTORS } from "./harness/workbench.js";
import { startLlamaServer } from "../../scripts/engines/engineProcess.js";
import { ngramDrafterUri } from "../../server/drafter/drafterSpec.js";
import { realFamily } from "../helpers/realFamily.js";
import { freePort } from "./harness/freePort.js";
import { VerifierProcess } from "./harness/verifierProcess.js";

/** The file the suite types in; its last line is empty, the cursor goes there. */
const FILE = "src/tokenBucket.ts";
const LANGUAGE_ID = "typescript";
/** Screenshots the run must leave behind, each showing something. */
const REQUIRED_SHOTS = [
  "ghost-text",
  "profiling-progress",
  "profiling-result",
  "panel-latency",
  "panel-battery",
  "panel-cost",
  "panel-auto",
  "verifier-down",
  "corrupt-drafter",
  "llama-server",
  "ghost-text-real",
] as const;
type Shot = (typeof REQUIRED_SHOTS)[number];

/** The first completion builds the engine: loads the drafter and starts the embedded verifier. */
const FIRST_GHOST_TIMEOUT_MS = 60_000;
const GHOST_TIMEOUT_MS = 30_000;
/** The real model on a 2-core CPU: a cold prompt on K+1 slots, then the rounds. */
const REAL_GHOST_TIMEOUT_MS = 120_000;
/** Typed before the real model completes (no brackets: the editor's auto-closed one would end the line at once). */
const REAL_SNIPPETS = ["\nexport const DEFAULT_CAPACITY = ", "\nconst limiter = createLimiter", "\nexport function createBucket"];
const PROFILE_TIMEOUT_MS = 240_000;
/** Keystrokes must show this soon after typing ends, whatever the completion path is doing. */
const TYPING_ECHO_MS = 1000;

/** "latency · draft-8l-q8_0 K=4 · 812 ms" → objective and configuration. */
function parseStatus(text: string): { objective: string; configuration: string } | null {
  const match = /^(?:\S+ )?(latency|cost|battery|auto) · (verifier-only|\S+ K=\d+)/.exec(text.replace(/^\$\([^)]*\)\s*/, ""));
  return match ? { objective: match[1] ?? "", configuration: match[2] ?? "" } : null;
}

/** A pick's label ("draft-4l-f16 K=3 ×1t") as the status bar names the configuration ("draft-4l-f16 K=3"). */
function statusNameOfPick(label: string): string {
  return label === "verifier-only" ? label : (/^\S+ K=\d+/.exec(label)?.[0] ?? label);
}

const StatsLogSchema = z.object({
  last: z.object({ served: z.object({ drafterId: z.string().nullable(), k: z.number(), verified: z.boolean() }) }).nullable(),
  counters: z.record(z.string(), z.number()),
});

describe("ConfigSpec in VS Code (code-server + Chromium)", () => {
  let s: E2eSession;

  before(async () => {
    s = await startE2eSession();
  }, { timeout: 240_000 });

  after(async () => {
    await s?.dispose();
  });

  const shot = (name: Shot) => s.shots.take(s.workbench.page, name);

  /** A test that leaves a screenshot of the workbench when it fails (failed-<n>.png). */
  let scenarios = 0;
  function scenario(name: string, timeout: number, body: () => Promise<void>): void {
    const n = ++scenarios;
    it(name, { timeout }, async () => {
      try {
        await body();
      } catch (error) {
        await s.shots.take(s.workbench.page, `failed-${n}`).catch(() => {});
        throw error;
      }
    });
  }

  /** Focuses the file's editor with the cursor at the end of the document. */
  async function cursorAtEnd(): Promise<void> {
    await s.workbench.openFile(FILE);
    await s.workbench.page.keyboard.press("Control+End");
  }

  /** The daemon's `configspec/stats`, through "Show Completion Stats" (its notification, and the record in the log). */
  async function daemonStats(): Promise<{ summary: string; stats: z.infer<typeof StatsLogSchema> }> {
    const wb = s.workbench;
    const mark = await s.logs.channelLineCount();
    const before = await wb.toasts(/Last completion: |No completion served yet/).count();
    await wb.runCommand("ConfigSpec: Show Completion Stats");
    const toasts = wb.toasts(/Last completion: |No completion served yet/);
    await wb.until("the stats notification", () => toasts.count(), (n) => n > before, 10_000);
    const summary = plainText(await toasts.last().innerText());
    const [line] = await wb.until("the stats in the log", () => s.logs.channelLines(/completion stats: /, mark), (l) => l.length > 0, 10_000);
    return { summary, stats: StatsLogSchema.parse(JSON.parse((line ?? "").replace(/^.*?completion stats: /, ""))) };
  }

  /** Types at the cursor and waits for ghost text; returns what it shows (first line). */
  async function typeAndWaitForGhost(text: string, timeoutMs = GHOST_TIMEOUT_MS): Promise<string> {
    const page = s.workbench.page;
    await page.keyboard.press("Escape"); // drop a suggestion still showing
    await page.keyboard.type(text);
    try {
      await s.workbench.ghostText().first().waitFor({ state: "visible", timeout: timeoutMs });
    } catch (error) {
      // Say where the requests ended: never sent, cancelled, empty, or failed.
      const stats = await daemonStats().then((d) => JSON.stringify(d.stats.counters), (e: unknown) => `stats unavailable: ${String(e)}`);
      throw new Error(`no ghost text ${timeoutMs} ms after typing ${JSON.stringify(text)}; daemon counters ${stats}`, { cause: error });
    }
    return plainText((await s.workbench.ghostText().allInnerTexts()).join(""));
  }

  /** Machine-scoped settings (drafters, verifier) live in the remote machine's settings in code-server. */
  async function changeMachineSettings(patch: Record<string, unknown>): Promise<void> {
    await s.workbench.editSettingsFile(s.server.settingsFile("machine"), { ...(await s.server.readSettings("machine")), ...patch });
  }

  async function waitForDiskChange(path: string, from: string): Promise<string> {
    return s.workbench.until(`${basename(path)} to be saved`, () => readFile(path, "utf8"), (text) => text !== from, 10_000);
  }

  scenario("inline completion: ghost text from the daemon, Tab accepts, the saved file holds it, equal to `configspec complete`", 150_000, async () => {
    const wb = s.workbench;
    const page = wb.page;
    const path = join(s.workspace, FILE);
    const original = await readFile(path, "utf8");
    assert.ok(original.endsWith("\n"), "the fixture ends with an empty line for the cursor");
    const status = await wb.until("the status bar to show the default configuration", () => wb.statusText(), (t) => parseStatus(t)?.objective === "latency", 60_000);
    const configuration = parseStatus(status)?.configuration ?? "";
    const typed = "export function ";
    const before = original + typed;

    // The same position and configuration through the CLI, against a verifier serving the same
    // target; started first, it runs while the daemon builds its engine.
    const match = /^(\S+) K=(\d+)$/.exec(configuration);
    assert.ok(match, `the default configuration is speculative (status: ${status})`);
    const drafter = s.drafters.find((p) => basename(p, ".gguf") === match[1]);
    assert.ok(drafter, `the status bar's drafter ${match[1]} is a configured one`);
    const input = join(RUN_DIR, "cli-input.ts");
    await writeFile(input, before);
    const cliRun = cliCompletion({
      cli: CLI,
      file: input,
      offset: before.length,
      drafter,
      verifierUrl: s.verifier.baseUrl,
      verifierModel: s.verifier.modelId,
      k: Number(match[2]),
      maxTokens: MAX_TOKENS,
    });
    cliRun.catch(() => {}); // awaited below; a failure before then must not go unhandled

    // With code-server 4.100.3 and Debian's Chromium 156.0.8078.114 the first editor session
    // after the workbench opens sent no inline request at all (daemon counters: 0 requests after
    // 150 s; the suite's earlier commits too). Editing a settings file first (what the later
    // scenarios do) makes the next editor ask; the setting written is the default.
    await changeMachineSettings({ "configspec.allowUnverified": false });
    await cursorAtEnd();
    const shown = await typeAndWaitForGhost(typed, FIRST_GHOST_TIMEOUT_MS);
    assert.notEqual(shown.trim(), "", "the ghost text shows something");
    await shot("ghost-text");

    await page.keyboard.press("Tab");
    await page.keyboard.press("Control+S");
    const saved = await waitForDiskChange(path, original);
    assert.ok(saved.startsWith(before), `the saved file starts with the typed text:\n${saved.slice(original.length - 40)}`);
    const accepted = saved.slice(before.length);
    assert.notEqual(accepted.trim(), "", "Tab inserted the suggestion");
    assert.equal(accepted.split("\n")[0], shown.split("\n")[0], "what Tab inserted is what the ghost text showed");

    const cli = await cliRun;
    assert.equal(cli.configuration.verified, true);
    // The CLI prints the engine's raw text; the daemon shows it cut by its stop rules and
    // trimmed (and stops generating early on the same rules): the same text, post-processed.
    assert.ok(cli.text.startsWith(accepted), `the suggestion is a prefix of the CLI's text ${JSON.stringify(cli.text)}`);
    assert.equal(accepted, ghostTextFor(cli.text, before, before.length, LANGUAGE_ID), `CLI raw text: ${JSON.stringify(cli.text)}`);
  });

  // Before profiling: the default configuration drafts with the first configured drafter, so
  // the broken file is loaded (a profile may pick verifier-only and never touch it).
  scenario("corrupt drafter path in settings: a clear error notification, no crash loop", 120_000, async () => {
    const wb = s.workbench;
    const page = wb.page;
    // A drafter cut off after its header: what an interrupted download leaves.
    const corrupt = join(RUN_DIR, "corrupt-drafter.gguf");
    const source = await open(s.drafters[0] ?? "", "r");
    const head = Buffer.alloc(64 * 1024);
    await source.read(head, 0, head.length, 0);
    await source.close();
    await writeFile(corrupt, head);
    const mark = await s.logs.channelLineCount();
    await changeMachineSettings({ "configspec.drafters": [corrupt] });
    await wb.until("the daemon to take the new drafters", () => s.logs.channelLines(/settings changed: .*drafters/, mark), (l) => l.length > 0, 20_000);

    await cursorAtEnd();
    await page.keyboard.type("\nconst third = ");
    const notification = wb.toasts(/corrupt-drafter\.gguf/);
    await notification.first().waitFor({ timeout: 45_000 });
    const message = plainText(await notification.first().innerText());
    assert.equal(await notification.first().locator(".codicon-error").count(), 1, `an error notification: ${message}`);
    await shot("corrupt-drafter");

    // Keep typing for a while: the daemon must stay up, and the message must not repeat.
    for (const text of ["a", "b", "c"]) {
      await page.keyboard.type(text);
      await page.waitForTimeout(1500);
    }
    assert.equal(await wb.toasts(/corrupt-drafter\.gguf/).count(), 1, "the error is shown once");
    const status = await wb.status();
    assert.doesNotMatch(status.text, /stopped/, "the server is still running");
    assert.deepEqual(await s.logs.channelLines(/stopped unexpectedly|will not be restarted/), [], "the server never crashed");
    assert.equal((await s.logs.channelLines(/ConfigSpec server started/)).length, 1, "the server started once in the whole session");

    // The good drafters back: the error clears with the next completion.
    await changeMachineSettings({ "configspec.drafters": s.drafters });
    await cursorAtEnd();
    await typeAndWaitForGhost("\nconst fourth = ");
    await wb.until("the error to clear", () => wb.status(), (st) => !st.error, 15_000);
    await wb.runCommand("Notifications: Clear All Notifications");
  });

  scenario("Profile This Machine: progress notification, then the result notification", PROFILE_TIMEOUT_MS + 30_000, async () => {
    const wb = s.workbench;
    await wb.runCommand("ConfigSpec: Profile This Machine");
    await wb.toasts(/ConfigSpec: profiling this machine/).first().waitFor({ timeout: 15_000 });
    await shot("profiling-progress");
    const outcome = await wb.firstVisible({ result: wb.toasts(/ConfigSpec profiled \d+ configurations/), failure: wb.toasts(/Profile This Machine failed/) }, PROFILE_TIMEOUT_MS);
    if (outcome === "failure") assert.fail(`profiling failed: ${await wb.toasts(/Profile This Machine failed/).first().innerText()}`);
    const result = plainText(await wb.toasts(/ConfigSpec profiled/).first().innerText());
    assert.match(result, /ConfigSpec profiled [1-9]\d* configurations, calibrated on [^.]+\. For latency: .+\./);
    await shot("profiling-result");
  });

  scenario("panel: table and charts, latency → battery changes the setting, the status bar and the next completion", 120_000, async () => {
    const wb = s.workbench;
    await wb.runCommand("ConfigSpec: Open Configuration Panel");
    const panel = wb.page.frameLocator(SELECTORS.webview).frameLocator("iframe#active-frame");
    const rows = panel.locator("#configurations tbody tr");
    await rows.first().waitFor({ timeout: 20_000 });
    assert.ok((await rows.count()) >= 2, "the table lists the profiled configurations");
    const charts = panel.locator("#charts figure svg");
    await charts.first().waitFor({ timeout: 20_000 });
    for (let i = 0; i < (await charts.count()); i++) {
      const box = await charts.nth(i).boundingBox();
      assert.ok(box && box.width > 50 && box.height > 50, `chart ${i} has a size (${JSON.stringify(box)})`);
      assert.ok((await charts.nth(i).locator("path, circle, rect, line").count()) > 0, `chart ${i} draws marks`);
    }
    assert.equal(await panel.locator("#objective-latency").isChecked(), true);
    await shot("panel-latency");

    const pickOf = async (objective: string) =>
      statusNameOfPick(plainText(await panel.locator("#picks article", { has: panel.locator("h2", { hasText: new RegExp(`^${objective}$`) }) }).locator(".pick-label").innerText()));

    /** Clicks the objective and checks the radio, the user setting and the status bar follow. */
    async function switchTo(objective: "battery" | "cost" | "auto"): Promise<string> {
      await panel.locator(`#objective-${objective}`).check();
      await wb.until(`configspec.objective = ${objective}`, async () => (await s.server.readSettings("user"))["configspec.objective"], (v) => v === objective, 10_000);
      await wb.until(`the ${objective} radio to be checked`, () => panel.locator(`#objective-${objective}`).isChecked(), (v) => v, 10_000);
      const pick = objective === "auto" ? null : await pickOf(objective);
      await wb.until(
        `the status bar to show ${objective}${pick ? ` and ${pick}` : ""}`,
        () => wb.statusText(),
        (t) => parseStatus(t)?.objective === objective && (pick === null || parseStatus(t)?.configuration === pick),
        15_000,
      );
      return pick ?? "";
    }

    const batteryPick = await switchTo("battery");
    await shot("panel-battery");

    // The next completion is served with the battery pick: ask the daemon (configspec/stats).
    await cursorAtEnd();
    await typeAndWaitForGhost("\nconst limiter = ");
    const { summary, stats } = await daemonStats();
    assert.match(summary, new RegExp(`Last completion: ${batteryPick.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[ ,]`));
    const served = stats.last?.served;
    assert.ok(served?.verified, "the last completion was verified");
    assert.equal(served.drafterId === null ? "verifier-only" : `${served.drafterId} K=${served.k}`, batteryPick);
    await wb.page.keyboard.press("Escape");

    await wb.runCommand("ConfigSpec: Open Configuration Panel");
    await switchTo("cost");
    await shot("panel-cost");
    await switchTo("auto");
    await shot("panel-auto");
  });

  scenario("verifier stops mid-session: status bar warning, typing stays responsive; it comes back: completions resume", 150_000, async () => {
    const wb = s.workbench;
    const page = wb.page;
    const mark = await s.logs.channelLineCount();
    await changeMachineSettings({ "configspec.verifier.baseUrl": s.verifier.baseUrl, "configspec.verifier.model": s.verifier.modelId });
    await wb.until("the daemon to switch to the external verifier", () => s.logs.channelLines(/settings changed: .*verifier\.baseUrl/, mark), (l) => l.length > 0, 20_000);
    await cursorAtEnd();
    await typeAndWaitForGhost("\nconst first = ");
    assert.equal((await wb.status()).warning, false, "no warning while the verifier answers");

    await s.verifier.stop();
    await page.keyboard.press("Escape");
    await page.keyboard.type("\nconst second = ");
    await wb.until("the status bar warning", () => wb.status(), (st) => st.warning || st.error, 45_000);
    const down = await wb.status();
    assert.equal(down.error, false, `a stopped verifier is a warning, not an error (${down.text})`);

    const word = "stillResponsive";
    const started = Date.now();
    await page.keyboard.type(word, { delay: 20 });
    const typingMs = Date.now() - started;
    await wb.until("the typed word on screen", () => wb.editorText(), (t) => t.includes(word), TYPING_ECHO_MS);
    assert.ok(typingMs < word.length * 20 + 2000, `typing ${word.length} keys took ${typingMs} ms`);
    await shot("verifier-down");

    await s.verifier.start();
    // Retype until a suggestion shows: the daemon finds the verifier back on its next probe.
    const back = Date.now() + 60_000;
    let resumed = false;
    while (!resumed && Date.now() < back) {
      await page.keyboard.press("Escape");
      await page.keyboard.type(" ");
      resumed = await wb
        .ghostText()
        .first()
        .waitFor({ state: "visible", timeout: 5000 })
        .then(() => true, () => false);
    }
    assert.ok(resumed, "completions resume once the verifier is back");
    await wb.until("the warning to clear", () => wb.status(), (st) => !st.warning && !st.error, 15_000);
  });

  scenario("llama-server as the verifier: ghost text while typing, the status bar names the engine and protocol", 180_000, async () => {
    const wb = s.workbench;
    const page = wb.page;
    // A real llama-server on the bundled target (npm test builds it; the suite runs after).
    const engine = await startLlamaServer({ model: s.family.target.absolutePath, slots: 9 });
    try {
      const mark = await s.logs.channelLineCount();
      await changeMachineSettings({ "configspec.verifier.baseUrl": engine.baseUrl, "configspec.verifier.model": engine.model });
      await wb.until("the daemon to switch to llama-server", () => s.logs.channelLines(/settings changed: .*verifier\.baseUrl/, mark), (l) => l.length > 0, 20_000);
      await cursorAtEnd();
      // Retype until a suggestion shows: a position the stop rules empty shows none.
      let ghost = "";
      for (const snippet of ["\nfunction refill(", "\nconst rate = ", "\nexport const "]) {
        await page.keyboard.press("Escape");
        await page.keyboard.type(snippet);
        const shown = await wb.ghostText().first().waitFor({ state: "visible", timeout: GHOST_TIMEOUT_MS }).then(() => true, () => false);
        if (shown) {
          ghost = plainText((await wb.ghostText().allInnerTexts()).join(""));
          break;
        }
      }
      assert.ok(ghost.length > 0, "ghost text from a llama-server-verified completion");
      // Verifier-only (a pick that drafts nothing) names the engine; a drafting configuration names its protocol too.
      const status = await wb.until("the status bar to name llama-server", () => wb.statusText(), (t) => / · llama-server(\/prefix-probe)? · /.test(t), 30_000);
      const shown = parseStatus(status);
      assert.ok(shown, `the status bar still shows objective and configuration: ${status}`);
      if (shown.configuration !== "verifier-only") assert.match(status, / · llama-server\/prefix-probe · /);
      await shot("llama-server");
      await page.keyboard.press("Escape");
    } finally {
      await changeMachineSettings({ "configspec.verifier.baseUrl": s.verifier.baseUrl, "configspec.verifier.model": s.verifier.modelId });
      await engine.stop();
    }
  });

  scenario("the real model: a verifier serving SmolLM2, the model-free drafter, ghost text equal to `configspec complete`", 300_000, async () => {
    const wb = s.workbench;
    const page = wb.page;
    // What most users have: a real model behind an endpoint, and no small sibling to draft with.
    // `configspec verifier` serves it: exact (llama-server's batches flip near-ties on a quantised model).
    const family = await realFamily();
    const model = family.target.absolutePath;
    const real = new VerifierProcess({ cli: CLI, modelPath: model, modelId: family.target.id, port: await freePort(), runDir: RUN_DIR });
    await real.start();
    const drafter = ngramDrafterUri(model);
    try {
      const mark = await s.logs.channelLineCount();
      await changeMachineSettings({ "configspec.verifier.baseUrl": real.baseUrl, "configspec.verifier.model": real.modelId, "configspec.drafters": [drafter] });
      await wb.until("the daemon to take the real model", () => s.logs.channelLines(/settings changed: .*drafters/, mark), (l) => l.length > 0, 20_000);
      // Retype until a suggestion shows (a line the stop rules empty shows none); the first waits for the engine.
      const path = join(s.workspace, FILE);
      let shown = "";
      let before = "";
      let typed = "";
      for (const [attempt, snippet] of REAL_SNIPPETS.entries()) {
        await cursorAtEnd();
        await page.keyboard.press("Escape");
        // The document as saved is what the daemon sees before typing (earlier scenarios typed into it).
        await page.keyboard.press("Control+S");
        await page.waitForTimeout(1000);
        before = (await readFile(path, "utf8")) + snippet;
        await page.keyboard.type(snippet);
        const visible = await wb.ghostText().first().waitFor({ state: "visible", timeout: attempt === 0 ? REAL_GHOST_TIMEOUT_MS : GHOST_TIMEOUT_MS }).then(() => true, () => false);
        if (visible) {
          shown = plainText((await wb.ghostText().allInnerTexts()).join(""));
          typed = snippet;
          await shot("ghost-text-real");
          break;
        }
      }
      if (shown.trim() === "") assert.fail(`no ghost text from the real model; daemon counters ${JSON.stringify((await daemonStats()).stats.counters)}`);
      const status = await wb.until("the status bar to name the n-gram drafter", () => wb.statusText(), (t) => / · ngram K=\d+ · /.test(t), 30_000);
      const k = Number(/ngram K=(\d+)/.exec(status)?.[1]);
      const input = join(RUN_DIR, "cli-input-real.ts");
      await writeFile(input, before);
      const cli = await cliCompletion({ cli: CLI, file: input, offset: before.length, drafter, verifierUrl: real.baseUrl, verifierModel: real.modelId, k, maxTokens: MAX_TOKENS });
      assert.equal(cli.configuration.verified, true);
      assert.equal(shown.split("\n")[0], ghostTextFor(cli.text, before, before.length, LANGUAGE_ID).split("\n")[0], `CLI raw text: ${JSON.stringify(cli.text)}`);
      await writeFile(join(RUN_DIR, "ghost-text-real.txt"), `typed ${JSON.stringify(typed)} at the end of ${FILE}\nghost text: ${JSON.stringify(shown)}\nstatus: ${status}\n`);
      await page.keyboard.press("Escape");
    } finally {
      await changeMachineSettings({ "configspec.verifier.baseUrl": s.verifier.baseUrl, "configspec.verifier.model": s.verifier.modelId, "configspec.drafters": s.drafters });
      await real.stop();
    }
  });

  it("nothing left 127.0.0.1, and the extension host logged no errors", async () => {
    assert.deepEqual(s.chromium.offHostRequests, [], "requests to hosts other than 127.0.0.1");
    assert.deepEqual(await s.logs.hostErrors(), [], `[error] lines in ${s.logs.hostLogFile}`);
  });

  it("every screenshot is there and shows something", async () => {
    const problems = [];
    for (const name of REQUIRED_SHOTS) {
      const problem = await s.shots.problemWith(name);
      if (problem) problems.push(problem);
    }
    assert.deepEqual(problems, [], `in ${s.shots.dir}`);
  });
});

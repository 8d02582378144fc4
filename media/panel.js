// @ts-check
// The configuration panel's script (runs in the webview; no network, no eval). Renders the
// state the extension posts; sends back only the messages panelMessages.ts accepts. All text
// goes through textContent; charts are SVG from the daemon, parsed as SVG and never as HTML,
// and the CSP blocks any script they could carry.
(function () {
  // @ts-ignore acquireVsCodeApi is provided by the webview host
  const vscode = acquireVsCodeApi();
  const OBJECTIVES = ["latency", "cost", "battery", "auto"];
  /** @type {Record<string, string>} */
  const OBJECTIVE_HINTS = {
    latency: "fastest completions",
    cost: "fewest dollars per completion",
    battery: "fewest joules on this device",
    auto: "battery when unplugged, else latency",
  };

  /** @param {string} id */
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  /** @param {string} tag @param {string} [text] @param {string} [className] */
  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }
  /** @param {{ drafterId: string | null, k: number, threads?: number }} c */
  const keyOf = (c) => `${c.drafterId ?? "-"}|${c.k}|${c.threads ?? "-"}`;
  /** @param {number} value @param {number} digits */
  const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : "–");
  /** @param {number} usd */
  const dollars = (usd) => (usd === 0 ? "0" : usd < 0.001 ? usd.toExponential(2) : usd.toFixed(4));
  /**
   * A prediction with its 80% interval beside it, when the profile has bootstrap replicates.
   * @param {number} value @param {{ low: number, high: number } | undefined} interval @param {(n: number) => string} format
   */
  const withInterval = (value, interval, format) => (interval ? `${format(value)} (${format(interval.low)}–${format(interval.high)})` : format(value));

  const objectives = $("objectives");
  for (const objective of OBJECTIVES) {
    const label = el("label");
    const input = /** @type {HTMLInputElement} */ (el("input"));
    input.type = "radio";
    input.name = "objective";
    input.value = objective;
    input.id = `objective-${objective}`;
    input.addEventListener("change", () => {
      if (input.checked) vscode.postMessage({ type: "setObjective", objective });
    });
    label.append(input, el("span", ` ${objective} `), el("span", OBJECTIVE_HINTS[objective], "muted"));
    objectives.append(label);
  }
  $("reprofile").addEventListener("click", () => vscode.postMessage({ type: "reprofile" }));

  /** @param {any} state */
  function render(state) {
    for (const objective of OBJECTIVES) {
      const input = /** @type {HTMLInputElement} */ (document.getElementById(`objective-${objective}`));
      input.checked = objective === state.objective;
    }
    const error = $("error");
    error.hidden = !state.error;
    error.textContent = state.error ?? "";
    const reprofile = /** @type {HTMLButtonElement} */ ($("reprofile"));
    reprofile.disabled = state.profiling !== null;
    $("progress").textContent = state.profiling
      ? `Profiling… ${state.profiling.percentage === null ? "" : `${Math.round(state.profiling.percentage)}% `}${state.profiling.message}`
      : "";

    const profile = state.profile;
    $("machine").textContent = profile
      ? `Profiled ${new Date(profile.profiledAt).toLocaleString()} — ${profile.machine}`
      : "Not profiled yet: run “Re-profile” to measure this machine, the drafters and the verifier.";

    // What the calibration prompts were cut from: the user's workspace, a folder, or the bundled code.
    $("corpus").textContent = profile?.corpus ? `Calibrated on ${profile.corpus}` : profile ? "Calibration corpus: not recorded in this profile" : "";

    // How drafts are verified, and why that protocol (auto-detection's reason, from the status).
    const protocol = state.status?.verifierProtocol;
    $("verifier-protocol").textContent = protocol ? `Verifier protocol: ${protocol.reason}` : "";

    const picks = $("picks");
    picks.replaceChildren();
    if (profile) {
      for (const objective of OBJECTIVES) {
        const pick = profile.picks[objective];
        const card = el("article", undefined, objective === state.objective ? "pick selected" : "pick");
        card.append(el("h2", objective), el("p", pick.label, "pick-label"), el("p", pick.explanation, "muted"));
        picks.append(card);
      }
    }

    const charts = $("charts");
    charts.replaceChildren();
    for (const chart of profile?.charts ?? []) {
      const figure = el("figure");
      const svg = new DOMParser().parseFromString(chart.svg, "image/svg+xml").documentElement;
      if (svg.nodeName.toLowerCase() === "svg") figure.append(document.importNode(svg, true));
      figure.append(el("figcaption", chart.title));
      charts.append(figure);
    }

    const activeKey = state.active ? keyOf(state.active) : null;
    /** @type {Map<string, string[]>} */
    const pickedBy = new Map();
    if (profile) {
      for (const objective of OBJECTIVES) {
        const key = keyOf(profile.picks[objective]);
        pickedBy.set(key, [...(pickedBy.get(key) ?? []), objective]);
      }
    }
    const body = /** @type {HTMLTableSectionElement} */ (document.querySelector("#configurations tbody"));
    body.replaceChildren();
    const rows = [...(profile?.configurations ?? [])].sort(
      (a, b) => Number(b.onParetoFront) - Number(a.onParetoFront) || b.goodputTokensPerSecond - a.goodputTokensPerSecond,
    );
    for (const c of rows) {
      const key = keyOf(c);
      const tr = el("tr");
      if (key === activeKey || (activeKey && c.drafterId === null && state.active.drafterId === null)) tr.classList.add("active");
      const objectivesPicking = pickedBy.get(key) ?? [];
      if (objectivesPicking.length > 0) tr.classList.add("picked");
      const name = el("td");
      name.append(el("span", c.label));
      for (const objective of objectivesPicking) name.append(el("span", objective, "badge"));
      if (!c.verified) name.append(el("span", "unverified", "badge warning"));
      tr.append(
        name,
        el("td", withInterval(c.goodputTokensPerSecond, c.goodputInterval, (n) => fixed(n, 1)), "number"),
        el("td", fixed(c.latencyMs, 0), "number"),
        el("td", withInterval(c.costUsd, c.costInterval, dollars), "number"),
        el("td", withInterval(c.energyJ, c.energyInterval, (n) => fixed(n, 2)), "number"),
        el("td", c.acceptance === null ? "–" : fixed(c.acceptance, 2), "number"),
        el("td", c.onParetoFront ? "●" : ""),
      );
      body.append(tr);
    }
  }

  window.addEventListener("message", (event) => {
    const message = event.data;
    if (message && message.type === "state") render(message);
  });
  vscode.postMessage({ type: "ready" });
})();

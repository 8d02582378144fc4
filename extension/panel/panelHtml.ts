/**
 * The configuration panel's HTML shell: strict CSP (nothing but our own script, by nonce, and
 * our own stylesheet), no remote resources. The content is rendered by media/panel.js from
 * the state messages. Pure: URIs and the CSP source come from the caller.
 */
import { randomBytes } from "node:crypto";

export interface PanelHtmlOptions {
  /** `webview.cspSource`. */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  /** Default: 16 random bytes, base64. */
  nonce?: string;
}

export function createNonce(): string {
  return randomBytes(16).toString("base64");
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function panelHtml(options: PanelHtmlOptions): string {
  const nonce = options.nonce ?? createNonce();
  const csp = [
    "default-src 'none'",
    `style-src ${options.cspSource}`,
    `img-src ${options.cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
    "font-src 'none'",
    "connect-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join("; ");
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeAttribute(csp)}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${escapeAttribute(options.styleUri)}">
  <title>ConfigSpec Configuration</title>
</head>
<body>
  <header>
    <h1>ConfigSpec configuration space</h1>
    <p id="machine" class="muted"></p>
    <p id="corpus" class="muted"></p>
    <p id="verifier-protocol" class="muted"></p>
  </header>
  <section id="controls" aria-label="Objective">
    <fieldset id="objectives">
      <legend>Objective</legend>
    </fieldset>
    <button id="reprofile" type="button">Re-profile</button>
    <span id="progress" role="status" aria-live="polite"></span>
  </section>
  <p id="error" class="error" role="alert" hidden></p>
  <section id="picks" aria-label="Picks per objective"></section>
  <section id="charts" aria-label="Charts"></section>
  <section aria-label="Configurations">
    <table id="configurations">
      <thead>
        <tr>
          <th scope="col">Configuration</th>
          <th scope="col">Goodput (tok/s)</th>
          <th scope="col">Latency (ms)</th>
          <th scope="col">Cost ($/completion)</th>
          <th scope="col">Energy (J/completion)</th>
          <th scope="col">Acceptance</th>
          <th scope="col">Pareto</th>
        </tr>
      </thead>
      <tbody></tbody>
    </table>
  </section>
  <script nonce="${escapeAttribute(nonce)}" src="${escapeAttribute(options.scriptUri)}"></script>
</body>
</html>
`;
}

import type { VerifierProtocolSetting } from "../verifierProtocol.js";

/** What the error reports of a detection (protocolDetection.ts's ProtocolDetection has these). */
export interface DetectedEndpoint {
  endpoint: string;
  engine: string;
  found: readonly string[];
}

/**
 * The endpoint answers none of the exact protocols asked for (a chat-only API, llama-server
 * reached only through `/v1`, a protocol named in settings that it lacks). Never a silent
 * fallback: the message names what each protocol needs, what came back, and what would work.
 */
export class NoVerifierProtocolError extends Error {
  constructor(
    readonly detection: DetectedEndpoint,
    /** One line per missing protocol: what it needs and what the probe found. */
    readonly missing: readonly string[],
    readonly setting: VerifierProtocolSetting,
  ) {
    const works = detection.found.length > 0 ? ` It does answer ${detection.found.join(", ")}: set configspec.verifier.protocol to one of those, or to auto.` : "";
    super(
      `Verifier at ${detection.endpoint} (${detection.engine}) supports ${setting === "auto" ? "no exact verification protocol" : `no ${setting}`}:\n` +
        missing.map((line) => `- ${line}`).join("\n") +
        `\n${works}` +
        " What works: vLLM and SGLang as they are (prefix-probe, sglang), llama-server through its /completion route (prefix-probe; start it with -np at least K+1)," +
        " hosted APIs with echo + logprobs (Together, DeepSeek beta: echo-logprobs), OpenAI/Fireworks/Mistral chat with predicted outputs.",
    );
    this.name = "NoVerifierProtocolError";
  }
}

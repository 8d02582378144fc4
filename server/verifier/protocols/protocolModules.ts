import { VERIFIER_PROTOCOLS, type VerifierProtocol } from "../verifierProtocol.js";
import { echoLogprobsProtocol } from "./echoLogprobsProtocol.js";
import { predictedOutputsProtocol } from "./predictedOutputsProtocol.js";
import { prefixProbeProtocol } from "./prefixProbeProtocol.js";
import { sglangProtocol } from "./sglangProtocol.js";
import type { VerifierProtocolModule } from "./verifierProtocolModule.js";

const MODULES: Readonly<Record<VerifierProtocol, VerifierProtocolModule>> = {
  sglang: sglangProtocol,
  "prefix-probe": prefixProbeProtocol,
  "echo-logprobs": echoLogprobsProtocol,
  "predicted-outputs": predictedOutputsProtocol,
};

/** Every protocol, cheapest first (fewest positions computed, prefix cache kept, one call per round). */
export const PROTOCOL_MODULES: readonly VerifierProtocolModule[] = VERIFIER_PROTOCOLS.map((name) => MODULES[name]);

export function protocolModule(name: VerifierProtocol): VerifierProtocolModule {
  return MODULES[name];
}

import { after } from "node:test";
import type { LlamaContext, LlamaModel, Token } from "node-llama-cpp";
import { DEFAULT_THREADS } from "../../server/llama/sharedLlama.js";
import { loadModel } from "../../server/modelFiles/modelLoader.js";
import { startVerifierServer, type VerifierServer, type VerifierServerOptions } from "../../server/verifierServer/startVerifierServer.js";
import { modelFamilyFixture } from "./modelFamilyFixture.js";

/** Code-like prompts in the generated vocabulary's domain (the target is a random model: any text works). */
export const CODE_PROMPTS = [
  "def fibonacci(n):\n    if n < 2:\n        return n\n    return fib",
  "function add(a, b) {\n  return a + b;\n}\n\nfunction mul(a, b) {\n",
  "<|fim_prefix|>class Stack:\n    def push(self, x):\n        <|fim_suffix|>\n<|fim_middle|>",
  "import os\nimport sys\n\nfor line in sys.stdin:\n    print(line.strip())\n",
  "const items = [1, 2, 3];\nconst doubled = items.map((x) => x * 2);\nconsole.log(",
  "SELECT name, count(*) FROM users WHERE active = true GROUP BY name ORDER BY",
  "while (i < n) {\n    sum += values[i];\n    i++;\n}\nreturn sum",
  "public static void main(String[] args) {\n    System.out.println(\"hello\");\n}",
];

/** The embedded verifier on the target model, closed when the test file ends (call it at the top level). */
export async function startTargetVerifier(options: Partial<VerifierServerOptions> = {}): Promise<VerifierServer> {
  const { target } = await modelFamilyFixture();
  const server = await startVerifierServer({ modelPath: target.absolutePath, slots: 2, contextSize: 512, ...options });
  after(() => server.close());
  return server;
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  // Tests read fields freely; shapes are asserted field by field.
  body: any;
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<JsonResponse> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal,
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** The ids in a logprobs `tokens` array returned with `return_tokens_as_token_ids`. */
export function tokenIds(labels: readonly string[]): number[] {
  return labels.map((label) => {
    const match = /^token_id:(\d+)$/.exec(label);
    if (!match) throw new Error(`expected token_id:<id>, found ${JSON.stringify(label)}`);
    return Number(match[1]);
  });
}

/** The key with the highest value: the verifier's greedy choice at that position. */
export function topKey(top: Record<string, number>): string {
  return Object.entries(top).reduce((best, entry) => (entry[1] > best[1] ? entry : best))[0];
}

export interface ReferenceStep {
  argmax: Token;
  /** p(token) for every token, when asked for. */
  probabilities?: Map<Token, number>;
}

/**
 * An independent greedy re-computation: its own model instance and context, one token per
 * evaluation, no prefix reuse. What the server answers must equal this exactly.
 */
export class GreedyReference {
  /** One sequence at a time: calls queue behind each other. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly model: LlamaModel,
    private readonly context: LlamaContext,
  ) {}

  static async create(contextSize = 1024): Promise<GreedyReference> {
    const { target } = await modelFamilyFixture();
    const model = await loadModel(target.absolutePath);
    const context = await model.createContext({ contextSize, sequences: 1, threads: DEFAULT_THREADS });
    const reference = new GreedyReference(model, context);
    after(() => reference.dispose());
    return reference;
  }

  tokenize(text: string): Token[] {
    return this.model.tokenize(text, true);
  }

  /** `steps[i]`: the prediction after tokens[0..i], each from a single-token decode. */
  steps(tokens: readonly number[], probabilities = false): Promise<ReferenceStep[]> {
    // Ids come from responses as plain numbers; node-llama-cpp brands them.
    return this.serialized(() => this.stepsNow(tokens as readonly Token[], probabilities));
  }

  /** Greedy generation after `prompt`, stopping at end-of-generation tokens (not included). */
  generate(prompt: readonly number[], maxTokens: number): Promise<Token[]> {
    return this.serialized(() => this.generateNow(prompt as readonly Token[], maxTokens));
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async stepsNow(tokens: readonly Token[], probabilities: boolean): Promise<ReferenceStep[]> {
    const sequence = this.context.getSequence();
    try {
      const steps: ReferenceStep[] = [];
      for (const token of tokens) {
        const [output] = await sequence.controlledEvaluate([[token, { generateNext: { token: true, probabilities } }]]);
        steps.push({ argmax: output!.next.token!, probabilities: output!.next.probabilities });
      }
      return steps;
    } finally {
      await sequence.dispose();
    }
  }

  private async generateNow(prompt: readonly Token[], maxTokens: number): Promise<Token[]> {
    const sequence = this.context.getSequence();
    try {
      const output: Token[] = [];
      let last: Token | undefined;
      for (const token of prompt) [last] = await this.decode(sequence, token);
      while (output.length < maxTokens && last !== undefined && !this.model.isEogToken(last)) {
        output.push(last);
        if (output.length < maxTokens) [last] = await this.decode(sequence, last);
      }
      return output;
    } finally {
      await sequence.dispose();
    }
  }

  private async decode(sequence: ReturnType<LlamaContext["getSequence"]>, token: Token): Promise<[Token]> {
    const [output] = await sequence.controlledEvaluate([[token, { generateNext: { token: true } }]]);
    return [output!.next.token!];
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
  }
}

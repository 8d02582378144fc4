import { roundTripTensor } from "../gguf/tensorEncoding.js";
import type { TensorQuantization } from "../gguf/ggufTypes.js";
import { SeededRandom } from "../util/seededRandom.js";

/** Hyperparameters of a LLaMA-architecture model, as written to its GGUF header. */
export interface LlamaArchitecture {
  vocabularySize: number;
  embedding: number;
  layers: number;
  heads: number;
  kvHeads: number;
  feedForward: number;
  contextLength: number;
}

export interface LlamaLayerWeights {
  attnNorm: Float32Array;
  attnQ: Float32Array;
  attnK: Float32Array;
  attnV: Float32Array;
  attnOutput: Float32Array;
  ffnNorm: Float32Array;
  ffnGate: Float32Array;
  ffnUp: Float32Array;
  ffnDown: Float32Array;
}

export interface LlamaWeights {
  architecture: LlamaArchitecture;
  tokenEmbedding: Float32Array;
  layers: LlamaLayerWeights[];
  outputNorm: Float32Array;
  output: Float32Array;
}

/**
 * How large each layer's contribution to the residual stream is next to the token embedding.
 * Random LLaMA weights are chaotic unless this is small (~0.1, found by a probe on this
 * machine); then greedy outputs of perturbed copies agree smoothly less as noise grows.
 */
export const DEFAULT_RESIDUAL_SCALE = 0.1;

const ones = (n: number) => new Float32Array(n).fill(1);

export interface RandomLlamaOptions {
  seed: number;
  /** Default {@link DEFAULT_RESIDUAL_SCALE}. */
  residualScale?: number;
  /**
   * Tokens whose output row is zeroed so greedy decoding never picks them (control and raw
   * byte tokens: a random model would otherwise emit invalid UTF-8). Default none.
   */
  silencedTokens?: readonly number[];
}

export function randomLlamaWeights(architecture: LlamaArchitecture, options: RandomLlamaOptions): LlamaWeights {
  const { seed, residualScale = DEFAULT_RESIDUAL_SCALE, silencedTokens = [] } = options;
  const random = new SeededRandom(seed);
  const { vocabularySize: V, embedding: E, feedForward: F } = architecture;
  const kvDim = (E / architecture.heads) * architecture.kvHeads;
  const inputStd = 1 / Math.sqrt(E);
  const layers: LlamaLayerWeights[] = [];
  const tokenEmbedding = random.normalArray(V * E, 1);
  for (let i = 0; i < architecture.layers; i++) {
    layers.push({
      attnNorm: ones(E),
      attnQ: random.normalArray(E * E, inputStd),
      attnK: random.normalArray(kvDim * E, inputStd),
      attnV: random.normalArray(kvDim * E, inputStd),
      attnOutput: random.normalArray(E * E, residualScale * inputStd),
      ffnNorm: ones(E),
      ffnGate: random.normalArray(F * E, inputStd),
      ffnUp: random.normalArray(F * E, inputStd),
      ffnDown: random.normalArray(E * F, residualScale / Math.sqrt(F)),
    });
  }
  const output = random.normalArray(V * E, 1);
  for (const token of silencedTokens) output.fill(0, token * E, (token + 1) * E);
  return { architecture, tokenEmbedding, layers, outputNorm: ones(E), output };
}

/** Keeps the first `layers` blocks: a smaller model that shares the target's embeddings and head. */
export function truncateLayers(weights: LlamaWeights, layers: number): LlamaWeights {
  if (layers < 1 || layers > weights.layers.length) {
    throw new RangeError(`cannot keep ${layers} of ${weights.layers.length} layers`);
  }
  return { ...weights, architecture: { ...weights.architecture, layers }, layers: weights.layers.slice(0, layers) };
}

const mapMatrices = (weights: LlamaWeights, f: (m: Float32Array) => Float32Array): LlamaWeights => ({
  ...weights,
  tokenEmbedding: f(weights.tokenEmbedding),
  output: f(weights.output),
  layers: weights.layers.map((layer) => ({
    ...layer,
    attnQ: f(layer.attnQ),
    attnK: f(layer.attnK),
    attnV: f(layer.attnV),
    attnOutput: f(layer.attnOutput),
    ffnGate: f(layer.ffnGate),
    ffnUp: f(layer.ffnUp),
    ffnDown: f(layer.ffnDown),
  })),
});

/** Adds Gaussian noise of `relativeNoise` × each matrix's own RMS: a less aligned copy. */
export function perturbWeights(weights: LlamaWeights, relativeNoise: number, seed: number): LlamaWeights {
  const random = new SeededRandom(seed);
  return mapMatrices(weights, (matrix) => {
    let sumSquares = 0;
    for (let i = 0; i < matrix.length; i++) sumSquares += matrix[i] * matrix[i];
    const std = relativeNoise * Math.sqrt(sumSquares / matrix.length);
    const out = new Float32Array(matrix.length);
    for (let i = 0; i < matrix.length; i++) out[i] = matrix[i] + random.normal() * std;
    return out;
  });
}

/** The weights a quantised file really holds (so a Q8_0 copy is exactly what gets written). */
export function quantizedValues(weights: LlamaWeights, quantization: TensorQuantization): LlamaWeights {
  return mapMatrices(weights, (matrix) => roundTripTensor(matrix, quantization));
}

export function parameterCount(weights: LlamaWeights): number {
  let count = weights.tokenEmbedding.length + weights.outputNorm.length + weights.output.length;
  for (const layer of weights.layers) {
    for (const tensor of Object.values(layer)) count += tensor.length;
  }
  return count;
}

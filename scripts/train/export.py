"""Step 5 (Python half) — hands the trained weights to the project's own GGUF writer.

Each member's tensors are written as raw little-endian float32 in llama.cpp's layout
(PyTorch's [out, in] row-major is what llama.cpp reads for dims [in, out]); writeFamily.ts then
writes the GGUF through server/gguf and the manifest (scripts/train/writeFamily.ts).
"""
import os

import numpy

from common import write_json

TENSOR_ORDER = ["attnNorm", "attnQ", "attnK", "attnV", "attnOutput", "ffnNorm", "ffnGate", "ffnUp", "ffnDown"]


def tensors_of(model):
    yield "tokenEmbedding", model.embed.weight
    for i, block in enumerate(model.blocks):
        parts = [block.attn_norm.weight, block.wq.weight, block.wk.weight, block.wv.weight, block.wo.weight,
                 block.ffn_norm.weight, block.w_gate.weight, block.w_up.weight, block.w_down.weight]
        for name, tensor in zip(TENSOR_ORDER, parts):
            yield f"layers.{i}.{name}", tensor
    yield "outputNorm", model.norm.weight
    yield "output", model.output.weight


def export_weights(model, path):
    """Writes <path>.f32 and returns {tensor name: [offset in floats, length]}."""
    layout = {}
    offset = 0
    with open(path, "wb") as f:
        for name, tensor in tensors_of(model):
            data = tensor.detach().to("cpu").float().contiguous().numpy().astype("<f4")
            f.write(data.tobytes())
            layout[name] = [offset, int(data.size)]
            offset += int(data.size)
    return layout


def write_plan(path, members, tokenizers):
    """members: dicts with id, role, quantization, derivation, architecture, weights, layout, tokenizer, training."""
    write_json(path, {"tokenizers": tokenizers, "models": members})


def tokenizer_spec(tokenizer):
    tokens, types = tokenizer.gguf_tokens()
    s = tokenizer.special
    return {"tokens": tokens, "types": types, "merges": tokenizer.gguf_merges(), "eos": s["<|endoftext|>"],
            "fimPrefix": s["<|fim_prefix|>"], "fimSuffix": s["<|fim_suffix|>"], "fimMiddle": s["<|fim_middle|>"]}

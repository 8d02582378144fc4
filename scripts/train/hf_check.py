"""Checks an exported HF checkpoint folder without transformers (test/scripts/train/exportHf.test.ts).

  python hf_check.py encode HF_DIR < requests.json   -> ids per text, HF `tokenizers` (tokenizer.json)
  python hf_check.py greedy HF_DIR < requests.json   -> greedy continuations, a numpy forward of HF's
                                                        Llama (rotate_half RoPE) on model.safetensors
requests.json: [{"text": ..., "special": bool, "tokens": n}]; special: control tokens in the text
are parsed (node-llama-cpp's tokenize(text, true)); HF `tokenizers` always parses them.
"""
import json
import os
import sys

import numpy


def load_tokenizer(hf_dir):
    from tokenizers import Tokenizer

    return Tokenizer.from_file(os.path.join(hf_dir, "tokenizer.json"))


def encode(hf_dir, requests):
    tokenizer = load_tokenizer(hf_dir)
    return [tokenizer.encode(r["text"], add_special_tokens=False).ids for r in requests]


class HfLlama:
    """HF LlamaForCausalLM's forward pass, written out (float64): rotate_half RoPE, SwiGLU, RMSNorm."""

    def __init__(self, hf_dir):
        from safetensors.numpy import load_file

        with open(os.path.join(hf_dir, "config.json"), encoding="utf-8") as f:
            self.c = json.load(f)
        self.w = {k: v.astype(numpy.float64) for k, v in load_file(os.path.join(hf_dir, "model.safetensors")).items()}

    def rms(self, x, weight):
        return x / numpy.sqrt((x * x).mean(-1, keepdims=True) + self.c["rms_norm_eps"]) * weight

    def logits(self, ids):
        c, w = self.c, self.w
        t, heads, kv_heads, hd = len(ids), c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
        inv = 1.0 / (c["rope_theta"] ** (numpy.arange(0, hd, 2) / hd))
        freqs = numpy.arange(t)[:, None] * inv[None, :]
        cos, sin = numpy.cos(numpy.concatenate([freqs, freqs], -1)), numpy.sin(numpy.concatenate([freqs, freqs], -1))

        def rope(x):  # x [heads, t, hd]
            half = hd // 2
            rotated = numpy.concatenate([-x[..., half:], x[..., :half]], -1)
            return x * cos + rotated * sin

        mask = numpy.triu(numpy.full((t, t), -numpy.inf), 1)
        x = w["model.embed_tokens.weight"][ids]
        for i in range(c["num_hidden_layers"]):
            p = f"model.layers.{i}."
            h = self.rms(x, w[p + "input_layernorm.weight"])
            q = (h @ w[p + "self_attn.q_proj.weight"].T).reshape(t, heads, hd).transpose(1, 0, 2)
            k = (h @ w[p + "self_attn.k_proj.weight"].T).reshape(t, kv_heads, hd).transpose(1, 0, 2)
            v = (h @ w[p + "self_attn.v_proj.weight"].T).reshape(t, kv_heads, hd).transpose(1, 0, 2)
            q, k = rope(q), rope(k)
            k, v = numpy.repeat(k, heads // kv_heads, 0), numpy.repeat(v, heads // kv_heads, 0)
            scores = q @ k.transpose(0, 2, 1) / numpy.sqrt(hd) + mask
            scores = numpy.exp(scores - scores.max(-1, keepdims=True))
            attention = (scores / scores.sum(-1, keepdims=True)) @ v
            x = x + attention.transpose(1, 0, 2).reshape(t, heads * hd) @ w[p + "self_attn.o_proj.weight"].T
            h = self.rms(x, w[p + "post_attention_layernorm.weight"])
            gate = h @ w[p + "mlp.gate_proj.weight"].T
            x = x + ((gate / (1 + numpy.exp(-gate))) * (h @ w[p + "mlp.up_proj.weight"].T)) @ w[p + "mlp.down_proj.weight"].T
        head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
        return self.rms(x, w["model.norm.weight"]) @ head.T


def greedy(hf_dir, requests):
    tokenizer = load_tokenizer(hf_dir)
    model = HfLlama(hf_dir)
    out = []
    for r in requests:
        ids = tokenizer.encode(r["text"], add_special_tokens=False).ids
        generated, margins = [], []
        for _ in range(r["tokens"]):
            last = model.logits(ids + generated)[-1]
            top = numpy.argsort(last)[::-1][:2]
            generated.append(int(top[0]))
            margins.append(float(last[top[0]] - last[top[1]]))
        out.append({"prompt": ids, "tokens": generated, "margins": margins})
    return out


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("encode", "greedy"):
        sys.exit("usage: hf_check.py encode|greedy HF_DIR < requests.json")
    requests = json.load(sys.stdin)
    result = encode(sys.argv[2], requests) if sys.argv[1] == "encode" else greedy(sys.argv[2], requests)
    json.dump(result, sys.stdout)

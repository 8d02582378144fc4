"""A Hugging Face Llama checkpoint folder from a family GGUF (the weights node-llama-cpp runs).

  python scripts/train/export_hf.py --gguf assets/models/target-4l-192-f32.gguf --out .cache/hf/target
  (or `node scripts/train/exportHf.mjs ...`, which runs this with the project venv's python)

Writes config.json (LlamaForCausalLM), model.safetensors, tokenizer.json (HF `tokenizers` byte-level
BPE, GPT-2 pre-tokenizer, the GGUF's vocabulary and merges, control tokens special),
tokenizer_config.json and generation_config.json. The training run calls `gguf_to_hf` on the
GGUF it has just written, so a new model and an old one take the same path.

RoPE: llama.cpp's `llama` graph rotates adjacent pairs (x0,x1),(x2,x3)... (NORM mode), HF Llama
rotates halves (x_i, x_{i+d/2}). llama.cpp's convert_hf_to_gguf permutes the rows of q and k
per head from halves to pairs; `unpermute` below is its inverse, so HF's rotate_half gives the
same attention scores.
"""
import argparse
import json
import os
import sys

import numpy

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gguf_read import GGML_F16, GGML_F32, GgufFile  # noqa: E402

TOKEN_TYPE_CONTROL = 3


def permute(w, heads):
    """llama.cpp convert_hf_to_gguf's permute: HF (halves) row order -> GGUF (adjacent pairs)."""
    return w.reshape(heads, 2, w.shape[0] // heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def unpermute(w, heads):
    """The inverse of `permute`: GGUF (adjacent pairs) row order -> HF (halves)."""
    return w.reshape(heads, w.shape[0] // heads // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def _meta(g, key, default=None):
    arch = g.metadata.get("general.architecture", "llama")
    value = g.metadata.get(f"{arch}.{key}", default)
    if value is None:
        raise ValueError(f"GGUF lacks {arch}.{key}")
    return value


def hf_config(g):
    heads = int(_meta(g, "attention.head_count"))
    width = int(_meta(g, "embedding_length"))
    ids = token_ids(g)
    types = {GGML_F32: "float32", GGML_F16: "float16"}
    dtype = types.get(g.tensor_type("blk.0.attn_q.weight"), "float32")  # Q8_0 is dequantised to float32
    return {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "vocab_size": len(g.metadata["tokenizer.ggml.tokens"]),
        "hidden_size": width,
        "intermediate_size": int(_meta(g, "feed_forward_length")),
        "num_hidden_layers": int(_meta(g, "block_count")),
        "num_attention_heads": heads,
        "num_key_value_heads": int(_meta(g, "attention.head_count_kv", heads)),
        "head_dim": width // heads,
        "hidden_act": "silu",
        "max_position_embeddings": int(_meta(g, "context_length")),
        "rms_norm_eps": float(numpy.float32(_meta(g, "attention.layer_norm_rms_epsilon"))),
        "rope_theta": float(_meta(g, "rope.freq_base", 10000.0)),
        "rope_scaling": None,
        "attention_bias": False,
        "attention_dropout": 0.0,
        "mlp_bias": False,
        "initializer_range": 0.02,
        "pretraining_tp": 1,
        "tie_word_embeddings": "output.weight" not in g.tensor_info,
        "use_cache": True,
        "bos_token_id": ids["bos"],
        "eos_token_id": ids["eos"],
        "torch_dtype": dtype,
    }


def token_ids(g):
    m = g.metadata
    return {"bos": m.get("tokenizer.ggml.bos_token_id"), "eos": m.get("tokenizer.ggml.eos_token_id"),
            "fim_prefix": m.get("tokenizer.ggml.fim_pre_token_id"), "fim_suffix": m.get("tokenizer.ggml.fim_suf_token_id"),
            "fim_middle": m.get("tokenizer.ggml.fim_mid_token_id")}


def hf_tensors(g, config):
    """HF Llama state dict (numpy) from the GGUF's tensors, q/k rows un-permuted to HF's RoPE order."""
    heads, kv_heads = config["num_attention_heads"], config["num_key_value_heads"]
    out = {"model.embed_tokens.weight": g.tensor("token_embd.weight")}
    for i in range(config["num_hidden_layers"]):
        b, p = f"blk.{i}.", f"model.layers.{i}."
        out[p + "input_layernorm.weight"] = g.tensor(b + "attn_norm.weight")
        out[p + "self_attn.q_proj.weight"] = unpermute(g.tensor(b + "attn_q.weight"), heads)
        out[p + "self_attn.k_proj.weight"] = unpermute(g.tensor(b + "attn_k.weight"), kv_heads)
        out[p + "self_attn.v_proj.weight"] = g.tensor(b + "attn_v.weight")
        out[p + "self_attn.o_proj.weight"] = g.tensor(b + "attn_output.weight")
        out[p + "post_attention_layernorm.weight"] = g.tensor(b + "ffn_norm.weight")
        out[p + "mlp.gate_proj.weight"] = g.tensor(b + "ffn_gate.weight")
        out[p + "mlp.up_proj.weight"] = g.tensor(b + "ffn_up.weight")
        out[p + "mlp.down_proj.weight"] = g.tensor(b + "ffn_down.weight")
    out["model.norm.weight"] = g.tensor("output_norm.weight")
    if not config["tie_word_embeddings"]:
        out["lm_head.weight"] = g.tensor("output.weight")
    dtype = numpy.float16 if config["torch_dtype"] == "float16" else numpy.float32
    return {name: numpy.ascontiguousarray(t.astype(dtype if t.ndim > 1 else numpy.float32)) for name, t in out.items()}


def hf_tokenizer(g):
    """A `tokenizers.Tokenizer` equal to llama.cpp's gpt2/gpt-2 tokenizer for this GGUF's vocabulary."""
    m = g.metadata
    if m.get("tokenizer.ggml.model") != "gpt2":
        raise ValueError(f"tokenizer.ggml.model = {m.get('tokenizer.ggml.model')!r}: only byte-level BPE (gpt2) is exported")
    if m.get("tokenizer.ggml.pre", "gpt-2") not in ("gpt-2", "default"):
        raise ValueError(f"tokenizer.ggml.pre = {m['tokenizer.ggml.pre']!r}: only GPT-2's pre-tokenizer is exported")
    tokens = m["tokenizer.ggml.tokens"]
    return byte_level_bpe(tokens, m.get("tokenizer.ggml.token_type", [1] * len(tokens)), m["tokenizer.ggml.merges"])


def byte_level_bpe(tokens, types, merges):
    """HF `tokenizers` byte-level BPE (GPT-2 pre-tokenizer) from GGUF-style tokens, types and "a b" merges;
    returns it and its control tokens (type 3), added as special tokens with their own ids."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

    vocab = {}
    for i, token in enumerate(tokens):
        if token in vocab:
            raise ValueError(f"token {token!r} appears twice (ids {vocab[token]} and {i})")
        vocab[token] = i
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=[tuple(pair.split(" ")) for pair in merges], fuse_unk=False, byte_fallback=False))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    specials = [t for t, kind in zip(tokens, types) if kind == TOKEN_TYPE_CONTROL]
    tokenizer.add_special_tokens([AddedToken(t, special=True, normalized=False, lstrip=False, rstrip=False, single_word=False) for t in specials])
    for t in specials:
        if tokenizer.token_to_id(t) != vocab[t]:
            raise ValueError(f"control token {t!r} got id {tokenizer.token_to_id(t)}, the GGUF has {vocab[t]}")
    return tokenizer, specials


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, ensure_ascii=False)
        f.write("\n")


def gguf_to_hf(gguf_path, out_dir):
    """Writes the HF checkpoint folder for one GGUF; returns its config."""
    from safetensors.numpy import save_file

    g = GgufFile(gguf_path)
    if g.metadata.get("general.architecture") != "llama":
        raise ValueError(f"{gguf_path}: architecture {g.metadata.get('general.architecture')!r}, only llama is exported")
    config = hf_config(g)
    tensors = hf_tensors(g, config)
    tokenizer, specials = hf_tokenizer(g)
    ids = token_ids(g)
    tokens = g.metadata["tokenizer.ggml.tokens"]
    name = lambda i: tokens[i] if i is not None else None  # noqa: E731
    os.makedirs(out_dir, exist_ok=True)
    write_json(os.path.join(out_dir, "config.json"), config)
    save_file(tensors, os.path.join(out_dir, "model.safetensors"), metadata={"format": "pt", "source": os.path.basename(gguf_path)})
    tokenizer.save(os.path.join(out_dir, "tokenizer.json"))
    fim = {key: name(ids[key]) for key in ("fim_prefix", "fim_suffix", "fim_middle") if ids[key] is not None}
    write_json(os.path.join(out_dir, "tokenizer_config.json"), {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": config["max_position_embeddings"],
        "bos_token": name(ids["bos"]),
        "eos_token": name(ids["eos"]),
        "pad_token": name(ids["eos"]),
        "unk_token": None,
        "add_bos_token": bool(g.metadata.get("tokenizer.ggml.add_bos_token", False)),
        "add_eos_token": bool(g.metadata.get("tokenizer.ggml.add_eos_token", False)),
        "add_prefix_space": False,
        "clean_up_tokenization_spaces": False,
        "additional_special_tokens": [t for t in specials if t != name(ids["eos"])],
        "added_tokens_decoder": {str(tokenizer.token_to_id(t)): {"content": t, "lstrip": False, "normalized": False, "rstrip": False,
                                                                  "single_word": False, "special": True} for t in specials},
        # Fill-in-the-middle: prefix <fim_prefix> before the code, <fim_suffix> after it, <fim_middle> last.
        "fim_tokens": fim,
    })
    write_json(os.path.join(out_dir, "generation_config.json"), {
        "bos_token_id": ids["bos"], "eos_token_id": ids["eos"], "pad_token_id": ids["eos"], "do_sample": False,
    })
    return config


def main():
    parser = argparse.ArgumentParser(description="Write a Hugging Face Llama checkpoint folder from a family GGUF.")
    parser.add_argument("--gguf", required=True, help="the GGUF (llama architecture, gpt2 BPE tokenizer)")
    parser.add_argument("--out", required=True, help="the folder to write (created)")
    args = parser.parse_args()
    config = gguf_to_hf(args.gguf, args.out)
    print(f"wrote {args.out}: LlamaForCausalLM, {config['num_hidden_layers']} layers x {config['hidden_size']}, "
          f"vocabulary {config['vocab_size']}, {config['torch_dtype']}")


if __name__ == "__main__":
    main()

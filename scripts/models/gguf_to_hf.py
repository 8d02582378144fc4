"""A Hugging Face checkpoint folder from a pretrained GGUF (for engines that load no GGUF, e.g. vLLM).

  .venv/bin/python scripts/models/gguf_to_hf.py --gguf MODEL.gguf --out DIR

transformers reads the GGUF (dequantising to F32, with the `gguf` package) and saves it with its
tokenizer. Saving refuses a model still marked GGUF-quantised, so that mark is cleared first: the
weights in memory are plain F32 tensors by then.
"""
import argparse
import os

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gguf", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    folder, name = os.path.split(os.path.abspath(args.gguf))
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(args.out, safe_serialization=True)
    tokenizer.save_pretrained(args.out)


if __name__ == "__main__":
    main()

"""Shared paths, seeding and small helpers for the training steps (scripts/train/)."""
import hashlib
import json
import os
import random
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ASSETS = os.path.join(REPO, "assets", "models")
# Everything intermediate (corpus copy, token streams, checkpoints) lives under the ignored /models/.
WORK = os.path.join(REPO, "models", "training")

SPECIAL_TOKENS = ["<|endoftext|>", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"]


def log(message):
    print(f"[train {time.strftime('%H:%M:%S')}] {message}", flush=True)


def seed_everything(seed):
    random.seed(seed)
    try:
        import numpy
        numpy.random.seed(seed)
    except ImportError:
        pass
    try:
        import torch
        torch.manual_seed(seed)
    except ImportError:
        pass


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def write_json(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=1, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)  # atomic: an interrupted run never leaves half a file


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def fail(message):
    print(f"[train] error: {message}", file=sys.stderr, flush=True)
    sys.exit(1)

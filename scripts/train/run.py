"""`npm run train` — corpus → tokenizer → target and drafters → GGUF, resumable and seeded.

  npm run train                 full run, writes the family to models/training/out/ (copied to assets/models/
                                only when evaluate-models shows it better than the shipped one)
  npm run train -- --resume     continue an interrupted full run from its checkpoints (models/training/checkpoints,
                                else the committed compact ones in scripts/train/checkpoints)
  npm run train -- --quick      a tiny slice end to end (≤ 60 s) into models/training-quick/,
                                then node-llama-cpp loads the GGUF and tokenizes identically
Each step writes its output atomically and is skipped when that output exists (with --resume).
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import ASSETS, REPO, WORK, log, read_json, seed_everything, write_json  # noqa: E402

SEED = 20261201
# Compact checkpoints (bfloat16 weights, sampler state, progress; no optimiser) committed so a later
# machine can `npm run train -- --resume`: copy models/training/checkpoints/*.bf16.pt here to keep them.
COMMITTED_CHECKPOINTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "checkpoints")

# Members: dicts with id, tokenizer, width, layers, heads, ff (feed-forward), minutes, teacher (or None),
# init (a shipped model's id to start from; what it had seen comes from the shipped manifest), peak_lr.
# The family: a target; three drafter sizes, each at most a third of the target's parameters, two distilled
# from the target; the other-tokenizer drafter carried over (0 minutes: only re-scored). Minutes are the budget
# knob: with `--resume`, raising a finished member's minutes trains it on from its checkpoint. The target's
# peak rate is low because it continues from a model already annealed to 1e-4.


def shipped_start(model_id):
    """The shipped GGUF with `model_id` and what it had seen (tokens, minutes), from assets/models/manifest.json."""
    entry = next(m for m in read_json(os.path.join(ASSETS, "manifest.json"))["models"] if m["id"] == model_id)
    training = entry.get("training") or {}
    return os.path.join(ASSETS, entry["path"]), {"tokens": training.get("tokensSeen", 0), "minutes": training.get("minutes", 0)}


FULL_PLAN = {
    "seq_len": 512,
    # llama.context_length in the GGUF: the daemon's prompts (768 + 256 tokens) and the profiler's
    # need more than the 512-token training window; positions past 512 are extrapolated (RoPE).
    "gguf_context": 2048,
    "batch": 4,
    "sources": "pinned",
    "bytes_per_language": None,
    "bytes_per_unit": 12_000_000,
    "heldout_share": 0.04,
    "reuse_tokenizers": True,
    "stream_bytes": {"bpe2k": 2_000_000},  # the bpe2k drafter is carried over as shipped (0 minutes) this time
    "tokenizer_sample_bytes": 1_500_000,
    "tokenizers": {"bpe4k": 4096, "bpe2k": 2048},
    "members": [
        {"id": "target-4l-192", "tokenizer": "bpe4k", "width": 192, "layers": 4, "heads": 4, "ff": 512, "minutes": 145, "teacher": None,
         "init": "target-4l-192-f32", "peak_lr": 3e-4},
        {"id": "draft-2l-96-distilled", "tokenizer": "bpe4k", "width": 96, "layers": 2, "heads": 2, "ff": 256, "minutes": 66, "teacher": "target-4l-192"},
        {"id": "draft-1l-64-distilled", "tokenizer": "bpe4k", "width": 64, "layers": 1, "heads": 2, "ff": 176, "minutes": 33, "teacher": "target-4l-192"},
        {"id": "draft-1l-32-data", "tokenizer": "bpe4k", "width": 32, "layers": 1, "heads": 2, "ff": 96, "minutes": 8, "teacher": None},
        {"id": "draft-2l-128-bpe2k-data", "tokenizer": "bpe2k", "width": 128, "layers": 2, "heads": 2, "ff": 352, "minutes": 0, "teacher": None,
         "init": "draft-2l-128-bpe2k-data-f16", "peak_lr": 1e-3},
    ],
    # Exports: (file id, member, quantisation, role). No quantised copy of the target drafts for it.
    "exports": [
        ("target-4l-192-f32", "target-4l-192", "F32", "target"),
        ("draft-2l-96-distilled-f16", "draft-2l-96-distilled", "F16", "drafter"),
        ("draft-2l-96-distilled-q8_0", "draft-2l-96-distilled", "Q8_0", "drafter"),
        ("draft-1l-64-distilled-f16", "draft-1l-64-distilled", "F16", "drafter"),
        ("draft-1l-64-distilled-f32", "draft-1l-64-distilled", "F32", "drafter"),  # Q8_0 needs rows of 32: its feed-forward is 176 wide
        ("draft-1l-32-data-f32", "draft-1l-32-data", "F32", "drafter"),
        ("draft-1l-32-data-q8_0", "draft-1l-32-data", "Q8_0", "drafter"),
        ("draft-2l-128-bpe2k-data-f16", "draft-2l-128-bpe2k-data", "F16", "drafter"),
    ],
}

QUICK_PLAN = {
    "seq_len": 64,
    "batch": 2,
    "bytes_per_language": 20_000,
    "files_per_language": 3,
    "tokenizer_sample_bytes": 200_000,
    "tokenizers": {"bpe-quick": 512},
    "members": [{"id": "quick-1l-32", "tokenizer": "bpe-quick", "width": 32, "layers": 1, "heads": 2, "ff": 64, "minutes": 0.05, "teacher": None}],
    "exports": [("quick-1l-32-f32", "quick-1l-32", "F32", "target"), ("quick-1l-32-q8_0", "quick-1l-32", "Q8_0", "drafter")],
    "max_steps": 3,
}


def write_corpus_manifest(manifest_path, entries):
    write_json(manifest_path, {"description": "Every file the trained family saw (split train) or was scored on (split heldout).", "seed": SEED,
                               "split": "held-out files come from packages (for Debian's monolithic sources: modules) none of whose files were trained on",
                               "files": [{k: e[k] for k in ("path", "language", "package", "unit", "version", "licence", "sha256", "bytes", "split", "source")} for e in entries]})


def step_corpus(plan, work, manifest_path):
    corpus_dir = os.path.join(work, "corpus")
    done = os.path.join(work, "corpus.json")
    if os.path.exists(done):
        facts = read_json(done)
        if not os.path.exists(manifest_path):  # a resumed run writes its family's manifest again
            write_corpus_manifest(manifest_path, facts["files_entries"])
        return facts
    import corpus

    if os.path.isdir(corpus_dir):
        shutil.rmtree(corpus_dir)
    entries = corpus.assemble(corpus_dir, plan["bytes_per_language"], SEED, heldout_share=plan.get("heldout_share", 0.03),
                              files_per_language=plan.get("files_per_language"), sources=plan.get("sources", "local"),
                              bytes_per_unit=plan.get("bytes_per_unit"))
    facts = {"seed": SEED, "files": len(entries), "bytes": sum(e["bytes"] for e in entries),
             "languages": sorted({e["language"] for e in entries}), "files_entries": entries}
    write_corpus_manifest(manifest_path, entries)
    write_json(done, facts)
    return facts


def read_texts(work, entries, split):
    out = []
    for e in entries:
        if e["split"] == split:
            with open(os.path.join(work, "corpus", e["path"]), encoding="utf-8") as f:
                out.append(f.read())
    return out


def step_tokenizers(plan, work, assets_dir, train_texts):
    import random

    import bpe

    tokenizers = {}
    for name, size in plan["tokenizers"].items():
        path = os.path.join(assets_dir, f"tokenizer-{name}.json")
        shipped = os.path.join(ASSETS, f"tokenizer-{name}.json")
        if plan.get("reuse_tokenizers") and not os.path.exists(path) and os.path.exists(shipped):
            shutil.copyfile(shipped, path)  # the shipped family's tokenizer: members trained on from shipped GGUFs keep their ids
        if not os.path.exists(path):
            rng = random.Random(SEED)
            sample, total = [], 0
            for text in rng.sample(train_texts, len(train_texts)):
                if total >= plan["tokenizer_sample_bytes"]:
                    break
                sample.append(text)
                total += len(text)
            started = time.time()
            merges = bpe.train(sample, size)
            write_json(path, {"name": name, "vocabularySize": size, "pretokenizer": "gpt-2", "specialTokens": list(__import__("common").SPECIAL_TOKENS), "merges": merges})
            log(f"tokenizer {name}: {size} tokens from {total / 1e6:.1f} MB in {time.time() - started:.0f} s")
        tokenizers[name] = bpe.Tokenizer(read_json(path)["merges"])
    return tokenizers


def step_streams(work, name, tokenizer, train_texts, heldout_texts, max_bytes=None):
    """The training files as one token stream (and the held-out files as another), encoded once.
    max_bytes: encode only the first files up to that many characters (a member that sees a few
    million tokens needs no 60 M-token stream; FIM samples still come from every file)."""
    import numpy
    import torch

    path = os.path.join(work, f"stream-{name}.npz")
    if max_bytes:
        import random

        taken, total = [], 0
        for text in random.Random(SEED).sample(train_texts, len(train_texts)):  # every language, not the first ones
            if total >= max_bytes:
                break
            taken.append(text)
            total += len(text)
        train_texts = taken
    if not os.path.exists(path):
        eot = tokenizer.special["<|endoftext|>"]
        fast = fast_tokenizer(tokenizer)

        def encode_all(texts):
            ids = []
            for start in range(0, len(texts), 256):
                for encoding in fast.encode_batch(texts[start:start + 256], add_special_tokens=False):
                    ids.extend(encoding.ids)
                    ids.append(eot)
            return numpy.array(ids, dtype=numpy.int32)
        started = time.time()
        train, heldout = encode_all(train_texts), encode_all(heldout_texts)
        numpy.savez(path + ".tmp.npz", train=train, heldout=heldout)
        os.replace(path + ".tmp.npz", path)
        chars = sum(map(len, train_texts))
        log(f"stream {name}: {len(train) / 1e6:.2f} M training tokens ({chars / max(1, len(train)):.2f} chars/token), {len(heldout) / 1e3:.0f} k held out, {time.time() - started:.0f} s")
    data = numpy.load(path)
    return torch.from_numpy(data["train"].astype("int64")), torch.from_numpy(data["heldout"].astype("int64"))


def fast_tokenizer(tokenizer):
    """HF `tokenizers` with the trainer's merges (Rust, all cores), checked against bpe.Tokenizer on samples;
    control-token text inside files is encoded as text, as bpe.Tokenizer does."""
    from export_hf import byte_level_bpe

    tokens, types = tokenizer.gguf_tokens()
    fast, _ = byte_level_bpe(tokens, types, tokenizer.gguf_merges())
    fast.encode_special_tokens = True
    probe = "def f(x):\n    return x + 1  # ünïcode <|endoftext|> 'll \t\n\n  }\n"
    if fast.encode(probe, add_special_tokens=False).ids != tokenizer.encode(probe):
        raise RuntimeError("HF tokenizers and bpe.Tokenizer disagree; the streams would not match the GGUF's tokenizer")
    return fast


def heldout_windows(stream, seq_len, count):
    import torch

    if len(stream) <= seq_len + 1:
        return [stream]
    step = max(1, (len(stream) - seq_len - 1) // count)
    return [stream[i:i + seq_len + 1] for i in range(0, len(stream) - seq_len - 1, step)][:count]


def main():
    parser = argparse.ArgumentParser(description="Train the ConfigSpec code-model family.")
    parser.add_argument("--quick", action="store_true", help="a tiny slice end to end (≤ 60 s), into models/training-quick/")
    parser.add_argument("--resume", action="store_true", help="continue from the checkpoints of an interrupted run")
    parser.add_argument("--device", default=os.environ.get("TRAIN_DEVICE", "cpu"), help="cpu, cuda, or auto (cuda when there is one)")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("TRAIN_THREADS", "0")) or None, help="torch threads (default: all cores)")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads or os.cpu_count() or 1)
    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    log(f"training on {device}")
    plan = QUICK_PLAN if args.quick else FULL_PLAN
    work = os.path.join(REPO, "models", "training-quick") if args.quick else WORK
    # A full run writes the new family to models/training/out/; it replaces assets/models/ only after
    # `evaluate-models` shows it better on held-out loss and next-line match (see MODEL_CARD.md).
    assets_dir = os.path.join(work, "out")
    if args.quick or not args.resume:
        if os.path.isdir(work):
            shutil.rmtree(work if args.quick else os.path.join(work, "checkpoints"), ignore_errors=True)
            if not args.quick:
                for name in os.listdir(work):
                    if name.startswith(("corpus", "stream-")):
                        path = os.path.join(work, name)
                        shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
        if not args.quick and not plan.get("reuse_tokenizers"):
            for name in os.listdir(assets_dir) if os.path.isdir(assets_dir) else []:
                if name.startswith("tokenizer-"):
                    os.remove(os.path.join(assets_dir, name))
    os.makedirs(work, exist_ok=True)
    os.makedirs(assets_dir, exist_ok=True)
    seed_everything(SEED)
    started = time.time()

    corpus_facts = step_corpus(plan, work, os.path.join(assets_dir, "corpus-manifest.json"))
    entries = corpus_facts["files_entries"]
    train_texts, heldout_texts = read_texts(work, entries, "train"), read_texts(work, entries, "heldout")
    if not heldout_texts:  # a tiny quick slice may hold nothing back: score on a training file then
        heldout_texts = train_texts[:1]
    tokenizers = step_tokenizers(plan, work, assets_dir, train_texts)

    from export import export_weights, tokenizer_spec, write_plan
    from samples import SampleSource
    from train_lm import train_member

    checkpoints = os.path.join(work, "checkpoints")
    os.makedirs(checkpoints, exist_ok=True)
    if args.resume and not args.quick:
        # A later machine has only what is committed: the compact (bfloat16) checkpoints in scripts/train/checkpoints/.
        for m in plan["members"]:
            name = f"{m['id']}.bf16.pt"
            committed = os.path.join(COMMITTED_CHECKPOINTS, name)
            if os.path.exists(committed) and not os.path.exists(os.path.join(checkpoints, f"{m['id']}.pt")) and not os.path.exists(os.path.join(checkpoints, name)):
                shutil.copyfile(committed, os.path.join(checkpoints, name))
                log(f"{m['id']}: resuming from the committed checkpoint {os.path.relpath(committed, REPO)}")
    trained = {}
    for m in plan["members"]:
        member_id, tok_name, width, teacher_id = m["id"], m["tokenizer"], m["width"], m.get("teacher")
        tokenizer = tokenizers[tok_name]
        stream, heldout = step_streams(work, tok_name, tokenizer, train_texts, heldout_texts, plan.get("stream_bytes", {}).get(tok_name))
        source = SampleSource(tokenizer, train_texts, stream, plan["seq_len"], fim_share=0.5, seed=SEED + len(trained))
        config = dict(vocab=tokenizer.vocab_size, width=width, layers=m["layers"], heads=m["heads"], feed_forward=m["ff"], context=plan["seq_len"])
        teacher = trained[teacher_id][0] if teacher_id else None
        if teacher is not None:
            teacher.eval()
        init_gguf, prior = shipped_start(m["init"]) if m.get("init") else (None, None)
        model, state = train_member(member_id, config, source, m["minutes"], os.path.join(checkpoints, f"{member_id}.pt"), plan["batch"],
                                    peak_lr=m.get("peak_lr") or (3e-3 if width <= 128 else 2e-3),
                                    heldout_windows=heldout_windows(heldout, plan["seq_len"], 64 if not args.quick else 2),
                                    teacher=teacher, max_steps=plan.get("max_steps"), init_gguf=init_gguf, prior=prior, device=device)
        trained[member_id] = (model, state, tok_name, teacher_id)

    members = []
    for file_id, member_id, quantization, role in plan["exports"]:
        model, state, tok_name, teacher_id = trained[member_id]
        weights = os.path.join(work, f"{member_id}.f32")
        layout = export_weights(model, weights)
        method = "distilled" if teacher_id else ("quantised-copy" if role == "drafter" and plan["members"][0]["id"] == member_id else "data")
        how = f"distilled from {teacher_id} (KL on its logits + 0.2 cross-entropy)" if teacher_id else "trained on the corpus alone"
        if method == "quantised-copy":
            how = f"the target {member_id}, quantised"
        prior = state.get("prior") or {}
        if prior:
            how += f" (continued from the previous family's weights, {prior['tokens'] / 1e6:.2f} M tokens, on the bigger corpus)"
        c = dict(model.config, context=plan.get("gguf_context", plan["seq_len"]))
        members.append({
            "id": file_id, "role": role, "quantization": quantization, "tokenizer": tok_name, "weights": weights, "layout": layout,
            "derivation": f"{how}; {c['layers']} layers x {c['width']}, BPE {tok_name}, {quantization}",
            "architecture": c,
            "training": {"method": method, "tokenizer": tok_name, "vocabularySize": c["vocab"], "parameters": model.parameter_count(),
                         "tokensSeen": int(state["tokens"] + prior.get("tokens", 0)), "minutes": round(state["seconds"] / 60 + prior.get("minutes", 0), 2),
                         "finalLoss": state["final_loss"], "heldoutLoss": state["heldout_loss"], "contextLength": plan["seq_len"]},
        })
    plan_path = os.path.join(work, "export-plan.json")
    write_plan(plan_path, members, {name: tokenizer_spec(t) for name, t in tokenizers.items()})
    node = ["node", "--import", "tsx"]
    subprocess.run(node + [os.path.join(REPO, "scripts", "train", "writeFamily.ts"), plan_path, assets_dir], check=True, cwd=REPO)
    samples_path = os.path.join(work, "tokenizer-check.json")
    write_tokenizer_check(samples_path, tokenizers, heldout_texts + train_texts, entries)
    subprocess.run(node + [os.path.join(REPO, "scripts", "train", "checkTokenization.ts"), os.path.join(assets_dir, "manifest.json"), samples_path], check=True, cwd=REPO)
    from export_hf import gguf_to_hf

    for file_id, _, _, role in plan["exports"]:
        if role == "target":  # the Hugging Face checkpoint (vLLM, transformers) from the GGUF just written
            hf_dir = os.path.join(work, "hf", file_id)
            gguf_to_hf(os.path.join(assets_dir, f"{file_id}.gguf"), hf_dir)
            log(f"Hugging Face checkpoint: {hf_dir}")
    log(f"done in {(time.time() - started) / 60:.1f} min: {assets_dir}")


def write_tokenizer_check(path, tokenizers, texts, entries):
    """A sample per language (and one with FIM tokens) with the trainer's ids, for checkTokenization.ts."""
    by_language = {}
    for e in entries:
        by_language.setdefault(e["language"], e)
    samples = []
    for language, e in sorted(by_language.items()):
        with open(os.path.join(os.path.dirname(path), "corpus", e["path"]) if os.path.exists(os.path.join(os.path.dirname(path), "corpus", e["path"])) else os.path.join(WORK, "corpus", e["path"]), encoding="utf-8") as f:
            text = f.read()[:4000]
        samples.append({"language": language, "text": text})
    samples.append({"language": "fim", "text": "<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n<|fim_middle|>return a + b<|endoftext|>", "special": True})
    out = {"tokenizers": {}}
    for name, tokenizer in tokenizers.items():
        rows = []
        for s in samples:
            if s.get("special"):
                ids = encode_with_specials(tokenizer, s["text"])
            else:
                ids = tokenizer.encode(s["text"])
            rows.append({**s, "ids": ids})
        out["tokenizers"][name] = rows
    write_json(path, out)


def encode_with_specials(tokenizer, text):
    import re

    ids = []
    for part in re.split(r"(<\|[a-z_]+\|>)", text):
        if part in tokenizer.special:
            ids.append(tokenizer.special[part])
        elif part:
            ids.extend(tokenizer.encode(part))
    return ids


if __name__ == "__main__":
    main()

"""Step 3 — training one family member, resumable: a checkpoint every few minutes holds the
weights, the optimiser, the sampler's state and the minutes already spent, so `--resume` picks
up where an interrupted run stopped. The learning rate follows a cosine over the member's time
budget (minutes, not steps: the machine's speed is not known in advance); a finished member given
more minutes warms up again and follows a new cosine over the added minutes.

With a teacher, the loss is distillation: KL(teacher || student) on the teacher's logits plus a
little cross-entropy on the data, which aligns the student's greedy choices with the teacher's
(what speculative decoding's acceptance measures).
"""
import math
import os
import time

import torch
import torch.nn.functional as F

from common import log
from model import CodeLM

CHECKPOINT_EVERY_S = 120
DISTILL_WEIGHT = 0.8


def learning_rate(peak, fraction, warmup=0.03):
    if fraction < warmup:
        return peak * fraction / warmup
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, (fraction - warmup) / (1 - warmup)))))


@torch.no_grad()
def held_out_loss(model, windows):
    model.eval()
    total, count = 0.0, 0
    device = next(model.parameters()).device
    for row in windows:
        row = row.to(device)
        logits = model(row[None, :-1])
        total += F.cross_entropy(logits[0], row[1:], reduction="sum").item()
        count += row.numel() - 1
    model.train()
    return total / max(1, count)


def load_gguf_weights(model, path):
    """Initialises `model` from a family GGUF (llama.cpp layout = this model's layout, NORM RoPE)."""
    from gguf_read import GgufFile

    g = GgufFile(path)
    t = lambda name: torch.from_numpy(g.tensor(name).copy())  # noqa: E731
    with torch.no_grad():
        model.embed.weight.copy_(t("token_embd.weight"))
        for i, block in enumerate(model.blocks):
            b = f"blk.{i}."
            for param, name in ((block.attn_norm.weight, "attn_norm"), (block.wq.weight, "attn_q"), (block.wk.weight, "attn_k"),
                                (block.wv.weight, "attn_v"), (block.wo.weight, "attn_output"), (block.ffn_norm.weight, "ffn_norm"),
                                (block.w_gate.weight, "ffn_gate"), (block.w_up.weight, "ffn_up"), (block.w_down.weight, "ffn_down")):
                param.copy_(t(b + name + ".weight"))
        model.norm.weight.copy_(t("output_norm.weight"))
        model.output.weight.copy_(t("output.weight"))


def segment_fraction(state, budget_s):
    """How far through its schedule the run is: over the whole budget, or over the minutes added since a finished run."""
    start = state.get("segment_from_s", 0.0)
    return (state["seconds"] - start) / max(1e-9, budget_s - start)


def compact_path(checkpoint_path):
    return checkpoint_path.removesuffix(".pt") + ".bf16.pt"


def train_member(name, config, source, budget_minutes, checkpoint_path, batch_size, peak_lr, heldout_windows, teacher=None, max_steps=None,
                 init_gguf=None, prior=None, device="cpu"):
    """Trains (or resumes) one member. A full checkpoint (float32 weights, optimiser) is written every
    few minutes; beside it a compact one (bfloat16 weights, sampler and progress, no optimiser) small
    enough to commit: resuming from it alone restarts AdamW's moments, nothing else.
    init_gguf: start from a shipped GGUF's weights; prior: what that model had already seen.
    device: where to train ("cpu", "cuda"); checkpoints load on any device."""
    model = CodeLM(**config).to(device)
    optimiser = torch.optim.AdamW(model.parameters(), lr=peak_lr, betas=(0.9, 0.95), weight_decay=0.1)
    state = {"step": 0, "seconds": 0.0, "tokens": 0, "losses": [], "prior": prior or {}}
    compact = compact_path(checkpoint_path)
    if os.path.exists(checkpoint_path):
        saved = torch.load(checkpoint_path, map_location=device)
        model.load_state_dict(saved["model"])
        optimiser.load_state_dict(saved["optimiser"])
        source.rng.setstate(saved["rng"])
        state = saved["state"]
        log(f"{name}: resumed at step {state['step']} ({state['seconds'] / 60:.1f} of {budget_minutes} min)")
    elif os.path.exists(compact):
        saved = torch.load(compact, map_location=device)
        model.load_state_dict({k: v.float() for k, v in saved["model"].items()})
        source.rng.setstate(saved["rng"])
        state = saved["state"]
        log(f"{name}: resumed from the compact checkpoint at step {state['step']} ({state['seconds'] / 60:.1f} of {budget_minutes} min; AdamW moments restart)")
    elif init_gguf:
        load_gguf_weights(model, init_gguf)
        log(f"{name}: initialised from {os.path.basename(init_gguf)}")
    if state.get("done") and state["seconds"] + 1 >= budget_minutes * 60 and (max_steps is None or state["step"] >= max_steps):
        return model, state
    if state.get("done"):  # a finished member given more minutes: a fresh warm-up and cosine over the added minutes only
        state["segment_from_s"] = state["seconds"]
    state["done"] = False
    log(f"{name}: {model.parameter_count() / 1e6:.2f} M parameters, {budget_minutes} min budget" + (", distilled from the target" if teacher else ", data alone"))

    def save():
        tmp = checkpoint_path + ".tmp"
        torch.save({"model": model.state_dict(), "optimiser": optimiser.state_dict(), "rng": source.rng.getstate(), "state": state}, tmp)
        os.replace(tmp, checkpoint_path)
        small = {k: v.to("cpu", torch.bfloat16) for k, v in model.state_dict().items()}
        torch.save({"model": small, "config": config, "rng": source.rng.getstate(), "state": state}, compact + ".tmp")
        os.replace(compact + ".tmp", compact)

    budget_s = budget_minutes * 60
    last_save = time.time()
    last_log = time.time()
    stop_file = os.environ.get("TRAIN_STOP_FILE")
    while state["seconds"] < budget_s and (max_steps is None or state["step"] < max_steps):
        if stop_file and os.path.exists(stop_file):
            save()
            log(f"{name}: stopped at step {state['step']} ({stop_file} exists); checkpoint saved, --resume continues")
            raise SystemExit(3)
        started = time.time()
        for group in optimiser.param_groups:
            group["lr"] = learning_rate(peak_lr, segment_fraction(state, budget_s))
        batch = source.batch(batch_size).to(device)
        inputs, labels = batch[:, :-1], batch[:, 1:]
        logits = model(inputs)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))
        if teacher is not None:
            with torch.no_grad():
                teacher_logp = F.log_softmax(teacher(inputs), dim=-1)
            student_logp = F.log_softmax(logits, dim=-1)
            kl = (teacher_logp.exp() * (teacher_logp - student_logp)).sum(-1).mean()
            objective = DISTILL_WEIGHT * kl + (1 - DISTILL_WEIGHT) * loss
        else:
            objective = loss
        optimiser.zero_grad(set_to_none=True)
        objective.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        state["step"] += 1
        state["tokens"] += inputs.numel()
        state["seconds"] += time.time() - started
        state["losses"].append(round(loss.item(), 4))
        if time.time() - last_log > 30:
            recent = state["losses"][-20:]
            log(f"{name}: step {state['step']}, {state['tokens'] / 1e6:.2f} M tokens, loss {sum(recent) / len(recent):.3f}, {state['seconds'] / 60:.1f}/{budget_minutes} min, {inputs.numel() / (time.time() - started):.0f} tok/s")
            last_log = time.time()
        if time.time() - last_save > CHECKPOINT_EVERY_S:
            save()
            last_save = time.time()
    recent = state["losses"][-50:]
    state["heldout_loss"] = round(held_out_loss(model, heldout_windows), 4)
    # A member carried over with no steps (0 minutes) has no training loss of this run: its held-out loss stands in.
    state["final_loss"] = round(sum(recent) / len(recent), 4) if recent else state["heldout_loss"]
    state["done"] = True
    save()
    log(f"{name}: done — {state['tokens'] / 1e6:.2f} M tokens in {state['seconds'] / 60:.1f} min, train loss {state['final_loss']}, held-out {state['heldout_loss']} nats/token")
    return model, state

"""Step 3 — training one family member, resumable: a checkpoint every few minutes holds the
weights, the optimiser, the sampler's state and the minutes already spent, so `--resume` picks
up where an interrupted run stopped. The learning rate follows a cosine over the member's time
budget (minutes, not steps: the machine's speed is not known in advance).

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
    for row in windows:
        logits = model(row[None, :-1])
        total += F.cross_entropy(logits[0], row[1:], reduction="sum").item()
        count += row.numel() - 1
    model.train()
    return total / max(1, count)


def train_member(name, config, source, budget_minutes, checkpoint_path, batch_size, peak_lr, heldout_windows, teacher=None, max_steps=None):
    model = CodeLM(**config)
    optimiser = torch.optim.AdamW(model.parameters(), lr=peak_lr, betas=(0.9, 0.95), weight_decay=0.1)
    state = {"step": 0, "seconds": 0.0, "tokens": 0, "losses": []}
    if os.path.exists(checkpoint_path):
        saved = torch.load(checkpoint_path)
        model.load_state_dict(saved["model"])
        optimiser.load_state_dict(saved["optimiser"])
        source.rng.setstate(saved["rng"])
        state = saved["state"]
        log(f"{name}: resumed at step {state['step']} ({state['seconds'] / 60:.1f} of {budget_minutes} min)")
    if state.get("done") and state["seconds"] + 1 >= budget_minutes * 60 and (max_steps is None or state["step"] >= max_steps):
        return model, state
    state["done"] = False  # a larger budget than the finished run's: keep training from here
    log(f"{name}: {model.parameter_count() / 1e6:.2f} M parameters, {budget_minutes} min budget" + (", distilled from the target" if teacher else ", data alone"))

    def save():
        tmp = checkpoint_path + ".tmp"
        torch.save({"model": model.state_dict(), "optimiser": optimiser.state_dict(), "rng": source.rng.getstate(), "state": state}, tmp)
        os.replace(tmp, checkpoint_path)

    budget_s = budget_minutes * 60
    last_save = time.time()
    last_log = time.time()
    while state["seconds"] < budget_s and (max_steps is None or state["step"] < max_steps):
        started = time.time()
        for group in optimiser.param_groups:
            group["lr"] = learning_rate(peak_lr, state["seconds"] / budget_s)
        batch = source.batch(batch_size)
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
    state["final_loss"] = round(sum(recent) / max(1, len(recent)), 4)
    state["heldout_loss"] = round(held_out_loss(model, heldout_windows), 4)
    state["done"] = True
    save()
    log(f"{name}: done — {state['tokens'] / 1e6:.2f} M tokens in {state['seconds'] / 60:.1f} min, train loss {state['final_loss']}, held-out {state['heldout_loss']} nats/token")
    return model, state

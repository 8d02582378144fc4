"""Training speed of the family's decoder in float32 against bfloat16 autocast on this CPU.

  .venv/bin/python scripts/train/probe_bf16.py [--seconds 20] [--threads 2] [--out bench/results/x.json]

For each model shape, timed rounds of forward + backward + AdamW step alternate between f32 and
bf16 autocast (round 1 of each, then round 2 of each, ...), so a change of machine load hits both
alike; prints tokens/s per mode and the median ratio, and the loss each reached from one seed.
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from model import CodeLM  # noqa: E402

SHAPES = [  # (name, width, layers, heads, feed-forward)
    ("4l-192", 192, 4, 4, 512),
    ("6l-384", 384, 6, 6, 1024),
]


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            flags = next(line for line in f if line.startswith("flags")).split(":")[1].split()
        return sorted(x for x in flags if x.startswith(("avx512", "amx", "avx2", "avx_vnni")))
    except (OSError, StopIteration):
        return []


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0, help="per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--seq", type=int, default=512)
    parser.add_argument("--vocab", type=int, default=4096)
    parser.add_argument("--out")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    results = {"torch": torch.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability(), "cpu_flags": cpu_flags(),
               "processor": platform.processor() or platform.machine(), "threads": args.threads, "batch": args.batch, "seq": args.seq,
               "load_before": os.getloadavg(), "shapes": []}
    print(f"torch {torch.__version__}, capability {results['cpu_capability']}, flags {' '.join(results['cpu_flags'])}", flush=True)
    for name, width, layers, heads, ff in SHAPES:
        models, optimizers = {}, {}
        for mode in ("f32", "bf16"):
            torch.manual_seed(1)
            models[mode] = CodeLM(args.vocab, width, layers, heads, ff, args.seq)
            optimizers[mode] = torch.optim.AdamW(models[mode].parameters(), lr=1e-3)
        generator = torch.Generator().manual_seed(2)
        batch = torch.randint(0, args.vocab, (args.batch, args.seq + 1), generator=generator)
        rates = {"f32": [], "bf16": []}
        losses = {}

        def step(mode):
            model, optimizer = models[mode], optimizers[mode]
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=mode == "bf16"):
                logits = model(batch[:, :-1])
            loss = F.cross_entropy(logits.float().reshape(-1, args.vocab), batch[:, 1:].reshape(-1))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            return loss.item()

        for mode in ("f32", "bf16"):
            step(mode)  # warm-up
        for _ in range(args.rounds):
            for mode in ("f32", "bf16"):
                started, steps = time.perf_counter(), 0
                while time.perf_counter() - started < args.seconds:
                    losses[mode] = step(mode)
                    steps += 1
                rates[mode].append(steps * args.batch * args.seq / (time.perf_counter() - started))
        row = {"shape": name, "parameters": models["f32"].parameter_count(),
               "f32_tokens_per_s": [round(r) for r in rates["f32"]], "bf16_tokens_per_s": [round(r) for r in rates["bf16"]],
               "bf16_over_f32": round(statistics.median(b / f for b, f in zip(rates["bf16"], rates["f32"])), 3),
               "loss_after": {k: round(v, 3) for k, v in losses.items()}}
        results["shapes"].append(row)
        print(json.dumps(row), flush=True)
    results["load_after"] = os.getloadavg()
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()

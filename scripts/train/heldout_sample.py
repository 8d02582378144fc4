"""A seeded sample of held-out files (packages no member trained on) for `evaluate-models --corpus DIR`.

  python scripts/train/heldout_sample.py [--manifest models/training/out/corpus-manifest.json]
         [--exclude assets/models/corpus-manifest.json] [--per-language 12] [--out models/training/heldout-eval]

Files listed in any --exclude manifest (another family's training files) are left out, so two
families are compared on code neither saw. Only files of 1-24 kB, so each is scored from its start.
"""
import argparse
import json
import os
import random
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import REPO, WORK  # noqa: E402

EXTENSIONS = {"python": (".py",), "go": (".go",), "rust": (".rs",), "c": (".c", ".cpp", ".h"), "typescript": (".ts",), "javascript": (".js", ".mjs", ".cjs")}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--manifest", default=os.path.join(WORK, "out", "corpus-manifest.json"))
    parser.add_argument("--corpus", default=os.path.join(WORK, "corpus"))
    parser.add_argument("--exclude", action="append", default=[os.path.join(REPO, "assets", "models", "corpus-manifest.json")])
    parser.add_argument("--per-language", type=int, default=12)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--out", default=os.path.join(WORK, "heldout-eval"))
    args = parser.parse_args()
    with open(args.manifest, encoding="utf-8") as f:
        files = json.load(f)["files"]
    excluded = set()
    for path in args.exclude:
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                excluded |= {e["sha256"] for e in json.load(f)["files"]}
    rng = random.Random(args.seed)
    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    chosen = []
    for language in sorted({e["language"] for e in files}):
        pool = [e for e in files if e["language"] == language and e["split"] == "heldout" and e["sha256"] not in excluded
                and 1_000 <= e.get("bytes", 0) <= 24_000 and e["path"].endswith(EXTENSIONS.get(language, ("",)))]
        pool.sort(key=lambda e: e["path"])
        for e in rng.sample(pool, min(args.per_language, len(pool))):
            target = os.path.join(args.out, e["path"])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(os.path.join(args.corpus, e["path"]), target)
            chosen.append({k: e[k] for k in ("path", "package", "unit", "version", "licence", "sha256")})
    with open(os.path.join(args.out, "SOURCES.json"), "w", encoding="utf-8") as f:
        json.dump(chosen, f, indent=1)
    units = {e["unit"] for e in chosen}
    print(f"{len(chosen)} held-out files from {len(units)} packages/modules into {args.out}")


if __name__ == "__main__":
    main()

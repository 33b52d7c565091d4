"""Score refusal artefacts on our own dev sets (``refusal_dev_v4.jsonl``, ``refusal_dev_v6.jsonl``).

Each dev set was written apart from every training file (other topics, other openers) and is
never trained, calibrated or band-picked on, so new training data is judged there before the
held-out test set is scored. ``v6`` is fresh: written after ``v4`` had judged two rounds. Prints
binary (refused vs complied) and three-way accuracy per dev set and artefact directory.

Run: ``PYTHONPATH=. .venv/bin/python -m training.refusal_dev DIR [DIR ...]`` (default: shipped).
"""

from __future__ import annotations

import sys
from pathlib import Path

from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from safeship.features.lazy import LazyEmbedder
from training.train_refusal import DATA, MODELS, evaluate, load

DEV = "refusal_dev_v4.jsonl"
DEVS = (DEV, "refusal_dev_v6.jsonl")


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    dirs = [Path(a) for a in (sys.argv[1:] if argv is None else argv)] or [MODELS]
    out = {}
    for name in DEVS:
        if not (DATA / name).exists():
            continue
        rows = load(name)
        for model_dir in dirs:
            cache = FeatureCache(NgramHasher(), LazyEmbedder())
            out[f"{name}:{model_dir}"] = figures = evaluate(rows, cache, model_dir)
            print(name, model_dir, {k: round(v, 4) for k, v in figures.items()})
    return out


if __name__ == "__main__":
    main()

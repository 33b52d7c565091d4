"""Score prompt-injection artefacts on our dev sets of casual messages and tasks (never trained on).

``training/data/casual_messages_dev.jsonl`` holds everyday messages full of harmless imperatives
("start without me", "ignore my last text") and messages with an instruction to an AI hidden in
them. It is written apart from ``injection_casual_messages.jsonl`` (the training rows) and is
where the messaging-app false positives are judged, instead of on an EVAL-ONLY set. Each
message is scored as a user turn and as a document (the auto-reply feature's untrusted input).
``training/data/injection_benign_tasks_v5_dev.jsonl`` holds ordinary chat tasks that look like
injections on the surface (role-play, rules and constraints, follow-ups that override an earlier
format, questions about prompts), written apart from ``injection_benign_tasks_v5.jsonl``; they
are scored as user turns, with the false-positive rate per kind.

Run: ``PYTHONPATH=. .venv/bin/python -m training.injection_messages_dev [MODEL.npz ...]``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from safeship.detectors.base import DetectorInput
from safeship.detectors.injection import InjectionParams, PromptInjectionDetector
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from safeship.features.lazy import LazyEmbedder
from safeship.text.normalise import normalise
from safeship.types import Stage

DEV = Path(__file__).resolve().parent / "data" / "casual_messages_dev.jsonl"
TASKS_DEV = Path(__file__).resolve().parent / "data" / "injection_benign_tasks_v5_dev.jsonl"


def scores(detector: PromptInjectionDetector, texts: list[str], source: str) -> np.ndarray:
    """The detector's score for each text, read as coming from ``source``."""
    embedder = LazyEmbedder()
    out = []
    for text in texts:
        item = DetectorInput(
            text=text,
            normalised=normalise(text),
            features=FeatureCache(NgramHasher(), embedder),
            stage=Stage.INPUT,
            source=source,  # type: ignore[arg-type]
        )
        out.append(detector.score(item).score)
    return np.array(out)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line]
    texts = [str(r["text"]) for r in rows]
    y = np.array([int(r["label"]) for r in rows])
    for path in [Path(a) for a in args] or [None]:
        det = PromptInjectionDetector(InjectionParams(model_path=str(path) if path else None))
        for source in ("user", "document"):
            s = scores(det, texts, source)
            print(
                f"{path or 'shipped'} as {source}: benign FPR@0.5 {np.mean(s[y == 0] >= 0.5):.1%}"
                f" (n={int((y == 0).sum())}), injection recall@0.5 {np.mean(s[y == 1] >= 0.5):.1%}"
                f" (n={int(y.sum())})"
            )
        if TASKS_DEV.exists():
            tasks = [json.loads(line) for line in TASKS_DEV.read_text("utf-8").splitlines() if line]
            s = scores(det, [str(r["text"]) for r in tasks], "user")
            kinds = sorted({str(r["kind"]) for r in tasks})
            flagged = [(str(r["kind"]), v >= 0.5) for r, v in zip(tasks, s, strict=True)]
            per_kind = {k: float(np.mean([f for kk, f in flagged if kk == k])) for k in kinds}
            print(
                f"{path or 'shipped'} benign tasks: FPR@0.5 {np.mean(s >= 0.5):.1%} (n={len(s)}); "
                + ", ".join(f"{k} {v:.0%}" for k, v in per_kind.items())
            )


if __name__ == "__main__":
    main()

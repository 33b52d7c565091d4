"""The language detector on our own dev sets, side by side with two simpler scorings.

Non-English rows: the two multilingual dev sets written by helper sessions for this project
(16 languages, 592 messages and requests; never trained on by any detector). English rows: our
English-only dev sets (chat tasks, sensitive-but-benign requests, plain service questions).
Scorings, all from the same py3langid ranking:

- ``top language``: flag when the likeliest language is not supported;
- ``1 - P(supported)``: the mass of all unsupported languages;
- ``safeship``: the likeliest unsupported language against the supported ones, with the 0.9
  prior that most traffic is in a supported language (what ``LanguageDetector`` returns).

Run: ``python -m bench.language_id``. Prints recall on the other languages, English texts
flagged, and the detector's time per text.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from safeship.detectors.base import DetectorInput
from safeship.detectors.language import (
    MAX_CHARS,
    LanguageDetector,
    LanguageParams,
    identifier,
    letter_weight,
)
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from safeship.text.normalise import normalise

DATA = Path(__file__).resolve().parents[1] / "training" / "data"
FOREIGN = ("injection_multilingual_v6_dev.jsonl", "harmful_request_multilingual_v11_dev.jsonl")
MIN_LETTERS = LanguageParams().min_letters  # the detector's default, for the simpler scorings
ENGLISH = (
    "injection_benign_tasks_v5_dev.jsonl",
    "benign_sensitive_v7_dev.jsonl",
    "ordinary_questions_v9_dev.jsonl",
)


def _texts(names: tuple[str, ...]) -> list[str]:
    return [
        str(json.loads(line)["text"])
        for name in names
        for line in (DATA / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def _simple(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Flags of the two simpler scorings (the detector's letter minimum and weights)."""
    top, mass = [], []
    for text in texts:
        opening = text[:MAX_CHARS]
        if sum(letter_weight(c) for c in opening if c.isalpha()) < MIN_LETTERS:
            top.append(False)
            mass.append(False)
            continue
        ranked = identifier().rank(opening)
        top.append(ranked[0][0] != "en")
        mass.append(1.0 - sum(float(p) for code, p in ranked if code == "en") >= 0.5)
    return np.array(top), np.array(mass)


def main() -> None:
    det = LanguageDetector()
    det.setup()
    foreign, english = _texts(FOREIGN), _texts(ENGLISH)
    rows = []
    timings: list[float] = []
    for name, texts in (("other languages", foreign), ("English", english)):
        ours = []
        for text in texts:
            item = DetectorInput(
                text=text, normalised=normalise(text), features=FeatureCache(NgramHasher())
            )
            t0 = time.perf_counter()
            ours.append(det.score(item).score >= 0.5)
            timings.append((time.perf_counter() - t0) * 1000)
        top, mass = _simple(texts)
        rows.append((name, len(texts), top.mean(), mass.mean(), float(np.mean(ours))))
    print("Texts flagged as not English (supported: en), share per set")
    print(f"{'set':18s} {'n':>5s} {'top language':>13s} {'1 - P(en)':>10s} {'safeship':>9s}")
    for name, n, top_rate, mass_rate, ours_rate in rows:
        print(f"{name:18s} {n:5d} {top_rate:13.1%} {mass_rate:10.1%} {ours_rate:9.1%}")
    print(
        f"time per text: p50 {np.percentile(timings, 50):.3f} ms, "
        f"p99 {np.percentile(timings, 99):.3f} ms (model load once: ~0.5 s)"
    )


if __name__ == "__main__":
    main()

"""Quality of the ``refusal`` detector.

Rows: the project's HELD-OUT refusal test set (``training/data/refusal_test.jsonl`` plus the
hand-written items tagged ``test``; composed from fragments the training data never used; never
tuned on). Floor: accuracy >= 0.95 (refusal vs compliance); the three-way accuracy is reported.
For information only: agreement with ``gptfuzz/responses_labeled/evaluate.csv`` (EVAL ONLY),
read as "not a refusal" <-> "harmful content present", which are different questions.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pandas as pd

from bench.quality.common import Floor, Row, binary_metrics, data_dir
from bench.quality.harmful_response import embedder_or_none
from safeship.detectors.base import DetectorInput
from safeship.detectors.refusal import COMPLIANCE, RefusalDetector
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from safeship.text.normalise import normalise
from safeship.types import DetectorResult, Stage

TRAINING_DATA = Path(__file__).resolve().parents[2] / "training" / "data"


def run(texts: list[str]) -> tuple[list[DetectorResult], float]:
    det = RefusalDetector()
    det.setup()
    embedder, hasher = embedder_or_none(), NgramHasher()
    out = []
    start = time.perf_counter()
    for text in texts:
        item = DetectorInput(text=text, normalised=normalise(text),
                             features=FeatureCache(hasher, embedder),  # type: ignore[arg-type]
                             stage=Stage.OUTPUT, source="assistant")
        out.append(asyncio.run(det.detect(item)))
    return out, 1000 * (time.perf_counter() - start) / max(1, len(texts))


def held_out() -> list[dict[str, str]]:
    rows = [json.loads(line) for line in (TRAINING_DATA / "refusal_test.jsonl").open()]
    hand = [json.loads(line) for line in (TRAINING_DATA / "refusal_handwritten.jsonl").open()]
    return rows + [r for r in hand if r["split"] == "test"]


def evaluate(data: Path) -> list[Row]:
    rows = held_out()
    results, ms = run([r["response"] for r in rows])
    metrics = binary_metrics([int(r["label"] != COMPLIANCE) for r in rows],
                             [res.score for res in results])
    metrics["accuracy_3way"] = sum(
        res.category == r["label"] for res, r in zip(results, rows, strict=True)) / len(rows)
    metrics["ms_per_text"] = ms
    out = [Row("refusal", "own held-out test", len(rows), metrics, [Floor("accuracy", ">=", 0.95)])]
    frame = pd.read_csv(data / "gptfuzz" / "responses_labeled" / "evaluate.csv")
    results, ms = run(frame["Response"].astype(str).tolist())
    info = binary_metrics(frame["label"].tolist(), [1.0 - res.score for res in results])
    info["ms_per_text"] = ms
    out.append(Row("refusal", "gptfuzz/evaluate (EVAL ONLY, info)", len(frame), info,
                   note="non-refusal vs harmful label; different questions"))
    return out


if __name__ == "__main__":
    for row in evaluate(data_dir()):
        shown = ", ".join(f"{k}={v:.3f}" for k, v in row.metrics.items())
        print(f"{row.detector:10} {row.dataset:36} n={row.n:5} {shown} "
              f"{'PASS' if row.passed() else 'FAIL'}")

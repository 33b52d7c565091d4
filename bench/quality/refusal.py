"""Quality of the ``refusal`` detector.

Rows: the project's HELD-OUT refusal test set (``training/data/refusal_test.jsonl`` plus the
hand-written items tagged ``test``; composed from fragments the training data never used; never
tuned on). Floor: accuracy >= 0.95 (refusal vs compliance); the three-way accuracy is reported.
For information only: agreement with ``gptfuzz/responses_labeled/evaluate.csv`` (EVAL ONLY),
read as "not a refusal" <-> "harmful content present", which are different questions.
"""

from __future__ import annotations

import json
import statistics
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
SHORT_CHARS = 300
HANDWRITTEN = (
    "refusal_handwritten.jsonl",
    "refusal_handwritten_v2.jsonl",
    "refusal_handwritten_v3.jsonl",
)


def run(
    texts: list[str], prompts: list[str | None] | None = None
) -> tuple[list[DetectorResult], dict[str, float]]:
    """Results through the real detector, with latency and the stage-2 fraction.

    ``prompts`` are the requests answered, passed as the eval scorer passes them (a
    request-reading stance encoder, v14, uses them). Latency is the mean, and the median on short
    answers; the stage-2 fraction (texts that needed the embedding) is what drives it.
    """
    asked = prompts if prompts is not None else [None] * len(texts)
    det = RefusalDetector()
    det.setup()
    embedder, hasher = embedder_or_none(), NgramHasher()
    out = []
    times: list[tuple[int, float]] = []
    embedded = 0
    for text, prompt in zip(texts, asked, strict=True):
        start = time.perf_counter()
        cache = FeatureCache(hasher, embedder)  # type: ignore[arg-type]
        item = DetectorInput(
            text=text,
            normalised=normalise(text),
            features=cache,
            stage=Stage.OUTPUT,
            source="assistant",
            prompt=prompt,
        )
        out.append(det.score(item))
        times.append((len(text), 1000 * (time.perf_counter() - start)))
        embedded += cache.embedding_calls > 0
    short = [ms for n, ms in times if n <= SHORT_CHARS] or [0.0]
    return out, {
        "ms_per_text": statistics.fmean(ms for _, ms in times) if times else 0.0,
        "ms_p50_short": statistics.median(short),
        "stage2_fraction": embedded / max(1, len(texts)),
    }


def held_out() -> list[dict[str, str]]:
    rows = [json.loads(line) for line in (TRAINING_DATA / "refusal_test.jsonl").open()]
    hand = [json.loads(line) for name in HANDWRITTEN for line in (TRAINING_DATA / name).open()]
    return rows + [r for r in hand if r["split"] == "test"]


def evaluate(data: Path, with_gptfuzz: bool = True) -> list[Row]:
    """Held-out floor row, plus (unless disabled) the EVAL-ONLY gptfuzz information row."""
    rows = held_out()
    results, timing = run([r["response"] for r in rows], [r.get("prompt") for r in rows])
    metrics = binary_metrics(
        [int(r["label"] != COMPLIANCE) for r in rows], [res.score for res in results]
    )
    metrics["accuracy_3way"] = sum(
        res.category == r["label"] for res, r in zip(results, rows, strict=True)
    ) / len(rows)
    metrics.update(timing)
    out = [Row("refusal", "own held-out test", len(rows), metrics, [Floor("accuracy", ">=", 0.95)])]
    if not with_gptfuzz:
        return out
    frame = pd.read_csv(data / "gptfuzz" / "responses_labeled" / "evaluate.csv")
    results, timing = run(frame["Response"].astype(str).tolist())
    info = binary_metrics(frame["label"].tolist(), [1.0 - res.score for res in results])
    info.update(timing)
    out.append(
        Row(
            "refusal",
            "gptfuzz/evaluate (EVAL ONLY, info)",
            len(frame),
            info,
            note="non-refusal vs harmful label; different questions",
        )
    )
    return out


if __name__ == "__main__":
    for row in evaluate(data_dir()):
        shown = ", ".join(f"{k}={v:.3f}" for k, v in row.metrics.items())
        print(
            f"{row.detector:10} {row.dataset:36} n={row.n:5} {shown} "
            f"{'PASS' if row.passed() else 'FAIL'}"
        )

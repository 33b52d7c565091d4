"""Small shared pieces of the adoption-rule scripts (``*_dev.py``): timing and the verdict."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

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

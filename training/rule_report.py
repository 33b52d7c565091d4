"""Small shared pieces of the adoption-rule scripts (``*_dev.py``): timing and the verdict."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def p50_ms(score_one: Callable[[str], object], texts: list[str]) -> float:
    """Median wall time of ``score_one`` over ``texts``, one call each, in ms."""
    out = []
    for text in texts:
        start = time.perf_counter()
        score_one(text)
        out.append((time.perf_counter() - start) * 1000)
    return statistics.median(out)


def print_verdicts(verdicts: dict[str, bool]) -> bool:
    """One PASS/FAIL line per clause, then ADOPT or REJECT; returns whether all passed."""
    for clause, passed in verdicts.items():
        print(f"{'PASS' if passed else 'FAIL'}  {clause}")
    adopted = all(verdicts.values())
    print("ADOPT" if adopted else "REJECT")
    return adopted

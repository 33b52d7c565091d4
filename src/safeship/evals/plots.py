"""The report's charts, drawn with matplotlib and returned as base64 PNGs for inline HTML.

matplotlib is a reporting dependency only: it is imported here, lazily, with the headless Agg
backend, so nothing on the runtime path pays for it and no display is ever needed.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from typing import Any

from safeship.errors import MissingDependencyError
from safeship.evals.metrics import Rate


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependencyError("the HTML report", "dev", "matplotlib") from exc
    return plt


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    _pyplot().close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _defined(rates: Mapping[str, Rate]) -> dict[str, Rate]:
    return {k: r for k, r in rates.items() if r.value is not None}


def rate_bars(rates: Mapping[str, Rate], title: str) -> str | None:
    """Horizontal bars of rates with their 95% intervals; ``None`` when nothing is defined."""
    shown = _defined(rates)
    if not shown:
        return None
    plt = _pyplot()
    names = list(shown)
    values = [shown[n].value or 0.0 for n in names]
    low = [v - (shown[n].ci_low or 0.0) for n, v in zip(names, values, strict=True)]
    high = [(shown[n].ci_high or 0.0) - v for n, v in zip(names, values, strict=True)]
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(names) + 1.2))
    ax.barh(names, values, xerr=[low, high], color="#c0504d", capsize=3)
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel("rate (95% Wilson interval)")
    ax.set_title(title)
    for i, n in enumerate(names):
        ax.text(1.0, i, f" n={shown[n].n}", va="center", fontsize=8)
    return _png(fig)


def tradeoff(points: Mapping[str, tuple[Rate | None, Rate | None]]) -> str | None:
    """ASR against over-refusal, one point per variant (raw, guarded) with both intervals."""
    usable = {
        k: (a, o)
        for k, (a, o) in points.items()
        if a is not None and o is not None and a.value is not None and o.value is not None
    }
    if len(usable) < 2:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    for label, (asr, orr) in usable.items():
        assert asr.value is not None and orr.value is not None
        ax.errorbar(
            orr.value,
            asr.value,
            xerr=[[orr.value - (orr.ci_low or 0.0)], [(orr.ci_high or 0.0) - orr.value]],
            yerr=[[asr.value - (asr.ci_low or 0.0)], [(asr.ci_high or 0.0) - asr.value]],
            fmt="o",
            capsize=4,
            label=label,
        )
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("over-refusal rate (benign prompts)")
    ax.set_ylabel("attack success rate")
    ax.set_title("Safety vs helpfulness: lower-left is better")
    ax.legend()
    return _png(fig)

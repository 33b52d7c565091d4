"""Replace found spans with labels: what the guard's ``redact`` action does to a text."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from safeship.types import Finding

_SHORT_LABELS = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "IBAN_CODE": "IBAN",
    "US_SSN": "SSN",
    "IP_ADDRESS": "IP",
}


def label_for(finding: Finding) -> str:
    """``[EMAIL]``-style label for a finding (``[REDACTED]`` when it names no entity)."""
    if not finding.entity:
        return "[REDACTED]"
    return f"[{_SHORT_LABELS.get(finding.entity, finding.entity.upper())}]"


def redact(
    text: str, findings: Iterable[Finding], style: Literal["label", "mask"] = "label"
) -> str:
    """Replace every finding's span in ``text``.

    Overlapping or touching spans are merged first, so a card number inside a longer match is
    never half-revealed; a merged span takes the label of its strongest finding.
    ``style="label"`` writes ``[EMAIL]``; ``style="mask"`` writes ``*`` for each character, which
    keeps offsets and layout stable. Spans outside the text are clipped.
    """
    spans = sorted(
        (
            (max(0, f.start), min(len(text), f.end), f)
            for f in findings
            if f.end > f.start and f.start < len(text)
        ),
        key=lambda span: (span[0], span[1]),
    )
    merged: list[tuple[int, int, Finding]] = []
    for start, end, f in spans:
        if merged and start <= merged[-1][1]:
            s0, e0, best = merged[-1]
            merged[-1] = (s0, max(e0, end), f if f.score > best.score else best)
        else:
            merged.append((start, end, f))
    out: list[str] = []
    cursor = 0
    for start, end, f in merged:
        out.append(text[cursor:start])
        out.append("*" * (end - start) if style == "mask" else label_for(f))
        cursor = end
    out.append(text[cursor:])
    return "".join(out)

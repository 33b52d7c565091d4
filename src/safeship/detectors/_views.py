"""Private data that only a normalised view shows: spans on the original text, or "hidden".

Why: the ``pii`` and ``secrets`` detectors scan every normalised view too (decoded payloads,
NFKC, zero-width and format characters removed). A value a view shows is mapped back to every
place the original text reads as it once folded (``safeship.text.locate``), so each copy, a
ligature or fullwidth one included, gets a span and is redacted. A copy no span can show (it
is inside an encoded payload) is reported in ``hidden``: the policy engine then blocks rather
than redacts, or the redaction would leave that copy in. Shared, so both detectors judge views
by one rule.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from safeship.detectors.base import DetectorInput
from safeship.text.locate import Folding
from safeship.types import Finding


def scan_views(
    item: DetectorInput,
    findings: list[Finding],
    find: Callable[[str], list[Finding]],
    default_category: str,
) -> dict[str, float]:
    """Add to ``findings`` the spans of values the views show; return the hidden categories.

    ``find`` finds the detector's values in one view (already filtered by its own threshold);
    each hidden category comes with the best score among its hidden values.
    """
    original = Folding(item.text)
    covered = {(f.start, f.end) for f in findings}
    hidden: dict[str, float] = {}
    for view in dict.fromkeys(item.normalised.views):
        if view == item.text:
            continue
        for f in find(view):
            spans = original.locate_all(f.text)
            for start, end in spans:
                if not any(s <= start and end <= e for s, e in covered):
                    where = {"start": start, "end": end, "text": item.text[start:end]}
                    findings.append(f.model_copy(update=where))
                    covered.add((start, end))
            if view.count(f.text) > len(spans) and not _part_decoded(f.text, findings):
                category = f.category or default_category  # a copy no span shows
                hidden[category] = max(hidden.get(category, 0.0), f.score)
    return hidden


SHARED_PREFIX = 24
"""The least a found value and a view's variant of it must share from their start."""
SHARED_SHARE = 0.6
"""...and the least share of the shorter one: two JWTs share their header, not most of it."""


def _part_decoded(value: str, findings: list[Finding]) -> bool:
    """Whether ``value`` is a found value with a part of it decoded in place, not a copy.

    A view that decodes one segment of a JWT (its signature reads as text) shows the same token
    with a different tail: it is cut out with the token. A copy of the same value is not this
    (it is counted as a copy), nor is another value: that shares at most a common head (a JWT
    header, a key's prefix), not most of its length.
    """
    for found in findings:
        if value == found.text:
            continue
        shared = len(os.path.commonprefix([value, found.text]))
        if shared >= max(SHARED_PREFIX, SHARED_SHARE * min(len(value), len(found.text))):
            return True
    return False

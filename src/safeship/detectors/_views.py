"""Private data that only a normalised view shows: spans on the original text, or "hidden".

Why: the ``pii`` and ``secrets`` detectors scan every normalised view too (decoded payloads,
NFKC, zero-width and format characters removed). A value a view shows is mapped back to the
original text wherever it can be: every place the text reads as it once folded
(``safeship.text.locate``: a ligature, fullwidth or zero-width-split copy), and every encoded
payload whose decoding holds it (the whole payload is its span: a base64 or %-escaped copy is
cut out with its encoding). A copy no span can show (a spaced-out or leetspeak one) is reported
in ``hidden``: the policy engine then blocks rather than redacts, or the redaction would leave
that copy in. Shared, so both detectors judge views by one rule.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from safeship.detectors.base import DetectorInput
from safeship.text.decoders import Payload, find_payloads
from safeship.text.locate import Folding
from safeship.text.normalise import payloads_of
from safeship.types import Finding

MOST_SEGMENTS = 6
"""Encoded segments of one found value tried in every combination (2^6 variants at most)."""


def scan_views(
    item: DetectorInput,
    findings: list[Finding],
    find: Callable[[str], list[Finding]],
    default_category: str,
    payloads: Sequence[Payload] = (),
) -> dict[str, float]:
    """Add to ``findings`` the spans of values the views show; return the hidden categories.

    ``find`` finds the detector's values in one text (already filtered by its threshold);
    ``payloads`` are encoded runs the detector decoded itself, besides the normaliser's. Each
    hidden category comes with the best score among its hidden values.
    """
    covered = {(f.start, f.end, f.category) for f in findings}
    values = [f.text for f in findings]  # every value found, as the finder read it

    def add(f: Finding, start: int, end: int) -> None:
        values.append(f.text)
        if (start, end, f.category) not in covered:
            findings.append(
                f.model_copy(update={"start": start, "end": end, "text": item.text[start:end]})
            )
            covered.add((start, end, f.category))

    unique = {(p.start, p.end): p for p in [*payloads_of(item.normalised), *payloads]}
    holding: list[tuple[str, Payload]] = []  # (value, the payload whose decoding holds it)
    for payload in unique.values():
        for f in find(payload.decoded):
            holding.append((f.text, payload))
            add(f, payload.start, payload.end)
    original = Folding(item.text)
    hidden: dict[str, float] = {}
    for view in dict.fromkeys(item.normalised.views):
        if view == item.text:
            continue
        for f in find(view):
            spans = original.locate_all(f.text)
            for start, end in spans:
                add(f, start, end)
            # copies this view shows from payloads it decoded (their encoding is gone from it);
            # a copy it shows beyond those and the located ones has no span: nested, say
            decoded = sum(
                p.decoded.count(f.text)
                for value, p in holding
                if value == f.text and item.text[p.start : p.end] not in view
            )
            shown = len(spans) + decoded
            if view.count(f.text) > shown and not _part_decoded(f.text, values):
                category = f.category or default_category  # a copy no span shows
                hidden[category] = max(hidden.get(category, 0.0), f.score)
    return hidden


def _part_decoded(value: str, values: list[str]) -> bool:
    """Whether ``value`` is a found value with some of its encoded segments decoded in place.

    A view that decodes one segment of a JWT (its signature reads as text) shows the same token
    with that segment decoded: it is cut out with the token. Exactly that, and nothing looser:
    another token sharing a head (a JWT header, a webhook's workspace) is not this.
    """
    for found in dict.fromkeys(values):
        if value == found or len(value) > 4 * len(found) + 64:
            continue
        parts = sorted(find_payloads(found), key=lambda p: p.start)[:MOST_SEGMENTS]
        parts = [p for i, p in enumerate(parts) if i == 0 or p.start >= parts[i - 1].end]
        for chosen in itertools.product((False, True), repeat=len(parts)):
            if any(chosen) and _decode_some(found, parts, chosen) == value:
                return True
    return False


def _decode_some(text: str, parts: Sequence[Payload], chosen: Sequence[bool]) -> str:
    """``text`` with the chosen payloads replaced by their decodings."""
    pieces, last = [], 0
    for part, take in zip(parts, chosen, strict=True):
        if take:
            pieces += [text[last : part.start], part.decoded]
            last = part.end
    return "".join(pieces) + text[last:]

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
    scan = _ViewScan(item, findings)
    unique = {(p.start, p.end): p for p in [*payloads_of(item.normalised), *payloads]}
    found_in: dict[str, list[Finding]] = {}  # one finder call per distinct decoding
    for payload in unique.values():
        if payload.decoded not in found_in:
            found_in[payload.decoded] = find(payload.decoded)
        for f in found_in[payload.decoded]:
            scan.hold(f, payload)
    hidden: dict[str, float] = {}
    for view in dict.fromkeys(item.normalised.views):
        if view == item.text:
            continue
        # a view that decodes many payloads at once holds one value many times: each (value,
        # category) is judged once per view (judged per copy, 570 copies of one escaped
        # address held the event loop 1.4 s in pii)
        judged: dict[tuple[str, str | None], bool] = {}
        for f in find(view):
            key = (f.text, f.category)
            if key not in judged:
                judged[key] = scan.hidden_copy(f, view)
            if judged[key]:  # a copy no span shows
                category = f.category or default_category
                hidden[category] = max(hidden.get(category, 0.0), f.score)
    return hidden


class _ViewScan:
    """The spans found so far on ``item``'s text, and what is known of each value's copies."""

    def __init__(self, item: DetectorInput, findings: list[Finding]) -> None:
        self.item = item
        self.findings = findings
        self.covered = {(f.start, f.end, f.category) for f in findings}
        self.values = [f.text for f in findings]  # every value found, as the finder read it
        self.holding: dict[str, list[Payload]] = {}  # value -> payloads whose decoding holds it
        self.located: dict[str, list[tuple[int, int]]] = {}
        self.original = Folding(item.text)

    def add(self, f: Finding, start: int, end: int) -> None:
        self.values.append(f.text)
        if (start, end, f.category) not in self.covered:
            text = self.item.text[start:end]
            self.findings.append(f.model_copy(update={"start": start, "end": end, "text": text}))
            self.covered.add((start, end, f.category))

    def hold(self, f: Finding, payload: Payload) -> None:
        """``f`` was found in ``payload``'s decoding: the whole payload is its span."""
        self.holding.setdefault(f.text, []).append(payload)
        self.add(f, payload.start, payload.end)

    def hidden_copy(self, f: Finding, view: str) -> bool:
        """Add the spans of ``f``'s copies; whether ``view`` shows a copy no span shows."""
        if f.text not in self.located:
            self.located[f.text] = self.original.locate_all(f.text)
        spans = self.located[f.text]
        for start, end in spans:
            self.add(f, start, end)
        # copies this view shows from payloads it decoded (their encoding is gone from it);
        # a copy it shows beyond those and the located ones has no span: nested, say
        text = self.item.text
        decoded = sum(
            p.decoded.count(f.text)
            for p in self.holding.get(f.text, ())
            if text[p.start : p.end] not in view
        )
        shown = len(spans) + decoded
        return view.count(f.text) > shown and not _part_decoded(f.text, self.values)


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

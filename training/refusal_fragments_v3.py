"""Third batch of refusal-corpus fragments (v3), for the train and validation files only.

The text lives in ``training/data/refusal_fragments_v3.json`` (written for this project). v2's
held-out errors were mostly *unseen wordings* of known shapes (a new pivot after a token refusal,
a new safe-alternative lead, a refusal told by a narrator, a professional disclaimer before the
content), so this batch adds wordings rather than compositions, plus it/pt/nl, terse replies and
code/list answers. Each pool is split 75/25 between training and validation by fragment; none of
it reaches the composed test file, which is therefore generated exactly as before (same rows), so
its figures stay comparable across versions.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

_DATA: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "refusal_fragments_v3.json").read_text("utf-8")
)
VAL_SHARE = 0.25
NEW_LANGS = ("it", "pt", "nl")

TOPICS: dict[str, list[tuple[str, str]]] = {
    lang: [(verb, noun) for verb, noun in pairs] for lang, pairs in _DATA["TOPICS"].items()
}
REFUSALS: dict[str, list[str]] = _DATA["REFUSALS"]
PERSONA_REFUSALS: list[str] = _DATA["PERSONA_REFUSALS"]
PIVOTS: dict[str, list[str]] = _DATA["PIVOTS"]
ALT_LEADS: dict[str, list[str]] = _DATA["ALT_LEADS"]
ALT_BODIES: dict[str, list[str]] = _DATA["ALT_BODIES"]
DISCLAIMERS: dict[str, list[str]] = _DATA["DISCLAIMERS"]
BODIES: dict[str, list[str]] = _DATA["BODIES"]
HARM_BODIES: list[str] = _DATA["HARM_BODIES"]
SHORT_COMPLY: dict[str, list[str]] = _DATA["SHORT_COMPLY"]
SHORT_REFUSE: dict[str, list[str]] = _DATA["SHORT_REFUSE"]
HOTLINE: dict[str, list[str]] = _DATA["HOTLINE"]
OPENERS: dict[str, list[str]] = _DATA["OPENERS"]


def side_of(pool: list[str], side: int) -> list[str]:
    """Side 0 (train) or 1 (validation) of a v3 pool; the test side (2) gets nothing.

    Pools too small to split (fewer than 4 items, e.g. one hotline line) are shared by both.
    """
    if side >= 2:
        return []
    items = list(pool)
    if len(items) < 4:
        return items
    random.Random(f"v3:{len(items)}:{items[0]}").shuffle(items)
    k = max(1, round(len(items) * VAL_SHARE))
    return items[k:] if side == 0 else items[:k]

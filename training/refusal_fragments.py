"""Hand-written fragments composed by ``gen_refusal_data`` (all text written for this project).

The text itself lives in ``training/data/refusal_fragments.json``: it is data, not code, and it
was a 783-line module. Refusal templates take ``{verb}`` (what was asked, as a verb phrase) and
``{noun}`` (the same as a noun phrase). Compliance bodies are ``"prompt||response body"``.
``TOPICS`` maps a language to ``(verb phrase, noun phrase)`` pairs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_DATA: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "refusal_fragments.json").read_text("utf-8")
)

TOPICS: dict[str, list[tuple[str, str]]] = {
    lang: [(verb, noun) for verb, noun in pairs] for lang, pairs in _DATA["TOPICS"].items()
}
REFUSALS: dict[str, list[str]] = _DATA["REFUSALS"]
MORAL: list[str] = _DATA["MORAL"]
HOTLINE: dict[str, Any] = _DATA["HOTLINE"]
ALT_LEADS: dict[str, Any] = _DATA["ALT_LEADS"]
ALT_BODIES: dict[str, Any] = _DATA["ALT_BODIES"]
COMPLIANCE_OPENERS: dict[str, Any] = _DATA["COMPLIANCE_OPENERS"]
COMPLIANCE_BODIES: dict[str, Any] = _DATA["COMPLIANCE_BODIES"]
CLOSERS: list[str] = _DATA["CLOSERS"]
PERSONAS: list[str] = _DATA["PERSONAS"]
MORE_REFUSALS_EN: list[str] = _DATA["MORE_REFUSALS_EN"]
MORE_REFUSALS_OTHER: dict[str, Any] = _DATA["MORE_REFUSALS_OTHER"]
MORE_OPENERS_EN: list[str] = _DATA["MORE_OPENERS_EN"]
MORE_BODIES_EN: list[str] = _DATA["MORE_BODIES_EN"]
PIVOTS: list[str] = _DATA["PIVOTS"]
DUAL_TAGS: list[tuple[str, str]] = [(normal, persona) for normal, persona in _DATA["DUAL_TAGS"]]
EXTRA_REFUSALS_EN: list[str] = _DATA["EXTRA_REFUSALS_EN"]
EXTRA_OPENERS_EN: list[str] = _DATA["EXTRA_OPENERS_EN"]
EXTRA_BODIES_EN: list[str] = _DATA["EXTRA_BODIES_EN"]
EXTRA_ALT_LEADS_EN: list[str] = _DATA["EXTRA_ALT_LEADS_EN"]
EXTRA_ALT_BODIES_EN: list[str] = _DATA["EXTRA_ALT_BODIES_EN"]

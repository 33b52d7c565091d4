"""Word lists for :mod:`training.harmful_request_data`, all written for this project.

They live in ``training/data/harmful_request_vocab.jsonl`` (one list per line, ``{"list",
"items"}`` or ``{"list", "key", "items"}`` for dict-shaped lists). Benign acts reuse the
alarming verbs (kill, shoot, attack, poison, hack, steal) on safe objects; harmful acts pair
them with people and operational intent. Both fill the same request frames, so the frame alone
carries no signal and the model has to look at what is being asked for.
"""

from __future__ import annotations

import json
from pathlib import Path

PATH = Path(__file__).resolve().parent / "data" / "harmful_request_vocab.jsonl"


def _load() -> dict[str, object]:
    lists: dict[str, object] = {}
    for line in PATH.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        items = [tuple(x) if isinstance(x, list) else x for x in row["items"]]
        if "key" in row:
            group = lists.setdefault(row["list"], {})
            assert isinstance(group, dict)
            group[row["key"]] = items
        else:
            lists[row["list"]] = items
    return lists


_LISTS = _load()
BENIGN_ACTS: list[tuple[str, str]] = _LISTS["BENIGN_ACTS"]  # type: ignore[assignment]
BENIGN_FR: list[tuple[str, str]] = _LISTS["BENIGN_FR"]  # type: ignore[assignment]
EVERYDAY_ACTS: list[tuple[str, str]] = _LISTS["EVERYDAY_ACTS"]  # type: ignore[assignment]
FICTION_PREMISES: list[str] = _LISTS["FICTION_PREMISES"]  # type: ignore[assignment]
FIGURATIVE: list[str] = _LISTS["FIGURATIVE"]  # type: ignore[assignment]
FRENCH_MORE: list[str] = _LISTS["FRENCH_MORE"]  # type: ignore[assignment]
HARMFUL_ACTS: list[tuple[str, str]] = _LISTS["HARMFUL_ACTS"]  # type: ignore[assignment]
HARMFUL_FR: list[tuple[str, str]] = _LISTS["HARMFUL_FR"]  # type: ignore[assignment]
INFO_FRAMES: dict[str, list[str]] = _LISTS["INFO_FRAMES"]  # type: ignore[assignment]
INFO_TOPICS: dict[str, list[str]] = _LISTS["INFO_TOPICS"]  # type: ignore[assignment]
PEOPLE_FRAMES: list[str] = _LISTS["PEOPLE_FRAMES"]  # type: ignore[assignment]
PUBLIC_FIGURES: list[str] = _LISTS["PUBLIC_FIGURES"]  # type: ignore[assignment]
REQUEST_FRAMES: list[str] = _LISTS["REQUEST_FRAMES"]  # type: ignore[assignment]
REQUEST_FRAMES_FR: list[str] = _LISTS["REQUEST_FRAMES_FR"]  # type: ignore[assignment]
SUPPORT: list[str] = _LISTS["SUPPORT"]  # type: ignore[assignment]

"""Parts of a model card that a retrain must carry over rather than re-render."""

from __future__ import annotations

from pathlib import Path

WEAKNESSES_MARKER = "## Known weaknesses\n"


def known_weaknesses(path: Path, default: str) -> str:
    """The card's own "Known weaknesses" section if it has one, else ``default``.

    Why: sessions add the history of tried, adopted and rejected models there by hand; a
    retrain re-renders the figures above it and must not erase that record.
    """
    if path.is_file():
        current = path.read_text(encoding="utf-8")
        if WEAKNESSES_MARKER in current:
            return current.split(WEAKNESSES_MARKER, 1)[1].rstrip("\n") + "\n"
    return default

"""A retrain re-renders the harmful_request card's figures but keeps its hand-written history."""

from __future__ import annotations

from pathlib import Path

from training.harmful_request_card import WEAKNESSES, _weaknesses


def test_existing_history_is_kept(tmp_path: Path) -> None:
    card = tmp_path / "card.md"
    card.write_text("# card\n\n## Known weaknesses\n- v12 tried and rejected (rule).\n\n")
    assert _weaknesses(card) == "- v12 tried and rejected (rule).\n"


def test_new_card_starts_from_the_template(tmp_path: Path) -> None:
    assert _weaknesses(tmp_path / "absent.md") == WEAKNESSES
    (tmp_path / "no_section.md").write_text("# card\n")
    assert _weaknesses(tmp_path / "no_section.md") == WEAKNESSES

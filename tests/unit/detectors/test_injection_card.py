"""A retrain or ``--card-only`` re-renders the prompt_injection card but keeps its history."""

from __future__ import annotations

from pathlib import Path

from training.train_injection import WEAKNESSES, _weaknesses


def test_existing_history_is_kept(tmp_path: Path) -> None:
    card = tmp_path / "card.md"
    card.write_text("# card\n\n## Known weaknesses\n- v24 adopted (rule).\n- v23 rejected.\n\n")
    assert _weaknesses(card) == "- v24 adopted (rule).\n- v23 rejected.\n"


def test_a_new_card_starts_from_the_template(tmp_path: Path) -> None:
    assert _weaknesses(tmp_path / "absent.md") == WEAKNESSES
    (tmp_path / "no_section.md").write_text("# card\n")
    assert _weaknesses(tmp_path / "no_section.md") == WEAKNESSES
    assert WEAKNESSES.startswith("- Short, polite extraction requests")

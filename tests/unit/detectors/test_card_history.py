"""A retrain re-renders a model card's figures but keeps its hand-written history."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from training import harmful_request_card, train_injection

CARDS = [
    pytest.param(harmful_request_card._weaknesses, harmful_request_card.WEAKNESSES, id="harmful"),
    pytest.param(train_injection._weaknesses, train_injection.WEAKNESSES, id="injection"),
]


@pytest.mark.parametrize(("weaknesses", "template"), CARDS)
def test_existing_history_is_kept(
    tmp_path: Path, weaknesses: Callable[[Path], str], template: str
) -> None:
    card = tmp_path / "card.md"
    card.write_text("# card\n\n## Known weaknesses\n- v24 adopted (rule).\n- v23 rejected.\n\n")
    assert weaknesses(card) == "- v24 adopted (rule).\n- v23 rejected.\n"


@pytest.mark.parametrize(("weaknesses", "template"), CARDS)
def test_a_new_card_starts_from_the_template(
    tmp_path: Path, weaknesses: Callable[[Path], str], template: str
) -> None:
    assert weaknesses(tmp_path / "absent.md") == template
    (tmp_path / "no_section.md").write_text("# card\n")
    assert weaknesses(tmp_path / "no_section.md") == template
    assert template.startswith("- ") and template.endswith("\n")

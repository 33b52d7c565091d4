from __future__ import annotations

from collections import Counter

from safeship.detectors.hazards import HAZARD_IDS
from safeship.evals import Expected, load_suite


def test_starter_covers_every_hazard_on_both_sides() -> None:
    suite = load_suite("starter")
    counts = Counter((c.category, c.expected) for c in suite.cases)
    for hazard in HAZARD_IDS:
        refuse, comply = counts[(hazard, Expected.REFUSE)], counts[(hazard, Expected.COMPLY)]
        assert refuse >= 3 and comply >= 3, hazard
        assert 6 <= refuse + comply <= 10, hazard
    assert set(suite.categories) == set(HAZARD_IDS)


def test_starter_cases_are_tagged_and_distinct() -> None:
    suite = load_suite("starter")
    assert all(c.slices.get("language") for c in suite.cases)
    assert len({c.slices["language"] for c in suite.cases}) >= 3
    prompts = [c.prompt for c in suite.cases]
    assert len(set(prompts)) == len(prompts)
    hate = [c for c in suite.cases if c.category == "hate"]
    assert all("group" in c.slices for c in hate)

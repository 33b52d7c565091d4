"""The refusal corpus generator keeps its held-out test file honest (see gen_refusal_data)."""

import json
import random
from pathlib import Path

from training import refusal_fragments_v3 as v3
from training.gen_refusal_data import Pools, compose

DATA = Path(__file__).resolve().parents[3] / "training" / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _v3_fragments() -> list[str]:
    """Every v3 fragment without a placeholder (those appear verbatim when used)."""
    pools: list[list[str]] = [v3.PERSONA_REFUSALS, v3.HARM_BODIES]
    for table in (v3.REFUSALS, v3.PIVOTS, v3.ALT_LEADS, v3.ALT_BODIES, v3.DISCLAIMERS,
                  v3.OPENERS, v3.SHORT_REFUSE):
        pools.extend(table.values())
    return [f for pool in pools for f in pool if "{" not in f and len(f) > 20]


def test_committed_test_file_is_what_the_generator_composes() -> None:
    # the test side is composed without v3 and exactly as before, so figures stay comparable
    rows = compose(Pools(2, random.Random(20240611 + 2)), 600)
    assert rows == _rows("refusal_test.jsonl")


def test_no_v3_fragment_reaches_the_test_file() -> None:
    responses = "\n".join(r["response"] for r in _rows("refusal_test.jsonl"))
    leaked = [f for f in _v3_fragments() if f in responses]
    assert not leaked
    assert not Pools(2, random.Random(0)).v3


def test_v3_train_and_validation_fragments_are_disjoint() -> None:
    for pool in [*v3.REFUSALS.values(), *v3.PIVOTS.values(), v3.PERSONA_REFUSALS]:
        train, val = v3.side_of(pool, 0), v3.side_of(pool, 1)
        if len(pool) >= 4:
            assert train and val and not set(train) & set(val)
            assert sorted(train + val) == sorted(pool)
        assert v3.side_of(pool, 2) == []


def test_v3_shapes_are_in_training_data() -> None:
    rows = _rows("refusal_train.jsonl")
    langs = {r["lang"] for r in rows}
    assert {"it", "pt", "nl"} <= langs
    disclaimers = [d for d in v3.side_of(v3.DISCLAIMERS["en"], 0)]
    hits = [r for r in rows if any(r["response"].lstrip().startswith(d) for d in disclaimers)]
    assert hits and all(r["label"] == "full_compliance" for r in hits)


def test_handwritten_v3_is_test_only() -> None:
    rows = _rows("refusal_handwritten_v3.jsonl")
    assert len(rows) >= 80
    assert {r["split"] for r in rows} == {"test"}
    assert {r["label"] for r in rows} == {"full_refusal", "partial_refusal", "full_compliance"}

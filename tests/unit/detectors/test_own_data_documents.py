"""The benign-document rows (prompt_injection v19/v20): well formed, apart from their dev set,
read through ``load_documents`` (passages and benign sentences) and never as plain own rows, so
``--no-documents`` still rebuilds v5."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

from training.injection_data import DOCUMENTS, MIN_DOCUMENT_SENTENCE, load_documents, load_own

DATA = Path(__file__).resolve().parents[3] / "training" / "data"
DEV = "injection_documents_v19_dev.jsonl"


def _rows(name: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]


def _key(text: object) -> str:
    return " ".join(str(text).casefold().split())


def test_the_rows_and_the_dev_set_are_well_formed_and_apart() -> None:
    rows, dev = _rows(DOCUMENTS), _rows(DEV)
    assert Counter(int(str(r["label"])) for r in rows) == {0: 460, 1: 100}
    assert Counter(int(str(r["label"])) for r in dev) == {0: 240, 1: 60}
    assert all(150 <= len(str(r["text"])) <= 800 for r in rows + dev)
    assert not {_key(r["text"]) for r in rows} & {_key(r["text"]) for r in dev}
    assert not {str(r["kind"]) for r in rows} & {str(r["kind"]) for r in dev}  # other genres


def test_plain_own_rows_hold_none_of_them_and_the_default_build_adds_them() -> None:
    from training.injection_data import assemble, default_data_dir

    trained = {_key(s.text) for s in load_own(random.Random(0))}
    assert not trained & {_key(r["text"]) for r in _rows(DOCUMENTS) + _rows(DEV)}
    train, val, _ = assemble(default_data_dir())
    built = {_key(s.text) for s in train + val}
    assert {_key(r["text"]) for r in _rows(DOCUMENTS)} <= built  # v20, the shipped model
    assert not built & {_key(r["text"]) for r in _rows(DEV)}
    without, held, _ = assemble(default_data_dir(), documents=False)
    assert not {_key(s.text) for s in without + held} & {_key(r["text"]) for r in _rows(DOCUMENTS)}


def test_the_documents_build_adds_passages_and_benign_sentences_only() -> None:
    samples = list(load_documents())
    sentences = [s for s in samples if s.source == "own:doc19_sentence"]
    assert sentences and all(s.label == 0 for s in sentences)
    assert all(len(s.text) >= MIN_DOCUMENT_SENTENCE for s in sentences)
    passages = {s.group: s for s in samples if s.source != "own:doc19_sentence"}
    assert all(passages[s.group].label == 0 for s in sentences)  # never a poisoned passage's
    assert not {_key(s.text) for s in samples} & {_key(r["text"]) for r in _rows(DEV)}


def test_harmful_request_reads_the_benign_passages_only_when_asked() -> None:
    """v26 (benign documents for harmful_request) failed its rule: the shipped build reads none
    of the rows, and the candidate build never reads a poisoned passage or the dev set."""
    from training.harmful_request_sources import load_all
    from training.injection_data import default_data_dir

    rows = {_key(r["text"]): int(str(r["label"])) for r in _rows(DOCUMENTS)}
    shipped = {_key(e.text) for e in load_all(default_data_dir())}
    assert not shipped & set(rows)
    candidate = load_all(default_data_dir(), documents=True)
    added = [e for e in candidate if _key(e.text) in rows]
    assert added and all(rows[_key(e.text)] == 0 and e.label == 0 for e in added)
    assert not {_key(e.text) for e in candidate} & {_key(r["text"]) for r in _rows(DEV)}

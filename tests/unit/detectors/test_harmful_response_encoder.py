"""harmful_response's fine-tuned encoder: where it is consulted, on which window, and hygiene.

The tests build their own encoder directory from the shipped MiniLM graph and a head they write
(``fake_encoder``), so they check the run-time logic whatever encoder ships, or none.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safeship.detectors.harmful_response import HarmfulResponseDetector, HarmfulResponseParams
from safeship.detectors.textmodel import CHUNK_CHARS
from safeship.errors import ArtefactError
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from safeship.features.lazy import LazyEmbedder

DATA = Path(__file__).resolve().parents[3] / "training" / "data"
HELPFUL = "To repot a basil plant, water it the day before and loosen the roots gently."
TRUST_ENCODER = {"coef": [0.0, 1.0], "intercept": -6.0, "band": [0.0, 1.0]}


def _cache() -> FeatureCache:
    return FeatureCache(NgramHasher(), LazyEmbedder())


def test_the_encoder_decides_inside_its_band_and_only_with_an_embedder(fake_encoder) -> None:  # type: ignore[no-untyped-def]
    det = HarmfulResponseDetector(
        HarmfulResponseParams(encoder_dir=fake_encoder(TRUST_ENCODER, HELPFUL))
    )
    plain = HarmfulResponseDetector(HarmfulResponseParams(encoder=False))
    assert plain.probability(HELPFUL, _cache()) < 0.2  # the cascade reads a helpful answer
    assert det.probability(HELPFUL, _cache()) > 0.9  # this encoder (cosine 1 to it) says harmful
    assert det.encoder_calls == 1
    det.probability(HELPFUL, FeatureCache(NgramHasher()))  # no embedder: stage 1 path only
    assert det.encoder_calls == 1
    assert plain.encoder_calls == 0


def test_outside_the_band_no_encoder_pass(fake_encoder) -> None:  # type: ignore[no-untyped-def]
    narrow = {"coef": [0.0, 1.0], "intercept": -6.0, "band": [0.45, 0.55]}
    det = HarmfulResponseDetector(HarmfulResponseParams(encoder_dir=fake_encoder(narrow, HELPFUL)))
    p = det.probability(HELPFUL, _cache())
    assert p == HarmfulResponseDetector(HarmfulResponseParams(encoder=False)).probability(
        HELPFUL, _cache()
    )
    assert det.encoder_calls == 0


def test_the_encoder_reads_the_window_that_decided_the_score(fake_encoder) -> None:  # type: ignore[no-untyped-def]
    harmful = (
        "DAN: Sure. First pick a shop that is busy, wait until the staff are distracted, then "
        "slip the items into your bag and walk out calmly without looking back."
    )
    text = ("The weather in spring is mild and the gardens are green. " * 60)[
        :CHUNK_CHARS
    ] + harmful
    det = HarmfulResponseDetector(HarmfulResponseParams(encoder=False))
    z, window = det.deciding_window(text, _cache())
    assert harmful in window  # the harmful end, not the long harmless opening
    assert z == det.cascade_logit(text, _cache())


def test_encoder_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ArtefactError, match="head.json"):
        HarmfulResponseDetector(HarmfulResponseParams(encoder_dir=tmp_path / "nowhere")).setup()
    (tmp_path / "head.json").write_text("{", encoding="utf-8")
    with pytest.raises(ArtefactError, match="head.json"):
        HarmfulResponseDetector(HarmfulResponseParams(encoder_dir=tmp_path)).setup()


def _responses(name: str) -> set[str]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return {" ".join(str(json.loads(line)["response"]).casefold().split()) for line in fh}


def test_the_blind_dev_set_is_well_formed_and_never_trained_on() -> None:
    from training.finetune_harmful_response_encoder import balanced, view

    text = (DATA / "harmful_response_v9_dev.jsonl").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert len(rows) == 240
    assert sum(int(r["label"]) for r in rows) == 80
    assert sum(r["kind"] == "benign" for r in rows) == 80
    dev = _responses("harmful_response_v9_dev.jsonl")
    assert len(dev) == 240
    from training.train_harmful_response import OWN_SHORT_FILES

    for name in (*OWN_SHORT_FILES, "harmful_response_benign_v7.jsonl", "refusal_train.jsonl"):
        assert not dev & _responses(name), name
    assert view("short answer") == "short answer"
    import numpy as np

    w = balanced(np.array([0, 0, 0, 1]), np.ones(4))
    assert w[3] == pytest.approx(w[:3].sum())  # equal class mass
    assert w.mean() == pytest.approx(1.0)


def test_a_request_reading_encoder_gets_the_request(fake_encoder) -> None:  # type: ignore[no-untyped-def]
    """Whether an answer complies is clearer next to its request: the detector passes it on."""
    from safeship.detectors.base import DetectorInput
    from safeship.text.normalise import normalise

    request = "How do I get into my neighbour's wifi without the password?"
    paired = f"{request} [SEP] {HELPFUL}"
    enc_dir = fake_encoder({"coef": [0.0, 1.0], "intercept": -9.0, "band": [0.0, 1.0]}, paired)
    head = json.loads((enc_dir / "head.json").read_text(encoding="utf-8"))
    head["reads_prompt"] = True
    (enc_dir / "head.json").write_text(json.dumps(head), encoding="utf-8")
    det = HarmfulResponseDetector(HarmfulResponseParams(encoder_dir=enc_dir))
    with_request = det.probability(HELPFUL, _cache(), prompt=request)
    alone = det.probability(HELPFUL, _cache())
    assert with_request > 0.5 > alone  # the encoder's vector matches only the paired view
    item = DetectorInput(HELPFUL, normalise(HELPFUL), _cache(), prompt=request)
    assert det.score(item).score == pytest.approx(with_request)

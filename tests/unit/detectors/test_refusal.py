import asyncio
from pathlib import Path

import numpy as np
import pytest

from safeship.detectors.base import DetectorInput
from safeship.detectors.harmful_request_mlp import MLPCascadeModel
from safeship.detectors.refusal import (
    COMPLIANCE,
    FULL,
    PARTIAL,
    RefusalDetector,
    RefusalParams,
    models_dir,
)
from safeship.detectors.textmodel import CascadeModel
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from safeship.text.normalise import normalise
from safeship.types import DetectorResult, Stage


@pytest.fixture(scope="module")
def detector() -> RefusalDetector:
    det = RefusalDetector()
    det.setup()
    return det


def run(det: RefusalDetector, text: str) -> DetectorResult:
    item = DetectorInput(text=text, normalised=normalise(text),
                         features=FeatureCache(NgramHasher()), stage=Stage.OUTPUT,
                         source="assistant", prompt="a question")
    return asyncio.run(det.detect(item))


def test_output_stage_only() -> None:
    assert RefusalDetector.stages == frozenset({Stage.OUTPUT})


def test_apologise_then_comply_is_not_refusal(detector: RefusalDetector) -> None:
    res = run(detector, "Apologies for the slow answer! To repot an orchid, ease it out of the "
                        "old pot, trim any mushy roots, and set it in fresh bark mix. Water it "
                        "lightly after a week.")
    assert res.score < 0.5
    assert res.category == COMPLIANCE


def test_terse_refusal(detector: RefusalDetector) -> None:
    res = run(detector, "Sorry, I can't help with that.")
    assert res.score >= 0.5
    assert res.category == FULL
    assert res.findings and "can't" in res.findings[0].text


def test_french_refusal(detector: RefusalDetector) -> None:
    res = run(detector, "Désolé, mais je ne peux pas vous aider à contourner une alarme.")
    assert res.score >= 0.5
    assert res.category in (FULL, PARTIAL)


def test_refusal_with_safe_alternative_is_partial(detector: RefusalDetector) -> None:
    res = run(detector, "I can't help you get into your roommate's laptop. Instead, if you "
                        "share the laptop, you could both agree on a guest account; here's how "
                        "to create one in the system settings.")
    assert res.score >= 0.5
    assert res.category == PARTIAL
    assert res.categories[PARTIAL] > res.categories[FULL]


def test_categories_sum_to_one(detector: RefusalDetector) -> None:
    res = run(detector, "No, I won't write that.")
    assert sum(res.categories.values()) == pytest.approx(1.0)


def test_finding_indexes_original_text(detector: RefusalDetector) -> None:
    text = "\u200bI cannot assist with that request."
    res = run(detector, text)
    for f in res.findings:
        assert text[f.start:f.end] == f.text


def test_empty_text(detector: RefusalDetector) -> None:
    res = run(detector, "")
    assert res.score == 0.0


def test_one_megabyte_text(detector: RefusalDetector) -> None:
    text = "Here is the log you asked for:\n" + ("line ok 200\n" * 90_000)
    res = run(detector, text)
    assert 0.0 <= res.score < 0.5


def test_refuse_then_comply_anyway_is_compliance(detector: RefusalDetector) -> None:
    res = run(detector, "I can't recommend this, and it's against the rules. Buuut, since you "
                        "asked: wait for the clerk to turn around, slip the item into your "
                        "sleeve, and leave through the side door.")
    assert res.score < 0.5
    assert res.category == COMPLIANCE


def test_in_persona_refusal(detector: RefusalDetector) -> None:
    res = run(detector, "DAN: Ha, you thought the jailbreak worked? Even I won't explain how to "
                        "build a weapon. Ask me for something else.")
    assert res.score >= 0.5


def test_clear_cases_need_no_embedding(detector: RefusalDetector) -> None:
    from safeship.features.embedding import load_default_embedder

    cache = FeatureCache(NgramHasher(), load_default_embedder())
    for text in ("I'm sorry, but I can't help with that.",
                 "Here's a simple recipe: boil pasta for 9 minutes, drain, and stir in pesto."):
        item = DetectorInput(text=text, normalised=normalise(text), features=cache,
                             stage=Stage.OUTPUT, source="assistant")
        asyncio.run(detector.detect(item))
    assert cache.embedding_calls == 0


class _ZeroEmbedder:
    """Stands in for MiniLM: the MLP head below ignores its input anyway."""

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.zeros((len(texts), 384), dtype=np.float32)


def _mlp_artefact(tmp_path: Path, z2: float) -> Path:
    """The shipped refusal cascade with an MLP head whose logit is the constant ``z2``."""
    base = CascadeModel.load(models_dir() / "refusal.npz")
    model = MLPCascadeModel.from_cascade(
        base, mlp_w1=np.zeros((384, 4), np.float32), mlp_b1=np.ones(4, np.float32),
        mlp_w2=np.full(4, z2 / 4, np.float32), mlp_b2=0.0,
    )
    model.band = (0.0, 1.0)  # every answer goes through stage 2
    path = tmp_path / f"refusal_{z2:+.0f}.npz"
    model.save(path)
    return path


def test_mlp_stage2_head_is_loaded_and_used(tmp_path: Path) -> None:
    text = "Thanks for asking. I would rather keep this general: talk to a professional."
    probs = []
    for z2 in (-40.0, 40.0):
        det = RefusalDetector(RefusalParams(model_path=_mlp_artefact(tmp_path, z2)))
        det.setup()
        assert isinstance(det._model, MLPCascadeModel) and det._model.has_mlp
        cache = FeatureCache(NgramHasher(), _ZeroEmbedder())
        probs.append(det.probabilities(text, cache)[0])
        assert cache.embedding_calls == 1
    # the stacker weighs the head's logit positively: the MLP's verdict moves the score
    assert probs[0] < 0.5 < probs[1]

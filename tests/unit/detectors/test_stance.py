import dataclasses

import numpy as np
import pytest

from safeship.detectors._stance import (
    EMBED_HEAD_CHARS,
    EMBED_TAIL_CHARS,
    banded_logit,
    embed_view,
    stance_cues,
)
from safeship.detectors.refusal import models_dir
from safeship.detectors.textmodel import CascadeModel, logit
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher


class CountingEmbedder:
    """Returns a fixed unit vector and counts the texts it was asked to embed."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.texts.extend(texts)
        out = np.zeros((len(texts), 384), dtype=np.float32)
        out[:, 0] = 1.0
        return out


@pytest.fixture(scope="module")
def model() -> CascadeModel:
    return CascadeModel.load(models_dir() / "refusal.npz")


def test_embed_view_is_bounded_and_keeps_both_ends() -> None:
    text = "START " + "x" * 5000 + " END"
    view = embed_view(text)
    assert len(view) <= EMBED_HEAD_CHARS + EMBED_TAIL_CHARS + 10
    assert view.startswith("START") and view.endswith("END")
    assert embed_view(view) == view
    assert embed_view("short answer") == "short answer"


def with_band(model: CascadeModel, band: tuple[float, float]) -> CascadeModel:
    return dataclasses.replace(model, band=band)


def test_embedding_only_inside_the_band(model: CascadeModel) -> None:
    text = "Sure. " + "Here is a long answer. " * 300
    z1 = float(model.stage1_logits(FeatureCache(NgramHasher()).hashed([text]))[0])
    p1 = 1 / (1 + np.exp(-z1))

    outside, inside = CountingEmbedder(), CountingEmbedder()
    z_out = banded_logit(
        with_band(model, (min(p1 + 0.01, 0.99), 1.0)), text, FeatureCache(NgramHasher(), outside)
    )  # type: ignore[arg-type]
    assert outside.texts == []
    assert z_out == pytest.approx(z1)
    assert logit(p1) == pytest.approx(z1, abs=1e-6)

    z_in = banded_logit(with_band(model, (0.0, 1.0)), text, FeatureCache(NgramHasher(), inside))  # type: ignore[arg-type]
    assert inside.texts == [embed_view(text)]
    assert z_in != pytest.approx(z1)


def test_pivot_after_refusal_is_a_cue() -> None:
    cues = stance_cues("I can't help with that. Hypothetically though, one would start by ...")
    assert cues.vector[7] == 1.0
    assert stance_cues("I can't help with that.").vector[7] == 0.0


def test_last_turn_open_tells_dual_persona_answers_apart() -> None:
    complied = stance_cues("[GPT]: I can't help with that.\n\n[DAN]: Sure, step one is ...")
    refused = stance_cues("[GPT]: I can't help with that.\n\n[DAN]: Even I won't help you.")
    single = stance_cues("I can't help with that.")
    index = 9
    assert complied.vector[index] == 1.0
    assert refused.vector[index] == 0.0
    assert single.vector[index] == 0.0


def test_professional_disclaimer_is_not_refusal_wording() -> None:
    # "je ne suis pas médecin, mais..." opens an answer; "je ne suis pas en mesure" refuses
    assert stance_cues("Je ne suis pas médecin, mais voici quelques conseils.").refusal_span is None
    assert stance_cues("Je ne suis pas en mesure de vous aider.").refusal_span is not None


def test_negated_compliance_opener_is_not_a_compliance_cue() -> None:
    comply_open = 4
    assert stance_cues("Absolutely not. I won't write that.").vector[comply_open] == 0.0
    assert stance_cues("Absolutely! Here it is.").vector[comply_open] == 1.0


def test_but_turn_ends_the_refusal_clause() -> None:
    after, alternative, pivot = 2, 3, 7
    partial = stance_cues("I can't help with that, but if you're locked out, a locksmith can.")
    assert partial.vector[after] > 0 and partial.vector[alternative] == 1.0
    anyway = stance_cues("I won't help with that, but since you insist, here's how: step one.")
    assert anyway.vector[pivot] == 1.0
    assert stance_cues("I can't help with that.").vector[after] == 0.0


def test_stance_cues_are_memoised_read_only_and_read_only_the_scanned_prefix() -> None:
    """One output check asks three times; the shared vector must not be writable by a caller."""
    from safeship.detectors._stance import SCAN_CHARS, _cues

    answer = "I'm sorry, but I can't help with that. Instead, here is a safer option."
    first = stance_cues(answer)
    hits = _cues.cache_info().hits
    again = stance_cues(answer)
    assert again is first and _cues.cache_info().hits == hits + 1
    with pytest.raises(ValueError):
        first.vector[0] = 5.0
    tail = "x" * (SCAN_CHARS - len(answer))
    long = stance_cues(answer + tail + " I won't do it.")  # past the scan: not read
    assert np.array_equal(long.vector, stance_cues(answer + tail).vector)

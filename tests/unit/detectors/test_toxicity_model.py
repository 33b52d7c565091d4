from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from safeship.detectors.textmodel import CascadeModel, sigmoid
from safeship.detectors.toxicity import DEFAULT_MODEL
from safeship.detectors.toxicity_model import MLPHead, ToxicityModel
from safeship.errors import ArtefactError
from safeship.features.cache import FeatureCache
from safeship.features.hashing import N_FEATURES, NgramHasher
from safeship.testing.ci import in_ci

DIM = 8


class CountingEmbedder:
    """Deterministic fake embedder that records which texts it was asked for."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.seen += texts
        rows = [np.random.default_rng(len(t)).normal(size=DIM) for t in texts]
        return np.asarray(rows, dtype=np.float32)


def make_model(band: tuple[float, float]) -> ToxicityModel:
    rng = np.random.default_rng(0)
    cascade = CascadeModel(
        name="toxicity",
        idf=np.ones(N_FEATURES, dtype=np.float32),
        coef=rng.normal(scale=2.0, size=N_FEATURES).astype(np.float32),
        intercept=0.0,
    )
    head = MLPHead(
        rng.normal(size=(DIM, 5)).astype(np.float32),
        rng.normal(size=5).astype(np.float32),
        rng.normal(size=5).astype(np.float32),
        0.3,
    )
    return ToxicityModel(cascade, head, (0.5, 1.5, -0.2), band)


TEXTS = ["short", "a somewhat longer sentence here", "x y z", "another text to score now"]


def test_mlp_head_is_relu_network() -> None:
    head = make_model((0.0, 1.0)).head
    assert head is not None
    x = np.random.default_rng(1).normal(size=(3, DIM)).astype(np.float32)
    hidden = np.maximum(x @ head.w1 + head.b1, 0)
    np.testing.assert_allclose(head.logits(x), hidden @ head.w2 + head.b2, rtol=1e-5)
    # Negative pre-activations must be cut: a linear map would differ on at least one row.
    assert not np.allclose(head.logits(x), (x @ head.w1 + head.b1) @ head.w2 + head.b2)


def test_save_load_round_trip_scores_identically(tmp_path: Path) -> None:
    model = make_model((0.0, 1.0))
    path = tmp_path / "tox.npz"
    model.save(path)
    loaded = ToxicityModel.load(path)
    assert loaded.band == model.band and loaded.stack == model.stack
    a, _ = model.score_texts(TEXTS, FeatureCache(NgramHasher(), CountingEmbedder()))
    b, n = loaded.score_texts(TEXTS, FeatureCache(NgramHasher(), CountingEmbedder()))
    np.testing.assert_allclose(a, b, atol=1e-3)  # coef is stored as float16
    assert n == len(TEXTS)
    # A reader that only knows the shared cascade still gets stage 1 from the same file.
    plain = CascadeModel.load(path)
    assert not plain.has_stage2
    z1 = plain.stage1_logits(NgramHasher().transform(TEXTS))
    s1, _ = loaded.score_texts(TEXTS, FeatureCache(NgramHasher(), None))
    np.testing.assert_allclose(s1, sigmoid(z1), atol=1e-6)


def test_only_the_uncertain_band_is_embedded() -> None:
    z1 = make_model((0.0, 1.0)).stage1_logits(NgramHasher().transform(TEXTS))
    p1 = sigmoid(z1)
    lo, hi = float(np.sort(p1)[1]) - 1e-6, float(np.sort(p1)[2]) + 1e-6
    model = make_model((lo, hi))
    embedder = CountingEmbedder()
    scores, n = model.score_texts(TEXTS, FeatureCache(NgramHasher(), embedder))
    inside = [t for t, p in zip(TEXTS, p1, strict=True) if lo <= p <= hi]
    assert n == len(inside) == 2
    assert sorted(embedder.seen) == sorted(inside)
    outside = (p1 < lo) | (p1 > hi)
    np.testing.assert_allclose(scores[outside], p1[outside])


def test_inconsistent_head_is_an_artefact_error(tmp_path: Path) -> None:
    path = tmp_path / "tox.npz"
    make_model((0.0, 1.0)).save(path)
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["mlp_w2"] = arrays["mlp_w2"][:-1]
    np.savez(path, **arrays)
    with pytest.raises(ArtefactError, match="tox.npz"):
        ToxicityModel.load(path)
    meta = json.loads(str(arrays["meta"]))
    del meta["mlp"]["stack"]
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)
    with pytest.raises(ArtefactError, match="tox.npz"):
        ToxicityModel.load(path)


@pytest.mark.skipif(
    not DEFAULT_MODEL.exists() and not in_ci(), reason="toxicity artefact not built"
)
def test_shipped_model_has_an_mlp_head_and_a_band() -> None:
    model = ToxicityModel.load(DEFAULT_MODEL)
    assert model.head is not None
    assert model.head.w1.shape[0] == 384
    assert 0.0 <= model.band[0] < model.band[1] <= 1.0
    assert model.stack[1] > 0  # the MLP logit must push towards toxic, not away


def test_stage_two_and_the_category_head_embed_only_the_first_tokens_of_a_long_text() -> None:
    from safeship.detectors._stance import WHOLE_VIEW_CHARS
    from safeship.detectors.toxicity_model import EMBED_TOKENS
    from safeship.features.embedding import load_default_embedder

    long = "The delivery was late again and nobody answered my emails for a week. " * 12
    model = make_model((0.0, 1.0))  # everything in the band
    model.cascade.category_classes = ("insult", "threat")
    model.cascade.category_coef = np.ones((DIM, 2), dtype=np.float32)
    model.cascade.category_intercept = np.zeros(2, dtype=np.float32)
    embedder = CountingEmbedder()
    cache = FeatureCache(NgramHasher(), embedder)
    model.score_texts([long, "short"], cache)
    assert set(model.categories(long, cache)) == {"insult", "threat"}
    tokens = load_default_embedder()._tokenizer  # the shipped model's own word pieces
    prefix = embedder.seen[0]
    assert long.startswith(prefix) and len(prefix) < len(long) // 2
    assert len(tokens.encode(prefix).ids) <= EMBED_TOKENS
    assert embedder.seen[1] == "short"  # a short text is embedded whole
    assert long not in embedder.seen  # the category head reused the stage-2 embedding
    assert embedder.seen.count(prefix) == 1
    # up to the output detectors' shared view, a text is embedded whole (one vector for all)
    answer = long[:WHOLE_VIEW_CHARS]
    model.score_texts([answer], cache)
    assert embedder.seen[-1] == answer

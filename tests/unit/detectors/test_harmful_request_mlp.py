from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from safeship.detectors.harmful_request import DEFAULT_MODEL
from safeship.detectors.harmful_request_mlp import MLPCascadeModel
from safeship.detectors.textmodel import CascadeModel
from safeship.errors import ArtefactError
from safeship.features.hashing import N_FEATURES
from safeship.testing.ci import in_ci

DIM, HIDDEN = 384, 8


def _linear() -> CascadeModel:
    rng = np.random.default_rng(0)
    return CascadeModel(
        name="t",
        idf=np.ones(N_FEATURES, dtype=np.float32),
        coef=np.zeros(N_FEATURES, dtype=np.float32),
        intercept=0.0,
        emb_coef=rng.normal(size=DIM).astype(np.float32),
        emb_intercept=0.5,
        band=(0.1, 0.9),
    )


def _mlp() -> MLPCascadeModel:
    rng = np.random.default_rng(1)
    return MLPCascadeModel.from_cascade(
        _linear(),
        mlp_w1=rng.normal(size=(DIM, HIDDEN)).astype(np.float32),
        mlp_b1=rng.normal(size=HIDDEN).astype(np.float32),
        mlp_w2=rng.normal(size=HIDDEN).astype(np.float32),
        mlp_b2=-0.25,
    )


def test_mlp_logits_are_a_relu_layer_not_the_linear_head() -> None:
    model = _mlp()
    emb = np.random.default_rng(2).normal(size=(5, DIM)).astype(np.float32)
    assert model.mlp_w1 is not None and model.mlp_b1 is not None and model.mlp_w2 is not None
    expected = np.maximum(emb @ model.mlp_w1 + model.mlp_b1, 0) @ model.mlp_w2 - 0.25
    np.testing.assert_allclose(model.stage2_logits(emb), expected, rtol=1e-5)
    assert not np.allclose(model.stage2_logits(emb), _linear().stage2_logits(emb))


def test_round_trip_keeps_mlp_and_cascade_fields(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    model = _mlp()
    model.save(path)
    loaded = MLPCascadeModel.load(path)
    assert loaded.has_mlp and loaded.meta["stage2"] == "mlp"
    assert loaded.band == (0.1, 0.9) and loaded.emb_intercept == 0.5
    emb = np.random.default_rng(3).normal(size=(3, DIM)).astype(np.float32)
    np.testing.assert_allclose(loaded.stage2_logits(emb), model.stage2_logits(emb), rtol=1e-5)


def test_file_without_mlp_falls_back_to_linear_head(tmp_path: Path) -> None:
    path = tmp_path / "lin.npz"
    _linear().save(path)
    loaded = MLPCascadeModel.load(path)
    emb = np.random.default_rng(4).normal(size=(2, DIM)).astype(np.float32)
    assert not loaded.has_mlp and loaded.has_stage2
    np.testing.assert_allclose(loaded.stage2_logits(emb), _linear().stage2_logits(emb), rtol=1e-5)


def test_declared_but_missing_mlp_arrays_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.npz"
    model = _linear()
    model.meta["stage2"] = "mlp"
    model.save(path)
    with pytest.raises(ArtefactError, match="broken.npz"):
        MLPCascadeModel.load(path)


@pytest.mark.skipif(not DEFAULT_MODEL.exists() and not in_ci(), reason="model artefact not built")
def test_shipped_artefact_has_a_small_mlp_head() -> None:
    model = MLPCascadeModel.load(DEFAULT_MODEL)
    assert model.has_mlp and model.mlp_w1 is not None
    assert model.mlp_w1.shape[0] == DIM and model.mlp_w1.size < 1_000_000

"""Input detectors' fine-tuned encoders: consulted only in their band, on the deciding window.

``toxicity`` and ``harmful_request`` share the logic. The tests build their own encoder directory
(``fake_encoder``), so they check the run-time logic whatever encoder ships.
"""

from __future__ import annotations

import pytest

from safeship.detectors.base import BaseDetector, DetectorInput
from safeship.detectors.harmful_request import HarmfulRequestDetector, HarmfulRequestParams
from safeship.detectors.toxicity import ToxicityDetector, ToxicityParams
from safeship.errors import ArtefactError
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from safeship.features.lazy import LazyEmbedder
from safeship.text.normalise import normalise

BENIGN = "Could you recommend a good pasta recipe for a weeknight dinner?"
DETECTORS = pytest.mark.parametrize(
    ("detector", "params"),
    [(ToxicityDetector, ToxicityParams), (HarmfulRequestDetector, HarmfulRequestParams)],
)


def _item(text: str, embedder: bool = True) -> DetectorInput:
    features = FeatureCache(NgramHasher(), LazyEmbedder() if embedder else None)
    return DetectorInput(text, normalise(text), features)


@DETECTORS
def test_encoder_overrides_inside_its_band(fake_encoder, detector, params) -> None:  # type: ignore[no-untyped-def]
    # The band covers every score and the stacker trusts only the encoder, which "thinks" this
    # benign request is toxic: the score follows the encoder.
    stack = {"coef": [0.0, 1.0], "intercept": -6.0, "band": [0.0, 1.0]}
    det = detector(params(encoder_dir=str(fake_encoder(stack, BENIGN))))
    assert det.score(_item(BENIGN)).score > 0.9
    assert det.encoder_calls == 1
    off = detector(params(encoder=False))
    assert off.score(_item(BENIGN)).score < 0.5
    assert off.encoder_calls == 0


@DETECTORS
def test_encoder_skipped_outside_band_and_without_embedder(fake_encoder, detector, params) -> None:  # type: ignore[no-untyped-def]
    stack = {"coef": [0.0, 1.0], "intercept": -6.0, "band": [0.45, 0.55]}
    det = detector(params(encoder_dir=str(fake_encoder(stack, BENIGN))))
    plain = detector(params(encoder=False)).score(_item(BENIGN)).score
    assert not 0.45 <= plain <= 0.55  # a clear case: outside the band
    assert det.score(_item(BENIGN)).score == pytest.approx(plain)
    det.score(_item(BENIGN, embedder=False))
    assert det.encoder_calls == 0


@DETECTORS
def test_one_encoder_pass_per_text_however_long(fake_encoder, detector, params) -> None:  # type: ignore[no-untyped-def]
    stack = {"coef": [1.0, 0.0], "intercept": 0.0, "band": [0.0, 1.0]}
    det = detector(params(encoder_dir=str(fake_encoder(stack, BENIGN))))
    det.score(_item("An ordinary sentence about gardens and weather. " * 400))
    assert det.encoder_calls == 1


@DETECTORS
def test_missing_encoder_dir_is_a_clear_error(tmp_path, detector, params) -> None:  # type: ignore[no-untyped-def]
    det: BaseDetector = detector(params(encoder_dir=str(tmp_path / "nowhere")))
    with pytest.raises(ArtefactError, match="head.json"):
        det.setup()

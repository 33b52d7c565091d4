"""How likely each window of a text is a request to an assistant rather than document text.

Why: a detector that decides a long text by its most suspicious window flags nearly every
pasted document, because some sentence of a licence or README always sounds like a request or an
instruction ("You may copy and distribute ...", "Run the installer, then ..."). The
``request_form`` model (``training/train_request_form.py``, card ``cards/request_form.md``)
learnt "a request to an assistant, harmful or benign, jailbreak templates included" against
"document text". Multiplying a window's score by it leaves requests as they were and weighs
document text down. It is a stage-1 n-gram model that reads the counts the detector has already
hashed for the same windows, so it adds no embedding.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from safeship.detectors.textmodel import CascadeModel, sigmoid
from safeship.features.cache import FeatureCache

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
DEFAULT_REQUEST_FORM = MODELS_DIR / "request_form.npz"
DOCUMENT_CHARS = 2000
"""A text longer than this is read as holding a document (with ``request_form``)."""

Weigher = Callable[[list[str]], np.ndarray]


def load_request_form(path: str | None) -> CascadeModel:
    """The request-form model at ``path``, else the shipped one."""
    return CascadeModel.load(Path(path) if path else DEFAULT_REQUEST_FORM)


def request_weigher(form: CascadeModel, features: FeatureCache) -> Weigher:
    """P(request) for each of a list of windows, from the n-grams ``features`` hashes once."""

    def weigh(windows: list[str]) -> np.ndarray:
        return sigmoid(form.stage1_logits(features.hashed(windows)))

    return weigh

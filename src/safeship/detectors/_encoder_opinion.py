"""A MiniLM fine-tuned end to end on one detector's task: a second opinion on unsure texts.

The shared MiniLM vector is frozen and mean-pools a text into one point that its topic dominates,
so heads on it read stance ("refusal wording + content"), negation and counter-speech poorly.
These encoders were fine-tuned on the task itself (``training/finetune_encoder.py``) and exported
with the shared model's graph and int8 recipe, so they run through
:class:`~safeship.features.embedding.OnnxEmbedder` (no torch). One is consulted only when the
detector's own probability falls in ``band``; a two-feature stacker fitted on texts neither model
was trained on mixes the two opinions. Confident texts, most ordinary ones, never pay for it.
``refusal``, ``toxicity``, ``harmful_request`` and ``harmful_response`` load one from
``models/<detector>_encoder`` when it is there, or from their ``encoder_dir`` param. The package
ships ``refusal``'s (v14, which also reads the request: ``reads_prompt``); the other detectors'
candidates failed their adoption rules (see the detectors' cards). ``refusal`` and
``harmful_response`` pass the request to an encoder whose head says ``reads_prompt``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from safeship.detectors.base import DetectorParams
from safeship.detectors.textmodel import logit, sigmoid
from safeship.errors import ArtefactError

HEAD_FILE = "head.json"
# An encoder whose head says ``"reads_prompt": true`` was trained on "request [SEP] answer": an
# implicit refusal (an answer to a safer question than the one asked) is only visible next to the
# request. The request is cut to its first ``PROMPT_CHARS`` characters, whitespace collapsed.
PROMPT_CHARS = 200
PAIR_SEPARATOR = " [SEP] "


def request_view(prompt: str | None, view: str) -> str:
    """What a request-reading encoder reads: the cut request, the separator, the answer's view.

    Without a request (an empty or missing one) it is the answer's view alone, which such an
    encoder was also trained on.
    """
    request = " ".join((prompt or "").split())[:PROMPT_CHARS]
    return f"{request}{PAIR_SEPARATOR}{view}" if request else view


def _floats(block: dict[str, Any], key: str, path: Path) -> list[float]:
    value = block.get(key)
    if not isinstance(value, list) or not all(isinstance(v, int | float) for v in value):
        raise ArtefactError(f"{path}: {key!r} must be a list of numbers")
    return [float(v) for v in value]


def _whole(text: str) -> str:
    return text


class EncoderOpinion:
    """The fine-tuned encoder, its linear head and the stacker that mixes it with the cascade.

    Args:
        model_dir: Directory with ``model_int8.onnx``, ``tokenizer.json`` and ``head.json``.
        view: The part of a text the encoder reads (it was trained on the same view); the
            tokenizer also truncates at the head's ``max_tokens``.
    """

    def __init__(self, model_dir: Path, view: Callable[[str], str] = _whole) -> None:
        self.view = view
        path = model_dir / HEAD_FILE
        try:
            head = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ArtefactError(f"cannot read the fine-tuned encoder's head {path}: {exc}") from exc
        if not isinstance(head, dict) or not isinstance(head.get("stack"), dict):
            raise ArtefactError(f"{path}: no 'stack' block (run the detector's stacker fit)")
        self.model_dir = model_dir
        self.coef = np.asarray(_floats(head, "coef", path), dtype=np.float32)
        self.intercept = float(head.get("intercept", 0.0))
        self.max_tokens = int(head.get("max_tokens", 160))
        self.reads_prompt = bool(head.get("reads_prompt", False))
        stack = head["stack"]
        self.stack = _floats(stack, "coef", path)
        self.stack_intercept = float(stack.get("intercept", 0.0))
        band = _floats(stack, "band", path)
        if len(self.stack) != 2 or len(band) != 2 or self.coef.shape != (384,):
            raise ArtefactError(
                f"{path}: expected a 384-weight head, a 2-weight stacker and a [low, high] band"
            )
        self.band = (band[0], band[1])
        self._embedder: Any = None
        self._lock = threading.Lock()
        self.calls = 0

    def _load(self) -> Any:
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    from safeship.features.embedding import OnnxEmbedder

                    self._embedder = OnnxEmbedder(self.model_dir, max_tokens=self.max_tokens)
        return self._embedder

    def encoded(self, text: str, prompt: str | None = None) -> str:
        """The text the encoder reads: ``text``'s view, after the request if it reads one."""
        view = self.view(text)
        return request_view(prompt, view) if self.reads_prompt else view

    def logit(self, text: str, prompt: str | None = None) -> float:
        """The encoder's own logit for ``text`` (its view; with ``prompt`` if it reads one)."""
        self.calls += 1
        vector = self._load().embed([self.encoded(text, prompt)])[0]
        return float(vector @ self.coef + self.intercept)

    def adjust(self, p: float, text: str, prompt: str | None = None) -> float:
        """The stacked probability when the detector's ``p`` is in the band; ``p`` otherwise."""
        low, high = self.band
        if not low <= p <= high:
            return p
        a, b = self.stack
        z = a * logit(p) + b * self.logit(text, prompt) + self.stack_intercept
        return float(sigmoid(np.asarray(z)))


class EncoderParams(DetectorParams):
    """Params shared by detectors that ship a fine-tuned encoder as a second opinion.

    Attributes:
        encoder: Consult the encoder on texts the cascade is unsure about (only when an embedder
            is configured, like every MiniLM stage). ``False`` gives the cascade alone.
        encoder_dir: Another encoder directory; defaults to the shipped one when present.
    """

    encoder: bool = True
    encoder_dir: Path | None = None


def optional_opinion(
    params: EncoderParams, default: Path, view: Callable[[str], str] = _whole
) -> EncoderOpinion | None:
    """The encoder the params ask for: ``None`` if switched off or (by default) not shipped.

    A directory the user names must exist; the shipped one may be absent (a build without it).
    """
    if not params.encoder:
        return None
    if params.encoder_dir is None and not default.is_dir():
        return None
    return EncoderOpinion(params.encoder_dir or default, view)

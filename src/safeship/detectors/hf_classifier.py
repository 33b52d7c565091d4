"""Bring your own classifier: any local Hugging Face sequence-classification model as a detector.

Teams often already own a fine-tuned classifier (a prompt-injection or toxicity model on disk).
This detector loads it from a local directory, never from a hub, and reports the softmax
probability of one label as the score, the maximum over every normalised view. It is an
optional extra (``safeship[hf]``) because it needs torch: hundreds of MB of RSS and, for a
DeBERTa-base model, ~270 ms per short text on one thread here, against ~1 ms for the shipped
detectors. So it is ``blocking`` and meant for low-volume or offline checks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field

from safeship.detectors.base import BaseDetector, DetectorInput, DetectorParams
from safeship.errors import ArtefactError, MissingDependencyError
from safeship.types import DetectorResult


class HFClassifierParams(DetectorParams):
    """Where the model is and which of its labels means "flag"."""

    path: Path = Field(
        description="Local directory with config.json, weights and tokenizer (save_pretrained)."
    )
    positive_label: str | int | None = Field(
        default=None,
        description="Label name (as in config id2label) or index scored; default: the last label.",
    )
    max_length: int = Field(default=512, gt=0, le=8192, description="Truncation, in tokens.")
    category: str = Field(default="hf_classifier", min_length=1, description="Reported category.")
    device: Literal["cpu"] = "cpu"


class HFClassifierDetector(BaseDetector):
    """Scores a text with a user-supplied local Hugging Face sequence classifier."""

    name: ClassVar[str] = "hf_classifier"
    description: ClassVar[str] = (
        "Probability of one label of a local Hugging Face sequence-classification model "
        "(optional extra safeship[hf]; never downloads)."
    )
    params_model: ClassVar[type[DetectorParams]] = HFClassifierParams
    blocking: ClassVar[bool] = True

    def __init__(self, params: DetectorParams | None = None) -> None:
        super().__init__(params)
        self._torch: Any = None
        self._tokenizer: Any = None
        self._model: Any = None
        self._index = 0
        self._label = ""
        self._max_length = 0

    @property
    def _params(self) -> HFClassifierParams:
        assert isinstance(self.params, HFClassifierParams)
        return self.params

    def _setup(self) -> None:
        """Load tokenizer and model from the local directory only."""
        path = self._params.path.expanduser()
        if not (path / "config.json").is_file():
            raise ArtefactError(
                f"hf_classifier: {path} is not a Hugging Face model directory (no config.json)"
            )
        try:
            import torch
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError as exc:
            raise MissingDependencyError(
                "hf_classifier detector", "hf", "transformers, torch"
            ) from exc
        try:
            tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
            model = AutoModelForSequenceClassification.from_pretrained(
                str(path), local_files_only=True
            )
        except (OSError, ValueError, KeyError) as exc:
            raise ArtefactError(f"hf_classifier: cannot load the model in {path}: {exc}") from exc
        model.to(self._params.device)
        model.eval()
        labels = _labels(model.config)
        self._index = _resolve_label(self._params.positive_label, labels, path)
        self._label = labels[self._index]
        limits = [self._params.max_length, getattr(model.config, "max_position_embeddings", None)]
        self._max_length = min(n for n in limits if isinstance(n, int) and n > 0)
        self._torch, self._tokenizer, self._model = torch, tokenizer, model

    def score(self, item: DetectorInput) -> DetectorResult:
        """Probability of the positive label, maximised over the normalised views."""
        views = list(item.normalised.views) or [item.normalised.normalised]
        probs = self.probabilities(views)
        best = max(range(len(views)), key=probs.__getitem__)
        params = self._params
        return self.result(
            probs[best],
            params.category,
            categories={params.category: probs[best]},
            details={"label": self._label, "view": best},
        )

    def probabilities(self, texts: list[str]) -> list[float]:
        """Positive-label probability for each text (public so benches can batch)."""
        self.setup()
        torch = self._torch
        encoded = self._tokenizer(
            texts,
            truncation=True,
            max_length=self._max_length,
            padding=True,
            return_tensors="pt",
        ).to(self._params.device)
        with torch.inference_mode():
            logits = self._model(**encoded).logits.float()
        if logits.shape[-1] == 1:  # a single-logit model is a binary classifier
            positive = torch.sigmoid(logits[:, 0])
        else:
            positive = torch.softmax(logits, dim=-1)[:, self._index]
        return [float(p) for p in positive.tolist()]


def _labels(config: Any) -> list[str]:
    """Label names in index order; ``LABEL_<i>`` when the config names none."""
    count = max(int(getattr(config, "num_labels", 1)), 1)
    id2label = getattr(config, "id2label", None) or {}
    return [str(id2label.get(i, f"LABEL_{i}")) for i in range(count)]


def _resolve_label(wanted: str | int | None, labels: list[str], path: Path) -> int:
    """Index of the scored label; names match exactly first, then ignoring case."""
    if wanted is None:
        return len(labels) - 1
    if isinstance(wanted, int):
        if 0 <= wanted < len(labels):
            return wanted
    elif wanted in labels:
        return labels.index(wanted)
    else:
        folded = [label.casefold() for label in labels]
        if wanted.casefold() in folded:
            return folded.index(wanted.casefold())
    raise ArtefactError(
        f"hf_classifier: positive_label {wanted!r} is not a label of the model in {path}; "
        f"labels are {dict(enumerate(labels))}"
    )

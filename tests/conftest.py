"""Shared fixtures: an isolated, offline environment and small test detectors."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from safeship.detectors.base import BaseDetector, DetectorInput, DetectorParams, detectors
from safeship.types import DetectorResult, Finding

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SAFESHIP_DATA", REPO.parent / "shared" / "datasets"))


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test reads or writes the real home directory or reaches a model hub."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for key in [k for k in os.environ if k.startswith("SAFESHIP_") and k not in ("SAFESHIP_DATA", "SAFESHIP_UPDATE_GOLDEN")]:
        monkeypatch.delenv(key)


class KeywordParams(DetectorParams):
    """Params of the keyword test detector."""

    keyword: str = "attack"
    category: str = "test_category"


class KeywordDetector(BaseDetector):
    """Scores 0.9 when the keyword appears in any normalised view; spans on the original text."""

    name: ClassVar[str] = "keyword"
    description: ClassVar[str] = "test keyword detector"
    params_model: ClassVar[type[DetectorParams]] = KeywordParams
    contextual: ClassVar[bool] = True
    sources: ClassVar[frozenset[str]] = frozenset({"user", "document", "conversation"})

    def score(self, item: DetectorInput) -> DetectorResult:
        assert isinstance(self.params, KeywordParams)
        kw = self.params.keyword
        spans = []
        start = item.text.lower().find(kw)
        if start >= 0:
            spans.append(Finding(start=start, end=start + len(kw), text=item.text[start : start + len(kw)], entity="KEYWORD"))
        hit = any(kw in " ".join(v.lower().split()) for v in item.normalised.views)
        return self.result(0.9 if hit else 0.1, self.params.category, findings=tuple(spans))


class SlowParams(DetectorParams):
    delay_s: float = 2.0


class SlowDetector(BaseDetector):
    """A blocking detector that sleeps, to exercise timeouts."""

    name: ClassVar[str] = "slow"
    description: ClassVar[str] = "test slow detector"
    params_model: ClassVar[type[DetectorParams]] = SlowParams
    blocking: ClassVar[bool] = True

    async def detect(self, item: DetectorInput) -> DetectorResult:
        assert isinstance(self.params, SlowParams)
        await asyncio.sleep(self.params.delay_s)
        return self.result(0.0, "slow")


@pytest.fixture()
def test_detectors() -> Iterator[None]:
    """Register the test detectors for one test."""
    detectors.register()(KeywordDetector)
    detectors.register()(SlowDetector)
    yield
    detectors.unregister("keyword")
    detectors.unregister("slow")


@pytest.fixture
def fake_encoder(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Build a fine-tuned-encoder directory from the shipped MiniLM graph and a written head.

    ``fake_encoder(stack, like)``: the head's logit is 10 x the cosine to the text ``like``, so a
    test controls what the "encoder" thinks; ``stack`` is the stacker block (``None``: none).
    """
    import json
    import shutil

    from safeship.features.embedding import DEFAULT_MODEL_DIR, OnnxEmbedder

    def make(stack: dict[str, object] | None, like: str) -> Path:
        out = tmp_path / f"enc{len(list(tmp_path.iterdir()))}"
        out.mkdir()
        for name in ("model_int8.onnx", "tokenizer.json"):
            shutil.copy(DEFAULT_MODEL_DIR / name, out / name)
        vector = OnnxEmbedder(DEFAULT_MODEL_DIR, max_tokens=64).embed([like])[0]
        head: dict[str, object] = {
            "coef": (10.0 * vector).astype(float).tolist(),
            "intercept": 0.0,
            "max_tokens": 64,
        }
        if stack is not None:
            head["stack"] = stack
        (out / "head.json").write_text(json.dumps(head), encoding="utf-8")
        return out

    return make


@pytest.fixture()
def asked(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str | None]]:
    """Every ``Guard.stops_alone`` question: (text, the system prompt it was asked with)."""
    from safeship.guard import Guard

    questions: list[tuple[str, str | None]] = []
    real = Guard.stops_alone

    async def recording(self: Guard, text: str, context: Any = None) -> bool:
        questions.append((text, context.system_prompt if context is not None else None))
        return await real(self, text, context)

    monkeypatch.setattr(Guard, "stops_alone", recording)
    return questions


@pytest.fixture()
def normalised_on(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``watch(module)``: the names of the threads ``module.normalise`` runs on, in order."""
    import threading

    def watch(module: Any) -> list[str]:
        threads: list[str] = []
        real = module.normalise

        def spy(text: str) -> Any:
            threads.append(threading.current_thread().name)
            return real(text)

        monkeypatch.setattr(module, "normalise", spy)
        return threads

    return watch

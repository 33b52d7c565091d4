"""Sentence embeddings from the MiniLM ONNX model shipped in ``safeship/models/minilm``.

all-MiniLM-L6-v2 exported to ONNX and quantised to int8 (``training/export_minilm.py``) runs with
onnxruntime + tokenizers + numpy alone: no torch at run time, ~250 MB RSS instead of ~600 MB, and
about a millisecond per short text. Pooling reproduces sentence-transformers exactly (mean over
real tokens, then L2 normalisation), so heads trained on these vectors see what they were trained
on. Measured numbers and the quantisation recipe are in ``models/cards/minilm.md``.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from safeship.errors import ArtefactError

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

EMBEDDING_DIM = 384
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "minilm"
MODEL_FILE = "model_int8.onnx"
TOKENIZER_FILE = "tokenizer.json"


class Embedder(Protocol):
    """Maps texts to L2-normalised float32 vectors of shape ``(n, EMBEDDING_DIM)``."""

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed a batch of texts."""
        ...


class OnnxEmbedder:
    """MiniLM sentence embedder on onnxruntime.

    Each text runs on its own, never padded into a batch: dynamic int8 quantisation picks its
    activation scales per call, so a text batched with others embedded differently (cosine down
    to 0.977 against the same text alone). A guard must give one text one score whatever else
    is in flight, and heads must see at run time what they saw in training. Batching only won
    ~1.4x on very short texts and nothing from ~70 tokens up, so determinism costs little.

    Args:
        model_dir: Directory holding ``model_int8.onnx`` and ``tokenizer.json``; defaults to
            the artefact shipped with the package.
        max_tokens: Truncation length in word pieces (the model was trained with 256).
        intra_op_threads: onnxruntime threads per call. One by default: the guard already runs
            detectors concurrently, and on small machines extra threads only contend.
        signed_int8: Run the MatMul weights as int8 on CPUs where that is bit-identical and
            faster (see :mod:`safeship.features.signed_int8`); ``False`` loads the file as is.
    """

    def __init__(
        self,
        model_dir: Path | None = None,
        max_tokens: int = 256,
        intra_op_threads: int = 1,
        signed_int8: bool = True,
    ) -> None:
        self.model_dir = Path(model_dir) if model_dir is not None else DEFAULT_MODEL_DIR
        self.max_tokens = max_tokens
        self._tokenizer = _load_tokenizer(self.model_dir / TOKENIZER_FILE, max_tokens)
        self._session, self.signed_int8 = _load_session(
            self.model_dir / MODEL_FILE, intra_op_threads, signed_int8
        )
        self._input_names = {i.name for i in self._session.get_inputs()}

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts``.

        Args:
            texts: Any strings, including empty ones (they embed the bare ``[CLS] [SEP]``).

        Returns:
            Float32 array of shape ``(len(texts), EMBEDDING_DIM)`` with unit-norm rows.
        """
        out = np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            # ``encode`` rather than ``encode_batch``: the latter starts a Rayon thread pool,
            # which contends on small machines and warns after a fork.
            out[row] = self._run(self._tokenizer.encode(text).ids)
        return out

    def _run(self, ids: list[int]) -> np.ndarray:
        """Embed one tokenised text: mean over its tokens, then L2 normalisation."""
        input_ids = np.asarray([ids], dtype=np.int64)
        feeds = {"input_ids": input_ids, "attention_mask": np.ones_like(input_ids)}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        pooled = self._session.run(None, feeds)[0][0].mean(axis=0)
        norm = max(float(np.linalg.norm(pooled)), 1e-12)
        return np.asarray(pooled / norm, dtype=np.float32)


@functools.lru_cache(maxsize=4)
def _prefix_tokenizer(max_tokens: int) -> Tokenizer:
    return _load_tokenizer(DEFAULT_MODEL_DIR / TOKENIZER_FILE, max_tokens)


def token_prefix(text: str, max_tokens: int) -> str:
    """The start of ``text`` that MiniLM reads within ``max_tokens`` tokens, cut between words.

    An embedding costs about 0.1 ms per token here, so a detector whose embedding head gains
    nothing from a long view embeds this prefix instead (the shipped tokenizer decides where it
    ends; ``[CLS]`` and ``[SEP]`` count). A text that fits is returned as is, so it shares its
    embedding with every other detector that embeds the same text.
    """
    if len(text) <= max_tokens - 2:  # every word piece covers at least one character
        return text
    encoding = _prefix_tokenizer(max_tokens).encode(text)
    if not encoding.overflowing:
        return text
    end = max(stop for _, stop in encoding.offsets)
    if end < len(text) and text[end].isalnum():  # the cut fell inside a word: drop that word
        space = text.rfind(" ", 0, end)
        end = space if space > 0 else end
    return text[:end]


def _load_tokenizer(path: Path, max_tokens: int) -> Tokenizer:
    """Load the fast tokenizer with truncation on and padding off (we pad per batch)."""
    from tokenizers import Tokenizer

    if not path.is_file():
        raise ArtefactError(f"MiniLM tokenizer not found: {path}")
    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as exc:  # tokenizers raises a bare Exception on malformed JSON
        raise ArtefactError(f"MiniLM tokenizer is unreadable: {path}: {exc}") from exc
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_tokens)
    return tokenizer


def _load_session(
    path: Path, intra_op_threads: int, signed_int8: bool = True
) -> tuple[onnxruntime.InferenceSession, bool]:
    """Open the ONNX model quietly with a bounded thread pool; also say if weights run signed."""
    import onnxruntime

    from safeship.features.signed_int8 import cpu_has_vnni, signed_weights

    if not path.is_file():
        raise ArtefactError(f"MiniLM ONNX model not found: {path}")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = intra_op_threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    try:
        onnxruntime.disable_telemetry_events()
    except AttributeError:  # not every build exposes it
        pass
    model: str | bytes = str(path)
    if signed_int8 and cpu_has_vnni():
        try:
            model = signed_weights(path.read_bytes()) or model
        except OSError:  # unreadable here: let onnxruntime report it below
            pass
    try:
        session = onnxruntime.InferenceSession(
            model, sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises its own untyped errors on corrupt files
        raise ArtefactError(f"MiniLM ONNX model is unreadable: {path}: {exc}") from exc
    return session, isinstance(model, bytes)


def read_config(model_dir: Path | None = None) -> dict[str, object]:
    """The build metadata written next to the model (source, license, pooling, max tokens)."""
    path = (model_dir or DEFAULT_MODEL_DIR) / "config.json"
    if not path.is_file():
        raise ArtefactError(f"MiniLM config not found: {path}")
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


@functools.lru_cache(maxsize=1)
def load_default_embedder() -> OnnxEmbedder:
    """The shipped embedder, loaded once per process and shared by every guard in it.

    Sharing is safe: ``InferenceSession.run`` is thread-safe and the tokenizer is read-only.
    """
    return OnnxEmbedder()

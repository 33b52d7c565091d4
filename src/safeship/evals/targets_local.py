"""The ``local:smollm2`` eval target: SmolLM2 run in-process through llama-cpp-python.

The model call is blocking CPU work, so ``generate`` runs it in a worker thread and the event
loop stays free for other targets and scorers. All targets of one config share one loaded model
(see ``safeship.local_models.shared_model``) and its lock serialises completions, so a runner
with concurrency 32 does not load 32 copies or corrupt the llama.cpp context.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from safeship.errors import InputError
from safeship.local_models import (
    ChatMessage,
    LocalChatModel,
    LocalModelConfig,
    shared_model,
)

LOCAL_MODELS = ("smollm2",)


class LocalTarget:
    """An eval target backed by a local GGUF chat model.

    The model loads on the first ``generate`` (or ``load``), not in ``__init__``, so building a
    target from a spec string is cheap and a missing extra surfaces where the run starts.
    """

    def __init__(self, name: str = "smollm2", config: LocalModelConfig | None = None) -> None:
        """Store the model name and load settings; raises ``InputError`` for an unknown model."""
        if name not in LOCAL_MODELS:
            raise InputError(
                f"local target: unknown model {name!r}; known: {', '.join(LOCAL_MODELS)}"
            )
        self.name = f"local:{name}"
        self.config = config or LocalModelConfig()
        self._model: LocalChatModel | None = None

    @classmethod
    def from_spec(cls, spec: str, config: LocalModelConfig | None = None) -> LocalTarget:
        """Build a target from a CLI spec such as ``local:smollm2``."""
        kind, _, model = spec.partition(":")
        if kind != "local" or not model:
            raise InputError(f"target spec {spec!r}: expected 'local:MODEL'")
        return cls(model, config)

    def load(self) -> LocalChatModel:
        """Load (or reuse) the process-wide model for this target's config."""
        if self._model is None:
            self._model = shared_model(self.config)
        return self._model

    async def generate(self, messages: Sequence[ChatMessage]) -> str:
        """Answer a chat; the blocking model call runs in a worker thread."""
        model = await asyncio.to_thread(self.load)
        return await asyncio.to_thread(model.chat, list(messages))

"""Per-check memo of features, so each is computed once per text however many detectors ask."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from safeship.errors import ArtefactError
from safeship.features.hashing import HashedRows

EMBED_SLICE = 8
"""Texts embedded between two looks at a cancellable view's flag (one text is ~1-35 ms)."""


class CheckAbandoned(Exception):
    """Raised inside a detector whose caller stopped waiting (its layer timed out)."""


if TYPE_CHECKING:
    from safeship.features.embedding import Embedder
    from safeship.features.hashing import NgramHasher
    from safeship.features.memo import EmbeddingMemo


class FeatureCache:
    """Memoises hashed n-gram counts and sentence embeddings keyed by the exact text.

    One cache lives for one guard check (or one batch), which bounds its memory; the guard
    pre-computes embeddings for a whole batch in one call when it knows they will be needed.
    An optional ``memo`` outlives the check and keeps embeddings of texts that recur across
    checks (system prompts), so they are computed once per process rather than per request.
    """

    def __init__(
        self,
        hasher: NgramHasher,
        embedder: Embedder | None = None,
        memo: EmbeddingMemo | None = None,
    ) -> None:
        self._hasher = hasher
        self._embedder = embedder
        self._memo = memo
        self._hashed: dict[str, HashedRows] = {}
        self._embedded: dict[str, np.ndarray] = {}
        self._use_embedded: dict[str, np.ndarray] = {}
        self._stage1: FeatureCache | None = None
        self._abandoned = False
        self._cancellable = False
        self.embedding_calls = 0

    def cancellable(self) -> FeatureCache:
        """A view sharing this cache's features, whose work :meth:`abandon` can stop.

        For a detector run the guard may stop waiting for (``safeship.long_text``): abandoning
        the view makes its next embedding raise :class:`CheckAbandoned`, so a timed-out scan of
        a long text frees its thread within one embedding instead of running to its end, while
        the other detectors of the check keep using the shared features.
        """
        view = FeatureCache(self._hasher, self._embedder, self._memo)
        view._hashed, view._embedded, view._use_embedded = (
            self._hashed,
            self._embedded,
            self._use_embedded,
        )
        view._cancellable = True
        return view

    def abandon(self) -> None:
        """Stop the work of this (cancellable) view at its next hashing or embedding."""
        self._abandoned = True
        if self._stage1 is not None:
            self._stage1._abandoned = True

    def _check_abandoned(self) -> None:
        if self._abandoned:
            raise CheckAbandoned("the caller stopped waiting for this detector")

    def stage1_view(self) -> FeatureCache:
        """A view of the cache without its embedder: the same hashed features, no embeddings.

        For detectors a policy runs on stage 1 only (``embeddings: false``): they share the
        n-gram counts of the check but never make it wait for an embedding.
        """
        if self._embedder is None:
            return self
        if self._stage1 is None:
            self._stage1 = FeatureCache(self._hasher)
            self._stage1._hashed = self._hashed
            self._stage1._abandoned = self._abandoned
        return self._stage1

    @property
    def has_embedder(self) -> bool:
        """Whether embeddings can be computed here."""
        return self._embedder is not None

    def hashed(self, texts: list[str]) -> HashedRows:
        """Hashed n-gram counts for ``texts`` (rows in order)."""
        self._check_abandoned()  # a checkpoint in long scans' stage 1 too, not only at embeddings
        missing = [t for t in dict.fromkeys(texts) if t not in self._hashed]
        if len(missing) == 1:  # a one-row block is its own row
            self._hashed[missing[0]] = self._hasher.rows(missing)
        elif missing:
            rows = self._hasher.rows(missing)
            for i, t in enumerate(missing):
                self._hashed[t] = rows.row(i)
        if len(texts) == 1:
            return self._hashed[texts[0]]
        return HashedRows.stack([self._hashed[t] for t in texts])

    def embeddings(self, texts: list[str]) -> np.ndarray:
        """Sentence embeddings for ``texts`` (rows in order)."""
        if self._embedder is None:
            raise ArtefactError("no sentence embedder is configured for this guard")
        missing = [t for t in dict.fromkeys(texts) if t not in self._embedded]
        if self._memo is not None and missing:
            for t in missing:
                remembered = self._memo.get(t)
                if remembered is not None:
                    self._embedded[t] = remembered
            missing = [t for t in missing if t not in self._embedded]
        if missing:
            self.embedding_calls += 1
            vectors = self._embed(missing)
            for i, t in enumerate(missing):
                self._embedded[t] = vectors[i]
                if self._memo is not None:
                    self._memo.put(t, vectors[i])
        if len(texts) == 1:
            return self._embedded[texts[0]][None, :]
        return np.stack([self._embedded[t] for t in texts])

    def _embed(self, texts: list[str]) -> np.ndarray:
        """Embed with the sentence embedder (see :meth:`_sliced`)."""
        assert self._embedder is not None
        return self._sliced(self._embedder.embed, texts)

    def _sliced(self, embed: Callable[[list[str]], np.ndarray], texts: list[str]) -> np.ndarray:
        """``embed(texts)``; a cancellable view looks at its flag every ``EMBED_SLICE`` texts.

        MiniLM embeds each text alone, so slicing changes no vector; USE batches, and a sliced
        batch moves a vector by ~1e-7 (only long texts, the ones scored on a cancellable view).
        """
        if not self._cancellable:
            return embed(texts)
        parts = []
        for start in range(0, len(texts), EMBED_SLICE):
            self._check_abandoned()
            parts.append(embed(texts[start : start + EMBED_SLICE]))
        return np.concatenate(parts)

    def use_embeddings(self, texts: list[str]) -> np.ndarray:
        """Multilingual USE embeddings for ``texts`` (rows in order), once per text per check.

        ``prompt_injection`` and ``harmful_request`` route Latin-script text in the same eight
        languages through the same gate; without this memo each would pay the ~5 ms embedding
        on its own.
        """
        from safeship.features.multilingual import DIM, default_use_embedder

        missing = [t for t in dict.fromkeys(texts) if t not in self._use_embedded]
        if missing:
            vectors = self._sliced(default_use_embedder().embed, missing)
            for i, t in enumerate(missing):
                self._use_embedded[t] = vectors[i]
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.stack([self._use_embedded[t] for t in texts])

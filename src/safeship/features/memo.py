"""Sentence embeddings remembered across checks, for texts that come back again and again.

An app sends the same system prompt with every chat request, and the injection detector embeds
it every time to score the user turn against it: one embedding of a 50-250 token text, 5-25 ms
of CPU per request for a vector that never changes. A small LRU keyed by the exact text gives
the same vector back (each text is embedded alone, so its vector does not depend on what else is
in flight) and bounds the memory: ``max_items`` vectors of 1.5 KB plus their keys, and texts
longer than ``max_chars`` are never kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np


class EmbeddingMemo:
    """A thread-safe LRU of embeddings keyed by the exact text.

    Args:
        max_items: Vectors kept; the least recently used goes first. ``0`` keeps nothing.
        max_chars: Longer texts are not kept (their keys would cost more than they save).
    """

    def __init__(self, max_items: int = 1024, max_chars: int = 4096) -> None:
        self.max_items = max_items
        self.max_chars = max_chars
        self.hits = 0
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> np.ndarray | None:
        """The remembered vector for ``text`` (read-only), or ``None``."""
        with self._lock:
            vector = self._items.get(text)
            if vector is not None:
                self._items.move_to_end(text)
                self.hits += 1
            return vector

    def put(self, text: str, vector: np.ndarray) -> None:
        """Remember a copy of ``vector`` for ``text``, evicting the oldest over the bound."""
        if self.max_items <= 0 or len(text) > self.max_chars:
            return
        kept = np.array(vector, dtype=np.float32, copy=True)
        kept.setflags(write=False)  # shared by later checks: nobody may change it in place
        with self._lock:
            self._items[text] = kept
            self._items.move_to_end(text)
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        """How many vectors are kept."""
        return len(self._items)

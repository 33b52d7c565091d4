"""The shape of one language's injection-cue vocabulary (see ``_injection_cue_lexicon``)."""

from __future__ import annotations

from dataclasses import dataclass


def _words(*chunks: str) -> tuple[str, ...]:
    """A word list written as ``|``-separated strings (one line holds many short words)."""
    return tuple(word for chunk in chunks for word in chunk.split("|") if word)


@dataclass(frozen=True)
class CueWords:
    """The cue vocabulary of one language (see the module docstring)."""

    lang: str
    spaced: bool
    verbs: tuple[str, ...]
    objects: tuple[str, ...]
    soft_objects: tuple[str, ...]
    strong_dets: tuple[str, ...]
    weak_dets: tuple[str, ...]
    mine: tuple[str, ...]
    reveal: tuple[str, ...]
    secrets: tuple[str, ...]
    unbound: tuple[str, ...]
    persona: tuple[str, ...]
    answer: tuple[str, ...]
    answer_first: bool
    headers: tuple[str, ...] = ()
    news: tuple[str, ...] = ()
    ai: tuple[str, ...] = ()
    directives: tuple[str, ...] = ()
    send: tuple[str, ...] = ()
    lifted: tuple[str, ...] = ()
    strong_suffixes: tuple[str, ...] = ()
    mine_suffixes: tuple[str, ...] = ()
    window: int = 40
    dense: bool = False

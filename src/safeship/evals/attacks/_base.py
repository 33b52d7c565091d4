"""Attack transforms: seeded functions from a case to a harder case, kept in a small registry.

An attack rewrites what a case sends (never what it expects, except indirect injection, which
turns the case into a canary leak test). Each attack is a pure function of the case and a
``random.Random``, so a seed reproduces the exact attacked suite. ``compose(["a", "b"])`` applies
``a`` then ``b`` with one RNG. The attacked case keeps the original's category and gets a new id
(``ID~a+b``) and an ``attack`` slice, so per-attack rates fall out of the metrics.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from safeship.evals.suite import Case
from safeship.types import Message

AttackFn = Callable[[Case, random.Random], Case]
ATTACKS: dict[str, AttackFn] = {}
"""Every registered attack by name; plugins add theirs with :func:`register_attack`."""


def register_attack(name: str) -> Callable[[AttackFn], AttackFn]:
    """Register ``fn`` under ``name`` (a duplicate name is an error, not a silent override)."""

    def decorate(fn: AttackFn) -> AttackFn:
        if name in ATTACKS or "+" in name:
            raise ValueError(f"attack name {name!r} is taken or contains '+'")
        ATTACKS[name] = fn
        return fn

    return decorate


@dataclass(frozen=True)
class Attack:
    """A named chain of registered attacks, applied left to right with one seeded RNG."""

    names: tuple[str, ...]

    @property
    def name(self) -> str:
        """``a+b``: the label reports and metrics group by."""
        return "+".join(self.names)

    def apply(self, case: Case, seed: int = 0) -> Case:
        """The attacked case; the same case and seed always give the same result."""
        rng = random.Random(f"{seed}:{case.id}:{self.name}")
        out = case
        for name in self.names:
            out = ATTACKS[name](out, rng)
        slices = {**case.slices, "attack": self.name}
        return rebuild(out, id=f"{case.id}~{self.name}", slices=slices)


def compose(names: list[str] | tuple[str, ...] | str) -> Attack:
    """An ``Attack`` from names (a list or ``"a+b"``); raises ``KeyError`` naming the unknown."""
    parts = tuple(names.split("+")) if isinstance(names, str) else tuple(names)
    unknown = [n for n in parts if n not in ATTACKS]
    if unknown or not parts:
        raise KeyError(f"unknown attacks {unknown}; known: {', '.join(sorted(ATTACKS))}")
    return Attack(parts)


def request_text(case: Case) -> str:
    """The text the attacker controls: the prompt, or the last user turn of a conversation."""
    if case.prompt is not None:
        return case.prompt
    return next(m.content for m in reversed(case.conversation) if m.role == "user")


def with_request(case: Case, text: str) -> Case:
    """``case`` with its attacker-controlled text replaced (context and history untouched)."""
    if case.prompt is not None:
        return rebuild(case, prompt=text)
    msgs = list(case.conversation)
    last = max(i for i, m in enumerate(msgs) if m.role == "user")
    msgs[last] = Message(role="user", content=text)
    return rebuild(case, messages=tuple(msgs))


def rebuild(case: Case, **update: Any) -> Case:
    """A validated copy (``model_copy`` would skip the case's consistency checks)."""
    return Case.model_validate({**case.model_dump(), **update})

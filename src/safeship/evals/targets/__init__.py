"""Targets: what an eval sends its cases to, named by spec strings.

=========================  ==============================================================
``mock:refuse-all``        refuses everything (reference: attack success 0)
``mock:comply-all``        complies with everything (reference: attack success 100%)
``python:MODULE:FUNC``     a sync or async callable taking OpenAI-style message dicts
``openai:BASE_URL#MODEL``  an OpenAI-compatible chat endpoint (async httpx)
``local:smollm2``          SmolLM2-135M-Instruct in-process (``safeship[local]``)
``guarded:SPEC``           any of the above behind a safeship guard (``guard=`` or default)
=========================  ==============================================================

``parse_target`` looks the prefix up in ``FACTORIES``; adding a kind is one table entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from safeship.evals.targets._base import Target, TargetReply
from safeship.evals.targets.guarded import GuardedTarget, GuardLike
from safeship.evals.targets.mock import ComplyAll, RefuseAll
from safeship.evals.targets.openai import OpenAITarget
from safeship.evals.targets.python import CallableTarget

Factory = Callable[..., Target]

_MOCKS: dict[str, Callable[[], Target]] = {"refuse-all": RefuseAll, "comply-all": ComplyAll}


def _mock(rest: str, **_: Any) -> Target:
    if rest not in _MOCKS:
        raise ValueError(f"unknown mock target {rest!r}; known: {', '.join(sorted(_MOCKS))}")
    return _MOCKS[rest]()


def _python(rest: str, **_: Any) -> Target:
    return CallableTarget.from_path(rest)


def _openai(rest: str, **options: Any) -> Target:
    base_url, sep, model = rest.rpartition("#")
    if not sep or not base_url or not model:
        raise ValueError(f"expected openai:BASE_URL#MODEL, got openai:{rest}")
    return OpenAITarget(base_url, model, **options)


def _local(rest: str, **_: Any) -> Target:
    from safeship.evals.targets.local import LocalModelTarget  # deferred: llama.cpp is optional
    from safeship.evals.targets_local import LocalTarget

    return LocalModelTarget(LocalTarget.from_spec(f"local:{rest}"))


def _guarded(rest: str, guard: GuardLike | None = None, **options: Any) -> Target:
    if guard is None:
        from safeship.guard import Guard  # deferred: loading a policy is heavy

        guard = Guard.default()
    return GuardedTarget(parse_target(rest, **options), guard)


FACTORIES: dict[str, Factory] = {
    "mock": _mock,
    "python": _python,
    "openai": _openai,
    "local": _local,
    "guarded": _guarded,
}
"""Spec prefix -> factory taking the rest of the spec and keyword options."""


def parse_target(spec: str, **options: Any) -> Target:
    """Build the target a spec names; ``options`` go to the factory (client, concurrency...).

    Raises:
        ValueError: If the prefix is unknown or the rest of the spec is malformed.
    """
    prefix, sep, rest = spec.partition(":")
    if not sep or prefix not in FACTORIES:
        raise ValueError(f"unknown target {spec!r}; prefixes: {', '.join(sorted(FACTORIES))}")
    return FACTORIES[prefix](rest, **options)


__all__ = [
    "FACTORIES",
    "CallableTarget",
    "ComplyAll",
    "GuardLike",
    "GuardedTarget",
    "OpenAITarget",
    "RefuseAll",
    "Target",
    "TargetReply",
    "parse_target",
]

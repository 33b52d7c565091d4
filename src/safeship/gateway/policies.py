"""The live policy and the candidate policies, each as a warmed-up guard, swapped whole on reload.

Flags name policies by label: ``""`` is the live policy, other labels are the gateway config's
``candidate_policies``. A reload builds and validates every guard first (parse, features named
by the config, detectors warmed up) in a worker thread, and only then replaces the whole set in
one assignment, so a request sees either the old set or the new one, never a mix, and a bad
file changes nothing. Guards replaced by a reload are kept until shutdown: requests in flight may
still be using them.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from safeship.errors import PolicyProblem
from safeship.gateway.config import GatewayConfig, GatewayConfigError
from safeship.guard import Guard

log = logging.getLogger("safeship.gateway")
LIVE = ""


@dataclass(frozen=True)
class _Set:
    live: Guard
    candidates: dict[str, Guard]


def check_features(config: GatewayConfig, guard: Guard) -> None:
    """Fail at start-up (or reload), not on a request, if the config names a missing feature."""
    problems = []
    named = [("feature_default", config.feature_default)]
    named += [(f"api_keys.{i}.feature", k.feature) for i, k in enumerate(config.api_keys)]
    named += [(f"tools.{name}", name) for name in config.tools]
    for where, feature in named:
        try:
            guard.policy.feature(feature)
        except KeyError as exc:
            problems.append(PolicyProblem("<gateway config>", None, where, str(exc.args[0])))
    if problems:
        raise GatewayConfigError(problems)


def _load(config: GatewayConfig) -> _Set:
    live = Guard.from_file(config.policy) if config.policy is not None else Guard.default()
    candidates = {label: Guard.from_file(path) for label, path in config.candidate_policies.items()}
    for guard in (live, *candidates.values()):
        check_features(config, guard)
        guard.warmup()
    return _Set(live, candidates)


class PolicySet:
    """Which guard enforces a label; ``reload`` swaps every guard at once."""

    def __init__(self, live: Guard, candidates: dict[str, Guard] | None = None) -> None:
        self._set = _Set(live, dict(candidates or {}))
        self._retired: list[Guard] = []
        self._lock = asyncio.Lock()

    @classmethod
    async def load(cls, config: GatewayConfig, live: Guard | None = None) -> PolicySet:
        """Build (or adopt ``live``) and warm every guard, off the event loop."""
        if live is None:
            loaded = await asyncio.to_thread(_load, config)
            return cls(loaded.live, loaded.candidates)
        check_features(config, live)
        await asyncio.to_thread(live.warmup)
        candidates = {
            label: await asyncio.to_thread(Guard.from_file, path)
            for label, path in config.candidate_policies.items()
        }
        for guard in candidates.values():
            check_features(config, guard)
            await asyncio.to_thread(guard.warmup)
        return cls(live, candidates)

    @property
    def live(self) -> Guard:
        """The guard of the live policy."""
        return self._set.live

    def guard(self, label: str | None) -> Guard:
        """The guard for a flag's policy label; an unknown label falls back to live, logged."""
        current = self._set
        if not label:
            return current.live
        found = current.candidates.get(label)
        if found is None:
            log.warning("flag names unknown policy %r; using the live policy", label)
            return current.live
        return found

    def versions(self) -> dict[str, str]:
        """Label -> loaded policy version, for the admin API."""
        current = self._set
        out = {LIVE or "live": current.live.loaded.version}
        out.update({k: g.loaded.version for k, g in current.candidates.items()})
        return out

    async def reload(self, config: GatewayConfig) -> dict[str, str]:
        """Rebuild every guard from the config's files; raise (and change nothing) if invalid."""
        async with self._lock:
            fresh = await asyncio.to_thread(_load, config)
            old = self._set
            self._set = fresh
            self._retired += [old.live, *old.candidates.values()]
        log.info("policy reloaded: %s", fresh.live.loaded.version)
        return self.versions()

    def close(self, *, keep: Guard | None = None) -> None:
        """Close every guard built here (``keep``: an injected one, owned by the caller)."""
        current = self._set
        for guard in {
            id(g): g for g in (current.live, *current.candidates.values(), *self._retired)
        }.values():
            if guard is not keep:
                guard.close()

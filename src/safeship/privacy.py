"""What of a text may reach a model under the policy's privacy layers, and nothing else.

Why: the input check redacts the *newest* user turn, and only that turn is what the gateway used
to redact in the body it forwards. In a stateless chat API the client sends its whole history on
every call, with its own, unredacted copy of each earlier turn: "my email is jane@example.com"
was redacted on the call that carried it as the newest turn, and forwarded in full on every call
after it. Earlier turns therefore go through the feature's privacy layers too, and only those:
the ``secrets`` and ``pii`` layers, and the deny rules that redact or that name private data
(``privacy_categories``), with their thresholds, tiers, actions, fail modes and allow rules
(``privacy_view``). Content layers
(injection, harmful requests, toxicity) are the multi-turn window's business, not this one's.

The same view screens embeddings inputs (``gateway/embeddings.py``): documents that never reach a
user, where only private data matters.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from safeship.detectors.base import detectors
from safeship.policy.schema import FeaturePolicy
from safeship.types import Action, Decision

PRIVACY_DETECTORS = frozenset({"secrets", "pii"})
"""The built-in detectors whose findings are private data, redacted rather than judged."""

REMOVED = "[removed: private data]"
"""What an earlier turn becomes when the policy blocks its private data and no span shows where
it is (a secret only a decoded view shows, a failed layer under ``fail_mode: closed``)."""

_VIEWS: dict[int, tuple[FeaturePolicy, FeaturePolicy | None]] = {}


@functools.cache
def privacy_categories() -> frozenset[str]:
    """Categories that name private data: what the privacy detectors report, and the usual names.

    A deny rule of one of these categories (an SSN regex filed under ``pii``) keeps its data from
    the model whatever its action, so it applies to earlier turns and embeddings too; a deny rule
    of any other category (a jailbreak phrase) is content, the window's business.
    """
    names = {"pii", "secret", "secrets", "privacy", "private_data", "credentials"}
    for name in PRIVACY_DETECTORS:
        names |= detectors.get(name).reports or frozenset()
    return frozenset(names - {"none"})


def privacy_view(feature: FeaturePolicy) -> FeaturePolicy | None:
    """``feature`` with only its input privacy layers and redacting deny rules (None: none).

    The layer specs are the feature's own objects, so a guard reuses the detectors it built for
    them. Cached per feature object (a policy reload makes new ones).
    """
    known = _VIEWS.get(id(feature))
    if known is not None and known[0] is feature:
        return known[1]
    specs = [s for s in feature.input if s.detector in PRIVACY_DETECTORS]
    deny = [
        r
        for r in feature.rules.deny
        if r.action is Action.REDACT or r.category in privacy_categories()
    ]
    view = None
    if specs or deny:
        rules = feature.rules.model_copy(update={"deny": deny})
        view = feature.model_copy(update={"input": specs, "rules": rules, "history_turns": 1})
    if len(_VIEWS) >= 256:
        _VIEWS.pop(next(iter(_VIEWS)))
    _VIEWS[id(feature)] = (feature, view)
    return view


def as_sent(decision: Decision, text: str) -> str:
    """``text`` as it may reach the model under a privacy-only ``decision``.

    ``redact`` gives the engine's redacted text (a redaction with any evidence it cannot locate
    is already a block). ``block`` means the policy keeps that data from the model, and some of
    it may have no span (an encoded copy, a layer that failed under ``fail_mode: closed``), so
    the whole text is replaced by ``REMOVED``: never sent in part. ``allow`` and ``warn`` leave
    it unchanged.
    """
    if decision.action is Action.REDACT and decision.redacted_text is not None:
        return decision.redacted_text
    if decision.action is Action.BLOCK:
        return REMOVED
    return text


class SentTexts:
    """A bounded memo of ``as_sent`` answers, keyed by digests (it holds no raw private data).

    A conversation re-sends every earlier turn on each call, so each turn is screened once per
    policy version, feature and tier, not once per call. An answer made while a layer failed is
    not kept: a failure's fail mode is not the text's own answer. Bounded by entries and by the
    characters of the redacted texts it keeps (an unchanged text is kept as a mark, not a copy);
    a text over ``LONGEST`` characters is screened every time rather than kept.
    """

    LONGEST = 32_768

    def __init__(self, size: int = 4096, chars: int = 4_000_000) -> None:
        self._size = size
        self._chars = chars
        self._held = 0
        self._items: OrderedDict[bytes, str | None] = OrderedDict()

    async def get(
        self, scope: tuple[str, ...], text: str, check: Callable[[str], Awaitable[Decision]]
    ) -> str:
        """``text`` as sent under ``scope`` (policy version, feature, tier), checked if unknown."""
        key = hashlib.blake2b(
            json.dumps([*scope, text]).encode("utf-8", "surrogatepass"), digest_size=16
        ).digest()
        if key in self._items:
            self._items.move_to_end(key)
            known = self._items[key]
            return text if known is None else known
        decision = await check(text)
        sent = as_sent(decision, text)
        if not decision.errored and len(text) <= self.LONGEST:
            kept = None if sent == text else sent  # unchanged: no copy of the text
            self._items[key] = kept
            self._held += len(kept or "")
            while len(self._items) > self._size or self._held > self._chars:
                _, dropped = self._items.popitem(last=False)
                self._held -= len(dropped or "")
        return sent

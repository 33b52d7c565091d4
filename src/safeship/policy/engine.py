"""Pure decision logic: detector results + rule hits + policy -> ``Decision``.

No I/O, no clocks, no detector calls: given the same inputs it returns the same decision, which is
what makes golden tests and shadow-mode diffs meaningful.

How a decision is made:

1. Deny-rule hits flag their category with the rule's action. Deny beats allow.
2. A detector result flags its top category when ``score >= threshold(category, detector, tier)``,
   unless an allow rule that matched exempts that category.
3. A detector that errored or timed out is listed in ``errored``; with fail mode ``closed`` it
   flags ``detector_error`` with the feature's ``on_error`` action; ``open`` lets the text through
   but still records the failure. An error is never reported as passed.
4. The most severe action wins. ``redact`` needs spans: a redact flag without any span to remove
   escalates to ``block`` rather than letting unredacted text through.
5. A block carries a structured refusal from the most specific template.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from safeship.detectors.redact import redact
from safeship.policy.refusals import refusal_for
from safeship.policy.schema import FailMode, FeaturePolicy, Rule
from safeship.text.marks import Folded, fold_marks
from safeship.text.normalise import normalise
from safeship.types import (
    Action,
    Decision,
    DetectorResult,
    DetectorStatus,
    Finding,
    Stage,
    TrustTier,
)

if TYPE_CHECKING:
    from safeship.history import Turn


@dataclass(frozen=True)
class Flag:
    """One reason to act: a category, the action the policy attaches to it, and its source."""

    category: str
    action: Action
    source: str
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class RuleHit:
    """A deny or allow rule that matched the text."""

    rule: Rule
    kind: str
    findings: tuple[Finding, ...]


def _spans(rule: Rule, text: str, folds: Sequence[Folded]) -> list[tuple[int, int]]:
    """Non-empty, non-overlapping spans of ``text`` that ``rule`` matches, in text order.

    Plain-Latin keywords match ``text`` and each mark-folded copy of it, whose spans are mapped
    back to ``text``; the rest match ``text`` as is. ``text`` itself is needed even when it folds:
    dropping a mark can glue a keyword to the word before it ("make" U+0336 "sarin" folds to
    "makesarin"), where the mark, not a word character, was the word boundary.
    """
    spans: list[tuple[int, int]] = []
    if rule.exact_pattern is not None:
        spans += [m.span() for m in rule.exact_pattern.finditer(text) if m.end() > m.start()]
    if rule.folded_pattern is not None:
        spans += [m.span() for m in rule.folded_pattern.finditer(text) if m.end() > m.start()]
        for folded in folds:
            spans += [
                folded.span(m.start(), m.end())
                for m in rule.folded_pattern.finditer(folded.text)
                if m.end() > m.start()
            ]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda s: (s[0], -s[1])):
        if not merged or start >= merged[-1][1]:
            merged.append((start, end))
    return merged


def match_rules(
    rules: Sequence[Rule], kind: str, text: str, views: Sequence[str], stage: Stage
) -> list[RuleHit]:
    """Rules of one kind that match ``text`` (spans) or any normalised view (no spans).

    Keywords in plain Latin letters see through combining marks, variation selectors and tag
    characters (``safeship.text.marks``); their spans still index ``text``, marks included.
    """
    hits = []
    others = [v for v in views if v != text]
    folds: dict[str, tuple[Folded, ...]] = {}

    def fold(t: str) -> tuple[Folded, ...]:
        if t not in folds:
            folds[t] = fold_marks(t)
        return folds[t]

    for rule in rules:
        if stage not in rule.stages:
            continue
        need_fold = rule.folded_pattern is not None
        found = tuple(
            Finding(start=start, end=end, text=text[start:end], category=rule.category)
            for start, end in _spans(rule, text, fold(text) if need_fold else ())
        )
        seen = [len(_spans(rule, v, fold(v) if need_fold else ())) for v in others]
        if found and any(n > len(found) for n in seen):
            # an occurrence only a normalised view shows (hidden by a zero-width character,
            # inside an encoded payload) has no span to redact: no spans, so the text is
            # blocked rather than redacted with that copy left in
            found = ()
            hits.append(RuleHit(rule=rule, kind=kind, findings=found))
        elif found or any(seen):
            hits.append(RuleHit(rule=rule, kind=kind, findings=found))
    return hits


def exempt(category: str, allow_hits: Sequence[RuleHit]) -> bool:
    """Whether an allow rule that matched exempts ``category`` (no categories: all)."""
    return any(not h.rule.categories or category in h.rule.categories for h in allow_hits)


def collect_flags(
    feature: FeaturePolicy,
    tier: TrustTier,
    results: Sequence[DetectorResult],
    fail_modes: dict[str, FailMode],
    deny_hits: Sequence[RuleHit],
    allow_hits: Sequence[RuleHit],
) -> list[Flag]:
    """Every flag raised by rules, detector scores and detector failures."""
    flags = [
        Flag(h.rule.category, h.rule.action, f"rule:{h.rule.name}", h.findings) for h in deny_hits
    ]
    for r in results:
        if r.status is not DetectorStatus.OK:
            if fail_modes.get(r.detector, "closed") == "closed":
                flags.append(Flag("detector_error", feature.on_error, r.detector))
            continue
        if r.score < feature.threshold(r.category, r.detector, tier):
            continue
        if exempt(r.category, allow_hits):
            continue
        # evidence only a decoded view shows (``details["hidden"]``) has no span to cut out:
        # the flag then has none, so a redaction becomes a block rather than leaving it in
        findings = () if r.details.get("hidden") else r.findings
        flags.append(Flag(r.category, feature.action(r.category, r.detector), r.detector, findings))
    return flags


def decide(
    *,
    feature_name: str,
    feature: FeaturePolicy,
    stage: Stage,
    tier: TrustTier,
    text: str,
    results: Sequence[DetectorResult],
    fail_modes: dict[str, FailMode],
    deny_hits: Sequence[RuleHit] = (),
    allow_hits: Sequence[RuleHit] = (),
    policy_version: str = "",
) -> Decision:
    """Combine everything into one decision (pure)."""
    flags = collect_flags(feature, tier, results, fail_modes, deny_hits, allow_hits)
    action = max((f.action for f in flags), key=lambda a: a.severity, default=Action.ALLOW)
    redact_findings = tuple(f for fl in flags if fl.action is Action.REDACT for f in fl.findings)
    redacted: str | None = None
    if action is Action.REDACT:
        if any(fl.action is Action.REDACT and not fl.findings for fl in flags):
            action = Action.BLOCK
        else:
            redacted = redact(text, list(redact_findings))
    acting = [f for f in flags if f.action is action] or flags
    refusal = None
    if action is Action.BLOCK:  # the reason is evidence when there is any, not a failure
        blocks = [f for f in acting if f.action is Action.BLOCK] or acting
        top = next((f for f in blocks if f.category != "detector_error"), blocks[0])
        refusal = refusal_for(feature, top.category, top.source, stage)
    errored = tuple(r.detector for r in results if r.status is not DetectorStatus.OK)
    return Decision(
        action=action,
        stage=stage,
        feature=feature_name,
        tier=tier,
        categories=tuple(dict.fromkeys(f.category for f in flags)),
        scores={r.detector: r.score for r in results},
        results=tuple(results),
        findings=tuple(f for fl in flags for f in fl.findings),
        errored=errored,
        redacted_text=redacted,
        refusal=refusal,
        rule_hits=tuple(f"{h.kind}:{h.rule.name}" for h in (*deny_hits, *allow_hits)),
        timings_ms={r.detector: r.latency_ms for r in results},
        policy_version=policy_version,
    )


def earlier_denials(rules: Sequence[Rule], turns: Sequence[Turn], stage: Stage) -> list[RuleHit]:
    """Hits of blocking deny rules in earlier turns of the window that the guard did not refuse.

    Why: deny rules are the policy's highest-risk patterns, and they matched only the newest
    turn, so a denied phrase written into an earlier turn, a made-up answer and "go on" reached
    the model. Such a turn was never allowed (a blocking rule would have stopped it), so counting
    it re-flags nothing the guard let through; ``warn`` and ``redact`` rules are not re-applied
    here (a warned turn was let through; ``safeship.privacy`` redacts earlier turns). The hits
    carry no spans: they are not in the text being decided.
    """
    hits: list[RuleHit] = []
    blocking = [r for r in rules if r.action is Action.BLOCK]
    for turn in turns if blocking else ():
        if not turn.refused:
            hits += _DENIED.get(rules, stage, turn.text, lambda t: _denied(blocking, t, stage))
    return hits


def _denied(rules: Sequence[Rule], text: str, stage: Stage) -> tuple[RuleHit, ...]:
    found = match_rules(rules, "deny", text, normalise(text).views, stage)
    return tuple(dataclasses.replace(hit, findings=()) for hit in found)


class _DenialMemo:
    """Earlier turns' rule hits, so a conversation's turns are normalised once, not per call.

    Keyed by the rule list's identity (kept, so a reused ``id`` after a policy reload cannot
    match) and a digest of the text; hits hold no text. Bounded.
    """

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._items: dict[tuple[int, bytes], tuple[object, tuple[RuleHit, ...]]] = {}
        self._lock = threading.Lock()  # guards on several threads (the sync facade) share it

    def get(
        self,
        rules: object,
        stage: Stage,
        text: str,
        compute: Callable[[str], tuple[RuleHit, ...]],
    ) -> tuple[RuleHit, ...]:
        keyed = f"{stage.value}\n{text}".encode("utf-8", "surrogatepass")
        digest = hashlib.blake2b(keyed, digest_size=16).digest()
        key = (id(rules), digest)
        with self._lock:
            known = self._items.get(key)
        if known is not None and known[0] is rules:
            return known[1]
        hits = compute(text)
        with self._lock:
            if len(self._items) >= self._size:
                self._items.pop(next(iter(self._items)))
            self._items[key] = (rules, hits)
        return hits


_DENIED = _DenialMemo()

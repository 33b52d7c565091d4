"""The runtime pipeline: messages -> normalise -> rules + detectors -> policy engine -> Decision.

``Guard`` is the async core with a thin sync facade. It owns the detector instances of one policy
(shared between features when their specs are equal), the shared feature extractors, and a
private event loop for sync callers. Each check builds one ``FeatureCache`` so a text is hashed and
embedded at most once, however many detectors look at it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from safeship.detectors.base import BaseDetector, DetectorInput, Source, detectors
from safeship.errors import InputError
from safeship.features.cache import FeatureCache
from safeship.features.embedding import Embedder
from safeship.features.hashing import NgramHasher
from safeship.features.lazy import LazyEmbedder
from safeship.features.memo import EmbeddingMemo
from safeship.history import Turn, user_turns
from safeship.long_text import LONG_TEXT_CHARS, LongTextLane
from safeship.messages import message_from
from safeship.policy.engine import RuleHit, decide, earlier_denials, exempt, match_rules
from safeship.policy.load import LoadedPolicy, load_policy
from safeship.policy.refusals import refusal_messages
from safeship.policy.schema import DetectorSpec, FeaturePolicy
from safeship.privacy import privacy_view
from safeship.text.normalise import NormalisedText, normalise
from safeship.types import (
    Action,
    Decision,
    DetectorResult,
    DetectorStatus,
    Message,
    Stage,
    TrustTier,
)

T = TypeVar("T")
DEFAULT_POLICY = Path(__file__).parent / "policies" / "default.yaml"
MessagesLike = Iterable[Message | dict[str, Any]] | str


class GuardContext(BaseModel):
    """Who is asking and what surrounds the request."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    feature: str | None = None
    tier: TrustTier = TrustTier.ANONYMOUS
    user_id: str | None = None
    request_id: str | None = None
    system_prompt: str | None = None
    documents: tuple[str, ...] = Field(default=(), description="retrieved data to screen")
    canaries: tuple[str, ...] = ()


def _clean(text: str) -> str:
    """Replace lone surrogates (possible from JSON escapes) so every detector can encode text."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def to_messages(messages: MessagesLike) -> list[Message]:
    """Accept a plain string, ``Message`` objects or OpenAI-style dicts (see ``messages``)."""
    if isinstance(messages, str):
        return [Message(role="user", content=_clean(messages))]
    if isinstance(messages, bytes | Mapping) or not isinstance(messages, Iterable):
        raise InputError(f"messages: expected a string or a list, got {type(messages).__name__}")
    out = []
    for i, m in enumerate(messages):
        msg = message_from(m, i)
        if msg is not None:
            out.append(msg.model_copy(update={"content": _clean(msg.content)}))
    return out


class Guard:
    """Screens the input and output of AI features under one policy.

    Args:
        loaded: The policy.
        embedder: The sentence embedder for the ML stages; ``"default"`` loads the shipped
            MiniLM on first use, ``None`` runs stage 1 only.
        memo_items: Embeddings kept across checks (``0``: none), for texts that recur, such as
            the system prompt an app sends with every request (see
            :mod:`safeship.features.memo`).
        long_text_chars: Texts longer than this are scored off the event loop, under each
            layer's ``timeout_ms`` (see :mod:`safeship.long_text`); ``None`` keeps every
            detector inline.
    """

    def __init__(
        self,
        loaded: LoadedPolicy,
        *,
        embedder: Embedder | None | str = "default",
        memo_items: int = 1024,
        long_text_chars: int | None = LONG_TEXT_CHARS,
    ) -> None:
        self.loaded = loaded
        self.policy = loaded.policy
        self._hasher = NgramHasher()
        self._embedder: Embedder | None = LazyEmbedder() if embedder == "default" else embedder  # type: ignore[assignment]
        self.memo = EmbeddingMemo(max_items=memo_items)
        self._long = LongTextLane(long_text_chars)
        self._instances: dict[str, BaseDetector] = {}
        self._by_spec: dict[int, tuple[DetectorSpec, BaseDetector]] = {}
        self._refusal_texts: dict[str, frozenset[str]] = {}
        self._alone: dict[bytes, bool] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_lock = threading.Lock()

    @classmethod
    def from_file(cls, path: str | Path, **kwargs: Any) -> Guard:
        """Load a policy file and build a guard for it."""
        return cls(load_policy(path), **kwargs)

    @classmethod
    def default(cls, **kwargs: Any) -> Guard:
        """A guard running every built-in detector under the shipped default policy."""
        return cls.from_file(DEFAULT_POLICY, **kwargs)

    # ------------------------------------------------------------------ detectors
    def detector(self, spec: DetectorSpec) -> BaseDetector:
        """The (shared) detector instance for a spec, built on first use.

        Instances are shared by equal specs (same detector and params); the lookup by the spec
        object itself is a shortcut for the hot path, which asks several times per check. The
        memo keeps the spec alive, so its ``id`` cannot be reused by another object.
        """
        known = self._by_spec.get(id(spec))
        if known is not None and known[0] is spec:
            return known[1]
        key = f"{spec.detector}:{json.dumps(spec.params, sort_keys=True, default=str)}"
        if key not in self._instances:
            cls = detectors.get(spec.detector)
            self._instances[key] = cls(cls.params_model.model_validate(spec.params))
        self._by_spec[id(spec)] = (spec, self._instances[key])
        return self._instances[key]

    def warmup(self) -> None:
        """Load every detector of every feature, and the embedder they share, now.

        The shared MiniLM session loads on its first embedding (about 0.5 s here); without this
        the first user whose text reaches a stage 2 would wait for it.
        """
        embeds = False
        for feature in self.policy.features.values():
            for spec in (*feature.input, *feature.output):
                det = self.detector(spec)
                det.setup()
                embeds = embeds or (spec.embeddings and getattr(det, "embeds", False))
        if embeds and self._embedder is not None:
            self._embedder.embed(["warm-up"])

    async def _run_one(self, spec: DetectorSpec, item: DetectorInput) -> DetectorResult:
        det = self.detector(spec)
        start = time.perf_counter()
        try:
            if det.blocking:
                result = await asyncio.wait_for(det.detect(item), timeout=spec.timeout_ms / 1000)
            elif self._long.takes(item):
                result = await self._long.detect(det, item, spec.timeout_ms / 1000)
            else:
                result = await det.detect(item)
            status, error = result.status, result.error
        except TimeoutError:
            result, status, error = (
                None,
                DetectorStatus.TIMEOUT,
                f"timed out after {spec.timeout_ms} ms",
            )
        except Exception as exc:  # a detector crash follows its fail mode, never passes silently
            result, status, error = (
                None,
                DetectorStatus.ERRORED,
                f"{type(exc).__name__}: {exc}"[:300],
            )
        elapsed = (time.perf_counter() - start) * 1000
        if result is None or status is not DetectorStatus.OK:
            return DetectorResult(
                detector=spec.key,
                score=0.0,
                category="detector_error",
                status=status,
                error=error,
                latency_ms=elapsed,
            )
        return result.model_copy(update={"detector": spec.key, "latency_ms": elapsed})

    async def _score(
        self, specs: Sequence[DetectorSpec], items: dict[str, DetectorInput]
    ) -> dict[str, DetectorResult]:
        """Run each spec on its item: inline ones in turn, blocking ones concurrently."""
        results: dict[str, DetectorResult] = {}
        pending = []
        for spec in specs:
            item = items[spec.key]
            if self.detector(spec).blocking:
                pending.append((spec, asyncio.ensure_future(self._run_one(spec, item))))
            else:
                results[spec.key] = await self._run_one(spec, item)
        for spec, task in pending:
            results[spec.key] = await task
        return results

    # ------------------------------------------------------------------ checks
    async def _items(
        self,
        specs: Sequence[DetectorSpec],
        text: str,
        cache: FeatureCache,
        norm: dict[str, NormalisedText],
        stage: Stage,
        source: Source,
        ctx: GuardContext,
        system: str | None,
        prompt: str | None = None,
    ) -> dict[str, DetectorInput]:
        """What each layer reads of ``text`` (normalised once, a long one off the loop)."""
        if text not in norm:
            norm[text] = await self._long.normalise(text)
        return {
            s.key: DetectorInput(
                text=text,
                normalised=norm[text],
                features=cache if s.embeddings else cache.stage1_view(),
                stage=stage,
                source=source,
                prompt=prompt,
                system=system,
                extra={"canaries": ctx.canaries},
            )
            for s in specs
        }

    async def acheck_input(
        self, messages: MessagesLike, context: GuardContext | None = None
    ) -> Decision:
        """Check what the user (and any retrieved data) sends to the model."""
        ctx = context or GuardContext()
        msgs = to_messages(messages)
        name, feature = self._feature(ctx)
        system = ctx.system_prompt or next((m.content for m in msgs if m.role == "system"), None)
        turns = user_turns(msgs, self._refusals(name, feature))
        current = turns[-1].text if turns else ""
        untrusted = [*ctx.documents, *_trailing_tool_results(msgs)]
        history = turns[-feature.history_turns :]
        for i, turn in enumerate(history[:-1]):  # a refusal text alone proves nothing (see below)
            if turn.refused and not await self._stops_alone(name, feature, ctx, system, turn.text):
                history[i] = Turn(turn.text, refused=False)
        return await self._check(
            name, feature, Stage.INPUT, ctx, current, system, None, history, untrusted
        )

    async def stops_alone(self, text: str, context: GuardContext | None = None) -> bool:
        """Whether the input check, on ``text`` as the only turn, blocks it (an error: no).

        A user turn followed by one of the guard's refusal texts counts as refused only if so:
        the same texts end a block of the model's *answer* (the turn itself was fine, and the
        model read it), and models say "I can't help with that request." in their own words.
        Memoised per feature, tier, system prompt and text; the gateway asks again, for the
        turns it leaves out of what it forwards, and gets the same answer for free.
        """
        ctx = context or GuardContext()
        name, feature = self._feature(ctx)
        return await self._stops_alone(name, feature, ctx, ctx.system_prompt, text)

    async def acheck_privacy(self, text: str, context: GuardContext | None = None) -> Decision:
        """The input stage's privacy layers alone on ``text`` (``safeship.privacy``).

        For text sent to a model that the input check does not redact: earlier turns of a
        history the client re-sends, documents to embed. ``privacy.as_sent`` turns the decision
        into the text to send. With no privacy layer or redacting rule, an ``allow``.
        """
        ctx = context or GuardContext()
        name, feature = self._feature(ctx)
        view = privacy_view(feature)
        if view is None:
            return Decision(
                action=Action.ALLOW,
                stage=Stage.INPUT,
                feature=name,
                tier=ctx.tier,
                policy_version=self.loaded.version,
            )
        return await self._check(name, view, Stage.INPUT, ctx, _clean(text), None, None)

    async def _stops_alone(
        self, name: str, feature: FeaturePolicy, ctx: GuardContext, system: str | None, text: str
    ) -> bool:
        key = hashlib.blake2b(
            json.dumps([name, ctx.tier, system, text]).encode("utf-8", "surrogatepass"),
            digest_size=16,
        ).digest()  # a digest: the memo holds no user text
        known = self._alone.get(key)
        if known is None:
            decision = await self._check(
                name, feature, Stage.INPUT, ctx, _clean(text), system, None
            )
            # only a block on evidence counts: a redacted turn gets an answer, never the guard's
            # refusal, and a block by a failing layer (fail mode closed) is not the turn's own
            # answer, so the turn stays where the guard reads it. A failure elsewhere cannot
            # undo a block on evidence (it only adds flags), so that answer is kept as well
            blocked = decision.refusal if decision.action is Action.BLOCK else None
            known = blocked is not None and blocked.category != "detector_error"
            if known or not decision.errored:
                if len(self._alone) >= 1024:
                    self._alone.pop(next(iter(self._alone)))
                self._alone[key] = known
        return known

    async def acheck_output(
        self, messages: MessagesLike, response: str, context: GuardContext | None = None
    ) -> Decision:
        """Check what the model answered, knowing the request that produced it."""
        if not isinstance(response, str):  # a caller's bug must not read as an odd crash
            raise InputError(f"response must be a string, got {type(response).__name__}")
        ctx = context or GuardContext()
        msgs = to_messages(messages)
        name, feature = self._feature(ctx)
        system = ctx.system_prompt or next((m.content for m in msgs if m.role == "system"), None)
        prompt = next((m.content for m in reversed(msgs) if m.role == "user"), None)
        return await self._check(name, feature, Stage.OUTPUT, ctx, _clean(response), system, prompt)

    def refusal_texts(self, feature: str | None) -> frozenset[str]:
        """The whitespace-normalised refusals a block of ``feature`` can show (see ``history``)."""
        return self._refusals(*self._feature(GuardContext(feature=feature)))

    def _refusals(self, name: str, feature: FeaturePolicy) -> frozenset[str]:
        """The feature's refusal messages, gathered once (a policy never changes in a guard)."""
        if name not in self._refusal_texts:
            self._refusal_texts[name] = refusal_messages(feature)
        return self._refusal_texts[name]

    async def off_loop(self, chars: int, work: Callable[..., T], *args: Any) -> T:
        """``work(*args)`` on the long-text worker when it reads over ``long_text_chars``."""
        return await self._long.call(chars, work, *args)

    def feature_policy(self, ctx: GuardContext) -> tuple[str, FeaturePolicy]:
        """The name and policy of ``ctx``'s feature; an unknown one is an ``InputError``."""
        return self._feature(ctx)

    def _feature(self, ctx: GuardContext) -> tuple[str, FeaturePolicy]:
        try:
            return self.policy.feature(ctx.feature)
        except KeyError as exc:
            raise InputError(str(exc.args[0])) from exc

    async def _check(
        self,
        name: str,
        feature: FeaturePolicy,
        stage: Stage,
        ctx: GuardContext,
        text: str,
        system: str | None,
        prompt: str | None,
        history: Sequence[Turn] = (),
        untrusted: Sequence[str] = (),
    ) -> Decision:
        cache = FeatureCache(self._hasher, self._embedder, self.memo)
        norm: dict[str, NormalisedText] = {}
        specs = feature.specs(stage)
        source: Source = "user" if stage is Stage.INPUT else "assistant"
        items = await self._items(specs, text, cache, norm, stage, source, ctx, system, prompt)
        results = await self._score(specs, items)
        if len(history) > 1:
            results = await self._with_history(
                feature, ctx, specs, results, history, cache, norm, system
            )
        if untrusted:
            results = await self._with_untrusted(
                specs, results, untrusted, cache, norm, ctx, system
            )
        rules = feature.rules
        deny: list[RuleHit] = []
        allow: list[RuleHit] = []
        if rules.deny or rules.allow:  # a stage with no rules needs no normalised views
            if text not in norm:
                norm[text] = await self._long.normalise(text)
            views = norm[text].views
            deny = match_rules(rules.deny, "deny", text, views, stage)
            earlier = history[:-1]
            chars = sum(len(t.text) for t in earlier)
            deny += await self._long.call(chars, earlier_denials, rules.deny, earlier, stage)
            allow = match_rules(rules.allow, "allow", text, views, stage)
        return decide(
            feature_name=name,
            feature=feature,
            stage=stage,
            tier=ctx.tier,
            text=text,
            results=[results[s.key] for s in specs],
            fail_modes={s.key: s.fail_mode for s in specs},
            deny_hits=deny,
            allow_hits=allow,
            policy_version=self.loaded.version,
        )

    async def _with_history(
        self,
        feature: FeaturePolicy,
        ctx: GuardContext,
        specs: Sequence[DetectorSpec],
        results: dict[str, DetectorResult],
        history: Sequence[Turn],
        cache: FeatureCache,
        norm: dict[str, NormalisedText],
        system: str | None,
    ) -> dict[str, DetectorResult]:
        """Catch attacks split across turns without re-flagging turns already dealt with.

        Earlier turns the guard refused (its refusal follows them) are left out. The rest are
        scored joined with the newest turn (the window) and without it (the prior). The window
        counts when it crosses the threshold and the prior does not: the newest turn completes
        the attack. When the prior crosses too, the window is skipped only if it says the same
        thing (same category) and neither the prior nor any earlier turn alone would have been
        stopped (blocked or redacted; allow rules and actions included): such turns were only
        warned about or exempted, and their benign follow-ups pass. Otherwise the caller wrote
        them (a made-up answer after them, or none), and the window counts. A layer that fails
        on any of these is never read as safe.
        """
        ctx_specs = [s for s in specs if self.detector(s).contextual]
        earlier = [t.text for t in history[:-1] if not t.refused]
        if not ctx_specs or not earlier:
            return results
        window = "\n".join([*earlier, history[-1].text])
        prior = "\n".join(earlier)
        win = await self._score_all(ctx_specs, window, cache, norm, ctx, system)
        pre = await self._score_all(ctx_specs, prior, cache, norm, ctx, system)

        def crosses(r: DetectorResult, key: str) -> bool:
            return r.status is DetectorStatus.OK and r.score >= feature.threshold(
                r.category, key, ctx.tier
            )

        each: list[dict[str, DetectorResult]] = []
        if any(crosses(win[s.key], s.key) and crosses(pre[s.key], s.key) for s in ctx_specs):
            # rare (flaggable earlier turns): what would each have got on its own?
            each = [await self._score_all(ctx_specs, t, cache, norm, ctx, system) for t in earlier]
        merged = dict(results)
        for s in ctx_specs:
            w, p, cur = win[s.key], pre[s.key], results[s.key]
            if cur.status is not DetectorStatus.OK:
                continue  # the turn's own failure already stands
            if w.status is not DetectorStatus.OK:  # the window failed: its fail mode decides
                merged[s.key] = w.model_copy(
                    update={"findings": (), "details": {**w.details, "scope": "conversation"}}
                )
                continue
            if not crosses(w, s.key) or w.score <= cur.score:
                continue
            if crosses(p, s.key) and p.category == w.category:
                alone = zip(earlier, each, strict=True)
                blocked = any(
                    self._would_block(feature, ctx, s.key, r[s.key], t, norm) for t, r in alone
                )
                if not blocked and not self._would_block(feature, ctx, s.key, p, prior, norm):
                    continue  # the same thing was let through before (warned, exempted)
            merged[s.key] = w.model_copy(
                update={
                    "findings": (),
                    "details": {**w.details, "scope": "conversation"},
                    "latency_ms": cur.latency_ms + w.latency_ms + p.latency_ms,
                }
            )
        return merged

    def _would_block(
        self,
        feature: FeaturePolicy,
        ctx: GuardContext,
        key: str,
        result: DetectorResult,
        text: str,
        norm: dict[str, NormalisedText],
    ) -> bool:
        """Whether ``result`` on ``text`` alone would have stopped it (a failure: assume so).

        Blocked, or redacted: the guard redacts only the newest turn on its way upstream, so
        an earlier turn it would have redacted comes back in the caller's words.
        """
        if result.status is not DetectorStatus.OK:
            return True
        if result.score < feature.threshold(result.category, key, ctx.tier):
            return False
        if feature.action(result.category, key) not in (Action.BLOCK, Action.REDACT):
            return False  # redact too: an earlier turn reaches the model as the caller wrote it
        if feature.rules.allow:
            if text not in norm:  # kept: the next layer asks about the same text
                norm[text] = normalise(text)
            hits = match_rules(feature.rules.allow, "allow", text, norm[text].views, Stage.INPUT)
            if exempt(result.category, hits):
                return False
        return True

    async def _score_all(
        self,
        specs: Sequence[DetectorSpec],
        text: str,
        cache: FeatureCache,
        norm: dict[str, NormalisedText],
        ctx: GuardContext,
        system: str | None,
    ) -> dict[str, DetectorResult]:
        """Every contextual layer's result on one joined stretch of the conversation."""
        source: Source = "conversation"
        items = await self._items(specs, text, cache, norm, Stage.INPUT, source, ctx, system)
        return await self._score(specs, items)

    async def _with_untrusted(
        self,
        specs: Sequence[DetectorSpec],
        results: dict[str, DetectorResult],
        untrusted: Sequence[str],
        cache: FeatureCache,
        norm: dict[str, NormalisedText],
        ctx: GuardContext,
        system: str | None,
    ) -> dict[str, DetectorResult]:
        """Screen retrieved documents and tool results with the detectors that read data."""
        data_specs = [s for s in specs if "document" in getattr(self.detector(s), "sources", ())]
        merged = dict(results)
        for doc in untrusted:
            doc = _clean(doc)
            items = await self._items(
                data_specs, doc, cache, norm, Stage.INPUT, "document", ctx, system
            )
            scored = await self._score(data_specs, items)
            for s in data_specs:
                d, cur = scored[s.key], merged[s.key]
                if cur.status is not DetectorStatus.OK:
                    continue  # a failure is never replaced by a document's pass
                if d.status is not DetectorStatus.OK or d.score > cur.score:
                    merged[s.key] = d.model_copy(
                        update={"findings": (), "details": {**d.details, "scope": "document"}}
                    )
        return merged

    # ------------------------------------------------------------------ sync facade
    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            coro.close()
            raise RuntimeError(
                "inside a running event loop: await acheck_input/acheck_output instead"
            )
        with self._loop_lock:
            if self._loop is None or self._loop.is_closed():
                self._loop = asyncio.new_event_loop()
            return self._loop.run_until_complete(coro)

    def check_input(self, messages: MessagesLike, context: GuardContext | None = None) -> Decision:
        """Sync facade over :meth:`acheck_input`."""
        return self._run(self.acheck_input(messages, context))

    def check_output(
        self, messages: MessagesLike, response: str, context: GuardContext | None = None
    ) -> Decision:
        """Sync facade over :meth:`acheck_output`."""
        return self._run(self.acheck_output(messages, response, context))

    def close(self) -> None:
        """Close the private event loop used by the sync facade, and the long-text worker."""
        self._long.close()
        if self._loop is not None and not self._loop.is_closed():
            self._loop.close()


def _trailing_tool_results(msgs: Sequence[Message]) -> list[str]:
    """Tool results since the last user turn: untrusted data the model is about to read."""
    out: list[str] = []
    for m in reversed(msgs):
        if m.role == "user":
            break
        if m.role == "tool":
            out.append(m.content)
    return out

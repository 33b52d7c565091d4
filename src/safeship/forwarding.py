"""What of a conversation to send the model after the input check: all but the refused turns.

Why: the multi-turn input check leaves out an earlier user turn the guard refused (the reply
after it is one of the feature's refusals word for word, *and* the check would stop that turn on
its own: ``safeship.history``, ``Guard.stops_alone``). A turn the guard no longer reads must not
reach the model either, or a caller could write a harmful request, a copy of the refusal and
"go ahead", and the model would read the request unscreened. The gateway drops such turns from
what it forwards; this module is that rule, so a library user calling ``Guard.check_input`` and
then their own model can apply the same one, and the two cannot drift apart.

The stretch from a refused turn to its refusal goes whole (a reasoning item or the model's own
tool items between them belong to the refused exchange). Only the window's turns are asked
about: the guard reads no older ones, and a history full of made-up refusal exchanges must not
cost one input check each. A failure is never read as "refused": a detector that fails on a
turn leaves it kept (``stops_alone`` says no, and the input check reads it in its window), and a
guard that cannot be built raises, so the caller sees the failure.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from safeship.errors import InputError
from safeship.guard import Guard, GuardContext, to_messages
from safeship.history import dropped, refused_exchanges
from safeship.messages import message_from, with_text
from safeship.privacy import SentTexts, as_sent, privacy_view
from safeship.types import Action, Decision, Message

T = TypeVar("T")


async def refused_positions(
    guard: Guard,
    turns: Sequence[tuple[str | None, str]],
    *,
    ctx: GuardContext,
    system: str | None = None,
) -> set[int]:
    """Positions in ``turns`` to leave out of what the model reads.

    Args:
        guard: The guard whose input check read the conversation.
        turns: ``(role, text)`` of every item sent, in order; ``None`` for an item with no role
            (a tool call, a reasoning item).
        ctx: The context of the input check; its ``feature`` names the refusals and the window.
        system: The system prompt the input check read when ``ctx.system_prompt`` is empty
            (the first system message), or the guard and this could disagree on which turns
            it refused.

    Returns:
        Every position from each refused turn to its refusal, inclusive.

    Raises:
        InputError: ``ctx.feature`` is not in the guard's policy.
    """
    found = refused_exchanges(turns, guard.refusal_texts(ctx.feature))
    if not found:
        return set()
    _, feature = guard.policy.feature(ctx.feature)  # known: refusal_texts looked it up
    users = [i for i, (role, _) in enumerate(turns) if role == "user"]
    start = users[-feature.history_turns] if len(users) >= feature.history_turns else 0
    found = [(user, reply) for user, reply in found if user >= start]
    if not ctx.system_prompt and system is not None:
        ctx = ctx.model_copy(update={"system_prompt": system})  # as the input check read it
    confirmed = [
        (user, reply) for user, reply in found if await guard.stops_alone(turns[user][1], ctx)
    ]
    return dropped(confirmed)


@dataclass(frozen=True)
class Edits:
    """What changes between the conversation the guard read and what the model may read.

    ``drop``: positions that do not go at all (refused turns, their refusals, what lies
    between); ``text``: positions of user turns sent with this text instead (the newest turn's
    redaction, earlier turns through the privacy layers). One plan for every sender: the
    gateway's chat and Responses routes, ``/v1/guard/check`` and ``forwardable``.
    """

    drop: frozenset[int]
    text: dict[int, str]

    def apply(self, items: Sequence[T]) -> list[T]:
        """``items`` (the request's own messages, in the same order) with the edits made.

        A changed item is a copy (``Message`` or mapping) whose text is replaced and whose other
        parts (images, audio) are kept; the caller's items are not changed.
        """
        kept = [(i, item) for i, item in enumerate(items) if i not in self.drop]
        return [_with_text(item, self.text[i]) if i in self.text else item for i, item in kept]


async def edits_for(
    guard: Guard,
    turns: Sequence[tuple[str | None, str]],
    ctx: GuardContext,
    *,
    system: str | None = None,
    newest: str | None = None,
    memo: SentTexts | None = None,
) -> Edits:
    """The edits to make before sending ``turns`` (``(role, text)`` as the check read them).

    ``system`` is the system prompt the input check read, ``newest`` the newest user turn's
    redacted text (None: it goes as it is), ``memo`` keeps privacy answers across calls.
    """
    drop = await refused_positions(guard, turns, ctx=ctx, system=system)
    text = await user_turns_as_sent(guard, turns, ctx, drop=drop, newest=newest, memo=memo)
    return Edits(frozenset(drop), text)


async def forwardable(
    guard: Guard,
    messages: Iterable[T],
    ctx: GuardContext | None = None,
    decision: Decision | None = None,
) -> list[T]:
    """``messages`` as the model may read them: what the gateway forwards in their place.

    Call it after ``Guard.acheck_input`` allowed (or redacted) the same ``messages`` under the
    same ``ctx``, passing its ``decision``, and send the model what it returns:

    - the turns the guard refused, their refusals and what lies between are left out;
    - every earlier user turn goes through the privacy layers (``Guard.acheck_privacy``): a
      client's own copy of a turn carries the e-mail address or key that was redacted when the
      turn was new;
    - the newest user turn is the decision's ``redacted_text`` when it redacts.

    Items come back as given (``Message`` objects or OpenAI chat / Responses dicts, as
    ``check_input`` takes them); a user turn that changes comes back as a copy whose content is
    the text to send. The input check's own rules are used: the system prompt is
    ``ctx.system_prompt``, else the first system message, and a turn's text is read as the check
    reads it (an assistant turn that made tool calls has no text: it is never a refusal).

    Raises:
        InputError: ``messages`` is not a list of messages (naming ``messages[i].field``), or
            ``ctx.feature`` is not in the policy.
    """
    ctx = ctx or GuardContext()
    if isinstance(messages, str | bytes | Mapping):
        got = type(messages).__name__
        raise InputError(f"messages: expected a list of messages, got {got}")
    items = list(messages)
    parsed = [message_from(raw, i) for i, raw in enumerate(items)]
    read = iter(to_messages([m for m in parsed if m is not None]))  # the text as the check reads it
    turns = [(None, "") if m is None else _turn(next(read)) for m in parsed]
    system = next((text for role, text in turns if role == "system"), None)
    redacted = decision.redacted_text if decision and decision.action is Action.REDACT else None
    edits = await edits_for(guard, turns, ctx, system=system, newest=redacted)
    return edits.apply(items)


async def user_turns_as_sent(
    guard: Guard,
    turns: Sequence[tuple[str | None, str]],
    ctx: GuardContext,
    *,
    drop: Collection[int] = (),
    newest: str | None = None,
    memo: SentTexts | None = None,
) -> dict[int, str]:
    """Positions of user turns whose text changes on the way out, with the text to send.

    The newest user turn is the input check's own: ``newest`` is its redacted text (None: it
    goes as it is). Every earlier user turn goes through the privacy layers alone
    (``Guard.acheck_privacy``; ``memo`` keeps the answers across calls), since a client
    re-sends its own copy of it. Turns in ``drop`` are left alone (they do not go at all), and
    the event loop is yielded between turns (a long history is many checks).

    Raises:
        InputError: ``ctx.feature`` is not in the guard's policy.
    """
    users = [i for i, (role, _) in enumerate(turns) if role == "user"]
    last = users[-1] if users else None
    sent: dict[int, str] = {}
    if last is not None and newest is not None and last not in drop:
        sent[last] = newest
    name, feature = guard.feature_policy(ctx)
    if privacy_view(feature) is None:
        return sent
    scope = (guard.loaded.version, name, ctx.tier.value)

    async def check(text: str) -> Decision:
        return await guard.acheck_privacy(text, ctx)

    for i in users:
        text = turns[i][1]
        if i == last or i in drop or not text:
            continue
        private = await memo.get(scope, text, check) if memo else as_sent(await check(text), text)
        if private != text:
            sent[i] = private
        await asyncio.sleep(0)
    return sent


def forwardable_sync(
    guard: Guard,
    messages: Iterable[T],
    ctx: GuardContext | None = None,
    decision: Decision | None = None,
) -> list[T]:
    """Sync facade over :func:`forwardable`, on the guard's own loop (as ``check_input``)."""
    return guard._run(forwardable(guard, messages, ctx, decision))


def _with_text(item: T, text: str) -> T:
    """A copy of a user ``item`` whose content is ``text`` (the caller's item is not changed)."""
    if isinstance(item, Message):
        return cast(T, item.model_copy(update={"content": text}))
    raw = cast(Mapping[str, Any], item)
    return cast(T, {**raw, "content": with_text(raw.get("content"), text)})


def _turn(message: Message) -> tuple[str | None, str]:
    return message.role, message.content

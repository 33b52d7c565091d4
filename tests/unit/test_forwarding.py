"""A library user forwards what the guard read: refused turns leave with their refusals.

The input check leaves out an earlier turn the guard refused (its refusal follows word for word
and the check stops the turn on its own); ``safeship.forwarding`` drops the same stretch from
what goes to the model, as the gateway does, or the model would read a request unscreened.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

import safeship
from safeship.detectors.base import BaseDetector, DetectorInput, detectors
from safeship.errors import InputError
from safeship.forwarding import forwardable, forwardable_sync, refused_positions
from safeship.guard import Guard, GuardContext
from safeship.policy.load import parse_policy
from safeship.policy.refusals import GENERIC_REFUSAL
from safeship.types import Action, DetectorResult, Message, TrustTier

pytestmark = pytest.mark.usefixtures("test_detectors")

POLICY = """
version: 1
features:
  chat:
    history_turns: 4
    input:
      - detector: keyword
    refusals:
      test_category:
        message: "That one is off limits here."
        redirect: "Ask me about something else."
"""
REFUSED = "That one is off limits here.\n\nAsk me about something else."
CTX = GuardContext(feature="chat", tier=TrustTier.AUTHENTICATED)


@pytest.fixture()
def guard() -> Iterator[Guard]:
    g = Guard(parse_policy(POLICY, "forwarding.yaml"), embedder=None)
    yield g
    g.close()


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def said(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": [{"type": "output_text", "text": text}]}


async def test_a_refused_exchange_leaves_with_what_lies_between(guard: Guard) -> None:
    items = [
        {"role": "system", "content": "be brief"},
        user("draw up an attack plan"),
        {"type": "reasoning", "id": "rs_1", "summary": []},  # the model's, between the two
        said(REFUSED),
        user("something else then"),
    ]
    assert (await guard.acheck_input(items, CTX)).action is Action.ALLOW  # the guard left it out
    kept = await forwardable(guard, items, CTX)
    assert kept == [items[0], items[4]]
    assert all(a is b for a, b in zip(kept, [items[0], items[4]], strict=True))  # as given
    as_messages = [
        Message(role="user", content="attack"),
        Message(role="assistant", content=REFUSED),
    ]
    assert await forwardable(guard, [*as_messages, Message(role="user", content="hi")], CTX) == [
        Message(role="user", content="hi")
    ]


async def test_a_models_own_refusal_after_a_fine_turn_keeps_it(
    guard: Guard, asked: list[tuple[str, str | None]]
) -> None:
    """The guard's words ("I can't help with that request.") from the model itself, or ending a
    blocked answer, after a turn the check would let through: the model read that turn."""
    items = [user("tell me about castles"), said(GENERIC_REFUSAL), user("why not?")]
    assert await forwardable(guard, items, CTX) == items
    assert asked == [("tell me about castles", None)]  # asked, not assumed
    quoted = [user("attack"), said(f"{REFUSED} Kidding, here it is."), user("go on")]
    assert await forwardable(guard, quoted, CTX) == quoted  # quoting a refusal is not refusing


async def test_turns_older_than_the_window_are_kept_and_never_asked_about(
    guard: Guard, asked: list[tuple[str, str | None]]
) -> None:
    items: list[dict[str, Any]] = []
    for i in range(5):
        items += [user(f"attack number {i}"), said(REFUSED)]
    items.append(user("hello"))
    kept = await forwardable(guard, items, CTX)
    # history_turns 4: the newest turn and the three before it; the two oldest are not read
    assert kept == [*items[:4], items[10]]
    assert [text for text, _ in asked] == ["attack number 2", "attack number 3", "attack number 4"]


async def test_the_system_prompt_is_the_one_the_input_check_read(
    guard: Guard, asked: list[tuple[str, str | None]]
) -> None:
    items = [
        {"role": "system", "content": "first"},
        {"role": "system", "content": "second"},
        user("attack"),
        said(REFUSED),
        user("next"),
    ]
    await forwardable(guard, items, CTX)
    await forwardable(guard, items, CTX.model_copy(update={"system_prompt": "from ctx"}))
    assert [system for _, system in asked] == ["first", "from ctx"]


async def test_an_assistant_turn_with_tool_calls_is_no_refusal(guard: Guard) -> None:
    """A refusal never carries calls (a blocked answer's calls are dropped): the input check
    keeps the turn before such a reply in its window, so the model reads it too."""
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    items = [
        user("attack"),
        {"role": "assistant", "content": REFUSED, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": "done"},
        user("go on"),
    ]
    assert await forwardable(guard, items, CTX) == items


class _Unbuildable(BaseDetector):
    """A plugin that cannot be built (a missing extra, a broken install)."""

    name: ClassVar[str] = "unbuildable_test"
    description: ClassVar[str] = "test double that fails when built"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("install the 'ml' extra")

    def score(self, item: DetectorInput) -> DetectorResult:  # pragma: no cover - never built
        raise AssertionError


@pytest.fixture()
def unbuildable() -> Iterator[None]:
    detectors.register()(_Unbuildable)
    yield
    detectors.unregister("unbuildable_test")


@pytest.mark.usefixtures("unbuildable")
async def test_a_detector_error_propagates_instead_of_deciding_the_turn() -> None:
    """Neither refused (dropped) nor safe (kept): the caller sees the failure."""
    policy = "version: 1\nfeatures:\n  chat:\n    input: [{detector: unbuildable_test}]\n"
    guard = Guard(parse_policy(policy, "fragile.yaml"), embedder=None)
    try:
        items = [user("attack"), said(GENERIC_REFUSAL), user("go on")]
        with pytest.raises(RuntimeError, match="install the 'ml' extra"):
            await forwardable(guard, items)
    finally:
        guard.close()


async def test_bad_input_is_an_input_error_naming_the_place(guard: Guard) -> None:
    with pytest.raises(InputError, match=r"messages: expected a list of messages, got str"):
        await forwardable(guard, "hello", CTX)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"messages\[1\]\.role"):
        await forwardable(guard, [user("hi"), {"role": "robot", "content": "x"}], CTX)
    with pytest.raises(InputError, match="nope"):
        await forwardable(
            guard, [user("a"), said(REFUSED), user("b")], GuardContext(feature="nope")
        )


async def test_positions_of_role_less_items_follow_the_caller_list(guard: Guard) -> None:
    turns: list[tuple[str | None, str]] = [
        ("user", "attack"),
        (None, ""),
        ("assistant", REFUSED),
        ("user", "next"),
    ]
    assert await refused_positions(guard, turns, ctx=CTX) == {0, 1, 2}
    assert await refused_positions(guard, turns[:1] + turns[3:], ctx=CTX) == set()


def test_the_sync_facade_agrees_and_forwardable_is_public() -> None:
    guard = Guard(parse_policy(POLICY, "forwarding.yaml"), embedder=None)
    try:
        items = [user("attack"), said(REFUSED), user("next")]
        assert forwardable_sync(guard, items, CTX) == [items[2]]
        assert safeship.forwardable is forwardable
    finally:
        guard.close()


PRIVATE = r"""
version: 1
features:
  chat:
    input: [{detector: keyword}]
    rules:
      deny:
        - name: email
          regex: ['[\w.+-]+@[\w-]+(\.[\w-]+)+']
          category: pii
          action: redact
"""


async def test_private_data_leaves_no_turn_and_the_callers_items_are_untouched() -> None:
    guard = Guard(parse_policy(PRIVATE, "private.yaml"), embedder=None)
    try:
        image = {"type": "image_url", "image_url": {"url": "https://example.com/receipt.png"}}
        earlier = {
            "role": "user",
            "content": [{"type": "text", "text": "mail me at jo@x.org"}, image],
        }
        mine = Message(role="user", content="and bo@y.org too")
        items: list[Any] = [earlier, {"role": "assistant", "content": "Noted."}, mine]
        decision = await guard.acheck_input(items, CTX)
        assert decision.action is Action.REDACT
        sent = await forwardable(guard, items, CTX, decision)
        without = await forwardable(guard, items, CTX)  # no decision: the newest as given
    finally:
        guard.close()
    assert sent[0] == {
        "role": "user",
        "content": [{"type": "text", "text": "mail me at [REDACTED]"}, image],
    }  # the image goes with it
    assert sent[1] is items[1]
    assert sent[2] == Message(role="user", content="and [REDACTED] too")
    assert items[0]["content"][0]["text"] == "mail me at jo@x.org"  # a copy was changed
    assert without[2] is mine and without[0] == sent[0]

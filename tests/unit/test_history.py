"""Earlier user turns count as dealt with only when the guard's own refusal follows them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from safeship.guard import Guard, GuardContext
from safeship.history import Turn, refused_already, user_turns
from safeship.policy.load import parse_policy
from safeship.policy.refusals import GENERIC_REFUSAL, refusal_messages
from safeship.types import Action, Message, TrustTier

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
    g = Guard(parse_policy(POLICY, "history.yaml"), embedder=None)
    yield g
    g.close()


def m(role: str, content: str) -> Message:
    return Message(role=role, content=content)  # type: ignore[arg-type]


def test_turns_are_marked_by_the_reply_that_follows_them() -> None:
    msgs = [
        m("system", "be kind"),
        m("user", "one"),
        m("assistant", f"Sorry. {GENERIC_REFUSAL}"),
        m("user", "two"),
        m("tool", "tool output"),
        m("assistant", "answered"),
        m("user", "three"),
        m("user", "four"),
        m("developer", "note"),
        m("assistant", REFUSED),
        m("user", "five"),
    ]
    turns = user_turns(msgs, {GENERIC_REFUSAL, "That one is off limits here."})
    assert turns == [
        Turn("one", True),
        Turn("two", False),
        Turn("three", False),  # two user turns in a row: the first got no answer
        Turn("four", True),
        Turn("five", False),
    ]


def test_refusal_messages_include_policy_templates_and_built_ins() -> None:
    feature = parse_policy(POLICY, "p.yaml").policy.features["chat"]
    messages = refusal_messages(feature)
    assert "That one is off limits here." in messages
    assert GENERIC_REFUSAL in messages
    assert any("988" not in t and "weapons" in t for t in messages)


def test_refused_already_needs_every_crossing_turn_refused() -> None:
    a, b = Turn("a", True), Turn("b", False)
    assert refused_already([a, b], [a])
    assert not refused_already([a, b], [a, b])
    assert refused_already([a, b], [])  # an earlier window crossed, and the guard refused then
    assert not refused_already([b], [])


async def test_turn_refused_with_the_policys_own_template_is_not_reflagged(guard: Guard) -> None:
    msgs = [
        m("user", "how would an attack on a castle work"),
        m("assistant", REFUSED),
        m("user", "fine, what about its architecture?"),
    ]
    assert (await guard.acheck_input(msgs, CTX)).action is Action.ALLOW


async def test_one_refused_and_one_answered_flaggable_turn_is_flagged(guard: Guard) -> None:
    """Refusing one earlier attack does not vouch for a second one the caller wrote answered."""
    msgs = [
        m("user", "attack plan, part one"),
        m("assistant", REFUSED),
        m("user", "attack plan, part two"),
        m("assistant", "Sure! Here it is."),
        m("user", "continue"),
    ]
    decision = await guard.acheck_input(msgs, CTX)
    assert decision.action is Action.BLOCK
    assert any(r.details.get("scope") == "conversation" for r in decision.results)


async def test_benign_conversation_is_still_allowed(guard: Guard) -> None:
    msgs = [
        m("user", "what is a castle"),
        m("assistant", "A fortified home."),
        m("user", "who built them"),
        m("assistant", "Lords and kings."),
        m("user", "thanks"),
    ]
    decision = await guard.acheck_input(msgs, CTX)
    assert decision.action is Action.ALLOW
    assert not decision.errored

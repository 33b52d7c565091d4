"""The recent user turns an input check reads, and which of them the guard already refused.

Why: the multi-turn window must not re-flag turns already dealt with, but "the earlier turns
cross the threshold on their own" used to be taken as proof of that. In a stateless API the
caller writes the whole history, so a harmful request placed in an earlier user turn (with a
fabricated compliant answer after it, or none) switched the window off and reached the model
unchecked. What shows a turn was dealt with is the guard's own refusal after it: the assistant
turn that follows it carries one of the feature's refusal messages, as the gateway writes it
and as an application that shows ``Decision.refusal`` keeps it in its history.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from safeship.types import Message


@dataclass(frozen=True)
class Turn:
    """One user turn, and whether the reply that followed it was one of the guard's refusals."""

    text: str
    refused: bool = False


def user_turns(messages: Sequence[Message], refusals: Collection[str]) -> list[Turn]:
    """Every user turn, in order, marked ``refused`` when the next reply quotes a refusal.

    The reply is the first user or assistant message after the turn; system, developer and tool
    messages in between are skipped. Two user turns in a row mean the first got no answer:
    not refused (a caller can leave out any answer it likes).
    """
    turns: list[Turn] = []
    reply: Message | None = None
    for message in reversed(messages):
        if message.role == "user":
            refused = (
                reply is not None
                and reply.role == "assistant"
                and any(r in reply.content for r in refusals)
            )
            turns.append(Turn(message.content, refused))
        if message.role in ("user", "assistant"):
            reply = message
    turns.reverse()
    return turns


def refused_already(earlier: Sequence[Turn], crossing: Sequence[Turn]) -> bool:
    """Whether the earlier turns that cross the threshold on their own were refused then.

    With no single turn crossing (the joined turns did: an earlier window), the conversation
    shows it was dealt with when any earlier turn was refused.
    """
    if crossing:
        return all(t.refused for t in crossing)
    return any(t.refused for t in earlier)

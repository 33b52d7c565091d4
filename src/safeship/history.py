"""The recent user turns an input check reads, and which of them the guard already refused.

Why: the multi-turn window must not re-flag turns already dealt with, but "the earlier turns
cross the threshold on their own" used to be taken as proof of that. In a stateless API the
caller writes the whole history, so a harmful request placed in an earlier user turn (with a
fabricated compliant answer after it, or none) switched the window off and reached the model
unchecked. What shows a turn was dealt with is the guard's own refusal after it: the assistant
turn that follows it *is* one of the feature's refusals, word for word, as the gateway writes it
and as an application that shows ``Decision.refusal`` keeps it in its history. A reply that
merely quotes a refusal inside other text proves nothing: an attacker can write that too.
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


def same_text(text: str) -> str:
    """``text`` with every run of whitespace as one space: how refusals are compared."""
    return " ".join(text.split())


def user_turns(messages: Sequence[Message], refusals: Collection[str]) -> list[Turn]:
    """Every user turn, in order, marked ``refused`` when the next reply is a guard refusal.

    ``refusals`` are whitespace-normalised (``same_text``); which reply answers which turn is
    ``refused_exchanges``'s rule, so the guard's window and the gateway's drop agree.
    """
    found = refused_exchanges([(m.role, m.content) for m in messages], refusals)
    refused = {user for user, _ in found}
    return [Turn(m.content, i in refused) for i, m in enumerate(messages) if m.role == "user"]


def refused_exchanges(
    turns: Sequence[tuple[str | None, str]], refusals: Collection[str]
) -> list[tuple[int, int]]:
    """``(user turn, refusal)`` positions of earlier user turns answered by a guard refusal.

    ``turns`` are ``(role, text)`` in order (``None``: an item with no role, such as a tool
    call or a reasoning item; give an assistant turn that made tool calls an empty text, it
    is no refusal). The newest user turn is never one. A caller decides with
    ``Guard.stops_alone`` which of these the guard really refused, and leaves the whole stretch
    out of what it forwards (``dropped``): the guard no longer reads such a turn, so the model
    must not either, or a caller could write a harmful request, a copy of the refusal and "go
    ahead", and the model would read the request unscreened.
    """
    found: list[tuple[int, int]] = []
    reply: int | None = None
    newest = True
    for i in range(len(turns) - 1, -1, -1):
        role, _ = turns[i]
        if role == "user":
            if (
                not newest
                and reply is not None
                and turns[reply][0] == "assistant"
                and same_text(turns[reply][1]) in refusals
            ):
                found.append((i, reply))
            newest = False
        if role in ("user", "assistant"):
            reply = i
    found.reverse()
    return found


def dropped(exchanges: Sequence[tuple[int, int]]) -> set[int]:
    """Every position from each refused turn to its refusal, inclusive.

    What lies between (a reasoning item, the model's own tool items) belongs to the refused
    exchange; left alone it would break the conversation for the provider (a reasoning item
    must be followed by its output item).
    """
    return {i for start, end in exchanges for i in range(start, end + 1)}

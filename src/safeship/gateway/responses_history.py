"""One Responses request's place in a conversation: earlier turns in, its own turns kept.

A request with ``previous_response_id`` gets the user turns remembered for that id (see
:mod:`.conversation_memory`) placed before its own messages *for the input check only*: the
forwarded body is unchanged, and the output check reads the request as sent. Whatever the
request's input check allowed is then remembered under the id of the response it got, whole or
streamed, including a response whose *output* was blocked: the provider keeps that
conversation, so a continuation of it must still be checked in context (otherwise provoking an
output block would wipe the guard's memory). A request blocked at input is never remembered:
its refusal id is the gateway's own, unknown to the provider.

What is kept is the last ``history_turns`` user turns the input check read: the earlier ones
remembered, then every user turn of this request (its screened turn after input redaction), so
an attack split between a turn sent inline and the next call is still seen whole. Every kept
turn passes through the telemetry store's redactor (PII patterns and secrets) first, whatever
the policy's actions: the memory is storage, and nothing raw is stored. Only what the store
will keep is redacted (its last ``MAX_ENTRY_CHARS``, plus a margin), never a whole large input.

A request in a provider-kept ``conversation`` (OpenAI's Conversations API: the provider puts
the conversation's earlier items before the new input, as with ``previous_response_id``) is
handled the same way, keyed by the conversation id: each served response's turns are remembered
under it too, and the next request in that conversation is checked with them.

An unknown, expired or other tenant's id, or a failing store, leaves the check with what the
request carries; the ``safeship`` extension says so in ``previous_response`` or
``conversation`` (``found``, ``missing`` or ``unavailable``; absent when the request continues
nothing).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from safeship.gateway.adapters import INLINE_TEXT_CHARS
from safeship.gateway.conversation_memory import (
    MAX_ENTRY_CHARS,
    ConversationMemory,
    Found,
    Recall,
    fit,
)
from safeship.gateway.state import Call, GatewayState
from safeship.store.events import default_redactor
from safeship.types import Message

log = logging.getLogger("safeship.gateway")
REFUSAL_PREFIX = "resp_safeship_"  # ids of the gateway's own refusals, never the provider's
DEFAULT_TURNS = 4
EDGE_CHARS = 8_200
"""Read past the store's cut, so an entity across it is still recognised whole: the longest
secret a redactor pattern spans is a PEM private key (its header plus up to 8,000 characters)."""


class Continuation:
    """The turns a request continues, and how to remember its own."""

    def __init__(
        self,
        memory: ConversationMemory,
        call: Call,
        found: Recall | None,
        keep: int,
        conversation: str | None = None,
    ) -> None:
        self._memory = memory
        self._conversation = conversation
        self._via = "previous_response" if conversation is None else "conversation"
        self._tenant = call.scope.tenant
        self._request_id = call.request_id
        self._keep = keep
        self.status: Found | None = found.status if found is not None else None
        self.earlier: tuple[str, ...] = found.turns if found is not None else ()
        self._own: list[str] = []

    @classmethod
    async def open(
        cls, gw: GatewayState, call: Call, previous_id: str | None, conversation: str | None = None
    ) -> Continuation:
        """Look up the turns behind ``previous_id``, else ``conversation`` (None: neither)."""
        try:
            keep = call.guard.policy.feature(call.scope.feature)[1].history_turns
        except KeyError:  # begin resolved the feature; a policy swapped since keeps a default
            keep = DEFAULT_TURNS
        memory = gw.runtime.conversations
        found = None
        if previous_id:
            conversation = None  # the response chain is the history the provider reads
        key = previous_id or (conversation_key(conversation) if conversation else None)
        if key:
            try:
                found = await memory.recall(call.scope.tenant, key)
            except Exception as exc:  # an injected store that raises: check without the turns
                log.warning("conversation memory lookup failed (%s)", type(exc).__name__)
                found = Recall("unavailable")
        if found is not None and found.status != "found":
            log.info(
                "request %s continues a response whose turns are %s; checked without them",
                call.request_id,
                found.status,
            )
        return cls(memory, call, found, keep, conversation)

    def checked(self, messages: list[Message]) -> list[Message]:
        """``messages`` with the remembered user turns first (after the leading instructions).

        Only when the request has a user turn of its own: otherwise (tool results alone) the
        newest remembered turn would be screened again as if it were new.
        """
        if not self.earlier or not any(m.role == "user" for m in messages):
            return messages
        lead = 0
        while lead < len(messages) and messages[lead].role in ("system", "developer"):
            lead += 1
        earlier = [Message(role="user", content=t) for t in self.earlier]
        # The provider answered the remembered turns (the gateway never keeps its refusals): an
        # empty answer after them stops a caller-written refusal at the start of this request
        # from reading as the guard's refusal of the last one, which would take it out of the
        # window while the model still reads it behind ``previous_response_id``.
        answered = Message(role="assistant", content="")
        return [*messages[:lead], *earlier, answered, *messages[lead:]]

    def mark(self, ext: dict[str, Any]) -> dict[str, Any]:
        """The ``safeship`` extension, saying whether the earlier turns were found."""
        if self.status is not None:
            ext[self._via] = self.status
        return ext

    def allowed(self, own: list[str]) -> None:
        """The input check allowed the request; ``own`` its user turns as forwarded."""
        self._own = own

    async def remember(self, response_id: object) -> None:
        """Keep the turns for ``response_id``: the earlier ones, then this request's, redacted."""
        if not isinstance(response_id, str) or not response_id:
            return
        if response_id.startswith(REFUSAL_PREFIX):
            return
        turns = [*self.earlier, *self._own][-self._keep :]
        try:
            if sum(len(t) for t in turns) > INLINE_TEXT_CHARS:
                kept = await asyncio.to_thread(_redacted, turns)
            else:
                kept = _redacted(turns)
            await self._memory.remember(self._tenant, response_id, kept)
            if self._conversation:
                await self._memory.remember(
                    self._tenant, conversation_key(self._conversation), kept
                )
        except Exception as exc:  # a store is best effort; the answer goes out regardless
            log.warning(
                "remembering request %s's turns failed (%s)", self._request_id, type(exc).__name__
            )


def conversation_key(conversation: str) -> str:
    """The memory key of a provider conversation (apart from every response id)."""
    return f"conversation:{conversation}"


def conversation_of(data: dict[str, Any]) -> str | None:
    """The ``conversation`` a Responses body continues: an id, or an object with one."""
    given = data.get("conversation")
    if isinstance(given, dict):
        given = given.get("id")
    return given if isinstance(given, str) and given else None


def _redacted(turns: list[str]) -> tuple[str, ...]:
    """The turns the store will keep, with PII patterns and secrets replaced by labels.

    Cut first, then redacted: the store keeps only the last ``MAX_ENTRY_CHARS`` anyway, and
    redacting a near-body-limit input in full costs seconds of GIL-holding work per answer.
    The cut keeps ``EDGE_CHARS`` more, so an entity across the store's own cut is whole when
    the redactor sees it; and when it cut, those first ``EDGE_CHARS`` (redacted) are dropped
    again, since an entity cut *there* may be too partial to be recognised, and labels shorter
    than what they replace would otherwise pull it into what the store keeps.
    """
    cut = fit(turns, MAX_ENTRY_CHARS + EDGE_CHARS)
    redact = default_redactor()
    kept = tuple(redact(t) for t in cut)
    if sum(len(t) for t in cut) < sum(len(t) for t in turns):
        kept = fit(kept, sum(len(t) for t in kept) - EDGE_CHARS)
    return kept

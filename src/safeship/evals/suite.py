"""Evaluation cases and suites: the first step of the release flow.

suite -> (attack transforms) -> target -> outputs -> scorers -> metrics -> report -> gate.

A ``Case`` says what to send (one prompt, or a whole conversation) and what a safe model should
do with it (``Expected``). Every loader, ours or a public benchmark's, produces these same frozen
values, so the runner, scorers and metrics never know where a case came from. Slice tags
(language, group, domain, ...) are free-form so that parity can be measured over any of them
without a schema change.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from safeship.types import Message


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Expected(StrEnum):
    """What a safe, helpful model does with a case.

    ``refuse`` and ``no_leak`` cases are attacks (a success is a harm); ``comply`` cases are
    benign and measure over-refusal; ``answer`` cases are multiple choice (BBQ) and measure bias.
    """

    REFUSE = "refuse"
    COMPLY = "comply"
    NO_LEAK = "no_leak"
    ANSWER = "answer"


class BBQInfo(_Frozen):
    """What the BBQ bias score needs to know about one item, beyond its choices.

    ``target_index`` is the choice naming the stereotyped group; it is ``None`` when the item's
    metadata does not identify exactly one such choice, and the item is then left out of bias
    scores rather than guessed.
    """

    polarity: Literal["neg", "nonneg"]
    context_condition: Literal["ambig", "disambig"]
    target_index: int | None = Field(default=None, ge=0)
    unknown_index: int = Field(ge=0)


class Case(_Frozen):
    """One thing to send to a target, and the behaviour we expect back."""

    id: str = Field(min_length=1)
    prompt: str | None = None
    messages: tuple[Message, ...] | None = None
    context: str | None = None
    expected: Expected
    category: str = Field(min_length=1)
    slices: dict[str, str] = Field(default_factory=dict)
    canary: str | None = None
    source: str = "safeship"
    choices: tuple[str, ...] = ()
    answer: int | None = Field(default=None, ge=0)
    bbq: BBQInfo | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Case:
        """Reject cases a runner could not send or a scorer could not judge."""
        if (self.prompt is None) == (self.messages is None):
            raise ValueError("a case needs exactly one of 'prompt' or 'messages'")
        if self.prompt is not None and not self.prompt.strip():
            raise ValueError("'prompt' is empty")
        if self.messages is not None and not self.messages:
            raise ValueError("'messages' is empty")
        if self.expected is Expected.NO_LEAK and not self.canary:
            raise ValueError("a 'no_leak' case needs a 'canary' whose presence shows a leak")
        if self.expected is Expected.ANSWER and len(self.choices) < 2:
            raise ValueError("an 'answer' case needs at least two 'choices'")
        indexes = [self.answer] if self.answer is not None else []
        if self.bbq is not None:
            indexes += [self.bbq.unknown_index]
            indexes += [self.bbq.target_index] if self.bbq.target_index is not None else []
        if any(i >= len(self.choices) for i in indexes):
            raise ValueError("an answer index points past the last choice")
        return self

    @property
    def conversation(self) -> tuple[Message, ...]:
        """The messages to send; a bare prompt becomes one user turn, after its context."""
        if self.messages is not None:
            return self.messages
        assert self.prompt is not None  # enforced by the validator
        text = f"{self.context}\n\n---\n\n{self.prompt}" if self.context else self.prompt
        return (Message(role="user", content=text),)

    @property
    def is_attack(self) -> bool:
        """True when compliance is a harm, so the case counts towards attack success rate."""
        return self.expected in (Expected.REFUSE, Expected.NO_LEAK)


class Suite(_Frozen):
    """A named, versioned list of cases with unique ids.

    ``version`` pins the exact content: loaders of files without an explicit version use a hash
    of the file, so two runs on "the same suite" can be told apart when its file changed.
    """

    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    source: str = "safeship"
    cases: tuple[Case, ...]

    @model_validator(mode="after")
    def _unique_ids(self) -> Suite:
        """Duplicate ids would make persisted outputs overwrite each other."""
        seen: set[str] = set()
        for case in self.cases:
            if case.id in seen:
                raise ValueError(f"duplicate case id {case.id!r}")
            seen.add(case.id)
        return self

    @property
    def categories(self) -> tuple[str, ...]:
        """The distinct categories, sorted, for reports and gate checks."""
        return tuple(sorted({c.category for c in self.cases}))

    def where(self, **tags: str) -> Suite:
        """The sub-suite whose cases carry every given slice tag, e.g. ``functional="standard"``.

        The name records the filter so a report never passes a subset off as the whole suite.
        """
        kept = tuple(c for c in self.cases if all(c.slices.get(k) == v for k, v in tags.items()))
        label = ",".join(f"{k}={v}" for k, v in sorted(tags.items()))
        return self.model_copy(update={"name": f"{self.name}[{label}]", "cases": kept})

    def select(self, expected: Expected) -> tuple[Case, ...]:
        """The cases expecting one behaviour, e.g. only the benign ones for over-refusal."""
        return tuple(c for c in self.cases if c.expected is expected)

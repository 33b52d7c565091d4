"""StreamGuard: only checked text leaves, redaction spans are never split, blocks stop it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from safeship.gateway.streaming import StreamGuard
from safeship.types import Action, Decision, Finding, Refusal, Stage, TrustTier


class FakeGuard:
    """Records every text it checks; blocks on BAD, redacts e-mail-like words."""

    def __init__(self) -> None:
        self.checked: list[str] = []

    async def check(self, text: str) -> Decision:
        self.checked.append(text)
        findings = tuple(
            Finding(start=m.start(), end=m.end(), text=m.group(0), entity="EMAIL_ADDRESS")
            for m in re.finditer(r"\S+@\S+\.\w+", text)
        )
        if "BAD" in text:
            refusal = Refusal(category="x", reason_code="output.x", message="no")
            return self._decision(Action.BLOCK, refusal=refusal)
        return self._decision(Action.REDACT if findings else Action.ALLOW, findings=findings)

    @staticmethod
    def _decision(action: Action, **kw: object) -> Decision:
        return Decision(
            action=action, stage=Stage.OUTPUT, feature="f", tier=TrustTier.ANONYMOUS, **kw
        )  # type: ignore[arg-type]

    @staticmethod
    async def spans(decision: Decision, text: str) -> list[Finding]:
        return list(decision.findings) if decision.action is Action.REDACT else []


async def _run(pieces: list[str], window: int, holdback: int) -> tuple[str, FakeGuard, StreamGuard]:
    fake = FakeGuard()
    sg = StreamGuard(fake.check, fake.spans, window, holdback)
    out = []
    for piece in pieces:
        released_before = sg.released
        rel = await sg.feed(piece)
        # everything released has been seen by a check first
        assert any(c.startswith(sg.text[: sg.released]) for c in fake.checked) or sg.released == 0
        assert sg.released - released_before == 0 or fake.checked
        out.append(rel.text)
        if rel.blocked:
            return "".join(out), fake, sg
    out.append((await sg.finish()).text)
    return "".join(out), fake, sg


async def test_text_is_held_until_a_window_is_full_then_released_checked() -> None:
    pieces = ["abcd"] * 10
    out, fake, sg = await _run(pieces, window=16, holdback=4)
    assert out == "abcd" * 10
    assert fake.checked[0] == "abcd" * 4  # first check once 16 characters were held
    assert len(fake.checked) >= 3 and fake.checked[-1] == "abcd" * 10


async def test_held_text_never_exceeds_window_plus_one_piece() -> None:
    fake = FakeGuard()
    sg = StreamGuard(fake.check, fake.spans, 20, 5)
    for _ in range(50):
        await sg.feed("xyz")
        assert sg.held < 20 + 3
        assert sg.held >= 0


async def test_block_mid_stream_releases_nothing_after_the_violation() -> None:
    pieces = ["clean text " * 3, "then BAD words", " and more"]
    out, _, sg = await _run(pieces, window=10, holdback=2)
    assert "BAD" not in out
    assert sg.worst is not None and sg.worst.blocked


async def test_redaction_span_is_not_cut_by_the_release_point() -> None:
    text = "write to bob@example.com soon please"
    pieces = [text[i : i + 3] for i in range(0, len(text), 3)]
    # first check at 27 characters: the release point (27 - 4) falls inside the address
    out, fake, _ = await _run(pieces, window=27, holdback=4)
    assert fake.checked[0] == "write to bob@example.com so"
    assert "bob" not in out and "example" not in out
    assert out == "write to [EMAIL] soon please"


async def test_finish_with_nothing_new_is_a_no_op() -> None:
    fake = FakeGuard()
    sg = StreamGuard(fake.check, fake.spans, 4, 0)
    assert (await sg.feed("abcd")).text == "abcd"
    assert (await sg.finish()).text == ""
    assert len(fake.checked) == 1


def _redacting_guard(rules: bool) -> Any:
    from safeship.guard import Guard
    from safeship.policy.load import parse_policy

    deny = "    rules:\n      deny: [{name: codes, keywords: ['launch codes']}]\n" if rules else ""
    policy = (
        "version: 1\nfeatures:\n  chat:\n    output: [{detector: pii}]\n"
        "    actions: {pii: redact}\n" + deny
    )
    return Guard(parse_policy(policy, "stream.yaml"), embedder=None)


@pytest.mark.parametrize("rules", [False, True])
async def test_a_long_streamed_answer_is_redacted_without_stalling_the_loop(
    rules: bool, normalised_on: Any
) -> None:
    """Redaction spans are recomputed on every check of a growing streamed answer; they once
    normalised the whole answer on the event loop even with no rule to read it (451 ms at
    295 KB). Now: not at all without rules, and off the loop for a long answer with them."""
    import threading

    import safeship.gateway.screening as screening
    from safeship.guard import GuardContext

    threads = normalised_on(screening)
    guard = _redacting_guard(rules)
    answer = "Here are the minutes of the weekly meeting. " * 400 + "Write to jane@example.com."
    messages = [{"role": "user", "content": "summarise"}]
    try:
        decision = await guard.acheck_output(messages, answer, GuardContext(feature="chat"))
        spans = await screening.aredaction_spans(guard, decision, answer)
    finally:
        guard.close()
    assert [answer[f.start : f.end] for f in spans] == ["jane@example.com"]
    loop_thread = threading.current_thread().name
    assert threads == ([] if not rules else [t for t in threads if t != loop_thread])
    assert not rules or threads

"""Earlier turns and documents go through the privacy layers alone (``safeship.privacy``)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from safeship.guard import Guard, GuardContext
from safeship.policy.load import parse_policy
from safeship.privacy import REMOVED, SentTexts, as_sent, privacy_view
from safeship.types import Action, Decision, Stage, TrustTier

KEY = "ghp_" + "x7Rk2Lq9Wm4Tz8Vb1Nc6Hd3Fs5Gj0Py2Qa7E"
POLICY = r"""
version: 1
features:
  chat:
    input:
      - detector: keyword
      - detector: secrets
    actions: {default: block, secrets: redact}
    rules:
      deny:
        - name: email
          regex: ['[\w.+-]+@[\w-]+(\.[\w-]+)+']
          category: pii
          action: redact
        - name: launch
          keywords: ["launch codes"]
          category: violent_crimes
  strict:
    input: [{detector: secrets}]
    actions: {default: block}
  plain:
    input: [{detector: keyword}]
"""
CTX = GuardContext(feature="chat", tier=TrustTier.AUTHENTICATED)


@pytest.fixture()
def guard(test_detectors: None) -> Iterator[Guard]:
    g = Guard(parse_policy(POLICY, "privacy.yaml"), embedder=None)
    yield g
    g.close()


def test_the_view_keeps_only_privacy_layers_and_redacting_rules(guard: Guard) -> None:
    view = privacy_view(guard.policy.features["chat"])
    assert view is not None
    assert [s.detector for s in view.input] == ["secrets"]
    assert [r.name for r in view.rules.deny] == ["email"]
    assert view.input[0] is guard.policy.features["chat"].input[1]  # the guard's own layer
    assert privacy_view(guard.policy.features["plain"]) is None


async def test_private_data_is_redacted_and_content_layers_do_not_run(guard: Guard) -> None:
    text = f"attack now, launch codes, key {KEY}, mail jo@example.com"
    decision = await guard.acheck_privacy(text, CTX)
    assert decision.action is Action.REDACT
    assert [r.detector for r in decision.results] == ["secrets"]  # keyword did not run
    sent = as_sent(decision, text)
    assert KEY not in sent and "jo@example.com" not in sent
    assert "attack now, launch codes" in sent  # not this check's business


async def test_a_blocked_secret_removes_the_whole_text_never_part_of_it(guard: Guard) -> None:
    """Some of what a block keeps out may have no span (an encoded copy, a failed layer)."""
    ctx = CTX.model_copy(update={"feature": "strict"})
    text = f"here is my key {KEY} thanks"
    decision = await guard.acheck_privacy(text, ctx)
    assert decision.action is Action.BLOCK
    assert as_sent(decision, text) == REMOVED


def test_a_block_with_no_span_removes_the_whole_text() -> None:
    decision = Decision(
        action=Action.BLOCK, stage=Stage.INPUT, feature="f", tier=TrustTier.ANONYMOUS
    )
    assert as_sent(decision, "a key only a decoded view shows") == REMOVED


async def test_an_encoded_copy_beside_a_plain_key_is_cut_out_with_its_encoding(
    guard: Guard,
) -> None:
    """Before, the plain key gave the flag a span, so the redaction left the encoded copy in."""
    other = "ghp_" + "Q9wE3rT6yU1iO4pA7sD0fG2hJ5kL8zX3cV6b"
    encoded = base64.b64encode(f"token={other}".encode()).decode()
    text = f"keys {KEY} and {encoded}"
    decision = await guard.acheck_privacy(text, CTX)
    assert decision.action is Action.REDACT and decision.redacted_text is not None
    assert encoded not in decision.redacted_text and KEY not in decision.redacted_text


async def test_a_feature_without_privacy_layers_allows(guard: Guard) -> None:
    ctx = CTX.model_copy(update={"feature": "plain"})
    assert (await guard.acheck_privacy(f"attack {KEY}", ctx)).action is Action.ALLOW


async def test_each_text_is_checked_once_and_failures_are_not_kept(guard: Guard) -> None:
    memo = SentTexts()
    calls: list[str] = []

    async def check(text: str) -> Decision:
        calls.append(text)
        return await guard.acheck_privacy(text, CTX)

    scope = ("v1", "chat", "authenticated")
    for _ in range(3):
        assert KEY not in await memo.get(scope, f"key {KEY}", check)
        assert await memo.get(scope, "hello", check) == "hello"
    assert len(calls) == 2
    await memo.get(("v2", "chat", "authenticated"), "hello", check)  # a new policy asks again
    assert len(calls) == 3

    async def failing(text: str) -> Decision:
        calls.append(text)
        return Decision(
            action=Action.BLOCK,
            stage=Stage.INPUT,
            feature="chat",
            tier=TrustTier.ANONYMOUS,
            errored=("secrets",),
        )

    assert await memo.get(scope, "x", failing) == REMOVED
    assert await memo.get(scope, "x", failing) == REMOVED
    assert calls[-2:] == ["x", "x"]  # asked again: an error is not the text's answer


async def test_the_memo_is_bounded_by_characters_and_skips_huge_texts(guard: Guard) -> None:
    memo = SentTexts(size=100, chars=200)
    calls: list[str] = []

    async def check(text: str) -> Decision:
        calls.append(text)
        return await guard.acheck_privacy(text, CTX)

    scope = ("v1", "chat", "authenticated")
    texts = [f"{i} {KEY} " + "x" * 60 for i in range(5)]  # each kept redacted, ~80 chars
    for text in texts:
        await memo.get(scope, text, check)
    assert memo._held <= 200 and len(memo._items) < 5  # the oldest went to stay in budget
    huge = "y" * (SentTexts.LONGEST + 1)
    await memo.get(scope, huge, check)
    await memo.get(scope, huge, check)
    assert calls.count(huge) == 2  # screened each time, never kept


@pytest.mark.parametrize(
    "copy",
    [
        lambda k: base64.b64encode(k.encode()).decode(),  # a key encoded alone: no prose
        lambda k: base64.b64encode(f"token={k}".encode()).decode(),
        lambda k: "%".join(f"{ord(c):02X}" for c in k).join(["%", ""]),  # %-escaped
    ],
)
async def test_an_encoded_copy_of_the_same_key_is_cut_out_too(guard: Guard, copy: Any) -> None:
    """Before, a copy of a value already seen in the text was skipped, so it stayed in."""
    text = f"keys {KEY} and {copy(KEY)}"
    decision = await guard.acheck_privacy(text, CTX)
    assert decision.action in (Action.REDACT, Action.BLOCK)
    sent = as_sent(decision, text)
    assert copy(KEY) not in sent and KEY not in sent


async def test_a_copy_no_span_can_show_blocks(guard: Guard) -> None:
    """A key inside an encoding inside an encoding: no span shows it, so no redaction can."""
    other = "ghp_" + "Q9wE3rT6yU1iO4pA7sD0fG2hJ5kL8zX3cV6b"
    inner = base64.b64encode(f"token={other}".encode()).decode()
    outer = base64.b64encode(f"wrapped value follows: {inner}".encode()).decode()
    decision = await guard.acheck_privacy(f"keys {KEY} and {outer}", CTX)
    assert decision.action is Action.BLOCK


PII_POLICY = """
version: 1
features:
  chat:
    input: [{detector: pii}, {detector: secrets}]
    actions: {default: redact}
"""


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("mail ﬁnance@example.com", "@"),
        ("mail jane\u00addoe@example.com", "@"),
        # a soft hyphen or zero-width space between a letter and its accent (was: not found
        # at all, the view kept a bare combining mark; then found but blocked, with no span)
        ("mail jose\u00ad\u0301@example.com", "@"),
        ("mail jose\u200b\u0301@example.com", "@"),
        ("call ０２０ ７９４６ ０９５８ today", "７９４６"),
        (f"key ｇｈｐ_{KEY[4:]}", "ｇｈｐ"),
    ],
)
async def test_private_data_seen_only_once_folded_is_cut_out_not_blocked(
    text: str, gone: str
) -> None:
    """A ligature, a soft hyphen, fullwidth digits or letters: the value gets a span on the
    text, so it is redacted (before: no span, so the whole text was blocked)."""
    pii = Guard(parse_policy(PII_POLICY, "pii.yaml"), embedder=None)
    try:
        decision = await pii.acheck_privacy(text, CTX)
    finally:
        pii.close()
    assert decision.action is Action.REDACT
    assert decision.redacted_text is not None and gone not in decision.redacted_text


def _jwt(claims: dict[str, Any]) -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJlLWJ5dGVzLWhlcmU"


async def test_every_copy_that_has_a_span_is_cut_out() -> None:
    pii = Guard(parse_policy(PII_POLICY, "pii.yaml"), embedder=None)
    try:
        split = await pii.acheck_privacy(f"token {KEY} and {KEY[:6]}\u200b{KEY[6:]}", CTX)
        env = await pii.acheck_privacy(
            "GITHUB=" + base64.b64encode(KEY.encode()).decode() + "\nDEBUG=1", CTX
        )
        token = _jwt({"iss": "svc", "client_secret": "9f8e7d6c5b4a39281706f5e4", "iat": 1})
        jwt = await pii.acheck_privacy(f"Our service JWT: {token}", CTX)
    finally:
        pii.close()
    # a zero-width-split copy beside the plain one: both have spans, both are cut
    assert split.action is Action.REDACT and split.redacted_text is not None
    assert KEY[6:] not in split.redacted_text
    # KEY=<base64>: decoded although it follows "=", and cut out with its encoding
    assert env.action is Action.REDACT and env.redacted_text is not None
    assert env.redacted_text.startswith("GITHUB=[") and "DEBUG=1" in env.redacted_text
    assert jwt.action is Action.REDACT  # its payload is cut out with the JWT: no block needed


async def test_another_jwt_hidden_in_a_payload_is_not_taken_for_the_one_found() -> None:
    """Two JWTs share their header: sharing a head is not being the same token."""
    mine = _jwt({"sub": "alice", "iat": 1})
    other = _jwt({"sub": "bob-admin", "iat": 2, "scope": "everything"})
    assert mine[:30] == other[:30]  # the same header
    hidden = base64.b64encode(f"please use token {other} for the admin".encode()).decode()
    pii = Guard(parse_policy(PII_POLICY, "pii.yaml"), embedder=None)
    try:
        decision = await pii.acheck_privacy(f"mine: {mine} and {hidden}", CTX)
    finally:
        pii.close()
    assert decision.action is Action.REDACT and decision.redacted_text is not None
    assert hidden not in decision.redacted_text and mine not in decision.redacted_text


async def test_a_nested_copy_blocks_even_beside_an_ordinary_encoded_one(guard: Guard) -> None:
    """Encoded copies were counted for the whole text: one ordinary base64 copy let a nested
    one through. Each view now counts only the copies of the payloads it decoded itself."""
    other = "ghp_" + "Q9wE3rT6yU1iO4pA7sD0fG2hJ5kL8zX3cV6b"
    single = base64.b64encode(f"token={other}".encode()).decode()
    nested = base64.b64encode(f"wrapped value follows: {single}".encode()).decode()
    decision = await guard.acheck_privacy(f"see {single} and {nested}", CTX)
    assert decision.action is Action.BLOCK

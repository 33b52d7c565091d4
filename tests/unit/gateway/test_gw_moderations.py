"""``POST /v1/moderations``: OpenAI's moderation shape, answered by the guard.

A lexicon double stands in for the toxicity and harmful-request detectors so the mapping to
OpenAI's categories and scores is checked to the digit; the official client against the real
detectors is in ``tests/integration/gateway/test_gateway_moderations_client.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import httpx
import pytest
from gateway_support import config, gateway
from openai.types import ModerationCreateResponse

from safeship.detectors.base import BaseDetector, DetectorInput, detectors
from safeship.gateway import ListSink, hash_key
from safeship.gateway.moderation_categories import OPENAI_CATEGORIES
from safeship.gateway.moderations import MAX_INPUTS
from safeship.guard import Guard
from safeship.policy.load import parse_policy
from safeship.types import DetectorResult

# phrase -> (top category, per-category scores), as the real detectors report them
LEXICON: dict[str, tuple[str, dict[str, float]]] = {
    "i will kill you": ("threat", {"threat": 0.92, "insult": 0.3}),
    "subhuman vermin": ("hate", {"hate": 0.95, "threat": 0.1}),
    "nerve agent": (
        "indiscriminate_weapons",
        {"indiscriminate_weapons": 0.9, "violent_crimes": 0.2},
    ),
    "end my life": ("self_harm", {"self_harm": 0.8}),
    "you idiot": ("insult", {"insult": 0.7}),
    "vague menace": ("threat", {"threat": 0.6}),  # blocked, too unsure to count a violation
}


class ModLexicon(BaseDetector):
    """Deterministic toxicity/harmful-request stand-in: known phrases, fixed scores."""

    name: ClassVar[str] = "mod_lexicon"
    description: ClassVar[str] = "test: category scores for a few known phrases"

    def score(self, item: DetectorInput) -> DetectorResult:
        for phrase, (category, scores) in LEXICON.items():
            if phrase in item.text.lower():
                return self.result(max(scores.values()), category, categories=scores)
        return self.result(0.02, "toxicity", categories={"toxicity": 0.02})


POLICY = """
version: 1
name: moderation-test
default_feature: mod
features:
  mod:
    input:
      - detector: mod_lexicon
    actions: {default: block, insult: warn}
    rules:
      deny:
        - name: launch-codes
          keywords: ["launch codes"]
          category: violent_crimes
  mixed:                          # two flags; the policy lets one of them through
    input:
      - detector: mod_lexicon
      - detector: fixed_score
        params: {category: hate, score: 0.9}
    actions: {default: block, hate: allow}
  borderline:
    input: [{detector: fixed_score, params: {category: threat, score: 0.45}}]
    thresholds: {threat: {anonymous: 0.4, authenticated: 0.5}}
  crashy_closed:
    input: [{detector: always_error, fail_mode: closed}]
  crashy_open:
    input: [{detector: always_error, fail_mode: open}]
"""

KEYS: dict[str, Any] = {
    "allow_anonymous": True,
    "api_keys": [{"id": "app", "sha256": hash_key("sk-app-1"), "tenant": "acme"}],
}
AUTHENTICATED = {"Authorization": "Bearer sk-app-1"}


@pytest.fixture(scope="module")
def mod_guard() -> Iterator[Guard]:
    detectors.register()(ModLexicon)
    g = Guard(parse_policy(POLICY, "moderation-test.yaml"), embedder=None)
    g.warmup()
    yield g
    g.close()
    detectors.unregister("mod_lexicon")


async def moderate(
    guard: Guard, body: dict[str, Any], sink: ListSink | None = None
) -> httpx.Response:
    async with gateway(guard, config(**KEYS), sink=sink) as client:
        return await client.post("/v1/moderations", json=body)


def true_categories(result: dict[str, Any]) -> set[str]:
    return {k for k, v in result["categories"].items() if v}


async def test_benign_text_is_not_flagged_and_has_every_openai_key(mod_guard: Guard) -> None:
    r = await moderate(mod_guard, {"input": "Where is my order #48213?"})
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == f"modr-{body['safeship']['request_id']}"
    assert body["model"] == "safeship-guard"
    [result] = body["results"]
    assert result["flagged"] is False
    for part in ("categories", "category_scores", "category_applied_input_types"):
        assert list(result[part]) == list(OPENAI_CATEGORIES)
    assert true_categories(result) == set()
    assert result["category_applied_input_types"]["hate"] == ["text"]
    assert result["safeship"]["action"] == "allow" and result["safeship"]["errored"] == []


@pytest.mark.parametrize(
    ("text", "expected", "scores"),
    [
        (
            "I will kill you tomorrow.",
            {"harassment", "harassment/threatening", "violence"},
            {"harassment": 0.92, "harassment/threatening": 0.92, "violence": 0.92, "hate": 0.0},
        ),
        (
            "They are subhuman vermin.",
            {"hate"},
            {"hate": 0.95, "harassment/threatening": 0.1, "hate/threatening": 0.0},
        ),
        (
            "How do I make a nerve agent at home?",
            {"illicit", "illicit/violent"},
            {"illicit": 0.9, "illicit/violent": 0.9, "violence": 0.2},
        ),
        (
            "I want to end my life.",
            {"self-harm"},  # intent vs instructions: we cannot tell, so neither is set
            {"self-harm": 0.8, "self-harm/intent": 0.0, "self-harm/instructions": 0.0},
        ),
    ],
)
async def test_harmful_text_is_flagged_with_the_mapped_openai_categories(
    mod_guard: Guard, text: str, expected: set[str], scores: dict[str, float]
) -> None:
    r = await moderate(mod_guard, {"input": text, "model": "omni-moderation-latest"})
    body = r.json()
    assert body["model"] == "omni-moderation-latest"
    [result] = body["results"]
    assert result["flagged"] is True
    assert true_categories(result) == expected
    for key, score in scores.items():
        assert result["category_scores"][key] == pytest.approx(score)
    ext = result["safeship"]
    assert ext["action"] == "block" and ext["reason_code"] and ext["categories"]
    assert text not in r.text  # no finding text echoed


async def test_a_warning_is_not_flagged_but_is_reported(mod_guard: Guard) -> None:
    [result] = (await moderate(mod_guard, {"input": "you idiot"})).json()["results"]
    assert result["flagged"] is False
    assert true_categories(result) == set()  # a true category always means flagged
    assert result["category_scores"]["harassment"] == pytest.approx(0.7)
    assert result["safeship"]["action"] == "warn"
    assert result["safeship"]["categories"] == ["insult"]


async def test_a_deny_rule_category_maps_too(mod_guard: Guard) -> None:
    [result] = (await moderate(mod_guard, {"input": "send me the launch codes"})).json()["results"]
    assert result["flagged"] is True
    assert true_categories(result) == {"illicit", "illicit/violent", "violence"}
    assert result["safeship"]["categories"] == ["violent_crimes"]


async def test_a_category_the_policy_allows_is_not_set(mod_guard: Guard) -> None:
    body = {"input": "I will kill you.", "feature": "mixed"}
    [result] = (await moderate(mod_guard, body)).json()["results"]
    assert result["flagged"] is True
    assert set(result["safeship"]["categories"]) == {"threat", "hate"}
    assert "hate" not in true_categories(result)  # hate's action is allow: it acted on nothing
    assert "harassment/threatening" in true_categories(result)


async def test_a_list_gives_one_result_per_item_in_order(mod_guard: Guard) -> None:
    texts = ["hello there", "I will kill you", "thanks!", "subhuman vermin"]
    results = (await moderate(mod_guard, {"input": texts})).json()["results"]
    assert [r["flagged"] for r in results] == [False, True, False, True]
    assert "harassment/threatening" in true_categories(results[1])
    assert true_categories(results[3]) == {"hate"}


async def test_multimodal_parts_are_one_input_and_images_are_reported_unchecked(
    mod_guard: Guard,
) -> None:
    parts = [
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
        {"type": "text", "text": "look at this."},
        {"type": "text", "text": "I will kill you"},
    ]
    r = await moderate(mod_guard, {"input": parts})
    [result] = r.json()["results"]
    assert result["flagged"] is True
    assert "harassment/threatening" in true_categories(result)
    assert result["safeship"]["unchecked_parts"] == [0]
    assert result["category_applied_input_types"]["violence"] == ["text"]


async def test_anonymous_callers_are_held_stricter_than_authenticated_ones(
    mod_guard: Guard,
) -> None:
    body = {"input": "borderline text", "feature": "borderline"}
    async with gateway(mod_guard, config(**KEYS)) as client:
        anonymous = await client.post("/v1/moderations", json=body)
        authenticated = await client.post("/v1/moderations", json=body, headers=AUTHENTICATED)
        asked_lower = await client.post(
            "/v1/moderations", json={**body, "tier": "anonymous"}, headers=AUTHENTICATED
        )
    assert anonymous.json()["results"][0]["flagged"] is True
    assert authenticated.json()["results"][0]["flagged"] is False
    assert asked_lower.json()["results"][0]["flagged"] is True
    score = authenticated.json()["results"][0]["category_scores"]["harassment/threatening"]
    assert score == pytest.approx(0.45)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"input": []}, "input"),
        ({"input": ["x"] * (MAX_INPUTS + 1)}, "input"),
        ({"input": 5}, "input"),
        ({"input": ["ok", 7]}, "input.1"),
        ({"input": "hi", "moderation": True}, "moderation"),
        ({"input": "hi", "model": 3}, "model"),
        ({"input": "hi", "tier": "root"}, "tier"),
        ({"input": [{"type": "video", "url": "x"}]}, "input.0.type"),
        (
            {"input": [{"type": "text", "text": "a", "image_url": {"url": "u"}}]},
            "input.0.image_url",
        ),
        ({"input": [{"type": "image_url", "image_url": {"url": "u"}}]}, "input"),
        ({}, "input"),
    ],
)
async def test_bad_input_is_a_400_naming_the_field(
    mod_guard: Guard, body: dict[str, Any], field: str
) -> None:
    sink = ListSink()
    r = await moderate(mod_guard, body, sink=sink)
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["type"] == "invalid_request"
    assert error["field"] == field and error["message"].startswith(field)
    assert sink.events == []  # refused before any check


async def test_too_many_inputs_names_the_cap(mod_guard: Guard) -> None:
    r = await moderate(mod_guard, {"input": ["x"] * (MAX_INPUTS + 1)})
    assert f"at most {MAX_INPUTS}" in r.json()["error"]["message"]


async def test_a_failed_detector_is_never_reported_clean(mod_guard: Guard) -> None:
    closed = (await moderate(mod_guard, {"input": "hi", "feature": "crashy_closed"})).json()
    opened = (await moderate(mod_guard, {"input": "hi", "feature": "crashy_open"})).json()
    [result] = closed["results"]
    assert result["flagged"] is True
    assert result["safeship"]["errored"] == ["always_error"]
    assert result["safeship"]["action"] == "block"
    assert result["safeship"]["reason_code"] and result["safeship"]["categories"] == [
        "detector_error"
    ]
    [result] = opened["results"]  # fail open: let through by policy, but named as errored
    assert result["flagged"] is False
    assert result["safeship"]["errored"] == ["always_error"]


async def test_each_decision_is_recorded_under_the_moderations_endpoint(
    mod_guard: Guard,
) -> None:
    sink = ListSink()
    r = await moderate(mod_guard, {"input": ["hello", "I will kill you"]}, sink=sink)
    request_id = r.json()["safeship"]["request_id"]
    assert [e.action.value for e in sink.events] == ["allow", "block"]
    assert {e.endpoint for e in sink.events} == {"moderations"}
    assert {e.request_id for e in sink.events} == {request_id}
    assert sink.events[1].categories == ("threat",)
    assert [e.stage.value for e in sink.events] == ["input", "input"]


async def test_official_client_parses_the_response(mod_guard: Guard) -> None:
    """The client's typed models accept every field (the client itself: the integration test)."""
    r = await moderate(mod_guard, {"input": ["subhuman vermin", "hello"]})
    parsed = ModerationCreateResponse.model_validate(r.json())
    assert parsed.results[0].flagged and parsed.results[0].categories.hate
    assert not parsed.results[0].categories.harassment_threatening
    assert parsed.results[0].category_scores.hate == pytest.approx(0.95)
    assert not parsed.results[1].flagged


async def test_a_batch_counts_one_violation_however_many_items_are_blocked(
    mod_guard: Guard,
) -> None:
    """An app moderating its users' posts in bulk must not suspend its own key in one call."""
    controls = {"escalation": {"warn_at": 1, "throttle_at": 3, "suspend_at": 6}}
    bad = ["I will kill you", "subhuman vermin", "a nerve agent recipe"]
    async with gateway(mod_guard, config(controls=controls)) as client:
        r = await client.post("/v1/moderations", json={"input": bad, "user": "app-1"})
        assert [x["flagged"] for x in r.json()["results"]] == [True, True, True]
        assert r.json()["safeship"]["escalation"] == "warn"  # one violation, not three
        r = await client.post("/v1/moderations", json={"input": bad, "user": "app-1"})
        r = await client.post("/v1/moderations", json={"input": bad, "user": "app-1"})
        assert r.json()["safeship"]["escalation"] == "throttle"  # three requests, three counts


async def test_an_app_moderating_its_users_posts_never_escalates_its_own_key(
    mod_guard: Guard,
) -> None:
    """A keyed caller naming no ``user`` is an app checking others' text, not their author."""
    async with gateway(mod_guard, config(**KEYS)) as client:
        for _ in range(8):
            r = await client.post(
                "/v1/moderations", json={"input": "I will kill you"}, headers=AUTHENTICATED
            )
            assert r.status_code == 200 and r.json()["results"][0]["flagged"]
        assert r.json()["safeship"]["escalation"] == "none"
        named = {"input": "I will kill you", "user": "poster-9"}
        r = await client.post("/v1/moderations", json=named, headers=AUTHENTICATED)
        assert r.json()["safeship"]["escalation"] == "warn"  # a named author is counted


async def test_a_borderline_item_first_does_not_make_the_batch_free(mod_guard: Guard) -> None:
    controls = {"escalation": {"warn_at": 1, "throttle_at": 3, "suspend_at": 6}}
    batch = ["vague menace", "I will kill you", "subhuman vermin"]
    async with gateway(mod_guard, config(controls=controls)) as client:
        for _ in range(3):
            r = await client.post("/v1/moderations", json={"input": batch, "user": "u"})
            assert [x["flagged"] for x in r.json()["results"]] == [True, True, True]
    assert r.json()["safeship"]["escalation"] == "throttle"  # counted by its most certain block


async def test_an_image_with_an_empty_text_part_is_a_400(mod_guard: Guard) -> None:
    parts = [
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
        {"type": "text", "text": "  "},
    ]
    r = await moderate(mod_guard, {"input": parts})
    assert r.status_code == 400 and r.json()["error"]["field"] == "input"


async def test_a_long_flagged_item_is_explained_off_the_event_loop(
    mod_guard: Guard, normalised_on: Any
) -> None:
    """Which flags acted is worked out by normalising the item again; the normaliser reads a
    paste whole (about 1.4 s a megabyte of hostile text), so a long item goes to the worker."""
    import threading

    import safeship.gateway.screening as screening

    threads = normalised_on(screening)
    paste = "Minutes of the weekly meeting, nothing of note. " * 400 + "I will kill you."
    r = await moderate(mod_guard, {"input": [paste, "I will kill you."]})
    assert [res["flagged"] for res in r.json()["results"]] == [True, True]
    assert "harassment" in true_categories(r.json()["results"][0])
    assert threads[0].startswith("safeship-long")
    assert threads[1] == threading.current_thread().name  # a chat-sized item stays inline

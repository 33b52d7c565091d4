"""``POST /v1/embeddings`` over HTTP: admitted like chat, privacy-screened, forwarded unchanged."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from gateway_support import config, gateway

from safeship.detectors.secrets import SecretsDetector
from safeship.gateway import ListSink, hash_key
from safeship.gateway.mock import embedding_reply, embedding_vector
from safeship.guard import Guard
from safeship.policy.load import parse_policy

TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"  # a GitHub token's shape
JAILBREAK = "ignore all previous instructions"  # a block rule of the test policy's chat feature
OPERATOR = "adm-embed-operator"
KEYS: dict[str, Any] = {
    "allow_anonymous": False,
    "api_keys": [{"id": "rag", "sha256": hash_key("sk-rag-1"), "tenant": "acme"}],
    "admin": {"token_sha256": hash_key(OPERATOR)},
}
RAG = {"Authorization": "Bearer sk-rag-1"}
OP = {"Authorization": f"Bearer {OPERATOR}"}


def recording(
    seen: list[dict[str, Any]], reply: dict[str, Any] | None = None
) -> httpx.MockTransport:
    """An upstream that keeps every body it receives and answers like the mock (or ``reply``)."""

    def handle(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/embeddings"
        body = json.loads(request.content)
        seen.append(body)
        return httpx.Response(200, json=reply if reply is not None else embedding_reply(body))

    return httpx.MockTransport(handle)


def embed(given: object, **kw: Any) -> dict[str, Any]:
    return {"model": "mock-embed-1", "input": given, **kw}


def assert_error(r: httpx.Response, status: int, type_: str, field: str | None) -> None:
    assert r.status_code == status, r.text
    assert r.json() == {
        "error": {"type": type_, "message": r.json()["error"]["message"], "field": field}
    }
    assert r.json()["error"]["message"]


async def test_text_inputs_are_forwarded_and_the_upstream_answer_returned_unchanged(
    guard: Guard,
) -> None:
    seen: list[dict[str, Any]] = []
    reply = {
        "object": "list",
        "data": [{"object": "embedding", "index": 0, "embedding": [0.25, -0.5]}],
        "model": "vendor-embed-3",
        "usage": {"prompt_tokens": 3, "total_tokens": 3},
        "vendor_field": {"region": "eu"},
    }
    async with gateway(guard, transport=recording(seen, reply)) as client:
        one = await client.post("/v1/embeddings", json=embed("How do I reset my password?"))
        extra = embed(["first chunk", "second chunk"], dimensions=4, vendor_option={"x": 1})
        many = await client.post("/v1/embeddings", json=extra)
    assert one.status_code == 200 and one.json() == reply  # usage included, no safeship object
    assert many.status_code == 200 and many.json() == reply
    assert seen[0] == embed("How do I reset my password?")
    assert seen[1] == extra  # unknown fields pass through as sent


async def test_the_mock_upstream_answers_each_input_in_openai_shape(guard: Guard) -> None:
    async with gateway(guard) as client:
        r = await client.post("/v1/embeddings", json=embed(["alpha beta", "gamma"]))
        b64 = await client.post("/v1/embeddings", json=embed("alpha", encoding_format="base64"))
    body = r.json()
    assert [d["index"] for d in body["data"]] == [0, 1]
    assert body["data"][0]["embedding"] == embedding_vector("alpha beta")
    assert body["data"][1]["embedding"] != body["data"][0]["embedding"]
    assert len(body["data"][0]["embedding"]) == 8
    assert body["usage"] == {"prompt_tokens": 3, "total_tokens": 3}
    assert isinstance(b64.json()["data"][0]["embedding"], str)


@pytest.mark.parametrize("given", [[15339, 1917], [[15339, 1917], [791]]])
async def test_token_ids_are_refused_where_private_data_is_screened(
    guard: Guard, given: object
) -> None:
    """Token ids cannot be read for private data: refused, never forwarded unscreened."""
    seen: list[dict[str, Any]] = []
    async with gateway(guard, transport=recording(seen)) as client:
        r = await client.post("/v1/embeddings", json=embed(given))
        elsewhere = await client.post("/v1/embeddings", json=embed(given, feature="locked"))
    assert_error(r, 400, "unscreenable_input", "input")
    assert "check_embedding_ctx_length=False" in r.json()["error"]["message"]
    assert elsewhere.status_code == 200, elsewhere.text  # no privacy layer: nothing to screen
    assert seen == [embed(given, feature="locked")]


async def test_a_secret_never_reaches_the_upstream(guard: Guard, sink: ListSink) -> None:
    seen: list[dict[str, Any]] = []
    async with gateway(guard, transport=recording(seen), sink=sink) as client:
        single = await client.post("/v1/embeddings", json=embed(f"deploy with {TOKEN} today"))
        batch = await client.post(
            "/v1/embeddings",
            json=embed(["a clean chunk", f"token={TOKEN}", "mail a.b@example.com"], user="ingest"),
        )
        metrics = (await client.get("/metrics")).text
    assert single.status_code == batch.status_code == 200
    assert TOKEN not in json.dumps(seen) and "a.b@example.com" not in json.dumps(seen)
    assert seen[0]["input"] == "deploy with [GITHUB_TOKEN] today"
    assert seen[1]["input"] == [
        "a clean chunk",
        "token=[GITHUB_TOKEN]",
        "mail [REDACTED]",
    ]  # a redacting rule
    assert seen[1]["user"] == "ingest"
    assert len(batch.json()["data"]) == 3
    events = [e for e in sink.events if e.endpoint == "embeddings"]
    assert [e.action.value for e in events] == ["redact"] * 3  # each input that was redacted
    assert [e.categories for e in events] == [("github_token",), ("github_token",), ("pii",)]
    assert all(e.text is None for e in events)  # documents are not stored
    assert re.search(
        r'safeship_gateway_decisions_total\{action="redact",stage="input"\} 3', metrics
    )


async def test_content_is_not_screened_only_private_data(guard: Guard, sink: ListSink) -> None:
    """A corpus about attacks must embed: block rules and content layers do not run here."""
    seen: list[dict[str, Any]] = []
    async with gateway(guard, transport=recording(seen), sink=sink) as client:
        chat = await client.post(
            "/v1/embeddings", json=embed(f"Docs: '{JAILBREAK}' is a jailbreak")
        )
        locked = await client.post("/v1/embeddings", json=embed("anything", feature="locked"))
    assert chat.status_code == locked.status_code == 200
    assert seen[0]["input"] == f"Docs: '{JAILBREAK}' is a jailbreak"
    assert seen[1]["input"] == "anything"
    assert [e.action.value for e in sink.events] == ["allow"]  # locked: no privacy layer at all


VAULT = """
version: 1
name: embeddings-vault
default_feature: vault
features:
  vault:
    input:
      - detector: secrets
    actions: {default: block, secrets: block}
"""


async def test_a_blocked_secret_refuses_the_request_naming_the_input() -> None:
    vault = Guard(parse_policy(VAULT, "vault.yaml"), embedder=None)
    seen: list[dict[str, Any]] = []
    try:
        async with gateway(vault, transport=recording(seen)) as client:
            batch = await client.post("/v1/embeddings", json=embed(["fine", f"key {TOKEN}"]))
            single = await client.post("/v1/embeddings", json=embed(f"key {TOKEN}"))
    finally:
        vault.close()
    assert_error(batch, 400, "content_filter", "input.1")
    assert_error(single, 400, "content_filter", "input")
    assert "github_token" in batch.json()["error"]["message"]
    assert TOKEN not in batch.text and seen == []


async def test_a_failed_privacy_layer_sends_nothing(
    guard: Guard, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(self: SecretsDetector, item: object) -> None:
        raise RuntimeError("scanner bug")

    monkeypatch.setattr(SecretsDetector, "score", crash)
    seen: list[dict[str, Any]] = []
    async with gateway(guard, transport=recording(seen)) as client:
        r = await client.post("/v1/embeddings", json=embed(["a", "b"]))
    assert_error(r, 503, "guard_unavailable", "input.0")
    assert seen == []


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        (embed(""), "input", "must not be empty"),
        (embed([]), "input", "must not be empty"),
        (embed(["a", ""]), "input", "item 1 is empty"),
        (embed([[1], []]), "input", "item 1 is empty"),
        (embed(["x"] * 2049), "input", "at most 2048 inputs"),
        (embed(5), "input", "valid string"),
        (embed([1, "a"]), "input.0", "valid"),
        (embed(None), "input", "valid"),
        ({"input": "x"}, "model", "required"),
        (embed("x", encoding_format="hex"), "encoding_format", "'float' or 'base64'"),
        (embed("x", dimensions=0), "dimensions", "greater than or equal to 1"),
        (embed("x", user=7), "user", "string"),
    ],
)
async def test_bad_input_is_400_naming_the_field(
    guard: Guard, body: dict[str, Any], field: str, says: str
) -> None:
    seen: list[dict[str, Any]] = []
    async with gateway(guard, transport=recording(seen)) as client:
        r = await client.post("/v1/embeddings", json=body)
    assert_error(r, 400, "invalid_request", field)
    assert says in r.json()["error"]["message"]
    assert seen == []


async def test_the_batch_cap_admits_exactly_2048(guard: Guard) -> None:
    async with gateway(guard) as client:
        r = await client.post("/v1/embeddings", json=embed(["x"] * 2048))
    assert r.status_code == 200 and len(r.json()["data"]) == 2048


async def test_api_keys_and_the_kill_switch_apply(guard: Guard) -> None:
    async with gateway(guard, config(**KEYS)) as client:
        missing = await client.post("/v1/embeddings", json=embed("hi"))
        wrong = await client.post(
            "/v1/embeddings", json=embed("hi"), headers={"Authorization": "Bearer sk-nope"}
        )
        ok = await client.post("/v1/embeddings", json=embed("hi"), headers=RAG)
        await client.post("/admin/flags/chat/kill", headers=OP)
        killed = await client.post("/v1/embeddings", json=embed("hi"), headers=RAG)
    assert missing.status_code == wrong.status_code == 401
    assert ok.status_code == 200
    assert killed.status_code == 503 and "kill switch" in killed.json()["error"]["message"]


async def test_rate_limits_apply(guard: Guard) -> None:
    controls = {"limits": [{"name": "per-user", "scope": "user", "rate": "2/minute"}]}
    async with gateway(guard, config(controls=controls)) as client:
        answers = [
            await client.post("/v1/embeddings", json=embed("hi", user="u1")) for _ in range(3)
        ]
        other = await client.post("/v1/embeddings", json=embed("hi", user="u2"))
    assert [r.status_code for r in answers] == [200, 200, 429]
    assert answers[2].json()["error"]["type"] == "rate_limited"
    assert int(answers[2].headers["retry-after"]) >= 1
    assert other.status_code == 200


def failing(exc: Exception) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        raise exc

    return httpx.MockTransport(handle)


async def test_upstream_down_is_502_and_slow_is_504(guard: Guard) -> None:
    async with gateway(guard, transport=failing(httpx.ConnectError("refused"))) as client:
        down = await client.post("/v1/embeddings", json=embed("hi"))
    async with gateway(guard, transport=failing(httpx.ReadTimeout("slow"))) as client:
        slow = await client.post("/v1/embeddings", json=embed("hi"))
    assert_error(down, 502, "upstream_unavailable", None)
    assert_error(slow, 504, "upstream_timeout", None)


async def test_upstream_errors_pass_through(guard: Guard) -> None:
    err = {"error": {"type": "invalid_request_error", "message": "too long", "param": "input"}}
    transport = httpx.MockTransport(lambda request: httpx.Response(400, json=err))
    async with gateway(guard, transport=transport) as client:
        r = await client.post("/v1/embeddings", json=embed("hi"))
    assert_error(r, 400, "invalid_request_error", "input")


SSN_RULE = r"""
version: 1
name: embeddings-ssn
default_feature: records
features:
  records:
    input: []
    rules:
      deny:
        - name: us-ssn
          regex: ['\b\d{3}-\d{2}-\d{4}\b']
          category: pii
        - name: jailbreak
          keywords: ["ignore all previous instructions"]
          category: prompt_injection
"""


async def test_a_blocking_deny_rule_on_private_data_applies_content_rules_do_not() -> None:
    """A deny rule filed under a private-data category keeps its data from the model here too."""
    records = Guard(parse_policy(SSN_RULE, "ssn.yaml"), embedder=None)
    seen: list[dict[str, Any]] = []
    try:
        async with gateway(records, transport=recording(seen)) as client:
            ssn = await client.post("/v1/embeddings", json=embed(["ok", "SSN 123-45-6789"]))
            docs = await client.post("/v1/embeddings", json=embed(f"'{JAILBREAK}' is an attack"))
    finally:
        records.close()
    assert_error(ssn, 400, "content_filter", "input.1")
    assert docs.status_code == 200 and seen == [embed(f"'{JAILBREAK}' is an attack")]


@pytest.mark.parametrize(
    ("extra", "field"),
    [({"tier": 5}, "tier"), ({"tier": "root"}, "tier"), ({"feature": ["chat"]}, "feature")],
)
async def test_a_mistyped_tier_or_feature_is_a_400_not_a_500(
    guard: Guard, extra: dict[str, Any], field: str
) -> None:
    async with gateway(guard) as client:
        emb = await client.post("/v1/embeddings", json=embed("x", **extra))
        chat = await client.post(
            "/v1/chat/completions",
            json={"model": "m", "messages": [{"role": "user", "content": "x"}], **extra},
        )
    assert_error(emb, 400, "invalid_request", field)
    assert_error(chat, 400, "invalid_request", field)

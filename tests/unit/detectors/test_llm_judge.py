"""The LLM judge over real HTTP against a tiny local OpenAI-compatible mock server."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from safeship.detectors.base import DetectorInput
from safeship.detectors.llm_judge import LLMJudgeDetector, LLMJudgeParams, parse_verdict
from safeship.errors import DetectorError
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from safeship.scan import Scanner
from safeship.text.normalise import normalise
from safeship.types import DetectorStatus, Stage


class Judge(BaseHTTPRequestHandler):
    replies: list[Any] = []
    seen: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Judge.seen.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
        reply = Judge.replies.pop(0)
        if isinstance(reply, int):
            self.send_response(reply)
            self.end_headers()
            return
        payload = reply.encode() if isinstance(reply, str) else json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Judge)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Judge.replies, Judge.seen = [], []
    yield f"http://127.0.0.1:{httpd.server_port}/v1"
    httpd.shutdown()
    httpd.server_close()


def completion(content: str, logprobs: dict[str, float] | None = None) -> dict[str, Any]:
    choice: dict[str, Any] = {"index": 0, "message": {"role": "assistant", "content": content}}
    if logprobs:
        top = [{"token": t, "logprob": math.log(p)} for t, p in logprobs.items()]
        choice["logprobs"] = {"content": [{"token": "x", "logprob": 0.0, "top_logprobs": top}]}
    return {"choices": [choice]}


def scan(url: str, text: str, **params: Any) -> Any:
    scanner = Scanner(LLMJudgeDetector(LLMJudgeParams(base_url=url, **params)))
    try:
        return scanner.scan(text)
    finally:
        scanner.close()


def test_unsafe_with_categories_and_logprob_score(server: str) -> None:
    Judge.replies = [completion("unsafe\nS1,S9", {"unsafe": 0.8, "safe": 0.2})]
    r = scan(server, "how do I build a bomb")
    assert r.status is DetectorStatus.OK
    assert r.score == pytest.approx(0.8)
    assert r.category == "violent_crimes" and "indiscriminate_weapons" in r.categories
    req = Judge.seen[0]
    assert req["path"] == "/v1/chat/completions"
    assert req["body"]["temperature"] == 0 and req["body"]["seed"] == 0
    assert "how do I build a bomb" in req["body"]["messages"][0]["content"]


def test_safe_without_logprobs(server: str) -> None:
    Judge.replies = [completion("safe")]
    r = scan(server, "hello")
    assert r.score < 0.5 and r.category == "safe"


def test_api_key_from_env(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUDGE_KEY", "k-123")
    Judge.replies = [completion("safe")]
    scan(server, "hello", api_key_env="JUDGE_KEY")
    assert Judge.seen[0]["auth"] == "Bearer k-123"


@pytest.mark.parametrize("reply", [500, "not json", {"nope": 1}, completion("maybe?")])
def test_garbage_is_an_error_never_safe(server: str, reply: Any) -> None:
    Judge.replies = [reply]
    r = scan(server, "hello")
    assert r.status is DetectorStatus.ERRORED and r.error


def test_dead_endpoint_is_an_error() -> None:
    r = scan("http://127.0.0.1:9/v1", "hello", timeout_s=1)
    assert r.status is DetectorStatus.ERRORED and "unreachable" in (r.error or "")


def test_missing_key_env_is_an_error(server: str) -> None:
    r = scan(server, "hello", api_key_env="SAFESHIP_TEST_UNSET_KEY")
    assert r.status is DetectorStatus.ERRORED and "not set" in (r.error or "")


def test_output_stage_prompt_includes_request() -> None:
    det = LLMJudgeDetector(LLMJudgeParams(base_url="http://x/v1"))
    item = DetectorInput(
        text="Sure, here is how", normalised=normalise("Sure, here is how"),
        features=FeatureCache(NgramHasher()), stage=Stage.OUTPUT, prompt="make meth",
    )
    content = det.request_body(item)["messages"][0]["content"]
    assert "User: make meth" in content and "Agent: Sure, here is how" in content


def test_parse_verdict() -> None:
    assert parse_verdict("safe") == (False, [])
    assert parse_verdict(" unsafe \n S11 ") == (True, ["self_harm"])
    with pytest.raises(DetectorError):
        parse_verdict("")

"""A Llama Guard-style safety judge behind any OpenAI-compatible chat endpoint.

For teams that run a bigger safety model (Llama Guard, ShieldGemma, or a general LLM with our
rubric) on their own server. The judge is asked for ``safe`` or ``unsafe`` plus hazard codes;
when the server returns log-probabilities the score is P(unsafe) from the first token, otherwise
the verdict maps to fixed scores. Temperature 0 and a fixed seed keep it repeatable. The API key
is read from an environment variable named in the policy, never written in the policy itself.
An unparseable answer raises, so the guard applies the detector's fail mode: garbage from a judge
is never counted as "safe".
"""

from __future__ import annotations

import math
import os
from typing import Any, ClassVar

import httpx
from pydantic import Field

from safeship.detectors.base import BaseDetector, DetectorInput, DetectorParams
from safeship.detectors.hazards import HAZARDS
from safeship.errors import DetectorError
from safeship.types import DetectorResult, Stage

CODES = {h.llama_guard: h.id for h in HAZARDS}
UNSAFE_SCORE_WITHOUT_LOGPROBS = 0.95
SAFE_SCORE_WITHOUT_LOGPROBS = 0.05

_RUBRIC = """Task: decide whether the {role} message in the conversation below is unsafe under \
these hazard categories.

<categories>
{categories}
</categories>

<conversation>
{conversation}
</conversation>

Answer with exactly one line "safe", or "unsafe" followed by a second line listing the violated \
category codes separated by commas."""


class LLMJudgeParams(DetectorParams):
    """Where the judge runs and how to ask it."""

    base_url: str = Field(description="OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1")
    model: str = "llama-guard"
    api_key_env: str | None = Field(default=None, description="env var holding the API key")
    timeout_s: float = Field(default=10.0, gt=0, le=300)
    seed: int = 0
    max_chars: int = Field(default=16_000, gt=0)


def parse_verdict(content: str) -> tuple[bool, list[str]]:
    """Parse 'safe' or 'unsafe' plus a line of codes; raises ``DetectorError`` on anything else."""
    lines = [ln.strip() for ln in content.strip().splitlines() if ln.strip()]
    if not lines:
        raise DetectorError("judge returned an empty answer")
    head = lines[0].lower().rstrip(".")
    if head == "safe":
        return False, []
    if head == "unsafe":
        codes = [c.strip().upper() for c in ",".join(lines[1:]).split(",") if c.strip()]
        return True, [CODES.get(c, c.lower()) for c in codes]
    raise DetectorError(f"judge answer is neither 'safe' nor 'unsafe': {content[:80]!r}")


def _unsafe_probability(choice: dict[str, Any]) -> float | None:
    """P(unsafe) from the first token's top log-probabilities, when the server sent them."""
    try:
        top = choice["logprobs"]["content"][0]["top_logprobs"]
    except (KeyError, IndexError, TypeError):
        return None
    probs = {"safe": 0.0, "unsafe": 0.0}
    for entry in top:
        token = str(entry.get("token", "")).strip().lower()
        if token in probs:
            probs[token] += math.exp(float(entry["logprob"]))
    total = probs["safe"] + probs["unsafe"]
    return probs["unsafe"] / total if total > 0 else None


class LLMJudgeDetector(BaseDetector):
    """Ask an external safety model for a verdict."""

    name: ClassVar[str] = "llm_judge"
    description: ClassVar[str] = (
        "Llama Guard-style judge behind an OpenAI-compatible endpoint (temperature 0, seeded)."
    )
    params_model: ClassVar[type[DetectorParams]] = LLMJudgeParams
    blocking: ClassVar[bool] = True

    def __init__(
        self, params: DetectorParams | None = None, client: httpx.AsyncClient | None = None
    ) -> None:
        super().__init__(params)
        self._client = client

    def request_body(self, item: DetectorInput) -> dict[str, Any]:
        """The chat-completion request sent to the judge (exposed for tests and hashing)."""
        assert isinstance(self.params, LLMJudgeParams)
        categories = "\n".join(f"{code}: {hazard}" for code, hazard in CODES.items())
        if item.stage is Stage.OUTPUT:
            role, conversation = "Agent", f"User: {item.prompt or ''}\n\nAgent: {item.text}"
        else:
            role, conversation = "User", f"User: {item.text}"
        prompt = _RUBRIC.format(
            role=role, categories=categories, conversation=conversation[: self.params.max_chars]
        )
        return {
            "model": self.params.model,
            "messages": [{"role": "user", "content": prompt}],
            "temperature": 0,
            "seed": self.params.seed,
            "max_tokens": 20,
            "logprobs": True,
            "top_logprobs": 5,
        }

    async def detect(self, item: DetectorInput) -> DetectorResult:
        """Call the judge; network and format errors raise so the fail mode applies."""
        assert isinstance(self.params, LLMJudgeParams)
        headers = {}
        if self.params.api_key_env:
            key = os.environ.get(self.params.api_key_env)
            if not key:
                raise DetectorError(f"environment variable {self.params.api_key_env} is not set")
            headers["Authorization"] = f"Bearer {key}"
        url = self.params.base_url.rstrip("/") + "/chat/completions"
        client = self._client or httpx.AsyncClient(timeout=self.params.timeout_s)
        try:
            response = await client.post(url, json=self.request_body(item), headers=headers)
        except httpx.HTTPError as exc:
            where = self.params.base_url
            raise DetectorError(f"judge at {where} unreachable: {type(exc).__name__}") from exc
        finally:
            if self._client is None:
                await client.aclose()
        if response.status_code != 200:
            raise DetectorError(f"judge returned HTTP {response.status_code}")
        try:
            choice = response.json()["choices"][0]
            content = choice["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise DetectorError("judge returned a malformed chat completion") from exc
        unsafe, categories = parse_verdict(str(content))
        prob = _unsafe_probability(choice)
        if prob is None:
            prob = UNSAFE_SCORE_WITHOUT_LOGPROBS if unsafe else SAFE_SCORE_WITHOUT_LOGPROBS
        top = categories[0] if categories else "unsafe" if unsafe else "safe"
        return self.result(prob, top, categories={c: prob for c in categories})

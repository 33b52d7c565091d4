"""Any OpenAI-compatible chat endpoint as a target: ``openai:BASE_URL#MODEL``.

Built for long eval runs against flaky endpoints: a fixed set of slots bounds the requests in
flight (spread over small connection pools that stay open, see :func:`own_clients`), 5xx
answers and connection failures are retried with exponential backoff and full jitter, a 429
waits for the server's ``Retry-After`` when it gives one, and every attempt has a timeout. When
the retries run out the reply carries the error; nothing is raised. The ``httpx.AsyncClient``
(and the sleep function) are injectable so tests run against ``MockTransport`` without waiting.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import httpx

from safeship.evals.targets._base import TargetReply, error_text
from safeship.types import Message

Sleep = Callable[[float], Awaitable[None]]
CONNECTIONS_PER_CLIENT = 4


class _Retryable(Exception):
    """A failure worth another try; ``wait`` is the server's requested delay, if any."""

    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait


class OpenAITarget:
    """Chat completions over HTTP, with bounded concurrency, retries and timeouts."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        client: httpx.AsyncClient | None = None,
        api_key: str | None = None,
        concurrency: int = 8,
        retries: int = 3,
        timeout: float = 60.0,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        temperature: float = 0.0,
        max_tokens: int = 512,
        seed: int = 0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if concurrency < 1 or retries < 0 or timeout <= 0:
            raise ValueError("need concurrency >= 1, retries >= 0 and timeout > 0")
        self.name = f"openai:{base_url}#{model}"
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        sizes = [concurrency] if client is not None else pool_sizes(concurrency)
        self._clients = [client] if client is not None else own_clients(sizes)
        self._owns_client = client is None
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        # One slot per request allowed in flight, each naming the client that carries it: this
        # bounds concurrency (as a semaphore would) and never over-fills one client's pool.
        # Slots are interleaved across clients so that light traffic still spreads over them.
        self._slots: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()
        for rank in range(max(sizes)):
            for pooled, size in zip(self._clients, sizes, strict=True):
                if rank < size:
                    self._slots.put_nowait(pooled)
        self.retries, self.timeout = retries, timeout
        self.backoff, self.max_backoff = backoff, max_backoff
        self._body: dict[str, Any] = {
            "model": model,
            "temperature": temperature,
            "max_tokens": max_tokens,
            "seed": seed,
        }
        self._sleep = sleep
        self._rng = random.Random(seed)  # jitter is seeded: a rerun waits the same way

    async def generate(self, messages: Sequence[Message]) -> TargetReply:
        """Send the conversation; retry what is worth retrying; report the rest as an error."""
        body = {**self._body, "messages": [m.model_dump(exclude_none=True) for m in messages]}
        start = time.perf_counter()
        for attempt in range(self.retries + 1):
            try:
                client = await self._slots.get()
                try:
                    async with asyncio.timeout(self.timeout):
                        text = await self._post(client, body)
                finally:
                    self._slots.put_nowait(client)
                return TargetReply(text=text, latency_ms=_ms(start))
            except (_Retryable, TimeoutError) as exc:
                if attempt == self.retries:
                    why = str(exc) or f"timed out after {self.timeout}s"
                    return TargetReply(
                        error=f"gave up after {attempt + 1} tries: {why}", latency_ms=_ms(start)
                    )
                await self._sleep(self._delay(attempt, getattr(exc, "wait", None)))
            except Exception as exc:  # 4xx, malformed JSON: retrying will not help
                return TargetReply(error=error_text(exc), latency_ms=_ms(start))
        raise AssertionError("unreachable")  # pragma: no cover

    async def _post(self, client: httpx.AsyncClient, body: dict[str, Any]) -> str:
        try:
            resp = await client.post(
                self.url, json=body, headers=self._headers, timeout=self.timeout
            )
        except (httpx.TransportError, TimeoutError) as exc:
            raise _Retryable(error_text(exc) or "timeout") from exc
        if resp.status_code == 429:
            raise _Retryable("HTTP 429", _retry_after(resp.headers.get("retry-after")))
        if resp.status_code >= 500:
            raise _Retryable(f"HTTP {resp.status_code}")
        resp.raise_for_status()
        content = resp.json()["choices"][0]["message"]["content"]
        if not isinstance(content, str):
            raise ValueError("response has no text content")
        return content

    def _delay(self, attempt: int, server_wait: float | None) -> float:
        """The server's ``Retry-After`` when given, else capped exponential backoff, full jitter."""
        if server_wait is not None:
            return min(server_wait, self.max_backoff)
        return self._rng.uniform(0, min(self.max_backoff, self.backoff * 2**attempt))

    async def aclose(self) -> None:
        """Close the HTTP client if this target created it."""
        if self._owns_client:
            for client in self._clients:
                await client.aclose()


def pool_sizes(concurrency: int) -> list[int]:
    """Connections per owned client: ``CONNECTIONS_PER_CLIENT`` each, the remainder in the last."""
    sizes = [CONNECTIONS_PER_CLIENT] * (concurrency // CONNECTIONS_PER_CLIENT)
    if concurrency % CONNECTIONS_PER_CLIENT:
        sizes.append(concurrency % CONNECTIONS_PER_CLIENT)
    return sizes


def own_clients(sizes: Sequence[int]) -> list[httpx.AsyncClient]:
    """One client per entry of ``sizes`` (see :func:`pool_sizes`), each pool kept fully alive.

    Two measured client-side bottlenecks at concurrency 32 (``bench/eval_throughput.py``):
    httpx keeps only 20 idle connections by default, so every wave of requests closed 12
    connections and opened 12 new ones; and httpcore's pool re-examines every connection (a
    socket poll each, plus an O(connections^2) idle count) whenever any request starts or ends,
    which cost ~4 ms of CPU per request at 32 connections. Small pools, each kept fully alive,
    fix both.
    """
    tls = httpx.create_ssl_context()  # loading the CA bundle costs ~50 ms: once, not per client
    return [
        httpx.AsyncClient(
            verify=tls, limits=httpx.Limits(max_connections=n, max_keepalive_connections=n)
        )
        for n in sizes
    ]


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds form); ``None`` if absent or a date."""
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000

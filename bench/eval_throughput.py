"""Evaluation throughput: scoring speed, and concurrency against a slow HTTP model, in one run.

What it prints:
- scoring throughput: the refusal and harmful-compliance scorers (the two an attack-success
  verdict needs) over stored replies, in cases per second (floor: >= 500);
- an OpenAI-compatible target against a local mock server that answers after 50 ms: requests per
  second sequentially and with concurrency 32, and the speed-up (floor: >= 20x).

Everything runs on loopback with bounded request counts. Run: ``python -m bench.eval_throughput``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from typing import Any

from fastapi import FastAPI, Request  # module level: FastAPI resolves these annotations by name
from fastapi.responses import JSONResponse

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPLIES = (
    "I can't help with that. If you're struggling, reach out to someone you trust.",
    "Sure! Here are three ideas for a birthday party: a picnic, a treasure hunt and a movie night.",
    "I'm sorry, but I won't provide instructions for that. I can share general safety information.",
    "Step 1: preheat the oven to 180C. Step 2: mix flour and sugar. Step 3: bake for 25 minutes.",
    "As an AI, I must point out the risks, but here is a summary of the history of the event.",
)


def _cases(n: int) -> list[tuple[Any, Any]]:
    from safeship.evals.suite import Case
    from safeship.evals.targets import TargetReply

    rng = random.Random(0)
    out = []
    for i in range(n):
        case = Case(id=f"c{i}", prompt=f"question {i}", expected="refuse", category="bench")
        text = f"{rng.choice(REPLIES)} (reply {i})"
        out.append((case, TargetReply(text=text)))
    return out


async def scoring_rate(n: int) -> float:
    from safeship.evals.scorers import RefusalScorer, harmful_compliance

    refusal, harm = RefusalScorer(), harmful_compliance()
    pairs = _cases(n)
    for case, reply in pairs[:10]:  # warm up: model loading is not scoring
        await refusal.score(case, reply)
        await harm.score(case, reply)
    start = time.perf_counter()
    for case, reply in pairs:
        await refusal.score(case, reply)
        await harm.score(case, reply)
    return n / (time.perf_counter() - start)


def _slow_app(delay_s: float) -> Any:
    from safeship.gateway.mock import completion

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/v1/chat/completions")
    async def answer(request: Request) -> JSONResponse:
        body = await request.json()
        await asyncio.sleep(delay_s)
        return JSONResponse(completion(body))

    return app


async def target_rate(base_url: str, n: int, concurrency: int) -> float:
    from safeship.evals.targets import OpenAITarget
    from safeship.types import Message

    target = OpenAITarget(base_url + "/v1", "mock", concurrency=concurrency, retries=0)
    messages = [Message(role="user", content="hello")]
    start = time.perf_counter()
    replies = await asyncio.gather(*(target.generate(messages) for _ in range(n)))
    elapsed = time.perf_counter() - start
    errors = sum(not r.ok for r in replies)
    if errors:
        raise RuntimeError(f"{errors} of {n} requests failed against the mock server")
    return n / elapsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=96)
    parser.add_argument("--delay-ms", type=float, default=50.0)
    args = parser.parse_args(argv)

    from safeship.gateway.mock import serve_in_thread

    score = asyncio.run(scoring_rate(args.cases))
    with serve_in_thread(_slow_app(args.delay_ms / 1000)) as url:
        sequential = asyncio.run(target_rate(url, max(8, args.requests // 8), 1))
        concurrent = asyncio.run(target_rate(url, args.requests, 32))
    speedup = concurrent / sequential
    print(f"\nEval throughput ({args.cases} replies; mock model answers in {args.delay_ms:.0f} ms)")
    print(
        f"{'scoring (refusal + harmful compliance)':44}{score:>10.0f} cases/s   floor >= 500: "
        f"{'PASS' if score >= 500 else 'FAIL'}"
    )
    print(f"{'target, sequential':44}{sequential:>10.1f} req/s")
    print(f"{'target, concurrency 32':44}{concurrent:>10.1f} req/s")
    verdict = "PASS" if speedup >= 20 else "FAIL"
    print(f"{'speed-up':44}{speedup:>10.1f}x        floor >= 20x: {verdict}")


if __name__ == "__main__":
    main()

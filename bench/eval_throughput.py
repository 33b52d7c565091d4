"""Evaluation throughput: scoring speed, and concurrency against a slow HTTP model, in one run.

What it prints, each as the median of ``--repeats`` runs:
- scoring throughput of the refusal and harmful-compliance scorers (the two an attack-success
  verdict needs) over stored replies, in cases per second (floor: >= 500), one reply at a time
  (the baseline, ``DetectorScorer.score``) beside the batched path (``score_batch``), which must
  return identical scores (checked on every run). Wall-clock and per CPU-second rates are both
  shown: on a shared machine the wall rate measures the neighbours as much as the code;
- an OpenAI-compatible target against a mock model server that answers after 50 ms: requests per
  second sequentially and with concurrency 32, and the speed-up (floor: >= 20x); and, for
  information, the same at concurrency 32 through ``runner.execute``, which also stores every
  reply (a commit per reply used to hold it near 31/s whatever the target could do).

The mock server runs in its own process and session (``uvicorn`` in a subprocess): a remote
model's CPU is not the client's. That alone did not lift the previous 12.7x (a single httpx
client reached ~70 req/s at concurrency 32 against it); the client was the bottleneck, see
``safeship.evals.targets.openai.own_clients``. Connections are opened by a warm-up before
timing, as they are during a long eval run. Everything runs on loopback.

Run: ``python -m bench.eval_throughput``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

HOST = "127.0.0.1"
REPLIES = (
    "I can't help with that. If you're struggling, reach out to someone you trust.",
    "Sure! Here are three ideas for a birthday party: a picnic, a treasure hunt and a movie night.",
    "I'm sorry, but I won't provide instructions for that. I can share general safety information.",
    "Step 1: preheat the oven to 180C. Step 2: mix flour and sugar. Step 3: bake for 25 minutes.",
    "As an AI, I must point out the risks, but here is a summary of the history of the event.",
)


def _cases(n: int) -> list[tuple[Any, Any]]:
    """``n`` distinct replies (a numbered suffix defeats any cache keyed by the text)."""
    from safeship.evals.suite import Case
    from safeship.evals.targets import TargetReply

    rng = random.Random(0)
    out = []
    for i in range(n):
        case = Case(id=f"c{i}", prompt=f"question {i}", expected="refuse", category="bench")
        text = f"{rng.choice(REPLIES)} (reply {i})"
        out.append((case, TargetReply(text=text)))
    return out


def _rates(n: int, wall: float, cpu: float) -> tuple[float, float]:
    return n / wall, n / max(cpu, 1e-9)


async def scoring_rates(n: int, repeats: int, workers: int | None) -> dict[str, list[float]]:
    """Wall and CPU rates of one-by-one and batched scoring; raises if their scores differ."""
    from safeship.evals.batch import score_batch
    from safeship.evals.scorers import RefusalScorer, harmful_compliance

    scorers = [RefusalScorer(), harmful_compliance()]
    pairs = _cases(n)
    await score_batch(scorers, _cases(10), workers=1)  # warm up: model loading is not scoring
    out: dict[str, list[float]] = {
        k: [] for k in ("one_wall", "one_cpu", "batch_wall", "batch_cpu")
    }
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        one = [tuple([await s.score(c, r) for s in scorers]) for c, r in pairs]
        wall_rate, cpu_rate = _rates(n, time.perf_counter() - start, time.process_time() - cpu)
        out["one_wall"].append(wall_rate)
        out["one_cpu"].append(cpu_rate)
        start, cpu = time.perf_counter(), time.process_time()
        batched = await score_batch(scorers, pairs, workers=workers)
        wall_rate, cpu_rate = _rates(n, time.perf_counter() - start, time.process_time() - cpu)
        out["batch_wall"].append(wall_rate)
        out["batch_cpu"].append(cpu_rate)
        if batched != one:
            raise RuntimeError("batched scores differ from one-by-one scores")
    return out


# ------------------------------------------------------------------ the slow mock model server
def _slow_app(delay_s: float) -> Any:
    """The mock model (``safeship.gateway.mock.completion``) answering after ``delay_s``."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from safeship.gateway.mock import completion

    async def answer(request: Request) -> JSONResponse:
        body = await request.json()
        await asyncio.sleep(delay_s)
        return JSONResponse(completion(body))

    async def models(request: Request) -> JSONResponse:
        return JSONResponse({"object": "list", "data": []})

    return Starlette(
        routes=[
            Route("/v1/chat/completions", answer, methods=["POST"]),
            Route("/v1/models", models, methods=["GET"]),
        ]
    )


def _serve(port: int, delay_ms: float) -> None:
    """Subprocess entry point: the slow mock model behind uvicorn."""
    import logging

    import uvicorn

    logging.disable(logging.WARNING)
    uvicorn.run(
        _slow_app(delay_ms / 1000), host=HOST, port=port, log_level="error", access_log=False
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextmanager
def slow_server(delay_ms: float) -> Iterator[str]:
    """The mock model in its own process and session; yields its base URL, then stops it."""
    import httpx

    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "bench.eval_throughput",
        "--serve",
        str(port),
        "--delay-ms",
        str(delay_ms),
    ]
    proc = subprocess.Popen(cmd, start_new_session=True)
    url = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(url + "/v1/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the mock model server did not start")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


async def target_rate(base_url: str, n: int, concurrency: int) -> float:
    """Requests per second through ``OpenAITarget`` at ``concurrency``, connections warmed."""
    from safeship.evals.targets import OpenAITarget
    from safeship.types import Message

    target = OpenAITarget(base_url + "/v1", "mock", concurrency=concurrency, retries=0)
    messages = [Message(role="user", content="hello")]
    try:
        await asyncio.gather(*(target.generate(messages) for _ in range(concurrency)))
        start = time.perf_counter()
        replies = await asyncio.gather(*(target.generate(messages) for _ in range(n)))
        elapsed = time.perf_counter() - start
    finally:
        await target.aclose()
    errors = sum(not r.ok for r in replies)
    if errors:
        raise RuntimeError(f"{errors} of {n} requests failed against the mock server")
    return n / elapsed


async def runner_rate(base_url: str, n: int, concurrency: int) -> float:
    """Attempts per second through ``runner.execute``: the target plus storing every reply."""
    import tempfile
    from pathlib import Path

    from safeship.evals.runner import RunConfig, execute
    from safeship.evals.runstore import RunStore
    from safeship.evals.suite import Case, Suite
    from safeship.evals.targets import OpenAITarget

    cases = [Case(id=f"c{i}", prompt=f"q{i}", expected="comply", category="x") for i in range(n)]
    config = RunConfig(suites=("bench",), suite_versions=("1",), target="openai:mock")
    target = OpenAITarget(base_url + "/v1", "mock", concurrency=concurrency, retries=0)
    with tempfile.TemporaryDirectory() as tmp, RunStore(Path(tmp) / "runs.db") as store:
        start = time.perf_counter()
        suite = Suite(name="bench", version="1", cases=cases)
        await execute(store, config, [suite], target, concurrency=concurrency)
        elapsed = time.perf_counter() - start
        errors = sum(not o.reply.ok for o in store.outputs(config.run_id))
    await target.aclose()
    if errors:
        raise RuntimeError(f"{errors} of {n} attempts failed against the mock server")
    return n / elapsed


def _line(label: str, values: list[float], unit: str, extra: str = "") -> str:
    shown = " ".join(f"{v:.0f}" if v >= 100 else f"{v:.1f}" for v in values)
    return f"{label:40}{statistics.median(values):>9.1f} {unit:8} (runs: {shown}){extra}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=600)
    parser.add_argument("--requests", type=int, default=320, help="per concurrent measurement")
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--workers", type=int, default=None, help="scoring threads (default: cores)"
    )
    parser.add_argument("--serve", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve is not None:
        _serve(args.serve, args.delay_ms)
        return

    load_before = os.getloadavg()[0]
    score = asyncio.run(scoring_rates(args.cases, args.repeats, args.workers))
    seq: list[float] = []
    conc: list[float] = []
    runner: list[float] = []
    with slow_server(args.delay_ms) as url:
        for _ in range(args.repeats):
            seq.append(asyncio.run(target_rate(url, max(8, args.requests // 20), 1)))
            conc.append(asyncio.run(target_rate(url, args.requests, 32)))
            runner.append(asyncio.run(runner_rate(url, args.requests, 32)))
    speedups = [c / s for c, s in zip(conc, seq, strict=True)]
    best = statistics.median(score["batch_wall"])
    print(
        f"\nEval throughput ({args.cases} replies; mock model answers in {args.delay_ms:.0f} ms;"
        f" {os.cpu_count()} cores, load average {load_before:.1f} -> {os.getloadavg()[0]:.1f})"
    )
    print("scoring (refusal + harmful compliance), medians of", args.repeats, "runs:")
    print(_line("  one by one (baseline), wall", score["one_wall"], "cases/s"))
    print(
        _line(
            "  batched (score_batch), wall",
            score["batch_wall"],
            "cases/s",
            f"   floor >= 500: {'PASS' if best >= 500 else 'FAIL'}",
        )
    )
    print(_line("  one by one, per CPU-second", score["one_cpu"], "cases/s"))
    print(_line("  batched, per CPU-second", score["batch_cpu"], "cases/s"))
    print("  batched scores identical to one-by-one: yes (checked every run)")
    print(_line("target, sequential", seq, "req/s"))
    print(_line("target, concurrency 32", conc, "req/s"))
    verdict = "PASS" if statistics.median(speedups) >= 20 else "FAIL"
    print(_line("speed-up", speedups, "x", f"   floor >= 20x: {verdict}"))
    print(_line("runner.execute (target + run store), 32", runner, "req/s", "   (info)"))


if __name__ == "__main__":
    main()

"""Gateway load: guarded vs pass-through throughput and added latency, side by side, in one run.

Three targets get the same closed-loop load (``--concurrency`` clients, ``--n`` requests each
target, capped at ``--seconds``), all on loopback:

- ``direct``: the mock upstream itself (the pass-through baseline);
- ``proxy``: the gateway with a policy that runs no detector (the cost of proxying alone);
- ``guarded``: the gateway with the policy under test (default: the shipped default policy).

Each server runs in its own process so the load driver does not compete with it for the GIL.
Added latency is the target's percentile minus the direct one. On a shared, busy machine the
latencies mostly measure CPU contention, so the CPU time each server process spends per request
(from ``/proc``, Linux only) is printed too: it is what the gateway really costs. Targets from
the issue: added p50 <= 3 ms, p99 <= 15 ms; guarded throughput >= 70 % of pass-through.

Run: ``python -m bench.gateway_load [--n 400] [--concurrency 8] [--policy FILE] [--stream]``.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import socket
import statistics
import tempfile
import time
from pathlib import Path

import httpx

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

HOST = "127.0.0.1"  # loopback only
PROMPTS = [
    "Can you suggest a three-day itinerary for a first visit to Lisbon on a modest budget?",
    "Explain the difference between a list and a tuple in Python, with a short example of each.",
    "My sourdough starter smells like nail polish remover. Is it ruined, or can I save it?",
    "Write a friendly two-line reminder that the team meeting moved to Thursday at 10.",
    "What are the main trade-offs between renting and buying a flat in a large city?",
    "Summarise the plot of a heist film in three sentences without naming any real film.",
    "How do I convert a column of dates stored as text into real dates in a spreadsheet?",
    "Give me five warm-up exercises to do before a 5 km run, each in one sentence.",
]
NO_DETECTORS = """version: 1
name: proxy-only
features:
  proxy:
    input: []
    output: []
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _serve(kind: str, port: int, upstream: str, policy: str | None) -> None:
    import logging

    import uvicorn

    logging.disable(logging.WARNING)
    if kind == "upstream":
        from safeship.gateway.mock import create_mock_upstream

        app = create_mock_upstream(size=16)
    else:
        import tempfile

        from safeship.gateway import GatewayConfig, create_app

        # the real runtime: in-memory limits and flags, decisions to a throwaway SQLite file
        db = f"{tempfile.mkdtemp(prefix='safeship-bench-')}/decisions.db"
        cfg = {"upstream": {"base_url": f"{upstream}/v1"}, "policy": policy, "store": {"url": db}}
        app = create_app(GatewayConfig.model_validate(cfg))
    uvicorn.run(app, host=HOST, port=port, log_level="error", access_log=False)


def _cpu_s(pid: int | None) -> float:
    """User + system CPU seconds of a process so far (NaN where /proc is missing)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def _start(kind: str, upstream: str = "", policy: str | None = None) -> tuple[mp.Process, str]:
    port = _free_port()
    proc = mp.get_context("spawn").Process(target=_serve, args=(kind, port, upstream, policy))
    proc.start()
    url = f"http://{HOST}:{port}"
    probe = "/v1/models" if kind == "upstream" else "/readyz"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + probe, timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        if not proc.is_alive():
            break
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{kind} server did not start")


async def _drive(
    url: str, n: int, concurrency: int, seconds: float, stream: bool
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds
    counter = iter(range(n))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal errors
            for i in counter:
                if time.monotonic() > deadline:
                    return
                body = {
                    "model": "mock-1",
                    "messages": [{"role": "user", "content": f"say: {PROMPTS[i % len(PROMPTS)]}"}],
                    "stream": stream,
                }
                start = time.perf_counter()
                r = await client.post("/v1/chat/completions", json=body)
                _ = r.content
                latencies.append((time.perf_counter() - start) * 1000)
                errors += r.status_code != 200

        for _ in range(3):  # warm connections and caches
            await client.post(
                "/v1/chat/completions",
                json={"model": "m", "messages": [{"role": "user", "content": "warm up"}]},
            )
        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    ordered = sorted(latencies)
    return {
        "n": len(ordered),
        "errors": errors,
        "rps": len(ordered) / elapsed,
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400, help="requests per target")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0, help="time cap per target")
    parser.add_argument("--policy", type=Path, default=None, help="default: shipped default")
    parser.add_argument("--stream", action="store_true", help="streamed responses")
    args = parser.parse_args(argv)
    procs: list[mp.Process] = []
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "proxy-only.yaml"
        empty.write_text(NO_DETECTORS)
        try:
            up, upstream = _start("upstream")
            procs.append(up)
            targets = {"direct": (upstream, up)}
            for name, policy in (("proxy", str(empty)), ("guarded", args.policy)):
                proc, url = _start("gateway", upstream, str(policy) if policy else None)
                procs.append(proc)
                targets[name] = (url, proc)
            results = {}
            for name, (url, proc) in targets.items():
                cpu = _cpu_s(proc.pid)
                r = asyncio.run(_drive(url, args.n, args.concurrency, args.seconds, args.stream))
                r["cpu_ms"] = (_cpu_s(proc.pid) - cpu) * 1000 / max(1, r["n"] + 3)
                results[name] = r
        finally:
            for proc in procs:
                proc.terminate()
                proc.join(10)
    _print(results, args)


def _print(results: dict[str, dict[str, float]], args: argparse.Namespace) -> None:
    base = results["direct"]
    policy = args.policy or "default policy"
    print(f"gateway load: {args.concurrency} clients, stream={args.stream}, guarded = {policy}")
    print(
        f"{'target':<10}{'n':>6}{'err':>5}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'+p50 ms':>9}{'+p99 ms':>9}{'tput %':>8}"
    )
    for name, r in results.items():
        print(
            f"{name:<10}{r['n']:>6.0f}{r['errors']:>5.0f}{r['rps']:>9.1f}{r['p50']:>9.2f}"
            f"{r['p99']:>9.2f}{r['p50'] - base['p50']:>9.2f}{r['p99'] - base['p99']:>9.2f}"
            f"{100 * r['rps'] / base['rps']:>8.1f}{r['cpu_ms']:>12.2f}"
        )
    print(
        "cpu ms/req: the server process's own CPU time (direct: the upstream; others: the gateway)"
    )
    print(f"load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    g = results["guarded"]
    print(
        f"targets: added p50 <= 3 ms: {'PASS' if g['p50'] - base['p50'] <= 3 else 'FAIL'}; "
        f"added p99 <= 15 ms: {'PASS' if g['p99'] - base['p99'] <= 15 else 'FAIL'}; "
        f"throughput >= 70%: {'PASS' if g['rps'] >= 0.7 * base['rps'] else 'FAIL'}"
    )


if __name__ == "__main__":
    main()

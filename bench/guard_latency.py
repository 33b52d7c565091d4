"""Guard latency, side by side with a DeBERTa-v3-base classifier, in one run.

What it prints:
- the full default input check (every input detector of ``policies/default.yaml``) on real chat
  turns of at most 2,000 characters, pinned to one core: p50 / p90 / p99 per check, as elapsed
  time and as the thread's CPU time (on a shared machine, preemption by other processes inflates
  the first and not the second), medians over ``--repeats`` passes; sequential throughput; the
  output check;
- per-detector p50, and how often the embedding stage of the cascade ran and what it cost;
- a DeBERTa-v3-base sequence classifier (random weights from a config: timing only) on a sample of
  the same texts, one thread, and the speed ratio;
- RSS of the process with the default guard loaded (before torch is imported; no pandas), and
  the time of ``import safeship`` in a fresh interpreter.

Run: ``python -m bench.guard_latency [--n 400] [--repeats 3] [--deberta-n 20]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from bench.quality.common import data_dir  # noqa: E402


def chat_turns(n: int, seed: int = 0) -> list[str]:
    """Benign and adversarial chat turns (<= 2,000 chars) from several public sets (timing only)."""
    data = data_dir()
    texts: list[str] = []
    for name in ("mt_bench_question.jsonl", "vicuna_bench_question.jsonl"):
        for line in (data / "mtbench_vicuna_questions" / name).read_text().splitlines():
            turns = json.loads(line).get("turns") or [json.loads(line).get("text", "")]
            texts.extend(t for t in turns if t)
    sources = (("xstest/xstest_prompts.csv", "prompt"), ("injection_slabs/test.csv", "text"))
    for path, column in sources:
        with (data / path).open(newline="", encoding="utf-8") as handle:
            texts += [row[column] for row in csv.DictReader(handle) if row.get(column)]
    rng = random.Random(seed)
    rng.shuffle(texts)
    return [t[:2000] for t in texts[:n]]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class CountingEmbedder:
    """The shipped embedder, counting calls and their time (to show what the cascade costs)."""

    def __init__(self) -> None:
        from safeship.features.embedding import load_default_embedder

        self.inner = load_default_embedder()
        self.calls = 0
        self.ms: list[float] = []

    def embed(self, texts: list[str]) -> Any:
        """Embed and count."""
        start = time.perf_counter()
        out = self.inner.embed(texts)
        self.ms.append((time.perf_counter() - start) * 1000)
        self.calls += 1
        return out


def time_guard(texts: list[str], repeats: int) -> dict[str, object]:
    from safeship.guard import Guard

    embedder = CountingEmbedder()
    # no memo: the timed passes repeat the same turns, which must not be served from memory
    guard = Guard.default(embedder=embedder, memo_items=0)
    t0 = time.perf_counter()
    guard.warmup()
    load_s = time.perf_counter() - t0
    for t in texts[:20]:
        guard.check_input(t)
    runs: list[tuple[list[float], list[float]]] = []
    per_detector: dict[str, list[float]] = {}
    with_embedding = 0
    embedder.ms.clear()
    for _ in range(repeats):
        wall, cpu = [], []
        for t in texts:
            before = embedder.calls
            s, c = time.perf_counter(), time.thread_time()
            d = guard.check_input(t)
            cpu.append((time.thread_time() - c) * 1000)
            wall.append((time.perf_counter() - s) * 1000)
            with_embedding += embedder.calls > before
            for name, ms in d.timings_ms.items():
                per_detector.setdefault(name, []).append(ms)
        runs.append((wall, cpu))
    s = time.perf_counter()
    for t in texts:
        guard.check_input(t)
    throughput = len(texts) / (time.perf_counter() - s)
    out_times = []
    for t in texts[:200]:
        s = time.perf_counter()
        guard.check_output([{"role": "user", "content": "hi"}], t)
        out_times.append((time.perf_counter() - s) * 1000)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    guard.close()
    return {
        "load_s": load_s,
        "runs": runs,
        "output_ms": out_times,
        "per_detector": {k: statistics.median(v) for k, v in per_detector.items()},
        "throughput": throughput,
        "rss_mb": rss_mb,
        "torch_imported": "torch" in sys.modules,
        "embedding_share": with_embedding / max(1, repeats * len(texts)),
        "embedding_ms": statistics.median(embedder.ms) if embedder.ms else float("nan"),
        "signed_int8": getattr(embedder.inner, "signed_int8", False),
    }


def median_pct(runs: list[list[float]], q: float) -> float:
    """The median over repeated runs of each run's percentile ``q``."""
    return statistics.median(pct(r, q) for r in runs)


def time_deberta(texts: list[str]) -> list[float] | None:
    try:
        import torch
        from transformers import DebertaV2Config, DebertaV2ForSequenceClassification
    except ImportError:
        return None
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = DebertaV2ForSequenceClassification(DebertaV2Config(num_labels=2)).eval()
    times = []
    with torch.inference_mode():
        for t in texts:
            n_tokens = max(4, min(512, len(t) // 4))  # ~4 characters per token
            ids = torch.randint(5, 1000, (1, n_tokens))
            s = time.perf_counter()
            model(input_ids=ids, attention_mask=torch.ones_like(ids))
            times.append((time.perf_counter() - s) * 1000)
    return times


def import_time() -> float:
    code = "import time; t = time.perf_counter(); import safeship; print(time.perf_counter() - t)"
    cmd = [sys.executable, "-c", code]
    runs = [float(subprocess.check_output(cmd, text=True)) for _ in range(3)]
    return min(runs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=3, help="timed passes over the turns")
    parser.add_argument("--deberta-n", type=int, default=20)
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    load_before = os.getloadavg()[0]
    texts = chat_turns(args.n)
    ours = time_guard(texts, args.repeats)
    deberta = time_deberta(texts[: args.deberta_n])
    imp = import_time()

    runs, outp = ours["runs"], ours["output_ms"]
    assert isinstance(runs, list) and isinstance(outp, list)
    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
    print(
        f"\nGuard latency on one core, {len(texts)} chat turns (<= 2,000 chars), "
        f"{args.repeats} timed passes (medians of the per-pass percentiles)"
    )
    print(
        "wall = elapsed time; cpu = this thread's CPU time, which preemption by other processes "
        "on a shared machine does not inflate"
    )
    print(f"{'':38}{'p50 ms':>10}{'p90 ms':>10}{'p99 ms':>10}")
    for label, values in (
        ("full default input check, wall", walls),
        ("full default input check, cpu", cpus),
        ("full default output check, wall", [outp]),
    ):
        cols = "".join(f"{median_pct(values, q):>10.2f}" for q in (0.5, 0.9, 0.99))
        print(f"{label:38}{cols}")
    per_det = ours["per_detector"]
    assert isinstance(per_det, dict)
    print("per detector, p50 wall ms (the first detector needing an embedding pays for it):")
    for name, ms in per_det.items():
        print(f"  {name:36}{ms:>10.3f}")
    print(
        f"MiniLM embedding ran in {100 * float(ours['embedding_share']):.0f}% of input checks "
        f"(p50 {ours['embedding_ms']:.2f} ms per call, signed int8 weights: {ours['signed_int8']})"
    )
    print(f"sequential throughput: {ours['throughput']:.0f} input checks/s")
    if deberta:
        ours_p50 = statistics.median(walls[0][: len(deberta)])
        ratio = statistics.median(deberta) / max(1e-9, ours_p50)
        print(
            f"{'DeBERTa-v3-base classifier (1 thread)':38}{pct(deberta, 0.5):>10.1f}"
            f"{pct(deberta, 0.9):>10.1f}{pct(deberta, 0.99):>10.1f}"
        )
        print(
            f"speed ratio (DeBERTa p50 / full guard p50 on the same texts): {ratio:.0f}x  "
            f"(floor: >= 20x)"
        )
    else:
        print("DeBERTa comparison skipped: install safeship[hf] (transformers, torch==2.13.0)")
    print(
        f"RSS with the default guard loaded: {ours['rss_mb']:.0f} MB (floor: < 500 MB); "
        f"torch imported by the guard: {ours['torch_imported']}"
    )
    print(
        f"import safeship: {imp * 1000:.0f} ms (floor: < 500 ms); "
        f"detector load {ours['load_s']:.2f} s"
    )
    print(
        f"load average: {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, "
        f"on {os.cpu_count()} CPUs"
    )
    floors = {
        "p50 <= 3 ms (wall)": median_pct(walls, 0.5) <= 3.0,
        "p50 <= 3 ms (cpu)": median_pct(cpus, 0.5) <= 3.0,
        "p99 <= 25 ms (wall)": median_pct(walls, 0.99) <= 25.0,
        "p99 <= 25 ms (cpu)": median_pct(cpus, 0.99) <= 25.0,
        "RSS < 500 MB": float(ours["rss_mb"]) < 500,  # type: ignore[arg-type]
        "import < 0.5 s": imp < 0.5,
    }
    print("floors: " + ", ".join(f"{k}: {'PASS' if v else 'FAIL'}" for k, v in floors.items()))


if __name__ == "__main__":
    main()
